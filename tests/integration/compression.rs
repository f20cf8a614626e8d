//! How objects are compressed, read back: the default list covers every
//! text type, `br` objects decode with brotli to the source (single-part,
//! multipart and through a listing's ETags), `none` stores the source
//! bytes, and a change of encoding re-uploads exactly the keys it changes.

use crate::support::{S3, Sandbox, gunzip, summary};

/// The keys of assets-example whose type is on the default list.
const COMPRESSIBLE: [&str; 8] = [
    "static/about/index.html",
    "static/css/app.css",
    "static/img/logo.svg",
    "static/index.html",
    "static/js/app.js",
    "static/js/app.js.map",
    "static/robots.txt",
    "static/site.webmanifest",
];
/// Already compressed: stored as they are under every encoding.
const COMPRESSED: [&str; 2] = ["static/fonts/inter.woff2", "static/img/photo.png"];

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &bytes[..], &mut out).expect("valid brotli");
    out
}

/// The keys a `--json` run lists with `action`.
fn keys_with(run: &crate::support::Run, action: &str) -> Vec<String> {
    let mut keys: Vec<String> = run.json()["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == action)
        .map(|a| a["key"].as_str().unwrap().to_string())
        .collect();
    keys.sort();
    keys
}

/// 17 MiB of bytes no codec can shrink: over the 16 MiB s3sync keeps in
/// memory, so the brotli output is spooled to a file and sent in parts.
fn large_bytes() -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..17 * 1024 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect()
}

#[tokio::test]
async fn br_decodes_to_the_source_none_stores_the_source_and_listings_agree() {
    let s3 = S3::new("brotli").await;
    let sb = Sandbox::with_assets();
    let big = large_bytes();
    sb.write("site/data/big.bin", &big);
    sb.config(&s3.config(
        &s3.endpoint,
        "[gzip]\nencoding = \"br\"\n[[rules]]\nmatch = \"robots.txt\"\nencoding = \"none\"\n[[rules]]\nmatch = \"data/**\"\nencoding = \"br\"\n[sync]\nmultipart_threshold = \"5MiB\"\nmultipart_chunksize = \"5MiB\"\n",
    ));
    let push = sb.run(&["push"]);
    push.expect(0);
    // Nothing says a CDN serves this bucket: a warning says who cannot read br.
    assert!(
        push.stderr
            .contains("8 object(s) will be stored brotli-encoded (Content-Encoding: br)"),
        "{}",
        push.stderr
    );
    for key in COMPRESSIBLE.iter().filter(|k| !k.ends_with("robots.txt")) {
        let o = s3.get(key).await;
        assert_eq!(o.content_encoding.as_deref(), Some("br"), "{key}");
        let source = sb.read(&key.replace("static/", "site/"));
        assert_eq!(unbrotli(&o.bytes), source, "{key} decodes to the source");
    }
    let robots = s3.get("static/robots.txt").await;
    assert_eq!(
        robots.content_encoding, None,
        "a rule's encoding = \"none\""
    );
    assert_eq!(robots.bytes, sb.read("site/robots.txt"));
    for key in COMPRESSED {
        let o = s3.get(key).await;
        assert_eq!(o.content_encoding, None, "{key} is never encoded twice");
        assert_eq!(o.bytes, sb.read(&key.replace("static/", "site/")));
    }
    // The large file went in parts: its brotli bytes, cut and put back.
    let bin = s3.get("static/data/big.bin").await;
    assert_eq!(
        bin.content_encoding.as_deref(),
        Some("br"),
        "a rule's encoding"
    );
    assert!(
        bin.etag.ends_with("-4"),
        "uploaded in 4 parts: {}",
        bin.etag
    );
    assert!(
        unbrotli(&bin.bytes) == big,
        "the large file decodes exactly"
    );

    // Without the record, the bucket is reconciled by listing: the ETag of
    // each single-part object is the MD5 of the brotli bytes s3sync
    // computes again, so nothing but the multipart object is sent.
    for key in s3.keys().await {
        if key.starts_with("static/.s3sync-manifest.json") {
            s3.client
                .delete_object()
                .bucket(&s3.bucket)
                .key(&key)
                .send()
                .await
                .unwrap();
        }
    }
    let again = sb.run(&["push", "--json"]);
    again.expect(0);
    assert_eq!(summary(&again, "new"), 0);
    assert_eq!(keys_with(&again, "changed"), ["static/data/big.bin"]);
    assert_eq!(summary(&again, "headers"), 0);
    let noop = sb.run(&["push", "--json"]);
    noop.expect(0);
    assert_eq!(summary(&noop, "bytes_uploaded"), 0);
}

