//! Merging s3sync's statements into the bucket policy by `Sid`: a statement
//! with one of our Sids is added or replaced, every other statement is kept
//! as it is. The existing policy is data from the bucket: parsed, never
//! trusted to have any shape beyond what S3 accepts.

use serde_json::{Map, Value, json};

/// What merging changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// The new policy text, when anything changed.
    pub document: Option<String>,
    /// Sids added and replaced.
    pub added: Vec<String>,
    pub updated: Vec<String>,
    /// Statements of others, kept.
    pub kept: usize,
}

/// A statement as compared: one-element lists are their element, lists of
/// several are sorted, so S3's rewriting of a stored policy does not read
/// as a change.
fn canonical(v: &Value) -> Value {
    match v {
        Value::Array(items) if items.len() == 1 => canonical(&items[0]),
        Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(canonical).collect();
            items.sort_by_key(Value::to_string);
            Value::Array(items)
        }
        Value::Object(map) => {
            let mut sorted: Vec<(&String, &Value)> = map.iter().collect();
            sorted.sort_by_key(|(k, _)| *k);
            Value::Object(
                sorted
                    .into_iter()
                    .map(|(k, v)| (k.clone(), canonical(v)))
                    .collect::<Map<String, Value>>(),
            )
        }
        other => other.clone(),
    }
}

/// Whether two statements say the same.
pub fn same_statement(a: &Value, b: &Value) -> bool {
    canonical(a) == canonical(b)
}

fn sid(statement: &Value) -> Option<&str> {
    statement.get("Sid").and_then(Value::as_str)
}

/// Merge the statements of `ours` (a policy document whose statements all
/// have a Sid) into `existing` (the bucket's policy text, if any).
/// `bucket` names the bucket in the error for a policy that is not a
/// policy document.
pub fn merge(existing: Option<&str>, ours: &Value, bucket: &str) -> Result<Merged, String> {
    let not_a_policy = |why: &str| {
        format!(
            "the bucket policy of {bucket} {why}, so s3sync cannot merge its statements into it. Fix: correct it (`aws s3api get-bucket-policy --bucket {bucket}`), or turn off [setup] public"
        )
    };
    let mut document = match existing {
        Some(text) => serde_json::from_str::<Value>(text)
            .map_err(|e| not_a_policy(&format!("is not JSON ({e})")))?,
        None => json!({"Version": "2012-10-17", "Statement": []}),
    };
    let Some(object) = document.as_object_mut() else {
        return Err(not_a_policy("is not a JSON object"));
    };
    let mut statements: Vec<Value> = match object.remove("Statement") {
        Some(Value::Array(items)) => items,
        Some(one @ Value::Object(_)) => vec![one],
        None => Vec::new(),
        Some(_) => {
            return Err(not_a_policy(
                "has a Statement that is neither a list nor an object",
            ));
        }
    };
    let ours: Vec<&Value> = ours["Statement"].as_array().into_iter().flatten().collect();
    let our_sids: Vec<&str> = ours.iter().filter_map(|s| sid(s)).collect();
    let kept = statements
        .iter()
        .filter(|s| sid(s).is_none_or(|id| !our_sids.contains(&id)))
        .count();
    let (mut added, mut updated) = (Vec::new(), Vec::new());
    for statement in ours {
        let Some(id) = sid(statement) else { continue };
        match statements.iter_mut().find(|s| sid(s) == Some(id)) {
            Some(present) if same_statement(present, statement) => {}
            Some(present) => {
                present.clone_from(statement);
                updated.push(id.to_string());
            }
            None => {
                statements.push(statement.clone());
                added.push(id.to_string());
            }
        }
    }
    if added.is_empty() && updated.is_empty() {
        return Ok(Merged {
            document: None,
            added,
            updated,
            kept,
        });
    }
    object
        .entry("Version")
        .or_insert_with(|| Value::from("2012-10-17"));
    object.insert("Statement".into(), Value::Array(statements));
    Ok(Merged {
        document: Some(document.to_string()),
        added,
        updated,
        kept,
    })
}
