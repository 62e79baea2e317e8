//! Organizers post. `/post <topics> <text>`, `/post <topics>` as a reply to
//! any message (photo, video, poll, location…), or a guided `/post` without
//! arguments: topics on a keyboard, then the content. Every way ends in a
//! preview exactly as members will see it, the number of recipients and
//! Send / Urgent / Schedule / Cancel. Nothing goes out before Send, and a
//! double press queues it once. With two-person approval switched on, a
//! second organizer approves instead of Send.
//!
//! Who may act is checked when the command runs and again on every press:
//! drafts are personal (only their author sends, schedules or submits them),
//! approval needs someone else with the topics in scope, and buttons work
//! only in the presser's own private chat.

use basis_core::{TopicKey, TopicList};
use basis_storage::{
    BroadcastId, Content, Draft, DraftState, NewBroadcast, NewDraft, PRIORITY_NORMAL, PRIORITY_URGENT, RegionAudience,
    RegionTarget,
};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId, User};

use crate::callback::{CallbackData, PostAction};
use crate::regions::RegionKey;
use crate::roles::{self, Role, region_labels};
use crate::scene::Scene;
use crate::{Context, HandlerError, HandlerResult, Locale, reports, t, when};

/// Telegram's limit for a message text…
pub(crate) const MAX_TEXT: usize = 4096;
/// …and for a caption.
const MAX_CAPTION: usize = 1024;
/// Drafts listed by `/scheduled`.
const SCHEDULED_SHOWN: usize = 20;

/// The answer for topics outside an organizer's scope, naming the scope.
pub(crate) fn out_of_scope(scene: &Scene, role: &Role) -> String {
    let allowed = match role {
        Role::Organizer(o) => o.topics.clone(),
        Role::Owner => TopicList::default(),
    };
    let labels = scene.ctx.topics.labels_of(&allowed, scene.locale).join(", ");
    t!(scene.ctx.texts, scene.locale, "post-out-of-scope", topics = labels)
}

/// Why `role` may not post to `topics` within `regions` (none: every
/// follower), as the answer; `None` when it may. Checked when a post is
/// made and again at every press.
pub(crate) fn refusal(scene: &Scene, role: &Role, topics: &[TopicKey], regions: &[RegionKey]) -> Option<String> {
    if !role.covers(topics) {
        return Some(out_of_scope(scene, role));
    }
    if role.reaches(&scene.ctx.regions, regions) {
        return None;
    }
    let scope = role.region_scope().unwrap_or_default();
    let (texts, locale) = (&scene.ctx.texts, scene.locale);
    let labels = region_labels(scene, &scope);
    Some(match regions.is_empty() {
        true => {
            let example = scope.first().map(|k| k.to_string()).unwrap_or_default();
            t!(texts, locale, "post-regions-required", regions = labels, example = example)
        }
        false => t!(texts, locale, "post-regions-out-of-scope", regions = labels),
    })
}

/// Whom of its topics' followers a post to `regions` reaches.
pub(crate) fn target_of(regions: &[RegionKey]) -> RegionTarget {
    if regions.is_empty() { RegionTarget::Everywhere } else { RegionTarget::Within(regions.to_vec()) }
}

/// What a command names before its text: the topics (one word,
/// comma-separated), the regions with `@` right after them (where regions
/// are configured), and the rest.
pub(crate) struct Targets<'a> {
    pub(crate) topics: &'a str,
    pub(crate) regions: Vec<RegionKey>,
    pub(crate) rest: &'a str,
}

fn first_word(text: &str) -> (&str, &str) {
    match text.split_once(char::is_whitespace) {
        Some((word, rest)) => (word, rest.trim_start()),
        None => (text, ""),
    }
}