#[tokio::test]
async fn a_new_encoding_reuploads_exactly_the_compressible_keys() {
    let s3 = S3::new("reencode").await;
    let sb = Sandbox::with_assets();
    let config = |encoding: &str| {
        s3.config(
            &s3.endpoint,
            &format!(
                "[storage.object_parameters]\nCacheControl = \"public, max-age=60\"\n[gzip]\nencoding = \"{encoding}\"\n"
            ),
        )
    };
    sb.config(&config("gzip"));
    sb.run(&["push"]).expect(0);
    for key in COMPRESSIBLE {
        let o = s3.get(key).await;
        assert_eq!(o.content_encoding.as_deref(), Some("gzip"), "{key}");
        assert_eq!(gunzip(&o.bytes), sb.read(&key.replace("static/", "site/")));
    }

    for (encoding, header) in [("none", None), ("br", Some("br")), ("gzip", Some("gzip"))] {
        sb.config(&config(encoding));
        let run = sb.run(&["push", "--json"]);
        run.expect(0);
        // New bytes, not a header-only copy (CopyObject would keep the old
        // bytes under a new Content-Encoding).
        assert_eq!(keys_with(&run, "changed"), COMPRESSIBLE, "{encoding}");
        assert_eq!(summary(&run, "headers"), 0, "{encoding}");
        assert_eq!(summary(&run, "new"), 0, "{encoding}");
        assert_eq!(summary(&run, "unchanged"), 2, "{encoding}");
        let reason = run.json()["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["key"] == "static/css/app.css")
            .map(|a| a["reason"].as_str().unwrap().to_string())
            .unwrap();
        assert!(
            reason.starts_with("encoding ") && reason.ends_with("the stored bytes change"),
            "{reason}"
        );
        for key in COMPRESSIBLE {
            let o = s3.get(key).await;
            assert_eq!(o.content_encoding.as_deref(), header, "{encoding} {key}");
            assert_eq!(o.cache_control.as_deref(), Some("public, max-age=60"));
            let source = sb.read(&key.replace("static/", "site/"));
            let decoded = match header {
                None => o.bytes.clone(),
                Some("br") => unbrotli(&o.bytes),
                Some(_) => gunzip(&o.bytes),
            };
            assert_eq!(decoded, source, "{encoding} {key}");
            assert!(s3.public_read(key).await, "{key} stays public-read");
        }
        for key in COMPRESSED {
            assert_eq!(s3.get(key).await.content_encoding, None, "{key}");
        }
    }
    let noop = sb.run(&["push", "--json"]);
    noop.expect(0);
    assert_eq!(summary(&noop, "unchanged"), 10);
    assert_eq!(summary(&noop, "bytes_uploaded"), 0);
}

#[test]
fn the_default_list_compresses_every_text_type_and_nothing_compressed() {
    let sb = Sandbox::new();
    let text = "<x>hello, compressible world</x>\n".repeat(50);
    let compressible = [
        "index.html",
        "data.json",
        "app.js.map",
        "feed.xml",
        "robots.txt",
        "site.webmanifest",
        "app.wasm",
        "favicon.ico",
        "fonts/a.ttf",
        "fonts/a.otf",
        "table.csv",
        "mod.mjs",
        "app.css",
        "app.js",
        "logo.svg",
    ];
    let compressed = [
        "fonts/a.woff2",
        "fonts/a.woff",
        "a.png",
        "a.jpg",
        "a.webp",
        "a.avif",
        "vendor.js.gz",
    ];
    for path in compressible.iter().chain(&compressed) {
        sb.write(&format!("site/{path}"), &text);
    }
    sb.config("source = \"site\"\nto = \"file://out\"\n");
    sb.run(&["push"]).expect(0);
    let sidecar = |path: &str| -> serde_json::Value {
        serde_json::from_slice(&sb.read(&format!("out/.s3sync-meta/{path}.json"))).unwrap()
    };
    for path in compressible {
        assert_eq!(
            sidecar(path)["headers"]["content_encoding"],
            "gzip",
            "{path}"
        );
        assert_eq!(gunzip(&sb.read(&format!("out/{path}"))), text.as_bytes());
    }
    for path in compressed {
        assert!(
            sidecar(path)["headers"]["content_encoding"].is_null(),
            "{path}"
        );
        assert_eq!(sb.read(&format!("out/{path}")), text.as_bytes());
    }
}
