//! Forum supergroups through the real teloxide client: topics the bot
//! creates, closes, renames and deletes with Telegram's checks, messages
//! that land in topics, members writing and replying there, and the group
//! limit across topics.

mod common;

use basis_telegram_fake::{AdminRights, FakeTelegram, Limits, TgChat};
use common::{assert_answers_conform, assert_messages_conform, bot, refusal};
use serde_json::json;
use teloxide::{
    RequestError,
    prelude::*,
    types::{
        ChatFullInfo, ChatFullInfoKind, ChatFullInfoPublicKind, ChatKind, MessageId, PublicChatKind, ReplyParameters,
        Rgb, ThreadId, UpdateKind,
    },
};

const FORUM: i64 = -100_500;

fn thread(id: i64) -> ThreadId {
    ThreadId(MessageId(id as i32))
}

fn chat_is_forum(chat: &teloxide::types::Chat) -> bool {
    matches!(&chat.kind, ChatKind::Public(p) if matches!(&p.kind, PublicChatKind::Supergroup(s) if s.is_forum))
}

fn full_info_is_forum(info: &ChatFullInfo) -> bool {
    matches!(&info.kind, ChatFullInfoKind::Public(p) if matches!(&p.kind, ChatFullInfoPublicKind::Supergroup(s) if s.is_forum))
}

/// A forum where the bot may manage topics, as an organizers' inbox needs.
fn forum_with_topic_rights(tg: &FakeTelegram) -> TgChat {
    let forum = tg.forum(FORUM, "Organizers");
    tg.make_bot_admin(forum.id, AdminRights::topic_manager());
    forum
}

async fn new_topic(b: &Bot, forum: &TgChat, name: &str) -> ThreadId {
    b.create_forum_topic(ChatId(forum.id), name).await.expect("createForumTopic").thread_id
}

#[tokio::test]
async fn a_forum_says_so_in_its_chat_object_and_in_get_chat() {
    let tg = FakeTelegram::start().await;
    let forum = tg.forum(FORUM, "Organizers");
    let plain = tg.supergroup(-100_501, "Members");
    let b = bot(&tg);
    let info = b.get_chat(ChatId(forum.id)).await.expect("getChat");
    assert!(full_info_is_forum(&info));
    assert!(!full_info_is_forum(&b.get_chat(ChatId(plain.id)).await.expect("getChat")));
    let sent = b.send_message(ChatId(forum.id), "Hello").await.expect("sendMessage");
    assert!(chat_is_forum(&sent.chat));
    assert_answers_conform(&tg);
}

#[tokio::test]
async fn the_bot_creates_a_topic_and_telegram_posts_that_it_was_created() {
    let tg = FakeTelegram::start().await;
    let forum = forum_with_topic_rights(&tg);
    let b = bot(&tg);
    let topic = b.create_forum_topic(ChatId(forum.id), "Anna Schmidt").await.expect("createForumTopic");
    assert_eq!(topic.name, "Anna Schmidt");
    assert_eq!(topic.icon_color, Rgb::from_u32(0x6FB9F0), "Telegram's default colour");
    let yellow = b
        .create_forum_topic(ChatId(forum.id), "Ben Weber")
        .icon_color(Rgb::from_u32(0xFFD67E))
        .await
        .expect("createForumTopic with a colour");
    assert_eq!(yellow.icon_color, Rgb::from_u32(0xFFD67E));

    let id = i64::from(topic.thread_id.0.0);
    let topics = tg.topics(forum.id);
    assert_eq!(topics.len(), 2);
    assert_eq!((topics[0].thread_id, topics[0].name.as_str(), topics[0].closed), (id, "Anna Schmidt", false));
    assert_eq!(topics[0].creator_id, tg.bot_user_id());
    let messages = tg.thread_messages(forum.id, id);
    assert_eq!(messages.len(), 1);
    let created = &messages[0];
    assert_eq!(created.message_id, id, "a topic's thread id is the id of the message that created it");
    assert_eq!(created.kind, "forum_topic_created");
    assert!(created.from_bot);
    assert_eq!(created.thread_id, Some(id));
    assert_eq!(created.json["forum_topic_created"], json!({"name": "Anna Schmidt", "icon_color": 0x6FB9F0}));
    assert_eq!(created.json["is_topic_message"], true);
    assert_answers_conform(&tg);
    assert_messages_conform(&tg, &[forum.id]);
}

