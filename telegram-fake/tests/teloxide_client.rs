//! The real teloxide 0.17 client against the fake: everything it receives
//! must parse, and errors must map to teloxide's typed errors.

mod common;

use std::time::{Duration, Instant};

use basis_telegram_fake::{FakeTelegram, Limits};
use common::{assert_answers_conform, bot};
use teloxide::{
    ApiError, RequestError,
    prelude::*,
    types::{
        AllowedUpdate, BotCommand, ChatMemberKind, InlineKeyboardButton, InlineKeyboardMarkup, InputFile,
        MaybeInaccessibleMessage, MessageEntityKind, MessageId, ParseMode, ReplyParameters, UpdateKind,
    },
};

const SECOND: Duration = Duration::from_secs(1);

fn keyboard() -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([[
        InlineKeyboardButton::callback("Yes", "vote:yes"),
        InlineKeyboardButton::callback("No", "vote:no"),
    ]])
}

#[tokio::test]
async fn get_me_parses_into_teloxides_me() {
    let tg = FakeTelegram::start().await;
    let me = bot(&tg).get_me().await.expect("getMe");
    assert!(me.is_bot);
    assert_eq!(me.id.0 as i64, tg.bot_user_id());
    assert_eq!(tg.bot_user_id(), 7_000_000_001);
    assert_eq!(me.username(), "basis_test_bot");
    assert_eq!(me.first_name, "Basis");
    assert!(me.can_join_groups);
    assert!(!me.can_read_all_group_messages);
    assert!(!me.supports_inline_queries);
    assert_answers_conform(&tg);
}

#[tokio::test]
async fn sent_message_with_keyboard_parses_and_is_what_the_member_sees() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", Some("de"));
    let b = bot(&tg);
    let msg = b.send_message(ChatId(1001), "Vote now").reply_markup(keyboard()).await.expect("sendMessage");
    assert_eq!(msg.text(), Some("Vote now"));
    assert_eq!(msg.chat.id, ChatId(1001));
    assert_eq!(msg.chat.first_name(), Some("Anna"));
    assert!(msg.chat.is_private());
    assert_eq!(msg.from.as_ref().map(|u| u.is_bot), Some(true));
    assert_eq!(msg.reply_markup(), Some(&keyboard()));

    let seen = tg.last_bot_message(anna.id).expect("bot message");
    assert_eq!(seen.message_id, msg.id.0 as i64);
    assert_eq!(seen.text.as_deref(), Some("Vote now"));
    assert_eq!(seen.kind, "text");
    assert_eq!(seen.button_labels(), vec![vec!["Yes".to_owned(), "No".to_owned()]]);
    assert_eq!(seen.callback_data_for("No").as_deref(), Some("vote:no"));
    assert_eq!(tg.deliveries().len(), 1);
    assert_answers_conform(&tg);
}

#[tokio::test]
async fn message_ids_are_per_chat_and_shared_with_members() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", None);
    let chat = tg.private_chat(&anna);
    let b = bot(&tg);
    let first = tg.send_text(&anna, &chat, "hello");
    assert_eq!(first.message_id, Some(1));
    let m = b.send_message(chat.id_as(), "hi").await.expect("send");
    assert_eq!(m.id, MessageId(2));
    let other = tg.user(1002, "Ben", None);
    let m = b.send_message(ChatId(other.id), "hi").await.expect("send");
    assert_eq!(m.id, MessageId(1));
    assert_eq!(tg.messages_in(chat.id).len(), 2);
}

trait ChatIdExt {
    fn id_as(&self) -> ChatId;
}

impl ChatIdExt for basis_telegram_fake::TgChat {
    fn id_as(&self) -> ChatId {
        ChatId(self.id)
    }
}

#[tokio::test]
async fn long_poll_returns_an_update_injected_while_it_waits() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", None);
    let chat = tg.private_chat(&anna);
    let b = bot(&tg);
    let tg2 = tg.clone();
    let injector = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        tg2.send_text(&anna, &chat, "/start@basis_test_bot payload-1")
    });
    let started = Instant::now();
    let updates = b.get_updates().timeout(5).await.expect("getUpdates");
    let waited = started.elapsed();
    let injected = injector.await.expect("injector");
    assert!(waited >= Duration::from_millis(150), "returned before the update: {waited:?}");
    assert!(waited < Duration::from_secs(3), "held too long: {waited:?}");
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].id.0 as i64, injected.update_id);
    let UpdateKind::Message(m) = &updates[0].kind else {
        panic!("not a message: {:?}", updates[0].kind);
    };
    assert_eq!(m.text(), Some("/start@basis_test_bot payload-1"));
    let entities = m.entities().expect("entities");
    assert_eq!(entities.len(), 1);
    assert_eq!(entities[0].kind, MessageEntityKind::BotCommand);
    assert_eq!((entities[0].offset, entities[0].length), (0, 21));
    assert_answers_conform(&tg);
}

