//! Organizers, their one-time invitations and the audit log of what they do.
//! Owners are configuration, not rows: they are checked by the caller.

use crate::TopicList;
use crate::UserId;
use basis_core::{AuditAction, RegionKey};

use crate::{Result, Storage, on_pool};

/// An organizer granted from inside the bot.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Organizer {
    /// The organizer's Telegram user id.
    pub user_id: UserId,
    /// How the organizer is shown in `/organizers` and the audit log.
    pub name: String,
    /// The topics this organizer may post to; empty means every topic.
    pub topics: TopicList,
    /// Who granted the rights: the invitation's author.
    pub granted_by: UserId,
    /// When the rights were granted (Unix ms).
    pub granted_at: i64,
    /// Comma-separated region keys; empty means not limited to regions.
    /// An organizer limited to regions reaches only members in them (or
    /// below them) and must name them: an untargeted post is refused.
    pub regions: String,
}

impl Organizer {
    /// The topics this organizer may post to; `None` means all.
    pub fn scope(&self) -> Option<&TopicList> {
        (!self.topics.is_empty()).then_some(&self.topics)
    }

    /// The regions this organizer's posts must stay within; `None` means
    /// not limited to regions.
    pub fn region_scope(&self) -> Option<Vec<RegionKey>> {
        region_scope(&self.regions)
    }
}

/// The region scope stored as `regions`: `None` when empty. A column that
/// is not empty but names no key limits to nothing.
fn region_scope(regions: &str) -> Option<Vec<RegionKey>> {
    (!regions.trim().is_empty()).then(|| RegionKey::split(regions))
}

/// What an audit entry says about a scope: the topics (`''`: all), then
/// `@` and the regions where limited to some.
fn scope_detail(topics: &TopicList, regions: &str) -> String {
    if regions.is_empty() { topics.stored() } else { format!("{topics} @{regions}") }
}

/// What became of an invitation someone opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Redeemed {
    /// The opener is an organizer now, with the invitation's topics.
    Granted {
        /// The topics the organizer may post to; empty means all.
        topics: TopicList,
        /// Who created the invitation.
        invited_by: UserId,
    },
    /// Used before (by anyone, also the opener).
    Used,
    /// Its time ran out before it was used.
    Expired,
    /// No invitation has this token.
    Unknown,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditEntry {
    /// Its number; later entries have higher ones.
    pub id: i64,
    /// When it happened (Unix ms).
    pub at: i64,
    /// Who did it (a Telegram user id).
    pub actor_id: UserId,
    /// What was done.
    pub action: AuditAction,
    /// What it was done to, such as a user id; may be empty.
    pub subject: String,
    /// More about it, such as topics; may be empty.
    pub detail: String,
}

pub(crate) const AUDIT: &str =
    "INSERT INTO audit_log (at, actor_id, action, subject, detail) VALUES ($1, $2, $3, $4, $5)";

