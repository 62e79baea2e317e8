//! One bad update must not stop the bot. A panic inside a teloxide handler
//! kills that chat's worker, and the chat's next update then brings the whole
//! process down (teloxide issue #1435). This entry handler runs the rest of
//! the tree under `catch_unwind`, logs the panic and apologises to the chat.

use std::ops::ControlFlow;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use dptree::di::DependencyMap;
use dptree::{Cont, HandlerDescription, HandlerSignature, from_fn_with_description};
use futures::FutureExt;
use teloxide::dispatching::DpHandlerDescription;
use teloxide::prelude::*;

use crate::{Ctx, Handler, HandlerResult, Locale, Outbound, t};

pub(crate) fn panic_guard() -> Handler {
    from_fn_with_description(
        DpHandlerDescription::entry(),
        |deps: DependencyMap, cont: Cont<'static, HandlerResult>| async move {
            let update: Option<Arc<Update>> = deps.try_get();
            let bot: Option<Arc<Outbound>> = deps.try_get();
            let ctx: Option<Arc<Ctx>> = deps.try_get();
            #[cfg(feature = "testing")]
            let probe = ctx.as_ref().and_then(|c| c.probe.clone()).zip(update.clone());
            let guarded = async move {
                // Tests make a handler fail here; production builds have no probe.
                #[cfg(feature = "testing")]
                if let Some((probe, update)) = probe {
                    probe(&update);
                }
                cont(deps).await
            };
            // Its replies take their turn by the update's arrival.
            let order = update.as_ref().map_or(0, |u| u64::from(u.id.0));
            match AssertUnwindSafe(basis_outbound::answering(order, guarded)).catch_unwind().await {
                Ok(flow) => flow,
                Err(panic) => {
                    let reason = panic
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    let update_id = update.as_ref().map(|u| u.id.0);
                    tracing::error!(update_id, reason, "handler panicked; the bot carries on");
                    if let (Some(update), Some(bot), Some(ctx)) = (update, bot, ctx) {
                        apologise(&bot, &ctx, &update).await;
                    }
                    ControlFlow::Break(Ok(()))
                }
            }
        },
        HandlerSignature::Entry,
    )
}

async fn apologise(bot: &Outbound, ctx: &Ctx, update: &Update) {
    let Some(chat) = update.chat() else { return };
    let locale = Locale::from_telegram(update.from().and_then(|u| u.language_code.as_deref()));
    if let Err(error) = bot.send_message(chat.id, t!(ctx.texts, locale, "error-generic")).await {
        tracing::warn!(%error, "could not apologise after a panic");
    }
}
