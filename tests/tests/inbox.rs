//! Members write back: the organizers' inbox, end to end against the fake
//! Bot API on both engines. A member's messages reach the inbox group as
//! copies under a case label without a name, in a forum topic of their own
//! or as a thread of replies; organizers' answers reach the member, and
//! nobody else's do. A wave of answers after a broadcast is relayed in
//! order without a 429 while members are answered at once; a restart loses
//! nothing; `/stop` leaves no trace.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use basis::Hooks;
use basis_storage::testing::TestDatabase;
use basis_telegram_fake::{AdminRights, Limits, MemberMessage, RecordedRequest, TgMessageState};
use basis_tests::{Member, PATIENCE, TestApp, chat_of, message_id_of};

const OWNER: i64 = 500;
const ORGANIZER: i64 = 600;
/// In the inbox group, but no organizer.
const BYSTANDER: i64 = 700;
/// An organizer whose rights the owner takes away.
const REVOKED: i64 = 800;
const GROUP: i64 = -100_900;

/// The inbox group and the people in it.
struct InboxGroup {
    owner: Member,
    organizer: Member,
    bystander: Member,
    revoked: Member,
    /// What `/inbox` answered.
    answer: String,
}

async fn grant(app: &TestApp, user: i64) {
    app.grant(user, "", &[], OWNER, basis_storage::now_ms()).await;
}

/// An owner makes a group the inbox: a forum (topics on) or a group
/// without topics. The bot is an admin there, in a forum one who manages
/// topics.
async fn inbox_group(app: &TestApp, forum: bool) -> InboxGroup {
    let fake = &app.fake;
    let group = match forum {
        true => fake.forum(GROUP, "Inbox IG Beispiel"),
        false => fake.supergroup(GROUP, "Inbox IG Beispiel"),
    };
    fake.make_bot_admin(GROUP, if forum { AdminRights::topic_manager() } else { AdminRights::default() });
    let person = |id: i64, name: &str| {
        let user = fake.user(id, name, Some("de"));
        Member { user, chat: group.clone() }
    };
    let (owner, organizer, bystander, revoked) =
        (person(OWNER, "Olga"), person(ORGANIZER, "Omar"), person(BYSTANDER, "Bea"), person(REVOKED, "Rolf"));
    for admin in [OWNER, ORGANIZER, REVOKED] {
        fake.set_admin(GROUP, admin, AdminRights::topic_manager());
    }
    fake.set_member_status(GROUP, BYSTANDER, "member");
    grant(app, ORGANIZER).await;
    grant(app, REVOKED).await;
    let answer = app.ask(&owner, "/inbox").await.text.unwrap_or_default();
    assert!(answer.starts_with("📥 Diese Gruppe ist jetzt die Inbox von IG Beispiel."), "{answer}");
    InboxGroup { owner, organizer, bystander, revoked, answer }
}

fn is_copy(r: &RecordedRequest, from: i64, id: i64, to: i64) -> bool {
    r.is_ok()
        && r.method == "copymessage"
        && chat_of(r) == Some(to)
        && r.params["from_chat_id"].as_i64() == Some(from)
        && r.params["message_id"].as_i64() == Some(id)
}

