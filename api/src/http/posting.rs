//! What the API's requests do, through Basis's own storage API: a post is
//! the same broadcast, draft or scheduled draft an organizer makes in
//! Telegram, so the broadcaster, the reports, `/edit` and `/retract` work
//! on it unchanged.

use basis_core::TopicList;
use basis_handlers::RegionKey;
use basis_handlers::offer::{self, NO_AUTHOR};
use basis_handlers::{Basis, Locale};
use basis_storage::{
    AuditAction, BroadcastKind, Content, DraftState, NewBroadcast, NewDraft, PRIORITY_NORMAL, PRIORITY_URGENT,
    RegionTarget,
};
use teloxide::payloads::SendPhotoSetters;
use teloxide::prelude::*;
use teloxide::types::InputFile;

use super::{ApiError, BroadcastStatus, Correction, Counts, Created, NewBroadcastRequest};
use crate::settings::Mode;
use crate::store::{self, ApiBroadcast, Claim};
use crate::tokens::Token;

/// Telegram's limit for a message's text…
pub const MAX_TEXT: usize = 4096;
/// …and for a photo's caption.
pub const MAX_CAPTION: usize = 1024;
/// Telegram lets bots delete their messages for 48 hours.
const DELETE_WINDOW_MS: i64 = 48 * 3_600_000;
/// How far ahead a post may be scheduled (as in Telegram).
const AHEAD_MS: i64 = 366 * 24 * 3_600_000;
/// A request that made nothing in this time died; its key is free again.
const STALE_MS: i64 = 120_000;

/// A photo for the post.
#[derive(Debug)]
pub enum Photo {
    /// None: a text post.
    None,
    /// By URL: Telegram fetches it.
    Url(String),
    /// Uploaded with the request (bytes, file name).
    Upload(Vec<u8>, String),
}

/// A checked request: what to make.
#[derive(Debug)]
pub struct Plan {
    topics: TopicList,
    target: RegionTarget,
    text: String,
    urgent: bool,
    at: Option<i64>,
    offered: bool,
    photo: Photo,
}

/// Topic keys from keys or names, checked against the catalog.
pub fn topic_keys(basis: &Basis, wanted: &[String]) -> Result<TopicList, ApiError> {
    let mut keys = TopicList::default();
    for name in wanted {
        let topic = basis.topics().find(name).ok_or_else(|| ApiError::UnknownTopic(name.chars().take(64).collect()))?;
        keys.insert(topic.key.clone());
    }
    Ok(keys)
}

/// Region keys from keys or names, checked against the catalog: each a
/// current region, each once.
pub fn region_keys(basis: &Basis, wanted: &[String]) -> Result<Vec<RegionKey>, ApiError> {
    let mut keys: Vec<RegionKey> = Vec::new();
    for name in wanted {
        let region =
            basis.regions().find(name).ok_or_else(|| ApiError::UnknownRegion(name.chars().take(64).collect()))?;
        if !keys.contains(&region.key) {
            keys.push(region.key.clone());
        }
    }
    Ok(keys)
}

/// Whether a token limited to regions may post to `targets` (none: every
/// follower); the error says why not.
pub fn check_regions(basis: &Basis, token: &Token, targets: &[RegionKey]) -> Result<(), ApiError> {
    let Some(scope) = token.scope.region_scope() else { return Ok(()) };
    if targets.is_empty() {
        return Err(ApiError::RegionsRequired(token.scope.regions.join(", ")));
    }
    match targets.iter().find(|t| !basis.regions().within(t, &scope)) {
        Some(outside) => Err(ApiError::RegionOutOfScope(outside.to_string())),
        None => Ok(()),
    }
}

/// A text's length, checked against `max`.
pub fn check_length(text: &str, max: usize) -> Result<(), ApiError> {
    let length = text.chars().count();
    if length > max {
        return Err(ApiError::TextTooLong { length, max });
    }
    Ok(())
}

/// `at` as Unix ms, in the future and within a year of `now`.
pub fn parse_at(at: &str, now: i64) -> Result<i64, ApiError> {
    let at = chrono::DateTime::parse_from_rfc3339(at.trim()).map_err(|_| ApiError::BadTime)?.timestamp_millis();
    if at <= now {
        return Err(ApiError::TimeInPast);
    }
    if at > now + AHEAD_MS {
        return Err(ApiError::TimeTooFar);
    }
    Ok(at)
}