#[tokio::test]
async fn long_poll_answers_empty_after_its_timeout() {
    let tg = FakeTelegram::start().await;
    let started = Instant::now();
    let updates = bot(&tg).get_updates().timeout(1).await.expect("getUpdates");
    let waited = started.elapsed();
    assert!(updates.is_empty());
    assert!(waited >= Duration::from_millis(950), "{waited:?}");
    assert!(waited < Duration::from_millis(1900), "{waited:?}");
}

#[tokio::test]
async fn offset_confirms_and_drops_earlier_updates() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", None);
    let chat = tg.private_chat(&anna);
    let b = bot(&tg);
    let a = tg.send_text(&anna, &chat, "one");
    let c = tg.send_text(&anna, &chat, "two");
    assert_eq!(tg.pending_updates(), 2);
    let all = b.get_updates().await.expect("getUpdates");
    assert_eq!(all.len(), 2);
    // Without an offset nothing is confirmed.
    assert_eq!(b.get_updates().await.expect("again").len(), 2);
    let rest = b.get_updates().offset((a.update_id + 1) as i32).await.expect("offset");
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].id.0 as i64, c.update_id);
    assert_eq!(tg.pending_updates(), 1);
    let none = b.get_updates().offset((c.update_id + 1) as i32).await.expect("offset");
    assert!(none.is_empty());
    assert_eq!(tg.pending_updates(), 0);
    let limited = {
        tg.send_text(&anna, &chat, "3");
        tg.send_text(&anna, &chat, "4");
        b.get_updates().limit(1).await.expect("limit")
    };
    assert_eq!(limited.len(), 1);
}

#[tokio::test]
async fn allowed_updates_are_remembered_between_calls() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", None);
    let chat = tg.private_chat(&anna);
    let b = bot(&tg);
    b.get_updates().allowed_updates([AllowedUpdate::CallbackQuery]).await.expect("getUpdates");
    tg.send_text(&anna, &chat, "ignored");
    let press = tg.press_button(&anna, &chat, 1, "x");
    let got = b.get_updates().await.expect("getUpdates");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].id.0 as i64, press.update_id);
}

#[tokio::test]
async fn editing_changes_what_the_member_sees_and_unchanged_edits_fail() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", None);
    let b = bot(&tg);
    let sent = b.send_message(ChatId(anna.id), "Sending… 0%").reply_markup(keyboard()).await.expect("send");
    let edited =
        b.edit_message_text(ChatId(anna.id), sent.id, "Sending… 50%").reply_markup(keyboard()).await.expect("edit");
    assert_eq!(edited.text(), Some("Sending… 50%"));
    assert!(edited.edit_date().is_some());
    let now = tg.message(anna.id, sent.id.0 as i64).expect("state");
    assert_eq!(now.text.as_deref(), Some("Sending… 50%"));
    assert_eq!(now.edits, 1);
    assert!(now.reply_markup.is_some());

    let same = b.edit_message_text(ChatId(anna.id), sent.id, "Sending… 50%").reply_markup(keyboard()).await;
    assert!(matches!(same, Err(RequestError::Api(ApiError::MessageNotModified))), "{same:?}");

    // Like Telegram, an edit without reply_markup removes the keyboard.
    b.edit_message_text(ChatId(anna.id), sent.id, "Done").await.expect("edit");
    let now = tg.message(anna.id, sent.id.0 as i64).expect("state");
    assert_eq!(now.reply_markup, None);
    assert_eq!(now.edits, 2);

    let markup = b.edit_message_reply_markup(ChatId(anna.id), sent.id).reply_markup(keyboard()).await.expect("markup");
    assert_eq!(markup.reply_markup(), Some(&keyboard()));

    let missing = b.edit_message_text(ChatId(anna.id), MessageId(999), "x").await;
    assert!(matches!(missing, Err(RequestError::Api(ApiError::MessageToEditNotFound))));
    assert_answers_conform(&tg);
}

