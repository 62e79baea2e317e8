//! The inbox's worker: copies what waits in the relay queue, members'
//! messages into the inbox group and organizers' answers back to the
//! members, with copyMessage (media and formatting travel by id).
//!
//! - **One outbound path.** Every copy goes through the bot's scheduler as
//!   a background message: it waits behind every reply to a member, and
//!   the group's limit (20 a minute) holds for the inbox like for any
//!   group. What cannot go yet waits in the database, not in memory.
//! - **One instance.** Only the leading instance relays, so its copies
//!   share the one budget with everything else it sends. When it starts
//!   to lead, whatever an earlier process held goes back to the queue.
//! - **In order.** The queue hands out one relay per conversation and
//!   direction at a time ([`basis_storage::Storage::inbox_claim`]); copies
//!   into the inbox go one after another, answers to different members at
//!   once.
//! - **At least once.** A relay leaves the queue only when its copy is
//!   recorded, under its lease's token. After a crash only copies in flight
//!   can arrive twice.

use std::time::Duration;

use basis_storage::{Case, ClaimedRelay, Copied, Inbox, RELAY_BATCH, RelayDirection};
use teloxide::prelude::*;
use teloxide::types::ReplyParameters;
use teloxide::{ApiError, RequestError};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{label, message_id, thread};
use crate::plugin::Basis;
use crate::{HandlerError, Locale, Outbound, t};

/// How long a worker holds a claimed relay.
const LEASE: Duration = Duration::from_secs(60);
/// A relay not sent this long before its lease ends goes back to the queue.
const LEASE_MARGIN: Duration = Duration::from_secs(15);
/// Copies into the inbox claimed at a time: about the group's burst.
const INTO_INBOX: i64 = 10;
/// How often an idle worker looks at the queue (a relay recorded on
/// another instance wakes nobody here).
const IDLE_POLL: Duration = Duration::from_millis(500);
/// Retries wait twice as long each time, up to this.
const BACKOFF_CAP: Duration = Duration::from_secs(300);
const BACKOFF_BASE: Duration = Duration::from_millis(500);

/// Wakes the workers when a relay was recorded (the plugin's state).
#[derive(Default)]
pub(crate) struct Wake {
    to_inbox: Notify,
    to_member: Notify,
}

impl Wake {
    fn of(&self, direction: RelayDirection) -> &Notify {
        match direction {
            RelayDirection::ToInbox => &self.to_inbox,
            RelayDirection::ToMember => &self.to_member,
        }
    }
}

/// Tells the worker that a relay is waiting.
pub(crate) fn wake(basis: &Basis, direction: RelayDirection) {
    if let Some(wake) = basis.state::<Wake>() {
        wake.of(direction).notify_one();
    }
}

/// Telegram answered that the topic already is as asked.
pub(crate) fn not_modified(error: &RequestError) -> bool {
    matches!(error, RequestError::Api(ApiError::Unknown(text)) if text.contains("TOPIC_NOT_MODIFIED"))
}

/// What became of one relay.
#[derive(Debug)]
enum Step {
    /// Copied.
    Done(Copied),
    /// Try again after this long; `counts` when it was the attempt's fault.
    Retry { after: Duration, counts: bool },
    /// It cannot go: the message is gone, or the member cannot be reached.
    GiveUp,
}

/// The plugin's task: relays while this instance leads, until `stop`.
pub(crate) async fn run(basis: Basis, stop: CancellationToken) {
    let leading = basis.ctx.leading.clone();
    loop {
        tokio::select! {
            _ = leading.until_leading() => {}
            _ = stop.cancelled() => return,
        }
        // What a process before held is ours now: it is gone (the lock of
        // the leadership says so), and its leases would only delay.
        match basis.ctx.storage.inbox_release_all().await {
            Ok(0) => {}
            Ok(released) => tracing::info!(released, "took over inbox relays a previous process had in flight"),
            Err(error) => tracing::warn!(%error, "could not take over inbox relays in flight; their leases run out"),
        }
        tokio::join!(lane(&basis, RelayDirection::ToInbox, &stop), lane(&basis, RelayDirection::ToMember, &stop));
        if stop.is_cancelled() {
            return;
        }
    }
}