impl Plan {
    /// Checks a request against the catalog and the token's scope:
    /// unknown topics and regions, bad texts and times (422), topics out of
    /// scope (403).
    pub fn check(basis: &Basis, token: &Token, request: NewBroadcastRequest, photo: Photo) -> Result<Plan, ApiError> {
        if request.topics.is_empty() {
            return Err(ApiError::NoTopics);
        }
        let topics = topic_keys(basis, &request.topics)?;
        let regions = region_keys(basis, &request.regions)?;
        if let Some(outside) = token.scope.outside(&topics) {
            return Err(ApiError::OutOfScope(outside.to_string()));
        }
        check_regions(basis, token, &regions)?;
        let target = if regions.is_empty() { RegionTarget::Everywhere } else { RegionTarget::Within(regions) };
        let text = request.text.trim().to_owned();
        match &photo {
            Photo::None if text.is_empty() => return Err(ApiError::EmptyText),
            Photo::None => check_length(&text, MAX_TEXT)?,
            Photo::Url(url) => {
                let parsed =
                    reqwest::Url::parse(url).map_err(|_| ApiError::BadRequest("`photo` is not a URL".into()))?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(ApiError::BadRequest("`photo` must be an http or https URL".into()));
                }
                check_length(&text, MAX_CAPTION)?;
            }
            Photo::Upload(bytes, _) if bytes.is_empty() => {
                return Err(ApiError::BadRequest("the photo is empty".into()));
            }
            Photo::Upload(..) => check_length(&text, MAX_CAPTION)?,
        }
        let offered = request.mode == Mode::Draft || offer::approval(basis);
        let at = request.at.as_deref().map(|at| parse_at(at, basis.now())).transpose()?;
        if at.is_some() && offered {
            return Err(ApiError::Unsupported(
                "`at` works with mode `send` while two-person approval is off; a draft is sent when someone presses Send",
            ));
        }
        Ok(Plan { topics, target, text, urgent: request.urgent, at, offered, photo })
    }
}

/// Makes what the plan says, once per idempotency key; `true` when the
/// answer is the first request's (a retry).
pub async fn create(
    basis: &Basis,
    token: &Token,
    key: Option<&str>,
    request_hash: &str,
    plan: Plan,
) -> Result<(Created, bool), ApiError> {
    let storage = basis.storage();
    let now = basis.now();
    let row = match store::claim(storage, token.id, key, request_hash, &plan.topics, now, STALE_MS).await? {
        Claim::New(row) => row,
        Claim::Seen(seen) if seen.request_hash != request_hash => return Err(ApiError::KeyReused),
        Claim::Seen(seen) if seen.draft_id.is_none() && seen.broadcast_id.is_none() => {
            return Err(ApiError::KeyInFlight);
        }
        Claim::Seen(seen) => {
            let status = state_of(basis, &seen).await?;
            let created = Created { id: seen.id, status: first_status(&status.status), recipients: status.recipients };
            return Ok((created, true));
        }
    };
    match make(basis, token, row, plan).await {
        Ok(created) => Ok((created, false)),
        Err(error) => {
            // Nothing was made: a retry with the same key may try again.
            store::release(storage, row).await?;
            Err(error)
        }
    }
}

/// The status a repeated request answers with, as the first one did.
fn first_status(now: &str) -> String {
    match now {
        "sending" | "done" | "retracted" => "queued".to_owned(),
        other => other.to_owned(),
    }
}

