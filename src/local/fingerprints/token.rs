//! The name rule: does a file name carry a content hash the way bundlers
//! write one (`index-4889e940.js`, `start.BXm2C5dq.js`, `main-2ZGKZMRW.js`)?
//! Strict on purpose: a name wrongly taken for a fingerprint is cached by
//! browsers for a year, while one missed only revalidates. The token is
//! the text between the last `-` or `.` of the stem and the extension, with
//! a non-empty name before it, and it must be one of:
//!
//! - **hex**: 8 or more of `0-9a-f`, at least one digit and one letter
//!   (webpack `[contenthash]`, Next.js, Parcel, Django, Hugo `fingerprint`);
//! - **base64url**: exactly 8 of `A-Za-z0-9_-` mixing upper- and lower-case
//!   letters in no word's shape: two capitals in a row, or a capital ending
//!   a run of letters (`CsUDhMuy`; Rollup and Rolldown, so Vite,
//!   SvelteKit, Astro, Nuxt), where `Facebook`, `LinkedIn` or `iPhone15`
//!   are words;
//! - **base32**: exactly 8 of `A-Z2-7` with a digit and at least 4 letters
//!   (esbuild, so Angular ≥ 17).
//!
//! A Rollup hash may hold `-` (`CAoPt-vL`): the 8 characters before the
//! extension, after a separator. So do names (`report-Q3-Final`,
//! `brochure-EN-Print`), so such a token is only a candidate, even in
//! base64url's shape. Any other 8-character token with a capital
//! (`wktXvZw9`, `BF8QNONU`, `CHNIAAFG`, and `Facebook`) is a
//! [`Token::Candidate`] too: a hash only when
//! another name in its folder is one, in the same alphabet, after the same
//! separator (see `conventions`). Dates (`20231105`), sizes (`1024x1024`),
//! versions (`3.7.1`), lower-case words (`settings`) and UUIDs (an id, not a
//! hash of the bytes: `avatars/<user id>.png` changes) never are.

/// The bundler alphabet a token is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Alphabet {
    Hex,
    Base64,
    Base32,
}

/// What the name rule says of one file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// The name carries a content hash, after `separator`.
    Hash {
        token: String,
        alphabet: Alphabet,
        separator: char,
    },
    /// A hash that misses a class, or a word: a hash only if another file
    /// of the same folder is one in one of `alphabets`, with the same
    /// separator and length.
    Candidate {
        token: String,
        alphabets: Vec<Alphabet>,
        separator: char,
    },
}

/// The longest extension taken off a name before looking for the token.
const MAX_EXTENSION: usize = 10;
/// Longer tokens are not hashes (a SHA-512 in hex is 128).
const MAX_TOKEN: usize = 128;
/// The token length of Rollup's and esbuild's hashes.
const SHORT_HASH: usize = 8;

/// The token of `file_name` (no folder), if the name has the shape of a
/// bundler's hashed output.
pub fn classify(file_name: &str) -> Option<Token> {
    let (stem, ext) = file_name.rsplit_once('.')?;
    if ext.is_empty()
        || ext.len() > MAX_EXTENSION
        || !ext.bytes().all(|b| b.is_ascii_alphanumeric())
        || ends_in_uuid(stem)
    {
        return None;
    }
    let at = stem.rfind(['-', '.'])?;
    let (name, token) = (&stem[..at], &stem[at + 1..]);
    let separator = stem[at..].chars().next()?;
    if !name.is_empty()
        && let Some(found) = judge(token, separator)
    {
        return Some(found);
    }
    // A Rollup hash may hold `-` itself: the 8 characters before the
    // extension, after a separator, in all three classes. Words around a
    // `-` can look the same (`report-Q3-Final`, `flag-US-small`): a
    // candidate, for a sibling to prove.
    let cut = stem.len().checked_sub(SHORT_HASH + 1)?;
    let before = stem.get(cut..=cut)?;
    let token = stem.get(cut + 1..)?;
    (cut > 0 && (before == "-" || before == ".") && token.contains('-') && base64(token).0).then(
        || Token::Candidate {
            token: token.to_string(),
            alphabets: vec![Alphabet::Base64],
            separator: before.chars().next().unwrap_or('-'),
        },
    )
}

