//! Deploy ids sort in the order deploys were made; the history keeps the
//! newest `history` and names the ones that fell out; hostile records are
//! refused by field.

use std::time::{Duration, SystemTime};

use super::*;

fn at(rfc3339: &str) -> SystemTime {
    humantime::parse_rfc3339(rfc3339).unwrap()
}

fn deploy(id: &str) -> Deploy {
    Deploy {
        id: id.into(),
        time: "2026-12-03T10:00:00Z".into(),
        counts: DeployCounts::default(),
        commit: None,
        s3sync: "0.1.0".into(),
        rollback_to: None,
    }
}

#[test]
fn deploy_ids_sort_in_the_order_deploys_were_made() {
    let t = at("2026-12-03T10:00:00Z");
    let first = deploy_id(t, None);
    assert_eq!(first, "20261203T100000Z");
    // Same second, twice more: a counter, zero-padded so it sorts.
    let second = deploy_id(t, Some(&first));
    let third = deploy_id(t, Some(&second));
    assert_eq!(
        (second.as_str(), third.as_str()),
        ("20261203T100000Z-001", "20261203T100000Z-002")
    );
    // A later second starts afresh; a clock that went back still sorts after.
    let later = deploy_id(t + Duration::from_secs(1), Some(&third));
    assert_eq!(later, "20261203T100001Z");
    let back = deploy_id(t, Some(&later));
    assert_eq!(back, "20261203T100001Z-001");
    let mut ids = vec![
        back.clone(),
        first.clone(),
        later.clone(),
        third.clone(),
        second.clone(),
    ];
    ids.sort();
    assert_eq!(ids, [first, second, third, later, back]);
    // Ten counters on: still in order.
    let mut id = "20261203T100000Z-009".to_string();
    id = deploy_id(t, Some(&id));
    assert_eq!(id, "20261203T100000Z-010");
    assert!(id.as_str() > "20261203T100000Z-009");
    let full = deploy_id(t, Some("20261203T100000Z-999"));
    assert!(
        full.as_str() > "20261203T100000Z-999" && is_deploy_id(&full),
        "{full}"
    );
}

#[test]
fn the_history_keeps_the_newest_and_names_the_dropped() {
    let mut history = Vec::new();
    for id in ["a1", "a2", "a3"] {
        assert!(add(&mut history, deploy(id), 2).len() <= 1);
    }
    let ids: Vec<&str> = history.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["a2", "a3"]);
    assert_eq!(add(&mut history, deploy("a4"), 2), ["a2"]);
    // history = 0 keeps nothing, the new deploy included.
    assert_eq!(add(&mut history, deploy("a5"), 0), ["a3", "a4"]);
    assert!(history.is_empty());
    // A smaller history on a push that records nothing new.
    let mut history: Vec<Deploy> = ["b1", "b2", "b3"].map(deploy).to_vec();
    assert_eq!(trim(&mut history, 1), ["b1", "b2"]);
    assert_eq!(trim(&mut history, 5), Vec::<String>::new());
}

#[test]
fn counts_describe_what_happened() {
    let counts = DeployCounts {
        new: 1,
        changed: 2,
        deleted: 1,
        ..DeployCounts::default()
    };
    assert_eq!(counts.describe(), "1 new, 2 changed, 1 deleted");
    assert_eq!(DeployCounts::default().describe(), "no changes");
    // Counts a newer s3sync adds read as absent here, and absent ones as 0.
    let read: DeployCounts = serde_json::from_str(r#"{"new":3,"retired":2}"#).unwrap();
    assert_eq!(read.new, 3);
    assert_eq!(read.changed, 0);
}

#[test]
fn a_deploy_record_round_trips_and_hostile_fields_are_named() {
    let mut manifest = Manifest::new("static");
    manifest.deploys.push(deploy("20261203T100000Z"));
    let record = DeployRecord::new(deploy("20261203T100000Z"), &manifest);
    assert!(
        record.manifest.deploys.is_empty(),
        "no history inside a deploy"
    );
    let back = DeployRecord::from_stored(&record.to_stored()).unwrap();
    assert_eq!(back, record);

    let mut json: serde_json::Value = serde_json::to_value(&record).unwrap();
    json["deploy"]["id"] = "../../escape".into();
    let err = DeployRecord::from_stored(&serde_json::to_vec(&json).unwrap()).unwrap_err();
    assert!(err.to_string().contains("`id`"), "{err}");
    json["deploy"]["id"] = "20261203T100000Z".into();
    json["deploy"]["commit"] = "not hex\n".into();
    let err = DeployRecord::from_stored(&serde_json::to_vec(&json).unwrap()).unwrap_err();
    assert!(err.to_string().contains("`commit`"), "{err}");
    json["deploy"]["commit"] = "0123456789abcdef0123456789abcdef01234567".into();
    json["version"] = 7.into();
    let err = DeployRecord::from_stored(&serde_json::to_vec(&json).unwrap()).unwrap_err();
    assert!(err.to_string().contains("upgrade s3sync"), "{err}");

    // The live manifest's list is bounded and validated too.
    let mut m = serde_json::to_value(Manifest::new("static")).unwrap();
    m["deploys"] = serde_json::Value::Array(
        (0..=MAX_DEPLOYS)
            .map(|i| serde_json::to_value(deploy(&format!("d{i}"))).unwrap())
            .collect(),
    );
    let err = Manifest::from_json(&serde_json::to_vec(&m).unwrap()).unwrap_err();
    assert!(err.to_string().contains("more than 1000 deploys"), "{err}");
    m["deploys"] =
        serde_json::json!([{"id": "x", "time": "yesterday", "counts": {}, "s3sync": "1"}]);
    let err = Manifest::from_json(&serde_json::to_vec(&m).unwrap()).unwrap_err();
    assert!(err.to_string().contains("`time`"), "{err}");
}
