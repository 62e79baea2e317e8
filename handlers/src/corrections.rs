//! Corrections of a broadcast that went out: `/edit <id> <new text>` edits
//! every delivered copy, `/retract <id>` deletes every delivered copy. Both
//! also work as a reply to the broadcast's report (then without the id).
//! They run through the broadcaster's queue like a post: rate-limited,
//! durable across restarts, with a progress message and a final report that
//! says how many copies could not be changed.

use basis_storage::{Broadcast, Content, NewBroadcast, PRIORITY_URGENT};
use teloxide::prelude::*;

use crate::organizer::{self, MAX_TEXT, parse_id};
use crate::roles::Role;
use crate::scene::Scene;
use crate::{HandlerError, HandlerResult, t};

/// Telegram lets bots delete their messages for 48 hours.
const DELETE_WINDOW_MS: i64 = 48 * 3_600_000;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Correction {
    Edit,
    Retract,
}

/// The broadcast a correction is about: named by id in the arguments, or
/// the one whose report the command replies to. Returns it with the rest of
/// the arguments, or the answer to give.
async fn target<'a>(
    scene: &Scene,
    msg: &Message,
    args: &'a str,
    kind: Correction,
) -> Result<Result<(Broadcast, &'a str), String>, HandlerError> {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let usage = || match kind {
        Correction::Edit => t!(ctx.texts, locale, "edit-usage"),
        Correction::Retract => t!(ctx.texts, locale, "retract-usage"),
    };
    let replied = match msg.reply_to_message() {
        Some(report) => ctx.storage.broadcast_by_report(scene.chat.id.into(), i64::from(report.id.0)).await?,
        None => None,
    };
    let (id, rest) = match replied {
        Some(id) => (id, args),
        None => {
            let (first, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
            match parse_id(first) {
                Some(id) => (id, rest.trim()),
                None => return Ok(Err(usage())),
            }
        }
    };
    let found = ctx.storage.broadcast(id).await?.filter(|b| b.kind.is_post());
    match found {
        Some(broadcast) => Ok(Ok((broadcast, rest))),
        None => Ok(Err(t!(ctx.texts, locale, "broadcast-unknown", id = id.to_string()))),
    }
}

pub(crate) async fn correct(scene: &Scene, role: &Role, msg: &Message, args: &str, kind: Correction) -> HandlerResult {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let from = msg.from.as_ref();
    let (broadcast, rest) = match target(scene, msg, args, kind).await? {
        Ok(found) => found,
        Err(answer) => return scene.say(answer).await,
    };
    // A correction reaches whom the post reached.
    if let Some(answer) = organizer::refusal(scene, role, &broadcast.topics, broadcast.region_target().keys()) {
        return scene.say(answer).await;
    }
    let now = ctx.now();
    let id = broadcast.id.to_string();
    let content = match kind {
        Correction::Edit => {
            if broadcast.text.as_deref().is_none_or(str::is_empty) {
                return scene.say(t!(ctx.texts, locale, "edit-not-text", id = id)).await;
            }
            if rest.is_empty() {
                return scene.say(t!(ctx.texts, locale, "edit-usage")).await;
            }
            let length = rest.chars().count();
            if length > MAX_TEXT {
                return scene.say(t!(ctx.texts, locale, "post-too-long", length = length.to_string())).await;
            }
            Content::Edit(rest.to_owned())
        }
        Correction::Retract => {
            if broadcast.created_at + DELETE_WINDOW_MS < now {
                return scene.say(t!(ctx.texts, locale, "retract-too-old", id = id)).await;
            }
            // An album's copies are deleted together.
            let parts = broadcast.album.as_deref().map_or(1, |ids| ids.split(',').count() as i64);
            Content::Delete { parts }
        }
    };
    let actor = from.map_or(basis_core::UserId(0), |u| u.id.into());
    let new = NewBroadcast {
        author_id: actor,
        content,
        topics: broadcast.topics.clone(),
        // A correction overtakes whatever else is being sent.
        priority: PRIORITY_URGENT,
        report_chat_id: Some(scene.chat.id.into()),
        report_locale: locale.code().to_owned(),
        ref_broadcast_id: Some(broadcast.id),
    };
    let (correction, total) = organizer::queue_with_report(scene, new).await?;
    let action = match kind {
        Correction::Edit => basis_storage::AuditAction::Edit,
        Correction::Retract => basis_storage::AuditAction::Retract,
    };
    let detail = format!("correction {correction}, {total} copies");
    ctx.storage.audit(actor, action, &broadcast.id.to_string(), &detail, now).await?;
    tracing::info!(broadcast = %broadcast.id, correction = %correction, total, action = action.as_str(), "correction queued");
    Ok(())
}