#[tokio::test]
async fn pressing_a_button_gives_a_callback_query_with_the_current_message() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", Some("en"));
    let chat = tg.private_chat(&anna);
    let b = bot(&tg);
    let sent = b.send_message(ChatId(anna.id), "Vote").reply_markup(keyboard()).await.expect("send");
    let press = tg.press_button_labeled(&anna, &chat, sent.id.0 as i64, "Yes").expect("button");
    let updates = b.get_updates().await.expect("getUpdates");
    let UpdateKind::CallbackQuery(q) = &updates[0].kind else {
        panic!("not a callback query: {:?}", updates[0].kind);
    };
    assert_eq!(Some(q.id.0.clone()), press.callback_query_id);
    assert_eq!(q.data.as_deref(), Some("vote:yes"));
    assert_eq!(q.from.language_code.as_deref(), Some("en"));
    let m = q.regular_message().expect("accessible message");
    assert_eq!(m.id, sent.id);
    assert_eq!(m.reply_markup(), Some(&keyboard()));

    b.answer_callback_query(q.id.clone()).text("Counted").show_alert(true).await.expect("answer");
    assert_eq!(tg.callback_answers(), vec![(q.id.0.clone(), Some("Counted".to_owned()), true)]);
    let twice = b.answer_callback_query(q.id.clone()).await;
    assert!(matches!(twice, Err(RequestError::Api(ApiError::InvalidQueryId))), "{twice:?}");

    // A deleted message arrives as inaccessible.
    b.delete_message(ChatId(anna.id), sent.id).await.expect("delete");
    assert!(tg.message(anna.id, sent.id.0 as i64).expect("state").deleted);
    tg.press_button(&anna, &chat, sent.id.0 as i64, "vote:no");
    let updates = b.get_updates().offset(updates[0].id.0 as i32 + 1).await.expect("getUpdates");
    let UpdateKind::CallbackQuery(q) = &updates[0].kind else {
        panic!("not a callback query");
    };
    assert!(matches!(q.message, Some(MaybeInaccessibleMessage::Inaccessible(_))));
    let again = b.delete_message(ChatId(anna.id), sent.id).await;
    assert!(matches!(again, Err(RequestError::Api(ApiError::MessageToDeleteNotFound))));
    assert_answers_conform(&tg);
}

#[tokio::test]
async fn my_chat_member_update_parses() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", None);
    let chat = tg.private_chat(&anna);
    let group = tg.supergroup(-100_123, "Union Local 7");
    let b = bot(&tg);
    tg.bot_membership_changed(&chat, &anna, "member", "kicked");
    tg.bot_membership_changed(&group, &anna, "left", "administrator");
    let updates = b.get_updates().await.expect("getUpdates");
    assert_eq!(updates.len(), 2);
    let UpdateKind::MyChatMember(u) = &updates[0].kind else {
        panic!("not my_chat_member: {:?}", updates[0].kind);
    };
    assert_eq!(u.chat.id, ChatId(anna.id));
    assert!(matches!(u.old_chat_member.kind, ChatMemberKind::Member(_)));
    assert!(matches!(u.new_chat_member.kind, ChatMemberKind::Banned(_)));
    assert_eq!(u.new_chat_member.user.id.0 as i64, tg.bot_user_id());
    let UpdateKind::MyChatMember(u) = &updates[1].kind else {
        panic!("not my_chat_member");
    };
    assert!(u.chat.is_supergroup());
    assert!(u.new_chat_member.is_administrator());

    // The member blocked the bot, so sending now fails like on Telegram.
    let blocked = b.send_message(ChatId(anna.id), "hi").await;
    assert!(matches!(blocked, Err(RequestError::Api(ApiError::BotBlocked))));
}

#[tokio::test]
async fn chat_member_updates_need_to_be_asked_for() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", None);
    let ben = tg.user(1002, "Ben", None);
    let group = tg.group(-5001, "Assembly");
    let b = bot(&tg);
    tg.chat_member_changed(&group, &ben, &anna, "left", "member");
    assert!(b.get_updates().await.expect("default").is_empty());
    tg.chat_member_changed(&group, &ben, &anna, "member", "administrator");
    let got = b.get_updates().allowed_updates([AllowedUpdate::ChatMember]).await.expect("asked");
    assert_eq!(got.len(), 1);
    assert!(matches!(got[0].kind, UpdateKind::ChatMember(_)));
}

