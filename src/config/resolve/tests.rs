//! `Settings::resolve`: defaults, each layer's precedence, and every
//! problem reported at once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::defaults::MIB;
use crate::config::file::{LoadedFile, parse};
use crate::config::{
    Acl, AddressingStyle, ChecksumMode, ConfigError, DEFAULT_GZIP_TYPES, Destination,
    FollowSymlinks, Overrides, Precompressed, Settings,
};

fn loaded(text: &str) -> LoadedFile {
    LoadedFile {
        path: PathBuf::from("/proj/s3sync.toml"),
        text: text.to_string(),
        config: parse(text).unwrap(),
    }
}

fn resolve_with(
    flags: &Overrides,
    env: &[(&str, &str)],
    file: Option<&LoadedFile>,
) -> Result<Settings, ConfigError> {
    let env: BTreeMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    let lookup = move |k: &str| env.get(k).cloned();
    Settings::resolve(flags, &lookup, file, Path::new("/cwd"))
}

fn invalid(result: Result<Settings, ConfigError>) -> Vec<String> {
    match result {
        Err(ConfigError::Invalid(problems)) => problems,
        other => panic!("expected invalid settings, got {other:?}"),
    }
}

#[test]
fn defaults_without_any_input() {
    let s = resolve_with(&Overrides::default(), &[], None).unwrap();
    assert_eq!(s.source, None);
    assert_eq!(s.destination, None);
    assert_eq!(s.prefix, "");
    assert_eq!(s.objects.acl, Acl::Canned("public-read".into()));
    assert!(s.gzip.enabled);
    assert_eq!(s.gzip.level, 9);
    assert_eq!(s.gzip.content_types, DEFAULT_GZIP_TYPES);
    assert_eq!(s.sync.jobs, 32);
    assert!(!s.sync.delete);
    assert_eq!(s.sync.order[0].pattern, "**/*.html");
    assert_eq!(s.sync.manifest, ".s3sync-manifest.json");
    assert_eq!(s.s3.checksum, ChecksumMode::WhenSupported);
}

#[test]
fn file_values_apply_and_source_is_relative_to_the_file() {
    let file = loaded(
        "source = \"public\"\n[storage]\nbucket_name = \"site-assets\"\nlocation = \"/static/\"\nregion_name = \"eu-west-1\"\ndefault_acl = \"none\"\n[storage.object_parameters]\nCacheControl = \"max-age=60\"\n",
    );
    let s = resolve_with(&Overrides::default(), &[], Some(&file)).unwrap();
    assert_eq!(s.source, Some(PathBuf::from("/proj/public")));
    assert_eq!(
        s.destination,
        Some(Destination::S3 {
            bucket: "site-assets".into()
        })
    );
    assert_eq!(s.prefix, "static");
    assert_eq!(s.s3.region.as_deref(), Some("eu-west-1"));
    assert_eq!(s.objects.acl, Acl::Omit);
    assert_eq!(s.objects.cache_control.as_deref(), Some("max-age=60"));
}

#[test]
fn precedence_flag_over_ours_over_django_over_file() {
    let file = loaded(
        "[storage]\nbucket_name = \"from-file\"\nlocation = \"file-loc\"\nregion_name = \"file-region\"\n",
    );
    let django = [
        ("AWS_STORAGE_BUCKET_NAME", "from-django"),
        ("AWS_LOCATION", "django-loc"),
        ("AWS_S3_REGION_NAME", "django-region"),
    ];
    let s = resolve_with(&Overrides::default(), &django, Some(&file)).unwrap();
    assert_eq!(
        s.destination,
        Some(Destination::S3 {
            bucket: "from-django".into()
        })
    );
    assert_eq!(s.prefix, "django-loc");
    assert_eq!(s.s3.region.as_deref(), Some("django-region"));

    let mut both = django.to_vec();
    both.extend([
        ("S3SYNC_BUCKET_NAME", "from-ours"),
        ("S3SYNC_LOCATION", "ours-loc"),
        ("S3SYNC_REGION_NAME", "ours-region"),
    ]);
    let s = resolve_with(&Overrides::default(), &both, Some(&file)).unwrap();
    assert_eq!(
        s.destination,
        Some(Destination::S3 {
            bucket: "from-ours".into()
        })
    );
    assert_eq!(s.prefix, "ours-loc");
    assert_eq!(s.s3.region.as_deref(), Some("ours-region"));

    let flags = Overrides {
        to: Some("s3://from-flag/flag-loc".into()),
        jobs: Some(4),
        ..Overrides::default()
    };
    let s = resolve_with(&flags, &both, Some(&file)).unwrap();
    assert_eq!(
        s.destination,
        Some(Destination::S3 {
            bucket: "from-flag".into()
        })
    );
    assert_eq!(s.prefix, "flag-loc");
    assert_eq!(s.sync.jobs, 4);
}

