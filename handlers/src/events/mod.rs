//! Assemblies during strikes, congresses, rallies: `/event` calls one (a
//! guided flow, or one line), members answer with RSVP buttons and get a
//! calendar file, reminders go to those who come, and changes or a
//! cancellation reach everyone invited as a reply to their invitation.
//!
//! Everything members get goes through the broadcast queue; this module
//! renders each message in the member's language with their current answer.

use basis_core::TopicList;
use basis_storage::{Event, EventNote, EventStatus, EventStep, PRIORITY_NORMAL, RsvpAnswer};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardMarkup, InputFile, MessageId, User};

use crate::callback::EventAction;
use crate::organizer::{self, parse_id, refusal};
use crate::roles::{self, Role};
use crate::scene::Scene;
use crate::{HandlerError, HandlerResult, reports, t, when};

mod parse;
mod render;

pub use parse::*;
use parse::{check_note, check_title};
pub use render::*;
use render::{answer_keyboard, button};

/// The longest event title, in characters.
pub const MAX_TITLE: usize = 120;
/// The longest place, in characters (without its map point).
pub const MAX_PLACE: usize = 200;
/// The longest note, in characters.
pub const MAX_NOTE: usize = 1000;
/// Reminders before the start unless the organizer names others.
pub const DEFAULT_REMINDERS: &str = "1440,60";
/// Answers are taken until this long after the start when no end is given.
const OPEN_AFTER_START_MS: i64 = 3 * 3_600_000;

fn blank_event(author: basis_core::UserId, chat: i64) -> Event {
    Event {
        id: basis_core::EventId(0),
        author_id: author,
        chat_id: basis_core::ChatId(chat),
        title: String::new(),
        starts_at: 0,
        ends_at: None,
        place: String::new(),
        latitude: None,
        longitude: None,
        topics: TopicList::default(),
        note: String::new(),
        reminders: DEFAULT_REMINDERS.to_owned(),
        status: EventStatus::Draft,
        step: None,
        invitation_id: None,
        sequence: 0,
        created_at: 0,
        updated_at: 0,
    }
}

/// `/event …`: the one-liner, or the guided flow without arguments.
pub(crate) async fn create(scene: &Scene, role: &Role, msg: &Message, args: &str) -> HandlerResult {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let from = msg.from.as_ref();
    let author = from.map_or(basis_core::UserId(0), |u| u.id.into());
    let mut event = blank_event(author, scene.chat.id.0);
    if args.is_empty() {
        event.step = Some(EventStep::Title);
        let id = ctx.storage.create_event(&event, ctx.now()).await?;
        return ask(scene, id, t!(ctx.texts, locale, "event-ask-title", id = id.to_string())).await;
    }
    // `/event strikes @wolfsburg 05.12. 06:00 | …`: regions after the topics.
    let targets = match organizer::read_targets(scene, args) {
        Ok(targets) => targets,
        Err(answer) => return scene.say(answer).await,
    };
    let line = match parse_one_line(&format!("{} {}", targets.topics, targets.rest), ctx.now(), ctx.timezone) {
        Ok(line) => line,
        Err(error) => return scene.say(error_text(scene, error)).await,
    };
    let topics = match roles::topic_list(scene, &line.topics) {
        Ok(topics) if topics.is_empty() => return scene.say(t!(ctx.texts, locale, "event-usage")).await,
        Ok(topics) => topics,
        Err(answer) => return scene.say(answer).await,
    };
    if let Some(answer) = refusal(scene, role, &topics, &targets.regions) {
        return scene.say(answer).await;
    }
    event.topics = topics;
    event.starts_at = line.starts_at;
    event.ends_at = line.ends_at;
    event.title = line.title;
    event.place = line.place;
    (event.latitude, event.longitude) = (line.point.map(|p| p.0), line.point.map(|p| p.1));
    event.note = line.note;
    event.reminders = line.reminders;
    let id = ctx.storage.create_event(&event, ctx.now()).await?;
    let target = organizer::target_of(&targets.regions);
    let mut detail = event.topics.stored();
    if target.is_targeted() {
        ctx.storage.set_event_regions(id, &target, ctx.now()).await?;
        detail = format!("{detail} @{}", target.stored());
    }
    ctx.storage.audit(author, basis_storage::AuditAction::EventDraft, &id.to_string(), &detail, ctx.now()).await?;
    present(scene, id.0).await
}

