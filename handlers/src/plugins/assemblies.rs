//! The assemblies plugin: `/event` (and its guided questions), `/events`,
//! `/eventchange`, `/eventcancel`, and the buttons under invitations.

use super::posting::for_organizers;
use crate::callback::CallbackData;
use crate::events;
use crate::plugin::{Call, Extensions, Input, Plugin, Press};
use crate::{HandlerError, HandlerResult, t};

pub(crate) struct Assemblies;

impl Plugin for Assemblies {
    fn name(&self) -> &'static str {
        super::ASSEMBLIES
    }

    fn build(&self, app: &mut Extensions) {
        app.command(
            for_organizers("event", "cmd-event").aliases(&["termin"]).usage("usage-event"),
            |call: Call| async move { events::create(&call.scene, call.role()?, &call.message, &call.args).await },
        )
        .command(for_organizers("events", "cmd-events").aliases(&["termine"]), |call: Call| async move {
            events::list(&call.scene, call.role()?).await
        })
        .command(
            for_organizers("eventchange", "cmd-eventchange").aliases(&["terminaendern"]).usage("usage-eventchange"),
            |call: Call| async move { events::change(&call.scene, call.role()?, &call.message, &call.args).await },
        )
        .command(
            for_organizers("eventcancel", "cmd-eventcancel").aliases(&["terminabsagen"]).usage("usage-id"),
            |call: Call| async move { events::cancel(&call.scene, call.role()?, &call.message, &call.args).await },
        )
        .callbacks("ev", press)
        .on_input(|input: Input| async move { answer(input).await });
    }
}

/// A button under an event: a member's answer counts for the chat (in a
/// group, its admins answer); the calendar file, the map and the
/// organizer's Send / Discard have rules of their own.
async fn press(press: Press) -> HandlerResult {
    let scene = &press.scene;
    let Some(CallbackData::Event { event, action }) = CallbackData::parse(&format!("ev:{}", press.data)) else {
        return press.answer(t!(scene.ctx.texts, press.locale, "button-stale")).await;
    };
    if action.answer().is_none() {
        let toast = events::press(scene, &press.from, press.message, event, action).await?;
        return press.toast(toast).await;
    }
    if !press.may_change_chat().await? {
        return Ok(());
    }
    let toast = events::answer(scene, press.message, event, action).await?;
    press.answer(toast).await
}

/// The guided `/event`'s answers, from the organizer who asked.
async fn answer(input: Input) -> Result<bool, HandlerError> {
    let Some(from) = input.message.from.as_ref().filter(|_| input.scene.chat.is_private()) else {
        return Ok(false);
    };
    let Some(role) = input.role().await? else { return Ok(false) };
    events::input(&input.scene, &input.message, from, &role).await
}