#[tokio::test]
async fn creating_a_topic_is_refused_where_there_are_no_topics() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", None);
    let plain = tg.supergroup(-100_501, "Members");
    let group = tg.group(-5001, "Assembly");
    tg.make_bot_admin(plain.id, AdminRights::all());
    let b = bot(&tg);
    for chat in [plain.id, group.id, anna.id] {
        let r = b.create_forum_topic(ChatId(chat), "Questions").await;
        assert_eq!(refusal(r), "Bad Request: the chat is not a forum", "chat {chat}");
    }
    assert!(tg.topics(plain.id).is_empty());
}

#[tokio::test]
async fn creating_a_topic_needs_the_right_to_manage_topics() {
    let tg = FakeTelegram::start().await;
    let forum = tg.forum(FORUM, "Organizers");
    let b = bot(&tg);
    let r = b.create_forum_topic(ChatId(forum.id), "As a member").await;
    assert_eq!(refusal(r), "Bad Request: not enough rights to create a topic");
    // Being an administrator is not enough: the right is granted separately.
    tg.make_bot_admin(forum.id, AdminRights::default());
    let r = b.create_forum_topic(ChatId(forum.id), "As a plain admin").await;
    assert_eq!(refusal(r), "Bad Request: not enough rights to create a topic");
    tg.make_bot_admin(forum.id, AdminRights::topic_manager());
    b.create_forum_topic(ChatId(forum.id), "With the right").await.expect("createForumTopic");
    tg.set_member_status(forum.id, tg.bot_user_id(), "creator");
    b.create_forum_topic(ChatId(forum.id), "As the owner").await.expect("the owner has every right");
    let names: Vec<String> = tg.topics(forum.id).into_iter().map(|t| t.name).collect();
    assert_eq!(names, ["With the right", "As the owner"]);
}

#[tokio::test]
async fn a_topic_name_must_not_be_empty_and_is_cut_after_128_characters() {
    let tg = FakeTelegram::start().await;
    let forum = forum_with_topic_rights(&tg);
    let b = bot(&tg);
    let r = b.create_forum_topic(ChatId(forum.id), "  \n ").await;
    assert_eq!(refusal(r), "Bad Request: title must be non-empty");
    let long = b.create_forum_topic(ChatId(forum.id), "ü".repeat(200)).await.expect("long name");
    assert_eq!(long.name.chars().count(), 128);
}

