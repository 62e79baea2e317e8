//! Reading the times organizers type when they schedule a post or an event,
//! and showing instants back to people.
//!
//! Everything happens in the deployment's time zone ([`DEFAULT_TZ`] unless
//! configured otherwise) and follows its daylight-saving rules: `18:00` in
//! Berlin is 16:00 UTC in summer and 17:00 UTC in winter, a time inside the
//! spring gap is refused, and a time in the autumn fold means the earlier of
//! its two instants.
//!
//! Instants are unix milliseconds (`i64`), the same unit as the bot's clock.
//! Neither function panics, whatever the input.
//!
//! # Accepted input
//!
//! The input is trimmed, words are case-insensitive and any amount of
//! whitespace may separate the parts. A time is always required.
//!
//! | Input                                   | Meaning                                               |
//! |-----------------------------------------|-------------------------------------------------------|
//! | `18:00`, `18.00`, `7:00`, `7 Uhr`       | today at that time, or tomorrow if that is over       |
//! | `heute 18:00`, `today 18:00`            | today                                                 |
//! | `morgen 7:00`, `tomorrow 7:00`          | tomorrow                                              |
//! | `übermorgen 7:00`, `uebermorgen 7:00`   | the day after tomorrow                                |
//! | `25.11. 18:00`, `25.11 18:00`           | the next 25 November (this year unless already past)  |
//! | `25.11.2026 18:00`, `25.11.26 18:00`    | that exact day (two-digit years are 20xx)             |
//! | `2026-11-26T07:00`, `2026-11-26 07:00`  | ISO 8601 local time, seconds (and fractions) optional |
//! | `2026-11-26T07:00Z`, `…T07:00+01:00`    | that exact instant, whatever the deployment's zone    |
//!
//! Times are `H:MM` or `HH:MM` (also with `.` instead of `:`), optionally
//! with `:SS`; `Uhr` may follow a time or a bare hour (`7 Uhr`, `7uhr`,
//! `7:30 Uhr`). `um` / `at` may stand before the time (`morgen um 7 Uhr`).
//! A bare number without `Uhr` is not a time.

use chrono::{
    DateTime, Datelike, Days, FixedOffset, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone,
    Timelike,
};
use chrono_tz::Tz;

/// The time zone used when the deployment does not configure one.
pub const DEFAULT_TZ: Tz = chrono_tz::Europe::Berlin;

/// How far ahead a time may lie: 366 days, so "the same day next year" works
/// even across a leap day.
pub const MAX_AHEAD_MS: i64 = 366 * 24 * 60 * 60 * 1000;

/// Why a typed time was refused. Each case deserves its own message to the
/// organizer; the `Display` texts are for logs only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum WhenError {
    /// Not a date/time in any accepted format, or not a real calendar day
    /// (`32.11. 18:00`, `25:00`, `31.04. 10:00`, `abc`, empty input).
    #[error("the time could not be read")]
    Unreadable,
    /// The time is now or already over.
    #[error("the time lies in the past")]
    Past,
    /// The local time does not exist because the clocks jump over it when
    /// daylight-saving time starts (e.g. 29.03.2026 02:30 in Berlin).
    #[error("the local time does not exist (daylight-saving gap)")]
    NonExistent,
    /// The time is more than [`MAX_AHEAD_MS`] (366 days) ahead.
    #[error("the time is more than 366 days ahead")]
    TooFar,
}

/// Reads a time typed by an organizer (see the [module docs](self) for the
/// formats) as a local time in `tz`, relative to `now_ms` (unix
/// milliseconds), and returns the instant it names in unix milliseconds.
///
/// Rules:
/// - a date without a year means the next occurrence of that day: this year,
///   or next year if the day has already passed this year. Today's date with a
///   time that is already over is [`WhenError::Past`], not next year;
/// - a time without a date means today, or tomorrow if today's is over;
/// - a local time in the spring gap is [`WhenError::NonExistent`]; one in the
///   autumn fold means the earlier instant (the later one only if the earlier
///   is already over while the later is not);
/// - a trailing `Z` or offset (ISO form only) names an exact instant and
///   ignores `tz`;
/// - the result must lie after `now_ms` ([`WhenError::Past`]) and at most
///   366 days after it ([`WhenError::TooFar`]).
///
/// A `now_ms` outside the range chrono can represent yields
/// [`WhenError::Unreadable`].
pub fn parse_when(input: &str, now_ms: i64, tz: Tz) -> Result<i64, WhenError> {
    let reading = read(input).ok_or(WhenError::Unreadable)?;
    let now_local = local_naive(now_ms, tz).ok_or(WhenError::Unreadable)?;
    let today = now_local.date();
    let at_ms = match reading.day {
        Some(Day::Iso(date)) => match reading.offset {
            Some(offset) => date
                .and_time(reading.time)
                .checked_sub_offset(offset)
                .map(|utc| utc.and_utc().timestamp_millis())
                .ok_or(WhenError::Unreadable)?,
            None => resolve(tz, date.and_time(reading.time), now_ms)?,
        },
        Some(Day::Relative(days)) => {
            let date = today.checked_add_days(Days::new(days)).ok_or(WhenError::Unreadable)?;
            resolve(tz, date.and_time(reading.time), now_ms)?
        }
        Some(Day::Calendar { day, month, year: Some(year) }) => {
            let date = NaiveDate::from_ymd_opt(year, month, day).ok_or(WhenError::Unreadable)?;
            resolve(tz, date.and_time(reading.time), now_ms)?
        }
        Some(Day::Calendar { day, month, year: None }) => {
            // The next year (from this one on) in which the day exists and
            // has not passed; 29.02. may be up to four years away (and then
            // fails as too far). Eight years always contain a leap year.
            let first = today.year();
            let date = (first..=first.saturating_add(8))
                .filter_map(|year| NaiveDate::from_ymd_opt(year, month, day))
                .find(|date| *date >= today)
                .ok_or(WhenError::TooFar)?;
            resolve(tz, date.and_time(reading.time), now_ms)?
        }
        None => {
            let naive = today.and_time(reading.time);
            match resolve(tz, naive, now_ms) {
                Ok(at) if at > now_ms => at,
                // Today's time falls into a gap that is still ahead.
                Err(WhenError::NonExistent) if naive > now_local => return Err(WhenError::NonExistent),
                _ => {
                    let tomorrow = today.checked_add_days(Days::new(1)).ok_or(WhenError::Unreadable)?;
                    resolve(tz, tomorrow.and_time(reading.time), now_ms)?
                }
            }
        }
    };
    if at_ms <= now_ms {
        Err(WhenError::Past)
    } else if at_ms.saturating_sub(now_ms) > MAX_AHEAD_MS {
        Err(WhenError::TooFar)
    } else {
        Ok(at_ms)
    }
}