/// `strikes @wolfsburg,kassel rest…`; `Err` is the answer for an unknown
/// region.
pub(crate) fn read_targets<'a>(scene: &Scene, args: &'a str) -> Result<Targets<'a>, String> {
    let (topics, mut rest) = first_word(args);
    let mut named = Vec::new();
    while !scene.ctx.regions.is_empty() && rest.starts_with('@') {
        let (word, after) = first_word(rest);
        named.push(word);
        rest = after;
    }
    let regions =
        scene.ctx.regions.parse_targets(&named.join(",")).map_err(|input| roles::unknown_region(scene, &input))?;
    Ok(Targets { topics, regions, rest })
}

/// The audience of a post to `topics` within `target`: in all, and for a
/// targeted one per region the members chose.
pub(crate) async fn audience(
    ctx: &Context,
    topics: &TopicList,
    target: &RegionTarget,
) -> Result<(i64, Vec<RegionAudience>), HandlerError> {
    match target {
        RegionTarget::Everywhere => Ok((ctx.storage.audience_size(topics).await?, Vec::new())),
        RegionTarget::Within(named) => {
            let per_region = ctx.storage.audience_by_region(topics, named).await?;
            Ok((per_region.iter().map(|r| r.chats).sum(), per_region))
        }
    }
}

/// The lines a preview adds about regions, where regions are configured:
/// the regions named and the recipients in each region reached.
pub(crate) fn region_lines(
    ctx: &Context,
    locale: Locale,
    target: &RegionTarget,
    per_region: &[RegionAudience],
) -> String {
    let catalog = &ctx.regions;
    if catalog.is_empty() && !target.is_targeted() {
        return String::new();
    }
    let name =
        |key: &RegionKey| catalog.get(key.as_str()).map_or_else(|| key.to_string(), |r| r.name(locale).to_owned());
    match target {
        RegionTarget::Everywhere => format!("\n{}", t!(ctx.texts, locale, "post-confirm-everywhere")),
        RegionTarget::Within(named) => {
            let regions = named.iter().map(name).collect::<Vec<_>>().join(", ");
            let counts = match per_region.is_empty() {
                true => t!(ctx.texts, locale, "post-confirm-nobody"),
                false => per_region
                    .iter()
                    .map(|r| format!("{} {}", name(&r.region_key), r.chats))
                    .collect::<Vec<_>>()
                    .join(" · "),
            };
            format!("\n{}", t!(ctx.texts, locale, "post-confirm-regions", regions = regions, counts = counts))
        }
    }
}

pub(crate) fn user_id(user: &User) -> basis_core::UserId {
    user.id.into()
}

/// What an organizer's message would be as a post, or why it can't be
/// one. A part of a remembered album stands for the whole album.
pub(crate) async fn content_of(scene: &Scene, message: &Message) -> Result<Result<Content, String>, HandlerError> {
    let content = match single_content_of(scene, message) {
        Ok(content) => content,
        Err(answer) => return Ok(Err(answer)),
    };
    if message.media_group_id().is_some()
        && let Some(message_ids) =
            scene.ctx.storage.album_of_message(message.chat.id.into(), i64::from(message.id.0)).await?
    {
        return Ok(Ok(Content::Album { chat_id: message.chat.id.into(), message_ids }));
    }
    Ok(Ok(content))
}

fn single_content_of(scene: &Scene, message: &Message) -> Result<Content, String> {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let copyable = message.text().is_some()
        || message.photo().is_some()
        || message.video().is_some()
        || message.voice().is_some()
        || message.audio().is_some()
        || message.document().is_some()
        || message.animation().is_some()
        || message.location().is_some()
        || message.venue().is_some()
        || message.poll().is_some()
        || message.video_note().is_some()
        || message.sticker().is_some()
        || message.contact().is_some();
    if !copyable {
        return Err(t!(ctx.texts, locale, "post-unsupported"));
    }
    if let Some(text) = message.text() {
        let length = text.chars().count();
        if length > MAX_TEXT {
            return Err(t!(ctx.texts, locale, "post-too-long", length = length.to_string()));
        }
    }
    if let Some(caption) = message.caption() {
        let length = caption.chars().count();
        if length > MAX_CAPTION {
            return Err(t!(ctx.texts, locale, "post-caption-too-long", length = length.to_string()));
        }
    }
    Ok(Content::Copy {
        chat_id: message.chat.id.into(),
        message_id: i64::from(message.id.0),
        text: message.text().map(str::to_owned),
    })
}

