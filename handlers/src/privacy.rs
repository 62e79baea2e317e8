//! Members' privacy beyond `/privacy` and `/stop`: the controller named in
//! every notice, the notice's version (a newer one is shown once at the
//! chat's next interaction), and `/mydata`, a JSON file of everything
//! stored about the chat.

use basis_storage::{ChatData, ChatKind};
use chrono::{DateTime, SecondsFormat};
use serde_json::{Value, json};
use teloxide::prelude::*;
use teloxide::types::InputFile;

use crate::scene::Scene;
use crate::{Context, HandlerError, HandlerResult, Locale, t};

/// The file `/mydata` sends.
pub const MYDATA_FILE: &str = "basis-mydata.json";

/// Who is responsible for the data (GDPR Art. 13): the organisation, and
/// its contact when one is configured.
pub(crate) fn controller(ctx: &Context, locale: Locale) -> String {
    let org = ctx.organisation.clone();
    if ctx.privacy_contact.trim().is_empty() {
        t!(ctx.texts, locale, "privacy-controller", org = org)
    } else {
        let contact = ctx.privacy_contact.trim().to_owned();
        t!(ctx.texts, locale, "privacy-controller-contact", org = org, contact = contact)
    }
}

/// The short notice of the welcome: what is stored, and who is responsible.
pub(crate) fn short_notice(ctx: &Context, locale: Locale) -> String {
    // The region is named only where regions are configured.
    let short = match ctx.regions.is_empty() {
        true => t!(ctx.texts, locale, "privacy-short"),
        false => t!(ctx.texts, locale, "privacy-short-regions"),
    };
    format!("{short}\n{}", controller(ctx, locale))
}

/// What `/privacy` adds below the list of stored data.
pub(crate) fn report_footer(ctx: &Context, locale: Locale, seen: i64) -> String {
    let version = t!(ctx.texts, locale, "privacy-version-seen", version = seen.to_string());
    format!("{version}\n\n{}", controller(ctx, locale))
}

/// Records that a chat agreeing now agrees under the current notice.
pub(crate) async fn agreed(scene: &Scene) -> HandlerResult {
    scene.ctx.storage.see_privacy_notice(scene.chat.id.into(), scene.ctx.privacy_version).await?;
    Ok(())
}

/// Shows the current notice when the chat saw an older one, once: the
/// stored version is raised first, so no other update or instance shows it
/// again. Runs before the answer to whatever the member did.
pub(crate) async fn notice_if_newer(scene: &Scene, seen: i64) -> HandlerResult {
    let ctx = &scene.ctx;
    if seen >= ctx.privacy_version || !ctx.storage.see_privacy_notice(scene.chat.id.into(), ctx.privacy_version).await?
    {
        return Ok(());
    }
    let locale = scene.locale;
    let changed = t!(ctx.texts, locale, "privacy-changed", version = ctx.privacy_version.to_string());
    let text = format!("{changed}\n\n{}", short_notice(ctx, locale));
    tracing::debug!(version = ctx.privacy_version, "showing a changed privacy notice");
    scene.say(text).await
}

/// `/mydata`: everything stored about this chat, as a JSON file.
pub(crate) async fn my_data(scene: &Scene) -> HandlerResult {
    let ctx = &scene.ctx;
    let data = ctx.storage.chat_data(scene.chat.id.into()).await?;
    let plugins = ctx.registry.personal_data(&scene.basis(), scene.chat.id.0, scene.locale).await?;
    if data.is_empty() && plugins.is_empty() {
        return scene.say(t!(ctx.texts, scene.locale, "privacy-nothing")).await;
    }
    // An organizer's own rights belong to their private chat's data too.
    let organizer = match scene.kind {
        ChatKind::Private => ctx.storage.organizer(basis_core::UserId(scene.chat.id.0)).await?,
        _ => None,
    };
    let mut document = document(ctx, &data, ctx.now());
    if let Some(o) = organizer {
        document["organizer"] = json!({
            "user_id": o.user_id,
            "name": o.name,
            "topics": o.topics.strs(),
            "granted_by": o.granted_by,
            "granted_at": iso(o.granted_at),
        });
        if let Some(regions) = o.region_scope() {
            document["organizer"]["regions"] = json!(regions.iter().map(|r| r.as_str()).collect::<Vec<_>>());
        }
    }
    // What plugins keep, each under its own key.
    for part in plugins {
        document[part.key] = part.value;
    }
    let bytes = serde_json::to_vec_pretty(&document).unwrap_or_default();
    let file = InputFile::memory(bytes).file_name(MYDATA_FILE);
    scene.bot.send_document(scene.chat.id, file).caption(t!(ctx.texts, scene.locale, "mydata-caption")).await?;
    Ok(())
}

