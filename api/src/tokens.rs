//! API tokens: 256 random bits, shown once, stored only as their SHA-256.
//! A token is scoped like an organizer: some topics or all, and where
//! regions are configured possibly some regions, within which it must
//! target every post. Checking a presented token compares it with every
//! live token's hash in constant time, so a wrong token costs what a right
//! one costs and reveals nothing about how close it came.

use basis_core::{TopicKey, TopicList};
use basis_handlers::{RegionCatalog, RegionKey};
use basis_storage::Storage;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::store::{self, StoreResult};

/// What every token starts with, so that secret scanners and people
/// recognise one.
pub const PREFIX: &str = "basis_";

/// A new token: the prefix and 32 random bytes in URL-safe base64.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{PREFIX}{}", base64url(&bytes))
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 1);
    let (mut acc, mut bits) = (0u32, 0);
    for &byte in bytes {
        acc = (acc << 8) | u32::from(byte);
        bits += 8;
        while bits >= 6 {
            bits -= 6;
            out.push(ALPHABET[((acc >> bits) & 63) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (6 - bits)) & 63) as usize] as char);
    }
    out
}

/// The only form in which a token is stored.
pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A token's name: 1–32 of `a-z 0-9 _ -`, starting with a letter or digit;
/// `revoke` is the subcommand.
pub fn valid_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && name.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && name != "revoke"
}

/// What a token may post to, like an organizer's scope.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// Topic keys; empty means every topic.
    pub topics: TopicList,
    /// Region keys; empty means no restriction. A token limited to
    /// regions must target each post at regions inside them.
    pub regions: Vec<String>,
}

impl Scope {
    /// From the stored, comma-separated lists.
    pub fn from_stored(topics: &str, regions: &str) -> Scope {
        let regions = regions.split(',').filter(|r| !r.is_empty()).map(str::to_owned).collect();
        Scope { topics: TopicList::from_stored(topics), regions }
    }

    /// The regions its posts must stay within; `None`: not limited.
    pub fn region_scope(&self) -> Option<Vec<RegionKey>> {
        (!self.regions.is_empty()).then(|| self.regions.iter().filter_map(|r| RegionKey::parse(r)).collect())
    }

    /// The first of `topics` this scope does not cover, if any.
    pub fn outside<'a>(&self, topics: &'a TopicList) -> Option<&'a TopicKey> {
        if self.topics.is_empty() {
            return None;
        }
        topics.iter().find(|t| !self.topics.contains(t))
    }
}

/// A live token as stored (without its hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// Its row.
    pub id: i64,
    /// What the owner called it; the audit log names it.
    pub name: String,
    /// What it may post to.
    pub scope: Scope,
    /// Whose private chat gets the progress reports and holds the photos
    /// the token posts (the owner who made it; 0: none).
    pub owner_id: i64,
    /// When it was made (Unix ms).
    pub created_at: i64,
    /// When it was last used (Unix ms).
    pub last_used_at: Option<i64>,
}

/// Why a token was not made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CreateError {
    /// Not a valid name.
    #[error("a token's name is 1–32 of a-z, 0-9, _ and -, and not `revoke`")]
    BadName,
    /// A live token has this name.
    #[error("a token called `{0}` exists already; revoke it first")]
    Taken(String),
    /// A region that is not configured (or retired).
    #[error("unknown region `{0}`")]
    UnknownRegion(String),
}

/// Makes a token and records it in the audit log; returns the token, the
/// only time it is ever seen. Its regions (keys or names) must be in
/// `catalog`; they are stored by key.
pub async fn create(
    storage: &Storage,
    catalog: &RegionCatalog,
    name: &str,
    scope: &Scope,
    owner_id: i64,
    actor: basis_core::UserId,
    now: i64,
) -> StoreResult<Result<String, CreateError>> {
    if !valid_name(name) {
        return Ok(Err(CreateError::BadName));
    }
    let mut regions: Vec<String> = Vec::new();
    for wanted in &scope.regions {
        let Some(region) = catalog.find(wanted) else {
            return Ok(Err(CreateError::UnknownRegion(wanted.clone())));
        };
        if !regions.iter().any(|r| r == region.key.as_str()) {
            regions.push(region.key.to_string());
        }
    }
    let scope = Scope { topics: scope.topics.clone(), regions };
    let token = new_token();
    if !store::insert_token(storage, name, &hash(&token), &scope, owner_id, now).await? {
        return Ok(Err(CreateError::Taken(name.to_owned())));
    }
    let mut scope_text = if scope.topics.is_empty() { "all topics".to_owned() } else { scope.topics.stored() };
    if !scope.regions.is_empty() {
        scope_text = format!("{scope_text} @{}", scope.regions.join(","));
    }
    storage.audit(actor, basis_storage::AuditAction::ApiToken, name, &scope_text, now).await?;
    tracing::info!(token = name, by = %actor, "API token created");
    Ok(Ok(token))
}

/// Revokes the live token `name` at once; `false` if there is none.
pub async fn revoke(storage: &Storage, name: &str, actor: basis_core::UserId, now: i64) -> StoreResult<bool> {
    let revoked = store::revoke_token(storage, name, now).await?;
    if revoked {
        storage.audit(actor, basis_storage::AuditAction::ApiRevoke, name, "", now).await?;
        tracing::info!(token = name, by = %actor, "API token revoked");
    }
    Ok(revoked)
}

/// The live token whose hash matches `presented`, compared in constant
/// time with every live token (no early exit), and marked as used.
pub async fn authenticate(storage: &Storage, presented: &str, now: i64) -> StoreResult<Option<Token>> {
    let presented = hash(presented);
    let mut found: Option<Token> = None;
    for (token, stored) in store::live_tokens_with_hashes(storage).await? {
        let equal: bool = stored.as_bytes().ct_eq(presented.as_bytes()).into();
        if equal {
            found = Some(token);
        }
    }
    if let Some(token) = &found {
        store::mark_used(storage, token.id, now).await?;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_256_random_bits_behind_a_recognisable_prefix() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(a.starts_with(PREFIX));
        assert_eq!(a.len(), PREFIX.len() + 43);
        assert!(a[PREFIX.len()..].bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    }

    #[test]
    fn only_the_hash_is_kept_and_it_is_stable() {
        assert_eq!(hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_ne!(hash("abd"), hash("abc"));
    }

    #[test]
    fn names_are_short_keys_and_revoke_is_the_subcommand() {
        for good in ["cms", "press-office", "liveblog_2026", "9live"] {
            assert!(valid_name(good), "{good}");
        }
        for bad in ["", "CMS", "-cms", "revoke", "a b", "ümlaut", &"x".repeat(33)] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn a_scope_covers_its_topics_and_an_empty_one_covers_all() {
        let strikes = Scope::from_stored("strikes", "");
        let topics = |t: &[&str]| TopicList::parse_all(t.iter().copied()).unwrap();
        assert_eq!(strikes.outside(&topics(&["strikes"])), None);
        assert_eq!(strikes.outside(&topics(&["strikes", "energy"])).map(TopicKey::as_str), Some("energy"));
        assert_eq!(Scope::from_stored("", "").outside(&topics(&["energy", "europe"])), None);
        assert_eq!(Scope::from_stored("strikes,energy", "north").regions, vec!["north".to_owned()]);
    }
}
