//! Scheduled posts and event reminders: both wait in the database with
//! their time, so they go out after a restart too. Every instance looks for
//! due ones; queueing is fenced by their state, so each becomes exactly one
//! broadcast. A reminder whose event has started by the time it could go
//! out (the bot was down) is skipped, with a log line.

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
        if let Err(error) = remind(&inner).await {
            tracing::warn!(%error, "looking for due reminders failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {},
            _ = shutdown.cancelled() => break,
        }
    }
}

async fn release_due(inner: &Arc<Inner>) -> Result<(), StorageError> {
    let storage = &inner.parts.storage;
    let now = inner.parts.now();
    for draft in storage.scheduled_drafts(Some(now)).await? {
        let Some((id, total)) = storage.queue_draft(draft.id, DraftState::Scheduled, None, None, now).await? else {
            continue; // another instance took it, or it was cancelled just now
        };
        inner.parts.wake.notify_one();
        let late_ms = now - draft.scheduled_at.unwrap_or(now);
        tracing::info!(broadcast = %id, total, draft = %draft.id, late_ms, "scheduled post queued");
        let detail = format!("scheduled draft {}, {total} chats", draft.id);
        storage.audit(draft.author_id, basis_storage::AuditAction::Post, &id.to_string(), &detail, now).await?;
        progress::post_initial(inner.clone(), id, draft.chat_id, &draft.report_locale, total);
    }
    Ok(())
}

async fn remind(inner: &Arc<Inner>) -> Result<(), StorageError> {
    let storage = &inner.parts.storage;
    let now = inner.parts.now();
    for due in storage.due_reminders(now).await? {
        let event = storage.event(due.event_id).await?;
        let Some(event) = event.filter(|e| e.status == basis_storage::EventStatus::Active) else {
            storage.drop_reminder(due.event_id, due.minutes_before, "cancelled").await?;
            continue;
        };
        if event.starts_at <= now {
            if storage.drop_reminder(due.event_id, due.minutes_before, "skipped").await? {
                let late_min = (now - due.due_at) / 60_000;
                tracing::info!(
                    event = %event.id,
                    minutes_before = due.minutes_before,
                    late_min,
                    "reminder skipped: the event has started already"
                );
            }
            continue;
        }
        if let Some((id, total)) = storage.send_reminder(&event, due.minutes_before, now).await? {
            inner.parts.wake.notify_one();
            tracing::info!(
                event = %event.id,
                broadcast = %id,
                total,
                minutes_before = due.minutes_before,
                "reminder queued"
            );
        }
    }
    Ok(())
}