#[test]
fn to_without_path_keeps_location() {
    let file = loaded("[storage]\nlocation = \"static\"\n");
    let flags = Overrides {
        to: Some("s3://bkt".into()),
        ..Overrides::default()
    };
    let s = resolve_with(&flags, &[], Some(&file)).unwrap();
    assert_eq!(s.prefix, "static");
}

#[test]
fn file_url_in_config_is_relative_to_the_config() {
    let file = loaded("to = \"file://out\"\n");
    let s = resolve_with(&Overrides::default(), &[], Some(&file)).unwrap();
    assert_eq!(
        s.destination,
        Some(Destination::Dir {
            root: PathBuf::from("/proj/out")
        })
    );
}

#[test]
fn django_environment_variables_are_honoured() {
    let env = [
        ("AWS_STORAGE_BUCKET_NAME", "bkt"),
        ("AWS_DEFAULT_ACL", "private"),
        ("AWS_S3_ENDPOINT_URL", "http://127.0.0.1:9000"),
        ("AWS_S3_ADDRESSING_STYLE", "path"),
        ("AWS_S3_SESSION_PROFILE", "deploy"),
        ("AWS_S3_CUSTOM_DOMAIN", "cdn.example.com"),
        ("AWS_QUERYSTRING_EXPIRE", "600"),
        ("AWS_IS_GZIPPED", "False"),
        ("GZIP_CONTENT_TYPES", "text/css, text/html"),
        (
            "AWS_S3_OBJECT_PARAMETERS",
            r#"{"CacheControl": "max-age=86400", "Metadata": {"team": "web"}}"#,
        ),
    ];
    let s = resolve_with(&Overrides::default(), &env, None).unwrap();
    assert_eq!(s.objects.acl, Acl::Canned("private".into()));
    assert_eq!(s.s3.endpoint_url.as_deref(), Some("http://127.0.0.1:9000"));
    assert_eq!(s.s3.addressing_style, AddressingStyle::Path);
    assert_eq!(s.s3.profile.as_deref(), Some("deploy"));
    assert_eq!(s.public.custom_domain.as_deref(), Some("cdn.example.com"));
    assert_eq!(s.public.querystring_expire, 600);
    assert!(!s.gzip.enabled);
    assert_eq!(s.gzip.content_types, ["text/css", "text/html"]);
    assert_eq!(s.objects.cache_control.as_deref(), Some("max-age=86400"));
    assert_eq!(
        s.objects.metadata.get("team").map(String::as_str),
        Some("web")
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let file = loaded(
        "[storage]\nbucket_name = \"Bad_Bucket\"\ndefault_acl = \"public\"\naddressing_style = \"sideways\"\n[storage.object_parameters]\nCacheControl = \"max-age=1\\r\\nX-Injected: yes\"\n[gzip]\nlevel = 12\n[sync]\njobs = 0\n",
    );
    let problems = invalid(resolve_with(&Overrides::default(), &[], Some(&file)));
    let all = problems.join("\n");
    assert!(all.contains("invalid bucket name 'Bad_Bucket'"), "{all}");
    assert!(all.contains("unknown ACL 'public'"), "{all}");
    assert!(all.contains("addressing_style 'sideways'"), "{all}");
    assert!(all.contains("CacheControl"), "{all}");
    assert!(all.contains("[gzip] level is 12"), "{all}");
    assert!(all.contains("[sync] jobs is 0"), "{all}");
    assert_eq!(problems.len(), 6, "{all}");
}

#[test]
fn negative_jobs_flag_is_refused() {
    let flags = Overrides {
        jobs: Some(-3),
        ..Overrides::default()
    };
    let problems = invalid(resolve_with(&flags, &[], None));
    assert!(problems[0].contains("--jobs is -3"), "{problems:?}");
}

#[test]
fn escaping_location_is_refused() {
    let problems = invalid(resolve_with(
        &Overrides::default(),
        &[("AWS_LOCATION", "static/../../etc")],
        None,
    ));
    assert!(problems[0].contains("'..'"), "{problems:?}");
}

#[test]
fn rules_keep_order_and_origin() {
    let file = loaded(
        "[[rules]]\nmatch = \"**/*.html\"\ncache_control = \"no-cache\"\n\n[[rules]]\nmatch = \"*.css\"\nacl = \"private\"\ngzip = false\n",
    );
    let s = resolve_with(&Overrides::default(), &[], Some(&file)).unwrap();
    assert_eq!(s.rules.len(), 2);
    assert_eq!(s.rules[0].glob.pattern, "**/*.html");
    assert_eq!(s.rules[0].glob.origin, "/proj/s3sync.toml line 2");
    assert_eq!(s.rules[1].acl, Some(Acl::Canned("private".into())));
    assert_eq!(s.rules[1].gzip, Some(false));
}

#[test]
fn both_to_and_bucket_name_in_file_is_an_error() {
    let file = loaded("to = \"s3://a-bucket\"\n[storage]\nbucket_name = \"b-bucket\"\n");
    let problems = invalid(resolve_with(&Overrides::default(), &[], Some(&file)));
    assert!(problems[0].contains("both `to` and"), "{problems:?}");
}

#[test]
fn multipart_sizes_take_units_or_bytes_within_s3_limits() {
    let ok = loaded("[sync]\nmultipart_threshold = \"100 MiB\"\nmultipart_chunksize = 8388608\n");
    let s = resolve_with(&Overrides::default(), &[], Some(&ok)).unwrap();
    assert_eq!(s.s3.multipart.threshold, 100 * MIB);
    assert_eq!(s.s3.multipart.chunksize, 8 * MIB);
    let d = resolve_with(&Overrides::default(), &[], None).unwrap();
    assert_eq!(
        (d.s3.multipart.threshold, d.s3.multipart.chunksize),
        (64 * MIB, 16 * MIB)
    );
    let bad = loaded("[sync]\nmultipart_threshold = \"1KiB\"\nmultipart_chunksize = \"lots\"\n");
    let problems = invalid(resolve_with(&Overrides::default(), &[], Some(&bad)));
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].contains("[sync] multipart_threshold is \"1KiB\"")
            && problems[0].contains("5MiB to 5GiB"),
        "{problems:?}"
    );
    assert!(problems[1].contains("multipart_chunksize"), "{problems:?}");
}

