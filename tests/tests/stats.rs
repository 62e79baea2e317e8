//! Statistics and links: `/stats` counts what members did (subscribers now,
//! new and lost in 7 and 30 days, joins per deep link, the last broadcasts)
//! and charts it; `/link` and `/qr` make deep links that count joins per
//! campaign. Members get a refusal; an organizer limited to some topics sees
//! only those.

use std::time::Duration;

use basis_storage::testing::TestDatabase;
use basis_telegram_fake::RecordedRequest;
use basis_tests::{Member, PATIENCE, TestApp, TestClock, buttons, chat_of, invite_link};

const OWNER: i64 = 500;
const LINK: &str = "https://t.me/basis_test_bot?start=strikes-C-flyer-mai";
const REFUSAL: &str = "Only organizers can see statistics and make links.";

async fn app(db: TestDatabase, clock: &TestClock) -> TestApp {
    TestApp::spawn_configured(db, clock.hooks(), |c| {
        c.owners = vec![OWNER];
        c.rate_limit = 1000;
        c.paid_broadcast = true;
    })
    .await
}

async fn text_of(app: &TestApp, who: &Member, command: &str) -> String {
    app.ask(who, command).await.text.unwrap_or_default()
}

/// Sends `command` and waits for a request of `method` to `who`'s chat.
async fn upload(app: &TestApp, who: &Member, command: &str, method: &str) -> RecordedRequest {
    let mark = app.fake.mark();
    app.fake.send_text(&who.user, &who.chat, command);
    app.fake
        .wait_for_request_after(mark, |r| r.method == method && chat_of(r) == Some(who.chat_id()), PATIENCE)
        .await
        .unwrap_or_else(|| panic!("no {method} after {command}"))
}

/// The text of a QR code in a PNG.
fn decode_qr(png: &[u8]) -> Vec<String> {
    let picture = image::load_from_memory(png).expect("a PNG").to_luma8();
    let (w, h) = picture.dimensions();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
        picture.get_pixel(x as u32, y as u32)[0]
    });
    prepared.detect_grids().iter().map(|grid| grid.decode().expect("decodes").1).collect()
}

/// An organizer limited to `topics`, through the owner's invitation.
async fn organizer(app: &TestApp, owner: &Member, id: i64, topics: &str) -> Member {
    let answer = text_of(app, owner, &format!("/invite {topics}")).await;
    let (payload, _) = invite_link(&answer).unwrap_or_else(|| panic!("no link in {answer}"));
    let organizer = app.member(id, Some("en"));
    let welcome = text_of(app, &organizer, &format!("/start {payload}")).await;
    assert!(welcome.starts_with("Welcome to the team!"), "{welcome}");
    organizer
}

