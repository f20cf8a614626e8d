//! The local side: walk the source (`scan`, with `links` deciding which
//! symbolic links to follow and `regular` opening only regular files;
//! `precompressed` leaves out the `.gz` / `.br` copies of published files),
//! resolve each file's upload parameters (`rules`, `globs`, the
//! `fingerprints` that build manifests name), hash it (`hash`, `cache`),
//! encode it (`encode`), and build the manifest of what the bucket should
//! hold (`tree`, with the `[[redirects]]` objects of `redirects`);
//! `commit` tells the source's git commit for the history.

pub mod cache;
pub mod commit;
pub mod encode;
pub mod error;
pub mod fingerprints;
pub mod globs;
pub mod hash;
pub mod keys;
pub mod links;
pub mod precompressed;
pub mod redirects;
pub mod regular;
pub mod rules;
pub mod scan;
pub mod scan_error;
pub mod tree;

pub use tree::{
    LocalError, LocalTree, MAX_KEY_BYTES, Source, build, key_for, key_prefix, manifest_key,
    rules_for, stored_etags,
};