async fn make(basis: &Basis, token: &Token, row: i64, plan: Plan) -> Result<Created, ApiError> {
    let storage = basis.storage();
    let now = basis.now();
    let owner = token.owner_id;
    let locale = if owner != 0 { offer::locale_of(basis, owner).await? } else { Locale::default() };
    let file = match &plan.photo {
        Photo::None => None,
        Photo::Url(url) => Some(InputFile::url(
            reqwest::Url::parse(url).map_err(|_| ApiError::BadRequest("`photo` is not a URL".into()))?,
        )),
        Photo::Upload(bytes, name) => Some(InputFile::memory(bytes.clone()).file_name(name.clone())),
    };
    let content = match file {
        None => Content::Text(plan.text.clone()),
        Some(_) if owner == 0 => {
            return Err(ApiError::Unsupported(
                "this token has no owner whose chat can hold photos; make it in Telegram or with --owner",
            ));
        }
        // The photo goes into the owner's chat first, and the post is a
        // copy of it: what an organizer's photo post is.
        Some(file) => {
            let mut request = basis.bot().send_photo(ChatId(owner), file);
            if !plan.text.is_empty() {
                request = request.caption(plan.text.clone());
            }
            let message = request.await.map_err(|e| super::error::telegram(&e))?;
            Content::Copy { chat_id: basis_core::ChatId(owner), message_id: i64::from(message.id.0), text: None }
        }
    };
    let via = format!("token {}", token.name);
    let priority = if plan.urgent { PRIORITY_URGENT } else { PRIORITY_NORMAL };
    let created = if plan.offered {
        let new = NewDraft {
            author_id: basis_core::UserId(NO_AUTHOR),
            chat_id: basis_core::ChatId(owner),
            content,
            topics: plan.topics.clone(),
            follow_up_of: None,
        };
        let draft = storage.create_draft_to(&new, &plan.target, DraftState::Open, now).await?;
        store::made(storage, row, Some(draft.0), None).await?;
        storage.audit(basis_core::UserId(owner), AuditAction::Draft, &draft.to_string(), &via, now).await?;
        let people = offer::reviewers_within(basis, &plan.topics, &plan.target).await?;
        let name = token.name.clone();
        let asked = offer::offer_draft(basis, draft, &people, plan.urgent, |locale| {
            basis.text_with(locale, "api-offer-note", &[("token", &name)])
        })
        .await?;
        tracing::info!(token = %token.name, draft = %draft, asked, "API draft offered");
        let recipients = offer::audience(basis, &plan.topics, &plan.target).await?;
        Created { id: row, status: "draft".into(), recipients }
    } else if let Some(at) = plan.at {
        let new = NewDraft {
            author_id: basis_core::UserId(owner),
            chat_id: basis_core::ChatId(owner),
            content,
            topics: plan.topics.clone(),
            follow_up_of: None,
        };
        let draft = storage.create_draft_to(&new, &plan.target, DraftState::Timing, now).await?;
        storage.schedule_draft(draft, at, priority, locale.code()).await?;
        store::made(storage, row, Some(draft.0), None).await?;
        storage
            .audit(
                basis_core::UserId(owner),
                AuditAction::Schedule,
                &draft.to_string(),
                &format!("{via}, at {at}"),
                now,
            )
            .await?;
        tracing::info!(token = %token.name, draft = %draft, at, "API post scheduled");
        let recipients = offer::audience(basis, &plan.topics, &plan.target).await?;
        Created { id: row, status: "scheduled".into(), recipients }
    } else {
        let new = NewBroadcast {
            author_id: basis_core::UserId(owner),
            content,
            topics: plan.topics.clone(),
            priority,
            report_chat_id: (owner != 0).then_some(basis_core::ChatId(owner)),
            report_locale: locale.code().to_owned(),
            ref_broadcast_id: None,
        };
        let (broadcast, total) = storage.create_broadcast_to(&new, &plan.target, now).await?;
        store::made(storage, row, None, Some(broadcast.0)).await?;
        offer::wake(basis);
        storage
            .audit(
                basis_core::UserId(owner),
                AuditAction::Post,
                &broadcast.to_string(),
                &format!("{via}, {total} chats"),
                now,
            )
            .await?;
        tracing::info!(token = %token.name, broadcast = %broadcast, total, "API post queued");
        if owner != 0
            && let Err(error) = offer::report_status(basis, owner, locale, &new.content, broadcast.0, total, None).await
        {
            tracing::warn!(error = %super::error::chain(&error), "could not post the progress message of an API post");
        }
        Created { id: row, status: "queued".into(), recipients: total }
    };
    Ok(created)
}

/// The row `id`, if the token's scope covers its topics and regions.
async fn owned(basis: &Basis, token: &Token, id: i64) -> Result<ApiBroadcast, ApiError> {
    let row = store::api_broadcast(basis.storage(), id).await?.ok_or_else(|| ApiError::NotFound(id.to_string()))?;
    if token.scope.outside(&row.topics).is_some() {
        return Err(ApiError::NotYours(id));
    }
    if token.scope.region_scope().is_some()
        && check_regions(basis, token, target_of(basis, &row).await?.keys()).is_err()
    {
        return Err(ApiError::NotYours(id));
    }
    Ok(row)
}