/// One direction's worker, while this instance leads.
async fn lane(basis: &Basis, direction: RelayDirection, stop: &CancellationToken) {
    let storage = &basis.ctx.storage;
    let Some(wake) = basis.state::<Wake>() else { return };
    let bot = basis.bot().background();
    let mut leases_checked = basis.now();
    while !stop.is_cancelled() && basis.ctx.leading.is_leading() {
        let now = basis.now();
        let batch = if direction == RelayDirection::ToInbox { INTO_INBOX } else { RELAY_BATCH };
        let claimed = match storage.inbox_claim(direction, batch, now, LEASE.as_millis() as i64).await {
            Ok(claimed) => claimed,
            Err(error) => {
                tracing::warn!(%error, "could not claim inbox relays; trying again");
                pause(Duration::from_secs(1), stop).await;
                continue;
            }
        };
        if claimed.is_empty() {
            if now - leases_checked > LEASE.as_millis() as i64 {
                leases_checked = now;
                if let Err(error) = storage.inbox_expire_leases(now).await {
                    tracing::warn!(%error, "could not return expired inbox relays");
                }
            }
            tokio::select! {
                _ = wake.of(direction).notified() => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
                _ = stop.cancelled() => {}
            }
            continue;
        }
        let lease_ends = now + (LEASE - LEASE_MARGIN).as_millis() as i64;
        match direction {
            // Into one group: one after another.
            RelayDirection::ToInbox => {
                for relay in &claimed {
                    if stop.is_cancelled() || basis.now() > lease_ends {
                        settle(basis, relay, Step::Retry { after: Duration::ZERO, counts: false }).await;
                        continue;
                    }
                    let step = into_inbox(basis, &bot, relay).await;
                    settle(basis, relay, step).await;
                }
            }
            // To different members: at once.
            RelayDirection::ToMember => {
                futures::future::join_all(claimed.iter().map(|relay| async {
                    let step = match stop.is_cancelled() {
                        true => Step::Retry { after: Duration::ZERO, counts: false },
                        false => to_member(basis, &bot, relay).await,
                    };
                    settle(basis, relay, step).await;
                }))
                .await;
            }
        }
    }
}

async fn pause(wait: Duration, stop: &CancellationToken) {
    tokio::select! {
        _ = tokio::time::sleep(wait) => {}
        _ = stop.cancelled() => {}
    }
}

/// Writes a relay's outcome under its lease.
async fn settle(basis: &Basis, relay: &ClaimedRelay, step: Step) {
    let storage = &basis.ctx.storage;
    let now = basis.now();
    let outcome = match step {
        Step::Done(copied) => storage.inbox_relayed(relay, copied, now).await,
        Step::Retry { after, counts } => storage.inbox_retry(relay, now + after.as_millis() as i64, counts).await,
        Step::GiveUp => storage.inbox_give_up(relay).await,
    };
    match outcome {
        Ok(true) => {}
        Ok(false) => tracing::debug!(relay = relay.id, "an inbox relay's lease was lost before it was settled"),
        Err(error) => {
            // The lease runs out and the relay goes again: at least once.
            tracing::warn!(%error, relay = relay.id, "could not record an inbox relay's outcome")
        }
    }
}

fn backoff(attempts: i64) -> Duration {
    let factor = 2u32.saturating_pow(u32::try_from(attempts.clamp(0, 20)).unwrap_or(20));
    BACKOFF_BASE.saturating_mul(factor).min(BACKOFF_CAP)
}

/// Why a request failed, for what follows.
enum Failure {
    /// The outbound path had no room for it in time: not its fault.
    NoRoom,
    /// The group became a supergroup with this id.
    Moved(i64),
    /// The message to copy is gone.
    SourceGone,
    /// The member blocked the bot, or the account is gone.
    Unreachable,
    /// The conversation's topic is gone, or was closed by someone.
    TopicGone,
    TopicClosed,
    /// The message it was to reply to is gone.
    ReplyGone,
    /// Anything else (the group refuses, the network): try again later.
    Other,
}

fn failure(error: &RequestError) -> Failure {
    match error {
        RequestError::Io(_) if basis_outbound::is_dropped(error) => Failure::NoRoom,
        RequestError::MigrateToChatId(to) => Failure::Moved(to.0),
        RequestError::Api(ApiError::MessageToCopyNotFound | ApiError::MessageIdInvalid) => Failure::SourceGone,
        RequestError::Api(
            ApiError::BotBlocked
            | ApiError::UserDeactivated
            | ApiError::CantInitiateConversation
            | ApiError::ChatNotFound,
        ) => Failure::Unreachable,
        RequestError::Api(ApiError::Unknown(text))
            if text.contains("message thread not found")
                || text.contains("TOPIC_ID_INVALID")
                || text.contains("TOPIC_DELETED") =>
        {
            Failure::TopicGone
        }
        RequestError::Api(ApiError::Unknown(text)) if text.contains("TOPIC_CLOSED") => Failure::TopicClosed,
        RequestError::Api(ApiError::MessageToReplyNotFound) => Failure::ReplyGone,
        _ => Failure::Other,
    }
}

