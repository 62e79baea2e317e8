//! Who may do what. Owners come from `BASIS_OWNERS`; organizers are granted
//! by owners through one-time invitations and may be limited to some topics.
//! Every check runs when the action runs, for commands and buttons alike.

use basis_core::{TopicKey, TopicList};
use basis_storage::{Organizer, Redeemed};
use rand::RngCore;
use sha2::{Digest, Sha256};
use teloxide::types::{Me, User};

use crate::regions::{RegionCatalog, RegionKey};
use crate::scene::Scene;
use crate::{HandlerError, HandlerResult, t};

/// Prefix of an invitation's deep-link payload: `inv_<token>`.
pub const INVITE_PREFIX: &str = "inv_";
/// How many audit entries `/audit` shows.
const AUDIT_SHOWN: i64 = 20;

/// What a user may do as an organizer, looked up when they act.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// Named in `BASIS_OWNERS`: every right.
    Owner,
    /// Granted by an owner, possibly limited to some topics.
    Organizer(Organizer),
}

impl Role {
    /// Whether this role may post to every one of `topics`.
    pub fn covers(&self, topics: &[TopicKey]) -> bool {
        match self {
            Role::Owner => true,
            Role::Organizer(o) => match o.scope() {
                None => true,
                Some(scope) => topics.iter().all(|t| scope.contains(t)),
            },
        }
    }

    /// Whether this is an owner's role.
    pub fn is_owner(&self) -> bool {
        matches!(self, Role::Owner)
    }

    /// The regions this role's posts must stay within; `None`: not limited
    /// to regions.
    pub fn region_scope(&self) -> Option<Vec<RegionKey>> {
        match self {
            Role::Owner => None,
            Role::Organizer(o) => o.region_scope(),
        }
    }

    /// Whether this role may post to the members in `targets` (none: every
    /// follower, with a region or without): a role limited to regions must
    /// name regions, each inside its scope ([`RegionCatalog::permits`]).
    pub fn reaches(&self, catalog: &RegionCatalog, targets: &[RegionKey]) -> bool {
        catalog.permits(self.region_scope().as_deref(), targets)
    }
}

/// The role of `user`, looked up now (a revoked organizer loses it at once).
pub(crate) async fn role_of(scene: &Scene, user: Option<&User>) -> Result<Option<Role>, HandlerError> {
    let Some(user) = user else { return Ok(None) };
    let id = basis_core::UserId::from(user.id);
    if scene.ctx.owners.contains(&id) {
        return Ok(Some(Role::Owner));
    }
    Ok(scene.ctx.storage.organizer(id).await?.map(Role::Organizer))
}

/// A new invitation token: 128 random bits, URL-safe, fits a deep link.
fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // 16 bytes → 22 characters of 6 bits each (the last one carries 2 bits).
    let mut out = String::with_capacity(22);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for byte in bytes {
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

/// Only this hash is stored.
pub(crate) fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Topic keys from `strikes,energy` or `strikes energy`, checked against the
/// catalog; `Err` carries the answer for an unknown one.
pub(crate) fn topic_list(scene: &Scene, input: &str) -> Result<TopicList, String> {
    let ctx = &scene.ctx;
    let mut topics = TopicList::default();
    for wanted in input.split(|c: char| c == ',' || c.is_whitespace()).filter(|w| !w.is_empty()) {
        match ctx.topics.find(wanted) {
            Some(topic) => {
                topics.insert(topic.key.clone());
            }
            None => {
                let input: String = wanted.chars().take(64).collect();
                let listing = ctx.topics.listing(scene.locale);
                return Err(t!(ctx.texts, scene.locale, "post-unknown-topic", input = input, topics = listing));
            }
        }
    }
    Ok(topics)
}

/// A scope as people read it: the topics (or all), and the regions it is
/// limited to, if any.
fn scope_label(scene: &Scene, topics: &TopicList, regions: &[RegionKey]) -> String {
    let topics = if topics.is_empty() {
        t!(scene.ctx.texts, scene.locale, "scope-all")
    } else {
        scene.ctx.topics.labels_of(topics, scene.locale).join(", ")
    };
    if regions.is_empty() {
        return topics;
    }
    let regions = region_labels(scene, regions);
    t!(scene.ctx.texts, scene.locale, "scope-regions", topics = topics, regions = regions)
}

/// `Wolfsburg, Kassel`: regions as people read them (the key of one no
/// longer configured).
pub(crate) fn region_labels(scene: &Scene, regions: &[RegionKey]) -> String {
    let catalog = &scene.ctx.regions;
    let name = |key: &RegionKey| {
        catalog.get(key.as_str()).map_or_else(|| key.to_string(), |r| r.name(scene.locale).to_owned())
    };
    regions.iter().map(name).collect::<Vec<_>>().join(", ")
}

/// The regions named with `@` in `words` (`@kassel`, `@wolfsburg,hannover`),
/// and the words that remain; `Err` is the answer for an unknown region.
/// With no regions configured, `@` means nothing special.
pub(crate) fn regions_among<'a>(scene: &Scene, words: &'a str) -> Result<(Vec<RegionKey>, Vec<&'a str>), String> {
    let catalog = &scene.ctx.regions;
    let (named, rest): (Vec<&str>, Vec<&str>) =
        words.split_whitespace().partition(|w| w.starts_with('@') && !catalog.is_empty());
    let regions = catalog.parse_targets(&named.join(",")).map_err(|input| unknown_region(scene, &input))?;
    Ok((regions, rest))
}