/// Whether `stem` ends in a UUID (`8-4-4-4-12` hex digits), whose last
/// group would otherwise pass for a hex hash.
fn ends_in_uuid(stem: &str) -> bool {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    let mut rest = stem;
    for (i, len) in GROUPS.iter().rev().enumerate() {
        let Some(group) = rest.len().checked_sub(*len).and_then(|at| rest.get(at..)) else {
            return false;
        };
        if !group.bytes().all(|b| b.is_ascii_hexdigit()) {
            return false;
        }
        rest = &rest[..rest.len() - len];
        if i + 1 < GROUPS.len() {
            let Some(before) = rest.strip_suffix('-') else {
                return false;
            };
            rest = before;
        }
    }
    true
}

/// Counts of the character classes in a token.
struct Classes {
    digits: usize,
    upper: usize,
    lower: usize,
}

fn classes(token: &str) -> Classes {
    let count = |f: fn(&u8) -> bool| token.bytes().filter(f).count();
    Classes {
        digits: count(u8::is_ascii_digit),
        upper: count(u8::is_ascii_uppercase),
        lower: count(u8::is_ascii_lowercase),
    }
}

/// (a hash, a candidate) in Rollup's base64url alphabet.
fn base64(token: &str) -> (bool, bool) {
    let fits = token.len() == SHORT_HASH
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let c = classes(token);
    (
        fits && c.upper > 0 && c.lower > 0 && !word_shaped(token),
        fits && c.upper > 0,
    )
}

/// Whether every run of letters reads like a word in camel case: no two
/// capitals in a row, none ending the run (`LinkedIn`, `iPhone`, `Win` and
/// `Pro` of `Win10Pro`).
fn word_shaped(token: &str) -> bool {
    token
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|run| !run.is_empty())
        .all(|run| {
            let b = run.as_bytes();
            !b[b.len() - 1].is_ascii_uppercase()
                && !b
                    .windows(2)
                    .any(|w| w[0].is_ascii_uppercase() && w[1].is_ascii_uppercase())
        })
}

/// (a hash, a candidate) in esbuild's base32 alphabet.
fn base32(token: &str) -> (bool, bool) {
    let fits = token.len() == SHORT_HASH
        && token
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b));
    let c = classes(token);
    (fits && c.digits > 0 && c.upper >= 4, fits)
}

