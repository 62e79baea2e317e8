//! What organizers type about an event: times and spans, places (with an
//! optional map point), reminders, and the one-line `/event`, each with a
//! typed error that is answered in the organizer's language.

use chrono::{NaiveTime, TimeZone};
use chrono_tz::Tz;

use super::render::local;
use super::*;
use crate::organizer;
use crate::scene::Scene;
use crate::{t, when};

/// What went wrong with an organizer's input about an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventError {
    /// The one-line `/event` lacks topics, a time, a title or a place.
    Usage,
    /// The time could not be read or is unusable.
    When(when::WhenError),
    /// The end is not after the start.
    EndBeforeStart,
    /// The title is empty.
    EmptyTitle,
    /// The title has more than `MAX_TITLE` characters.
    TitleTooLong,
    /// The place is empty.
    EmptyPlace,
    /// The place has more than `MAX_PLACE` characters.
    PlaceTooLong,
    /// The note has more than `MAX_NOTE` characters.
    NoteTooLong,
    /// The map point is not a latitude and longitude.
    BadPoint,
    /// The reminders are unreadable, too many or too early.
    BadReminders,
}

pub(crate) fn error_text(scene: &Scene, error: EventError) -> String {
    let (texts, locale) = (&scene.ctx.texts, scene.locale);
    match error {
        EventError::Usage => t!(texts, locale, "event-usage"),
        EventError::When(error) => organizer::when_error(scene, error),
        EventError::EndBeforeStart => t!(texts, locale, "event-end-before-start"),
        EventError::EmptyTitle => t!(texts, locale, "event-empty-title"),
        EventError::TitleTooLong => t!(texts, locale, "event-title-too-long", max = MAX_TITLE.to_string()),
        EventError::EmptyPlace => t!(texts, locale, "event-empty-place"),
        EventError::PlaceTooLong => t!(texts, locale, "event-place-too-long", max = MAX_PLACE.to_string()),
        EventError::NoteTooLong => t!(texts, locale, "event-note-too-long", max = MAX_NOTE.to_string()),
        EventError::BadPoint => t!(texts, locale, "event-bad-point"),
        EventError::BadReminders => t!(texts, locale, "event-bad-reminders"),
    }
}

/// `06:00`, `6:00`, `6.00`: a time of day.
pub(super) fn time_of_day(input: &str) -> Option<NaiveTime> {
    let input = input.trim().trim_end_matches(" Uhr").trim_end_matches("Uhr").trim();
    let (h, m) = input.split_once([':', '.'])?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

/// Start and optional end: `27.11. 06:00`, `27.11. 06:00-09:00`,
/// `morgen 6:00 bis 9:00`, `27.11. 06:00 – 28.11. 18:00`.
pub fn parse_span(input: &str, now: i64, tz: Tz) -> Result<(i64, Option<i64>), EventError> {
    let input = input.trim();
    let mut split = None;
    for separator in [" – ", "–", " - ", " bis ", " to ", " until "] {
        if let Some((a, b)) = input.split_once(separator) {
            split = Some((a, b));
            break;
        }
    }
    // A plain `-` before a time of day: `06:00-09:00` (ISO dates keep theirs).
    if split.is_none()
        && let Some((a, b)) = input.rsplit_once('-')
        && time_of_day(b).is_some()
    {
        split = Some((a, b));
    }
    let Some((start, end)) = split else {
        return Ok((when::parse_when(input, now, tz).map_err(EventError::When)?, None));
    };
    let start = when::parse_when(start, now, tz).map_err(EventError::When)?;
    let end = match time_of_day(end) {
        // A time alone ends the event on the day it starts.
        Some(time) => {
            let day = local(start, tz).ok_or(EventError::When(when::WhenError::Unreadable))?.date_naive();
            let at = tz.from_local_datetime(&day.and_time(time)).earliest();
            at.ok_or(EventError::When(when::WhenError::NonExistent))?.timestamp_millis()
        }
        None => when::parse_when(end, now, tz).map_err(EventError::When)?,
    };
    if end <= start {
        return Err(EventError::EndBeforeStart);
    }
    Ok((start, Some(end)))
}

/// The place, with an optional map point: `Werkstraße 1, Wolfsburg
/// (52.4227, 10.7865)` or `… geo:52.4227,10.7865`.
pub fn parse_place(input: &str) -> Result<(String, Option<(f64, f64)>), EventError> {
    let input = input.trim();
    let (text, point) = if let Some((text, geo)) = input.rsplit_once("geo:") {
        (text.trim(), Some(geo.trim()))
    } else if input.ends_with(')')
        && let Some((text, inner)) = input[..input.len() - 1].rsplit_once('(')
        && inner.contains(',')
        && inner.chars().all(|c| c.is_ascii_digit() || ".,- ".contains(c))
    {
        (text.trim(), Some(inner))
    } else {
        (input, None)
    };
    let point = match point {
        None => None,
        Some(point) => {
            let (lat, lon) = point.split_once(',').ok_or(EventError::BadPoint)?;
            let lat: f64 = lat.trim().parse().map_err(|_| EventError::BadPoint)?;
            let lon: f64 = lon.trim().parse().map_err(|_| EventError::BadPoint)?;
            if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                return Err(EventError::BadPoint);
            }
            Some((lat, lon))
        }
    };
    if text.is_empty() {
        return Err(EventError::EmptyPlace);
    }
    if text.chars().count() > MAX_PLACE {
        return Err(EventError::PlaceTooLong);
    }
    Ok((text.to_owned(), point))
}

