//! What members send, of every kind, and the bot copying it between private
//! chats, groups and forum topics with the content intact, through the real
//! teloxide client.

mod common;

use basis_telegram_fake::{AdminRights, FakeTelegram, MemberMessage, TgChat, TgUser};
use common::{assert_answers_conform, assert_messages_conform, bot, refusal};
use serde_json::{Value, json};
use teloxide::{
    prelude::*,
    types::{MessageEntityKind, MessageId, ReplyParameters, ThreadId, UpdateKind},
};

const FORUM: i64 = -100_500;

struct Inbox {
    tg: FakeTelegram,
    bot: Bot,
    anna: TgUser,
    anna_chat: TgChat,
    organizer: TgUser,
    forum: TgChat,
    topic: ThreadId,
}

/// An organizers' inbox: a forum where the bot manages topics, one topic for
/// Anna's questions, and Anna's and an organizer's private chats.
async fn inbox() -> Inbox {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", Some("de"));
    let anna_chat = tg.private_chat(&anna);
    let organizer = tg.user(2001, "Olga", Some("de"));
    let forum = tg.forum(FORUM, "Organizers");
    tg.make_bot_admin(forum.id, AdminRights::topic_manager());
    let bot = bot(&tg);
    let topic = bot.create_forum_topic(ChatId(forum.id), "Anna").await.expect("createForumTopic").thread_id;
    Inbox { tg, bot, anna, anna_chat, organizer, forum, topic }
}

fn id(injected: &basis_telegram_fake::Injected) -> MessageId {
    MessageId(injected.message_id.expect("message id") as i32)
}

/// The fields that make up a message's content, for comparing a copy with
/// its original.
fn content(json: &Value) -> Value {
    let keep = ["text", "entities", "photo", "voice", "video", "document", "location", "caption", "caption_entities"];
    let map = json.as_object().expect("message object");
    Value::Object(keep.iter().filter_map(|k| Some(((*k).to_owned(), map.get(*k)?.clone()))).collect())
}

#[tokio::test]
async fn members_send_every_kind_and_the_bot_receives_complete_messages() {
    let Inbox { tg, bot: b, anna, anna_chat, .. } = inbox().await;
    let bold = json!({"type": "bold", "offset": 0, "length": 6});
    let text = MemberMessage::text("Urgent: see https://example.org").entities(vec![bold.clone()]);
    tg.send(&anna, &anna_chat, text);
    tg.send(&anna, &anna_chat, MemberMessage::photo(&[0xFF, 0xD8, 0xFF, 1]).caption("Flyer"));
    tg.send_voice(&anna, &anna_chat, 7, Some("Listen"));
    tg.send_video(&anna, &anna_chat, None);
    let minutes = MemberMessage::document("minutes.pdf", b"%PDF-1.7").caption("Urgent minutes").entities(vec![bold]);
    tg.send(&anna, &anna_chat, minutes);
    tg.send_location(&anna, &anna_chat, 52.52, 13.405);
    let updates = b.get_updates().await.expect("getUpdates");
    let messages: Vec<&Message> = updates
        .iter()
        .map(|u| match &u.kind {
            UpdateKind::Message(m) => m,
            other => panic!("not a message: {other:?}"),
        })
        .collect();
    assert_eq!(messages.len(), 6);

    let kinds: Vec<MessageEntityKind> =
        messages[0].entities().expect("entities").iter().map(|e| e.kind.clone()).collect();
    assert_eq!(kinds, [MessageEntityKind::Bold, MessageEntityKind::Url]);
    assert_eq!(messages[1].photo().map(<[_]>::len), Some(3));
    assert_eq!(messages[1].caption(), Some("Flyer"));
    let voice = messages[2].voice().expect("voice");
    assert_eq!(voice.duration.seconds(), 7);
    assert_eq!(voice.mime_type.as_ref().map(|m| m.essence_str()), Some("audio/ogg"));
    assert_eq!(messages[2].caption(), Some("Listen"));
    let video = messages[3].video().expect("video");
    assert_eq!((video.width, video.height, video.duration.seconds()), (1280, 720, 3));
    assert_eq!(video.file_name.as_deref(), Some("video.mp4"));
    let document = messages[4].document().expect("document");
    assert_eq!(document.mime_type.as_ref().map(|m| m.essence_str()), Some("application/pdf"));
    assert_eq!(messages[4].caption_entities().map(|e| e[0].kind.clone()), Some(MessageEntityKind::Bold));
    let location = messages[5].location().expect("location");
    assert_eq!((location.latitude, location.longitude), (52.52, 13.405));

    // The bot can fetch what members sent.
    let file = b.get_file(voice.file.id.clone()).await.expect("getFile");
    let url = format!("{}file/bot{}/{}", tg.api_url(), tg.token(), file.path);
    let bytes = reqwest::get(url).await.expect("download").bytes().await.expect("body");
    assert!(bytes.starts_with(b"OggS"));
    assert_answers_conform(&tg);
    assert_messages_conform(&tg, &[anna_chat.id]);
}