#[test]
fn follow_symlinks_defaults_to_inside_and_names_the_allowed_values() {
    let s = resolve_with(&Overrides::default(), &[], None).unwrap();
    assert_eq!(s.filter.follow_symlinks, FollowSymlinks::Inside);
    for (text, want) in [
        ("inside", FollowSymlinks::Inside),
        ("outside", FollowSymlinks::Outside),
        ("never", FollowSymlinks::Never),
    ] {
        let file = loaded(&format!("[scan]\nfollow_symlinks = \"{text}\"\n"));
        let s = resolve_with(&Overrides::default(), &[], Some(&file)).unwrap();
        assert_eq!(s.filter.follow_symlinks, want);
    }
    let file = loaded("[scan]\nfollow_symlinks = \"always\"\n");
    let all = invalid(resolve_with(&Overrides::default(), &[], Some(&file))).join("\n");
    for needle in [
        "[scan] follow_symlinks",
        "\"always\"",
        "\"inside\"",
        "\"outside\"",
        "\"never\"",
    ] {
        assert!(all.contains(needle), "{needle} missing: {all}");
    }
}

#[test]
fn precompressed_defaults_to_skip_and_names_the_allowed_values() {
    let gzip = |text: &str| resolve_with(&Overrides::default(), &[], Some(&loaded(text)));
    assert_eq!(gzip("").unwrap().gzip.precompressed, Precompressed::Skip);
    let upload = gzip("[gzip]\nprecompressed = \"upload\"\n").unwrap();
    assert_eq!(upload.gzip.precompressed, Precompressed::Upload);
    let all = invalid(gzip("[gzip]\nprecompressed = \"keep\"\n")).join("\n");
    assert!(
        all.contains("[gzip] precompressed = \"keep\"")
            && all.contains("\"skip\"")
            && all.contains("\"upload\""),
        "{all}"
    );
}

#[test]
fn the_example_config_shows_only_defaults() {
    let example = loaded(include_str!("../../../s3sync.toml.example"));
    let mut from_example = resolve_with(&Overrides::default(), &[], Some(&example)).unwrap();
    let from_empty = resolve_with(&Overrides::default(), &[], Some(&loaded(""))).unwrap();
    // `source` has no default: the starter names the usual folder.
    assert_eq!(from_example.source, Some(PathBuf::from("/proj/public")));
    from_example.source = None;
    // The example writes `[sync] order` out, so its globs say where.
    for glob in &mut from_example.sync.order {
        assert!(
            glob.origin.starts_with("/proj/s3sync.toml line "),
            "{glob:?}"
        );
        glob.origin = "default [sync] order".into();
    }
    assert_eq!(from_example, from_empty);
}