/// Formats an instant (unix milliseconds) as local time in `tz` for people:
/// `Do 26.11. 07:00` in German, `Thu 26 Nov 07:00` in English. When the
/// instant's local year differs from that of `now_ms`, the year is added:
/// `Di 05.01.2027 07:00` / `Tue 5 Jan 2027 07:00`.
///
/// An instant outside the range chrono can represent is shown as `?`.
pub fn format_local(at_ms: i64, now_ms: i64, tz: Tz, german: bool) -> String {
    const DE_DAYS: [&str; 7] = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"];
    const EN_DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const EN_MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    let Some(local) = local_naive(at_ms, tz) else {
        return "?".to_owned();
    };
    let this_year = local_naive(now_ms, tz).map(|now| now.year());
    let year = (this_year != Some(local.year())).then_some(local.year());
    // `num_days_from_monday` is 0..=6 and `month0` is 0..=11.
    let weekday = local.weekday().num_days_from_monday() as usize;
    let (day, month0, hour, minute) = (local.day(), local.month0() as usize, local.hour(), local.minute());
    match (german, year) {
        (true, None) => format!("{} {day:02}.{:02}. {hour:02}:{minute:02}", DE_DAYS[weekday], month0 + 1),
        (true, Some(year)) => {
            format!("{} {day:02}.{:02}.{year} {hour:02}:{minute:02}", DE_DAYS[weekday], month0 + 1)
        }
        (false, None) => format!("{} {day} {} {hour:02}:{minute:02}", EN_DAYS[weekday], EN_MONTHS[month0]),
        (false, Some(year)) => {
            format!("{} {day} {} {year} {hour:02}:{minute:02}", EN_DAYS[weekday], EN_MONTHS[month0])
        }
    }
}

/// The local wall-clock time in `tz` at `ms`, or `None` when out of range.
/// (`DateTime::naive_local` would panic at the edges of chrono's range.)
fn local_naive(ms: i64, tz: Tz) -> Option<NaiveDateTime> {
    let utc = DateTime::from_timestamp_millis(ms)?.naive_utc();
    utc.checked_add_offset(tz.offset_from_utc_datetime(&utc).fix())
}

/// The instant of a local time in `tz`. In the autumn fold the earlier
/// instant wins unless it is over while the later one is not.
fn resolve(tz: Tz, local: NaiveDateTime, now_ms: i64) -> Result<i64, WhenError> {
    match tz.from_local_datetime(&local) {
        MappedLocalTime::Single(at) => Ok(at.timestamp_millis()),
        MappedLocalTime::Ambiguous(earlier, later) => {
            let (earlier, later) = (earlier.timestamp_millis(), later.timestamp_millis());
            Ok(if earlier <= now_ms && later > now_ms { later } else { earlier })
        }
        MappedLocalTime::None => Err(WhenError::NonExistent),
    }
}

/// The day part of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Day {
    /// Today plus this many days (`heute`, `morgen`, `übermorgen`).
    Relative(u64),
    /// `25.11.`, `25.11.26`, `25.11.2026`: day and month are a possible
    /// calendar day (29.02. allowed); a given year has been checked too.
    Calendar { day: u32, month: u32, year: Option<i32> },
    /// `2026-11-26`: the only form that may carry a UTC offset.
    Iso(NaiveDate),
}

