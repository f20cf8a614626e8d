//! What a record object may hold. The manifest and the intent are read from
//! the bucket, where anyone with write access could have put anything, so
//! their size is bounded twice: in bytes (stored and decompressed, see
//! [`MAX_RECORD_BYTES`]) and in keys, counted while they are parsed. Bytes
//! alone are not enough: a JSON list of short strings grows about tenfold
//! in memory once each becomes a `String` in a tree.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// The most a record object may hold, stored or decompressed: 128 MiB of
/// JSON is about 360,000 manifest entries (a 100,000-file site's manifest
/// is 35 MB).
pub const MAX_RECORD_BYTES: u64 = 128 * 1024 * 1024;

/// The most keys one record may name (entries, or pending keys).
pub const MAX_RECORD_KEYS: usize = 400_000;

/// S3's limit on a key, in bytes: no record key may be longer.
pub const MAX_KEY_BYTES: usize = 1024;

fn check_key<E: de::Error>(key: &str, count: usize) -> Result<(), E> {
    if key.len() > MAX_KEY_BYTES {
        return Err(E::custom(format!(
            "a key of {} bytes, over S3's limit of {MAX_KEY_BYTES}",
            key.len()
        )));
    }
    if count >= MAX_RECORD_KEYS {
        return Err(E::custom(format!(
            "more than {MAX_RECORD_KEYS} keys, over s3sync's limit for a record"
        )));
    }
    Ok(())
}

/// `deserialize_with` for a key → value map, bounded in keys.
pub fn keyed<'de, D, V>(deserializer: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Keyed<V>(std::marker::PhantomData<V>);
    impl<'de, V: Deserialize<'de>> Visitor<'de> for Keyed<V> {
        type Value = BTreeMap<String, V>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map of object keys")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(key) = map.next_key::<String>()? {
                check_key(&key, out.len())?;
                // Name the key a bad value belongs to.
                let value = map.next_value().map_err(|e: A::Error| {
                    de::Error::custom(format!(
                        "the entry for {}: {e}",
                        crate::escape::for_terminal(&key)
                    ))
                })?;
                out.insert(key, value);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_map(Keyed(std::marker::PhantomData))
}

/// `deserialize_with` for a set of keys, bounded in keys.
pub fn keys<'de, D>(deserializer: D) -> Result<BTreeSet<String>, D::Error>
where
    D: Deserializer<'de>,
{
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = BTreeSet<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of object keys")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeSet::new();
            while let Some(key) = seq.next_element::<String>()? {
                check_key(&key, out.len())?;
                out.insert(key);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_seq(Keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(deserialize_with = "keys")]
        pending: BTreeSet<String>,
    }

    #[test]
    fn too_many_or_too_long_keys_stop_the_parse() {
        let many: Vec<String> = (0..=MAX_RECORD_KEYS).map(|i| i.to_string()).collect();
        let json = serde_json::to_vec(&serde_json::json!({ "pending": many })).unwrap();
        let err = serde_json::from_slice::<Probe>(&json).err().unwrap();
        assert!(err.to_string().contains("more than 400000 keys"), "{err}");
        let long = serde_json::json!({ "pending": ["k".repeat(MAX_KEY_BYTES + 1)] });
        let err = serde_json::from_value::<Probe>(long).err().unwrap();
        assert!(err.to_string().contains("over S3's limit"), "{err}");
        let fine: Probe =
            serde_json::from_value(serde_json::json!({ "pending": ["a", "b"] })).unwrap();
        assert_eq!(fine.pending.len(), 2);
    }
}
