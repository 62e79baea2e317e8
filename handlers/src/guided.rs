//! The guided `/post`: topics on a keyboard, then (where regions are
//! configured) the regions, then the content, which [`organizer::input`]
//! takes. Each press is checked again: only the draft's author, in their
//! own private chat, with the topics and regions in their scope.

use basis_core::{TopicKey, TopicList};
use basis_storage::{Content, Draft, DraftState, NewDraft, RegionTarget};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId, User};

use crate::callback::{CallbackData, PostAction, RegionPress};
use crate::organizer::{ignore_unmodified, out_of_scope, refusal, target_of, user_id};
use crate::regions::RegionKey;
use crate::roles::{self, Role, region_labels};
use crate::scene::Scene;
use crate::{HandlerError, HandlerResult, region_choice, t};

/// Guided `/post`: the topics the organizer may post to, on a keyboard.
pub(crate) async fn guided_start(scene: &Scene, role: &Role, author: basis_core::UserId) -> HandlerResult {
    let ctx = &scene.ctx;
    let new = NewDraft {
        author_id: author,
        chat_id: scene.chat.id.into(),
        content: Content::Text(String::new()),
        topics: TopicList::default(),
        follow_up_of: None,
    };
    let draft = ctx.storage.create_draft(&new, DraftState::Compose, ctx.now()).await?;
    let keyboard = compose_keyboard(scene, role, draft, &[]);
    scene.ask(t!(ctx.texts, scene.locale, "guided-topics", id = draft.to_string()), keyboard).await
}

fn compose_keyboard(
    scene: &Scene,
    role: &Role,
    draft: basis_core::DraftId,
    chosen: &[TopicKey],
) -> InlineKeyboardMarkup {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let mut rows: Vec<Vec<InlineKeyboardButton>> = ctx
        .topics
        .all()
        .iter()
        .filter(|topic| role.covers(std::slice::from_ref(&topic.key)))
        .map(|topic| {
            let mark = if chosen.contains(&topic.key) { "✅" } else { "⬜" };
            let data = CallbackData::Compose { draft, topic: Some(topic.key.clone()) }.encode();
            vec![InlineKeyboardButton::callback(format!("{mark} {}", topic.label(locale)), data)]
        })
        .collect();
    rows.push(vec![
        InlineKeyboardButton::callback(
            t!(ctx.texts, locale, "button-next"),
            CallbackData::Compose { draft, topic: None }.encode(),
        ),
        InlineKeyboardButton::callback(
            t!(ctx.texts, locale, "button-cancel"),
            CallbackData::Post { draft, action: PostAction::Cancel }.encode(),
        ),
    ]);
    InlineKeyboardMarkup::new(rows)
}

/// A press on the guided `/post` keyboard.
pub(crate) async fn compose(
    scene: &Scene,
    from: &User,
    message_id: MessageId,
    draft_id: basis_core::DraftId,
    topic: Option<crate::TopicKey>,
) -> Result<(String, bool), HandlerError> {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let (role, draft) = match composing(scene, from, draft_id).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let mut chosen = draft.topics.clone();
    match topic {
        Some(key) => {
            if ctx.topics.get(key.as_str()).is_none() || !role.covers(std::slice::from_ref(&key)) {
                return Ok((out_of_scope(scene, &role), true));
            }
            if !chosen.remove(key.as_str()) {
                chosen.insert(key);
            }
            if !ctx.storage.set_draft_topics(draft_id, &chosen).await? {
                return Ok((t!(ctx.texts, locale, "post-already-handled"), false));
            }
            let keyboard = compose_keyboard(scene, &role, draft_id, &chosen);
            let edited = scene.bot.edit_message_reply_markup(scene.chat.id, message_id).reply_markup(keyboard).await;
            ignore_unmodified(edited)?;
            let labels = ctx.topics.labels_of(&chosen, locale).join(", ");
            Ok((t!(ctx.texts, locale, "guided-chosen", topics = labels), false))
        }
        None if chosen.is_empty() => Ok((t!(ctx.texts, locale, "guided-no-topic"), true)),
        // Where regions are configured, whom it reaches comes next.
        None if !ctx.regions.is_empty() => {
            let labels = ctx.topics.labels_of(&chosen, locale).join(", ");
            let id = draft_id.to_string();
            let text = match role.region_scope() {
                None => t!(ctx.texts, locale, "guided-regions", id = id, topics = labels),
                Some(_) => t!(ctx.texts, locale, "guided-regions-scoped", id = id, topics = labels),
            };
            let keyboard = region_keyboard(scene, &role, draft_id, None, draft.region_target().keys());
            let edited = scene.bot.edit_message_text(scene.chat.id, message_id, text).reply_markup(keyboard).await;
            ignore_unmodified(edited)?;
            Ok((t!(ctx.texts, locale, "post-done"), false))
        }
        None => to_content(scene, message_id, &draft, &chosen).await,
    }
}