#[tokio::test]
async fn closing_reopening_renaming_and_deleting_a_topic_leave_service_messages() {
    let tg = FakeTelegram::start().await;
    let forum = forum_with_topic_rights(&tg);
    let b = bot(&tg);
    let t = new_topic(&b, &forum, "Anna Schmidt").await;
    let id = i64::from(t.0.0);

    b.close_forum_topic(ChatId(forum.id), t).await.expect("closeForumTopic");
    assert!(tg.topic(forum.id, id).expect("topic").closed);
    let again = b.close_forum_topic(ChatId(forum.id), t).await;
    assert_eq!(refusal(again), "Bad Request: TOPIC_NOT_MODIFIED");
    b.reopen_forum_topic(ChatId(forum.id), t).await.expect("reopenForumTopic");
    assert!(!tg.topic(forum.id, id).expect("topic").closed);
    b.edit_forum_topic(ChatId(forum.id), t).name("Anna Schmidt (answered)").await.expect("editForumTopic");
    assert_eq!(tg.topic(forum.id, id).expect("topic").name, "Anna Schmidt (answered)");
    let same = b.edit_forum_topic(ChatId(forum.id), t).name("Anna Schmidt (answered)").await;
    assert_eq!(refusal(same), "Bad Request: TOPIC_NOT_MODIFIED");

    let kinds: Vec<&str> = tg.thread_messages(forum.id, id).iter().map(|m| m.kind).collect();
    assert_eq!(kinds, ["forum_topic_created", "forum_topic_closed", "forum_topic_reopened", "forum_topic_edited"]);
    let edited = tg.thread_messages(forum.id, id).pop().expect("edit message");
    assert_eq!(edited.json["forum_topic_edited"], json!({"name": "Anna Schmidt (answered)"}));
    assert_eq!(edited.reply_to, Some(id), "service messages in a topic point at its creation");

    b.delete_forum_topic(ChatId(forum.id), t).await.expect("deleteForumTopic");
    assert_eq!(tg.topic(forum.id, id), None);
    assert!(tg.thread_messages(forum.id, id).iter().all(|m| m.deleted), "a topic goes with its messages");
    let gone = b.send_message(ChatId(forum.id), "Still there?").message_thread_id(t).await;
    assert_eq!(refusal(gone), "Bad Request: message thread not found");
    let gone = b.close_forum_topic(ChatId(forum.id), t).await;
    assert_eq!(refusal(gone), "Bad Request: TOPIC_ID_INVALID");
    let zero = b.close_forum_topic(ChatId(forum.id), thread(0)).await;
    assert_eq!(refusal(zero), "Bad Request: invalid forum topic identifier specified");
    assert_answers_conform(&tg);
    assert_messages_conform(&tg, &[forum.id]);
}

#[tokio::test]
async fn a_bot_without_rights_may_change_only_the_topics_it_created() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", None);
    let forum = forum_with_topic_rights(&tg);
    let b = bot(&tg);
    let own = new_topic(&b, &forum, "Opened by the bot").await;
    let theirs = thread(tg.create_topic(&anna, &forum, "Opened by Anna").message_id.expect("thread id"));
    // Now an administrator without topic or delete rights.
    tg.make_bot_admin(forum.id, AdminRights { can_delete_messages: false, ..AdminRights::default() });

    let r = b.close_forum_topic(ChatId(forum.id), theirs).await;
    assert_eq!(refusal(r), "Bad Request: not enough rights to close or open the topic");
    let r = b.edit_forum_topic(ChatId(forum.id), theirs).name("Renamed").await;
    assert_eq!(refusal(r), "Bad Request: not enough rights to edit the topic");
    b.close_forum_topic(ChatId(forum.id), own).await.expect("its own topic");
    b.edit_forum_topic(ChatId(forum.id), own).name("Renamed").await.expect("its own topic");
    // Deleting needs can_delete_messages, the bot's own topic or not.
    let r = b.delete_forum_topic(ChatId(forum.id), own).await;
    assert_eq!(refusal(r), "Bad Request: not enough rights to delete the topic");
    assert_eq!(tg.topics(forum.id).len(), 2);
}

#[tokio::test]
async fn a_message_sent_with_a_thread_id_lands_in_that_topic() {
    let tg = FakeTelegram::start().await;
    let forum = forum_with_topic_rights(&tg);
    let b = bot(&tg);
    let t = new_topic(&b, &forum, "Anna Schmidt").await;
    let id = i64::from(t.0.0);
    let sent = b.send_message(ChatId(forum.id), "We will call you back").message_thread_id(t).await.expect("send");
    assert_eq!(sent.thread_id, Some(t));
    assert!(sent.is_topic_message);
    let root = sent.reply_to_message().expect("a topic message points at the topic's creation");
    assert_eq!(root.id, t.0);
    assert_eq!(root.forum_topic_created().map(|c| c.name.as_str()), Some("Anna Schmidt"));

    let general = b.send_message(ChatId(forum.id), "For everyone").await.expect("General");
    assert_eq!(general.thread_id, None);
    assert!(!general.is_topic_message);
    let texts: Vec<Option<String>> = tg.thread_messages(forum.id, id).into_iter().map(|m| m.text).collect();
    assert_eq!(texts, [None, Some("We will call you back".to_owned())]);

    for missing in [thread(999), thread(1)] {
        let r = b.send_message(ChatId(forum.id), "Lost").message_thread_id(missing).await;
        assert_eq!(refusal(r), "Bad Request: message thread not found", "{missing:?}");
    }
    let anna = tg.user(1001, "Anna", None);
    let r = b.send_message(ChatId(anna.id), "Lost").message_thread_id(t).await;
    assert_eq!(refusal(r), "Bad Request: message thread not found", "the bot has no topics in private chats");
    // Outside forums Telegram ignores the thread.
    let plain = tg.supergroup(-100_501, "Members");
    let m = b.send_message(ChatId(plain.id), "Plain").message_thread_id(thread(17)).await.expect("plain group");
    assert_eq!(m.thread_id, None);
    assert_answers_conform(&tg);
    assert_messages_conform(&tg, &[forum.id, plain.id]);
}