fn judge(token: &str, separator: char) -> Option<Token> {
    if token.len() < SHORT_HASH || token.len() > MAX_TOKEN {
        return None;
    }
    let c = classes(token);
    let hex = token
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let (b64, b64_candidate) = base64(token);
    let (b32, b32_candidate) = base32(token);
    let alphabet = if hex {
        (c.digits > 0 && c.lower > 0).then_some(Alphabet::Hex)
    } else if b32 {
        Some(Alphabet::Base32)
    } else if b64 {
        Some(Alphabet::Base64)
    } else {
        None
    };
    if let Some(alphabet) = alphabet {
        return Some(Token::Hash {
            token: token.to_string(),
            alphabet,
            separator,
        });
    }
    let alphabets: Vec<Alphabet> = [
        (b64_candidate, Alphabet::Base64),
        (b32_candidate, Alphabet::Base32),
    ]
    .into_iter()
    .filter_map(|(fits, a)| fits.then_some(a))
    .collect();
    (!hex && !alphabets.is_empty()).then(|| Token::Candidate {
        token: token.to_string(),
        alphabets,
        separator,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(name: &str) -> Option<String> {
        match classify(name)? {
            Token::Hash { token, .. } => Some(token),
            Token::Candidate { .. } => None,
        }
    }

    /// Real names from the frameworks' default builds (docs/fingerprints.md
    /// lists them with their versions), and names that are not hashes.
    #[test]
    fn the_name_rule_accepts_bundler_hashes_and_rejects_dates_sizes_versions_and_words() {
        for (name, token) in [
            ("hero-CLDdwZDr.png", "CLDdwZDr"),                // Vite 8
            ("index-CsUDhMuy.css", "CsUDhMuy"),               // Vite 8
            ("index-BxXonjKP.js", "BxXonjKP"),                // Vite 7 (Rollup)
            ("index-4889e940.js", "4889e940"),                // Vite 4 (hex)
            ("astro.Dm8K3lV8.svg", "Dm8K3lV8"),               // Astro
            ("background.BPKAcmfN.svg", "BPKAcmfN"),          // Astro
            ("main-DE3VWM7N.js", "DE3VWM7N"),                 // Angular 21 (esbuild)
            ("chunk-43QP4HKW.js", "43QP4HKW"),                // Angular 21
            ("main-5e771d4ea2a3ea31.js", "5e771d4ea2a3ea31"), // Next.js 16 (webpack)
            ("app.4f1c2b3a9d0e.css", "4f1c2b3a9d0e"),         // Django
            (
                "main.min.0f9a3c6c54a5f6f3d0b0e2f1b4c7a9e8d6f5c4b3a2918070605040302010f0e0.css",
                "0f9a3c6c54a5f6f3d0b0e2f1b4c7a9e8d6f5c4b3a2918070605040302010f0e0",
            ), // Hugo fingerprint (SHA-256)
        ] {
            assert_eq!(hash(name).as_deref(), Some(token), "{name}");
        }
        for name in [
            "index.html",
            "photo-20231105.jpg",         // a date: digits only
            "logo-1024x1024.png",         // a size
            "jquery-3.7.1.min.js",        // a version
            "bootstrap.bundle.min.js",    // words
            "app-settings.js",            // a word
            "icon-LinkedIn.svg",          // a word in camel case
            "case-iPhone15.png",          // a product name
            "setup-Win10Pro.exe",         // words and a number
            "report-FY2024Q3.pdf",        // no lower case, '0' is not base32
            "product-AB234567.jpg",       // a code: 2 letters
            "video-1080p60fps.mp4",       // no capital
            "screenshot-iPhone15Pro.png", // 11 characters: not a short hash
            "report-Q3-Final.pdf",        // words around a '-'
            "brochure-EN-Print.pdf",
            "flag-US-small.png",
            "icon-Big-Logo.svg",                        // '-' inside, words
            "f47ac10b-58cc-4372-a567-0e02b2c3d479.png", // a UUID: an id, not a hash
            "avatar-f47ac10b-58cc-4372-a567-0e02b2c3d479.jpg",
            "deadbeef.js",                // no name before the token
            "0bts8xcjgykqh.js",           // no name (Next.js 16 Turbopack: its folder decides)
            "turbopack-3-ry682tkyiqk.js", // 11 lower-case characters
            "icon-abcdefab.svg",          // hex without a digit
            "x-4889e940.verylongextension",
        ] {
            assert_eq!(hash(name), None, "{name}");
        }
    }

    #[test]
    fn word_shaped_or_one_case_tokens_are_candidates_for_the_folder_to_decide() {
        // Vite 8: camel-case shaped, though random.
        assert_eq!(
            classify("index-wktXvZw9.js"),
            Some(Token::Candidate {
                token: "wktXvZw9".into(),
                alphabets: vec![Alphabet::Base64],
                separator: '-',
            })
        );
        assert_eq!(
            classify("polyfills-FFHMDXTL.js"),
            Some(Token::Candidate {
                token: "FFHMDXTL".into(),
                alphabets: vec![Alphabet::Base64, Alphabet::Base32],
                separator: '-',
            })
        );
        // Vite 8: capitals and a digit, no lower case.
        assert_eq!(
            classify("vite-BF8QNONU.svg"),
            Some(Token::Candidate {
                token: "BF8QNONU".into(),
                alphabets: vec![Alphabet::Base64],
                separator: '-',
            })
        );
        // Hashes holding '-' (Vite 8, SvelteKit, Nuxt), and words around a
        // '-' shaped like them.
        for (name, token, separator) in [
            ("index-CAoPt-vL.js", "CAoPt-vL", '-'),
            ("app.BWm1gkZ-.js", "BWm1gkZ-", '.'),
            ("entry.Be8-yt_O.css", "Be8-yt_O", '.'),
            ("error-404.C-Ezrlz-.css", "C-Ezrlz-", '.'),
            ("report-Q3-Final.pdf", "Q3-Final", '-'),
            ("brochure-EN-Print.pdf", "EN-Print", '-'),
        ] {
            assert_eq!(
                classify(name),
                Some(Token::Candidate {
                    token: token.into(),
                    alphabets: vec![Alphabet::Base64],
                    separator,
                }),
                "{name}"
            );
        }
        // Lower-case words, dates and sizes are not even candidates.
        for name in [
            "app-settings.js",
            "photo-20231105.jpg",
            "video-1080p60f.mp4",
        ] {
            assert_eq!(classify(name), None, "{name}");
        }
    }

    /// Any name at all, multi-byte characters and separators in every
    /// place: an answer, never a panic (a deterministic xorshift walk).
    #[test]
    fn any_name_gets_an_answer() {
        let alphabet: Vec<char> = "aZ9-._ée漢".chars().collect();
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..100_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = usize::try_from(state % 24).unwrap();
            let name: String = (0..len)
                .map(|i| alphabet[usize::try_from((state >> (i * 2)) % 9).unwrap()])
                .collect();
            let _ = classify(&name);
        }
    }
}
