//! The invalidation flow against a fake CDN and a sleeper that only
//! records: which keys go stale, the refusal of a distribution without an
//! origin for the bucket, several origins, the retry while too many
//! invalidations are in progress (bounded), and `--wait`.

use std::borrow::Cow;
use std::sync::Mutex;

use super::*;
use crate::apply::Outcome;
use crate::plan::{Change, Step};
use crate::record::manifest::{Entry, Retired};
use crate::store::cloudfront::CdnError;

#[derive(Default)]
struct FakeCdn {
    origins: Vec<Origin>,
    /// Answers TooManyInvalidationsInProgress this many times first.
    busy: Mutex<usize>,
    /// Polls that answer "in progress" before "completed".
    pending_polls: Mutex<usize>,
    created: Mutex<Vec<(String, Vec<String>)>>,
}

#[async_trait]
impl Cdn for FakeCdn {
    async fn origins(&self, distribution: &str) -> Result<Vec<Origin>, CdnError> {
        if distribution == "EMISSING" {
            return Err(CdnError::new(
                CdnErrorKind::NoSuchDistribution,
                "CloudFront distribution EMISSING does not exist",
            ));
        }
        Ok(self.origins.clone())
    }

    async fn create_invalidation(
        &self,
        distribution: &str,
        paths: &[String],
        _caller_reference: &str,
    ) -> Result<String, CdnError> {
        let mut busy = self.busy.lock().unwrap();
        if *busy > 0 {
            *busy -= 1;
            return Err(CdnError::new(CdnErrorKind::TooMany, "too many in progress"));
        }
        let mut created = self.created.lock().unwrap();
        created.push((distribution.to_string(), paths.to_vec()));
        Ok(format!("I{}", created.len()))
    }

    async fn invalidation_done(&self, _distribution: &str, _id: &str) -> Result<bool, CdnError> {
        let mut pending = self.pending_polls.lock().unwrap();
        if *pending > 0 {
            *pending -= 1;
            return Ok(false);
        }
        Ok(true)
    }
}

#[derive(Default)]
struct RecordingSleeper(Mutex<Vec<Duration>>);

#[async_trait]
impl Sleeper for RecordingSleeper {
    async fn sleep(&self, duration: Duration) {
        self.0.lock().unwrap().push(duration);
    }
}

fn origin(id: &str, domain: &str, path: &str) -> Origin {
    Origin {
        id: id.into(),
        domain: domain.into(),
        path: path.into(),
    }
}

fn entry(path: &str) -> Box<Entry> {
    Box::new(Entry {
        path: path.into(),
        sha256: "00".into(),
        size: 1,
        headers: crate::record::manifest::Headers::default(),
        etag: None,
        fingerprint: false,
        demoted: false,
        retired: None,
        version_id: None,
    })
}

fn step(key: &str, change: Change) -> Step {
    Step {
        key: key.into(),
        reason: Cow::Borrowed(""),
        change,
    }
}

fn sample_plan() -> Plan {
    let stamp = crate::clock::Stamp::default();
    Plan {
        steps: vec![
            step(
                "s/new.js",
                Change::New {
                    local: entry("new.js"),
                },
            ),
            step(
                "s/index.html",
                Change::Changed {
                    local: entry("index.html"),
                    recorded: None,
                    remote_etag: None,
                },
            ),
            step(
                "s/h.css",
                Change::Headers {
                    local: entry("h.css"),
                    recorded: None,
                    remote_etag: None,
                },
            ),
            step(
                "s/gone.html",
                Change::Delete {
                    path: None,
                    recorded: None,
                    remote_etag: None,
                },
            ),
            step(
                "s/old.js",
                Change::Retire {
                    path: "old.js".into(),
                    retired: Retired {
                        at: stamp,
                        delete_after: stamp,
                    },
                },
            ),
            step(
                "s/due.js",
                Change::Prune {
                    path: "due.js".into(),
                    due: stamp,
                    remote_etag: None,
                },
            ),
        ],
        ..Plan::default()
    }
}

#[test]
fn changed_headers_deleted_and_pruned_keys_go_stale_not_new_or_retired() {
    let plan = sample_plan();
    assert_eq!(
        stale_keys(&plan, None),
        ["s/index.html", "s/h.css", "s/gone.html", "s/due.js"]
    );
    // After applying: what landed (or may have), not what surely failed.
    let mut outcomes: Vec<Outcome> = (0..6).map(|_| Outcome::planned()).collect();
    outcomes[1].status = Status::Done;
    outcomes[2].status = Status::Failed;
    outcomes[3].status = Status::Failed;
    outcomes[3].maybe_landed = true;
    let applied = Applied {
        outcomes,
        manifest_error: None,
        manifest_written: true,
        deploy: None,
    };
    assert_eq!(
        stale_keys(&plan, Some(&applied)),
        ["s/index.html", "s/gone.html"]
    );
}