/// The guided `/post` goes on to its content: the organizer is asked for
/// the message.
async fn to_content(
    scene: &Scene,
    message_id: MessageId,
    draft: &Draft,
    topics: &TopicList,
) -> Result<(String, bool), HandlerError> {
    let (ctx, locale) = (&scene.ctx, scene.locale);
    if !ctx.storage.move_draft(draft.id, DraftState::Compose, DraftState::Content).await? {
        return Ok((t!(ctx.texts, locale, "post-already-handled"), false));
    }
    let mut labels = ctx.topics.labels_of(topics, locale).join(", ");
    let target = draft.region_target();
    if target.is_targeted() {
        labels = format!("{labels} · 📍 {}", region_labels(scene, target.keys()));
    }
    let text = t!(ctx.texts, locale, "guided-content", id = draft.id.to_string(), topics = labels);
    ignore_unmodified(scene.bot.edit_message_text(scene.chat.id, message_id, text).await)?;
    Ok((t!(ctx.texts, locale, "post-done"), false))
}

/// The guided `/post`'s regions at `level` (`None`: the top of what the
/// organizer may reach), `chosen` marked; "Everywhere" for organizers not
/// limited to regions, "Next" and "Discard".
fn region_keyboard(
    scene: &Scene,
    role: &Role,
    draft: basis_core::DraftId,
    level: Option<&RegionKey>,
    chosen: &[RegionKey],
) -> InlineKeyboardMarkup {
    let (ctx, locale) = (&scene.ctx, scene.locale);
    let catalog = &ctx.regions;
    let scope = role.region_scope();
    let tops = catalog.tops_within(scope.as_deref());
    // Back leads up, but not above what the organizer may reach.
    let back = match level.and_then(|key| catalog.get(key.as_str())).and_then(|r| r.parent.clone()) {
        Some(parent) if role.reaches(catalog, std::slice::from_ref(&parent)) => RegionPress::Open(parent),
        _ => RegionPress::Top,
    };
    let data = |press: RegionPress| CallbackData::ComposeRegion { draft, press }.encode();
    let mut rows = region_choice::level_rows(ctx, locale, &tops, level, chosen, data, back);
    let mut last = Vec::new();
    if scope.is_none() {
        last.push(InlineKeyboardButton::callback(t!(ctx.texts, locale, "button-everywhere"), data(RegionPress::Clear)));
    }
    last.push(InlineKeyboardButton::callback(t!(ctx.texts, locale, "button-next"), data(RegionPress::Done)));
    rows.push(last);
    rows.push(vec![InlineKeyboardButton::callback(
        t!(ctx.texts, locale, "button-cancel"),
        CallbackData::Post { draft, action: PostAction::Cancel }.encode(),
    )]);
    InlineKeyboardMarkup::new(rows)
}