#[tokio::test]
async fn get_chat_member_answers_the_configured_status() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", None);
    let ben = tg.user(1002, "Ben", None);
    let group = tg.group(-5001, "Assembly");
    tg.set_member_status(group.id, anna.id, "creator");
    tg.set_member_status(group.id, ben.id, "restricted");
    tg.set_member_status(group.id, tg.bot_user_id(), "administrator");
    let b = bot(&tg);
    let m = b.get_chat_member(ChatId(group.id), UserId(anna.id as u64)).await.expect("getChatMember");
    assert!(m.is_owner());
    let m = b.get_chat_member(ChatId(group.id), UserId(ben.id as u64)).await.expect("getChatMember");
    assert!(m.is_restricted());
    let stranger = tg.user(1003, "Cleo", None);
    let m = b.get_chat_member(ChatId(group.id), UserId(stranger.id as u64)).await.expect("getChatMember");
    assert!(matches!(m.kind, ChatMemberKind::Member(_)));
    let admins = b.get_chat_administrators(ChatId(group.id)).await.expect("admins");
    assert_eq!(admins.len(), 2);
    assert!(admins[0].is_owner());
    let unknown = b.get_chat_member(ChatId(group.id), UserId(424242)).await;
    assert!(matches!(unknown, Err(RequestError::Api(ApiError::UserNotFound))));
    let chat = b.get_chat(ChatId(group.id)).await.expect("getChat");
    assert_eq!(chat.title(), Some("Assembly"));
    let private = b.get_chat(ChatId(anna.id)).await.expect("getChat");
    assert_eq!(private.first_name(), Some("Anna"));
    assert_eq!(b.get_chat_member_count(ChatId(group.id)).await.expect("count"), 3);
    assert_answers_conform(&tg);
}

#[tokio::test]
async fn blocked_deactivated_and_unknown_chats_fail_with_typed_errors() {
    let tg = FakeTelegram::start().await;
    tg.user(1001, "Anna", None);
    tg.user(1002, "Ben", None);
    tg.block_chat(1001);
    tg.deactivate_user(1002);
    let b = bot(&tg);
    let r = b.send_message(ChatId(1001), "hi").await;
    assert!(matches!(r, Err(RequestError::Api(ApiError::BotBlocked))), "{r:?}");
    let r = b.send_message(ChatId(1002), "hi").await;
    assert!(matches!(r, Err(RequestError::Api(ApiError::UserDeactivated))), "{r:?}");
    let r = b.send_message(ChatId(999_999), "hi").await;
    assert!(matches!(r, Err(RequestError::Api(ApiError::ChatNotFound))), "{r:?}");
    tg.ensure_private_chat(999_999);
    b.send_message(ChatId(999_999), "hi").await.expect("now it exists");
    let group = tg.group(-77, "Kicked us");
    tg.set_member_status(group.id, tg.bot_user_id(), "kicked");
    let r = b.send_message(ChatId(group.id), "hi").await;
    assert!(
        matches!(&r, Err(RequestError::Api(ApiError::Unknown(s))) if s == "Forbidden: bot was kicked from the group chat"),
        "{r:?}"
    );
    tg.unblock_chat(1001);
    b.send_message(ChatId(1001), "hi").await.expect("unblocked");
    assert_eq!(tg.deliveries().len(), 2);
}

#[tokio::test]
async fn migrated_group_answers_migrate_to_chat_id() {
    let tg = FakeTelegram::start().await;
    let group = tg.group(-4001, "Old group");
    tg.migrate_group(group.id, -100_4001);
    let b = bot(&tg);
    let r = b.send_message(ChatId(group.id), "hi").await;
    assert!(matches!(r, Err(RequestError::MigrateToChatId(ChatId(-100_4001)))), "{r:?}");
    let m = b.send_message(ChatId(-100_4001), "hi").await.expect("new id works");
    assert!(m.chat.is_supergroup());
    assert_eq!(m.chat.title(), Some("Old group"));
}

#[tokio::test]
async fn flood_limits_answer_retry_after() {
    let tg = FakeTelegram::start().await;
    tg.add_private_chats(1..=100);
    tg.set_limits(Limits {
        global_per_sec: Some(30),
        per_chat_per_sec: Some(1),
        per_chat_burst: 1,
        per_group_per_min: Some(20),
        retry_after_secs: 3,
    });
    let b = bot(&tg);
    b.send_message(ChatId(1), "a").await.expect("first");
    let r = b.send_message(ChatId(1), "b").await;
    match r {
        Err(RequestError::RetryAfter(s)) => assert_eq!(s.seconds(), 3),
        other => panic!("expected RetryAfter, got {other:?}"),
    }
    for id in 2..=30 {
        b.send_message(ChatId(id), "x").await.expect("within global");
    }
    let r = b.send_message(ChatId(31), "x").await;
    assert!(matches!(r, Err(RequestError::RetryAfter(_))), "{r:?}");
    assert_eq!(tg.too_many_429s(), 2);
    assert_eq!(tg.deliveries().len(), 30);
    let failed = tg.requests_for("sendMessage");
    let last = failed.last().expect("recorded");
    assert_eq!(last.status, 429);
    assert_eq!(last.response.as_ref().map(|r| r["parameters"]["retry_after"].clone()), Some(serde_json::json!(3)));
}