/// The answer for a region that is not configured (or retired).
pub(crate) fn unknown_region(scene: &Scene, input: &str) -> String {
    let regions = scene.ctx.regions.listing(scene.locale);
    t!(scene.ctx.texts, scene.locale, "post-unknown-region", input = input.to_owned(), regions = regions)
}

/// `/invite [topics] [@regions]`: owners only.
pub(crate) async fn invite(scene: &Scene, from: Option<&User>, me: &Me, args: &str) -> HandlerResult {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let (regions, words) = match regions_among(scene, args) {
        Ok(found) => found,
        Err(answer) => return scene.say(answer).await,
    };
    let topics = match topic_list(scene, &words.join(" ")) {
        Ok(topics) => topics,
        Err(answer) => return scene.say(answer).await,
    };
    let token = new_token();
    let now = ctx.now();
    let expires = now + ctx.invite_ttl_ms;
    let author = from.map_or(basis_core::UserId(0), |u| u.id.into());
    ctx.storage.create_invite_within(&token_hash(&token), &topics, &regions, author, now, expires).await?;
    tracing::info!(by = %author, topics = %topics, regions = RegionKey::join(&regions), "invitation created");
    let link = format!("https://t.me/{}?start={INVITE_PREFIX}{token}", me.username());
    let hours = (ctx.invite_ttl_ms / 3_600_000).max(1);
    let scope = scope_label(scene, &topics, &regions);
    scene.say(t!(ctx.texts, locale, "invite-created", link = link, scope = scope, hours = hours.to_string())).await
}

/// Someone opened `t.me/<bot>?start=inv_<token>`.
pub(crate) async fn redeem(scene: &Scene, from: Option<&User>, token: &str) -> HandlerResult {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let Some(user) = from.filter(|_| scene.chat.is_private()) else {
        return scene.say(t!(ctx.texts, locale, "invite-private-only")).await;
    };
    let id = basis_core::UserId::from(user.id);
    if ctx.owners.contains(&id) {
        return scene.say(t!(ctx.texts, locale, "invite-owner")).await;
    }
    let name: String = user.full_name().chars().take(64).collect();
    let answer = match ctx.storage.redeem_invite(&token_hash(token), id, &name, ctx.now()).await? {
        Redeemed::Granted { topics, invited_by } => {
            tracing::info!(user = %id, invited_by = %invited_by, topics = %topics, "organizer granted");
            scene.emit(crate::domain::DomainEvent::OrganizerGranted { user: id });
            let regions = ctx.storage.organizer(id).await?.and_then(|o| o.region_scope());
            t!(ctx.texts, locale, "invite-accepted", scope = scope_label(scene, &topics, &regions.unwrap_or_default()))
        }
        Redeemed::Used => t!(ctx.texts, locale, "invite-used"),
        Redeemed::Expired => t!(ctx.texts, locale, "invite-expired"),
        Redeemed::Unknown => t!(ctx.texts, locale, "invite-unknown"),
    };
    scene.say(answer).await
}

