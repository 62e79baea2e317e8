//! The request `Outbound` returns: the bot's own request, sent once the
//! scheduler allows it and again after a 429.

use std::future::IntoFuture;
use std::sync::Arc;

use futures::future::BoxFuture;
use teloxide::RequestError;
use teloxide::requests::{HasPayload, Output, Request};

use crate::Outbound;
use crate::scheduler::{ChatKey, Refusal};

/// Why a request failed without reaching Telegram: the scheduler could not
/// give it a permit in time (counted in `/metrics`, logged once per burst).
#[derive(Debug, thiserror::Error)]
#[error("not sent: Telegram's limits left no room for it within its deadline")]
pub struct Dropped;

/// Whether `error` is a [`Dropped`] send (the scheduler has logged it).
pub fn is_dropped(error: &RequestError) -> bool {
    match error {
        RequestError::Io(io) => io.get_ref().is_some_and(|inner| inner.is::<Dropped>()),
        _ => false,
    }
}

fn dropped() -> RequestError {
    RequestError::Io(Arc::new(std::io::Error::new(std::io::ErrorKind::TimedOut, Dropped)))
}

/// A request of [`Outbound`]: message-creating ones carry their chat (for
/// the limits) and how to mark them as paid.
#[must_use = "Requests are lazy and do nothing unless sent"]
pub struct Paced<R: HasPayload> {
    request: R,
    outbound: Outbound,
    chat: Option<fn(&R::Payload) -> ChatKey>,
    mark_paid: Option<fn(&mut R::Payload)>,
}

impl<R: HasPayload + Clone> Clone for Paced<R> {
    fn clone(&self) -> Self {
        Paced {
            request: self.request.clone(),
            outbound: self.outbound.clone(),
            chat: self.chat,
            mark_paid: self.mark_paid,
        }
    }
}

impl<R: HasPayload> Paced<R> {
    pub(crate) fn message(
        request: R,
        outbound: Outbound,
        chat: fn(&R::Payload) -> ChatKey,
        mark_paid: Option<fn(&mut R::Payload)>,
    ) -> Paced<R> {
        Paced { request, outbound, chat: Some(chat), mark_paid }
    }

    pub(crate) fn other(request: R, outbound: Outbound) -> Paced<R> {
        Paced { request, outbound, chat: None, mark_paid: None }
    }
}

impl<R: HasPayload> HasPayload for Paced<R> {
    type Payload = R::Payload;

    fn payload_mut(&mut self) -> &mut Self::Payload {
        self.request.payload_mut()
    }

    fn payload_ref(&self) -> &Self::Payload {
        self.request.payload_ref()
    }
}

async fn send<R>(mut paced: Paced<R>) -> Result<Output<R>, RequestError>
where
    R: Request<Err = RequestError>,
{
    let scheduler = paced.outbound.scheduler().clone();
    let priority = paced.outbound.priority();
    let mut retry = false;
    loop {
        match paced.chat {
            Some(chat) => {
                let key = chat(paced.request.payload_ref());
                match scheduler.acquire_again(key, priority, retry).await {
                    Ok(grant) => {
                        if grant.paid
                            && let Some(mark) = paced.mark_paid
                        {
                            mark(paced.request.payload_mut());
                        }
                    }
                    // Replies are never refused for their chat; a closed
                    // scheduler means the application is stopping.
                    Err(Refusal::Dropped | Refusal::ChatLimited(_) | Refusal::Closed) => return Err(dropped()),
                }
            }
            None => scheduler.until_unpaused().await,
        }
        match paced.request.send_ref().await {
            Err(RequestError::RetryAfter(wait)) => {
                tracing::debug!(retry_after = wait.seconds(), "Telegram asked to slow down; everyone pauses");
                scheduler.pause_for(wait.duration());
                retry = true;
            }
            other => return other,
        }
    }
}

impl<R> Request for Paced<R>
where
    R: Request<Err = RequestError> + Clone + Send + Sync + 'static,
    R::Payload: Send + Sync,
    Output<R>: Send,
{
    type Err = RequestError;
    type Send = BoxFuture<'static, Result<Output<R>, RequestError>>;
    type SendRef = BoxFuture<'static, Result<Output<R>, RequestError>>;

    fn send(self) -> Self::Send {
        Box::pin(send(self))
    }

    fn send_ref(&self) -> Self::SendRef {
        Box::pin(send(self.clone()))
    }
}

impl<R> IntoFuture for Paced<R>
where
    R: Request<Err = RequestError> + Clone + Send + Sync + 'static,
    R::Payload: Send + Sync,
    Output<R>: Send,
{
    type Output = Result<Output<R>, RequestError>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        self.send()
    }
}