/// Whom of its topics' followers the row's post reaches, as named.
async fn target_of(basis: &Basis, row: &ApiBroadcast) -> Result<RegionTarget, ApiError> {
    let storage = basis.storage();
    if let Some(id) = row.broadcast_id {
        return Ok(storage
            .broadcast(basis_core::BroadcastId(id))
            .await?
            .map(|b| b.region_target())
            .unwrap_or_default());
    }
    match row.draft_id {
        Some(id) => Ok(storage.draft(basis_core::DraftId(id)).await?.map(|d| d.region_target()).unwrap_or_default()),
        None => Ok(RegionTarget::Everywhere),
    }
}

/// `GET /api/v1/broadcasts/{id}`.
pub async fn status(basis: &Basis, token: &Token, id: i64) -> Result<BroadcastStatus, ApiError> {
    let row = owned(basis, token, id).await?;
    state_of(basis, &row).await
}

/// Where a broadcast made through the API is now.
async fn state_of(basis: &Basis, row: &ApiBroadcast) -> Result<BroadcastStatus, ApiError> {
    let storage = basis.storage();
    let draft = match row.draft_id {
        Some(id) => storage.draft(basis_core::DraftId(id)).await?,
        None => None,
    };
    let broadcast = row.broadcast_id.or(draft.as_ref().and_then(|d| d.broadcast_id.map(|b| b.0)));
    let mut status = BroadcastStatus {
        id: row.id,
        status: "pending".into(),
        broadcast,
        draft: row.draft_id,
        topics: row.topics.strs().into_iter().map(str::to_owned).collect(),
        regions: Vec::new(),
        recipients: 0,
        counts: Counts::default(),
    };
    let target = match (broadcast, &draft) {
        (Some(id), _) => {
            storage.broadcast(basis_core::BroadcastId(id)).await?.map(|b| b.region_target()).unwrap_or_default()
        }
        (None, Some(draft)) => draft.region_target(),
        (None, None) => RegionTarget::Everywhere,
    };
    status.regions = target.keys().iter().map(|k| k.to_string()).collect();
    match (broadcast, &draft) {
        (Some(id), _) => {
            let progress = storage.progress(basis_core::BroadcastId(id)).await?;
            let finished = storage.broadcast(basis_core::BroadcastId(id)).await?.is_some_and(|b| b.is_finished());
            status.status = match (row.retraction_id, finished) {
                (Some(_), _) => "retracted",
                (None, true) => "done",
                (None, false) => "sending",
            }
            .into();
            status.recipients = progress.total;
            status.counts = Counts {
                delivered: progress.sent,
                blocked: progress.blocked,
                failed: progress.failed,
                pending: progress.remaining,
            };
        }
        (None, Some(draft)) => {
            status.status = match draft.status {
                DraftState::Cancelled => "discarded",
                DraftState::Timing | DraftState::Scheduled => "scheduled",
                _ => "draft",
            }
            .into();
            status.recipients = offer::audience(basis, &row.topics, &target).await?;
        }
        (None, None) => {}
    }
    Ok(status)
}

/// `POST /api/v1/broadcasts/{id}/retract`: `/retract` for a sent post; a
/// draft or scheduled post is discarded.
pub async fn retract(basis: &Basis, token: &Token, id: i64) -> Result<Correction, ApiError> {
    let storage = basis.storage();
    let now = basis.now();
    let row = owned(basis, token, id).await?;
    let state = state_of(basis, &row).await?;
    let via = format!("token {}", token.name);
    let Some(target) = state.broadcast else {
        let Some(draft) = row.draft_id else { return Err(ApiError::Conflict("the broadcast is still being made")) };
        if storage.cancel_draft(basis_core::DraftId(draft)).await? {
            storage
                .audit(basis_core::UserId(token.owner_id), AuditAction::Cancel, &draft.to_string(), &via, now)
                .await?;
        } else if state.status != "discarded" {
            return Err(ApiError::Conflict("the draft was sent or discarded meanwhile; ask again"));
        }
        return Ok(Correction { id, status: "discarded".into(), correction: None, copies: 0 });
    };
    if row.retraction_id.is_some() {
        return Err(ApiError::Conflict("the broadcast is retracted already"));
    }
    let broadcast = storage.broadcast(basis_core::BroadcastId(target)).await?.ok_or(ApiError::Internal)?;
    if broadcast.created_at + DELETE_WINDOW_MS < now {
        return Err(ApiError::TooOld(id));
    }
    let parts = broadcast.album.as_deref().map_or(1, |ids| ids.split(',').count() as i64);
    let (correction, copies) = correct(basis, token, &broadcast, Content::Delete { parts }).await?;
    if !store::retracted(storage, row.id, correction).await? {
        return Err(ApiError::Conflict("the broadcast is retracted already"));
    }
    storage
        .audit(
            basis_core::UserId(token.owner_id),
            AuditAction::Retract,
            &target.to_string(),
            &format!("{via}, correction {correction}, {copies} copies"),
            now,
        )
        .await?;
    Ok(Correction { id, status: "retracting".into(), correction: Some(correction), copies })
}

