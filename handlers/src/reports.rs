//! The organizer's view of a broadcast: one message, edited with progress,
//! then turned into the final report.

use crate::{Locale, Texts, t};

pub use basis_core::report::{Figures, Job};

/// "Broadcast #`id` to `total` chats is starting": the status message of a
/// new post before its progress is reported.
pub fn queued(texts: &Texts, locale: Locale, id: i64, total: i64) -> String {
    queued_job(texts, locale, Job::Post, id, total, None)
}

/// Like [`queued`] for any job; `of` is the broadcast an edit or retraction
/// acts on.
pub fn queued_job(texts: &Texts, locale: Locale, job: Job, id: i64, total: i64, of: Option<i64>) -> String {
    let (id, total, of) = (id.to_string(), total.to_string(), of.unwrap_or_default().to_string());
    match job {
        Job::Post => t!(texts, locale, "broadcast-queued", id = id, total = total),
        Job::Edit => t!(texts, locale, "edit-queued", id = id, total = total, of = of),
        Job::Retract => t!(texts, locale, "retract-queued", id = id, total = total, of = of),
    }
}

/// The status message while a broadcast runs: a progress bar, the counts and
/// the time left.
pub fn progress(texts: &Texts, locale: Locale, f: &Figures) -> String {
    let done = f.sent + f.failed + f.blocked;
    let percent = if f.total > 0 { done * 100 / f.total } else { 100 };
    let eta = match f.eta_secs {
        None => t!(texts, locale, "eta-unknown"),
        Some(s) if s < 120 => t!(texts, locale, "eta-seconds", n = s.to_string()),
        Some(s) => t!(texts, locale, "eta-minutes", n = s.div_ceil(60).to_string()),
    };
    t!(
        texts,
        locale,
        "broadcast-progress",
        id = f.id.to_string(),
        bar = bar(percent),
        percent = percent.to_string(),
        sent = f.sent.to_string(),
        blocked = f.blocked.to_string(),
        failed = f.failed.to_string(),
        remaining = f.remaining.to_string(),
        eta = eta
    )
}

/// The status message once a broadcast is done: the counts and why
/// deliveries failed.
pub fn final_report(texts: &Texts, locale: Locale, f: &Figures) -> String {
    let reasons: String = f.reasons.iter().map(|(why, n)| format!("\n• {n}× {}", shorten(why))).collect();
    let (id, total, sent) = (f.id.to_string(), f.total.to_string(), f.sent.to_string());
    let of = f.of.unwrap_or_default().to_string();
    match f.job {
        Job::Post => t!(
            texts,
            locale,
            "broadcast-report",
            id = id,
            total = total,
            sent = sent,
            blocked = f.blocked.to_string(),
            failed = f.failed.to_string(),
            reasons = reasons
        ),
        // For corrections a blocked chat is one more copy not reached.
        Job::Edit => t!(
            texts,
            locale,
            "edit-report",
            id = id,
            of = of,
            total = total,
            sent = sent,
            failed = (f.failed + f.blocked).to_string(),
            reasons = reasons
        ),
        Job::Retract => t!(
            texts,
            locale,
            "retract-report",
            id = id,
            of = of,
            total = total,
            sent = sent,
            failed = (f.failed + f.blocked).to_string(),
            reasons = reasons
        ),
    }
}

fn bar(percent: i64) -> String {
    let filled = (percent.clamp(0, 100) / 10) as usize;
    format!("{}{}", "▓".repeat(filled), "░".repeat(10 - filled))
}

fn shorten(reason: &str) -> String {
    let mut short: String = reason.chars().take(80).collect();
    if reason.chars().count() > 80 {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_and_report_read_right() {
        let texts = Texts::load();
        let f = Figures {
            job: Job::Post,
            of: None,
            id: 7,
            total: 200,
            sent: 90,
            failed: 5,
            blocked: 5,
            remaining: 100,
            eta_secs: Some(200),
            reasons: vec![],
        };
        let text = progress(&texts, Locale::En, &f);
        assert!(text.contains("#7") && text.contains("▓▓▓▓▓░░░░░ 50 %"), "{text}");
        assert!(text.contains("About 4 min left"), "{text}");
        let f = Figures { remaining: 0, reasons: vec![("Bad Gateway".into(), 5)], ..f };
        let text = final_report(&texts, Locale::De, &f);
        assert!(text.contains("Zugestellt: 90 von 200") && text.contains("• 5× Bad Gateway"), "{text}");
    }
}