/// A failed step into the inbox: what to do with the relay. The relay is
/// never given up for the group's sake: members' messages wait until the
/// inbox takes them (or an owner ends it). `replied` is the message of the
/// group the copy was to reply to.
async fn inbox_failed(
    basis: &Basis,
    relay: &ClaimedRelay,
    inbox: &Inbox,
    replied: Option<i64>,
    error: RequestError,
) -> Step {
    let storage = &basis.ctx.storage;
    let now = basis.now();
    let again = Step::Retry { after: Duration::ZERO, counts: true };
    let recorded = match failure(&error) {
        Failure::NoRoom => return Step::Retry { after: Duration::ZERO, counts: false },
        Failure::SourceGone => return Step::GiveUp,
        Failure::Moved(to) => storage.move_inbox(inbox.chat_id, basis_core::ChatId(to)).await.map(drop),
        Failure::TopicGone => storage.inbox_place_lost(relay.case_no, now).await,
        Failure::TopicClosed => storage.inbox_topic_closed(relay.case_no, true, now).await,
        // An admin deleted the label or the answer replied to: the copy
        // goes under a new label, or under the label.
        Failure::ReplyGone => match replied {
            Some(message) => storage.inbox_message_gone(inbox.chat_id, message, now).await,
            None => Ok(()),
        },
        Failure::Unreachable | Failure::Other => {
            tracing::warn!(error = %error, chat = %inbox.chat_id, "the inbox group refused a relay; trying again later");
            return Step::Retry { after: backoff(relay.attempts), counts: true };
        }
    };
    match recorded {
        Ok(()) => again,
        Err(error) => {
            tracing::warn!(%error, "could not record what the inbox group answered");
            Step::Retry { after: backoff(relay.attempts), counts: true }
        }
    }
}

/// A member's message into the inbox: into their topic (created, or opened
/// again, first) in a forum; as a reply to their conversation's label
/// otherwise.
async fn into_inbox(basis: &Basis, bot: &Outbound, relay: &ClaimedRelay) -> Step {
    match try_into_inbox(basis, bot, relay).await {
        Ok(step) => step,
        Err(error) => {
            tracing::warn!(error = ?error, relay = relay.id, "an inbox relay failed; trying again");
            Step::Retry { after: backoff(relay.attempts), counts: true }
        }
    }
}

async fn try_into_inbox(basis: &Basis, bot: &Outbound, relay: &ClaimedRelay) -> Result<Step, HandlerError> {
    let ctx = &basis.ctx;
    let storage = &ctx.storage;
    let (Some(inbox), Some(case)) = (storage.inbox().await?, storage.inbox_case(relay.case_no).await?) else {
        // The inbox was ended, or the member left: nowhere to go.
        return Ok(Step::GiveUp);
    };
    let group = inbox.chat_id;
    let locale = Locale::parse(&inbox.locale).unwrap_or_default();
    // A member replying to an answer: the copy replies to the organizer's
    // message.
    let replied = match relay.reply_to {
        Some(id) => storage.inbox_counterpart(case.case_no, inbox.chat_id, id).await?,
        None => None,
    };
    let copy = bot.copy_message(group, relay.from_chat_id, message_id(relay.message_id));
    let copy = match inbox.forum {
        true => {
            let topic = match topic(basis, bot, &inbox, &case, locale).await? {
                Ok(topic) => topic,
                Err(error) => return Ok(inbox_failed(basis, relay, &inbox, None, error).await),
            };
            let copy = copy.message_thread_id(thread(topic));
            match replied {
                Some(id) => (copy.reply_parameters(ReplyParameters::new(message_id(id))), replied),
                None => (copy, None),
            }
        }
        false => {
            let header = match header(basis, bot, &inbox, &case, locale).await? {
                Ok(header) => header,
                Err(error) => return Ok(inbox_failed(basis, relay, &inbox, None, error).await),
            };
            // Under its label: organizers see whose it is.
            let to = replied.unwrap_or(header);
            (copy.reply_parameters(ReplyParameters::new(message_id(to))), Some(to))
        }
    };
    let (copy, replied) = copy;
    Ok(match copy.await {
        Ok(copied) => Step::Done(Copied {
            inbox_chat_id: inbox.chat_id,
            inbox_message_id: i64::from(copied.0),
            member_message_id: relay.message_id,
        }),
        Err(error) => inbox_failed(basis, relay, &inbox, replied, error).await,
    })
}

/// The conversation's forum topic in the inbox: created (named with its
/// label) on its first message there, opened again when it was closed.
async fn topic(
    basis: &Basis,
    bot: &Outbound,
    inbox: &Inbox,
    case: &Case,
    locale: Locale,
) -> Result<Result<i64, RequestError>, HandlerError> {
    let storage = &basis.ctx.storage;
    let group = inbox.chat_id;
    if let Some(topic) = case.topic_in(inbox.chat_id) {
        if case.topic_closed {
            match bot.reopen_forum_topic(group, thread(topic)).await {
                Ok(_) => {}
                Err(error) if not_modified(&error) => {}
                Err(error) => return Ok(Err(error)),
            }
            storage.inbox_topic_closed(case.case_no, false, basis.now()).await?;
        }
        return Ok(Ok(topic));
    }
    let name = label(&basis.ctx, locale, case).await?;
    match bot.create_forum_topic(group, name).await {
        Ok(created) => {
            let topic = i64::from(created.thread_id.0.0);
            storage.inbox_topic_opened(case.case_no, inbox.chat_id, topic, basis.now()).await?;
            Ok(Ok(topic))
        }
        Err(error) => Ok(Err(error)),
    }
}

