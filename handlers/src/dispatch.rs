//! How a message finds its handler. The registry of commands compiles into
//! a dptree tree: a branch per command, and in front of each handler the
//! gate as filters (the place, then the role, looked up when the command
//! arrives). A refusal is a typed value ([`Refusal`]) rendered in the
//! asker's language. Messages that are not commands go to the plugins'
//! readers ([`crate::plugin::Extensions::on_input`]) in order, then to the
//! hint that a command is expected.
//!
//! ```text
//! message ─┬─ command for us ── chat loaded ─┬─ /start ─ place? ─ role? ─┬─ refused: say why
//!          │                                  │                          └─ handler
//!          │                                  ├─ /topics …
//!          │                                  └─ unknown: say so (private or addressed)
//!          ├─ command for another bot: ignored
//!          └─ not a command ── readers in plugin order ── hint (private chats)
//! ```

use std::sync::Arc;

use teloxide::dispatching::UpdateFilterExt;
use teloxide::prelude::*;
use teloxide::types::Me;

use crate::command::CommandText;
use crate::plugin::{Basis, Call, Input};
use crate::registry::{Access, Entry, Refusal, gate};
use crate::scene::Scene;
use crate::{Ctx, Handler, HandlerError, HandlerResult, Outbound, Registry, t};

/// A command addressed to this bot (or to no bot in particular).
#[derive(Clone, Debug)]
pub(crate) struct Typed {
    /// Lower-cased, without the slash.
    name: String,
    /// Everything after the name, trimmed.
    args: String,
    /// `/name@ourbot`: meant for us even in a group.
    addressed: bool,
}

/// What a message is, for this bot.
#[derive(Clone, Debug)]
enum Kind {
    /// A command for us.
    Command(Typed),
    /// A command for another bot in the same group.
    Elsewhere,
    /// Not a command.
    Chatter,
}

fn classify(msg: &Message, me: &Me) -> Kind {
    match msg.text().and_then(CommandText::split) {
        Some(c) if !c.is_for(me.username()) => Kind::Elsewhere,
        Some(c) => Kind::Command(Typed { name: c.name, args: c.args.to_owned(), addressed: c.mention.is_some() }),
        None => Kind::Chatter,
    }
}

/// The chat the message is about, loaded once for every branch after it.
#[derive(Clone)]
struct Loaded(Result<Arc<Scene>, Arc<HandlerError>>);

/// The gate's decision for one command.
#[derive(Clone)]
struct Gated(Result<Access, Arc<HandlerError>>);

/// The role the gate let through.
#[derive(Clone)]
struct Granted(Option<crate::Role>);

/// Every message: commands through the compiled registry, the rest to the
/// plugins' readers. Channel posts are not for the bot.
pub(crate) fn messages(registry: &Registry) -> Handler {
    Update::filter_message()
        .filter(|msg: Message| !msg.chat.is_channel())
        .map(|msg: Message, me: Me| classify(&msg, &me))
        .branch(
            dptree::filter_map(|kind: Kind| match kind {
                Kind::Command(typed) => Some(typed),
                _ => None,
            })
            .chain(commands(registry)),
        )
        .branch(dptree::filter(|kind: Kind| matches!(kind, Kind::Chatter)).endpoint(read_input))
}

/// The registry as a tree: one branch per command, the gate in front of
/// its handler; a command no branch takes is unknown.
fn commands(registry: &Registry) -> Handler {
    let mut tree = dptree::map_async(|bot: Outbound, ctx: Ctx, msg: Message| async move {
        let scene = Scene::new(bot, ctx, &msg.chat, msg.from.as_ref()).await;
        Loaded(scene.map(Arc::new).map_err(Arc::new))
    })
    .branch(dptree::filter_map(|loaded: Loaded| loaded.0.err()).endpoint(failed_before))
    .filter_map(|loaded: Loaded| loaded.0.ok());
    for entry in registry.commands.entries() {
        tree = tree.branch(command(entry.clone()));
    }
    tree.endpoint(|scene: Arc<Scene>, typed: Typed| async move {
        if scene.chat.is_private() || typed.addressed {
            scene.say(t!(scene.ctx.texts, scene.locale, "unknown-command")).await?;
        }
        Ok(())
    })
}

