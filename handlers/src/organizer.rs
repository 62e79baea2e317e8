//! Organizers post: `/post <topics> <text>` answers with a preview exactly as
//! members will see it, the number of recipients and Send / Urgent / Cancel.
//! Nothing goes out before Send, and a double press queues it once. Who may
//! post is checked when the command runs and again when a button is pressed.

use basis_storage::{PRIORITY_NORMAL, PRIORITY_URGENT};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId, User};

use crate::callback::{CallbackData, PostAction};
use crate::member::Scene;
use crate::{HandlerResult, reports, t};

/// Telegram's limit for a message text.
const MAX_TEXT: usize = 4096;

fn may_post(scene: &Scene, user: Option<&User>) -> bool {
    user.is_some_and(|u| scene.ctx.owners.iter().any(|owner| *owner as u64 == u.id.0))
}

pub(crate) async fn post(scene: &Scene, from: Option<&User>, args: &str) -> HandlerResult {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    if !may_post(scene, from) {
        return scene.say(t!(ctx.texts, locale, "post-not-allowed")).await;
    }
    let Some((topic_list, text)) = args.split_once(char::is_whitespace) else {
        return scene.say(t!(ctx.texts, locale, "post-usage")).await;
    };
    let text = text.trim();
    if text.is_empty() {
        return scene.say(t!(ctx.texts, locale, "post-usage")).await;
    }
    let length = text.chars().count();
    if length > MAX_TEXT {
        return scene.say(t!(ctx.texts, locale, "post-too-long", length = length.to_string())).await;
    }
    let mut topics: Vec<String> = Vec::new();
    for wanted in topic_list.split(',').filter(|w| !w.is_empty()) {
        match ctx.topics.find(wanted) {
            Some(topic) if !topics.iter().any(|k| k == topic.key.as_str()) => {
                topics.push(topic.key.as_str().to_owned())
            }
            Some(_) => {}
            None => {
                let input: String = wanted.chars().take(64).collect();
                let listing = ctx.topics.listing(locale);
                return scene.say(t!(ctx.texts, locale, "post-unknown-topic", input = input, topics = listing)).await;
            }
        }
    }
    if topics.is_empty() {
        return scene.say(t!(ctx.texts, locale, "post-usage")).await;
    }
    let author = from.map_or(0, |u| u.id.0 as i64);
    let draft = ctx.storage.create_draft(author, scene.chat.id.0, text, &topics, ctx.now()).await?;
    let recipients = ctx.storage.audience_size(&topics).await?;
    // The preview is the post itself, sent the way members will get it.
    scene.say(text.to_owned()).await?;
    let labels = ctx.topics.labels_of(&topics, locale).join(", ");
    let confirm = t!(
        ctx.texts,
        locale,
        "post-confirm",
        id = draft.to_string(),
        topics = labels,
        recipients = recipients.to_string()
    );
    let button =
        |label: String, action| InlineKeyboardButton::callback(label, CallbackData::Post { draft, action }.encode());
    let keyboard = InlineKeyboardMarkup::new([
        vec![
            button(t!(ctx.texts, locale, "button-send"), PostAction::Send),
            button(t!(ctx.texts, locale, "button-urgent"), PostAction::Urgent),
        ],
        vec![button(t!(ctx.texts, locale, "button-cancel"), PostAction::Cancel)],
    ]);
    scene.ask(confirm, keyboard).await
}

/// A press on Send, Urgent or Cancel; returns the toast.
pub(crate) async fn decide(
    scene: &Scene,
    from: &User,
    message_id: MessageId,
    draft: i64,
    action: PostAction,
) -> Result<(String, bool), crate::HandlerError> {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    if !may_post(scene, Some(from)) {
        return Ok((t!(ctx.texts, locale, "post-not-allowed"), true));
    }
    // The draft must belong to this chat: a button copied elsewhere does nothing.
    let belongs = ctx.storage.draft(draft).await?.is_some_and(|d| d.chat_id == scene.chat.id.0);
    if !belongs {
        return Ok((t!(ctx.texts, locale, "button-stale"), false));
    }
    let now = ctx.now();
    let text = match action {
        PostAction::Cancel => {
            if !ctx.storage.cancel_draft(draft).await? {
                return Ok((t!(ctx.texts, locale, "post-already-handled"), false));
            }
            t!(ctx.texts, locale, "post-cancelled")
        }
        PostAction::Send | PostAction::Urgent => {
            let priority = if action == PostAction::Urgent { PRIORITY_URGENT } else { PRIORITY_NORMAL };
            let Some((broadcast, total)) = ctx.storage.queue_draft(draft, priority, locale.code(), now).await? else {
                return Ok((t!(ctx.texts, locale, "post-already-handled"), false));
            };
            ctx.wake.notify_one();
            ctx.storage.set_report_message(broadcast, i64::from(message_id.0)).await?;
            tracing::info!(broadcast, total, draft, "post confirmed");
            reports::queued(&ctx.texts, locale, broadcast, total)
        }
    };
    // The buttons go; the message becomes the progress report.
    ctx.replies.note_reply();
    match scene.bot.edit_message_text(scene.chat.id, message_id, text).await {
        Ok(_) | Err(teloxide::RequestError::Api(teloxide::ApiError::MessageNotModified)) => {}
        Err(error) => return Err(error.into()),
    }
    Ok((t!(ctx.texts, locale, "post-done"), false))
}