/// A question of the guided flow, with a Discard button.
async fn ask(scene: &Scene, event: basis_core::EventId, question: String) -> HandlerResult {
    let discard = button(t!(scene.ctx.texts, scene.locale, "button-cancel"), event, EventAction::Discard);
    scene.ask(question, InlineKeyboardMarkup::new([[discard]])).await
}

/// An answer in the guided flow; `false` when no event draft waits.
pub(crate) async fn input(scene: &Scene, msg: &Message, from: &User, role: &Role) -> Result<bool, HandlerError> {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let Some(mut event) = ctx.storage.event_draft_awaiting(scene.chat.id.into()).await? else { return Ok(false) };
    if event.author_id != from.id.into() {
        return Ok(false);
    }
    let text = msg.text().unwrap_or_default();
    let now = ctx.now();
    let id = event.id.to_string();
    let outcome: Result<(Option<EventStep>, Option<String>), EventError> = match event.step.unwrap_or(EventStep::Note) {
        EventStep::Title => check_title(text).map(|title| {
            event.title = title;
            (
                Some(EventStep::When),
                Some(t!(ctx.texts, locale, "event-ask-when", zone = ctx.timezone.name().to_owned())),
            )
        }),
        EventStep::When => parse_span(text, now, ctx.timezone).map(|(start, end)| {
            (event.starts_at, event.ends_at) = (start, end);
            (Some(EventStep::Place), Some(t!(ctx.texts, locale, "event-ask-place")))
        }),
        EventStep::Place => {
            let parsed = match (msg.venue(), msg.location()) {
                (Some(venue), _) => {
                    let name = format!("{}, {}", venue.title, venue.address);
                    Ok((
                        name.chars().take(MAX_PLACE).collect(),
                        Some((venue.location.latitude, venue.location.longitude)),
                    ))
                }
                (None, Some(point)) => Ok((
                    format!("{:.5}, {:.5}", point.latitude, point.longitude),
                    Some((point.latitude, point.longitude)),
                )),
                (None, None) => parse_place(text),
            };
            parsed.map(|(place, point)| {
                event.place = place;
                (event.latitude, event.longitude) = (point.map(|p| p.0), point.map(|p| p.1));
                let topics = ctx.topics.listing(locale);
                let question = match ctx.regions.is_empty() {
                    true => t!(ctx.texts, locale, "event-ask-topics", topics = topics),
                    false => t!(ctx.texts, locale, "event-ask-topics-regions", topics = topics),
                };
                (Some(EventStep::Topics), Some(question))
            })
        }
        EventStep::Topics => {
            // `strikes @kassel`: the topics, and where regions are
            // configured the regions it is for.
            let (regions, words) = match roles::regions_among(scene, text) {
                Ok(found) => found,
                Err(answer) => {
                    scene.say(answer).await?;
                    return Ok(true);
                }
            };
            match roles::topic_list(scene, &words.join(" ")) {
                Ok(topics) if topics.is_empty() => Err(EventError::Usage),
                Ok(topics) => match refusal(scene, role, &topics, &regions) {
                    Some(answer) => {
                        scene.say(answer).await?;
                        return Ok(true);
                    }
                    None => {
                        ctx.storage.set_event_regions(event.id, &organizer::target_of(&regions), now).await?;
                        event.topics = topics;
                        Ok((Some(EventStep::Note), Some(t!(ctx.texts, locale, "event-ask-note"))))
                    }
                },
                Err(answer) => {
                    scene.say(answer).await?;
                    return Ok(true);
                }
            }
        }
        EventStep::Note => check_note(text).map(|note| {
            event.note = note;
            (None, None)
        }),
    };
    match outcome {
        Err(EventError::Usage) => scene.say(t!(ctx.texts, locale, "event-ask-topics-again")).await?,
        Err(error) => scene.say(error_text(scene, error)).await?,
        Ok((next, question)) => {
            event.step = next;
            if !ctx.storage.save_event_draft(&event, now).await? {
                return Ok(false);
            }
            match question {
                Some(question) => ask(scene, event.id, question).await?,
                None => {
                    ctx.storage
                        .audit(
                            event.author_id,
                            basis_storage::AuditAction::EventDraft,
                            &id,
                            &event.topics.stored(),
                            now,
                        )
                        .await?;
                    present(scene, event.id.0).await?
                }
            }
        }
    }
    Ok(true)
}