#[tokio::test]
async fn document_upload_is_recorded_with_name_and_bytes() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", None);
    let b = bot(&tg);
    let bytes = b"BEGIN:VCALENDAR\nEND:VCALENDAR\n".to_vec();
    let m = b
        .send_document(ChatId(anna.id), InputFile::memory(bytes.clone()).file_name("assembly.ics"))
        .caption("<b>Assembly</b> on Friday")
        .parse_mode(ParseMode::Html)
        .await
        .expect("sendDocument");
    let doc = m.document().expect("document");
    assert_eq!(doc.file_name.as_deref(), Some("assembly.ics"));
    assert_eq!(doc.file.size as usize, bytes.len());
    assert_eq!(m.caption(), Some("Assembly on Friday"));
    assert_eq!(m.caption_entities().map(|e| e[0].kind.clone()), Some(MessageEntityKind::Bold));

    let req = tg.requests_for("senddocument").pop().expect("recorded");
    let file = req.file("document").expect("uploaded file");
    assert_eq!(file.file_name.as_deref(), Some("assembly.ics"));
    assert_eq!(file.bytes.as_ref(), bytes.as_slice());
    let state = tg.last_bot_message(anna.id).expect("state");
    assert_eq!(state.kind, "document");
    assert_eq!(state.file_name.as_deref(), Some("assembly.ics"));
    assert_eq!(state.file_bytes.as_deref(), Some(bytes.as_slice()));

    // The file id can be sent again and fetched.
    let again = b.send_document(ChatId(anna.id), InputFile::file_id(doc.file.id.clone())).await.expect("by file id");
    assert_eq!(again.document().map(|d| d.file.unique_id.clone()), Some(doc.file.unique_id.clone()));
    let file = b.get_file(doc.file.id.clone()).await.expect("getFile");
    let url = format!("{}file/bot{}/{}", tg.api_url(), tg.token(), file.path);
    let downloaded = reqwest::get(url).await.expect("download").bytes().await.expect("body");
    assert_eq!(downloaded.as_ref(), bytes.as_slice());
    assert_answers_conform(&tg);
}

#[tokio::test]
async fn photos_albums_venues_and_locations_parse() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", None);
    let b = bot(&tg);
    let photo = b
        .send_photo(ChatId(anna.id), InputFile::memory(vec![0xFFu8, 0xD8, 0xFF]).file_name("p.jpg"))
        .caption("Picket line")
        .await
        .expect("sendPhoto");
    assert_eq!(photo.photo().map(|p| p.len()), Some(3));
    assert_eq!(photo.caption(), Some("Picket line"));
    let venue = b.send_venue(ChatId(anna.id), 52.52, 13.40, "Union hall", "Main st 1").await.expect("sendVenue");
    assert_eq!(venue.venue().map(|v| v.title.clone()), Some("Union hall".to_owned()));
    let loc = b.send_location(ChatId(anna.id), 48.1, 11.5).await.expect("sendLocation");
    assert!(loc.location().is_some());
    let album = b
        .send_media_group(
            ChatId(anna.id),
            [
                teloxide::types::InputMedia::Photo(teloxide::types::InputMediaPhoto::new(
                    InputFile::memory(vec![1u8, 2, 3]).file_name("a.jpg"),
                )),
                teloxide::types::InputMedia::Photo(teloxide::types::InputMediaPhoto::new(
                    InputFile::memory(vec![4u8, 5, 6]).file_name("b.jpg"),
                )),
            ],
        )
        .await
        .expect("sendMediaGroup");
    assert_eq!(album.len(), 2);
    assert_eq!(album[0].media_group_id(), album[1].media_group_id());
    b.send_chat_action(ChatId(anna.id), teloxide::types::ChatAction::Typing).await.expect("typing");
    assert_eq!(tg.bot_messages_in(anna.id).len(), 5);
    assert_answers_conform(&tg);
}

