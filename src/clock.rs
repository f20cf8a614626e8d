//! What time it is, and how a time is written. A run reads "now" once
//! ([`now`]) and passes it down, so the plan stays a pure function of its
//! inputs. `S3SYNC_NOW` (RFC 3339, UTC) replaces the system clock: a
//! testing aid, so tests move time forward instead of sleeping.
//! Times are whole seconds since the Unix epoch ([`Stamp`]), written as RFC
//! 3339 in records and as `2026-12-03 10:00 UTC` for people.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The environment variable that replaces the clock.
pub const NOW_VAR: &str = "S3SYNC_NOW";

/// The latest time s3sync writes or reads: the end of year 9999, so every
/// time has a four-digit year in RFC 3339.
const MAX_SECONDS: u64 = 253_402_300_799;

/// A moment, in whole seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp(u64);

#[derive(Debug, thiserror::Error)]
#[error(
    "{NOW_VAR} '{value}' is not an RFC 3339 UTC time such as 2026-12-03T10:00:00Z ({NOW_VAR} replaces the system clock, for tests); fix it or unset it"
)]
pub struct ClockError {
    value: String,
}

/// The time of this run: `S3SYNC_NOW` when set (and not empty), else the
/// system clock.
pub fn now() -> Result<Stamp, ClockError> {
    match std::env::var(NOW_VAR) {
        Ok(value) if !value.is_empty() => Stamp::parse(&value).ok_or_else(|| ClockError {
            value: crate::escape::for_terminal(&value).into_owned(),
        }),
        _ => Ok(Stamp::from_system(SystemTime::now())),
    }
}

impl Stamp {
    pub const fn from_secs(seconds: u64) -> Self {
        Self(if seconds > MAX_SECONDS {
            MAX_SECONDS
        } else {
            seconds
        })
    }

    pub const fn secs(self) -> u64 {
        self.0
    }

    /// A system time, to the second (before 1970: the epoch).
    pub fn from_system(time: SystemTime) -> Self {
        Self::from_secs(time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
    }

    /// An RFC 3339 UTC time (`Z` or `+00:00`; fractions of a second are
    /// dropped); `None` for anything else, or a year past 9999.
    pub fn parse(text: &str) -> Option<Self> {
        // Bounded before parsing: a record is hostile input.
        if text.len() > 40 {
            return None;
        }
        let time = humantime::parse_rfc3339(text).ok()?;
        let seconds = time.duration_since(UNIX_EPOCH).ok()?.as_secs();
        (seconds <= MAX_SECONDS).then_some(Self(seconds))
    }

    /// As a system time (for formatting and deploy ids).
    pub fn to_system(self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.0)
    }

    /// `duration` later (at most the end of year 9999).
    #[must_use]
    pub fn plus(self, duration: Duration) -> Self {
        Self::from_secs(self.0.saturating_add(duration.as_secs()))
    }

    /// RFC 3339, as records hold it: `2026-12-03T10:00:00Z`.
    pub fn rfc3339(self) -> String {
        humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(self.0)).to_string()
    }

    /// For people: `2026-12-03 10:00 UTC` (seconds are dropped).
    pub fn human(self) -> String {
        let text = self.rfc3339();
        // `YYYY-MM-DDTHH:MM:SSZ`: always ASCII, four-digit year.
        format!("{} {} UTC", &text[..10], &text[11..16])
    }
}

impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.rfc3339())
    }
}

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| {
            serde::de::Error::custom("a time that is not RFC 3339 UTC (2026-12-03T10:00:00Z)")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_and_reads_for_people() {
        let t = Stamp::parse("2026-12-03T10:00:59Z").unwrap();
        assert_eq!(t.rfc3339(), "2026-12-03T10:00:59Z");
        assert_eq!(t.human(), "2026-12-03 10:00 UTC");
        assert_eq!(Stamp::parse("2026-12-03T10:00:59.75+00:00"), Some(t));
        assert_eq!(
            t.plus(Duration::from_secs(7 * 86_400)).human(),
            "2026-12-10 10:00 UTC"
        );
        assert_eq!(Stamp::from_secs(0).rfc3339(), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "",
            "yesterday",
            "2026-12-03",
            "2026-12-03 10:00:00",
            "2026-12-03T10:00:00+02:00",
            "2026-13-03T10:00:00Z",
            "1969-12-31T23:59:59Z",
            "2026-12-03T10:00:00.00000000000000000000000000000Z",
            "ü026-12-03T10:00:00Z",
        ] {
            assert_eq!(Stamp::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn times_stay_within_four_digit_years() {
        let last = Stamp::parse("9999-12-31T23:59:59Z").unwrap();
        assert_eq!(last.plus(Duration::from_secs(u64::MAX)), last);
        assert_eq!(Stamp::from_secs(u64::MAX), last);
    }

    #[test]
    fn records_hold_the_text_form_and_refuse_others() {
        let t = Stamp::from_secs(1_796_294_400);
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2026-12-03T10:40:00Z\"");
        assert_eq!(serde_json::from_str::<Stamp>(&json).unwrap(), t);
        let err = serde_json::from_str::<Stamp>("\"soon\"").unwrap_err();
        assert!(err.to_string().contains("not RFC 3339"), "{err}");
        assert!(serde_json::from_str::<Stamp>("1796292000").is_err());
    }

    #[test]
    fn a_bad_override_names_the_variable_and_the_format() {
        let err = ClockError {
            value: "tomorrow".into(),
        };
        assert_eq!(
            err.to_string(),
            "S3SYNC_NOW 'tomorrow' is not an RFC 3339 UTC time such as 2026-12-03T10:00:00Z (S3SYNC_NOW replaces the system clock, for tests); fix it or unset it"
        );
    }
}
