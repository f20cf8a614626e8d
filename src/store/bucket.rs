//! The bucket's own settings, in s3sync's words, and the narrow trait that
//! reads and writes them (`s3sync setup` and `check`): existence, Object
//! Ownership, Block Public Access, the bucket policy, CORS, static website
//! hosting and versioning. Only `s3.rs` implements it (its part
//! `s3/bucket.rs`); a `file://` target has none of these.

use async_trait::async_trait;

use super::StoreError;

/// Who owns uploaded objects, and so whether ACLs apply (S3's Object
/// Ownership).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// ACLs disabled: the bucket owner owns every object (the AWS default
    /// for new buckets since April 2023).
    BucketOwnerEnforced,
    /// ACLs enabled; objects sent with `bucket-owner-full-control` belong to
    /// the bucket owner.
    BucketOwnerPreferred,
    /// ACLs enabled; the writer owns what it writes (also a bucket with no
    /// ownership controls at all).
    ObjectWriter,
}

impl Ownership {
    pub fn name(self) -> &'static str {
        match self {
            Self::BucketOwnerEnforced => "BucketOwnerEnforced",
            Self::BucketOwnerPreferred => "BucketOwnerPreferred",
            Self::ObjectWriter => "ObjectWriter",
        }
    }

    pub fn acls_enabled(self) -> bool {
        self != Self::BucketOwnerEnforced
    }
}

/// The bucket's Block Public Access flags (all `false` when it has none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublicAccessBlock {
    /// Refuse requests that set a public ACL.
    pub block_public_acls: bool,
    /// Ignore public ACLs already set.
    pub ignore_public_acls: bool,
    /// Refuse a bucket policy that grants public access.
    pub block_public_policy: bool,
    /// Serve a public bucket policy's grants only to AWS services and the
    /// bucket owner's account.
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// Everything blocked: what AWS gives a new bucket.
    pub const ALL: Self = Self {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };

    /// The flags that are on, by S3's names (for messages).
    pub fn on(self) -> Vec<&'static str> {
        [
            (self.block_public_acls, "BlockPublicAcls"),
            (self.ignore_public_acls, "IgnorePublicAcls"),
            (self.block_public_policy, "BlockPublicPolicy"),
            (self.restrict_public_buckets, "RestrictPublicBuckets"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }
}

/// One CORS rule (S3 allows up to 100 per bucket).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsRule {
    pub id: Option<String>,
    pub allowed_methods: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub allowed_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age_seconds: Option<i32>,
}

/// Static website hosting as far as s3sync sets it: the index suffix and
/// the error document's key. Routing rules are kept as they are when it is
/// written; a bucket that redirects every request elsewhere says so.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Website {
    pub index: Option<String>,
    pub error: Option<String>,
    /// `RedirectAllRequestsTo`'s host name, when set.
    pub redirect_all: Option<String>,
}

/// The bucket's versioning state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versioning {
    /// Never enabled.
    Off,
    Enabled,
    Suspended,
}

/// Everything `setup` compares with the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketState {
    pub ownership: Ownership,
    pub public_access_block: PublicAccessBlock,
    /// The bucket policy's JSON text, if any.
    pub policy: Option<String>,
    pub cors: Vec<CorsRule>,
    pub website: Option<Website>,
    pub versioning: Versioning,
}

impl BucketState {
    /// What AWS gives a bucket it creates: ACLs disabled, every public
    /// access blocked, nothing else set. A plan for a missing bucket starts
    /// here; `setup` reads the real state again once it has created it.
    pub fn new_bucket() -> Self {
        Self {
            ownership: Ownership::BucketOwnerEnforced,
            public_access_block: PublicAccessBlock::ALL,
            policy: None,
            cors: Vec::new(),
            website: None,
            versioning: Versioning::Off,
        }
    }
}

/// Reading and writing a bucket's settings. Each write replaces that one
/// setting whole (the merging is the caller's, see `setup`).
#[async_trait]
pub trait BucketAdmin: Send + Sync {
    /// `s3://bucket`, for messages.
    fn describe(&self) -> String;
    /// The region a new bucket is created in.
    fn region(&self) -> String;
    /// The bucket's settings, or `None` when it does not exist.
    async fn state(&self) -> Result<Option<BucketState>, StoreError>;
    /// Create the bucket in [`Self::region`].
    async fn create(&self) -> Result<(), StoreError>;
    async fn set_ownership(&self, ownership: Ownership) -> Result<(), StoreError>;
    async fn set_public_access_block(&self, block: PublicAccessBlock) -> Result<(), StoreError>;
    async fn set_policy(&self, policy: &str) -> Result<(), StoreError>;
    async fn set_cors(&self, rules: &[CorsRule]) -> Result<(), StoreError>;
    /// Set the index and error documents, keeping any routing rules.
    async fn set_website(&self, index: &str, error: Option<&str>) -> Result<(), StoreError>;
    async fn enable_versioning(&self) -> Result<(), StoreError>;
}