#[tokio::test]
async fn copy_and_forward_keep_content_and_replies_point_back() {
    let tg = FakeTelegram::start().await;
    let org = tg.user(1001, "Organizer", None);
    let org_chat = tg.private_chat(&org);
    let member = tg.user(1002, "Member", None);
    let group = tg.supergroup(-100_777, "Members");
    let b = bot(&tg);
    let post = tg.send_text(&org, &org_chat, "Strike vote on Friday! https://example.org/vote");
    let post_id = post.message_id.expect("id");
    let copied =
        b.copy_message(ChatId(member.id), ChatId(org.id), MessageId(post_id as i32)).await.expect("copyMessage");
    let seen = tg.message(member.id, copied.0 as i64).expect("copy");
    assert_eq!(seen.text.as_deref(), Some("Strike vote on Friday! https://example.org/vote"));
    assert_eq!(seen.copied_from, Some((org.id, post_id)));
    assert!(seen.from_bot);
    assert!(seen.entities.iter().any(|e| e["type"] == "url"));

    let copies = b
        .copy_messages(ChatId(group.id), ChatId(org.id), [MessageId(post_id as i32), MessageId(999)])
        .await
        .expect("copyMessages");
    assert_eq!(copies.len(), 1);

    let fwd =
        b.forward_message(ChatId(group.id), ChatId(org.id), MessageId(post_id as i32)).await.expect("forwardMessage");
    assert!(fwd.forward_origin().is_some());

    let reply = b
        .send_message(ChatId(org.id), "Sent to 1 member")
        .reply_parameters(ReplyParameters::new(MessageId(post_id as i32)))
        .await
        .expect("reply");
    assert_eq!(reply.reply_to_message().map(|m| m.id.0 as i64), Some(post_id));
    assert_eq!(tg.last_bot_message(org.id).and_then(|m| m.reply_to), Some(post_id));
    let missing = b.send_message(ChatId(org.id), "x").reply_parameters(ReplyParameters::new(MessageId(777))).await;
    assert!(matches!(missing, Err(RequestError::Api(ApiError::MessageToReplyNotFound))));
    let missing = b.copy_message(ChatId(member.id), ChatId(org.id), MessageId(777)).await;
    assert!(matches!(missing, Err(RequestError::Api(ApiError::MessageToCopyNotFound))));
    assert_answers_conform(&tg);
}

#[tokio::test]
async fn formatting_is_applied_and_broken_markup_is_refused() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", None);
    let b = bot(&tg);
    let m = b
        .send_message(ChatId(anna.id), "<b>Assembly</b> at <i>5 pm</i> &amp; /help")
        .parse_mode(ParseMode::Html)
        .await
        .expect("html");
    assert_eq!(m.text(), Some("Assembly at 5 pm & /help"));
    let kinds: Vec<MessageEntityKind> = m.entities().expect("entities").iter().map(|e| e.kind.clone()).collect();
    assert_eq!(kinds, vec![MessageEntityKind::Bold, MessageEntityKind::Italic, MessageEntityKind::BotCommand]);
    let m = b
        .send_message(ChatId(anna.id), "*bold* and a dot\\.")
        .parse_mode(ParseMode::MarkdownV2)
        .await
        .expect("markdown");
    assert_eq!(m.text(), Some("bold and a dot."));
    let r = b.send_message(ChatId(anna.id), "Unescaped dot.").parse_mode(ParseMode::MarkdownV2).await;
    assert!(matches!(r, Err(RequestError::Api(ApiError::CantParseEntities(_)))), "{r:?}");
    let r = b.send_message(ChatId(anna.id), "line<br>break").parse_mode(ParseMode::Html).await;
    assert!(matches!(r, Err(RequestError::Api(ApiError::CantParseEntities(_)))), "{r:?}");
    let r = b.send_message(ChatId(anna.id), "x".repeat(4097)).await;
    assert!(matches!(r, Err(RequestError::Api(ApiError::MessageIsTooLong))), "{r:?}");
    let r = b.send_message(ChatId(anna.id), "  ").await;
    assert!(matches!(r, Err(RequestError::Api(ApiError::MessageTextIsEmpty))), "{r:?}");
    let long_data = InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("x", "d".repeat(65))]]);
    let r = b.send_message(ChatId(anna.id), "x").reply_markup(long_data).await;
    assert!(matches!(r, Err(RequestError::Api(ApiError::ButtonDataInvalid))), "{r:?}");
    assert_answers_conform(&tg);
}