/// What an input says, before the time zone and `now` give it meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Reading {
    day: Option<Day>,
    time: NaiveTime,
    /// Only with [`Day::Iso`].
    offset: Option<FixedOffset>,
}

/// Splits the input into words and reads them as `[day] [um|at] time`.
fn read(input: &str) -> Option<Reading> {
    let lower = input.trim().to_lowercase();
    let mut tokens: Vec<&str> = Vec::new();
    for token in lower.split_whitespace() {
        // `2026-11-26t07:00` (lower-cased ISO) is a date and a time.
        match token.split_once('t') {
            Some((date, time)) if iso_date(date).is_some() => tokens.extend([date, time]),
            _ => tokens.push(token),
        }
    }
    // A first word that looks like a date is one only if the rest is a time:
    // `12.11 Uhr` is 12:11, not 12 November.
    if let [first, rest @ ..] = tokens.as_slice()
        && let Some(day) = read_day(first)
        && let Some((time, offset)) = read_time(skip_filler(rest), matches!(day, Day::Iso(_)))
    {
        return Some(Reading { day: Some(day), time, offset });
    }
    let (time, offset) = read_time(skip_filler(&tokens), false)?;
    Some(Reading { day: None, time, offset })
}

/// Drops a leading `um` / `at` (`morgen um 7 Uhr`, `tomorrow at 7:00`).
fn skip_filler<'a, 'b>(tokens: &'a [&'b str]) -> &'a [&'b str] {
    match tokens {
        ["um" | "at", rest @ ..] => rest,
        _ => tokens,
    }
}

/// Reads a lower-cased word as a day: a relative word or a date.
fn read_day(token: &str) -> Option<Day> {
    match token {
        "heute" | "today" => Some(Day::Relative(0)),
        "morgen" | "tomorrow" => Some(Day::Relative(1)),
        "übermorgen" | "uebermorgen" | "ubermorgen" => Some(Day::Relative(2)),
        _ => iso_date(token).map(Day::Iso).or_else(|| dotted_date(token)),
    }
}