/// The invitation exactly as members will see it, then Send / Discard.
async fn present(scene: &Scene, id: i64) -> HandlerResult {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let Some(event) = ctx.storage.event(basis_core::EventId(id)).await? else { return Ok(()) };
    let preview = render(&ctx.texts, ctx.timezone, &event, EventNote::Invitation, locale, None, ctx.now());
    let mut request = scene.bot.send_message(scene.chat.id, preview.text);
    if let Some(keyboard) = preview.keyboard {
        request = request.reply_markup(keyboard);
    }
    request.await?;
    let topics = event.topics.clone();
    let target = ctx.storage.event_regions(basis_core::EventId(id)).await?;
    let (recipients, per_region) = organizer::audience(ctx, &topics, &target).await?;
    let reminders = reminder_text(scene, &event);
    let mut confirm = t!(
        ctx.texts,
        locale,
        "event-confirm",
        id = id.to_string(),
        topics = ctx.topics.labels_of(&topics, locale).join(", "),
        recipients = recipients.to_string(),
        reminders = reminders,
        zone = ctx.timezone.name().to_owned()
    );
    confirm.push_str(&organizer::region_lines(ctx, locale, &target, &per_region));
    let keyboard = InlineKeyboardMarkup::new([[
        button(t!(ctx.texts, locale, "button-send"), basis_core::EventId(id), EventAction::Send),
        button(t!(ctx.texts, locale, "button-cancel"), basis_core::EventId(id), EventAction::Discard),
    ]]);
    scene.ask(confirm, keyboard).await
}