#[test]
fn keep_removed_layers_flag_over_env_over_file_and_defaults_to_unset() {
    use std::time::Duration;
    let day = Duration::from_secs(86_400);
    assert_eq!(
        resolve_with(&Overrides::default(), &[], None)
            .unwrap()
            .sync
            .keep_removed,
        None,
        "unset: the grace depends on the file"
    );
    let file = loaded("[sync]\nkeep_removed = \"7d\"\n");
    let env = [("S3SYNC_KEEP_REMOVED", "12h")];
    let flag = Overrides {
        keep_removed: Some("0s".into()),
        ..Overrides::default()
    };
    let got = |flags: &Overrides, env: &[(&str, &str)]| {
        resolve_with(flags, env, Some(&file))
            .unwrap()
            .sync
            .keep_removed
    };
    assert_eq!(got(&Overrides::default(), &[]), Some(7 * day));
    assert_eq!(
        got(&Overrides::default(), &env),
        Some(Duration::from_secs(12 * 3600))
    );
    assert_eq!(got(&flag, &env), Some(Duration::ZERO));
    for (text, seconds) in [("90m", 5400), ("1d 12h", 129_600), ("30s", 30), ("0", 0)] {
        let flags = Overrides {
            keep_removed: Some(text.into()),
            ..Overrides::default()
        };
        assert_eq!(
            resolve_with(&flags, &[], None).unwrap().sync.keep_removed,
            Some(Duration::from_secs(seconds)),
            "{text}"
        );
    }
}

#[test]
fn bad_keep_removed_values_name_their_layer_and_the_units() {
    let problems = invalid(resolve_with(
        &Overrides::default(),
        &[("S3SYNC_KEEP_REMOVED", "a week")],
        None,
    ));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("S3SYNC_KEEP_REMOVED 'a week' is not a duration"),
        "{problems:?}"
    );
    assert!(problems[0].contains("units s, m, h, d"), "{problems:?}");
    for (text, why) in [
        ("7", "is not a duration"),
        ("1.5s", "fraction of a second"),
        ("20y", "longer than 3650d"),
        ("-1d", "is not a duration"),
    ] {
        let file = loaded(&format!("[sync]\nkeep_removed = \"{text}\"\n"));
        let problems = invalid(resolve_with(&Overrides::default(), &[], Some(&file)));
        assert!(
            problems[0].starts_with(&format!("[sync] keep_removed '{text}'"))
                && problems[0].contains(why),
            "{text}: {problems:?}"
        );
    }
}

#[test]
fn redirects_keep_their_line_and_every_bad_one_is_named_with_the_fix() {
    let good = "to = \"s3://bucket/p\"\n[[redirects]]\nfrom = \"old/page.html\"\nto = \"/new/page/\"\n\n[[redirects]]\nfrom = \"blog/index.html\"\nto = \"https://blog.example.com/\"\n";
    let s = resolve_with(&Overrides::default(), &[], Some(&loaded(good))).unwrap();
    assert_eq!(s.redirects.len(), 2);
    assert_eq!(s.redirects[0].from, "old/page.html");
    assert_eq!(s.redirects[0].to, "/new/page/");
    assert_eq!(s.redirects[0].origin, "/proj/s3sync.toml line 3");
    assert_eq!(s.redirects[1].origin, "/proj/s3sync.toml line 7");

    let bad = "to = \"s3://bucket/p\"\n\
        [[redirects]]\nfrom = \"../etc/passwd\"\nto = \"/x/\"\n\
        [[redirects]]\nfrom = \"a.html\"\nto = \"new/page/\"\n\
        [[redirects]]\nfrom = \"a.html\"\nto = \"/b/\"\n\
        [[redirects]]\nfrom = \"c.html\"\nto = \"//evil.example/\"\n";
    let problems = invalid(resolve_with(&Overrides::default(), &[], Some(&loaded(bad))));
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(
        problems[0].starts_with(
            "[[redirects]] at /proj/s3sync.toml line 3: from = \"../etc/passwd\" has the segment \"..\""
        ),
        "{}",
        problems[0]
    );
    assert!(
        problems[1].starts_with(
            "[[redirects]] at /proj/s3sync.toml line 7: to = \"new/page/\" cannot be a website redirect: it is neither a path starting with `/`"
        ),
        "{}",
        problems[1]
    );
    assert!(
        problems[1].contains("to = \"/new/page/\""),
        "{}",
        problems[1]
    );
    assert_eq!(
        problems[2],
        "[[redirects]] at /proj/s3sync.toml line 9: from = \"a.html\" is already redirected by the [[redirects]] at /proj/s3sync.toml line 6: keep one of them"
    );
    assert!(
        problems[3].contains("line 13: to = \"//evil.example/\""),
        "{}",
        problems[3]
    );
    assert!(problems[3].contains("another host"), "{}", problems[3]);

    let unknown = parse("[[redirects]]\nfrom = \"a\"\ntarget = \"/b\"\n").unwrap_err();
    assert!(unknown.contains("unknown field `target`"), "{unknown}");
    let missing = parse("[[redirects]]\nfrom = \"a\"\n").unwrap_err();
    assert!(missing.contains("missing field `to`"), "{missing}");
}

mod layers;