/// `24h, 1h`, `30m`, `2d`: minutes before the start, at most five, at most
/// 14 days; `none`/`keine` for no reminders.
pub fn parse_reminders(input: &str) -> Result<String, EventError> {
    let input = input.trim();
    if matches!(input.to_lowercase().as_str(), "none" | "keine" | "-") {
        return Ok(String::new());
    }
    let mut minutes: Vec<i64> = Vec::new();
    for part in input.split([',', ' ']).filter(|p| !p.is_empty()) {
        let (number, unit) = part.split_at(part.find(|c: char| !c.is_ascii_digit()).unwrap_or(part.len()));
        let n: i64 = number.parse().map_err(|_| EventError::BadReminders)?;
        let factor = match unit {
            "m" | "min" => 1,
            "h" | "std" => 60,
            "d" | "t" => 1440,
            _ => return Err(EventError::BadReminders),
        };
        let m = n.checked_mul(factor).filter(|m| (1..=14 * 1440).contains(m)).ok_or(EventError::BadReminders)?;
        if !minutes.contains(&m) {
            minutes.push(m);
        }
    }
    if minutes.is_empty() || minutes.len() > 5 {
        return Err(EventError::BadReminders);
    }
    minutes.sort_unstable_by(|a, b| b.cmp(a));
    Ok(minutes.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
}

pub(super) fn check_title(title: &str) -> Result<String, EventError> {
    let title = title.trim();
    if title.is_empty() {
        return Err(EventError::EmptyTitle);
    }
    if title.chars().count() > MAX_TITLE {
        return Err(EventError::TitleTooLong);
    }
    Ok(title.to_owned())
}

pub(super) fn check_note(note: &str) -> Result<String, EventError> {
    let note = note.trim();
    if note.chars().count() > MAX_NOTE {
        return Err(EventError::NoteTooLong);
    }
    Ok(if note == "-" { String::new() } else { note.to_owned() })
}

/// What `/event <topics> <when> | <title> | <place> [| <note>] [| reminders: 24h,1h]` says.
#[derive(Clone, Debug, PartialEq)]
pub struct OneLine {
    /// The topics as typed, not yet checked against the catalog.
    pub topics: String,
    /// The start, in milliseconds since the Unix epoch.
    pub starts_at: i64,
    /// The end, if given, in milliseconds since the Unix epoch.
    pub ends_at: Option<i64>,
    /// The title, trimmed.
    pub title: String,
    /// The place, without its map point.
    pub place: String,
    /// The map point as latitude and longitude, if given.
    pub point: Option<(f64, f64)>,
    /// The note; empty if none.
    pub note: String,
    /// Minutes before the start, comma-separated, earliest reminder first;
    /// `DEFAULT_REMINDERS` unless given, empty for none.
    pub reminders: String,
}

/// Reads the one-line `/event`, with times in the deployment's time zone
/// `tz` and relative to `now` (milliseconds since the Unix epoch).
pub fn parse_one_line(input: &str, now: i64, tz: Tz) -> Result<OneLine, EventError> {
    let parts: Vec<&str> = input.split('|').map(str::trim).collect();
    if parts.len() < 3 {
        return Err(EventError::Usage);
    }
    let (topics, span) = parts[0].split_once(char::is_whitespace).ok_or(EventError::Usage)?;
    let (starts_at, ends_at) = parse_span(span, now, tz)?;
    let title = check_title(parts[1])?;
    let (place, point) = parse_place(parts[2])?;
    let mut note = String::new();
    let mut reminders = DEFAULT_REMINDERS.to_owned();
    for extra in &parts[3..] {
        let lower = extra.to_lowercase();
        match ["reminders:", "erinnerungen:", "erinnerung:", "⏰"].iter().find(|p| lower.starts_with(*p)) {
            Some(prefix) => reminders = parse_reminders(&extra[prefix.len()..])?,
            None => note = check_note(extra)?,
        }
    }
    Ok(OneLine { topics: topics.to_owned(), starts_at, ends_at, title, place, point, note, reminders })
}
