//! The organizer's progress message: posted when a broadcast is queued,
//! edited every few seconds, turned into the final report when the last
//! delivery is settled. Exactly one instance writes the final report: the
//! one whose `finish_if_complete` marked the broadcast done.

use std::collections::HashMap;
use std::sync::Arc;

use basis_handlers::reports::{self, Figures};
use basis_handlers::{Locale, Texts};
use teloxide::prelude::*;
use teloxide::types::MessageId;
use teloxide::{ApiError, RequestError};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::Inner;

fn locale_of(code: &str) -> Locale {
    Locale::parse(code).unwrap_or_default()
}

fn texts(inner: &Inner) -> &Texts {
    &inner.ctx.texts
}

/// Posts the status message in the background: it waits its turn under the
/// organizer chat's own limit (two posts in one second would draw a 429) and
/// tries again when Telegram asks to slow down.
pub(super) fn post_initial(inner: Arc<Inner>, id: i64, chat: i64, locale: &str, total: i64) {
    let locale = locale_of(locale);
    tokio::spawn(async move {
        let text = reports::queued(texts(&inner), locale, id, total);
        if let Some(message) = send_status(&inner, chat, text).await {
            if let Err(error) = inner.ctx.storage.set_report_message(id, message).await {
                tracing::warn!(%error, broadcast = id, "could not remember the progress message");
            }
        }
    });
}

async fn send_status(inner: &Inner, chat: i64, text: String) -> Option<i64> {
    for _ in 0..5 {
        while let Some(wait) = inner.limits.chat_wait(chat) {
            tokio::time::sleep(wait).await;
        }
        inner.ctx.replies.note_reply();
        match inner.bot.send_message(ChatId(chat), text.clone()).await {
            Ok(message) => return Some(i64::from(message.id.0)),
            Err(RequestError::RetryAfter(wait)) => tokio::time::sleep(wait.duration()).await,
            Err(error) => {
                tracing::warn!(%error, "could not post a status message");
                return None;
            }
        }
    }
    None
}

pub(super) async fn report_loop(inner: Arc<Inner>, shutdown: CancellationToken) {
    // Per broadcast: when and at how many settled deliveries we last looked.
    let mut pace: HashMap<i64, (Instant, i64)> = HashMap::new();
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

async fn report_once(
    inner: &Inner,
    pace: &mut HashMap<i64, (Instant, i64)>,
) -> Result<(), basis_storage::StorageError> {
    let storage = &inner.ctx.storage;
    let unfinished = storage.unfinished_broadcasts().await?;
    pace.retain(|id, _| unfinished.contains(id));
    for id in unfinished {
        let Some(broadcast) = storage.broadcast(id).await? else {
            continue;
        };
        let progress = storage.progress(id).await?;
        let mut figures = Figures {
            id,
            total: progress.total,
            sent: progress.sent,
            failed: progress.failed,
            blocked: progress.blocked,
            remaining: progress.remaining,
            eta_secs: None,
            reasons: progress.errors.clone(),
        };
        let finished = progress.remaining == 0 && storage.finish_if_complete(id, inner.ctx.now()).await?;
        if finished {
            tracing::info!(
                broadcast = id,
                sent = progress.sent,
                blocked = progress.blocked,
                failed = progress.failed,
                "broadcast finished"
            );
        } else if progress.remaining == 0 {
            continue;
        }
        let now = Instant::now();
        let (since, before) = *pace.entry(id).or_insert((now, progress.done()));
        let elapsed = now.duration_since(since).as_secs_f64();
        if elapsed > 0.5 && progress.done() > before {
            let per_sec = (progress.done() - before) as f64 / elapsed;
            figures.eta_secs = Some((progress.remaining as f64 / per_sec).ceil() as u64);
        }
        let (Some(chat), Some(message)) = (broadcast.report_chat_id, broadcast.report_message_id) else {
            continue;
        };
        let locale = locale_of(&broadcast.report_locale);
        let text = if finished {
            reports::final_report(texts(inner), locale, &figures)
        } else {
            reports::progress(texts(inner), locale, &figures)
        };
        inner.ctx.replies.note_reply();
        match inner.bot.edit_message_text(ChatId(chat), MessageId(message as i32), text).await {
            Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => {}
            Err(error) => {
                tracing::warn!(%error, broadcast = id, "could not update the progress message")
            }
        }
    }
    Ok(())
}