/// The `/mydata` document: field names in English, times in UTC.
pub(crate) fn document(ctx: &Context, data: &ChatData, now: i64) -> Value {
    let chat = data.chat.as_ref().map(|c| {
        json!({
            "id": c.id,
            "kind": c.kind.as_str(),
            "language": c.locale,
            "status": c.status.as_str(),
            "consent_at": iso(c.consent_at),
            "privacy_notice_version": c.privacy_version,
            "updated_at": iso(c.updated_at),
        })
    });
    let topics: Vec<Value> = data
        .subscriptions
        .iter()
        .map(|s| {
            let name = ctx.topics.get(&s.topic_key).map(|t| t.name(Locale::En).to_owned());
            json!({ "topic": s.topic_key, "name": name, "subscribed_at": iso(s.created_at) })
        })
        .collect();
    let rsvps: Vec<Value> = data
        .rsvps
        .iter()
        .map(|r| {
            json!({
                "event": r.event_id,
                "title": r.title,
                "starts_at": iso(r.starts_at),
                "answer": r.answer.as_str(),
                "answered_at": iso(r.at),
            })
        })
        .collect();
    let deliveries: Vec<Value> = data
        .deliveries
        .iter()
        .map(|d| {
            json!({
                "broadcast": d.broadcast_id,
                "kind": d.kind.as_str(),
                "broadcast_at": iso(d.broadcast_at),
                "status": d.status.as_str(),
                "updated_at": iso(d.updated_at),
                "message_id": d.message_id,
                "error": d.error,
            })
        })
        .collect();
    let mut document = json!({
        "generated_at": iso(now),
        "controller": {
            "organisation": ctx.organisation,
            "contact": ctx.privacy_contact.trim(),
            "privacy_notice_version": ctx.privacy_version,
        },
        "chat": chat,
        "topics": topics,
        "rsvps": rsvps,
        "deliveries": deliveries,
    });
    // The region chosen (also one retired since) and when the chat was
    // asked: stored only where regions are or were configured.
    if let Some(region) = &data.region {
        let name = ctx.regions.get(region.region_key.as_str()).map(|r| r.name(Locale::En).to_owned());
        document["region"] =
            json!({ "region": region.region_key.as_str(), "name": name, "chosen_at": iso(region.chosen_at) });
    } else if !ctx.regions.is_empty() {
        document["region"] = Value::Null;
    }
    if let Some(asked) = data.region_asked_at {
        document["region_asked_at"] = iso(asked);
    }
    document
}

/// `2026-11-25T20:00:00Z`; the raw number when out of range.
pub(crate) fn iso(ms: i64) -> Value {
    match DateTime::from_timestamp_millis(ms) {
        Some(time) => Value::String(time.to_rfc3339_opts(SecondsFormat::Secs, true)),
        None => json!(ms),
    }
}