/// `/organizers`: owners only.
pub(crate) async fn list(scene: &Scene) -> HandlerResult {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let owners = ctx.owners.iter().map(|id| format!("• {id}")).collect::<Vec<_>>().join("\n");
    let organizers = ctx.storage.organizers().await?;
    let organizers = if organizers.is_empty() {
        t!(ctx.texts, locale, "organizers-none")
    } else {
        organizers
            .iter()
            .map(|o| {
                let regions = o.region_scope().unwrap_or_default();
                format!("• {} ({}) – {}", o.name, o.user_id, scope_label(scene, &o.topics, &regions))
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    scene.say(t!(ctx.texts, locale, "organizers-list", owners = owners, organizers = organizers)).await
}

/// `/revoke <user id>`: owners only; owners themselves cannot be revoked.
pub(crate) async fn revoke(scene: &Scene, from: Option<&User>, args: &str) -> HandlerResult {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let Some(target) = args.parse::<i64>().ok().filter(|id| *id > 0).map(basis_core::UserId) else {
        return scene.say(t!(ctx.texts, locale, "revoke-usage")).await;
    };
    if ctx.owners.contains(&target) {
        return scene.say(t!(ctx.texts, locale, "revoke-owner")).await;
    }
    let by = from.map_or(basis_core::UserId(0), |u| u.id.into());
    let answer = if ctx.storage.revoke_organizer(target, by, ctx.now()).await? {
        tracing::info!(user = %target, by = %by, "organizer revoked");
        scene.emit(crate::domain::DomainEvent::OrganizerRevoked { user: target });
        t!(ctx.texts, locale, "revoked", id = target.to_string())
    } else {
        t!(ctx.texts, locale, "revoke-unknown", id = target.to_string())
    };
    scene.say(answer).await
}

/// `/audit`: the latest organizer actions, owners only.
pub(crate) async fn audit(scene: &Scene) -> HandlerResult {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let entries = ctx.storage.audit_entries(AUDIT_SHOWN).await?;
    if entries.is_empty() {
        return scene.say(t!(ctx.texts, locale, "audit-empty")).await;
    }
    let lines: Vec<String> = entries
        .iter()
        .map(|e| {
            let when = crate::when::format_local(e.at, ctx.now(), ctx.timezone, locale == crate::Locale::De);
            let detail: String = e.detail.chars().take(80).collect();
            format!("{when} · {} · {} {} {}", e.actor_id, e.action, e.subject, detail).trim_end().to_owned()
        })
        .collect();
    scene.say(t!(ctx.texts, locale, "audit-list", entries = lines.join("\n"))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_128_bits_in_a_deep_link_alphabet() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 22);
        let payload = format!("{INVITE_PREFIX}{a}");
        assert!(crate::command::valid_payload(&payload), "{payload}");
    }

    #[test]
    fn only_the_hash_is_kept_and_it_is_stable() {
        let hash = token_hash("abc");
        assert_eq!(hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_ne!(token_hash("abd"), hash);
    }

    proptest::proptest! {
        /// Any text a payload can carry hashes without panicking, and every
        /// fresh token fits Telegram's deep-link alphabet and length.
        #[test]
        fn tokens_of_any_shape_are_handled(typed in proptest::prelude::prop_oneof![".*", "inv_[A-Za-z0-9_-]{0,70}"]) {
            let hash = token_hash(&typed);
            proptest::prop_assert!(hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()));
            // `/start` hands `redeem` what follows the prefix of a valid payload.
            if typed.starts_with(INVITE_PREFIX) && crate::command::valid_payload(&typed) {
                let _ = token_hash(&typed[INVITE_PREFIX.len()..]);
            }
            let fresh = new_token();
            proptest::prop_assert_eq!(fresh.len(), 22);
            let payload = format!("{INVITE_PREFIX}{fresh}");
            proptest::prop_assert!(crate::command::valid_payload(&payload));
        }
    }
}