#[tokio::test]
async fn in_a_closed_topic_only_a_bot_that_manages_topics_may_write() {
    let tg = FakeTelegram::start().await;
    let forum = forum_with_topic_rights(&tg);
    let b = bot(&tg);
    let t = new_topic(&b, &forum, "Anna Schmidt").await;
    b.close_forum_topic(ChatId(forum.id), t).await.expect("close");
    let m = b.send_message(ChatId(forum.id), "Closing note").message_thread_id(t).await.expect("may write");
    assert_eq!(m.thread_id, Some(t));

    tg.make_bot_admin(forum.id, AdminRights::default());
    let r = b.send_message(ChatId(forum.id), "Another note").message_thread_id(t).await;
    assert_eq!(refusal(r), "Bad Request: TOPIC_CLOSED");
    tg.set_member_status(forum.id, tg.bot_user_id(), "member");
    let r = b.send_message(ChatId(forum.id), "Another note").message_thread_id(t).await;
    assert_eq!(refusal(r), "Bad Request: TOPIC_CLOSED");
    assert_eq!(tg.thread_messages(forum.id, i64::from(t.0.0)).len(), 3);
}

#[tokio::test]
#[should_panic(expected = "is closed")]
async fn a_member_cannot_write_in_a_closed_topic() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", None);
    let forum = tg.forum(FORUM, "Organizers");
    let t = tg.create_topic(&anna, &forum, "Anna Schmidt").message_id.expect("thread");
    tg.set_topic_closed(&anna, &forum, t, true);
    tg.send_in_topic(&anna, &forum, t, "Hello?");
}

#[tokio::test]
async fn a_member_writing_in_a_topic_reaches_the_bot_with_the_topic() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", None);
    let forum = tg.forum(FORUM, "Organizers");
    let b = bot(&tg);
    let created = tg.create_topic(&anna, &forum, "Overtime");
    let t = created.message_id.expect("thread id");
    let written = tg.send_in_topic(&anna, &forum, t, "Who pays the extra hours?");
    let updates = b.get_updates().await.expect("getUpdates");
    assert_eq!(updates.len(), 2);
    let UpdateKind::Message(service) = &updates[0].kind else { panic!("service message") };
    assert_eq!(service.id, MessageId(t as i32));
    assert_eq!(service.forum_topic_created().map(|c| c.name.as_str()), Some("Overtime"));
    assert_eq!(service.thread_id, Some(thread(t)));
    let UpdateKind::Message(m) = &updates[1].kind else { panic!("message") };
    assert_eq!(Some(i64::from(m.id.0)), written.message_id);
    assert_eq!(m.text(), Some("Who pays the extra hours?"));
    assert_eq!(m.thread_id, Some(thread(t)));
    assert!(m.is_topic_message);
    let root = m.reply_to_message().expect("reply_to_message is the topic's creation");
    assert_eq!(root.id, MessageId(t as i32));
    assert_eq!(root.from.as_ref().map(|u| u.id.0), Some(1001));
    assert!(root.forum_topic_created().is_some());
    assert!(root.reply_to_message().is_none());
    assert_eq!(tg.thread_messages(forum.id, t).len(), 2);
    assert_answers_conform(&tg);
}

