//! What members and organizers read about an event: its time and place in
//! the deployment's time zone, the invitation with its answer buttons, and
//! the calendar file.

use basis_storage::{Event, EventNote, RsvpAnswer};
use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Tz;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::callback::{CallbackData, EventAction};
use crate::{Locale, Texts, t, when};

/// A message for a member: its text and buttons.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    /// The message text.
    pub text: String,
    /// The buttons under it, if any.
    pub keyboard: Option<InlineKeyboardMarkup>,
}

/// `Fr 27.11. 06:00–09:00` in the deployment's time zone.
pub fn when_text(event: &Event, tz: Tz, locale: Locale, now: i64) -> String {
    let start = when::format_local(event.starts_at, now, tz, locale == Locale::De);
    match event.ends_at {
        Some(end) if same_local_day(event.starts_at, end, tz) => format!("{start}–{}", clock_time(end, tz)),
        Some(end) => format!("{start} – {}", when::format_local(end, now, tz, locale == Locale::De)),
        None => start,
    }
}

pub(super) fn local(ms: i64, tz: Tz) -> Option<chrono::DateTime<Tz>> {
    DateTime::<Utc>::from_timestamp_millis(ms).map(|t| t.with_timezone(&tz))
}

pub(super) fn same_local_day(a: i64, b: i64, tz: Tz) -> bool {
    matches!((local(a, tz), local(b, tz)), (Some(a), Some(b)) if a.date_naive() == b.date_naive())
}

pub(super) fn clock_time(ms: i64, tz: Tz) -> String {
    local(ms, tz).map_or_else(|| "?".to_owned(), |t| format!("{:02}:{:02}", t.hour(), t.minute()))
}

/// Where: the place's text, and the map point when there is one.
pub(super) fn place_text(event: &Event) -> String {
    event.place.clone()
}

/// The message members get for `note`, in `locale`, showing `choice`.
pub fn render(
    texts: &Texts,
    tz: Tz,
    event: &Event,
    note: EventNote,
    locale: Locale,
    choice: Option<RsvpAnswer>,
    now: i64,
) -> Rendered {
    let title = event.title.clone();
    let when = when_text(event, tz, locale, now);
    let place = place_text(event);
    let note_text = if event.note.is_empty() { String::new() } else { format!("\n\n{}", event.note) };
    match note {
        EventNote::Invitation | EventNote::Refresh if event.is_cancelled() => Rendered {
            text: t!(texts, locale, "event-invitation-cancelled", title = title, when = when, place = place),
            keyboard: None,
        },
        EventNote::Invitation | EventNote::Refresh => Rendered {
            text: t!(texts, locale, "event-invitation", title = title, when = when, place = place, note = note_text),
            keyboard: Some(answer_keyboard(texts, event, locale, choice)),
        },
        EventNote::Reminder => Rendered {
            text: t!(texts, locale, "event-reminder", title = title, when = when, place = place),
            keyboard: Some(answer_keyboard(texts, event, locale, choice)),
        },
        EventNote::Change => Rendered {
            text: t!(texts, locale, "event-changed", title = title, when = when, place = place),
            keyboard: Some(extras_keyboard(texts, event, locale)),
        },
        EventNote::Cancel => {
            Rendered { text: t!(texts, locale, "event-cancelled", title = title, when = when), keyboard: None }
        }
    }
}

pub(super) fn button(label: String, event: basis_core::EventId, action: EventAction) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(label, CallbackData::Event { event, action }.encode())
}

/// I'm coming / Maybe / Can't come, the chosen one marked; then the
/// calendar file and the map.
pub(super) fn answer_keyboard(
    texts: &Texts,
    event: &Event,
    locale: Locale,
    choice: Option<RsvpAnswer>,
) -> InlineKeyboardMarkup {
    let mark = |label: String, answer| if choice == Some(answer) { format!("✔️ {label}") } else { label };
    let answers = vec![
        button(mark(t!(texts, locale, "event-yes"), RsvpAnswer::Yes), event.id, EventAction::Yes),
        button(mark(t!(texts, locale, "event-maybe"), RsvpAnswer::Maybe), event.id, EventAction::Maybe),
        button(mark(t!(texts, locale, "event-no"), RsvpAnswer::No), event.id, EventAction::No),
    ];
    let mut rows = vec![answers];
    rows.extend(extras_keyboard(texts, event, locale).inline_keyboard);
    InlineKeyboardMarkup::new(rows)
}

pub(super) fn extras_keyboard(texts: &Texts, event: &Event, locale: Locale) -> InlineKeyboardMarkup {
    let mut extras = vec![button(t!(texts, locale, "event-calendar"), event.id, EventAction::Calendar)];
    if event.point().is_some() {
        extras.push(button(t!(texts, locale, "event-map"), event.id, EventAction::Map));
    }
    InlineKeyboardMarkup::new([extras])
}

/// The event as an iCalendar file. Times are written in UTC, which every
/// calendar shows in its own zone; a change bumps SEQUENCE so calendars
/// replace the earlier copy, and a cancellation says STATUS:CANCELLED.
pub fn ics(event: &Event, organisation: &str) -> String {
    use icalendar::{Calendar, Component, EventLike, EventStatus};
    let mut entry = icalendar::Event::new();
    entry
        .uid(&format!("basis-event-{}-{}@{}", event.id, event.created_at, slug(organisation)))
        .summary(&event.title)
        .location(&event.place)
        .sequence(event.sequence.clamp(0, i64::from(u32::MAX)) as u32)
        .timestamp(DateTime::<Utc>::from_timestamp_millis(event.updated_at).unwrap_or_default());
    if let Some(start) = DateTime::<Utc>::from_timestamp_millis(event.starts_at) {
        entry.starts(start);
    }
    if let Some(end) = event.ends_at.and_then(DateTime::<Utc>::from_timestamp_millis) {
        entry.ends(end);
    }
    if !event.note.is_empty() {
        entry.description(&event.note);
    }
    if let Some((lat, lon)) = event.point() {
        entry.add_property("GEO", format!("{lat};{lon}"));
    }
    entry.status(if event.is_cancelled() { EventStatus::Cancelled } else { EventStatus::Confirmed });
    let mut calendar = Calendar::new();
    calendar.name(organisation).push(entry.done());
    calendar.done().to_string()
}

pub(super) fn slug(name: &str) -> String {
    let slug: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).take(32).collect();
    if slug.is_empty() { "basis".to_owned() } else { slug.to_ascii_lowercase() }
}