fn reminder_text(scene: &Scene, event: &Event) -> String {
    let minutes = event.reminder_minutes();
    if minutes.is_empty() {
        return t!(scene.ctx.texts, scene.locale, "event-no-reminders");
    }
    minutes
        .iter()
        .map(|m| match m {
            m if m % 1440 == 0 => format!("{} d", m / 1440),
            m if m % 60 == 0 => format!("{} h", m / 60),
            m => format!("{m} min"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Send or Discard under an event's confirmation; the calendar file or
/// the map under an invitation. Answers are handled by [`answer`].
pub(crate) async fn press(
    scene: &Scene,
    from: &User,
    message_id: MessageId,
    event_id: basis_core::EventId,
    action: EventAction,
) -> Result<(String, bool), HandlerError> {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let Some(event) = ctx.storage.event(event_id).await? else {
        return Ok((t!(ctx.texts, locale, "button-stale"), false));
    };
    match action {
        EventAction::Calendar => {
            let file = InputFile::memory(ics(&event, &ctx.organisation).into_bytes())
                .file_name(format!("event-{event_id}.ics"));
            scene.bot.send_document(scene.chat.id, file).await?;
            Ok((t!(ctx.texts, locale, "event-calendar-sent"), false))
        }
        EventAction::Map => {
            let Some((lat, lon)) = event.point() else {
                return Ok((t!(ctx.texts, locale, "button-stale"), false));
            };
            scene.bot.send_venue(scene.chat.id, lat, lon, event.title.clone(), event.place.clone()).await?;
            Ok((t!(ctx.texts, locale, "post-done"), false))
        }
        EventAction::Send | EventAction::Discard => decide(scene, from, message_id, &event, action).await,
        EventAction::Yes | EventAction::Maybe | EventAction::No => Ok((t!(ctx.texts, locale, "button-stale"), false)),
    }
}

async fn decide(
    scene: &Scene,
    from: &User,
    message_id: MessageId,
    event: &Event,
    action: EventAction,
) -> Result<(String, bool), HandlerError> {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let Some(role) = roles::role_of(scene, Some(from)).await? else {
        return Ok((t!(ctx.texts, locale, "post-not-allowed"), true));
    };
    let actor: basis_core::UserId = from.id.into();
    if event.author_id != actor || scene.chat.id.0 != actor.0 {
        return Ok((t!(ctx.texts, locale, "post-not-yours"), true));
    }
    let target = ctx.storage.event_regions(event.id).await?;
    if let Some(answer) = refusal(scene, &role, &event.topics, target.keys()) {
        return Ok((answer, true));
    }
    let handled = || Ok((t!(ctx.texts, locale, "post-already-handled"), false));
    let now = ctx.now();
    let text = if action == EventAction::Discard {
        if !ctx.storage.discard_event(event.id).await? {
            return handled();
        }
        t!(ctx.texts, locale, "post-cancelled")
    } else {
        if event.step.is_some() {
            return handled();
        }
        if event.starts_at <= now {
            return Ok((organizer::when_error(scene, when::WhenError::Past), true));
        }
        let Some((broadcast, total)) = ctx.storage.send_event(event.id, PRIORITY_NORMAL, locale.code(), now).await?
        else {
            return handled();
        };
        ctx.wake.notify_one();
        ctx.storage.set_report_message(broadcast, i64::from(message_id.0)).await?;
        let detail = format!("invitation {broadcast}, {total} chats");
        ctx.storage.audit(actor, basis_storage::AuditAction::Event, &event.id.to_string(), &detail, now).await?;
        tracing::info!(event = %event.id, broadcast = %broadcast, total, "event invitation queued");
        reports::queued(&ctx.texts, locale, broadcast.0, total)
    };
    organizer::ignore_unmodified(scene.bot.edit_message_text(scene.chat.id, message_id, text).await)?;
    Ok((t!(ctx.texts, locale, "post-done"), false))
}

/// A member's answer: stored, and the buttons show it.
pub(crate) async fn answer(
    scene: &Scene,
    message_id: MessageId,
    event_id: basis_core::EventId,
    action: EventAction,
) -> Result<String, HandlerError> {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let Some(answer) = action.answer() else {
        return Ok(t!(ctx.texts, locale, "button-stale"));
    };
    let Some(event) = ctx.storage.event(event_id).await?.filter(|e| e.status != EventStatus::Draft) else {
        return Ok(t!(ctx.texts, locale, "event-preview-only"));
    };
    if event.is_cancelled() {
        return Ok(t!(ctx.texts, locale, "event-answer-cancelled"));
    }
    let now = ctx.now();
    if event.ends_at.unwrap_or(event.starts_at + OPEN_AFTER_START_MS) < now {
        return Ok(t!(ctx.texts, locale, "event-answer-over"));
    }
    ctx.storage.set_rsvp(event.id, scene.chat.id.into(), answer, now).await?;
    let (event_id, chat) = (event.id, scene.chat.id.0);
    scene.emit(crate::domain::DomainEvent::RsvpChanged { event: event_id, chat: basis_core::ChatId(chat), answer });
    let keyboard = answer_keyboard(&ctx.texts, &event, locale, Some(answer));
    organizer::ignore_unmodified(
        scene.bot.edit_message_reply_markup(scene.chat.id, message_id).reply_markup(keyboard).await,
    )?;
    Ok(match answer {
        RsvpAnswer::Yes => t!(ctx.texts, locale, "event-answer-yes"),
        RsvpAnswer::Maybe => t!(ctx.texts, locale, "event-answer-maybe"),
        RsvpAnswer::No => t!(ctx.texts, locale, "event-answer-no"),
    })
}

/// `/events`: upcoming events with their answers and reach.
pub(crate) async fn list(scene: &Scene, role: &Role) -> HandlerResult {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let now = ctx.now();
    let mut lines = Vec::new();
    for event in ctx.storage.upcoming_events(now).await? {
        let target = ctx.storage.event_regions(event.id).await?;
        if !role.covers(&event.topics) || !role.reaches(&ctx.regions, target.keys()) {
            continue;
        }
        let answers = ctx.storage.answers(event.id).await?;
        let reached = match event.invitation_id {
            Some(invitation) => ctx.storage.progress(invitation).await?.sent,
            None => 0,
        };
        let line = t!(
            ctx.texts,
            locale,
            "events-line",
            id = event.id.to_string(),
            when = when_text(&event, ctx.timezone, locale, now),
            title = event.title.clone(),
            place = event.place.clone(),
            yes = answers.yes.to_string(),
            maybe = answers.maybe.to_string(),
            no = answers.no.to_string(),
            reached = reached.to_string()
        );
        let cancelled =
            if event.is_cancelled() { t!(ctx.texts, locale, "events-cancelled-mark") } else { String::new() };
        lines.push(format!("{cancelled}{line}"));
    }
    if lines.is_empty() {
        return scene.say(t!(ctx.texts, locale, "events-none")).await;
    }
    let zone = ctx.timezone.name().to_owned();
    scene.say(t!(ctx.texts, locale, "events-list", zone = zone, events = lines.join("\n\n"))).await
}

/// The event named by `#id` at the start of `args`, which the organizer
/// may change; `Err` holds the answer.
async fn editable(scene: &Scene, role: &Role, args: &str) -> Result<Result<(Event, String), String>, HandlerError> {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let (first, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
    let Some(id) = parse_id::<basis_core::EventId>(first) else {
        return Ok(Err(t!(ctx.texts, locale, "event-change-usage")));
    };
    let Some(event) = ctx.storage.event(id).await?.filter(|e| e.status != EventStatus::Draft) else {
        return Ok(Err(t!(ctx.texts, locale, "event-unknown", id = id.to_string())));
    };
    let target = ctx.storage.event_regions(event.id).await?;
    if let Some(answer) = refusal(scene, role, &event.topics, target.keys()) {
        return Ok(Err(answer));
    }
    if event.is_cancelled() {
        return Ok(Err(t!(ctx.texts, locale, "event-already-cancelled", id = id.to_string())));
    }
    Ok(Ok((event, rest.trim().to_owned())))
}

/// `/eventchange <id> time <when>` or `/eventchange <id> place <place>`.
pub(crate) async fn change(scene: &Scene, role: &Role, msg: &Message, args: &str) -> HandlerResult {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let (mut event, rest) = match editable(scene, role, args).await? {
        Ok(found) => found,
        Err(answer) => return scene.say(answer).await,
    };
    let (what, value) = rest.split_once(char::is_whitespace).unwrap_or((rest.as_str(), ""));
    let now = ctx.now();
    let changed = match what.to_lowercase().as_str() {
        "time" | "zeit" => parse_span(value, now, ctx.timezone).map(|(start, end)| {
            // Without a new end, the event keeps its length.
            let length = event.ends_at.map(|e| e - event.starts_at);
            event.ends_at = end.or(length.map(|l| start + l));
            event.starts_at = start;
        }),
        "place" | "ort" => parse_place(value).map(|(place, point)| {
            event.place = place;
            (event.latitude, event.longitude) = (point.map(|p| p.0), point.map(|p| p.1));
        }),
        _ => Err(EventError::Usage),
    };
    match changed {
        Err(EventError::Usage) => return scene.say(t!(ctx.texts, locale, "event-change-usage")).await,
        Err(error) => return scene.say(error_text(scene, error)).await,
        Ok(()) => {}
    }
    if !ctx.storage.change_event(&event, now).await? {
        return scene.say(t!(ctx.texts, locale, "event-already-cancelled", id = event.id.to_string())).await;
    }
    let actor = msg.from.as_ref().map_or(basis_core::UserId(0), |u| u.id.into());
    ctx.storage
        .audit(actor, basis_storage::AuditAction::EventChange, &event.id.to_string(), &format!("{what} {value}"), now)
        .await?;
    notify(scene, &event, EventNote::Change, actor).await
}

/// `/eventcancel <id>`.
pub(crate) async fn cancel(scene: &Scene, role: &Role, msg: &Message, args: &str) -> HandlerResult {
    let ctx = &scene.ctx;
    let (event, _) = match editable(scene, role, args).await? {
        Ok(found) => found,
        Err(answer) => return scene.say(answer).await,
    };
    let now = ctx.now();
    if !ctx.storage.cancel_event(event.id, now).await? {
        return scene.say(t!(ctx.texts, scene.locale, "event-already-cancelled", id = event.id.to_string())).await;
    }
    let actor = msg.from.as_ref().map_or(basis_core::UserId(0), |u| u.id.into());
    ctx.storage.audit(actor, basis_storage::AuditAction::EventCancel, &event.id.to_string(), "", now).await?;
    notify(scene, &event, EventNote::Cancel, actor).await
}

/// Queues the urgent notice and the refresh of every invitation, and posts
/// the notice's progress message here.
async fn notify(scene: &Scene, event: &Event, note: EventNote, actor: basis_core::UserId) -> HandlerResult {
    let ctx = &scene.ctx;
    let Some(event) = ctx.storage.event(event.id).await? else { return Ok(()) };
    let now = ctx.now();
    let queued =
        ctx.storage.notify_invited(&event, note, actor, scene.chat.id.into(), scene.locale.code(), now).await?;
    let Some(((notice, total), _)) = queued else {
        return scene.say(t!(ctx.texts, scene.locale, "event-not-sent", id = event.id.to_string())).await;
    };
    ctx.wake.notify_one();
    tracing::info!(event = %event.id, notice = %notice, total, note = note.as_str(), "event notice queued");
    organizer::report_status(scene, reports::Job::Post, notice, total, None).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Locale, Texts};
    use chrono::{DateTime, TimeZone};
    use chrono_tz::Tz;

    const TZ: Tz = chrono_tz::Europe::Berlin;

    fn at(text: &str) -> i64 {
        let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
        TZ.from_local_datetime(&naive).earliest().unwrap().timestamp_millis()
    }

    #[test]
    fn the_one_liner_reads_time_title_place_and_extras() {
        let now = at("2026-11-25 21:00");
        let line =
            parse_one_line("strikes 27.11. 06:00 | Kundgebung vor Tor 3 | Werkstraße 1, Wolfsburg", now, TZ).unwrap();
        assert_eq!(line.topics, "strikes");
        assert_eq!((line.starts_at, line.ends_at), (at("2026-11-27 06:00"), None));
        assert_eq!((line.title.as_str(), line.place.as_str()), ("Kundgebung vor Tor 3", "Werkstraße 1, Wolfsburg"));
        assert_eq!(line.reminders, DEFAULT_REMINDERS);
        let line = parse_one_line(
            "strikes,energy 27.11. 06:00-09:00 | Streik | Tor 3 (52.4227, 10.7865) | Westen mitbringen | ⏰ 2h, 30m",
            now,
            TZ,
        )
        .unwrap();
        assert_eq!(line.ends_at, Some(at("2026-11-27 09:00")));
        assert_eq!(line.point, Some((52.4227, 10.7865)));
        assert_eq!(
            (line.place.as_str(), line.note.as_str(), line.reminders.as_str()),
            ("Tor 3", "Westen mitbringen", "120,30")
        );
        let line =
            parse_one_line("strikes morgen 7:00 bis 28.11. 18:00 | Kongress | Halle geo:52.5,13.4", now, TZ).unwrap();
        assert_eq!(line.ends_at, Some(at("2026-11-28 18:00")));
        assert_eq!(line.point, Some((52.5, 13.4)));
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        let now = at("2026-11-25 21:00");
        let cases = [
            ("strikes 27.11. 06:00 | Titel", EventError::Usage),
            ("strikes | Titel | Ort", EventError::Usage),
            ("strikes übermorgen | Titel | Ort", EventError::When(when::WhenError::Unreadable)),
            ("strikes 20.11.2026 06:00 | Titel | Ort", EventError::When(when::WhenError::Past)),
            ("strikes 27.11. 06:00-05:00 | Titel | Ort", EventError::EndBeforeStart),
            ("strikes 27.11. 06:00 |   | Ort", EventError::EmptyTitle),
            ("strikes 27.11. 06:00 | Titel | ", EventError::EmptyPlace),
            ("strikes 27.11. 06:00 | Titel | Ort geo:95,10", EventError::BadPoint),
            ("strikes 27.11. 06:00 | Titel | Ort | ⏰ 3 Wochen", EventError::BadReminders),
            ("strikes 28.03.2027 02:30 | Titel | Ort", EventError::When(when::WhenError::NonExistent)),
        ];
        for (line, expected) in cases {
            assert_eq!(parse_one_line(line, now, TZ), Err(expected), "{line}");
        }
        let long = format!("strikes 27.11. 06:00 | {} | Ort", "x".repeat(MAX_TITLE + 1));
        assert_eq!(parse_one_line(&long, now, TZ), Err(EventError::TitleTooLong));
        let long = format!("strikes 27.11. 06:00 | T | {}", "x".repeat(MAX_PLACE + 1));
        assert_eq!(parse_one_line(&long, now, TZ), Err(EventError::PlaceTooLong));
    }

    #[test]
    fn times_render_in_local_time_across_daylight_saving() {
        let texts = Texts::load();
        let mut event = blank_event(basis_core::UserId(1), 1);
        event.title = "Demo".into();
        event.place = "Markt".into();
        event.starts_at = at("2026-03-29 10:00");
        event.ends_at = Some(at("2026-03-29 12:00"));
        let now = at("2026-03-28 12:00");
        assert_eq!(when_text(&event, TZ, Locale::De, now), "So 29.03. 10:00–12:00");
        // 10:00 summer time is 08:00 UTC; the day before, 10:00 was 09:00 UTC.
        assert_eq!(event.starts_at, DateTime::parse_from_rfc3339("2026-03-29T08:00:00Z").unwrap().timestamp_millis());
        let rendered = render(&texts, TZ, &event, EventNote::Invitation, Locale::En, Some(RsvpAnswer::Maybe), now);
        assert!(rendered.text.contains("Sun 29 Mar 10:00–12:00"), "{}", rendered.text);
        let labels: Vec<String> =
            rendered.keyboard.unwrap().inline_keyboard[0].iter().map(|b| b.text.clone()).collect();
        assert!(labels[1].starts_with("✔️"), "{labels:?}");
    }

    proptest::proptest! {
        #[test]
        fn no_input_makes_the_parsers_panic(input in ".*") {
            let now = at("2026-11-25 21:00");
            let _ = parse_one_line(&input, now, TZ);
            let _ = parse_place(&input);
            let _ = parse_reminders(&input);
            let _ = parse_span(&input, now, TZ);
        }
    }
}
