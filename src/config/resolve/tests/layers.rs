//! Layers added later: the base layer `manage.py s3sync` derives from
//! Django, and the encoding setting.

use super::*;

#[test]
fn the_base_layer_from_django_fills_in_under_the_file_and_the_env() {
    let base = r#"{"source": "/app/staticfiles", "gzip": {"enabled": false},
        "storage": {"bucket_name": "from-django", "location": "static", "default_acl": "none"}}"#;
    let s = resolve_with(&Overrides::default(), &[("S3SYNC_BASE_CONFIG", base)], None).unwrap();
    assert_eq!(s.source, Some(PathBuf::from("/app/staticfiles")));
    let bucket = |b: &str| Some(Destination::S3 { bucket: b.into() });
    assert_eq!(s.destination, bucket("from-django"));
    assert_eq!((s.prefix.as_str(), &s.objects.acl), ("static", &Acl::Omit));
    assert!(!s.gzip.enabled);

    // Every key the file sets wins; the others still come from the base.
    let file = loaded(
        "source = \"public\"\n[storage]\nbucket_name = \"from-file\"\n[gzip]\nenabled = true\n",
    );
    let s = resolve_with(
        &Overrides::default(),
        &[("S3SYNC_BASE_CONFIG", base)],
        Some(&file),
    )
    .unwrap();
    assert_eq!(s.source, Some(PathBuf::from("/proj/public")));
    assert_eq!(s.destination, bucket("from-file"));
    assert_eq!((s.prefix.as_str(), &s.objects.acl), ("static", &Acl::Omit));
    assert!(s.gzip.enabled);

    // The environment wins over both.
    let env = [("S3SYNC_BASE_CONFIG", base), ("AWS_LOCATION", "env-loc")];
    let s = resolve_with(&Overrides::default(), &env, Some(&file)).unwrap();
    assert_eq!(s.prefix, "env-loc");

    let problems = invalid(resolve_with(
        &Overrides::default(),
        &[("S3SYNC_BASE_CONFIG", "{")],
        None,
    ));
    assert!(
        problems[0].starts_with("S3SYNC_BASE_CONFIG is not a valid base config"),
        "{problems:?}"
    );
}

#[test]
fn the_encoding_layers_env_over_file_and_bad_values_name_the_setting() {
    use crate::config::Encoding;
    let file = loaded("[gzip]\nencoding = \"none\"\n");
    let got = |env: &[(&str, &str)], file| resolve_with(&Overrides::default(), env, file);
    assert_eq!(got(&[], None).unwrap().gzip.encoding, Encoding::Gzip);
    assert_eq!(got(&[], Some(&file)).unwrap().gzip.encoding, Encoding::None);
    let env = [("S3SYNC_GZIP_ENCODING", "br")];
    assert_eq!(got(&env, Some(&file)).unwrap().gzip.encoding, Encoding::Br);
    // `enabled = false` stores everything as it is.
    let off = [("AWS_IS_GZIPPED", "false")];
    assert_eq!(got(&off, None).unwrap().gzip.encoding, Encoding::None);
    let bad = loaded(
        "[gzip]\nencoding = \"brotli\"\n[[rules]]\nmatch = \"*.css\"\nencoding = \"zstd\"\n[[rules]]\nmatch = \"*.js\"\ngzip = true\nencoding = \"br\"\n",
    );
    let problems = invalid(got(&[], Some(&bad)));
    let all = problems.join("\n");
    assert!(
        all.contains("[gzip] encoding is \"brotli\": use \"gzip\""),
        "{all}"
    );
    assert!(
        all.contains("rule 1 (/proj/s3sync.toml line 4) encoding is \"zstd\""),
        "{all}"
    );
    assert!(
        all.contains("rule 2 (/proj/s3sync.toml line 7) sets both `gzip` and `encoding`"),
        "{all}"
    );
    assert_eq!(problems.len(), 3, "{all}");
}
