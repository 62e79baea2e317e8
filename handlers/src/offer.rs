//! Drafts made outside Telegram — by the posting API or a feed — offered
//! to the people who may send them. Each gets the usual preview, exactly as
//! members will see the post, with *Send* and *Discard*. Such a draft has no
//! author ([`NO_AUTHOR`]): whoever of them presses *Send* first sends it and
//! follows its progress in their own chat. Later presses, and presses by
//! anyone whose scope does not cover the topics, change nothing (the checks
//! are the ones every draft button passes, in `organizer::decide`).
//!
//! Also here: what a plugin needs of Basis to queue posts itself — who the
//! owners are, whether two-person approval is on, waking the broadcaster,
//! and the status message that becomes a broadcast's progress report.

use basis_core::{TopicKey, TopicList};
use basis_storage::{Content, RegionTarget};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId};

use crate::callback::{CallbackData, PostAction};
use crate::plugin::Basis;
use crate::reports::{self, Job};
use crate::roles::Role;
use crate::{HandlerError, HandlerResult, Locale, t};

/// The author of a draft made outside Telegram: nobody. Anyone it is
/// offered to (an owner, or an organizer whose scope covers its topics)
/// may send or discard it.
pub const NO_AUTHOR: i64 = 0;

/// Telegram user ids with every organizer right (`BASIS_OWNERS`).
pub fn owners(basis: &Basis) -> &[basis_core::UserId] {
    &basis.ctx.owners
}

/// Whether two-person approval is on.
pub fn approval(basis: &Basis) -> bool {
    basis.ctx.approval
}

/// The deployment's time zone, in which organizers read times.
pub fn timezone(basis: &Basis) -> chrono_tz::Tz {
    basis.ctx.timezone
}

/// Wakes the broadcaster of this instance after a broadcast was queued
/// (the others find it at their next look).
pub fn wake(basis: &Basis) {
    basis.ctx.wake.notify_one();
}

/// The language of a person's private chat with the bot; German when the
/// bot has not stored it.
pub async fn locale_of(basis: &Basis, chat: i64) -> Result<Locale, HandlerError> {
    Ok(basis
        .ctx
        .storage
        .chat(basis_core::ChatId(chat))
        .await?
        .and_then(|c| Locale::parse(&c.locale))
        .unwrap_or_default())
}

/// Everyone who may send a post to `topics`: the owners, and every
/// organizer whose scope covers all of them.
pub async fn reviewers(basis: &Basis, topics: &[TopicKey]) -> Result<Vec<i64>, HandlerError> {
    reviewers_within(basis, topics, &RegionTarget::Everywhere).await
}

/// Everyone who may send a post to `topics` within `target`: the owners,
/// and every organizer whose scope covers the topics and reaches the
/// regions (an organizer limited to regions never gets an untargeted one).
pub async fn reviewers_within(
    basis: &Basis,
    topics: &[TopicKey],
    target: &RegionTarget,
) -> Result<Vec<i64>, HandlerError> {
    let mut people: Vec<i64> = basis.ctx.owners.iter().map(|o| o.0).collect();
    for organizer in basis.ctx.storage.organizers().await? {
        let role = Role::Organizer(organizer.clone());
        if role.covers(topics)
            && role.reaches(&basis.ctx.regions, target.keys())
            && !people.contains(&organizer.user_id.0)
        {
            people.push(organizer.user_id.0);
        }
    }
    Ok(people)
}

/// The audience of a post to `topics` within `target`, as its preview
/// counts it.
pub async fn audience(basis: &Basis, topics: &TopicList, target: &RegionTarget) -> Result<i64, HandlerError> {
    Ok(crate::organizer::audience(&basis.ctx, topics, target).await?.0)
}

/// Sends draft `draft` (made with [`NO_AUTHOR`]) to each of `to` as the
/// usual preview with *Send* (which sends it as urgent when `urgent`) and
/// *Discard*; `note` says, in each person's language, where it came from.
/// Returns how many were reached: someone who never opened the bot cannot
/// be written to.
pub async fn offer_draft(
    basis: &Basis,
    draft: basis_core::DraftId,
    to: &[i64],
    urgent: bool,
    note: impl Fn(Locale) -> String,
) -> Result<usize, HandlerError> {
    let ctx = &basis.ctx;
    let Some(draft) = ctx.storage.draft(draft).await? else { return Ok(0) };
    let send = if urgent { PostAction::Urgent } else { PostAction::Send };
    let mut reached = 0;
    for &person in to {
        let locale = locale_of(basis, person).await?;
        let preview = match draft.content() {
            Content::Copy { chat_id, message_id, .. } => {
                basis.bot.copy_message(ChatId(person), chat_id, MessageId(message_id as i32)).await.map(drop)
            }
            _ => basis.bot.send_message(ChatId(person), draft.text.clone()).await.map(drop),
        };
        if let Err(error) = preview {
            tracing::debug!(%error, "a draft could not be offered to someone who never opened the bot");
            continue;
        }
        let mut text = note(locale);
        text.push('\n');
        text.push_str(&crate::organizer::confirm_text(ctx, locale, &draft).await?);
        let button = |label: String, action| {
            InlineKeyboardButton::callback(label, CallbackData::Post { draft: draft.id, action }.encode())
        };
        let keyboard = InlineKeyboardMarkup::new([[
            button(t!(ctx.texts, locale, "button-send"), send),
            button(t!(ctx.texts, locale, "button-cancel"), PostAction::Cancel),
        ]]);
        if basis.bot.send_message(ChatId(person), text).reply_markup(keyboard).await.is_ok() {
            reached += 1;
        }
    }
    Ok(reached)
}

/// Posts the status message of broadcast `id` (queued with
/// `report_chat_id` = `chat`) in `chat`; the broadcaster edits it with the
/// progress and turns it into the final report. `of` is the broadcast an
/// edit or retraction acts on.
pub async fn report_status(
    basis: &Basis,
    chat: i64,
    locale: Locale,
    content: &Content,
    id: i64,
    total: i64,
    of: Option<i64>,
) -> HandlerResult {
    let status = reports::queued_job(&basis.ctx.texts, locale, Job::of(content.kind()), id, total, of);
    let message = basis.bot.send_message(ChatId(chat), status).await?;
    basis.ctx.storage.set_report_message(basis_core::BroadcastId(id), i64::from(message.id.0)).await?;
    Ok(())
}