/// `/post …` in all its forms.
pub(crate) async fn post(scene: &Scene, role: &Role, msg: &Message, args: &str) -> HandlerResult {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let from = msg.from.as_ref();
    let author = from.map_or(basis_core::UserId(0), user_id);
    let reply = msg.reply_to_message();
    if args.is_empty() && reply.is_none() {
        return crate::guided::guided_start(scene, role, author).await;
    }
    let targets = match read_targets(scene, args) {
        Ok(targets) => targets,
        Err(answer) => return scene.say(answer).await,
    };
    let (topic_list, text) = (targets.topics, targets.rest.trim());
    let content = match (reply, text.is_empty()) {
        (Some(original), true) => match content_of(scene, original).await? {
            Ok(content) => content,
            Err(answer) => return scene.say(answer).await,
        },
        (_, false) => {
            let length = text.chars().count();
            if length > MAX_TEXT {
                return scene.say(t!(ctx.texts, locale, "post-too-long", length = length.to_string())).await;
            }
            Content::Text(text.to_owned())
        }
        (None, true) => return scene.say(t!(ctx.texts, locale, "post-usage")).await,
    };
    let topics = match roles::topic_list(scene, topic_list) {
        Ok(topics) if topics.is_empty() => return scene.say(t!(ctx.texts, locale, "post-usage")).await,
        Ok(topics) => topics,
        Err(answer) => return scene.say(answer).await,
    };
    if let Some(answer) = refusal(scene, role, &topics, &targets.regions) {
        return scene.say(answer).await;
    }
    let new = NewDraft { author_id: author, chat_id: scene.chat.id.into(), content, topics, follow_up_of: None };
    let target = target_of(&targets.regions);
    let draft = ctx.storage.create_draft_to(&new, &target, DraftState::Open, ctx.now()).await?;
    let mut detail = new.topics.stored();
    if target.is_targeted() {
        detail = format!("{detail} @{}", target.stored());
    }
    ctx.storage.audit(author, basis_storage::AuditAction::Draft, &draft.to_string(), &detail, ctx.now()).await?;
    present(scene, draft).await
}

/// `/followup <id> <text>`, or `/followup <id>` as a reply to a message:
/// each member's copy replies to their own copy of broadcast `<id>`.
pub(crate) async fn follow_up(scene: &Scene, role: &Role, msg: &Message, args: &str) -> HandlerResult {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let from = msg.from.as_ref();
    let (id, text) = match args.split_once(char::is_whitespace) {
        Some((id, text)) => (id, text.trim()),
        None => (args, ""),
    };
    let Some(earlier) = parse_id::<BroadcastId>(id) else {
        return scene.say(t!(ctx.texts, locale, "followup-usage")).await;
    };
    let Some(broadcast) = ctx.storage.broadcast(earlier).await?.filter(|b| b.kind.has_text()) else {
        return scene.say(t!(ctx.texts, locale, "broadcast-unknown", id = earlier.to_string())).await;
    };
    let topics = broadcast.topics.clone();
    // A follow-up reaches the audience of the post it follows.
    if let Some(answer) = refusal(scene, role, &topics, broadcast.region_target().keys()) {
        return scene.say(answer).await;
    }
    let content = match (msg.reply_to_message(), text.is_empty()) {
        (Some(original), true) => match content_of(scene, original).await? {
            Ok(content) => content,
            Err(answer) => return scene.say(answer).await,
        },
        (_, false) if text.chars().count() > MAX_TEXT => {
            return scene.say(t!(ctx.texts, locale, "post-too-long", length = text.chars().count().to_string())).await;
        }
        (_, false) => Content::Text(text.to_owned()),
        (None, true) => return scene.say(t!(ctx.texts, locale, "followup-usage")).await,
    };
    let author = from.map_or(basis_core::UserId(0), user_id);
    let new =
        NewDraft { author_id: author, chat_id: scene.chat.id.into(), content, topics, follow_up_of: Some(earlier) };
    let draft = ctx.storage.create_draft(&new, DraftState::Open, ctx.now()).await?;
    ctx.storage
        .audit(
            author,
            basis_storage::AuditAction::Draft,
            &draft.to_string(),
            &format!("follow-up of {earlier}"),
            ctx.now(),
        )
        .await?;
    present(scene, draft).await
}