#[tokio::test]
async fn stats_show_subscribers_growth_joins_per_link_and_broadcasts() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let clock = TestClock::default();
        let app = app(db, &clock).await;
        let owner = app.member(OWNER, Some("en"));

        // The owner makes a campaign link; members come through it.
        let answer = text_of(&app, &owner, "/link strikes Flyer-Mai").await;
        assert!(answer.starts_with("Link to ✊ Strikes, campaign “flyer-mai”:"), "{answer}");
        assert!(answer.lines().any(|l| l == LINK), "{answer}");
        let payload = LINK.split_once("?start=").unwrap().1;
        let plain = text_of(&app, &owner, "/link strikes").await;
        assert!(plain.lines().any(|l| l == "https://t.me/basis_test_bot?start=strikes"), "{plain}");

        // Ten days ago: two joins through the flyer, one through the plain
        // link, one by command; one in and out again; one left with /stop.
        let m: Vec<Member> = (601..=607).map(|id| app.member(id, Some("en"))).collect();
        for who in [&m[0], &m[1]] {
            let welcome = text_of(&app, who, &format!("/start {payload}")).await;
            assert_eq!(welcome, "✅ You now get updates on ✊ Strikes.");
        }
        // Opening the link again is no second join.
        text_of(&app, &m[0], &format!("/start {payload}")).await;
        text_of(&app, &m[2], "/start strikes").await;
        text_of(&app, &m[3], "/subscribe energy").await;
        text_of(&app, &m[4], "/subscribe strikes").await;
        text_of(&app, &m[4], "/unsubscribe strikes").await;
        let stop = app.ask(&m[1], "/stop").await;
        let yes = buttons(&stop).into_iter().find(|(_, d)| d == "stop:y").expect("a confirm button").1;
        app.press(&m[1], stop.message_id, &yes).await;
        assert!(app.subscriptions(m[1].chat_id()).await.is_empty());
        clock.advance(Duration::from_secs(10 * 24 * 3600));

        // This week: a join through a poster campaign for energy; one on and
        // off with the buttons.
        let welcome = text_of(&app, &m[5], "/start energy-C-plakat").await;
        assert_eq!(welcome, "✅ You now get updates on ⚡ Energy & climate.");
        let keyboard = app.ask(&m[6], "/topics").await;
        app.press(&m[6], keyboard.message_id, "t:strikes").await;
        app.press(&m[6], keyboard.message_id, "t:strikes").await;

        // A post to strikes: 601 gets it, 603 has blocked the bot.
        app.fake.block_chat(m[2].chat_id());
        let id = app.post_normal(&owner, &["strikes"], "Warnstreik!").await;
        app.finished(&owner, id, PATIENCE).await;

        let mark = app.fake.mark();
        let report = text_of(&app, &owner, "/stats").await;
        let lines: Vec<&str> = report.lines().collect();
        assert!(lines[0].starts_with("📊 Statistics, "), "{report}");
        for expected in [
            // 603 blocked the bot: no longer counted now.
            "✊ Strikes: 1 (7 days: +1 / −1 · 30 days: +5 / −3)",
            "⚡ Energy & climate: 2 (7 days: +1 / −0 · 30 days: +2 / −0)",
            "🇪🇺 Europe: 0 (7 days: +0 / −0 · 30 days: +0 / −0)",
            "✊ Strikes · flyer-mai: 2",
            "⚡ Energy & climate · plakat: 1",
            "✊ Strikes · link without campaign: 1",
        ] {
            assert!(lines.contains(&expected), "{engine:?}: missing {expected:?} in\n{report}");
        }
        let broadcast = lines.iter().find(|l| l.starts_with(&format!("#{id} · "))).expect("the broadcast");
        assert!(broadcast.ends_with(" · ✊ Strikes: delivered 1 of 2, blocked 1, failed 0"), "{broadcast}");
        // The chart follows as a photo.
        let photo = app
            .fake
            .wait_for_request_after(mark, |r| r.method == "sendphoto" && chat_of(r) == Some(owner.chat_id()), PATIENCE)
            .await
            .expect("a chart");
        let chart = image::load_from_memory(&photo.file("photo").expect("an uploaded picture").bytes).expect("a PNG");
        assert_eq!((chart.width(), chart.height()), basis_handlers::pictures::CHART_SIZE);
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn qr_codes_carry_the_link_and_bad_input_changes_nothing() {
    for db in TestDatabase::every_engine().await {
        let clock = TestClock::default();
        let app = app(db, &clock).await;
        let owner = app.member(OWNER, Some("en"));

        let sent = upload(&app, &owner, "/qr strikes flyer-mai", "senddocument").await;
        assert!(sent.is_ok(), "{:?}", sent.error_description());
        assert_eq!(sent.param("caption").and_then(|c| c.as_str()), Some(LINK));
        let file = sent.file("document").expect("an uploaded file");
        assert_eq!(file.file_name.as_deref(), Some("qr-strikes-C-flyer-mai.png"));
        assert_eq!(decode_qr(&file.bytes), [LINK]);
        // A topic's name does as well as its key.
        let sent = upload(&app, &owner, "/qr Streiks", "senddocument").await;
        assert_eq!(decode_qr(&sent.file("document").unwrap().bytes), ["https://t.me/basis_test_bot?start=strikes"]);

        let mark = app.fake.mark();
        for (command, expected) in [
            ("/link", "To get a topic's link: /link <topic> [campaign], for example /link energy flyer-may."),
            ("/qr", "To get a topic's link"),
            ("/link atomkraft", "There is no topic “atomkraft”."),
            ("/qr atomkraft flyer", "There is no topic “atomkraft”."),
            ("/link strikes flyer mai", "“flyer mai” can't be a campaign name: use only a–z, 0–9, _ and -"),
            ("/qr strikes köln", "“köln” can't be a campaign name"),
            (
                "/link strikes a.b",
                "“a.b” can't be a campaign name: use only a–z, 0–9, _ and - (no spaces, no umlauts), at most 54 characters",
            ),
            (
                &format!("/qr strikes {}", "a".repeat(55)),
                "The campaign name is 55 characters long; at most 54 fit into the link.",
            ),
        ] {
            let answer = text_of(&app, &owner, command).await;
            assert!(answer.starts_with(expected), "{command} → {answer}");
        }
        let documents = app.fake.requests()[mark..].iter().filter(|r| r.method == "senddocument").count();
        assert_eq!(documents, 0, "bad input sends no QR code");

        // A made-up campaign payload counts as its campaign; a malformed one
        // is just a welcome and subscribes nothing.
        let member = app.member(610, Some("en"));
        let welcome = text_of(&app, &member, "/start strikes-C-Flyer").await;
        assert!(welcome.starts_with("Welcome to IG Beispiel"), "{welcome}");
        assert!(app.subscriptions(member.chat_id()).await.is_empty());
        assert!(app.storage().link_joins().await.unwrap().is_empty());
        text_of(&app, &member, "/start europe-C-stand_42").await;
        assert_eq!(app.subscriptions(member.chat_id()).await, ["europe"]);
        let joins = app.storage().link_joins().await.unwrap();
        assert_eq!(
            joins.iter().map(|j| (j.topic_key.as_str(), j.campaign.as_str(), j.joins)).collect::<Vec<_>>(),
            [("europe", "stand_42", 1)]
        );
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn members_are_refused_and_organizers_see_only_their_topics() {
    let clock = TestClock::default();
    let app = app(TestDatabase::sqlite().await, &clock).await;
    let owner = app.member(OWNER, Some("en"));
    let member = app.member(601, Some("en"));
    text_of(&app, &member, "/start energy-C-plakat").await;
    text_of(&app, &member, "/subscribe strikes").await;
    let energy = app.post_normal(&owner, &["energy"], "Strompreise").await;
    app.finished(&owner, energy, PATIENCE).await;
    let strikes = app.post_normal(&owner, &["strikes"], "Warnstreik").await;
    app.finished(&owner, strikes, PATIENCE).await;

    // Members: a refusal, and no picture or file.
    let mark = app.fake.mark();
    for command in ["/stats", "/statistik", "/link strikes", "/qr strikes flyer"] {
        assert_eq!(text_of(&app, &member, command).await, REFUSAL, "{command}");
    }
    let uploads =
        app.fake.requests()[mark..].iter().filter(|r| r.method == "sendphoto" || r.method == "senddocument").count();
    assert_eq!(uploads, 0);

    // Organizer commands stay out of groups.
    let group = app.fake.group(-4_000, "Betriebsgruppe");
    let in_group = app.in_group(&owner.user, &group, "administrator");
    assert_eq!(text_of(&app, &in_group, "/stats").await, "Organizer commands only work in the private chat with me.");

    // An organizer for strikes: only strikes, everywhere in the report.
    let local = organizer(&app, &owner, 650, "strikes").await;
    let mark = app.fake.mark();
    let report = text_of(&app, &local, "/stats").await;
    assert!(report.contains("Only your topics: ✊ Strikes"), "{report}");
    assert!(report.contains("✊ Strikes: 1 (7 days: +1 / −0 · 30 days: +1 / −0)"), "{report}");
    assert!(!report.contains("Energy") && !report.contains("Europe"), "other topics leak:\n{report}");
    assert!(report.contains("No one has joined through a link yet."), "the energy campaign is not theirs:\n{report}");
    assert!(report.contains(&format!("#{strikes} · ")) && !report.contains(&format!("#{energy} · ")), "{report}");
    app.fake
        .wait_for_request_after(mark, |r| r.method == "sendphoto" && chat_of(r) == Some(local.chat_id()), PATIENCE)
        .await
        .expect("the organizer's chart");
    let outside = text_of(&app, &local, "/link energy").await;
    assert_eq!(outside, "You can only make links for your topics: ✊ Strikes");
    let inside = text_of(&app, &local, "/link strikes demo").await;
    assert!(inside.contains("https://t.me/basis_test_bot?start=strikes-C-demo"), "{inside}");

    // The owner sees everything.
    let full = text_of(&app, &owner, "/stats").await;
    assert!(full.contains("⚡ Energy & climate · plakat: 1") && full.contains(&format!("#{energy} · ")), "{full}");
    app.stop().await.unwrap();
}