#[tokio::test]
async fn copy_of_a_voice_message_lands_in_the_forum_topic() {
    let Inbox { tg, bot: b, anna, anna_chat, forum, topic, .. } = inbox().await;
    let voice = tg.send_voice(&anna, &anna_chat, 12, Some("My question about overtime"));
    let copy = b
        .copy_message(ChatId(forum.id), ChatId(anna.id), id(&voice))
        .message_thread_id(topic)
        .await
        .expect("copyMessage");
    let seen = tg.message(forum.id, i64::from(copy.0)).expect("copy");
    assert_eq!(seen.kind, "voice");
    assert_eq!(seen.caption.as_deref(), Some("My question about overtime"));
    assert_eq!(seen.thread_id, Some(i64::from(topic.0.0)));
    assert_eq!(seen.copied_from, Some((anna.id, i64::from(id(&voice).0))));
    let original = tg.message(anna.id, i64::from(id(&voice).0)).expect("original");
    assert_eq!(seen.json["voice"], original.json["voice"], "the copy travels by file id");
    assert_eq!(seen.file_bytes, original.file_bytes);
    assert!(tg.thread_messages(forum.id, i64::from(topic.0.0)).iter().any(|m| m.message_id == i64::from(copy.0)));
    assert_answers_conform(&tg);
    assert_messages_conform(&tg, &[forum.id]);
}

#[tokio::test]
async fn every_kind_copied_into_a_forum_topic_and_back_to_a_member_keeps_its_content() {
    let Inbox { tg, bot: b, anna, anna_chat, organizer, forum, topic } = inbox().await;
    let italic = json!({"type": "italic", "offset": 0, "length": 4});
    let sent = [
        tg.send(&anna, &anna_chat, MemberMessage::text("Help me, /start is broken").entities(vec![italic.clone()])),
        tg.send(&anna, &anna_chat, MemberMessage::photo(&[0xFF, 0xD8, 0xFF, 9]).caption("Notice board")),
        tg.send_voice(&anna, &anna_chat, 5, Some("Voice with caption")),
        tg.send_video(&anna, &anna_chat, Some("Video with caption")),
        tg.send(&anna, &anna_chat, MemberMessage::document("contract.pdf", b"%PDF").caption("Read §3")),
        tg.send_location(&anna, &anna_chat, 48.137, 11.575),
    ];
    // The organizer's answer, to which the copies back will reply.
    let answer = tg.send_text(&organizer, &tg.private_chat(&organizer), "Here is what Anna sent:");
    for original in &sent {
        let into_topic = b
            .copy_message(ChatId(forum.id), ChatId(anna.id), id(original))
            .message_thread_id(topic)
            .await
            .expect("copy into the topic");
        let in_topic = tg.message(forum.id, i64::from(into_topic.0)).expect("copy in topic");
        let source = tg.message(anna.id, i64::from(id(original).0)).expect("original");
        assert_eq!(content(&in_topic.json), content(&source.json), "{}", source.kind);
        assert_eq!(in_topic.kind, source.kind);
        assert_eq!(in_topic.thread_id, Some(i64::from(topic.0.0)));

        let back = b
            .copy_message(ChatId(organizer.id), ChatId(forum.id), into_topic)
            .reply_parameters(ReplyParameters::new(id(&answer)))
            .await
            .expect("copy back to a member");
        let at_organizer = tg.message(organizer.id, i64::from(back.0)).expect("copy back");
        assert_eq!(content(&at_organizer.json), content(&source.json), "{}", source.kind);
        assert_eq!(at_organizer.thread_id, None);
        assert_eq!(at_organizer.reply_to, Some(i64::from(id(&answer).0)));
    }
    let kinds: Vec<&str> = tg.thread_messages(forum.id, i64::from(topic.0.0)).iter().map(|m| m.kind).collect();
    assert_eq!(kinds, ["forum_topic_created", "text", "photo", "voice", "video", "document", "location"]);
    assert_answers_conform(&tg);
    assert_messages_conform(&tg, &[forum.id, organizer.id, anna.id]);
}

