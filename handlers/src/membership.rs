//! `my_chat_member`: Telegram tells the bot when a member blocks or unblocks
//! it, or a group adds or removes it, before any send fails. Later posts skip
//! chats that are not active.

use basis_storage::{ChatKind, ChatStatus};
use teloxide::types::{ChatMemberKind, ChatMemberUpdated};

use crate::scene::chat_kind;
use crate::{Ctx, HandlerResult, Locale};

pub(crate) async fn on_my_chat_member(ctx: Ctx, update: ChatMemberUpdated) -> HandlerResult {
    let now = ctx.now();
    let chat_id = update.chat.id.0;
    let kind = chat_kind(&update.chat);
    let present = match &update.new_chat_member.kind {
        ChatMemberKind::Owner(_) | ChatMemberKind::Administrator(_) | ChatMemberKind::Member { .. } => true,
        ChatMemberKind::Restricted(r) => r.is_member,
        ChatMemberKind::Left | ChatMemberKind::Banned(_) => false,
    };
    let status = match (present, kind) {
        (true, _) => ChatStatus::Active,
        (false, ChatKind::Private) => ChatStatus::Blocked,
        (false, _) => ChatStatus::Left,
    };
    let changed = ctx.storage.set_status(basis_core::ChatId(chat_id), status, now).await?;
    // A group that adds the bot is remembered so an admin can pick its topics;
    // a private chat is only stored once its member chooses something.
    if present && kind != ChatKind::Private && ctx.storage.chat(basis_core::ChatId(chat_id)).await?.is_none() {
        let locale = Locale::from_telegram(update.from.language_code.as_deref());
        ctx.storage.ensure_chat(basis_core::ChatId(chat_id), kind, locale.code(), now).await?;
    }
    tracing::info!(chat_kind = kind.as_str(), %status, changed, "bot membership changed");
    Ok(())
}