/// `YYYY-MM-DD`, a real calendar day.
fn iso_date(token: &str) -> Option<NaiveDate> {
    let mut parts = token.split('-');
    let year = digits(parts.next()?, 4, 4)?;
    let month = digits(parts.next()?, 2, 2)?;
    let day = digits(parts.next()?, 2, 2)?;
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// `D.M`, `D.M.`, `D.M.YY` or `D.M.YYYY` (day and month with one or two
/// digits). Without a year, any day that exists in some year is accepted.
fn dotted_date(token: &str) -> Option<Day> {
    let token = token.strip_suffix('.').unwrap_or(token);
    let mut parts = token.split('.');
    let day = digits(parts.next()?, 1, 2)?;
    let month = digits(parts.next()?, 1, 2)?;
    let year = match parts.next() {
        None => None,
        Some(year) if year.len() == 2 => Some(2000 + i32::try_from(digits(year, 2, 2)?).ok()?),
        Some(year) => Some(i32::try_from(digits(year, 4, 4)?).ok()?),
    };
    if parts.next().is_some() {
        return None;
    }
    // Leap year 2000 admits every day that exists in any year.
    NaiveDate::from_ymd_opt(year.unwrap_or(2000), month, day)?;
    Some(Day::Calendar { day, month, year })
}

/// Reads the time words: `HH:MM`, `H Uhr`, `HH:MM Uhr`, and with
/// `allow_offset` also `HH:MMZ`, `HH:MM+01:00`, `HH:MM +01:00`.
fn read_time(tokens: &[&str], allow_offset: bool) -> Option<(NaiveTime, Option<FixedOffset>)> {
    match tokens {
        [token] => time_token(token, allow_offset),
        [clock, "uhr"] => Some((hour_or_clock(clock)?, None)),
        [clock, offset] if allow_offset => Some((clock_time(clock)?, Some(utc_offset(offset)?))),
        _ => None,
    }
}

/// A single time word, possibly with `uhr` or an offset attached.
fn time_token(token: &str, allow_offset: bool) -> Option<(NaiveTime, Option<FixedOffset>)> {
    if let Some(hour) = token.strip_suffix("uhr") {
        return Some((hour_or_clock(hour)?, None));
    }
    if allow_offset {
        if let Some(clock) = token.strip_suffix('z') {
            return Some((clock_time(clock)?, Some(FixedOffset::east_opt(0)?)));
        }
        if let Some(at) = token.find(['+', '-']) {
            // `at` is the position of a one-byte character, so both halves
            // are valid strings.
            let (clock, offset) = token.split_at(at);
            return Some((clock_time(clock)?, Some(utc_offset(offset)?)));
        }
    }
    Some((clock_time(token)?, None))
}

/// A bare hour (only valid before `Uhr`) or a clock time.
fn hour_or_clock(text: &str) -> Option<NaiveTime> {
    match digits(text, 1, 2) {
        Some(hour) => NaiveTime::from_hms_opt(hour, 0, 0),
        None => clock_time(text),
    }
}

/// `H:MM`, `HH:MM`, `HH:MM:SS`, `HH:MM:SS.fff` (up to nine fraction digits),
/// or `H.MM` / `HH.MM`.
fn clock_time(text: &str) -> Option<NaiveTime> {
    if !text.contains(':') {
        let (hour, minute) = text.split_once('.')?;
        return NaiveTime::from_hms_opt(digits(hour, 1, 2)?, digits(minute, 2, 2)?, 0);
    }
    let mut parts = text.split(':');
    let hour = digits(parts.next()?, 1, 2)?;
    let minute = digits(parts.next()?, 2, 2)?;
    let (second, nano) = match parts.next() {
        None => (0, 0),
        Some(seconds) => match seconds.split_once('.') {
            None => (digits(seconds, 2, 2)?, 0),
            Some((whole, fraction)) => {
                // Scale the fraction to nanoseconds: ".5" is 500_000_000.
                let scale = 10u32.pow(9u32.checked_sub(u32::try_from(fraction.len()).ok()?)?);
                (digits(whole, 2, 2)?, digits(fraction, 1, 9)? * scale)
            }
        },
    };
    if parts.next().is_some() {
        return None;
    }
    NaiveTime::from_hms_nano_opt(hour, minute, second, nano)
}

/// `z`, `+HH:MM`, `+HHMM`, `+HH` (or with `-`), below 24 hours.
fn utc_offset(text: &str) -> Option<FixedOffset> {
    if text == "z" {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match (text.strip_prefix('+'), text.strip_prefix('-')) {
        (Some(rest), _) => (1, rest),
        (_, Some(rest)) => (-1, rest),
        _ => return None,
    };
    let (hours, minutes) = match rest.split_once(':') {
        Some((hours, minutes)) => (hours, minutes),
        None if rest.len() == 4 && rest.is_ascii() => rest.split_at(2),
        None => (rest, "00"),
    };
    let hours = i32::try_from(digits(hours, 2, 2)?).ok()?;
    let minutes = i32::try_from(digits(minutes, 2, 2)?).ok()?;
    if minutes >= 60 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

/// An unsigned number written with `min..=max` ASCII digits (at most nine,
/// so it always fits a `u32`).
fn digits(text: &str, min: usize, max: usize) -> Option<u32> {
    let fits = (min..=max.min(9)).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    if fits { text.parse().ok() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use chrono_tz::America::New_York;
    use chrono_tz::Europe::Berlin;
    use proptest::prelude::*;

    /// Unix milliseconds of a Berlin wall-clock time (must be unambiguous).
    fn berlin(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        Berlin.with_ymd_and_hms(y, mo, d, h, mi, 0).single().expect("unambiguous Berlin time").timestamp_millis()
    }

    /// Unix milliseconds of a UTC time.
    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single().expect("valid UTC time").timestamp_millis()
    }

    /// The fixed "now" of most tests: Wednesday 2026-11-25 21:00 in Berlin
    /// (20:00 UTC, winter time).
    fn now() -> i64 {
        berlin(2026, 11, 25, 21, 0)
    }

    fn when(input: &str) -> Result<i64, WhenError> {
        parse_when(input, now(), Berlin)
    }

    #[test]
    fn now_is_what_the_tests_assume() {
        assert_eq!(now(), utc(2026, 11, 25, 20, 0));
    }

    #[test]
    fn date_without_year() {
        let expected = Ok(utc(2026, 11, 26, 17, 0));
        assert_eq!(when("26.11. 18:00"), expected);
        assert_eq!(when("26.11 18:00"), expected);
        assert_eq!(when("26.11. 18.00"), expected);
        assert_eq!(when("26.11.18:00").ok(), None, "date and time need a space");
        assert_eq!(when("1.12. 9:30"), Ok(utc(2026, 12, 1, 8, 30)));
        assert_eq!(when("01.12. 09:30"), Ok(utc(2026, 12, 1, 8, 30)));
    }

    #[test]
    fn date_without_year_already_passed_is_next_year() {
        assert_eq!(when("24.11. 18:00"), Ok(utc(2027, 11, 24, 17, 0)));
        assert_eq!(when("1.1. 0:00"), Ok(utc(2026, 12, 31, 23, 0)));
        // Summer next year: 2027-06-15 12:00 CEST is 10:00 UTC.
        assert_eq!(when("15.6. 12:00"), Ok(utc(2027, 6, 15, 10, 0)));
    }

    #[test]
    fn todays_date_with_a_time_that_is_over_is_past() {
        assert_eq!(when("25.11. 18:00"), Err(WhenError::Past));
        assert_eq!(when("25.11 18:00"), Err(WhenError::Past));
        assert_eq!(when("25.11. 22:00"), Ok(utc(2026, 11, 25, 21, 0)));
    }

    #[test]
    fn date_with_year() {
        let expected = Ok(utc(2026, 11, 26, 17, 0));
        assert_eq!(when("26.11.2026 18:00"), expected);
        assert_eq!(when("26.11.26 18:00"), expected);
        assert_eq!(when("25.11.2026 18:00"), Err(WhenError::Past));
        assert_eq!(when("25.11.26 18:00"), Err(WhenError::Past));
        assert_eq!(when("3.1.2027 8:15"), Ok(utc(2027, 1, 3, 7, 15)));
        assert_eq!(when("24.11.2027 18:00"), Ok(utc(2027, 11, 24, 17, 0)));
    }

    #[test]
    fn time_alone_is_today_or_tomorrow() {
        assert_eq!(when("22:00"), Ok(utc(2026, 11, 25, 21, 0)));
        assert_eq!(when("18:00"), Ok(utc(2026, 11, 26, 17, 0)));
        assert_eq!(when("21:00"), Ok(utc(2026, 11, 26, 20, 0)), "exactly now is over");
        assert_eq!(when("21:01"), Ok(utc(2026, 11, 25, 20, 1)));
        assert_eq!(when("18.00"), Ok(utc(2026, 11, 26, 17, 0)));
        assert_eq!(when("7:00"), Ok(utc(2026, 11, 26, 6, 0)));
        assert_eq!(when("07:00"), Ok(utc(2026, 11, 26, 6, 0)));
        assert_eq!(when("0:00"), Ok(utc(2026, 11, 25, 23, 0)));
        assert_eq!(when("23:59"), Ok(utc(2026, 11, 25, 22, 59)));
    }

    #[test]
    fn uhr_and_filler_words() {
        let seven = Ok(utc(2026, 11, 26, 6, 0));
        assert_eq!(when("7 Uhr"), seven);
        assert_eq!(when("7uhr"), seven);
        assert_eq!(when("07 UHR"), seven);
        assert_eq!(when("7:00 Uhr"), seven);
        assert_eq!(when("morgen um 7 Uhr"), seven);
        assert_eq!(when("tomorrow at 7:00"), seven);
        assert_eq!(when("um 7:00"), seven);
        assert_eq!(when("26.11. um 7 uhr"), seven);
        // `12.11 Uhr` is a time, not 12 November without a time.
        assert_eq!(when("12.11 Uhr"), Ok(utc(2026, 11, 26, 11, 11)));
        assert_eq!(when("12.11"), Ok(utc(2026, 11, 26, 11, 11)));
    }

    #[test]
    fn relative_days() {
        assert_eq!(when("morgen 7:00"), Ok(utc(2026, 11, 26, 6, 0)));
        assert_eq!(when("tomorrow 7:00"), Ok(utc(2026, 11, 26, 6, 0)));
        assert_eq!(when("Morgen 7:00"), Ok(utc(2026, 11, 26, 6, 0)));
        assert_eq!(when("heute 22:00"), Ok(utc(2026, 11, 25, 21, 0)));
        assert_eq!(when("today 22:00"), Ok(utc(2026, 11, 25, 21, 0)));
        assert_eq!(when("heute 18:00"), Err(WhenError::Past));
        assert_eq!(when("TODAY 18:00"), Err(WhenError::Past));
        assert_eq!(when("übermorgen 7:00"), Ok(utc(2026, 11, 27, 6, 0)));
        assert_eq!(when("Übermorgen 7:00"), Ok(utc(2026, 11, 27, 6, 0)));
        assert_eq!(when("ÜBERMORGEN 7:00"), Ok(utc(2026, 11, 27, 6, 0)));
        assert_eq!(when("uebermorgen 7:00"), Ok(utc(2026, 11, 27, 6, 0)));
    }

    #[test]
    fn relative_days_cross_a_dst_change() {
        // Saturday 2026-03-28 12:00 CET; tomorrow is summer time.
        let now = berlin(2026, 3, 28, 12, 0);
        assert_eq!(parse_when("morgen 18:00", now, Berlin), Ok(utc(2026, 3, 29, 16, 0)));
        assert_eq!(parse_when("heute 18:00", now, Berlin), Ok(utc(2026, 3, 28, 17, 0)));
    }

    #[test]
    fn whitespace_and_case() {
        let expected = Ok(utc(2026, 11, 26, 6, 0));
        assert_eq!(when("  morgen    7:00  "), expected);
        assert_eq!(when("26.11.\t07:00"), expected);
        assert_eq!(when("\n26.11. \u{a0} 07:00\n"), expected);
        assert_eq!(when("2026-11-26T07:00"), expected);
        assert_eq!(when("2026-11-26t07:00"), expected);
        assert_eq!(when("2026-11-26   07:00"), expected);
    }

    #[test]
    fn iso_local() {
        assert_eq!(when("2026-11-26T07:00"), Ok(utc(2026, 11, 26, 6, 0)));
        assert_eq!(when("2026-11-26 07:00"), Ok(utc(2026, 11, 26, 6, 0)));
        assert_eq!(when("2026-11-26T07:00:30"), Ok(utc(2026, 11, 26, 6, 0) + 30_000));
        assert_eq!(when("2026-11-26 07:00:30.250"), Ok(utc(2026, 11, 26, 6, 0) + 30_250));
        assert_eq!(when("2026-11-25T18:00"), Err(WhenError::Past));
        assert_eq!(when("2026-07-01T18:00"), Err(WhenError::Past));
    }

    #[test]
    fn iso_with_offset_is_that_instant() {
        assert_eq!(when("2026-11-26T07:00Z"), Ok(utc(2026, 11, 26, 7, 0)));
        assert_eq!(when("2026-11-26t07:00z"), Ok(utc(2026, 11, 26, 7, 0)));
        assert_eq!(when("2026-11-26T07:00:00Z"), Ok(utc(2026, 11, 26, 7, 0)));
        assert_eq!(when("2026-11-26T07:00:00.000Z"), Ok(utc(2026, 11, 26, 7, 0)));
        assert_eq!(when("2026-11-26T07:00+01:00"), Ok(utc(2026, 11, 26, 6, 0)));
        assert_eq!(when("2026-11-26T07:00+0100"), Ok(utc(2026, 11, 26, 6, 0)));
        assert_eq!(when("2026-11-26T07:00+01"), Ok(utc(2026, 11, 26, 6, 0)));
        assert_eq!(when("2026-11-26T07:00:00-05:00"), Ok(utc(2026, 11, 26, 12, 0)));
        assert_eq!(when("2026-11-26T07:00+05:30"), Ok(utc(2026, 11, 26, 1, 30)));
        assert_eq!(when("2026-11-26 07:00 +01:00"), Ok(utc(2026, 11, 26, 6, 0)));
        assert_eq!(when("2026-11-26 07:00 Z"), Ok(utc(2026, 11, 26, 7, 0)));
        // The instant is exact even where Berlin's clock has a gap.
        assert_eq!(parse_when("2026-03-29T02:30+01:00", utc(2026, 3, 1, 0, 0), Berlin), Ok(utc(2026, 3, 29, 1, 30)));
        // Exact instants in the past are past.
        assert_eq!(when("2026-11-25T20:00Z"), Err(WhenError::Past));
        assert_eq!(when("2026-11-25T20:01Z"), Ok(utc(2026, 11, 25, 20, 1)));
    }

    #[test]
    fn offsets_only_with_iso_dates() {
        for input in ["18:00Z", "26.11. 18:00Z", "morgen 18:00+01:00", "26.11.2026 18:00 +01:00", "18:00 z"] {
            assert_eq!(when(input), Err(WhenError::Unreadable), "{input:?}");
        }
    }

    #[test]
    fn unreadable() {
        for input in [
            "",
            "   ",
            "abc",
            "32.11. 18:00",
            "0.11. 18:00",
            "25.13. 18:00",
            "25.0. 18:00",
            "31.04. 18:00",
            "30.02. 18:00",
            "29.02.2027 18:00",
            "31.11.2026 18:00",
            "25:00",
            "24:00",
            "18:60",
            "18:0",
            "18:000",
            "018:00",
            "18",
            "7",
            "18h",
            "18:00:60",
            "18.00.00",
            "26.11.",
            "26.11.2026",
            "morgen",
            "heute",
            "morgen morgen 7:00",
            "26.11. 18:00 extra",
            "26.11. 18:00 uhr uhr",
            "26.11.202 18:00",
            "26.11.20266 18:00",
            "26..11 18:00",
            "26.11.. 18:00",
            "-1:00",
            "+7:00",
            "2026-11-26",
            "2026-11-26T",
            "2026-11-26T25:00",
            "2026-13-01T07:00",
            "2026-11-31T07:00",
            "2026-11-26T07:00+24:00",
            "2026-11-26T07:00+01:60",
            "2026-11-26T07:00+1",
            "2026-11-26T07:00+",
            "2026-11-26T07:00:00.1234567890Z",
            "26-11-2026 07:00",
            "2026-1-26 07:00",
            "１８:００",
            "18:00 tomorrow",
            "um",
            "at 7",
        ] {
            assert_eq!(when(input), Err(WhenError::Unreadable), "{input:?}");
        }
    }

    #[test]
    fn too_far() {
        // 365 days and 21 hours ahead is fine, 366 days and 21 hours is not.
        assert_eq!(when("26.11.2027 18:00"), Ok(utc(2027, 11, 26, 17, 0)));
        assert_eq!(when("27.11.2027 18:00"), Err(WhenError::TooFar));
        assert_eq!(when("2030-01-01T00:00"), Err(WhenError::TooFar));
        assert_eq!(when("2027-11-25T20:00Z"), Ok(utc(2027, 11, 25, 20, 0)));
        assert_eq!(when("2027-11-26T20:00Z"), Ok(now() + MAX_AHEAD_MS));
        assert_eq!(when("2027-11-26T20:00:00.001Z"), Err(WhenError::TooFar));
        // The next 29 February is in 2028.
        assert_eq!(when("29.02. 12:00"), Err(WhenError::TooFar));
    }

    #[test]
    fn leap_day_without_year() {
        let now = berlin(2027, 6, 1, 12, 0);
        assert_eq!(parse_when("29.02. 12:00", now, Berlin), Ok(utc(2028, 2, 29, 11, 0)));
        assert_eq!(parse_when("29.2 12:00", now, Berlin), Ok(utc(2028, 2, 29, 11, 0)));
    }

    #[test]
    fn spring_gap_does_not_exist() {
        let now = berlin(2026, 3, 1, 12, 0);
        assert_eq!(parse_when("29.03.2026 02:30", now, Berlin), Err(WhenError::NonExistent));
        assert_eq!(parse_when("29.03. 02:30", now, Berlin), Err(WhenError::NonExistent));
        assert_eq!(parse_when("2026-03-29T02:30", now, Berlin), Err(WhenError::NonExistent));
        assert_eq!(parse_when("29.03.2026 02:00", now, Berlin), Err(WhenError::NonExistent));
        assert_eq!(parse_when("29.03.2026 01:59", now, Berlin), Ok(utc(2026, 3, 29, 0, 59)));
        assert_eq!(parse_when("29.03.2026 03:00", now, Berlin), Ok(utc(2026, 3, 29, 1, 0)));
        // A bare time on the day itself: refused while the gap is ahead,
        // tomorrow's once it is over.
        let before = berlin(2026, 3, 29, 1, 0);
        assert_eq!(parse_when("02:30", before, Berlin), Err(WhenError::NonExistent));
        let after = berlin(2026, 3, 29, 4, 0);
        assert_eq!(parse_when("02:30", after, Berlin), Ok(utc(2026, 3, 30, 0, 30)));
    }

    #[test]
    fn autumn_fold_is_the_earlier_instant() {
        let now = berlin(2026, 10, 1, 12, 0);
        assert_eq!(parse_when("25.10.2026 02:30", now, Berlin), Ok(utc(2026, 10, 25, 0, 30)));
        assert_eq!(parse_when("25.10. 02:30", now, Berlin), Ok(utc(2026, 10, 25, 0, 30)));
        assert_eq!(parse_when("2026-10-25T02:30", now, Berlin), Ok(utc(2026, 10, 25, 0, 30)));
        // Once the earlier 02:30 is over, the later one is still ahead.
        let between = utc(2026, 10, 25, 0, 45);
        assert_eq!(parse_when("02:30", between, Berlin), Ok(utc(2026, 10, 25, 1, 30)));
        assert_eq!(parse_when("heute 02:30", between, Berlin), Ok(utc(2026, 10, 25, 1, 30)));
        // Once both are over, a bare time means tomorrow.
        let after = utc(2026, 10, 25, 1, 45);
        assert_eq!(parse_when("02:30", after, Berlin), Ok(utc(2026, 10, 26, 1, 30)));
        assert_eq!(parse_when("heute 02:30", after, Berlin), Err(WhenError::Past));
    }

    #[test]
    fn six_pm_in_summer_and_winter() {
        let summer = berlin(2026, 7, 1, 12, 0);
        assert_eq!(parse_when("18:00", summer, Berlin), Ok(utc(2026, 7, 1, 16, 0)));
        assert_eq!(parse_when("1.7. 18:00", summer, Berlin), Ok(utc(2026, 7, 1, 16, 0)));
        let winter = berlin(2026, 11, 25, 12, 0);
        assert_eq!(parse_when("18:00", winter, Berlin), Ok(utc(2026, 11, 25, 17, 0)));
        // The same input typed in summer for a winter day.
        assert_eq!(parse_when("1.12. 18:00", summer, Berlin), Ok(utc(2026, 12, 1, 17, 0)));
    }

    #[test]
    fn other_time_zones() {
        // 2026-11-25 21:00 Berlin is 15:00 in New York (EST, UTC-5).
        assert_eq!(parse_when("18:00", now(), New_York), Ok(utc(2026, 11, 25, 23, 0)));
        assert_eq!(parse_when("morgen 7:00", now(), New_York), Ok(utc(2026, 11, 26, 12, 0)));
        assert_eq!(parse_when("18:00", now(), DEFAULT_TZ), when("18:00"));
    }

    #[test]
    fn now_out_of_range_is_unreadable() {
        assert_eq!(parse_when("18:00", i64::MIN, Berlin), Err(WhenError::Unreadable));
        assert_eq!(parse_when("18:00", i64::MAX, Berlin), Err(WhenError::Unreadable));
    }

    #[test]
    fn format_this_year() {
        let at = utc(2026, 11, 26, 6, 0);
        assert_eq!(format_local(at, now(), Berlin, true), "Do 26.11. 07:00");
        assert_eq!(format_local(at, now(), Berlin, false), "Thu 26 Nov 07:00");
        let summer = utc(2026, 7, 1, 16, 0);
        assert_eq!(format_local(summer, now(), Berlin, true), "Mi 01.07. 18:00");
        assert_eq!(format_local(summer, now(), Berlin, false), "Wed 1 Jul 18:00");
        assert_eq!(format_local(at, now(), New_York, false), "Thu 26 Nov 01:00");
    }

    #[test]
    fn format_other_year() {
        let at = utc(2027, 1, 5, 6, 0);
        assert_eq!(format_local(at, now(), Berlin, true), "Di 05.01.2027 07:00");
        assert_eq!(format_local(at, now(), Berlin, false), "Tue 5 Jan 2027 07:00");
        // The year is the local one: 2026-12-31 23:30 UTC is already 2027 in Berlin.
        let new_year = utc(2026, 12, 31, 23, 30);
        assert_eq!(format_local(new_year, now(), Berlin, true), "Fr 01.01.2027 00:30");
        assert_eq!(format_local(new_year, now(), Berlin, false), "Fri 1 Jan 2027 00:30");
        assert_eq!(format_local(new_year, now(), New_York, false), "Thu 31 Dec 18:30");
    }

    #[test]
    fn format_out_of_range() {
        assert_eq!(format_local(i64::MAX, now(), Berlin, true), "?");
        assert_eq!(format_local(i64::MIN, now(), Berlin, false), "?");
        // An unknown `now` shows the year.
        assert_eq!(format_local(utc(2026, 11, 26, 6, 0), i64::MAX, Berlin, true), "Do 26.11.2026 07:00");
    }

    #[test]
    fn parse_then_format() {
        let at = when("morgen 7 Uhr").expect("readable");
        assert_eq!(format_local(at, now(), Berlin, true), "Do 26.11. 07:00");
        let at = when("24.11. 18:00").expect("readable");
        assert_eq!(format_local(at, now(), Berlin, false), "Wed 24 Nov 2027 18:00");
    }

    /// Time zones for the property tests: with and without daylight saving,
    /// half-hour offsets and a half-hour DST shift (Lord Howe).
    fn zones() -> impl Strategy<Value = Tz> {
        prop::sample::select(vec![
            Berlin,
            New_York,
            chrono_tz::UTC,
            chrono_tz::Australia::Sydney,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::Asia::Kathmandu,
            chrono_tz::America::St_Johns,
        ])
    }

    /// Any result lies after `now` and at most 366 days ahead.
    fn check_bounds(result: Result<i64, WhenError>, now: i64) -> Result<(), TestCaseError> {
        if let Ok(at) = result {
            prop_assert!(at > now);
            prop_assert!(at - now <= MAX_AHEAD_MS);
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn parse_when_never_panics(input in ".*") {
            check_bounds(parse_when(&input, now(), Berlin), now())?;
        }

        #[test]
        fn parse_when_never_panics_any_now(input in ".*", now in any::<i64>(), tz in zones()) {
            check_bounds(parse_when(&input, now, tz), now)?;
            let _ = format_local(now, now, tz, true);
        }

        #[test]
        fn parse_when_never_panics_on_near_misses(
            input in "[0-9.:+zZtT \t-]{0,24}",
            now in 0i64..4_102_444_800_000,
            tz in zones(),
        ) {
            check_bounds(parse_when(&input, now, tz), now)?;
        }

        #[test]
        fn parse_when_never_panics_on_word_soup(
            words in prop::collection::vec(
                prop_oneof![
                    "[0-9]{1,5}",
                    "[0-9]{1,3}[.:][0-9]{0,3}[.:]?[0-9]{0,4}",
                    "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[tT]?[0-9:]{0,8}",
                    "[+-][0-9:]{0,6}",
                    prop::sample::select(vec![
                        "heute", "Morgen", "ÜBERMORGEN", "uebermorgen", "today", "tomorrow",
                        "Uhr", "uhr", "um", "at", "Z", "T", ".", ":", "ü", "ß", "İ", "🗓",
                    ]).prop_map(str::to_owned),
                ],
                0..6,
            ),
            separators in prop::collection::vec("[ \t\u{a0}]{0,3}", 6),
            now in 0i64..4_102_444_800_000,
            tz in zones(),
        ) {
            let mut input = String::new();
            for (word, separator) in words.iter().zip(&separators) {
                input.push_str(word);
                input.push_str(separator);
            }
            check_bounds(parse_when(&input, now, tz), now)?;
        }

        #[test]
        fn iso_shapes_never_panic(
            input in "[0-9]{4}-[0-9]{2}-[0-9]{2}[tT ][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,12})?)?(z|Z|[+-][0-9]{2}(:?[0-9]{2})?)?",
            now in 0i64..4_102_444_800_000,
        ) {
            check_bounds(parse_when(&input, now, Berlin), now)?;
        }

        /// Typing the local wall-clock time of any instant in the coming
        /// year gives back an instant with that wall-clock time; outside the
        /// autumn fold, exactly that instant.
        #[test]
        fn typed_local_time_round_trips(
            now_minutes in 15_778_080i64..68_374_080, // 2000..2100 in minutes
            ahead_minutes in 1i64..=(365 * 24 * 60),
            tz in zones(),
            iso in any::<bool>(),
        ) {
            let now = now_minutes * 60_000;
            let at = now + ahead_minutes * 60_000;
            let local = local_naive(at, tz).expect("in range");
            let typed = if iso {
                local.format("%Y-%m-%dT%H:%M").to_string()
            } else {
                local.format("%d.%m.%Y %H:%M").to_string()
            };
            let parsed = parse_when(&typed, now, tz);
            prop_assert!(parsed.is_ok(), "{typed:?} gave {parsed:?}");
            let parsed = parsed.unwrap_or_default();
            prop_assert_eq!(local_naive(parsed, tz), Some(local));
            if tz.from_local_datetime(&local).single().is_some() {
                prop_assert_eq!(parsed, at);
            }
        }
    }
}
