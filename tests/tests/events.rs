//! Assemblies: invitations with RSVP, calendar files, reminders at the right
//! moments (a clock the test controls), changes and cancellations reaching
//! everyone invited, and all of it across a restart.

use std::time::Duration;

use basis::Config;
use basis_storage::testing::TestDatabase;
use basis_telegram_fake::TgMessageState;
use basis_tests::{Member, TestApp, TestClock, buttons, chat_of};
use icalendar::{Calendar, CalendarComponent, Component, EventLike};
use serde_json::json;

const OWNER: i64 = 500;
const WAIT: Duration = Duration::from_secs(60);
/// Members: yes, maybe, no, no answer.
const A: i64 = 46_001;
const B: i64 = 46_002;
const C: i64 = 46_003;
const D: i64 = 46_004;

fn configure(c: &mut Config) {
    c.owners = vec![OWNER];
    c.rate_limit = 1000;
    c.paid_broadcast = true;
}

async fn start(db: TestDatabase, clock: &TestClock) -> TestApp {
    TestApp::spawn_configured(db, clock.hooks(), configure).await
}

fn newest_with_button(app: &TestApp, chat: i64, prefix: &str) -> TgMessageState {
    let messages = app.fake.bot_messages_in(chat);
    let found = messages.into_iter().rev().find(|m| buttons(m).iter().any(|(_, d)| d.starts_with(prefix)));
    found.unwrap_or_else(|| panic!("no message with a {prefix} button in chat {chat}"))
}

/// Calls an event with `command` and sends it; returns its id.
async fn call_event(app: &TestApp, owner: &Member, command: &str) -> i64 {
    let mark = app.fake.mark();
    app.fake.send_text(&owner.user, &owner.chat, command);
    app.barrier(owner, mark).await;
    let confirm = newest_with_button(app, OWNER, "ev:s:");
    let send = buttons(&confirm).into_iter().find(|(_, d)| d.starts_with("ev:s:")).unwrap().1;
    let id: i64 = send.trim_start_matches("ev:s:").parse().unwrap();
    assert_eq!(app.press(owner, confirm.message_id, &send).await.as_deref(), Some("Erledigt."));
    let invitation = app
        .storage()
        .event(basis_storage::EventId(id))
        .await
        .unwrap()
        .unwrap()
        .invitation_id
        .expect("invitation queued");
    app.finished(owner, invitation.0, WAIT).await;
    id
}

async fn answer(app: &TestApp, chat: i64, event: i64, code: char) -> Option<String> {
    let invitation = newest_with_button(app, chat, &format!("ev:y:{event}"));
    let member = app.member(chat, Some("de"));
    app.press(&member, invitation.message_id, &format!("ev:{code}:{event}")).await
}

fn marked(message: &TgMessageState) -> Vec<String> {
    buttons(message).into_iter().filter(|(label, _)| label.starts_with("✔️")).map(|(_, data)| data).collect()
}

async fn members(app: &TestApp) {
    app.subscribers([A, B, C, D], &["strikes"]).await;
    app.storage().set_locale(basis_storage::ChatId(B), "en", 0).await.unwrap();
}

