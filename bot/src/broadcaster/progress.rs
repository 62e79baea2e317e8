//! The organizer's progress message: posted when a broadcast is queued,
//! edited every few seconds, turned into the final report when the last
//! delivery is settled. Exactly one instance writes the final report: the
//! one whose `finish_if_complete` marked the broadcast done.

use std::collections::HashMap;
use std::sync::Arc;

use basis_core::report::{Figures, Job};
use basis_core::{BroadcastId, Locale};
use basis_storage::{Broadcast, Progress, StorageError};
use teloxide::prelude::*;
use teloxide::types::MessageId;
use teloxide::{ApiError, RequestError};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::Inner;
use crate::lock;

fn locale_of(code: &str) -> Locale {
    Locale::parse(code).unwrap_or_default()
}

/// Posts the status message in the background; the outbound path keeps it
/// within the chat's limits and sends it again after a 429.
pub(super) fn post_initial(inner: Arc<Inner>, id: BroadcastId, chat: basis_core::ChatId, locale: &str, total: i64) {
    let locale = locale_of(locale);
    // Until it is out, the final report waits for it: it may queue behind
    // replies to the organizer for a second or two, longer than a small
    // broadcast takes.
    lock(&inner.posting).insert(id);
    tokio::spawn(async move {
        let text = inner.parts.render.queued(locale, id.0, total);
        if let Some(message) = send_status(&inner, chat.0, text).await
            && let Err(error) = inner.parts.storage.set_report_message(id, message).await
        {
            tracing::warn!(%error, broadcast = %id, "could not remember the progress message");
        }
        lock(&inner.posting).remove(&id);
    });
}

async fn send_status(inner: &Inner, chat: i64, text: String) -> Option<i64> {
    match inner.bot.send_message(ChatId(chat), text).await {
        Ok(message) => Some(i64::from(message.id.0)),
        Err(error) => {
            tracing::warn!(%error, "could not post a status message");
            None
        }
    }
}

pub(super) async fn report_loop(inner: Arc<Inner>, shutdown: CancellationToken) {
    // Per broadcast: when and at how many settled deliveries we last looked.
    let mut pace: HashMap<BroadcastId, (Instant, i64)> = HashMap::new();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(inner.settings.progress_every) => {},
            _ = shutdown.cancelled() => break,
        }
        if let Err(error) = report_once(&inner, &mut pace).await {
            tracing::warn!(%error, "progress reporting failed");
        }
    }
}

/// How long one instance may take to send a final report before another
/// tries (it crashed in between).
const REPORT_LEASE_MS: i64 = 60_000;

async fn report_once(inner: &Inner, pace: &mut HashMap<BroadcastId, (Instant, i64)>) -> Result<(), StorageError> {
    let storage = &inner.parts.storage;
    let unfinished = storage.unfinished_broadcasts().await?;
    pace.retain(|id, _| unfinished.contains(id));
    for id in unfinished {
        let progress = storage.progress(id).await?;
        if progress.remaining == 0 {
            if storage.finish_if_complete(id, inner.parts.now()).await? {
                let (sent, blocked, failed) = (progress.sent, progress.blocked, progress.failed);
                tracing::info!(broadcast = %id, sent, blocked, failed, "broadcast finished");
                (inner.parts.finished)(super::Finished { broadcast: id, delivered: sent, failed });
            }
            continue;
        }
        let Some(broadcast) = storage.broadcast(id).await? else { continue };
        let (Some(chat), Some(message)) = (broadcast.report_chat_id, broadcast.report_message_id) else { continue };
        let mut figures = figures(&broadcast, &progress);
        let now = Instant::now();
        let (since, before) = *pace.entry(id).or_insert((now, progress.done()));
        let elapsed = now.duration_since(since).as_secs_f64();
        if elapsed > 0.5 && progress.done() > before {
            let per_sec = (progress.done() - before) as f64 / elapsed;
            figures.eta_secs = Some((progress.remaining as f64 / per_sec).ceil() as u64);
        }
        let text = inner.parts.render.progress(locale_of(&broadcast.report_locale), &figures);
        edit_status(inner, chat.0, message, text).await;
    }
    // Final reports are their own step, claimed and then marked as sent, so
    // that a crash between finishing and reporting cannot lose the report
    // and two instances cannot both send it.
    for id in storage.unreported_broadcasts().await? {
        if lock(&inner.posting).contains(&id) {
            continue;
        }
        if !storage.claim_report(id, inner.parts.now(), REPORT_LEASE_MS).await? {
            continue;
        }
        let Some(broadcast) = storage.broadcast(id).await? else { continue };
        let Some(chat) = broadcast.report_chat_id else { continue };
        let progress = storage.progress(id).await?;
        let figures = figures(&broadcast, &progress);
        let text = inner.parts.render.final_report(locale_of(&broadcast.report_locale), &figures);
        let reported = match broadcast.report_message_id {
            Some(message) => edit_status(inner, chat.0, message, text).await,
            // No progress message to edit (its sender died first, or Telegram
            // refused it): the report comes as a message of its own.
            None => send_status(inner, chat.0, text).await.is_some(),
        };
        if reported {
            storage.mark_reported(id, inner.parts.now()).await?;
        }
    }
    Ok(())
}

fn figures(broadcast: &Broadcast, progress: &Progress) -> Figures {
    Figures {
        job: Job::of(broadcast.kind),
        of: broadcast.ref_broadcast_id.map(|of| of.0),
        id: broadcast.id.0,
        total: progress.total,
        sent: progress.sent,
        failed: progress.failed,
        blocked: progress.blocked,
        remaining: progress.remaining,
        eta_secs: None,
        reasons: progress.errors.clone(),
    }
}

/// Edits the status message; `true` when it shows `text` now.
async fn edit_status(inner: &Inner, chat: i64, message: i64, text: String) -> bool {
    match inner.bot.edit_message_text(ChatId(chat), MessageId(message as i32), text).await {
        Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => true,
        Err(error) => {
            tracing::warn!(%error, "could not update a status message");
            false
        }
    }
}