#[tokio::test]
async fn a_distribution_without_an_origin_for_the_bucket_is_refused_by_name() {
    let cdn = FakeCdn {
        origins: vec![
            origin("web", "example.com", ""),
            origin("other", "other.s3.amazonaws.com", ""),
        ],
        ..FakeCdn::default()
    };
    let err = targets(&cdn, &["E1".into()], "site")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("CloudFront distribution E1 has no origin for bucket site"),
        "{err}"
    );
    assert!(
        err.contains("web (example.com), other (other.s3.amazonaws.com)"),
        "{err}"
    );
    assert!(err.contains("Nothing was changed. Fix:"), "{err}");
    let err = targets(&cdn, &["EMISSING".into()], "site")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("EMISSING does not exist"), "{err}");
}

#[tokio::test]
async fn every_origin_of_the_bucket_gets_its_paths() {
    let cdn = FakeCdn {
        origins: vec![
            origin("a", "site.s3.us-east-1.amazonaws.com", "/s"),
            origin("b", "site.s3-website-us-east-1.amazonaws.com", ""),
            origin("c", "example.com", ""),
        ],
        ..FakeCdn::default()
    };
    let targets = targets(&cdn, &["E1".into()], "site").await.unwrap();
    assert_eq!(targets[0].origins.len(), 2);
    let planned = invalidations(&targets, &["s/index.html", "s/a.css"], 30);
    assert_eq!(planned.len(), 1);
    assert_eq!(
        planned[0].paths,
        [
            "/",
            "/a.css",
            "/index.html",
            "/s",
            "/s/",
            "/s/a.css",
            "/s/index.html"
        ]
    );
    assert!(invalidations(&targets, &[], 30).is_empty());
}

#[tokio::test]
async fn too_many_in_progress_is_retried_with_growing_waits() {
    let cdn = FakeCdn {
        busy: Mutex::new(3),
        ..FakeCdn::default()
    };
    let sleeper = RecordingSleeper::default();
    let planned = vec![Invalidation {
        distribution: "E1".into(),
        id: None,
        paths: vec!["/a".into()],
        folded: Vec::new(),
        completed: None,
        error: None,
    }];
    let done = create(&cdn, &sleeper, planned, false, Duration::from_secs(900)).await;
    assert_eq!(done[0].id.as_deref(), Some("I1"));
    assert_eq!(done[0].error, None);
    assert_eq!(
        *sleeper.0.lock().unwrap(),
        [1, 2, 4].map(Duration::from_secs)
    );
}

#[tokio::test]
async fn the_retry_stops_within_the_timeout_and_says_how_to_finish_by_hand() {
    let cdn = FakeCdn {
        busy: Mutex::new(usize::MAX),
        ..FakeCdn::default()
    };
    let sleeper = RecordingSleeper::default();
    let planned = vec![Invalidation {
        distribution: "E1".into(),
        id: None,
        paths: vec!["/a b".into(), "/x".into()],
        folded: Vec::new(),
        completed: None,
        error: None,
    }];
    let done = create(&cdn, &sleeper, planned, false, Duration::from_secs(60)).await;
    let slept: Duration = sleeper.0.lock().unwrap().iter().sum();
    assert!(slept <= Duration::from_secs(60), "{slept:?}");
    assert_eq!(done[0].id, None);
    let error = done[0].error.as_deref().unwrap();
    assert!(
        error.contains("too many in progress (still after 60 s)"),
        "{error}"
    );
    assert!(
        error.contains(
            "aws cloudfront create-invalidation --distribution-id E1 --paths '/a b' '/x'"
        ),
        "{error}"
    );
}

#[tokio::test]
async fn wait_follows_the_invalidation_until_it_completes() {
    let cdn = FakeCdn {
        pending_polls: Mutex::new(2),
        ..FakeCdn::default()
    };
    let sleeper = RecordingSleeper::default();
    let planned = invalidations(
        &[Target {
            distribution: "E1".into(),
            origins: vec![origin("a", "site.s3.amazonaws.com", "")],
        }],
        &["a.css"],
        30,
    );
    let done = create(&cdn, &sleeper, planned, true, Duration::from_secs(900)).await;
    assert_eq!(done[0].completed, Some(true));
    assert_eq!(sleeper.0.lock().unwrap().len(), 2);
    // Still pending when the timeout is spent: an error that says so.
    let cdn = FakeCdn {
        pending_polls: Mutex::new(usize::MAX),
        ..FakeCdn::default()
    };
    let planned = done
        .into_iter()
        .map(|i| Invalidation {
            id: None,
            completed: None,
            ..i
        })
        .collect();
    let done = create(
        &cdn,
        &RecordingSleeper::default(),
        planned,
        true,
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(done[0].completed, Some(false));
    let error = done[0].error.as_deref().unwrap();
    assert!(
        error.contains("has not completed after 10 s ([sync] timeout)"),
        "{error}"
    );
}

#[test]
fn every_key_a_rollback_copies_back_goes_stale() {
    // Recorded nothing (pending in the current record) reports as "new",
    // but the object was served before: its cached copy is stale too.
    let plan = Plan {
        steps: vec![step(
            "s/app.css",
            Change::Restore {
                local: entry("app.css"),
                version_id: "v1".into(),
                recorded: None,
                remote_etag: None,
            },
        )],
        ..Plan::default()
    };
    assert_eq!(stale_keys(&plan, None), ["s/app.css"]);
}