/// The copy of message `id` of chat `from` the bot makes in chat `to`,
/// once it is made.
async fn copy_of(app: &TestApp, mark: usize, from: i64, id: i64, to: i64) -> TgMessageState {
    let made = app.fake.wait_for_request_after(mark, |r| is_copy(r, from, id, to), PATIENCE).await;
    let made = made.unwrap_or_else(|| {
        let calls: Vec<String> = app.fake.requests()[mark..]
            .iter()
            .filter(|r| r.method != "getupdates")
            .map(|r| format!("{} {} {} {:?}", r.method, r.status, r.params, r.response))
            .collect();
        panic!("message {id} of {from} was not copied to {to}; since: {calls:#?}")
    });
    let copy = message_id_of(&made).expect("copyMessage answers with the copy's id");
    // Recorded right after it is made: from then on a reply to it (or to
    // the answer it copies) finds its way.
    let recorded = if to == GROUP { copy } else { id };
    let deadline = Instant::now() + PATIENCE;
    while app.storage().inbox_message(basis_storage::ChatId(GROUP), recorded).await.unwrap().is_none() {
        assert!(Instant::now() < deadline, "the copy of message {id} of {from} was not recorded");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    app.fake.message(to, copy).expect("the copy exists")
}

/// `who` sends `message`; returns its id.
fn send(app: &TestApp, who: &Member, message: MemberMessage) -> i64 {
    app.fake.send(&who.user, &who.chat, message).message_id.expect("a message id")
}

/// The bot's texts in `chat` since `mark` that start with `prefix`.
fn said(app: &TestApp, mark: usize, chat: i64, prefix: &str) -> Vec<String> {
    app.fake.requests()[mark..]
        .iter()
        .filter(|r| r.is_ok() && r.method == "sendmessage" && chat_of(r) == Some(chat))
        .filter_map(|r| r.text().filter(|t| t.starts_with(prefix)).map(str::to_owned))
        .collect()
}

/// Waits for the bot's message in the inbox group starting with `prefix`.
async fn group_says(app: &TestApp, mark: usize, prefix: &str) -> String {
    let answer = app
        .fake
        .wait_for_request_after(
            mark,
            |r| {
                r.method == "sendmessage"
                    && chat_of(r) == Some(GROUP)
                    && r.text().is_some_and(|t| t.starts_with(prefix))
            },
            PATIENCE,
        )
        .await;
    answer.unwrap_or_else(|| panic!("the inbox group was not told {prefix:?}")).text().unwrap_or_default().to_owned()
}

/// How an organizer answers in the conversation whose copy is `copy`: in
/// its topic (a forum), as a reply to it (otherwise); `reply` makes it a
/// reply in a forum too.
fn answering(forum: bool, copy: &TgMessageState, reply: bool, message: MemberMessage) -> MemberMessage {
    match (forum, reply) {
        (true, false) => message.in_thread(copy.thread_id.expect("a copy in a topic")),
        _ => message.reply_to(copy.message_id),
    }
}

/// A member and an organizer talk: text, photo and voice both ways; then
/// the organizer closes the conversation and the member opens it again.
async fn conversation(forum: bool) {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let app = TestApp::spawn_configured(db, Hooks::default(), |c| c.owners = vec![OWNER]).await;
        let inbox = inbox_group(&app, forum).await;
        let how = if forum {
            "jedes Gespräch in einem eigenen Thema"
        } else {
            "jedes Gespräch beginnt mit einer Nachricht"
        };
        assert!(inbox.answer.contains(how), "{engine:?}: {}", inbox.answer);
        assert!(
            inbox.answer.ends_with("\nAntworten kommen beim Mitglied ohne Namen an, vom Team."),
            "{}",
            inbox.answer
        );
        let anna = app.member(1_001, Some("de"));
        app.ask(&anna, "/start strikes").await;
        app.ask(&anna, "/subscribe energy").await;

        // Anna writes: she is told once where it goes, and it arrives
        // under a label with her case and topics, without her name.
        let mark = app.fake.mark();
        let hello = send(&app, &anna, MemberMessage::text("Ich bin dabei! Wo treffen wir uns?"));
        let notice = app.next_message_after(mark, anna.chat_id()).await.text.unwrap_or_default();
        assert!(notice.starts_with("📨 Deine Nachricht geht an das Team von IG Beispiel."), "{engine:?}: {notice}");
        let copy = copy_of(&app, mark, anna.chat_id(), hello, GROUP).await;
        assert_eq!(copy.text.as_deref(), Some("Ich bin dabei! Wo treffen wir uns?"));
        let label = "Mitglied #1 · Energie & Klima, Streiks";
        match forum {
            true => {
                let topics = app.fake.topics(GROUP);
                assert_eq!(topics.len(), 1, "{engine:?}: one topic for the conversation");
                assert_eq!(topics[0].name, label);
                assert_eq!(copy.thread_id, Some(topics[0].thread_id), "the copy is in the member's topic");
            }
            false => {
                let header = app.fake.message(GROUP, copy.reply_to.expect("the copy replies to the label")).unwrap();
                assert!(header.text.unwrap_or_default().starts_with(&format!("📨 {label}\n")), "{engine:?}");
            }
        }

        // A photo and a voice message travel as copies, in order, under
        // the same label; the notice is not repeated.
        let mark = app.fake.mark();
        let photo = send(&app, &anna, MemberMessage::photo(b"\x89PNG plakat").caption("Unser Plakat"));
        let voice = send(&app, &anna, MemberMessage::voice(4, b"OggS frage"));
        let photo_copy = copy_of(&app, mark, anna.chat_id(), photo, GROUP).await;
        let voice_copy = copy_of(&app, mark, anna.chat_id(), voice, GROUP).await;
        assert_eq!((photo_copy.kind, photo_copy.caption.as_deref()), ("photo", Some("Unser Plakat")));
        assert_eq!(photo_copy.file_bytes.as_deref(), Some(&b"\x89PNG plakat"[..]), "the photo travels by id");
        assert_eq!(voice_copy.kind, "voice");
        assert!(copy.message_id < photo_copy.message_id && photo_copy.message_id < voice_copy.message_id);
        match forum {
            true => assert_eq!((photo_copy.thread_id, voice_copy.thread_id), (copy.thread_id, copy.thread_id)),
            false => assert_eq!((photo_copy.reply_to, voice_copy.reply_to), (copy.reply_to, copy.reply_to)),
        }
        app.barrier(&anna, mark).await;
        assert!(said(&app, mark, anna.chat_id(), "📨").is_empty(), "{engine:?}: told once per conversation");
        let in_inbox: Vec<String> = app
            .fake
            .bot_messages_in(GROUP)
            .iter()
            .map(|m| format!("{:?} {:?}", m.text, m.caption))
            .chain(app.fake.topics(GROUP).into_iter().map(|t| t.name))
            .collect();
        assert!(!in_inbox.iter().any(|m| m.contains("Alex") || m.contains("1001")), "{engine:?}: {in_inbox:?}");

        // The organizer answers: a text in the conversation, a photo as a
        // reply to Anna's photo, a voice message.
        let mark = app.fake.mark();
        let text =
            send(&app, &inbox.organizer, answering(forum, &copy, false, MemberMessage::text("Um 6 Uhr an Tor 3.")));
        let picture =
            send(&app, &inbox.organizer, answering(forum, &photo_copy, true, MemberMessage::photo(b"\x89PNG karte")));
        let spoken = send(&app, &inbox.organizer, answering(forum, &copy, false, MemberMessage::voice(2, b"OggS ja")));
        let text_copy = copy_of(&app, mark, GROUP, text, anna.chat_id()).await;
        let picture_copy = copy_of(&app, mark, GROUP, picture, anna.chat_id()).await;
        let spoken_copy = copy_of(&app, mark, GROUP, spoken, anna.chat_id()).await;
        assert_eq!(text_copy.text.as_deref(), Some("Um 6 Uhr an Tor 3."), "{engine:?}");
        assert_eq!((picture_copy.kind, spoken_copy.kind), ("photo", "voice"));
        assert_eq!(picture_copy.reply_to, Some(photo), "{engine:?}: the answer to her photo replies to it");
        let expected = if forum { None } else { Some(hello) };
        assert_eq!(text_copy.reply_to, expected, "{engine:?}: a reply to her copy answers her message");
        assert!(text_copy.message_id < picture_copy.message_id && picture_copy.message_id < spoken_copy.message_id);
        let anna_got: Vec<String> =
            app.fake.bot_messages_in(anna.chat_id()).iter().filter_map(|m| m.text.clone()).collect();
        assert!(!anna_got.iter().any(|t| t.contains("Omar")), "{engine:?}: answers come from the team: {anna_got:?}");

        // Anna replies to the answer: her copy replies to the organizer's
        // message.
        let mark = app.fake.mark();
        let thanks = send(&app, &anna, MemberMessage::text("Danke!").reply_to(text_copy.message_id));
        let thanks_copy = copy_of(&app, mark, anna.chat_id(), thanks, GROUP).await;
        assert_eq!(thanks_copy.reply_to, Some(text), "{engine:?}");

        // The organizer closes the conversation; Anna's next message opens
        // it again, and she is told again.
        let mark = app.fake.mark();
        send(&app, &inbox.organizer, answering(forum, &copy, false, MemberMessage::text("/close")));
        let closed = group_says(&app, mark, "🔒").await;
        assert_eq!(
            closed,
            format!("🔒 Das Gespräch mit {label} ist geschlossen. Schreibt das Mitglied wieder, öffnet es sich neu.")
        );
        if forum {
            let topic = copy.thread_id.unwrap();
            let closed =
                app.fake.wait_for_request_after(mark, |r| r.method == "closeforumtopic" && r.is_ok(), PATIENCE);
            assert!(closed.await.is_some(), "{engine:?}: the topic is closed");
            assert!(app.fake.topic(GROUP, topic).unwrap().closed);
        }
        let mark = app.fake.mark();
        let again = send(&app, &anna, MemberMessage::text("Noch eine Frage"));
        let again_copy = copy_of(&app, mark, anna.chat_id(), again, GROUP).await;
        app.barrier(&anna, mark).await;
        assert_eq!(said(&app, mark, anna.chat_id(), "📨").len(), 1, "{engine:?}: a new conversation, told again");
        match forum {
            true => {
                assert_eq!(again_copy.thread_id, copy.thread_id, "{engine:?}: the same topic, opened again");
                assert!(!app.fake.topic(GROUP, copy.thread_id.unwrap()).unwrap().closed);
                assert_eq!(app.fake.topics(GROUP).len(), 1);
            }
            false => {
                assert_ne!(again_copy.reply_to, copy.reply_to, "{engine:?}: a new conversation gets a new label");
                let header = app.fake.message(GROUP, again_copy.reply_to.unwrap()).unwrap();
                assert!(header.text.unwrap_or_default().starts_with(&format!("📨 {label}")));
            }
        }
        assert_eq!(app.fake.too_many_429s(), 0);
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn a_member_and_an_organizer_talk_through_a_forum_inbox() {
    conversation(true).await;
}

#[tokio::test]
async fn a_member_and_an_organizer_talk_through_a_group_without_topics() {
    conversation(false).await;
}

#[tokio::test]
async fn only_organizers_reach_members_and_only_while_they_are_organizers() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let app = TestApp::spawn_configured(db, Hooks::default(), |c| c.owners = vec![OWNER]).await;
        let inbox = inbox_group(&app, true).await;
        let anna = app.member(1_001, Some("de"));
        let mark = app.fake.mark();
        let hello = send(&app, &anna, MemberMessage::text("Hallo?"));
        let copy = copy_of(&app, mark, anna.chat_id(), hello, GROUP).await;
        let topic = copy.thread_id.expect("a topic");

        // A group member who is no organizer, and an organizer whose rights
        // were taken away, write in Anna's topic and reply to her copy.
        assert!(
            app.storage()
                .revoke_organizer(basis_storage::UserId(REVOKED), basis_storage::UserId(OWNER), basis_storage::now_ms())
                .await
                .unwrap()
        );
        let mark = app.fake.mark();
        let strays = [
            send(&app, &inbox.bystander, MemberMessage::text("Ich bin auch dafür").in_thread(topic)),
            send(&app, &inbox.bystander, MemberMessage::photo(b"\x89PNG").reply_to(copy.message_id)),
            send(&app, &inbox.revoked, MemberMessage::text("Noch da?").in_thread(topic)),
            send(&app, &inbox.revoked, MemberMessage::text("Hallo Anna").reply_to(copy.message_id)),
        ];
        // Then the organizer answers. Answers to a member go in order, so
        // once this one is there, nothing before it is still on its way.
        let answer = send(&app, &inbox.organizer, MemberMessage::text("Wir sind da.").in_thread(topic));
        copy_of(&app, mark, GROUP, answer, anna.chat_id()).await;
        let copies: Vec<RecordedRequest> =
            app.fake.requests().into_iter().filter(|r| r.method == "copymessage").collect();
        for stray in strays {
            assert!(
                !copies.iter().any(|r| r.params["message_id"].as_i64() == Some(stray)
                    && r.params["from_chat_id"].as_i64() == Some(GROUP)),
                "{engine:?}: message {stray} reached someone"
            );
        }
        let to_anna = copies.iter().filter(|r| chat_of(r) == Some(anna.chat_id())).count();
        assert_eq!(to_anna, 1, "{engine:?}: only the organizer's answer reached Anna");

        // The owner answers too; the bot's own notices and organizers'
        // messages elsewhere in the group reach nobody.
        let mark = app.fake.mark();
        let elsewhere = send(&app, &inbox.organizer, MemberMessage::text("Wer übernimmt morgen?"));
        let owners = send(&app, &inbox.owner, MemberMessage::text("Bis morgen!").reply_to(copy.message_id));
        copy_of(&app, mark, GROUP, owners, anna.chat_id()).await;
        assert!(!app.fake.requests()[mark..].iter().any(|r| is_copy(r, GROUP, elsewhere, anna.chat_id())));
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn signed_answers_carry_the_organizers_first_name() {
    let app = TestApp::spawn_configured(TestDatabase::sqlite().await, Hooks::default(), |c| {
        c.owners = vec![OWNER];
        c.inbox_signed = true;
    })
    .await;
    let inbox = inbox_group(&app, false).await;
    assert!(inbox.answer.ends_with("\nAntworten kommen beim Mitglied mit dem Vornamen der Person an, die antwortet."));
    let anna = app.member(1_001, Some("en"));
    let mark = app.fake.mark();
    let hello = send(&app, &anna, MemberMessage::text("Hello?"));
    let copy = copy_of(&app, mark, anna.chat_id(), hello, GROUP).await;
    let mark = app.fake.mark();
    let answer = send(&app, &inbox.organizer, MemberMessage::text("Hi Anna").reply_to(copy.message_id));
    let answered = copy_of(&app, mark, GROUP, answer, anna.chat_id()).await;
    let got: Vec<String> = app.fake.bot_messages_in(anna.chat_id()).iter().filter_map(|m| m.text.clone()).collect();
    let signature = got.iter().position(|t| t == "✍️ Omar (IG Beispiel):").expect("a signature");
    assert_eq!(got.last().map(String::as_str), Some("Hi Anna"));
    assert!(got.len() >= 2 && signature == got.len() - 2, "the signature comes right before the answer: {got:?}");
    assert_eq!(answered.reply_to, Some(hello));
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_muted_member_is_told_nothing_and_nothing_is_relayed() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let app = TestApp::spawn_configured(db, Hooks::default(), |c| c.owners = vec![OWNER]).await;
        let inbox = inbox_group(&app, true).await;
        let troll = app.member(1_002, Some("de"));
        let mark = app.fake.mark();
        let first = send(&app, &troll, MemberMessage::text("Spam"));
        let copy = copy_of(&app, mark, troll.chat_id(), first, GROUP).await;
        let topic = copy.thread_id.unwrap();

        let mark = app.fake.mark();
        send(&app, &inbox.organizer, MemberMessage::text("/mute").in_thread(topic));
        let muted = group_says(&app, mark, "🔇").await;
        assert!(muted.starts_with("🔇 Mitglied #1 ist stummgeschaltet"), "{engine:?}: {muted}");
        let mark = app.fake.mark();
        for text in ["Spam", "Noch mehr Spam"] {
            send(&app, &troll, MemberMessage::text(text));
        }
        let heard = app.barrier(&troll, mark).await;
        assert!(heard.is_empty(), "{engine:?}: a muted member is told nothing: {heard:?}");
        assert!(!app.fake.requests()[mark..].iter().any(|r| r.method == "copymessage"), "{engine:?}: nothing relayed");

        let mark = app.fake.mark();
        send(&app, &inbox.organizer, MemberMessage::text("/mute off").in_thread(topic));
        group_says(&app, mark, "🔊").await;
        let mark = app.fake.mark();
        let later = send(&app, &troll, MemberMessage::text("Entschuldigung"));
        copy_of(&app, mark, troll.chat_id(), later, GROUP).await;
        app.stop().await.unwrap();
    }
}

/// The copies into the inbox group since `mark`, per member, in the order
/// they were made.
fn relayed(requests: &[RecordedRequest]) -> HashMap<i64, Vec<i64>> {
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in requests.iter().filter(|r| r.is_ok() && r.method == "copymessage" && chat_of(r) == Some(GROUP)) {
        let (from, id) = (r.params["from_chat_id"].as_i64().unwrap(), r.params["message_id"].as_i64().unwrap());
        out.entry(from).or_default().push(id);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wave_of_answers_to_a_broadcast_is_relayed_in_order_while_members_are_answered_at_once() {
    const WAVE: i64 = 200;
    const FIRST: i64 = 200_000;
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        // Telegram's global limit (30 a second), but an inbox group that
        // takes 40 a second: at Telegram's one a second and 20 a minute the
        // wave would take twenty minutes to land, as it would on Telegram
        // (the next test keeps that limit).
        let hooks = Hooks {
            outbound: Some(basis_outbound::Settings {
                chat_period: Duration::from_millis(25),
                group_period: Duration::from_millis(25),
                ..basis_tests::production_outbound()
            }),
            ..Hooks::default()
        };
        let app = TestApp::spawn_configured(db, hooks, |c| c.owners = vec![OWNER]).await;
        let inbox = inbox_group(&app, true).await;
        app.fake.set_limits(Limits {
            per_chat_per_sec: Some(50),
            per_group_per_min: Some(3_000),
            ..Limits::telegram()
        });
        let crowd: Vec<Member> = (FIRST..FIRST + WAVE).map(|id| app.member(id, Some("de"))).collect();
        app.subscribers(FIRST..FIRST + WAVE, &["strikes"]).await;
        let post = app.post_normal(&inbox.owner, &["strikes"], "Warnstreik morgen ab 6 Uhr – wer ist dabei?").await;
        app.finished(&inbox.owner, post, Duration::from_secs(60)).await;

        // Everyone answers within a second, twice: as a reply to the post,
        // and once more.
        let mark = app.fake.mark();
        let began = Instant::now();
        let mut sent: HashMap<i64, Vec<i64>> = HashMap::new();
        for member in &crowd {
            let post_copy = app.fake.bot_messages_in(member.chat_id()).last().map(|m| m.message_id).unwrap();
            let first = send(&app, member, MemberMessage::text("Ich bin dabei!").reply_to(post_copy));
            sent.entry(member.chat_id()).or_default().push(first);
        }
        for member in &crowd {
            let second = send(&app, member, MemberMessage::text("Bis morgen!"));
            sent.entry(member.chat_id()).or_default().push(second);
        }
        assert!(began.elapsed() < Duration::from_secs(1), "the wave took {:?} to write", began.elapsed());

        // Each is told once where their message goes. Once all are told,
        // copies are still on their way: a member's /start is answered at
        // once all the same.
        let deadline = Instant::now() + Duration::from_secs(120);
        while notices(&app, mark) < WAVE as usize {
            assert!(Instant::now() < deadline, "{engine:?}: only {} of {WAVE} were told", notices(&app, mark));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let waiting = app.storage().inbox_waiting().await.unwrap();
        assert!(waiting > 0, "{engine:?}: the relays were done before the /start: nothing proven");
        let newcomer = app.member(300_000, Some("de"));
        let asked = Instant::now();
        let welcome = app.ask(&newcomer, "/start").await;
        let latency = asked.elapsed();
        assert!(welcome.text.unwrap_or_default().starts_with("Willkommen bei IG Beispiel!"));
        let still = app.storage().inbox_waiting().await.unwrap();
        // Answered while relays still wait: replies go first (the figures
        // are basis-bench's, not this test's).
        assert!(still > 0, "{engine:?}: the /start came after the wave");

        // Every message reaches the inbox once, in order per member, and
        // Telegram never had to say slow down.
        let deadline = Instant::now() + Duration::from_secs(120);
        while app.storage().inbox_waiting().await.unwrap() > 0 {
            assert!(Instant::now() < deadline, "{engine:?}: the wave was not relayed within two minutes");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let got = relayed(&app.fake.requests()[mark..]);
        assert_eq!(got.len(), WAVE as usize, "{engine:?}: every member reached the inbox");
        for (member, messages) in &sent {
            assert_eq!(got.get(member), Some(messages), "{engine:?}: member {member}'s messages, once each, in order");
        }
        assert_eq!(app.fake.topics(GROUP).len(), WAVE as usize, "{engine:?}: a topic per member");
        assert_eq!(app.fake.too_many_429s(), 0, "{engine:?}: no 429");
        eprintln!(
            "{engine:?}: {} messages of {WAVE} members relayed in {:.1?}; /start answered in {latency:?} with {still} relays waiting",
            2 * WAVE,
            began.elapsed()
        );
        app.stop().await.unwrap();
    }
}

/// Members told where their message goes since `mark`.
fn notices(app: &TestApp, mark: usize) -> usize {
    app.fake.requests()[mark..]
        .iter()
        .filter(|r| {
            r.is_ok() && r.method == "sendmessage" && r.text().is_some_and(|t| t.starts_with("📨 Deine Nachricht"))
        })
        .count()
}

#[tokio::test]
async fn the_group_limit_holds_and_what_waits_for_it_waits_in_the_database() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let hooks = Hooks { outbound: Some(basis_tests::production_outbound()), ..Hooks::default() };
        let app = TestApp::spawn_configured(db, hooks, |c| c.owners = vec![OWNER]).await;
        inbox_group(&app, true).await;
        app.fake.set_limits(Limits::telegram());
        // Twelve members write at once: ten copies go at once (the group's
        // burst), the rest one per six seconds, so that no minute holds
        // more than Telegram's 20.
        let mark = app.fake.mark();
        let members: Vec<Member> = (1_100..1_112).map(|id| app.member(id, Some("de"))).collect();
        for member in &members {
            send(&app, member, MemberMessage::text("Ich bin dabei!"));
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut waited = Vec::new();
        while relayed(&app.fake.requests()[mark..]).len() < members.len() {
            waited.push(app.storage().inbox_waiting().await.unwrap());
            assert!(Instant::now() < deadline, "{engine:?}: not relayed within a minute");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let times: Vec<Instant> = app.fake.requests()[mark..]
            .iter()
            .filter(|r| r.is_ok() && r.method == "copymessage" && chat_of(r) == Some(GROUP))
            .map(|r| r.at)
            .collect();
        let span = times[times.len() - 1].duration_since(times[0]);
        assert!(span >= Duration::from_secs(10), "{engine:?}: twelve copies in {span:?} break the group limit");
        assert!(waited.iter().any(|w| *w >= 1), "{engine:?}: the excess waited in the database: {waited:?}");
        assert_eq!(app.fake.too_many_429s(), 0, "{engine:?}");
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn a_restart_mid_wave_loses_nothing_and_relays_nothing_twice() {
    const WAVE: i64 = 60;
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let app = TestApp::spawn_configured(db, Hooks::default(), |c| c.owners = vec![OWNER]).await;
        inbox_group(&app, true).await;
        // Telegram answers the inbox slowly: the wave is still on its way
        // when the bot stops.
        app.fake.set_chat_latency(GROUP, Duration::from_millis(100));
        let mark = app.fake.mark();
        let members: Vec<Member> = (2_000..2_000 + WAVE).map(|id| app.member(id, Some("de"))).collect();
        let mut sent: HashMap<i64, Vec<i64>> = HashMap::new();
        for member in &members {
            for text in ["Ich bin dabei!", "Bis morgen!"] {
                sent.entry(member.chat_id()).or_default().push(send(&app, member, MemberMessage::text(text)));
            }
        }
        let some = app.fake.wait_for_request_after(mark, |r| r.method == "copymessage", PATIENCE).await;
        assert!(some.is_some(), "{engine:?}: the wave began");
        let (db, fake) = app.stop_keeping_state().await;
        let waiting = db.storage.inbox_waiting().await.unwrap();
        assert!(waiting > 0, "{engine:?}: the stop came too late to test anything");

        let app = TestApp::spawn_full(db, Some(fake), Hooks::default(), |c| c.owners = vec![OWNER]).await;
        let deadline = Instant::now() + Duration::from_secs(60);
        while app.storage().inbox_waiting().await.unwrap() > 0 {
            assert!(Instant::now() < deadline, "{engine:?}: the rest was not relayed after the restart");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let got = relayed(&app.fake.requests()[mark..]);
        for (member, messages) in &sent {
            assert_eq!(got.get(member), Some(messages), "{engine:?}: member {member}: all, once, in order");
        }
        eprintln!("{engine:?}: {waiting} of {} relays waited across the restart", 2 * WAVE);
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn a_flooding_member_is_relayed_no_further_than_flood_control_lets_them() {
    const FLOODER: i64 = 1_003;
    let entered = Arc::new(AtomicUsize::new(0));
    let counter = entered.clone();
    let hooks = Hooks {
        probe: Some(Arc::new(move |update: &teloxide::types::Update| {
            if update.chat().is_some_and(|c| c.id.0 == FLOODER) {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        })),
        ..Hooks::default()
    };
    let app = TestApp::spawn_configured(TestDatabase::sqlite().await, hooks, |c| {
        c.owners = vec![OWNER];
        c.flood_per_minute = 30;
    })
    .await;
    inbox_group(&app, true).await;
    let flooder = app.member(FLOODER, Some("en"));
    let mark = app.fake.mark();
    for i in 0..100 {
        send(&app, &flooder, MemberMessage::text(&format!("Spam {i}")));
    }
    // Every update went into the handler tree, and what got through is
    // relayed.
    let deadline = Instant::now() + PATIENCE;
    while entered.load(Ordering::SeqCst) < 100 || app.storage().inbox_waiting().await.unwrap() > 0 {
        assert!(Instant::now() < deadline, "{} of 100 updates handled", entered.load(Ordering::SeqCst));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_db, fake) = app.stop_keeping_state().await;
    let requests = &fake.requests()[mark..];
    let flooded = relayed(requests).get(&FLOODER).map_or(0, Vec::len);
    assert_eq!(flooded, 30, "the first 30 went through flood control, the rest not");
    let told = |prefix: &str| {
        requests
            .iter()
            .filter(|r| chat_of(r) == Some(FLOODER) && r.text().is_some_and(|t| t.starts_with(prefix)))
            .count()
    };
    assert_eq!((told("📨"), told("⏳")), (1, 1), "told once where it goes, once that they are throttled");
    fake.shutdown().await;
}

#[tokio::test]
async fn mydata_shows_the_conversation_and_stop_removes_every_trace_of_it() {
    const CHAT: i64 = 987_654_320;
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let app = TestApp::spawn_configured(db, Hooks::default(), |c| c.owners = vec![OWNER]).await;
        let inbox = inbox_group(&app, false).await;
        let anna = app.member(CHAT, Some("en"));
        // Anna never chose a topic: she only wrote to the organizers.
        let mark = app.fake.mark();
        let hello = send(&app, &anna, MemberMessage::text("Hello?"));
        let copy = copy_of(&app, mark, CHAT, hello, GROUP).await;
        let mark = app.fake.mark();
        let answer = send(&app, &inbox.organizer, MemberMessage::text("Hi!").reply_to(copy.message_id));
        copy_of(&app, mark, GROUP, answer, CHAT).await;
        let mark = app.fake.mark();
        send(&app, &anna, MemberMessage::text("Thanks"));
        app.fake.wait_for_request_after(mark, |r| r.method == "copymessage", PATIENCE).await;
        while app.storage().inbox_waiting().await.unwrap() > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        let privacy = app.ask(&anna, "/privacy").await.text.unwrap_or_default();
        assert!(privacy.contains("• A conversation with the organizers: case #1, since"), "{engine:?}: {privacy}");
        assert!(privacy.contains("4 messages are matched to each other (numbers only, no texts)"), "{privacy}");
        let mark = app.fake.mark();
        app.fake.send_text(&anna.user, &anna.chat, "/mydata");
        let file = app
            .fake
            .wait_for_request_after(mark, |r| r.method == "senddocument" && chat_of(r) == Some(CHAT), PATIENCE)
            .await
            .expect("/mydata's file");
        let data: serde_json::Value = serde_json::from_slice(&file.files[0].bytes).unwrap();
        assert_eq!(data["inbox"]["case"], 1, "{engine:?}: {data}");
        assert_eq!(data["inbox"]["messages_matched"], 4);
        assert!(data["inbox"]["first_answer_at"].is_string() && data["inbox"]["closed_at"].is_null());
        assert!(!data.to_string().contains("Hello?"), "no text is stored");

        let held = app.db.columns_mentioning(&CHAT.to_string()).await;
        assert_eq!(held, ["inbox_cases.chat_id"], "{engine:?}: where the conversation lives");
        let question = app.ask(&anna, "/stop").await;
        let toast = app.press(&anna, question.message_id, "stop:y").await;
        assert!(toast.unwrap_or_default().starts_with("Done: you have left"), "{engine:?}");
        let held = app.db.columns_mentioning(&CHAT.to_string()).await;
        assert!(held.is_empty(), "{engine:?}: after /stop the chat id is still in {held:?}");
        for table in ["inbox_cases", "inbox_messages", "inbox_relays"] {
            assert_eq!(app.storage().row_count(table).await.unwrap(), 0, "{engine:?}: {table}");
        }
        // The copies in the group are the organisation's record: they stay.
        assert!(app.fake.message(GROUP, copy.message_id).is_some_and(|m| !m.deleted));
        // A reply to them now reaches nobody.
        let mark = app.fake.mark();
        send(&app, &inbox.organizer, MemberMessage::text("Still there?").reply_to(copy.message_id));
        app.barrier(&inbox.owner, mark).await;
        assert!(!app.fake.requests()[mark..].iter().any(|r| chat_of(r) == Some(CHAT)), "{engine:?}");
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn stats_count_open_conversations_and_the_time_to_a_first_answer() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let app = TestApp::spawn_configured(db, Hooks::default(), |c| c.owners = vec![OWNER]).await;
        let olga = app.member(OWNER, Some("de"));
        let before = app.ask(&olga, "/stats").await.text.unwrap_or_default();
        assert!(before.contains("Inbox: nicht eingerichtet (/inbox in einer Gruppe)"), "{engine:?}: {before}");
        let inbox = inbox_group(&app, true).await;
        for id in [1_005, 1_006] {
            let member = app.member(id, Some("de"));
            let mark = app.fake.mark();
            let hello = send(&app, &member, MemberMessage::text("Hallo"));
            let copy = copy_of(&app, mark, id, hello, GROUP).await;
            if id == 1_005 {
                let mark = app.fake.mark();
                let answer =
                    send(&app, &inbox.organizer, MemberMessage::text("Hallo!").in_thread(copy.thread_id.unwrap()));
                copy_of(&app, mark, GROUP, answer, id).await;
            }
        }
        let stats = app.ask(&olga, "/stats").await.text.unwrap_or_default();
        let line = stats.lines().find(|l| l.starts_with("Inbox:")).unwrap_or_default().to_owned();
        assert!(
            line.starts_with("Inbox: 2 offene Gespräche (0 stummgeschaltet); erste Antwort im Median nach "),
            "{line}"
        );
        assert!(line.ends_with(" s (1 beantwortet)"), "{engine:?}: {line}");
        assert!(!stats.contains("1005") && !stats.contains("1006"), "no chat ids");
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn a_deleted_topic_is_made_anew_and_an_answer_that_cannot_arrive_is_reported() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let app = TestApp::spawn_configured(db, Hooks::default(), |c| c.owners = vec![OWNER]).await;
        let inbox = inbox_group(&app, true).await;
        let anna = app.member(1_007, Some("de"));
        let mark = app.fake.mark();
        let hello = send(&app, &anna, MemberMessage::text("Hallo"));
        let first = copy_of(&app, mark, anna.chat_id(), hello, GROUP).await.thread_id.unwrap();

        // An admin deletes Anna's topic with everything in it (as the bot
        // would, through the Bot API); her next message opens a new one.
        let topic = serde_json::json!({ "chat_id": GROUP, "message_thread_id": first });
        delete_in_group(&app, "deleteForumTopic", topic).await;
        let mark = app.fake.mark();
        let again = send(&app, &anna, MemberMessage::text("Hallo?"));
        let copy = copy_of(&app, mark, anna.chat_id(), again, GROUP).await;
        let topic = copy.thread_id.unwrap();
        assert_ne!(topic, first, "{engine:?}: a new topic");
        assert_eq!(app.fake.topic(GROUP, topic).unwrap().name, "Mitglied #1", "{engine:?}");

        // Anna blocks the bot: the organizers learn that the answer did
        // not arrive, where they wrote it.
        app.fake.block_chat(anna.chat_id());
        let mark = app.fake.mark();
        let answer = send(&app, &inbox.organizer, MemberMessage::text("Bist du noch da?").in_thread(topic));
        let told = group_says(&app, mark, "⚠️").await;
        assert_eq!(
            told,
            "⚠️ Mitglied #1 ist nicht mehr erreichbar (hat den Bot blockiert oder sich abgemeldet): Die Antwort kam nicht an."
        );
        let notice = app.fake.bot_messages_in(GROUP).into_iter().last().unwrap();
        assert_eq!((notice.thread_id, notice.reply_to), (Some(topic), Some(answer)), "{engine:?}");
        // The answer is given up right after.
        let deadline = Instant::now() + PATIENCE;
        while app.storage().inbox_waiting().await.unwrap() > 0 {
            assert!(Instant::now() < deadline, "{engine:?}: the answer that cannot arrive still waits");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        app.stop().await.unwrap();
    }
}

/// An admin deletes messages of the inbox group, or a topic (as the bot
/// would, through the Bot API).
async fn delete_in_group(app: &TestApp, method: &str, body: serde_json::Value) {
    let url = format!("{}/bot{}/{method}", app.fake.api_url(), app.fake.token());
    let answer: serde_json::Value =
        reqwest::Client::new().post(url).json(&body).send().await.unwrap().json().await.unwrap();
    assert_eq!(answer["ok"], true, "{answer}");
}

#[tokio::test]
async fn a_deleted_label_is_sent_anew_and_a_reply_to_a_deleted_answer_goes_under_the_label() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let app = TestApp::spawn_configured(db, Hooks::default(), |c| c.owners = vec![OWNER]).await;
        let inbox = inbox_group(&app, false).await;
        let anna = app.member(1_008, Some("de"));
        let mark = app.fake.mark();
        let hello = send(&app, &anna, MemberMessage::text("Hallo"));
        let copy = copy_of(&app, mark, anna.chat_id(), hello, GROUP).await;
        let label = copy.reply_to.unwrap();

        // The organizer answers; then an admin deletes the answer and the
        // label. Anna replies to the answer: her copy goes under a new label.
        let mark = app.fake.mark();
        let answer = send(&app, &inbox.organizer, MemberMessage::text("Hallo Anna").reply_to(copy.message_id));
        let answered = copy_of(&app, mark, GROUP, answer, anna.chat_id()).await;
        for gone in [answer, label] {
            delete_in_group(&app, "deleteMessage", serde_json::json!({ "chat_id": GROUP, "message_id": gone })).await;
        }
        let mark = app.fake.mark();
        let thanks = send(&app, &anna, MemberMessage::text("Danke").reply_to(answered.message_id));
        let again = copy_of(&app, mark, anna.chat_id(), thanks, GROUP).await;
        let new_label = again.reply_to.expect("under a label");
        assert!(new_label != label && new_label != answer, "{engine:?}");
        let header = app.fake.message(GROUP, new_label).unwrap().text.unwrap_or_default();
        assert!(header.starts_with("📨 Mitglied #1\n"), "{engine:?}: {header}");
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn a_scoped_inbox_leaves_a_members_conversation_to_the_organizers_of_their_topics() {
    const ENERGY: i64 = 650;
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let app = TestApp::spawn_configured(db, Hooks::default(), |c| {
            c.owners = vec![OWNER];
            c.inbox_scoped = true;
        })
        .await;
        let inbox = inbox_group(&app, true).await;
        let now = basis_storage::now_ms();
        app.grant(ENERGY, "energy", &[], OWNER, now).await;
        let energy = Member { user: app.fake.user(ENERGY, "Eva", Some("de")), chat: inbox.organizer.chat.clone() };
        app.fake.set_admin(GROUP, ENERGY, AdminRights::topic_manager());

        let striker = app.member(1_009, Some("de"));
        app.ask(&striker, "/start strikes").await;
        let mark = app.fake.mark();
        let hello = send(&app, &striker, MemberMessage::text("Streik morgen?"));
        let topic = copy_of(&app, mark, striker.chat_id(), hello, GROUP).await.thread_id.unwrap();

        // The organizer for energy may neither answer nor mute the striker;
        // the one for every topic may.
        let mark = app.fake.mark();
        send(&app, &energy, MemberMessage::text("/mute").in_thread(topic));
        let refused = group_says(&app, mark, "Dieses Mitglied").await;
        assert_eq!(refused, "Dieses Mitglied folgt keinem deiner Themen; sein Gespräch führen andere.", "{engine:?}");
        let outside = send(&app, &energy, MemberMessage::text("Keine Ahnung").in_thread(topic));
        let inside = send(&app, &inbox.organizer, MemberMessage::text("Ja, ab 6 Uhr").in_thread(topic));
        copy_of(&app, mark, GROUP, inside, striker.chat_id()).await;
        assert!(
            !app.fake.requests()[mark..].iter().any(|r| is_copy(r, GROUP, outside, striker.chat_id())),
            "{engine:?}"
        );
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn the_inbox_needs_the_bot_as_an_admin_and_ends_where_it_began() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let app = TestApp::spawn_configured(db, Hooks::default(), |c| c.owners = vec![OWNER]).await;
        let olga = app.fake.user(OWNER, "Olga", Some("de"));
        let plain = Member { user: olga.clone(), chat: app.fake.supergroup(-100_901, "Ohne Rechte") };
        let forum = Member { user: olga.clone(), chat: app.fake.forum(GROUP, "Forum") };
        let answer = app.ask(&plain, "/inbox").await.text.unwrap_or_default();
        assert!(answer.starts_with("Dafür muss ich in dieser Gruppe Admin sein."), "{engine:?}: {answer}");
        app.fake.make_bot_admin(GROUP, AdminRights::default());
        let answer = app.ask(&forum, "/inbox").await.text.unwrap_or_default();
        assert!(answer.starts_with("In einer Gruppe mit Themen muss ich Themen verwalten dürfen"), "{answer}");
        assert_eq!(app.storage().inbox().await.unwrap(), None, "{engine:?}: no inbox yet");

        // With the right, the forum becomes the inbox; members are heard.
        app.fake.make_bot_admin(GROUP, AdminRights::topic_manager());
        let answer = app.ask(&forum, "/inbox").await.text.unwrap_or_default();
        assert!(answer.starts_with("📥"), "{engine:?}: {answer}");
        let anna = app.member(1_010, Some("de"));
        let told = app.ask(&anna, "Hallo").await.text.unwrap_or_default();
        assert!(told.starts_with("📨"), "{engine:?}: {told}");

        // Only the inbox ends it; then members get the hint again.
        let elsewhere = app.ask(&plain, "/inbox off").await.text.unwrap_or_default();
        assert_eq!(elsewhere, "Diese Gruppe ist nicht die Inbox.", "{engine:?}");
        let ended = app.ask(&forum, "/inbox off").await.text.unwrap_or_default();
        assert!(ended.starts_with("📭 Die Inbox ist beendet"), "{engine:?}: {ended}");
        let hint = app.ask(&anna, "Hallo?").await.text.unwrap_or_default();
        assert!(hint.starts_with("Ich verstehe nur Befehle."), "{engine:?}: {hint}");
        let usage = app.ask(&forum, "/inbox vielleicht").await.text.unwrap_or_default();
        assert_eq!(usage, "So geht es: /inbox [off]", "{engine:?}");
        app.stop().await.unwrap();
    }
}
