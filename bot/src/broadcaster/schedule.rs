//! Scheduled posts: drafts wait in the database with their time, so they go
//! out after a restart too. Every instance looks for due drafts; queueing is
//! fenced by the draft's state, so a draft becomes exactly one broadcast.

use std::sync::Arc;

use basis_storage::{DraftState, StorageError};
use tokio_util::sync::CancellationToken;

use super::{Inner, progress};

pub(super) async fn schedule_loop(inner: Arc<Inner>, shutdown: CancellationToken) {
    let every = inner.settings.idle_poll.max(std::time::Duration::from_millis(200));
    loop {
        if let Err(error) = release_due(&inner).await {
            tracing::warn!(%error, "looking for scheduled posts failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {},
            _ = shutdown.cancelled() => break,
        }
    }
}

async fn release_due(inner: &Arc<Inner>) -> Result<(), StorageError> {
    let storage = &inner.ctx.storage;
    let now = inner.ctx.now();
    for draft in storage.scheduled_drafts(Some(now)).await? {
        let Some((id, total)) = storage.queue_draft(draft.id, DraftState::Scheduled, None, None, now).await? else {
            continue; // another instance took it, or it was cancelled just now
        };
        inner.ctx.wake.notify_one();
        let late_ms = now - draft.scheduled_at.unwrap_or(now);
        tracing::info!(broadcast = id, total, draft = draft.id, late_ms, "scheduled post queued");
        let detail = format!("scheduled draft {}, {total} chats", draft.id);
        storage.audit(draft.author_id, "post", &id.to_string(), &detail, now).await?;
        progress::post_initial(inner.clone(), id, draft.chat_id, &draft.report_locale, total);
    }
    Ok(())
}