/// A press on the guided `/post`'s regions: a region on or off, a level of
/// the tree, everywhere, or on to the content. Who may reach what is
/// checked again at every press.
pub(crate) async fn compose_region(
    scene: &Scene,
    from: &User,
    message_id: MessageId,
    draft_id: basis_core::DraftId,
    press: RegionPress,
) -> Result<(String, bool), HandlerError> {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let catalog = &ctx.regions;
    let (role, draft) = match composing(scene, from, draft_id).await? {
        Ok(_) if catalog.is_empty() => return Ok((t!(ctx.texts, locale, "button-stale"), false)),
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let topics = draft.topics.clone();
    if !role.covers(&topics) {
        return Ok((out_of_scope(scene, &role), true));
    }
    let mut chosen = draft.region_target().keys().to_vec();
    let show = |level: Option<RegionKey>, chosen: Vec<RegionKey>| {
        let keyboard = region_keyboard(scene, &role, draft_id, level.as_ref(), &chosen);
        async move {
            let edited = scene.bot.edit_message_reply_markup(scene.chat.id, message_id).reply_markup(keyboard).await;
            ignore_unmodified(edited)
        }
    };
    let chosen_toast = |chosen: &[RegionKey]| match chosen.is_empty() {
        true => t!(ctx.texts, locale, "guided-everywhere"),
        false => t!(ctx.texts, locale, "guided-chosen-regions", regions = region_labels(scene, chosen)),
    };
    match press {
        RegionPress::Choose(key) => {
            if catalog.get(key.as_str()).is_none() {
                return Ok((t!(ctx.texts, locale, "region-gone"), true));
            }
            if let Some(answer) = refusal(scene, &role, &topics, std::slice::from_ref(&key)) {
                return Ok((answer, true));
            }
            match chosen.iter().position(|k| *k == key) {
                Some(at) => {
                    chosen.remove(at);
                }
                None => chosen.push(key.clone()),
            }
            if !ctx.storage.set_draft_regions(draft_id, &target_of(&chosen)).await? {
                return Ok((t!(ctx.texts, locale, "post-already-handled"), false));
            }
            // The level the region was chosen on.
            let tops = catalog.tops_within(role.region_scope().as_deref());
            let level = match tops.iter().any(|r| r.key == key) {
                true => None,
                false => catalog.get(key.as_str()).and_then(|r| r.parent.clone()),
            };
            show(level, chosen.clone()).await?;
            Ok((chosen_toast(&chosen), false))
        }
        RegionPress::Open(key) => {
            if !catalog.has_children(&key) {
                return Ok((t!(ctx.texts, locale, "region-gone"), true));
            }
            show(Some(key), chosen).await?;
            Ok((String::new(), false))
        }
        RegionPress::Top => {
            show(None, chosen).await?;
            Ok((String::new(), false))
        }
        RegionPress::Clear => {
            if let Some(answer) = refusal(scene, &role, &topics, &[]) {
                return Ok((answer, true));
            }
            if !ctx.storage.set_draft_regions(draft_id, &RegionTarget::Everywhere).await? {
                return Ok((t!(ctx.texts, locale, "post-already-handled"), false));
            }
            show(None, Vec::new()).await?;
            Ok((chosen_toast(&[]), false))
        }
        RegionPress::Done => {
            if let Some(answer) = refusal(scene, &role, &topics, &chosen) {
                return Ok((answer, true));
            }
            to_content(scene, message_id, &draft, &topics).await
        }
    }
}

/// The presser's role and the draft a press of the guided `/post` is about,
/// checked at every press: only its author, in their own private chat,
/// while it is being composed. `Err` holds the answer to the press.
async fn composing(
    scene: &Scene,
    from: &User,
    draft_id: basis_core::DraftId,
) -> Result<Result<(Role, Draft), (String, bool)>, HandlerError> {
    let ctx = &scene.ctx;
    let Some(role) = roles::role_of(scene, Some(from)).await? else {
        return Ok(Err((t!(ctx.texts, scene.locale, "post-not-allowed"), true)));
    };
    let actor = user_id(from);
    let draft = ctx.storage.draft(draft_id).await?;
    match draft.filter(|d| d.author_id == actor && scene.chat.id.0 == actor.0 && d.status == DraftState::Compose) {
        Some(draft) => Ok(Ok((role, draft))),
        None => Ok(Err((t!(ctx.texts, scene.locale, "button-stale"), false))),
    }
}