/// `#12` or `12`.
pub(crate) fn parse_id<Id: std::str::FromStr>(input: &str) -> Option<Id> {
    crate::callback::parse_id(input.strip_prefix('#').unwrap_or(input))
}

/// Sends the preview (the post itself, as members get it) and the
/// confirmation with its buttons.
async fn present(scene: &Scene, draft_id: basis_core::DraftId) -> HandlerResult {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let Some(draft) = ctx.storage.draft(draft_id).await? else { return Ok(()) };
    preview(scene, scene.chat.id, &draft).await?;
    let topics = draft.topics.clone();
    let mut confirm = confirm_text(ctx, locale, &draft).await?;
    // Channels are not regional: a targeted post does not reach them.
    let channels = ctx.storage.channels_for(&topics).await?;
    if channels > 0 && !draft.region_target().is_targeted() {
        confirm.push('\n');
        confirm.push_str(&t!(ctx.texts, locale, "post-channels-note", channels = channels.to_string()));
    }
    if let Some(earlier) = draft.follow_up_of {
        confirm.push('\n');
        confirm.push_str(&t!(ctx.texts, locale, "post-follow-up-note", id = earlier.to_string()));
    }
    let button = |label: String, action| {
        InlineKeyboardButton::callback(label, CallbackData::Post { draft: draft_id, action }.encode())
    };
    let cancel = button(t!(ctx.texts, locale, "button-cancel"), PostAction::Cancel);
    let keyboard = if ctx.approval {
        InlineKeyboardMarkup::new([
            vec![button(t!(ctx.texts, locale, "button-submit"), PostAction::Submit)],
            vec![cancel],
        ])
    } else {
        InlineKeyboardMarkup::new([
            vec![
                button(t!(ctx.texts, locale, "button-send"), PostAction::Send),
                button(t!(ctx.texts, locale, "button-urgent"), PostAction::Urgent),
            ],
            vec![button(t!(ctx.texts, locale, "button-schedule"), PostAction::Schedule), cancel],
        ])
    };
    scene.ask(confirm, keyboard).await
}

/// What a preview says under the post: its number, topics, recipients and,
/// where regions are configured, the regions it reaches with the
/// recipients in each.
pub(crate) async fn confirm_text(ctx: &Context, locale: Locale, draft: &Draft) -> Result<String, HandlerError> {
    let topics = draft.topics.clone();
    let target = draft.region_target();
    let (recipients, per_region) = audience(ctx, &topics, &target).await?;
    let labels = ctx.topics.labels_of(&topics, locale).join(", ");
    let mut confirm = t!(
        ctx.texts,
        locale,
        "post-confirm",
        id = draft.id.to_string(),
        topics = labels,
        recipients = recipients.to_string()
    );
    confirm.push_str(&region_lines(ctx, locale, &target, &per_region));
    Ok(confirm)
}

/// The post as members will get it, sent to `chat`.
async fn preview(scene: &Scene, chat: ChatId, draft: &Draft) -> HandlerResult {
    match draft.content() {
        Content::Copy { chat_id, message_id, .. } => {
            scene.bot.copy_message(chat, chat_id, MessageId(message_id as i32)).await?;
        }
        Content::Album { chat_id, message_ids } => {
            let ids = message_ids.iter().map(|id| MessageId(*id as i32));
            scene.bot.copy_messages(chat, chat_id, ids).await?;
        }
        _ => {
            scene.bot.send_message(chat, draft.text.clone()).await?;
        }
    }
    Ok(())
}