#[tokio::test]
async fn a_copy_may_answer_with_reply_to_message_id_and_take_a_new_caption() {
    let Inbox { tg, bot: b, anna, anna_chat, forum, topic, .. } = inbox().await;
    let note = b.send_message(ChatId(forum.id), "Anna's photo:").message_thread_id(topic).await.expect("send");
    let photo = tg.send(&anna, &anna_chat, MemberMessage::photo(&[0xFF, 0xD8, 0xFF, 2]).caption("Old caption"));
    // Clients that still send the old parameter get the same.
    let url = format!("{}bot{}/copyMessage", tg.api_url(), tg.token());
    let body = json!({
        "chat_id": forum.id, "from_chat_id": anna.id, "message_id": photo.message_id,
        "message_thread_id": topic.0.0, "reply_to_message_id": note.id.0,
        "caption": "<b>New</b> caption", "parse_mode": "HTML",
    });
    let answer: Value =
        reqwest::Client::new().post(url).json(&body).send().await.expect("post").json().await.expect("json");
    let copy_id = answer["result"]["message_id"].as_i64().expect("MessageId");
    let copy = tg.message(forum.id, copy_id).expect("copy");
    assert_eq!(copy.reply_to, Some(i64::from(note.id.0)));
    assert_eq!(copy.thread_id, Some(i64::from(topic.0.0)));
    assert_eq!(copy.caption.as_deref(), Some("New caption"));
    assert_eq!(copy.entities, [json!({"type": "bold", "offset": 0, "length": 3})]);
    let source = tg.message(anna.id, photo.message_id.expect("id")).expect("original");
    assert_eq!(copy.json["photo"], source.json["photo"]);
    assert_answers_conform(&tg);
}

#[tokio::test]
async fn service_messages_cannot_be_copied() {
    let Inbox { tg, bot: b, anna, forum, topic, .. } = inbox().await;
    let r = b.copy_message(ChatId(anna.id), ChatId(forum.id), topic.0).await;
    assert_eq!(refusal(r), "Bad Request: message can't be copied");
    assert!(tg.bot_messages_in(anna.id).is_empty());
}

#[tokio::test]
async fn members_send_media_in_groups_as_replies_and_in_topics() {
    let Inbox { tg, bot: b, anna, forum, topic, .. } = inbox().await;
    let group = tg.group(-5001, "Assembly");
    let ben = tg.user(1002, "Ben", None);
    let asked = tg.send_text(&ben, &group, "Where do we meet?");
    tg.send(&anna, &group, MemberMessage::location(52.5, 13.4).reply_to(asked.message_id.expect("id")));
    let thread = i64::from(topic.0.0);
    let photo =
        tg.send(&anna, &forum, MemberMessage::photo(&[0xFF, 0xD8, 0xFF, 3]).caption("Shift plan").in_thread(thread));
    tg.send(&anna, &forum, MemberMessage::document("plan.csv", b"a,b\n").reply_to(photo.message_id.expect("id")));

    let updates = b.get_updates().await.expect("getUpdates");
    let messages: Vec<&Message> = updates
        .iter()
        .filter_map(|u| match &u.kind {
            UpdateKind::Message(m) => Some(m),
            _ => None,
        })
        .collect();
    let located = messages[1];
    assert!(located.location().is_some());
    assert_eq!(located.reply_to_message().and_then(|r| r.text()), Some("Where do we meet?"));
    let in_topic = messages[2];
    assert_eq!(in_topic.thread_id, Some(topic));
    assert_eq!(in_topic.caption(), Some("Shift plan"));
    assert_eq!(in_topic.reply_to_message().map(|r| r.id), Some(topic.0), "points at the topic's creation");
    let answer = messages[3];
    assert_eq!(answer.thread_id, Some(topic), "a reply stays in the answered message's topic");
    assert_eq!(answer.reply_to_message().map(|r| r.id), Some(id(&photo)));
    assert_eq!(tg.thread_messages(forum.id, thread).len(), 3);
    assert_answers_conform(&tg);
    assert_messages_conform(&tg, &[forum.id, group.id]);
}
