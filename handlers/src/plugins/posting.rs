//! The posting plugin: `/post` (with its guided form, its region step where
//! regions are configured, and the preview's buttons) and `/scheduled`.

use crate::callback::CallbackData;
use crate::organizer;
use crate::plugin::{Call, Extensions, Input, Plugin, Press};
use crate::registry::{Audience, Declaration};
use crate::{HandlerError, HandlerResult, t};

pub(crate) struct Posting;

/// Organizers' commands; who is not one is told "Only organizers may post."
pub(crate) const fn for_organizers(name: &'static str, about: &'static str) -> Declaration {
    Declaration::new(name, about).for_audience(Audience::Organizer).denied("post-not-allowed")
}

impl Plugin for Posting {
    fn name(&self) -> &'static str {
        super::POSTING
    }

    fn build(&self, app: &mut Extensions) {
        app.command(for_organizers("post", "cmd-post").usage("usage-post"), |call: Call| async move {
            organizer::post(&call.scene, call.role()?, &call.message, &call.args).await
        })
        .command(for_organizers("scheduled", "cmd-scheduled").aliases(&["geplant"]), |call: Call| async move {
            organizer::scheduled(&call.scene, call.role()?, call.message.from.as_ref()).await
        })
        .callbacks("p", decide)
        .callbacks("g", compose)
        .callbacks("gn", compose)
        .callbacks("gr", compose_regions)
        .on_input(|input: Input| async move { content(input).await });
    }
}

/// Send, Urgent, Schedule, Cancel, Submit, Approve or Reject under a
/// preview; the presser's rights are checked now.
async fn decide(press: Press) -> HandlerResult {
    match CallbackData::parse(&format!("p:{}", press.data)) {
        Some(CallbackData::Post { draft, action }) => {
            let toast = organizer::decide(&press.scene, &press.from, press.message, draft, action).await?;
            press.toast(toast).await
        }
        _ => press.answer(t!(press.scene.ctx.texts, press.locale, "button-stale")).await,
    }
}

/// A topic of the guided `/post`, or on to the content.
async fn compose(press: Press) -> HandlerResult {
    // `g:<draft>:<topic>` and `gn:<draft>` share the handler.
    let data = match press.data.contains(':') {
        true => format!("g:{}", press.data),
        false => format!("gn:{}", press.data),
    };
    match CallbackData::parse(&data) {
        Some(CallbackData::Compose { draft, topic }) => {
            let toast = crate::guided::compose(&press.scene, &press.from, press.message, draft, topic).await?;
            press.toast(toast).await
        }
        _ => press.answer(t!(press.scene.ctx.texts, press.locale, "button-stale")).await,
    }
}

/// The regions of the guided `/post`, or on to the content.
async fn compose_regions(press: Press) -> HandlerResult {
    match CallbackData::parse(&format!("gr:{}", press.data)) {
        Some(CallbackData::ComposeRegion { draft, press: choice }) => {
            let toast = crate::guided::compose_region(&press.scene, &press.from, press.message, draft, choice).await?;
            press.toast(toast).await
        }
        _ => press.answer(t!(press.scene.ctx.texts, press.locale, "button-stale")).await,
    }
}

/// A guided post's content, or the time of a scheduled one.
async fn content(input: Input) -> Result<bool, HandlerError> {
    if !input.scene.chat.is_private() {
        return Ok(false);
    }
    // Members' chatter costs one lookup: drafts are looked for only once
    // the rights are known (checked again, they may be gone since the draft
    // began).
    let Some(role) = input.role().await? else { return Ok(false) };
    organizer::input(&input.scene, &input.message, &role).await
}