/// A press on one of a draft's buttons; returns the toast and whether it is
/// an alert (a refusal).
pub(crate) async fn decide(
    scene: &Scene,
    from: &User,
    message_id: MessageId,
    draft_id: basis_core::DraftId,
    action: PostAction,
) -> Result<(String, bool), HandlerError> {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let Some(role) = roles::role_of(scene, Some(from)).await? else {
        return Ok((t!(ctx.texts, locale, "post-not-allowed"), true));
    };
    let actor = user_id(from);
    // Buttons work in the presser's own private chat only: data replayed
    // under someone else's message does nothing.
    let Some(draft) = ctx.storage.draft(draft_id).await?.filter(|_| scene.chat.id.0 == actor.0) else {
        return Ok((t!(ctx.texts, locale, "button-stale"), false));
    };
    // The scope may have shrunk since the preview.
    if let Some(answer) = refusal(scene, &role, &draft.topics, draft.region_target().keys()) {
        return Ok((answer, true));
    }
    let is_author = draft.author_id == actor;
    // A draft made outside Telegram (crate::offer) is anyone's in scope.
    let offered = draft.author_id == basis_core::UserId(crate::offer::NO_AUTHOR);
    let allowed = match action {
        PostAction::Send | PostAction::Urgent => is_author || offered,
        PostAction::Schedule | PostAction::Submit => is_author,
        PostAction::Cancel => is_author || offered || role.is_owner(),
        PostAction::Approve | PostAction::Reject => !is_author,
    };
    if !allowed {
        let text = if matches!(action, PostAction::Approve | PostAction::Reject) {
            t!(ctx.texts, locale, "approve-own-draft")
        } else {
            t!(ctx.texts, locale, "post-not-yours")
        };
        return Ok((text, true));
    }
    if ctx.approval && !offered && matches!(action, PostAction::Send | PostAction::Urgent | PostAction::Schedule) {
        return Ok((t!(ctx.texts, locale, "post-needs-approval"), true));
    }
    let handled = || Ok((t!(ctx.texts, locale, "post-already-handled"), false));
    let now = ctx.now();
    let text = match action {
        PostAction::Cancel => {
            if !ctx.storage.cancel_draft(draft_id).await? {
                return handled();
            }
            ctx.storage.audit(actor, basis_storage::AuditAction::Cancel, &draft_id.to_string(), "", now).await?;
            t!(ctx.texts, locale, "post-cancelled")
        }
        PostAction::Send | PostAction::Urgent => {
            let priority = if action == PostAction::Urgent { PRIORITY_URGENT } else { PRIORITY_NORMAL };
            let queued =
                ctx.storage.queue_draft(draft_id, DraftState::Open, Some(priority), Some(locale.code()), now).await?;
            let Some((broadcast, total)) = queued else { return handled() };
            // The confirmation shows "queued" before it becomes the progress
            // report: edited afterwards, it could overwrite the final report
            // of a broadcast that finished first.
            let status = reports::queued(&ctx.texts, locale, broadcast.0, total);
            ignore_unmodified(scene.bot.edit_message_text(scene.chat.id, message_id, status).await)?;
            ctx.storage.set_report_chat_message(broadcast, scene.chat.id.into(), i64::from(message_id.0)).await?;
            ctx.wake.notify_one();
            let detail = format!("draft {draft_id}, {total} chats");
            ctx.storage.audit(actor, basis_storage::AuditAction::Post, &broadcast.to_string(), &detail, now).await?;
            tracing::info!(broadcast = %broadcast, total, draft = %draft_id, "post confirmed");
            return Ok((t!(ctx.texts, locale, "post-done"), false));
        }
        PostAction::Schedule => {
            if !ctx.storage.move_draft(draft_id, DraftState::Open, DraftState::Timing).await? {
                return handled();
            }
            let zone = ctx.timezone.name().to_owned();
            let text = t!(ctx.texts, locale, "schedule-ask", id = draft_id.to_string(), zone = zone);
            let cancel = CallbackData::Post { draft: draft_id, action: PostAction::Cancel }.encode();
            let keyboard = InlineKeyboardMarkup::new([[InlineKeyboardButton::callback(
                t!(ctx.texts, locale, "button-cancel"),
                cancel,
            )]]);
            let edited = scene.bot.edit_message_text(scene.chat.id, message_id, text).reply_markup(keyboard).await;
            ignore_unmodified(edited)?;
            return Ok((t!(ctx.texts, locale, "post-done"), false));
        }
        PostAction::Submit => {
            if !ctx.storage.submit_for_review(draft_id, locale.code()).await? {
                return handled();
            }
            ctx.storage.audit(actor, basis_storage::AuditAction::Submit, &draft_id.to_string(), "", now).await?;
            let asked = ask_approvers(scene, &draft, from).await?;
            t!(ctx.texts, locale, "review-submitted", id = draft_id.to_string(), asked = asked.to_string())
        }
        PostAction::Approve => {
            let queued =
                ctx.storage.queue_draft(draft_id, DraftState::Review, Some(PRIORITY_NORMAL), None, now).await?;
            let Some((broadcast, total)) = queued else { return handled() };
            ctx.wake.notify_one();
            let detail = format!("draft {draft_id} by {}, {total} chats", draft.author_id);
            ctx.storage.audit(actor, basis_storage::AuditAction::Approve, &broadcast.to_string(), &detail, now).await?;
            tracing::info!(broadcast = %broadcast, total, draft = %draft_id, approver = %actor, "post approved");
            // The drafter follows the progress in their own chat.
            let author_locale = Locale::parse(&draft.report_locale).unwrap_or_default();
            let status = reports::queued(&ctx.texts, author_locale, broadcast.0, total);
            if let Ok(message) = scene.bot.send_message(draft.chat_id, status).await {
                ctx.storage.set_report_message(broadcast, i64::from(message.id.0)).await?;
            }
            t!(ctx.texts, locale, "review-approved", id = draft_id.to_string(), broadcast = broadcast.to_string())
        }
        PostAction::Reject => {
            if !ctx.storage.cancel_draft(draft_id).await? {
                return handled();
            }
            ctx.storage
                .audit(actor, basis_storage::AuditAction::Reject, &draft_id.to_string(), &format!("by {actor}"), now)
                .await?;
            let author_locale = Locale::parse(&draft.report_locale).unwrap_or_default();
            let name: String = from.full_name().chars().take(64).collect();
            let notice = t!(ctx.texts, author_locale, "review-rejected-notice", id = draft_id.to_string(), name = name);
            if let Err(error) = scene.bot.send_message(draft.chat_id, notice).await {
                tracing::warn!(%error, "could not tell the drafter about the rejection");
            }
            t!(ctx.texts, locale, "review-rejected", id = draft_id.to_string())
        }
    };
    // The buttons go; the message says what happened (and becomes the
    // progress report of a sent post).
    ignore_unmodified(scene.bot.edit_message_text(scene.chat.id, message_id, text).await)?;
    Ok((t!(ctx.texts, locale, "post-done"), false))
}