/// `POST /api/v1/broadcasts/{id}/edit`: `/edit` for a sent text post.
pub async fn edit(basis: &Basis, token: &Token, id: i64, text: String) -> Result<Correction, ApiError> {
    let storage = basis.storage();
    let row = owned(basis, token, id).await?;
    let text = text.trim().to_owned();
    if text.is_empty() {
        return Err(ApiError::EmptyText);
    }
    check_length(&text, MAX_TEXT)?;
    let state = state_of(basis, &row).await?;
    let Some(target) = state.broadcast else { return Err(ApiError::Conflict("the broadcast has not been sent yet")) };
    if row.retraction_id.is_some() {
        return Err(ApiError::Conflict("the broadcast was retracted"));
    }
    let broadcast = storage.broadcast(basis_core::BroadcastId(target)).await?.ok_or(ApiError::Internal)?;
    if !matches!(broadcast.kind, BroadcastKind::Text | BroadcastKind::Copy)
        || broadcast.text.as_deref().is_none_or(str::is_empty)
    {
        return Err(ApiError::NotText(id));
    }
    let (correction, copies) = correct(basis, token, &broadcast, Content::Edit(text)).await?;
    let detail = format!("token {}, correction {correction}, {copies} copies", token.name);
    storage
        .audit(basis_core::UserId(token.owner_id), AuditAction::Edit, &target.to_string(), &detail, basis.now())
        .await?;
    Ok(Correction { id, status: "editing".into(), correction: Some(correction), copies })
}

/// Queues a correction of `broadcast` as `/edit` and `/retract` do: urgent,
/// to the chats that got it, with a progress message in the owner's chat.
async fn correct(
    basis: &Basis,
    token: &Token,
    broadcast: &basis_storage::Broadcast,
    content: Content,
) -> Result<(i64, i64), ApiError> {
    let owner = token.owner_id;
    let locale = if owner != 0 { offer::locale_of(basis, owner).await? } else { Locale::default() };
    let new = NewBroadcast {
        author_id: basis_core::UserId(owner),
        content,
        topics: broadcast.topics.clone(),
        priority: PRIORITY_URGENT,
        report_chat_id: (owner != 0).then_some(basis_core::ChatId(owner)),
        report_locale: locale.code().to_owned(),
        ref_broadcast_id: Some(broadcast.id),
    };
    let (id, total) = basis.storage().create_broadcast(&new, basis.now()).await?;
    offer::wake(basis);
    tracing::info!(token = %token.name, broadcast = %broadcast.id, correction = %id, total, "API correction queued");
    if owner != 0
        && let Err(error) =
            offer::report_status(basis, owner, locale, &new.content, id.0, total, Some(broadcast.id.0)).await
    {
        tracing::warn!(error = %super::error::chain(&error), "could not post the progress message of an API correction");
    }
    Ok((id.0, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_must_be_rfc3339_in_the_future_and_within_a_year() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-04T12:00:00+01:00").unwrap().timestamp_millis();
        let at = parse_at("2026-12-05T06:00:00+01:00", now).unwrap();
        assert_eq!(at - now, 18 * 3_600_000);
        assert!(matches!(parse_at("2026-12-04T11:59:59+01:00", now), Err(ApiError::TimeInPast)));
        assert!(matches!(parse_at("2028-01-01T00:00:00Z", now), Err(ApiError::TimeTooFar)));
        for bad in ["morgen 6 Uhr", "2026-12-05", "2026-12-05 06:00"] {
            assert!(matches!(parse_at(bad, now), Err(ApiError::BadTime)), "{bad}");
        }
    }

    #[test]
    fn texts_are_counted_in_characters_as_telegram_counts_them() {
        assert!(check_length(&"ä".repeat(MAX_TEXT), MAX_TEXT).is_ok());
        assert!(matches!(
            check_length(&"ä".repeat(MAX_TEXT + 1), MAX_TEXT),
            Err(ApiError::TextTooLong { length: 4097, max: 4096 })
        ));
    }
}