#[tokio::test]
async fn replies_in_a_forum_stay_in_the_topic_of_the_answered_message() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", None);
    let forum = forum_with_topic_rights(&tg);
    let b = bot(&tg);
    let t = new_topic(&b, &forum, "Anna Schmidt").await;
    let question = b.send_message(ChatId(forum.id), "When can we call you?").message_thread_id(t).await.expect("send");
    let answer = tg.send_reply(&anna, &forum, i64::from(question.id.0), "After 5 pm");
    let updates = b.get_updates().await.expect("getUpdates");
    let UpdateKind::Message(m) = &updates[0].kind else { panic!("message") };
    assert_eq!(m.thread_id, Some(t), "the reply carries the topic of the answered message");
    assert!(m.is_topic_message);
    let replied = m.reply_to_message().expect("reply_to_message");
    assert_eq!(replied.id, question.id);
    assert_eq!(replied.text(), Some("When can we call you?"));
    assert_eq!(replied.thread_id, Some(t));

    // The bot answering without naming the topic lands in it too.
    let thanks = b
        .send_message(ChatId(forum.id), "Thanks!")
        .reply_parameters(ReplyParameters::new(MessageId(answer.message_id.expect("id") as i32)))
        .await
        .expect("reply");
    assert_eq!(thanks.thread_id, Some(t));
    assert_eq!(thanks.reply_to_message().map(|r| r.id.0 as i64), answer.message_id);
    assert_eq!(tg.thread_messages(forum.id, i64::from(t.0.0)).len(), 4);
    assert_answers_conform(&tg);
}

#[tokio::test]
async fn a_reply_in_a_plain_group_carries_the_whole_answered_message() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", Some("de"));
    let ben = tg.user(1002, "Ben", None);
    let group = tg.group(-5001, "Assembly");
    let b = bot(&tg);
    let asked = tg.send_text(&anna, &group, "Strike vote on Friday? https://example.org/vote");
    tg.send_reply(&ben, &group, asked.message_id.expect("id"), "Yes!");
    let updates = b.get_updates().await.expect("getUpdates");
    let UpdateKind::Message(m) = &updates[1].kind else { panic!("message") };
    assert_eq!(m.thread_id, None);
    let replied = m.reply_to_message().expect("reply_to_message");
    assert_eq!(replied.text(), Some("Strike vote on Friday? https://example.org/vote"));
    assert_eq!(replied.from.as_ref().map(|u| u.first_name.as_str()), Some("Anna"));
    assert_eq!(replied.chat.id, ChatId(group.id));
    assert_eq!(replied.entities().map(<[_]>::len), Some(1));
    assert_answers_conform(&tg);
}

#[tokio::test]
async fn the_group_limit_counts_sends_into_every_topic_of_a_forum() {
    let tg = FakeTelegram::start().await;
    let forum = forum_with_topic_rights(&tg);
    let other = tg.supergroup(-100_501, "Members");
    let b = bot(&tg);
    let topics = [new_topic(&b, &forum, "A").await, new_topic(&b, &forum, "B").await];
    tg.set_limits(Limits { per_group_per_min: Some(20), ..Limits::default() });
    for i in 0..20 {
        let send = b.send_message(ChatId(forum.id), format!("Answer {i}"));
        // Alternate between two topics and General: the limit is per chat.
        let send = match i % 3 {
            0 => send,
            n => send.message_thread_id(topics[n - 1]),
        };
        send.await.expect("within the group limit");
    }
    let third = new_topic(&b, &forum, "C").await;
    let r = b.send_message(ChatId(forum.id), "One too many").message_thread_id(third).await;
    assert!(matches!(r, Err(RequestError::RetryAfter(_))), "{r:?}");
    let r = b.send_message(ChatId(forum.id), "One too many").message_thread_id(topics[0]).await;
    assert!(matches!(r, Err(RequestError::RetryAfter(_))), "{r:?}");
    assert_eq!(tg.too_many_429s(), 2);
    b.send_message(ChatId(other.id), "Another group has its own budget").await.expect("other group");
}