pub(crate) fn ignore_unmodified<T>(result: Result<T, teloxide::RequestError>) -> HandlerResult {
    match result {
        Ok(_) | Err(teloxide::RequestError::Api(teloxide::ApiError::MessageNotModified)) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

/// Sends the preview with Approve / Reject to every other organizer whose
/// scope covers the draft (owners included); returns how many were asked.
async fn ask_approvers(scene: &Scene, draft: &Draft, drafter: &User) -> Result<usize, HandlerError> {
    let ctx = &scene.ctx;
    let topics = draft.topics.clone();
    let target = draft.region_target();
    let mut approvers: Vec<i64> = ctx.owners.iter().map(|o| o.0).collect();
    for organizer in ctx.storage.organizers().await? {
        let role = Role::Organizer(organizer.clone());
        if role.covers(&topics)
            && role.reaches(&ctx.regions, target.keys())
            && !approvers.contains(&organizer.user_id.0)
        {
            approvers.push(organizer.user_id.0);
        }
    }
    approvers.retain(|id| *id != draft.author_id.0);
    let (recipients, per_region) = audience(ctx, &topics, &target).await?;
    let name: String = drafter.full_name().chars().take(64).collect();
    let mut asked = 0;
    for approver in approvers {
        let locale = match ctx.storage.chat(basis_core::ChatId(approver)).await? {
            Some(chat) => Locale::parse(&chat.locale).unwrap_or_default(),
            None => Locale::default(),
        };
        let labels = ctx.topics.labels_of(&topics, locale).join(", ");
        let mut text = t!(
            ctx.texts,
            locale,
            "review-request",
            id = draft.id.to_string(),
            name = name.clone(),
            topics = labels,
            recipients = recipients.to_string()
        );
        text.push_str(&region_lines(ctx, locale, &target, &per_region));
        let button = |label: String, action| {
            InlineKeyboardButton::callback(label, CallbackData::Post { draft: draft.id, action }.encode())
        };
        let keyboard = InlineKeyboardMarkup::new([[
            button(t!(ctx.texts, locale, "button-approve"), PostAction::Approve),
            button(t!(ctx.texts, locale, "button-reject"), PostAction::Reject),
        ]]);
        // An approver who never opened the bot cannot be written to.
        if preview(scene, ChatId(approver), draft).await.is_err() {
            continue;
        }
        if scene.bot.send_message(ChatId(approver), text).reply_markup(keyboard).await.is_ok() {
            asked += 1;
        }
    }
    Ok(asked)
}

/// A message that is not a command, in an organizer's private chat: the
/// content of a guided draft or the time of a scheduled one. `false` when no
/// draft waits for it (the next reader, or the hint, applies).
pub(crate) async fn input(scene: &Scene, msg: &Message, role: &Role) -> Result<bool, HandlerError> {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let Some(from) = msg.from.as_ref().filter(|_| scene.chat.is_private()) else { return Ok(false) };
    let awaiting = ctx.storage.awaiting_input(scene.chat.id.into()).await?;
    // Album parts arrive one by one: remember them, and answer the first.
    if let Some(group) = msg.media_group_id()
        && awaiting.is_none()
        && !ctx.storage.remember_album_part(scene.chat.id.into(), &group.0, i64::from(msg.id.0), ctx.now()).await?
    {
        return Ok(true);
    }
    let Some(draft) = awaiting else { return Ok(false) };
    if draft.author_id != user_id(from) {
        return Ok(false);
    }
    if let Some(answer) = refusal(scene, role, &draft.topics, draft.region_target().keys()) {
        scene.say(answer).await?;
        return Ok(true);
    }
    match draft.status {
        DraftState::Content => {
            if msg.media_group_id().is_some() {
                scene.say(t!(ctx.texts, locale, "guided-album-hint")).await?;
                return Ok(true);
            }
            let content = match content_of(scene, msg).await? {
                Ok(content) => content,
                Err(answer) => {
                    scene.say(answer).await?;
                    return Ok(true);
                }
            };
            if ctx.storage.fill_draft(draft.id, &content).await? {
                let detail = draft.topics.stored();
                ctx.storage
                    .audit(
                        draft.author_id,
                        basis_storage::AuditAction::Draft,
                        &draft.id.to_string(),
                        &detail,
                        ctx.now(),
                    )
                    .await?;
                present(scene, draft.id).await?;
            }
        }
        _ => {
            let typed = msg.text().unwrap_or_default();
            let answer = match when::parse_when(typed, ctx.now(), ctx.timezone) {
                Ok(at) => {
                    if ctx.storage.schedule_draft(draft.id, at, PRIORITY_NORMAL, locale.code()).await? {
                        let shown = when::format_local(at, ctx.now(), ctx.timezone, locale == Locale::De);
                        let detail = format!("at {at}");
                        ctx.storage
                            .audit(
                                draft.author_id,
                                basis_storage::AuditAction::Schedule,
                                &draft.id.to_string(),
                                &detail,
                                ctx.now(),
                            )
                            .await?;
                        let zone = ctx.timezone.name().to_owned();
                        t!(ctx.texts, locale, "scheduled-for", id = draft.id.to_string(), when = shown, zone = zone)
                    } else {
                        t!(ctx.texts, locale, "post-already-handled")
                    }
                }
                Err(error) => when_error(scene, error),
            };
            scene.say(answer).await?;
        }
    }
    Ok(true)
}

pub(crate) fn when_error(scene: &Scene, error: when::WhenError) -> String {
    let (texts, locale) = (&scene.ctx.texts, scene.locale);
    match error {
        when::WhenError::Unreadable => t!(texts, locale, "when-unreadable"),
        when::WhenError::Past => t!(texts, locale, "when-past"),
        when::WhenError::NonExistent => t!(texts, locale, "when-nonexistent"),
        when::WhenError::TooFar => t!(texts, locale, "when-too-far"),
    }
}

/// `/scheduled`: drafts waiting for their time, with a Cancel button each.
/// Owners see everyone's; organizers their own.
pub(crate) async fn scheduled(scene: &Scene, role: &Role, from: Option<&User>) -> HandlerResult {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let me = from.map_or(basis_core::UserId(0), user_id);
    let mut drafts = ctx.storage.scheduled_drafts(None).await?;
    drafts.retain(|d| role.is_owner() || d.author_id == me);
    if drafts.is_empty() {
        return scene.say(t!(ctx.texts, locale, "scheduled-none")).await;
    }
    let now = ctx.now();
    let mut lines = Vec::new();
    let mut rows = Vec::new();
    for draft in drafts.iter().take(SCHEDULED_SHOWN) {
        let at = draft.scheduled_at.unwrap_or_default();
        let shown = when::format_local(at, now, ctx.timezone, locale == Locale::De);
        let labels = ctx.topics.labels_of(&draft.topics.clone(), locale).join(", ");
        let mut gist: String = draft.text.chars().take(40).collect();
        if gist.is_empty() {
            gist = t!(ctx.texts, locale, "scheduled-media");
        }
        lines.push(format!("#{} · {shown} · {labels} · {gist}", draft.id));
        let label = t!(ctx.texts, locale, "button-cancel-draft", id = draft.id.to_string());
        let data = CallbackData::Post { draft: draft.id, action: PostAction::Cancel }.encode();
        rows.push(vec![InlineKeyboardButton::callback(label, data)]);
    }
    let zone = ctx.timezone.name().to_owned();
    let text = t!(ctx.texts, locale, "scheduled-list", zone = zone, drafts = lines.join("\n"));
    scene.ask(text, InlineKeyboardMarkup::new(rows)).await
}

/// Queues a correction or other bot-made broadcast and posts its status
/// message in this chat.
pub(crate) async fn queue_with_report(scene: &Scene, new: NewBroadcast) -> Result<(BroadcastId, i64), HandlerError> {
    let ctx = &scene.ctx;
    let (id, total) = ctx.storage.create_broadcast(&new, ctx.now()).await?;
    ctx.wake.notify_one();
    report_status(scene, reports::Job::of(new.content.kind()), id, total, new.ref_broadcast_id).await?;
    Ok((id, total))
}

/// Posts the status message of a queued broadcast in this chat; the
/// broadcaster edits it with progress and turns it into the report.
pub(crate) async fn report_status(
    scene: &Scene,
    job: reports::Job,
    id: BroadcastId,
    total: i64,
    of: Option<BroadcastId>,
) -> HandlerResult {
    let ctx = &scene.ctx;
    let status = reports::queued_job(&ctx.texts, scene.locale, job, id.0, total, of.map(|of| of.0));
    let message = scene.bot.send_message(scene.chat.id, status).await?;
    ctx.storage.set_report_message(id, i64::from(message.id.0)).await?;
    Ok(())
}
