//! Fuzz the config file and rules: parse any text as `s3sync.toml`, resolve
//! it, compile its globs and resolve a few paths. Nothing may panic.
#![no_main]

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use s3sync::config::Overrides;
use s3sync::config::Settings;
use s3sync::config::file::{LoadedFile, parse};
use s3sync::local::fingerprints::Hashed;
use s3sync::local::rules::Rules;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = parse(text) else {
        return;
    };
    let file = LoadedFile {
        path: PathBuf::from("/fuzz/s3sync.toml"),
        text: text.to_string(),
        config,
    };
    let Ok(settings) = Settings::resolve(&Overrides::default(), &|_| None, Some(&file), Path::new("/fuzz"))
    else {
        return;
    };
    if let Ok(rules) = Rules::new(&settings, Hashed::default()) {
        for path in ["index.html", "css/app.css", "a/b/c.js.map", ".well-known/x", "fonts/x.woff2"] {
            let spec = rules.resolve(path);
            assert!(!spec.headers.content_type.is_empty());
        }
    }
    let _ = s3sync::iam::iam_policy(&settings, "fuzz-bucket", true);
});
