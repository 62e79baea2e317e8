//! The chat an update is about: who is writing, in which language, whether
//! the chat is stored, and how to answer it. Every handler that talks to a
//! member or an organizer works on a `Scene`; it has a module of its own so
//! that the member, organizer, event and statistics modules all depend on
//! it instead of on each other.

use basis_storage::ChatKind;
use teloxide::prelude::*;
use teloxide::types::{Chat, InlineKeyboardMarkup, User};

use crate::topics::CatalogTopic;
use crate::{Ctx, HandlerError, HandlerResult, Locale, Outbound, keyboards, t};

/// Longest piece of member input echoed back in an answer.
const ECHO_LIMIT: usize = 64;

pub(crate) fn chat_kind(chat: &Chat) -> ChatKind {
    if chat.is_private() {
        ChatKind::Private
    } else if chat.is_supergroup() {
        ChatKind::Supergroup
    } else if chat.is_group() {
        ChatKind::Group
    } else {
        ChatKind::Channel
    }
}

/// The chat an update is about, with what is known of it.
pub(crate) struct Scene {
    pub(crate) bot: Outbound,
    pub(crate) ctx: Ctx,
    pub(crate) chat: Chat,
    pub(crate) kind: ChatKind,
    /// Stored language, else the one the member's app uses.
    pub(crate) locale: Locale,
    /// Whether the chat has a stored row already.
    pub(crate) stored: bool,
    /// The privacy notice's version the chat saw, if it is stored.
    seen_notice: Option<i64>,
}

impl Scene {
    pub(crate) async fn new(bot: Outbound, ctx: Ctx, chat: &Chat, user: Option<&User>) -> Result<Scene, HandlerError> {
        let scene = Scene::quiet(bot, ctx, chat, user).await?;
        // A changed privacy notice comes before the answer, once.
        if let Some(seen) = scene.seen_notice {
            crate::privacy::notice_if_newer(&scene, seen).await?;
        }
        Ok(scene)
    }

    /// The scene without showing a changed privacy notice: for messages
    /// that are not an interaction with the bot (chatter in a group).
    pub(crate) async fn quiet(
        bot: Outbound,
        ctx: Ctx,
        chat: &Chat,
        user: Option<&User>,
    ) -> Result<Scene, HandlerError> {
        let stored = ctx.storage.chat(chat.id.into()).await?;
        let locale = stored
            .as_ref()
            .and_then(|c| Locale::parse(&c.locale))
            .unwrap_or_else(|| Locale::from_telegram(user.and_then(|u| u.language_code.as_deref())));
        let seen_notice = stored.as_ref().map(|c| c.privacy_version);
        let stored = seen_notice.is_some();
        Ok(Scene { bot, ctx, kind: chat_kind(chat), chat: chat.clone(), locale, stored, seen_notice })
    }

    /// The bot and its context as plugins see them.
    pub(crate) fn basis(&self) -> crate::plugin::Basis {
        crate::plugin::Basis::new(self.bot.clone(), self.ctx.clone())
    }

    /// Tells the plugins' listeners; the cause is committed already.
    pub(crate) fn emit(&self, event: crate::domain::DomainEvent) {
        if !self.ctx.registry.listeners().is_empty() {
            crate::plugin::Basis::new(self.bot.clone(), self.ctx.clone()).emit(event);
        }
    }

    pub(crate) async fn say(&self, text: String) -> HandlerResult {
        self.bot.send_message(self.chat.id, text).await?;
        Ok(())
    }

    pub(crate) async fn ask(&self, text: String, keyboard: InlineKeyboardMarkup) -> HandlerResult {
        self.bot.send_message(self.chat.id, text).reply_markup(keyboard).await?;
        Ok(())
    }

    pub(crate) async fn subscribed(&self) -> Result<Vec<String>, HandlerError> {
        Ok(self.ctx.storage.subscriptions(self.chat.id.into()).await?)
    }

    pub(crate) async fn send_topics(&self, intro: String) -> HandlerResult {
        let keyboard = keyboards::topics(&self.ctx, self.locale, &self.subscribed().await?);
        self.ask(intro, keyboard).await
    }

    /// The chat's row as its first choice stores it.
    pub(crate) fn new_chat(&self) -> basis_storage::NewChat<'static> {
        basis_storage::NewChat {
            id: self.chat.id.into(),
            kind: self.kind,
            locale: self.locale.code(),
            privacy_version: self.ctx.privacy_version,
        }
    }

    /// Creates the chat's row: the member has made a choice.
    pub(crate) async fn remember(&self) -> HandlerResult {
        if !self.stored {
            self.ctx.storage.ensure_chat(self.chat.id.into(), self.kind, self.locale.code(), self.ctx.now()).await?;
            crate::privacy::agreed(self).await?;
        }
        Ok(())
    }

    /// In groups only admins change what the group receives, checked with
    /// getChatMember at the moment they act.
    pub(crate) async fn permission(&self, user: Option<&User>, sender_chat: Option<&Chat>) -> Permission {
        if self.kind == ChatKind::Private {
            return Permission::Allowed;
        }
        // An anonymous admin posts as the group itself.
        if sender_chat.is_some_and(|c| c.id == self.chat.id) {
            return Permission::Allowed;
        }
        let Some(user) = user else {
            return Permission::Denied;
        };
        match self.bot.get_chat_member(self.chat.id, user.id).await {
            Ok(member) if member.is_privileged() => Permission::Allowed,
            Ok(_) => Permission::Denied,
            Err(error) => {
                tracing::warn!(%error, "admin check failed");
                Permission::Unknown
            }
        }
    }

    pub(crate) fn refusal(&self, permission: Permission) -> Option<String> {
        match permission {
            Permission::Allowed => None,
            Permission::Denied => Some(t!(self.ctx.texts, self.locale, "group-admins-only")),
            Permission::Unknown => Some(t!(self.ctx.texts, self.locale, "group-check-failed")),
        }
    }

    pub(crate) fn find_topic(&self, input: &str) -> Result<&CatalogTopic, String> {
        let ctx = &self.ctx;
        let topics = ctx.topics.listing(self.locale);
        if input.is_empty() {
            let example =
                ctx.topics.all().first().map(|t| format!("/subscribe {}", t.key.as_str())).unwrap_or_default();
            return Err(t!(ctx.texts, self.locale, "topic-missing", example = example, topics = topics));
        }
        ctx.topics.find(input).ok_or_else(|| {
            let input: String = input.chars().take(ECHO_LIMIT).collect();
            t!(ctx.texts, self.locale, "topic-unknown", input = input, topics = topics)
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Permission {
    Allowed,
    Denied,
    /// Telegram could not tell us; act as denied but say why.
    Unknown,
}
