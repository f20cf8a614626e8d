//! The IAM evaluator on its own: a few policies and requests.

use super::*;
use serde_json::json;

fn seen(method: &str, path: &str, query: &str, headers: &[(&str, &str)], body: &str) -> Seen {
    Seen {
        method: method.into(),
        path: path.into(),
        query: query.into(),
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect(),
        body_len: body.len(),
        body: bytes::Bytes::from(body.to_string()),
    }
}

const SIGNED: &[(&str, &str)] = &[("authorization", "AWS4-HMAC-SHA256 ...")];

fn printed() -> Arc<Iam> {
    Iam::new(
        vec![json!({"Statement": [
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b",
             "Condition": {"StringLike": {"s3:prefix": ["st${*}r/*"]}}},
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/st${*}r/*"}
        ]})],
        None,
    )
}

fn allowed(iam: &Iam, s: &Seen) -> bool {
    iam.allows(&asks(s), &context(s))
}

#[test]
fn wildcards_and_variables() {
    assert!(like(
        "arn:aws:s3:::b/static/*",
        "arn:aws:s3:::b/static/a/b.css"
    ));
    assert!(like("a?c", "abc") && !like("a?c", "ac"));
    assert!(like("st${*}r/*", "st*r/x") && !like("st${*}r/*", "stXr/x"));
    assert!(like("${aws:ResourceAccount}", ACCOUNT));
    assert!(!like("${aws:username}", "anyone"), "unresolvable: no match");
}

#[test]
fn prefix_conditions_and_head_bucket() {
    let iam = printed();
    let list = |q: &str| seen("GET", "/b", q, SIGNED, "");
    assert!(allowed(&iam, &list("list-type=2&prefix=st%2Ar%2F")));
    assert!(allowed(
        &iam,
        &list("list-type=2&prefix=st%2Ar%2F.s3sync-manifest.json&max-keys=1")
    ));
    assert!(
        !allowed(&iam, &list("list-type=2&prefix=stXr%2F")),
        "a * in the location is literal"
    );
    assert!(
        !allowed(&iam, &list("list-type=2")),
        "no prefix: the condition fails"
    );
    assert!(
        !allowed(&iam, &seen("HEAD", "/b", "", SIGNED, "")),
        "HeadBucket has no s3:prefix"
    );
    assert!(allowed(
        &iam,
        &seen("GET", "/b/st%2Ar/a.css", "", SIGNED, "")
    ));
    assert!(
        !allowed(&iam, &seen("GET", "/b/st%2Ar/a.css", "", &[], "")),
        "anonymous"
    );
    assert!(!allowed(
        &iam,
        &seen("GET", "/b/other/a.css", "", SIGNED, "")
    ));
}

#[test]
fn writes_copies_acls_and_deletes() {
    let iam = printed();
    let put = seen("PUT", "/b/st%2Ar/a.css", "", SIGNED, "");
    assert!(allowed(&iam, &put));
    let with_acl = seen(
        "PUT",
        "/b/st%2Ar/a.css",
        "",
        &[SIGNED[0], ("x-amz-acl", "public-read")],
        "",
    );
    assert!(!allowed(&iam, &with_acl), "an ACL needs s3:PutObjectAcl");
    let copy = seen(
        "PUT",
        "/b/st%2Ar/a.css",
        "x-id=CopyObject",
        &[SIGNED[0], ("x-amz-copy-source", "b/other/a.css")],
        "",
    );
    assert!(!allowed(&iam, &copy), "the source needs s3:GetObject");
    let version = seen(
        "PUT",
        "/b/st%2Ar/a.css",
        "x-id=CopyObject",
        &[
            SIGNED[0],
            ("x-amz-copy-source", "b/st%2Ar/a.css?versionId=v1"),
        ],
        "",
    );
    assert_eq!(
        asks(&version)[1],
        ask(
            "s3:GetObjectVersion",
            "arn:aws:s3:::b/st*r/a.css".into(),
            None
        )
    );
    assert!(
        !allowed(&iam, &version),
        "copying a version needs s3:GetObjectVersion"
    );
    let head_version = seen("HEAD", "/b/st%2Ar/a.css", "versionId=v1", SIGNED, "");
    assert_eq!(
        asks(&head_version),
        [ask(
            "s3:GetObjectVersion",
            "arn:aws:s3:::b/st*r/a.css".into(),
            None
        )]
    );
    let part = seen(
        "PUT",
        "/b/st%2Ar/big",
        "partNumber=1&uploadId=u",
        SIGNED,
        "",
    );
    assert!(allowed(&iam, &part));
    let abort = seen("DELETE", "/b/st%2Ar/big", "uploadId=u", SIGNED, "");
    assert!(!allowed(&iam, &abort));
    let delete = seen(
        "POST",
        "/b",
        "delete",
        SIGNED,
        "<Delete><Object><Key>st*r/a.css</Key></Object></Delete>",
    );
    assert_eq!(
        asks(&delete),
        vec![ask(
            "s3:DeleteObject",
            "arn:aws:s3:::b/st*r/a.css".into(),
            None
        )]
    );
    assert!(!allowed(&iam, &delete));
}

#[test]
fn explicit_deny_wins_and_negated_operators_match_a_missing_key() {
    let bucket = json!({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/p/*"},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::b/p/*.pdf"],
         "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "${aws:ResourceAccount}"}}}
    ]});
    let iam = Iam::new(Vec::new(), Some(bucket));
    assert!(allowed(&iam, &seen("GET", "/b/p/a.html", "", &[], "")));
    assert!(
        !allowed(&iam, &seen("GET", "/b/p/a.pdf", "", &[], "")),
        "anonymous: no account"
    );
    assert!(
        allowed(&iam, &seen("GET", "/b/p/a.pdf", "", SIGNED, "")),
        "the bucket's own account"
    );
}