/// The conversation's label in a group without topics: sent with its
/// first message there (and again when the conversation opens anew).
async fn header(
    basis: &Basis,
    bot: &Outbound,
    inbox: &Inbox,
    case: &Case,
    locale: Locale,
) -> Result<Result<i64, RequestError>, HandlerError> {
    if let Some(header) = case.header_in(inbox.chat_id) {
        return Ok(Ok(header));
    }
    let ctx = &basis.ctx;
    let label = label(ctx, locale, case).await?;
    let text = t!(ctx.texts, locale, "inbox-header", label = label);
    match bot.send_message(inbox.chat_id, text).await {
        Ok(sent) => {
            let header = i64::from(sent.id.0);
            ctx.storage.inbox_header_sent(case.case_no, inbox.chat_id, header, basis.now()).await?;
            Ok(Ok(header))
        }
        Err(error) => Ok(Err(error)),
    }
}

/// An organizer's answer to the member: a copy, replying to the member's
/// message it answers; signed with the organizer's first name when the
/// deployment says so.
async fn to_member(basis: &Basis, bot: &Outbound, relay: &ClaimedRelay) -> Step {
    let ctx = &basis.ctx;
    let member = relay.chat_id;
    if let Some(name) = &relay.signer {
        let locale = match ctx.storage.chat(relay.chat_id).await {
            Ok(chat) => chat.and_then(|c| Locale::parse(&c.locale)).unwrap_or_default(),
            Err(_) => Locale::default(),
        };
        let org = ctx.organisation.clone();
        let signed = t!(ctx.texts, locale, "inbox-signed", name = name.clone(), org = org);
        if let Err(error) = bot.send_message(member, signed).await {
            return member_failed(basis, relay, error).await;
        }
    }
    let copy = bot.copy_message(member, relay.from_chat_id, message_id(relay.message_id));
    let copy = match relay.reply_to {
        Some(id) => copy.reply_parameters(ReplyParameters::new(message_id(id)).allow_sending_without_reply()),
        None => copy,
    };
    match copy.await {
        Ok(copied) => Step::Done(Copied {
            inbox_chat_id: relay.from_chat_id,
            inbox_message_id: relay.message_id,
            member_message_id: i64::from(copied.0),
        }),
        Err(error) => member_failed(basis, relay, error).await,
    }
}

async fn member_failed(basis: &Basis, relay: &ClaimedRelay, error: RequestError) -> Step {
    match failure(&error) {
        Failure::NoRoom => Step::Retry { after: Duration::ZERO, counts: false },
        Failure::SourceGone => Step::GiveUp,
        Failure::Unreachable => {
            tell_unreachable(basis, relay).await;
            Step::GiveUp
        }
        _ => {
            tracing::warn!(%error, relay = relay.id, "an answer to a member failed; trying again later");
            Step::Retry { after: backoff(relay.attempts), counts: true }
        }
    }
}

/// Tells the organizers, where the answer was written, that it did not
/// arrive.
async fn tell_unreachable(basis: &Basis, relay: &ClaimedRelay) {
    let ctx = &basis.ctx;
    let told = async {
        let Some(case) = ctx.storage.inbox_case(relay.case_no).await? else { return Ok(()) };
        let locale = ctx.storage.inbox().await?.and_then(|i| Locale::parse(&i.locale)).unwrap_or_default();
        let label = label(ctx, locale, &case).await?;
        let text = t!(ctx.texts, locale, "inbox-unreachable", label = label);
        let group = relay.from_chat_id;
        let request = basis.bot().background().send_message(group, text);
        let request =
            request.reply_parameters(ReplyParameters::new(message_id(relay.message_id)).allow_sending_without_reply());
        match case.topic_in(relay.from_chat_id) {
            Some(topic) => request.message_thread_id(thread(topic)).await?,
            None => request.await?,
        };
        Ok::<_, HandlerError>(())
    };
    if let Err(error) = told.await {
        tracing::warn!(error = ?error, "could not tell the inbox that a member cannot be reached");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_twice_as_long_each_time_up_to_five_minutes() {
        assert_eq!(backoff(0), Duration::from_millis(500));
        assert_eq!(backoff(3), Duration::from_secs(4));
        assert_eq!(backoff(12), BACKOFF_CAP);
        assert_eq!(backoff(i64::MAX), BACKOFF_CAP);
    }
}