#[tokio::test]
async fn commands_are_stored_per_scope_and_language() {
    let tg = FakeTelegram::start().await;
    let b = bot(&tg);
    b.set_my_commands([BotCommand::new("start", "Beginnen"), BotCommand::new("topics", "Themen wählen")])
        .language_code("de")
        .await
        .expect("setMyCommands");
    b.set_my_commands([BotCommand::new("start", "Start")]).await.expect("setMyCommands");
    assert_eq!(
        tg.my_commands(Some("de")),
        vec![("start".to_owned(), "Beginnen".to_owned()), ("topics".to_owned(), "Themen wählen".to_owned())]
    );
    let got = b.get_my_commands().language_code("de").await.expect("get");
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].command, "topics");
    assert_eq!(b.get_my_commands().await.expect("get").len(), 1);
    b.delete_my_commands().language_code("de").await.expect("delete");
    assert!(tg.my_commands(Some("de")).is_empty());
    let bad = b.set_my_commands([BotCommand::new("Start", "x")]).await;
    assert!(bad.is_err());
    assert_answers_conform(&tg);
}

#[tokio::test]
async fn wait_for_request_returns_as_soon_as_the_call_arrives() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", None);
    let b = bot(&tg);
    let mark = tg.mark();
    let sender = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        b.send_message(ChatId(anna.id), "late").await
    });
    let started = Instant::now();
    let req = tg
        .wait_for_request_after(mark, |r| r.method == "sendmessage" && r.text() == Some("late"), Duration::from_secs(5))
        .await
        .expect("request");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(req.chat_id(), Some(1001));
    sender.await.expect("task").expect("send");
    let none = tg.wait_for_request_after(tg.mark(), |r| r.method == "sendphoto", Duration::from_millis(100)).await;
    assert!(none.is_none());
}

#[tokio::test]
async fn a_teloxide_dispatcher_runs_against_the_fake() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", Some("de"));
    let chat = tg.private_chat(&anna);
    let b = bot(&tg);
    let handler = Update::filter_message().endpoint(|bot: Bot, msg: Message| async move {
        let text = format!("echo: {}", msg.text().unwrap_or_default());
        bot.send_message(msg.chat.id, text).await?;
        respond(())
    });
    let mut dispatcher = Dispatcher::builder(b.clone(), handler).build();
    let token = dispatcher.shutdown_token();
    let listener = teloxide::update_listeners::Polling::builder(b.clone()).timeout(SECOND).build();
    let run = tokio::spawn(async move {
        dispatcher.dispatch_with_listener(listener, LoggingErrorHandler::new()).await;
    });
    let mark = tg.mark();
    tg.send_text(&anna, &chat, "/start");
    let reply = tg
        .wait_for_request_after(mark, |r| r.method == "sendmessage", Duration::from_secs(5))
        .await
        .expect("the bot answered");
    assert_eq!(reply.text(), Some("echo: /start"));
    assert!(tg.wait_until_updates_confirmed(Duration::from_secs(5)).await);
    assert_eq!(tg.last_bot_message(chat.id).and_then(|m| m.text), Some("echo: /start".to_owned()));
    if let Ok(done) = token.shutdown() {
        tokio::time::timeout(Duration::from_secs(5), done).await.expect("dispatcher stops");
    }
    run.await.expect("dispatcher task");
    assert!(tg.requests_for("getupdates").iter().all(|r| r.is_ok()));
    assert_answers_conform(&tg);
    tg.shutdown().await;
}