#[tokio::test]
async fn an_invitation_collects_answers_and_gives_a_calendar_file() {
    for db in TestDatabase::every_engine().await {
        let clock = TestClock::default();
        let app = start(db, &clock).await;
        let owner = app.member(OWNER, Some("de"));
        members(&app).await;

        let command = "/event strikes übermorgen 06:00-09:00 | Kundgebung vor Tor 3 | Werkstraße 1, Wolfsburg \
                       (52.4227, 10.7865) | Warnwesten mitbringen";
        let id = call_event(&app, &owner, command).await;
        let event = app.storage().event(basis_storage::EventId(id)).await.unwrap().unwrap();
        assert_eq!(event.ends_at, Some(event.starts_at + 3 * 3_600_000));
        let german = newest_with_button(&app, A, "ev:y:");
        let text = german.text.clone().unwrap();
        assert!(text.starts_with("📣 Kundgebung vor Tor 3\n🕒 "), "{text}");
        assert!(text.contains("06:00–09:00") && text.contains("📍 Werkstraße 1, Wolfsburg"), "{text}");
        assert!(text.contains("Warnwesten mitbringen") && text.ends_with("Bist du dabei?"), "{text}");
        let english = newest_with_button(&app, B, "ev:y:").text.unwrap();
        assert!(english.ends_with("Will you be there?"), "{english}");
        let labels: Vec<String> = buttons(&german).into_iter().map(|(l, _)| l).collect();
        assert_eq!(labels, ["✅ Ich komme", "🤔 Vielleicht", "❌ Kann nicht", "📅 In den Kalender", "🗺 Karte"]);

        assert_eq!(answer(&app, A, id, 'y').await.as_deref(), Some("Schön, du bist dabei!"));
        assert_eq!(answer(&app, B, id, 'y').await.as_deref(), Some("Great, you're coming!"));
        assert_eq!(answer(&app, B, id, 'm').await.as_deref(), Some("Noted: maybe."));
        assert_eq!(answer(&app, C, id, 'n').await.as_deref(), Some("Schade – notiert."));
        assert_eq!(marked(&newest_with_button(&app, B, "ev:y:")), [format!("ev:m:{id}")], "the choice shows");
        assert_eq!(
            app.storage().rsvp(basis_storage::EventId(id), basis_storage::ChatId(B)).await.unwrap(),
            Some(basis_storage::RsvpAnswer::Maybe)
        );
        let listing = app.ask(&owner, "/events").await.text.unwrap();
        assert!(
            listing.contains(&format!("#{id} · ")) && listing.contains("✅ 1 · 🤔 1 · ❌ 1 · erreicht: 4"),
            "{listing}"
        );

        // The calendar file, read back by an iCalendar parser.
        let mark = app.fake.mark();
        answer(&app, D, id, 'c').await;
        let document = app
            .fake
            .wait_for_request_after(mark, |r| r.method == "senddocument" && chat_of(r) == Some(D), WAIT)
            .await
            .expect("a calendar file");
        let id_of = basis_tests::message_id_of(&document).unwrap();
        let bytes = app.message(D, id_of).file_bytes.expect("the file");
        let text = String::from_utf8(bytes).unwrap();
        let calendar: Calendar = text.parse().expect("valid iCalendar");
        let entry = calendar
            .components
            .iter()
            .find_map(|c| match c {
                CalendarComponent::Event(e) => Some(e.clone()),
                _ => None,
            })
            .expect("a VEVENT");
        assert_eq!(entry.get_summary(), Some("Kundgebung vor Tor 3"));
        assert_eq!(entry.get_location(), Some("Werkstraße 1, Wolfsburg"));
        let start = match entry.get_start() {
            Some(icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(t))) => t.timestamp_millis(),
            other => panic!("start in UTC expected, got {other:?}"),
        };
        assert_eq!(start, event.starts_at);
        assert_eq!(entry.property_value("GEO"), Some("52.4227;10.7865"));
        let mark = app.fake.mark();
        answer(&app, D, id, 'p').await;
        let venue = app.fake.wait_for_request_after(mark, |r| r.method == "sendvenue", WAIT).await.expect("a map");
        assert_eq!(venue.params["latitude"].as_f64(), Some(52.4227));
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn reminders_reach_those_who_come_at_the_right_moments_and_changes_reach_everyone() {
    for db in TestDatabase::every_engine().await {
        let clock = TestClock::default();
        let app = start(db, &clock).await;
        let owner = app.member(OWNER, Some("de"));
        members(&app).await;
        let id = call_event(&app, &owner, "/event strikes übermorgen 18:00 | Streikversammlung | Halle 4").await;
        answer(&app, A, id, 'y').await;
        answer(&app, B, id, 'm').await;
        answer(&app, C, id, 'n').await;
        let event = app.storage().event(basis_storage::EventId(id)).await.unwrap().unwrap();
        let reminders = app.storage().reminders_of(basis_storage::EventId(id)).await.unwrap();
        assert_eq!(reminders, [(1440, "pending".to_owned()), (60, "pending".to_owned())]);

        // Not a moment early: one second before the 24-hour mark nothing goes out.
        clock.advance(Duration::from_millis((event.starts_at - 1440 * 60_000 - clock.now() - 1_000) as u64));
        let mark = app.fake.mark();
        app.barrier(&owner, mark).await;
        assert!(app.storage().due_reminders(clock.now()).await.unwrap().is_empty());
        clock.advance(Duration::from_secs(2));
        let reminded = |chat: i64| {
            move |r: &basis_telegram_fake::RecordedRequest| {
                r.method == "sendmessage" && chat_of(r) == Some(chat) && r.text().is_some_and(|t| t.starts_with('⏰'))
            }
        };
        let to_b = app.fake.wait_for_request(reminded(B), WAIT).await.expect("the maybe gets a reminder");
        assert!(to_b.text().unwrap().starts_with("⏰ Reminder: Streikversammlung"));
        let invitation_of_b =
            app.storage().delivered_message(event.invitation_id.unwrap(), basis_storage::ChatId(B)).await.unwrap();
        assert_eq!(to_b.params["reply_parameters"]["message_id"].as_i64(), invitation_of_b);
        app.fake.wait_for_request(reminded(A), WAIT).await.expect("the yes gets a reminder");
        assert_eq!(app.storage().reminders_of(basis_storage::EventId(id)).await.unwrap()[0], (1440, "sent".to_owned()));

        // It is the evening before now. The time changes: everyone invited
        // hears it, invitations show it,
        // and the one-hour reminder moves along.
        let mark = app.fake.mark();
        let status = app.ask(&owner, &format!("/eventchange {id} time morgen 19:30")).await.text.unwrap();
        assert!(status.starts_with("📣 Sendung #"), "{status}");
        for chat in [A, B, C, D] {
            let notice = app
                .fake
                .wait_for_request_after(
                    mark,
                    |r| {
                        r.method == "sendmessage"
                            && chat_of(r) == Some(chat)
                            && r.text().is_some_and(|t| t.starts_with('⚠'))
                    },
                    WAIT,
                )
                .await
                .unwrap_or_else(|| panic!("chat {chat} hears of the change"));
            assert!(notice.text().unwrap().contains("19:30"), "{:?}", notice.text());
        }
        let changed = app.storage().event(basis_storage::EventId(id)).await.unwrap().unwrap();
        assert_eq!(changed.starts_at, event.starts_at + 90 * 60_000);
        assert_eq!(changed.sequence, 1);
        let refreshed = |chat: i64| {
            let copy = app.storage().delivered_message(event.invitation_id.unwrap(), basis_storage::ChatId(chat));
            async move { copy.await.unwrap().unwrap() }
        };
        let a_copy = refreshed(A).await;
        let edited = |r: &basis_telegram_fake::RecordedRequest| {
            r.method == "editmessagetext" && chat_of(r) == Some(A) && r.text().is_some_and(|t| t.contains("19:30"))
        };
        app.fake.wait_for_request_after(mark, edited, WAIT).await.expect("A's invitation is refreshed");
        assert!(app.message(A, a_copy).text.unwrap().contains("19:30"));
        assert_eq!(marked(&app.message(A, a_copy)), [format!("ev:y:{id}")], "the refresh keeps A's answer");
        let due = app.storage().reminders_of(basis_storage::EventId(id)).await.unwrap();
        assert_eq!(due, [(1440, "sent".to_owned()), (60, "pending".to_owned())]);

        // Called off: everyone hears it, the invitation says so, the
        // reminder is stopped and answers are refused.
        let mark = app.fake.mark();
        app.ask(&owner, &format!("/eventcancel {id}")).await;
        for chat in [A, B, C, D] {
            app.fake
                .wait_for_request_after(
                    mark,
                    |r| {
                        r.method == "sendmessage"
                            && chat_of(r) == Some(chat)
                            && r.text().is_some_and(|t| t.starts_with('❌'))
                    },
                    WAIT,
                )
                .await
                .unwrap_or_else(|| panic!("chat {chat} hears of the cancellation"));
        }
        assert_eq!(
            app.storage().reminders_of(basis_storage::EventId(id)).await.unwrap()[1],
            (60, "cancelled".to_owned())
        );
        let member = app.member(D, Some("de"));
        let d_copy = refreshed(D).await;
        let toast = app.press(&member, d_copy, &format!("ev:y:{id}")).await;
        assert_eq!(toast.as_deref(), Some("Dieser Termin ist abgesagt."));
        let again = app.ask(&owner, &format!("/eventcancel {id}")).await.text.unwrap();
        assert_eq!(again, format!("Termin #{id} ist schon abgesagt."));
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn reminders_due_while_the_bot_was_down_go_out_if_useful_and_are_skipped_if_not() {
    let clock = TestClock::default();
    let app = start(TestDatabase::sqlite().await, &clock).await;
    let owner = app.member(OWNER, Some("de"));
    members(&app).await;
    let id = call_event(&app, &owner, "/event strikes übermorgen 18:00 | Versammlung | Halle 4 | - | ⏰ 24h, 1h").await;
    answer(&app, A, id, 'y').await;
    let event = app.storage().event(basis_storage::EventId(id)).await.unwrap().unwrap();

    // Down across the 24-hour mark: it goes out when the bot is back.
    let (db, fake) = app.stop_keeping_state().await;
    clock.advance(Duration::from_millis((event.starts_at - 1440 * 60_000 - clock.now() + 60_000) as u64));
    let app = TestApp::spawn_full(db, Some(fake), clock.hooks(), configure).await;
    let reminded = |r: &basis_telegram_fake::RecordedRequest| {
        r.method == "sendmessage" && chat_of(r) == Some(A) && r.text().is_some_and(|t| t.starts_with('⏰'))
    };
    app.fake.wait_for_request(reminded, WAIT).await.expect("the late 24-hour reminder");

    // Down across the 1-hour mark and the start: skipped, nothing sent.
    let (db, fake) = app.stop_keeping_state().await;
    clock.advance(Duration::from_millis((event.starts_at - clock.now() + 60_000) as u64));
    let mark = fake.mark();
    let app = TestApp::spawn_full(db, Some(fake), clock.hooks(), configure).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while app.storage().reminders_of(basis_storage::EventId(id)).await.unwrap()[1].1 == "pending" {
        assert!(tokio::time::Instant::now() < deadline, "the reminder was neither sent nor skipped");
        // The next poll: the scheduler has had a turn by then.
        let poll = app.fake.mark();
        app.fake.wait_for_request_after(poll, |r| r.method == "getupdates", Duration::from_secs(2)).await;
    }
    assert_eq!(
        app.storage().reminders_of(basis_storage::EventId(id)).await.unwrap(),
        [(1440, "sent".to_owned()), (60, "skipped".to_owned())]
    );
    let late = app.fake.requests()[mark..].iter().filter(|r| reminded(r)).count();
    assert_eq!(late, 0, "no reminder for an event that has begun");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn the_guided_event_asks_step_by_step_and_bad_input_changes_nothing() {
    let clock = TestClock::default();
    let app = start(TestDatabase::sqlite().await, &clock).await;
    let owner = app.member(OWNER, Some("en"));
    members(&app).await;

    let first = app.ask(&owner, "/event").await.text.unwrap();
    assert!(first.starts_with("New event #") && first.contains("What is it called?"), "{first}");
    let said = |text: &'static str| {
        let app = &app;
        let owner = &owner;
        async move { app.ask(owner, text).await.text.unwrap() }
    };
    assert!(said("   ").await.starts_with("The event needs a title."));
    assert!(said("Congress of delegates").await.starts_with("When?"));
    assert!(said("01.01.2020 10:00").await.starts_with("This time has passed already."));
    assert!(said("tomorrow 10:00 - 09:00").await.starts_with("The end lies before the start."));
    assert!(said("tomorrow 10:00-16:00").await.starts_with("Where?"));
    let mark = app.fake.mark();
    app.fake.send_message_with(&owner.user, &owner.chat, json!({"location": {"latitude": 52.52, "longitude": 13.405}}));
    let asked = app.next_message_after(mark, OWNER).await.text.unwrap();
    assert!(asked.starts_with("For which topics?"), "{asked}");
    assert!(said("atomkraft").await.starts_with("There is no topic “atomkraft”"));
    assert!(said("strikes").await.starts_with("A note to add"));
    let mark = app.fake.mark();
    app.fake.send_text(&owner.user, &owner.chat, "-");
    app.barrier(&owner, mark).await;
    let confirm = newest_with_button(&app, OWNER, "ev:s:");
    let text = confirm.text.clone().unwrap();
    assert!(text.contains("Recipients: 4 chats") && text.contains("Reminders: 1 d, 1 h before"), "{text}");
    let preview = newest_with_button(&app, OWNER, "ev:y:");
    assert!(preview.text.unwrap().contains("📍 52.52000, 13.40500"));
    // A member cannot send someone else's event.
    let member = app.member(A, Some("de"));
    let send = buttons(&confirm).into_iter().find(|(_, d)| d.starts_with("ev:s:")).unwrap().1;
    let toast = app.press(&member, app.ask(&member, "/topics").await.message_id, &send).await;
    assert_eq!(toast.as_deref(), Some("Posten dürfen nur Organisatorinnen und Organisatoren."));
    let id: i64 = send.trim_start_matches("ev:s:").parse().unwrap();
    assert_eq!(
        app.storage().event(basis_storage::EventId(id)).await.unwrap().unwrap().status,
        basis_storage::EventStatus::Draft
    );

    // One-liners with mistakes get the reason, and create nothing.
    for (line, expected) in [
        ("/event strikes gestern | A | B", "I don't understand this time."),
        ("/event strikes tomorrow 10:00 | A", "To call an event:"),
        ("/eventchange 999 time tomorrow 10:00", "There is no event #999."),
        ("/eventcancel abc", "To change an event:"),
    ] {
        let answer = app.ask(&owner, line).await.text.unwrap();
        assert!(answer.starts_with(expected), "{line} → {answer}");
    }
    assert!(app.storage().upcoming_events(0).await.unwrap().is_empty());
    app.stop().await.unwrap();
}