/// Exactly what is stored about this chat.
pub(crate) async fn privacy_report(scene: &Scene) -> Result<String, HandlerError> {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let plugins = ctx.registry.personal_data(&scene.basis(), scene.chat.id.0, locale).await?;
    let plugins: String = plugins.iter().map(|p| format!("\n{}", p.summary)).collect();
    let Some(chat) = ctx.storage.chat(scene.chat.id.into()).await? else {
        let nothing = t!(ctx.texts, locale, "privacy-nothing");
        return Ok(format!("{nothing}{plugins}\n\n{}", crate::privacy::controller(ctx, locale)));
    };
    let labels = ctx.topics.labels_of(&scene.subscribed().await?, locale);
    let topics = if labels.is_empty() { t!(ctx.texts, locale, "privacy-no-topics") } else { labels.join(", ") };
    let kind = match chat.kind {
        ChatKind::Private => t!(ctx.texts, locale, "kind-private"),
        ChatKind::Group => t!(ctx.texts, locale, "kind-group"),
        ChatKind::Supergroup => t!(ctx.texts, locale, "kind-supergroup"),
        ChatKind::Channel => t!(ctx.texts, locale, "kind-channel"),
    };
    let language =
        Locale::parse(&chat.locale).map(|l| t!(ctx.texts, l, "language-name")).unwrap_or(chat.locale.clone());
    let region = match crate::region_choice::shown_region(scene).await? {
        Some(region) => format!("\n{}", t!(ctx.texts, locale, "privacy-region", region = region)),
        None => String::new(),
    };
    let stored = t!(
        ctx.texts,
        locale,
        "privacy-stored",
        chat = chat.id.to_string(),
        kind = kind,
        language = language,
        since = format_time(chat.consent_at, locale),
        topics = topics,
        region = region
    );
    Ok(format!("{stored}{plugins}\n{}", crate::privacy::report_footer(ctx, locale, chat.privacy_version)))
}

pub(crate) fn format_time(ms: i64, locale: Locale) -> String {
    let Some(time) = chrono::DateTime::from_timestamp_millis(ms) else {
        return ms.to_string();
    };
    match locale {
        Locale::De => time.format("%d.%m.%Y %H:%M UTC").to_string(),
        Locale::En => time.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// `/privacy`: exactly what is stored about the chat.
pub(crate) async fn privacy_command(call: crate::plugin::Call) -> HandlerResult {
    call.scene.say(privacy_report(&call.scene).await?).await
}

/// `/mydata`: everything stored about the chat, as a file (in a group, for
/// its admins: the gate checked).
pub(crate) async fn my_data_command(call: crate::plugin::Call) -> HandlerResult {
    my_data(&call.scene).await
}

/// Whether a plugin keeps something about the chat.
async fn plugins_keep(scene: &Scene) -> Result<bool, HandlerError> {
    let kept = scene.ctx.registry.personal_data(&scene.basis(), scene.chat.id.0, scene.locale).await?;
    Ok(!kept.is_empty())
}

/// `/stop`: asks before deleting everything.
pub(crate) async fn stop(call: crate::plugin::Call) -> HandlerResult {
    let scene = &call.scene;
    let (ctx, locale) = (&scene.ctx, scene.locale);
    if ctx.storage.chat(scene.chat.id.into()).await?.is_none() && !plugins_keep(scene).await? {
        return scene.say(t!(ctx.texts, locale, "stop-nothing")).await;
    }
    scene.ask(t!(ctx.texts, locale, "stop-confirm"), crate::keyboards::stop_confirmation(ctx, locale)).await
}

/// Yes or no under `/stop`'s question; in a group, for its admins.
pub(crate) async fn stop_press(press: crate::plugin::Press) -> HandlerResult {
    use crate::callback::CallbackData;
    let scene = &press.scene;
    let (ctx, locale, chat) = (&scene.ctx, scene.locale, scene.chat.id);
    let Some(CallbackData::Stop { confirmed }) = CallbackData::parse(&format!("stop:{}", press.data)) else {
        return press.answer(t!(ctx.texts, locale, "button-stale")).await;
    };
    if !press.may_change_chat().await? {
        return Ok(());
    }
    // What plugins keep counts as stored too (a member who only wrote to
    // the organizers' inbox has no chat row).
    let mut plugins_kept = false;
    if confirmed {
        plugins_kept = plugins_keep(scene).await?;
        // The plugins' rows first: if one fails, nothing is gone yet and
        // pressing again deletes everything.
        ctx.registry.forget(&scene.basis(), chat.0).await?;
    }
    let text = if !confirmed {
        t!(ctx.texts, locale, "stop-cancelled")
    } else if ctx.storage.delete_chat_at(chat.into(), ctx.now()).await? || plugins_kept {
        scene.emit(crate::domain::DomainEvent::Left { chat: chat.into() });
        t!(ctx.texts, locale, "stop-done")
    } else {
        t!(ctx.texts, locale, "stop-nothing")
    };
    crate::buttons::ignore_stale_edit(scene.bot.edit_message_text(chat, press.message, text.clone()).await)?;
    press.answer(text).await
}