impl Storage {
    /// The organizer with this user id, if granted.
    pub async fn organizer(&self, user_id: UserId) -> Result<Option<Organizer>> {
        let sql = "SELECT user_id, name, topics, granted_by, granted_at, regions FROM organizers WHERE user_id = $1";
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, Organizer>(sql).bind(user_id).fetch_optional(p).await)?)
    }

    /// Everyone granted, in the order they were granted.
    pub async fn organizers(&self) -> Result<Vec<Organizer>> {
        let sql = "SELECT user_id, name, topics, granted_by, granted_at, regions FROM organizers \
                   ORDER BY granted_at, user_id";
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, Organizer>(sql).fetch_all(p).await)?)
    }

    /// Stores an invitation by the hash of its token.
    pub async fn create_invite(
        &self,
        token_hash: &str,
        topics: &TopicList,
        created_by: UserId,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        self.create_invite_within(token_hash, topics, &[], created_by, now, expires_at).await
    }

    /// Stores an invitation for an organizer limited to `regions` as well
    /// as to `topics` (`/invite strikes @kassel`); no regions: not limited
    /// to any.
    pub async fn create_invite_within(
        &self,
        token_hash: &str,
        topics: &TopicList,
        regions: &[RegionKey],
        created_by: UserId,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        let regions = RegionKey::join(regions);
        let _turn = self.write_turn().await;
        on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO invites (token_hash, topics, created_by, created_at, expires_at, regions) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(token_hash)
            .bind(topics)
            .bind(created_by)
            .bind(now)
            .bind(expires_at)
            .bind(&regions)
            .execute(&mut *tx)
            .await?;
            sqlx::query(AUDIT)
                .bind(now)
                .bind(created_by)
                .bind(AuditAction::Invite)
                .bind("")
                .bind(scope_detail(topics, &regions))
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// Uses an invitation once: in one transaction the invitation is marked
    /// used, the opener becomes an organizer and the grant is audited. An
    /// existing organizer's scope (topics and regions) is replaced by the
    /// invitation's; [`Storage::organizer`] reads the regions granted.
    pub async fn redeem_invite(&self, token_hash: &str, user_id: UserId, name: &str, now: i64) -> Result<Redeemed> {
        let _turn = self.write_turn().await;
        let outcome = on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            let taken: Option<(TopicList, UserId, String)> = sqlx::query_as(
                "UPDATE invites SET used_by = $2, used_at = $3 \
                 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $3 RETURNING topics, created_by, regions",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((topics, invited_by, regions)) = taken else {
                let found: Option<(Option<i64>,)> = sqlx::query_as("SELECT used_at FROM invites WHERE token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(&mut *tx)
                    .await?;
                return Ok(match found {
                    None => Redeemed::Unknown,
                    Some((Some(_),)) => Redeemed::Used,
                    Some((None,)) => Redeemed::Expired,
                });
            };
            sqlx::query(
                "INSERT INTO organizers (user_id, name, topics, granted_by, granted_at, regions) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, topics = excluded.topics, \
                 granted_by = excluded.granted_by, granted_at = excluded.granted_at, regions = excluded.regions",
            )
            .bind(user_id)
            .bind(name)
            .bind(&topics)
            .bind(invited_by)
            .bind(now)
            .bind(&regions)
            .execute(&mut *tx)
            .await?;
            sqlx::query(AUDIT)
                .bind(now)
                .bind(user_id)
                .bind(AuditAction::Grant)
                .bind(user_id.to_string())
                .bind(format!("{} (invited by {invited_by})", scope_detail(&topics, &regions)))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Redeemed::Granted { topics, invited_by })
        })?;
        Ok(outcome)
    }

    /// Takes an organizer's rights away; `false` if they held none.
    pub async fn revoke_organizer(&self, user_id: UserId, by: UserId, now: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let removed = on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            let removed = sqlx::query("DELETE FROM organizers WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if removed > 0 {
                sqlx::query(AUDIT)
                    .bind(now)
                    .bind(by)
                    .bind(AuditAction::Revoke)
                    .bind(user_id.to_string())
                    .bind("")
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(removed > 0)
        })?;
        Ok(removed)
    }

    /// Records one organizer action.
    pub async fn audit(
        &self,
        actor_id: UserId,
        action: AuditAction,
        subject: &str,
        detail: &str,
        now: i64,
    ) -> Result<()> {
        let _turn = self.write_turn().await;
        on_pool!(&self.pool, |p| sqlx::query(AUDIT)
            .bind(now)
            .bind(actor_id)
            .bind(action)
            .bind(subject)
            .bind(detail)
            .execute(p)
            .await
            .map(drop))?;
        Ok(())
    }

    /// The latest `limit` entries, newest first.
    pub async fn audit_entries(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        let sql = "SELECT id, at, actor_id, action, subject, detail FROM audit_log ORDER BY id DESC LIMIT $1";
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, AuditEntry>(sql).bind(limit).fetch_all(p).await)?)
    }
}