#[tokio::test]
async fn member_edits_media_replies_channel_posts_and_raw_updates_parse() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", Some("de"));
    let chat = tg.private_chat(&anna);
    let news = tg.channel(-100_900, "Union news");
    let b = bot(&tg);
    let first = tg.send_text(&anna, &chat, "Hallo 👋 @basis_test_bot #streik");
    tg.edit_text(&anna, &chat, first.message_id.expect("id"), "Hallo, /topics");
    tg.send_reply(&anna, &chat, first.message_id.expect("id"), "answer");
    tg.send_photo(&anna, &chat, Some("Flyer"));
    tg.send_document(&anna, &chat, "list.csv", b"a,b\n", None);
    tg.channel_post(&news, "Assembly tomorrow");
    let raw = tg.inject_raw(serde_json::json!({
        "message": {
            "message_id": 50, "date": 1_700_000_000,
            "chat": {"id": 1001, "type": "private", "first_name": "Anna"},
            "from": {"id": 1001, "is_bot": false, "first_name": "Anna"},
            "text": "raw"
        }
    }));
    let updates = b.get_updates().await.expect("getUpdates");
    assert_eq!(updates.len(), 7);
    assert!(updates.iter().all(|u| !matches!(u.kind, UpdateKind::Error(_))), "{updates:?}");
    let UpdateKind::Message(m) = &updates[0].kind else { panic!("message") };
    let kinds: Vec<MessageEntityKind> = m.entities().expect("entities").iter().map(|e| e.kind.clone()).collect();
    assert_eq!(kinds, vec![MessageEntityKind::Mention, MessageEntityKind::Hashtag]);
    // "Hallo 👋 " is 9 UTF-16 units: the emoji counts twice.
    assert_eq!(m.entities().expect("entities")[0].offset, 9);
    let UpdateKind::EditedMessage(e) = &updates[1].kind else { panic!("edited") };
    assert_eq!(e.text(), Some("Hallo, /topics"));
    assert!(e.edit_date().is_some());
    let UpdateKind::Message(r) = &updates[2].kind else { panic!("reply") };
    assert_eq!(r.reply_to_message().map(|m| m.id), Some(MessageId(1)));
    let UpdateKind::Message(p) = &updates[3].kind else { panic!("photo") };
    assert_eq!(p.caption(), Some("Flyer"));
    assert!(p.photo().is_some());
    let UpdateKind::Message(d) = &updates[4].kind else { panic!("document") };
    assert_eq!(d.document().and_then(|d| d.file_name.clone()).as_deref(), Some("list.csv"));
    let UpdateKind::ChannelPost(c) = &updates[5].kind else { panic!("channel post") };
    assert!(c.chat.is_channel());
    assert_eq!(updates[6].id.0 as i64, raw);
    assert_eq!(tg.messages_in(chat.id).len(), 4);
    assert_eq!(tg.message(chat.id, 1).map(|m| m.edits), Some(1));

    // The organizer's photo can be copied to a member by the bot.
    let ben = tg.user(1002, "Ben", None);
    let copy = b
        .copy_message(ChatId(ben.id), ChatId(anna.id), MessageId(3))
        .caption("Flyer for you")
        .await
        .expect("copy photo");
    let seen = tg.message(ben.id, copy.0 as i64).expect("copied");
    assert_eq!(seen.kind, "photo");
    assert_eq!(seen.caption.as_deref(), Some("Flyer for you"));
    assert_answers_conform(&tg);
}

#[tokio::test]
async fn observers_see_what_the_bot_does() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", None);
    let mut events = tg.subscribe();
    let b = bot(&tg);
    let m = b.send_message(ChatId(anna.id), "hi").await.expect("send");
    b.delete_message(ChatId(anna.id), m.id).await.expect("delete");
    assert_eq!(
        events.recv().await.expect("event"),
        basis_telegram_fake::FakeEvent::MessageSent { chat_id: anna.id, message_id: m.id.0 as i64 }
    );
    assert_eq!(
        events.recv().await.expect("event"),
        basis_telegram_fake::FakeEvent::MessageDeleted { chat_id: anna.id, message_id: m.id.0 as i64 }
    );
    assert!(tg.bot_messages_in(anna.id).is_empty());
    assert!(tg.messages_in(anna.id)[0].deleted);
}

#[tokio::test]
async fn channels_by_username_and_custom_chat_errors() {
    let tg = FakeTelegram::start().await;
    let news = tg.channel(-100_900, "Union news");
    tg.set_chat_username(news.id, "union_news");
    let b = bot(&tg);
    let post = b
        .send_message(teloxide::types::Recipient::ChannelUsername("@union_news".into()), "Strike!")
        .await
        .expect("post by username");
    assert_eq!(post.chat.id, ChatId(news.id));
    assert!(post.from.is_none());
    assert_eq!(post.chat.username(), Some("union_news"));
    tg.set_chat_error(news.id, 400, "Bad Request: CHAT_WRITE_FORBIDDEN");
    let r = b.send_message(ChatId(news.id), "again").await;
    assert!(
        matches!(&r, Err(RequestError::Api(ApiError::Unknown(s))) if s == "Bad Request: CHAT_WRITE_FORBIDDEN"),
        "{r:?}"
    );
    tg.unblock_chat(news.id);
    b.send_message(ChatId(news.id), "again").await.expect("allowed again");
    assert_answers_conform(&tg);
}