/// One command's branch: its names, the gate, its handler.
fn command(entry: Entry) -> Handler {
    let names = entry.declaration.clone();
    let gated = entry.declaration.clone();
    let refused = entry.declaration.clone();
    dptree::filter(move |typed: Typed| names.answers_to(&typed.name))
        .map_async(move |scene: Arc<Scene>, msg: Message| {
            let declaration = gated.clone();
            async move { Gated(gate(&scene, &declaration, &msg).await.map_err(Arc::new)) }
        })
        .branch(dptree::filter_map(|gated: Gated| gated.0.err()).endpoint(failed_before))
        .branch(
            dptree::filter_map(|gated: Gated| match gated.0 {
                Ok(Access::Refused(refusal)) => Some(refusal),
                _ => None,
            })
            .endpoint(move |scene: Arc<Scene>, refusal: Refusal| {
                let text = refusal.text(&refused, &scene.ctx.texts, scene.locale);
                async move { scene.say(text).await }
            }),
        )
        .filter_map(|gated: Gated| match gated.0 {
            Ok(Access::Granted(role)) => Some(Granted(role)),
            _ => None,
        })
        .endpoint(
            move |bot: Outbound, ctx: Ctx, scene: Arc<Scene>, msg: Message, me: Me, typed: Typed, granted: Granted| {
                let call = Call {
                    basis: Basis::new(bot, ctx),
                    chat: scene.chat.id,
                    user: msg.from.as_ref().map(|u| u.id),
                    locale: scene.locale,
                    args: typed.args,
                    message: msg,
                    role: granted.0,
                    declaration: entry.declaration.clone(),
                    me,
                    scene: scene.clone(),
                };
                let run = (entry.handler)(call);
                async move { apologise_on_failure(&scene, run.await).await }
            },
        )
}

/// A message that is not a command: the plugins' readers in order (a
/// guided post's content, an assembly's answers, …), else a hint in
/// private chats. In groups the bot hears only what a reader takes.
async fn read_input(bot: Outbound, ctx: Ctx, msg: Message) -> HandlerResult {
    let private = msg.chat.is_private();
    if !private && ctx.registry.inputs().is_empty() {
        return Ok(());
    }
    let scene = Arc::new(match private {
        true => Scene::new(bot.clone(), ctx.clone(), &msg.chat, msg.from.as_ref()).await?,
        // Group chatter is not an interaction with the bot: no notice.
        false => Scene::quiet(bot.clone(), ctx.clone(), &msg.chat, msg.from.as_ref()).await?,
    });
    let input = Input {
        basis: Basis::new(bot, ctx.clone()),
        chat: msg.chat.id,
        user: msg.from.as_ref().map(|u| u.id),
        locale: scene.locale,
        message: msg,
        scene: scene.clone(),
        role: Arc::default(),
    };
    let outcome = async {
        for reader in ctx.registry.inputs() {
            if reader(input.clone()).await? {
                return Ok(());
            }
        }
        if !private {
            return Ok(());
        }
        // An organizer's message on its own: say how it becomes a post.
        let hint = match input.role().await? {
            Some(_) => "organizer-input-hint",
            None => "not-a-command",
        };
        scene.say(ctx.texts.get(scene.locale).get(hint)).await
    }
    .await;
    apologise_on_failure(&scene, outcome).await
}

/// The error handler logs the cause; the member learns it failed. A reply
/// the outbound path dropped is not followed by an apology: it would find
/// no more room than the reply did.
async fn apologise_on_failure(scene: &Scene, outcome: HandlerResult) -> HandlerResult {
    if let Err(error) = &outcome
        && !error.is_dropped_send()
    {
        let _ = scene.say(t!(scene.ctx.texts, scene.locale, "error-generic")).await;
    }
    outcome
}

/// A step in front of the handler failed (the database, mostly).
async fn failed_before(error: Arc<HandlerError>, msg: Message, bot: Outbound, ctx: Ctx) -> HandlerResult {
    if !error.is_dropped_send() {
        let locale = crate::Locale::from_telegram(msg.from.as_ref().and_then(|u| u.language_code.as_deref()));
        let _ = bot.send_message(msg.chat.id, t!(ctx.texts, locale, "error-generic")).await;
    }
    Err(HandlerError::Earlier(error))
}
