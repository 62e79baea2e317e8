//! The inbox plugin: members write back. `/inbox` (owners) makes a group
//! the organizers' inbox; members' messages are relayed there and
//! organizers' answers back (the readers and the worker); `/mute` and
//! `/close` (organizers) act on a conversation. What it keeps about a
//! member shows in `/mydata` and `/privacy`, and `/stop` deletes it.

use serde_json::json;

use crate::inbox::{self, Switch, relay};
use crate::plugin::{Basis, Extensions, PersonalData, Plugin};
use crate::registry::{Audience, Declaration};
use crate::{HandlerError, Locale, t};

pub(crate) struct Inbox;

impl Plugin for Inbox {
    fn name(&self) -> &'static str {
        super::INBOX
    }

    fn build(&self, app: &mut Extensions) {
        app.state(relay::Wake::default())
            .command_with(
                Declaration::new("inbox", "cmd-inbox").usage("usage-inbox").for_audience(Audience::Owner).in_groups(),
                |call, switch: Switch| inbox::inbox_command(call, switch),
            )
            .command_with(
                Declaration::new("mute", "cmd-mute")
                    .aliases(&["stumm"])
                    .usage("usage-mute")
                    .for_audience(Audience::Organizer)
                    .in_groups(),
                |call, switch: Switch| inbox::mute_command(call, switch),
            )
            .command(
                Declaration::new("close", "cmd-close")
                    .aliases(&["schliessen"])
                    .for_audience(Audience::Organizer)
                    .in_groups(),
                inbox::close_command,
            )
            // After posting's and assemblies' readers: an organizer's
            // message in their private chat may be a guided post's content.
            .on_input(inbox::read)
            .task(relay::run)
            .personal_data(personal_data)
            .forget(|basis: Basis, chat: i64| async move {
                basis.ctx.storage.forget_inbox_chat(basis_core::ChatId(chat)).await?;
                Ok(())
            });
    }
}

/// That a conversation exists: its case number and times, how many
/// messages are matched, never a text.
async fn personal_data(basis: Basis, chat: i64, locale: Locale) -> Result<Option<PersonalData>, HandlerError> {
    let ctx = &basis.ctx;
    let Some(data) = ctx.storage.inbox_data(basis_core::ChatId(chat)).await? else { return Ok(None) };
    let case = &data.case;
    let iso = crate::privacy::iso;
    let value = json!({
        "case": case.case_no,
        "opened_at": iso(case.opened_at),
        "first_answer_at": case.answered_at.map(iso),
        "closed_at": case.closed_at.map(iso),
        "muted_at": case.muted_at.map(iso),
        "messages_matched": data.messages,
        "messages_waiting": data.waiting,
        "stored": "message numbers and times only; the texts are not stored, and the copies in the organizers' inbox group stay there",
    });
    let since = crate::privacy::format_time(case.opened_at, locale);
    let org = ctx.organisation.clone();
    let summary = t!(
        ctx.texts,
        locale,
        "inbox-data",
        case = case.case_no.to_string(),
        since = since,
        messages = data.messages.to_string(),
        org = org
    );
    Ok(Some(PersonalData { key: "inbox", value, summary }))
}
