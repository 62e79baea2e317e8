//! The bot's and members' administrator rights through the real teloxide
//! client: what getChatMember reports for each kind of chat, promotions by
//! test helpers and by promoteChatMember, and the `my_chat_member` update.

mod common;

use basis_telegram_fake::{AdminRights, FakeTelegram};
use common::{assert_answers_conform, bot};
use teloxide::{
    prelude::*,
    types::{ChatMemberKind, UpdateKind},
};

#[tokio::test]
async fn the_bot_made_administrator_reports_its_rights_and_hears_of_it() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", None);
    let group = tg.supergroup(-100_501, "Members");
    tg.set_member_status(group.id, anna.id, "creator");
    let b = bot(&tg);
    let me = UserId(tg.bot_user_id() as u64);
    let before = b.get_chat_member(ChatId(group.id), me).await.expect("getChatMember");
    assert!(matches!(before.kind, ChatMemberKind::Member(_)));

    tg.bot_promoted(&group, &anna, AdminRights::topic_manager());
    let updates = b.get_updates().await.expect("getUpdates");
    let UpdateKind::MyChatMember(u) = &updates[0].kind else { panic!("my_chat_member") };
    assert!(matches!(u.old_chat_member.kind, ChatMemberKind::Member(_)));
    let ChatMemberKind::Administrator(rights) = &u.new_chat_member.kind else { panic!("administrator") };
    assert!(rights.can_manage_topics);
    assert!(!rights.can_promote_members);
    let now = b.get_chat_member(ChatId(group.id), me).await.expect("getChatMember");
    let ChatMemberKind::Administrator(rights) = &now.kind else { panic!("administrator") };
    assert!(rights.can_manage_topics && rights.can_pin_messages);

    // Rights given with promoteChatMember are the ones reported.
    let ben = tg.user(1002, "Ben", None);
    tg.make_bot_admin(group.id, AdminRights::all());
    b.promote_chat_member(ChatId(group.id), UserId(1002)).can_manage_topics(true).await.expect("promote");
    let promoted = b.get_chat_member(ChatId(group.id), UserId(ben.id as u64)).await.expect("getChatMember");
    let ChatMemberKind::Administrator(rights) = &promoted.kind else { panic!("administrator") };
    assert!(rights.can_manage_topics && !rights.can_delete_messages);
    assert_answers_conform(&tg);
}

#[tokio::test]
async fn administrator_objects_carry_the_rights_of_their_kind_of_chat() {
    let tg = FakeTelegram::start().await;
    let b = bot(&tg);
    let me = UserId(tg.bot_user_id() as u64);
    for (chat, has_topics, has_posting) in [
        (tg.supergroup(-100_501, "Members"), true, false),
        (tg.group(-5001, "Assembly"), false, false),
        (tg.channel(-100_900, "News"), false, true),
    ] {
        tg.make_bot_admin(chat.id, AdminRights::all());
        b.get_chat_member(ChatId(chat.id), me).await.expect("getChatMember");
        let answer = tg.requests_for("getChatMember").pop().and_then(|r| r.response).expect("answer");
        let member = &answer["result"];
        assert_eq!(member.get("can_manage_topics").is_some(), has_topics, "{member}");
        assert_eq!(member.get("can_post_messages").is_some(), has_posting, "{member}");
        assert_eq!(member.get("can_pin_messages").is_some(), !has_posting, "{member}");
    }
    assert_answers_conform(&tg);
}
