//! Trust, end to end: who may do what (every organizer and owner command and
//! button × member, organizer outside scope, organizer, owner, in private
//! chats and a group, in one table; an organizer limited to a region,
//! inside it, outside it and untargeted; and who the inbox relays); a flood from
//! one member while others stay served; `/mydata`; `/stop` that leaves no
//! trace of the chat; a changed privacy notice shown once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use basis::Hooks;
use basis_handlers::registry::{Audience, Declaration, Place, Refusal};
use basis_handlers::{DefaultPlugins, Locale, PluginGroup, Registry, Texts};
use basis_storage::testing::TestDatabase;
use basis_storage::{Content, DraftState, Event, Inbox, NewDraft, PRIORITY_NORMAL, TABLES};
use basis_telegram_fake::{AdminRights, MemberMessage, RecordedRequest};
use basis_tests::{Member, PATIENCE, TestApp, buttons, chat_of, message_id_of};
use serde_json::Value;

const OWNER: i64 = 500;
/// An organizer for `strikes`: the author of every draft and event below.
const ORGANIZER: i64 = 600;
/// An organizer for `energy` only, acting on `strikes`.
const OUTSIDER: i64 = 700;
const MEMBER: i64 = 800;
/// An organizer for `europe`, whom the owner revokes.
const VICTIM: i64 = 901;
const GROUP: i64 = -5_000;

const NOT_ORGANIZER: &str = "Only organizers may post.";
const OUT_OF_SCOPE: &str = "You may only post to these topics: ⚡ Energy & climate";
const LINK_OUT_OF_SCOPE: &str = "You can only make links for your topics: ⚡ Energy & climate";
const STALE: &str = "This button is no longer valid. Send /topics for a fresh choice.";
const NOT_YOURS: &str = "This is not your draft.";
const OWN_DRAFT: &str = "Someone else has to approve your own drafts.";
const DONE: &str = "Done.";
const THROTTLED: &str = "⏳ You are sending messages faster than I can take them.";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Member,
    Outsider,
    Organizer,
    Owner,
}

const ROLES: [Role; 4] = [Role::Member, Role::Outsider, Role::Organizer, Role::Owner];

#[derive(Clone, Copy, Debug)]
enum Expect {
    /// The gate's refusal (rendered from the command's declaration), and
    /// nothing stored changed.
    Gate(Refusal),
    /// Exactly this answer, and nothing stored changed.
    Refused(&'static str),
    /// An answer starting with this.
    Done(&'static str),
}

use Expect::{Done, Gate, Refused};

/// One command or button: the expected outcome per role (member, outsider,
/// organizer, owner) in a private chat and in a group.
struct Row {
    act: String,
    /// A command's declaration, whose gate refusals are rendered from it.
    declaration: Option<Declaration>,
    private: [Expect; 4],
    group: [Expect; 4],
}

const POST_IN_GROUP: [Expect; 4] = [Refused(NOT_ORGANIZER), Refused(STALE), Refused(STALE), Refused(STALE)];
const EVENT_IN_GROUP: [Expect; 4] =
    [Refused(NOT_ORGANIZER), Refused(NOT_YOURS), Refused(NOT_YOURS), Refused(NOT_YOURS)];

/// A draft's buttons: the organizer wrote it, the owner may not send it.
const fn authors(done: &'static str) -> [Expect; 4] {
    [Refused(NOT_ORGANIZER), Refused(OUT_OF_SCOPE), Done(done), Refused(NOT_YOURS)]
}

const fn approvers(done: &'static str) -> [Expect; 4] {
    [Refused(NOT_ORGANIZER), Refused(OUT_OF_SCOPE), Refused(OWN_DRAFT), Done(done)]
}

/// What each organizer's or owner's command answers once the gate let the
/// asker through: to the organizer for `energy` acting on `strikes` (the
/// scope is the handler's to check), and to those it serves. Who the gate
/// refuses, and with what, comes from the command's declaration.
const HANDLED: &[(&str, Expect, &str)] = &[
    ("post", Refused(OUT_OF_SCOPE), "Matrix post"),
    ("followup", Refused(OUT_OF_SCOPE), "Matrix follow-up"),
    ("edit", Refused(OUT_OF_SCOPE), "✏️ Correction #"),
    ("retract", Refused(OUT_OF_SCOPE), "🗑 Retraction #"),
    ("scheduled", Done("No posts are scheduled."), "Scheduled posts"),
    ("event", Refused(OUT_OF_SCOPE), "📣 Matrix event"),
    ("events", Done("No events are coming up."), "Upcoming events"),
    ("eventchange", Refused(OUT_OF_SCOPE), "📣 Broadcast #"),
    ("eventcancel", Refused(OUT_OF_SCOPE), "📣 Broadcast #"),
    ("stats", Done("📊 Statistics"), "📊 Statistics"),
    ("link", Refused(LINK_OUT_OF_SCOPE), "Link to ✊ Strikes:"),
    ("qr", Refused(LINK_OUT_OF_SCOPE), "https://t.me/"),
    ("invite", Done(""), "Organizer invitation ("),
    ("organizers", Done(""), "Owners (from the configuration):"),
    ("revoke", Done(""), "901 is no longer an organizer."),
    ("audit", Done(""), "Latest actions (newest first):"),
    ("channel", Done(""), "Linked: posts to ✊ Strikes"),
    // The inbox's commands act on the group they are sent in; the topic
    // scope does not limit the inbox (BASIS_INBOX_SCOPED is off).
    ("inbox", Done(""), "📥 This group is now the inbox of IG Beispiel."),
    ("mute", Done("🔇 Member #"), "🔇 Member #"),
    ("close", Done("🔒 The conversation with Member #"), "🔒 The conversation with Member #"),
];

/// Basis's commands as the default plugins declare them.
fn declarations() -> Vec<Declaration> {
    let registry = Registry::build(&DefaultPlugins::default().into_plugins()).expect("the default plugins fit");
    registry.commands.iter().cloned().collect()
}

/// The matrix: a row for every command the registry declares for
/// organizers or owners, its gate's refusals made from the declaration,
/// then the buttons, which check their presser at every press.
fn matrix() -> Vec<Row> {
    let mut rows: Vec<Row> = declarations()
        .into_iter()
        .filter(|d| d.audience.is_organizers())
        .map(|d| {
            let (_, outsider, done) = HANDLED.iter().find(|(name, ..)| *name == d.name).unwrap_or_else(|| {
                panic!("/{} is declared for organizers but the matrix has no outcome for it", d.name)
            });
            let served = match d.audience {
                Audience::Owner => {
                    let refused = Gate(Refusal::OwnersOnly);
                    [refused, refused, refused, Done(done)]
                }
                _ => [Gate(Refusal::OrganizersOnly), *outsider, Done(done), Done(done)],
            };
            // Organizers' commands work in their private chat, the inbox's
            // in a group; elsewhere the gate points to the right place.
            let (private, group) = match d.place {
                Place::Group => ([Gate(Refusal::GroupOnly); 4], served),
                _ => (served, [Gate(Refusal::PrivateOnly); 4]),
            };
            Row { act: format!("/{}", d.name), declaration: Some(d), private, group }
        })
        .collect();
    let button = |act: &str, private: [Expect; 4], group: [Expect; 4]| Row {
        act: act.to_owned(),
        declaration: None,
        private,
        group,
    };
    rows.extend([
        button("p:s:", authors(DONE), POST_IN_GROUP),
        button("p:u:", authors(DONE), POST_IN_GROUP),
        button("p:t:", authors(DONE), POST_IN_GROUP),
        button("p:r:", authors(DONE), POST_IN_GROUP),
        button("p:a:", approvers(DONE), POST_IN_GROUP),
        button("p:x:", approvers(DONE), POST_IN_GROUP),
        // Owners may discard anyone's draft.
        button("p:c:", [Refused(NOT_ORGANIZER), Refused(OUT_OF_SCOPE), Done(DONE), Done(DONE)], POST_IN_GROUP),
        // The guided /post is its author's alone.
        button(
            "g:",
            [Refused(NOT_ORGANIZER), Refused(STALE), Done("Chosen: ✊ Strikes"), Refused(STALE)],
            POST_IN_GROUP,
        ),
        button("gn:", [Refused(NOT_ORGANIZER), Refused(STALE), Done(DONE), Refused(STALE)], POST_IN_GROUP),
        button("ev:s:", [Refused(NOT_ORGANIZER), Refused(NOT_YOURS), Done(DONE), Refused(NOT_YOURS)], EVENT_IN_GROUP),
        button("ev:x:", [Refused(NOT_ORGANIZER), Refused(NOT_YOURS), Done(DONE), Refused(NOT_YOURS)], EVENT_IN_GROUP),
    ]);
    rows
}

/// Every command the matrix expects an outcome of is declared, and every
/// declared organizer or owner command has its row (made from the
/// registry): adding a command without saying what its handler does fails.
#[test]
fn the_matrix_has_a_row_for_every_declared_organizer_command() {
    let rows = matrix();
    let declared = declarations();
    for d in declared.iter().filter(|d| d.audience.is_organizers()) {
        assert_ne!(d.place, Place::Anywhere, "/{}", d.name);
        assert!(rows.iter().any(|r| r.act.strip_prefix('/') == Some(d.name)), "/{} has no row", d.name);
    }
    for (name, ..) in HANDLED {
        assert!(declared.iter().any(|d| d.name == *name), "the matrix tests /{name}, which is not declared");
    }
}

/// A second connection to the bot's database, to see that a refusal
/// changed nothing: every table's row count, and the state of every draft,
/// event and organizer.
enum Db {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

macro_rules! on_db {
    ($db:expr, |$p:ident| $body:expr) => {
        match $db {
            Db::Sqlite($p) => $body,
            Db::Postgres($p) => $body,
        }
    };
}

#[derive(Debug, PartialEq)]
struct Snapshot {
    rows: BTreeMap<&'static str, i64>,
    drafts: Vec<(i64, String, String)>,
    events: Vec<(i64, String, i64, String)>,
    organizers: Vec<(i64, String)>,
}

impl Db {
    async fn open(url: &str) -> Db {
        if url.starts_with("sqlite:") {
            let pool = sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect(url).await;
            Db::Sqlite(pool.expect("open the SQLite database"))
        } else {
            let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(url).await;
            Db::Postgres(pool.expect("open the PostgreSQL database"))
        }
    }

    async fn snapshot(&self) -> Snapshot {
        let mut rows = BTreeMap::new();
        for &table in TABLES {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            let count: i64 = on_db!(self, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_one(p)
                .await
                .expect("count rows"));
            rows.insert(table, count);
        }
        let drafts =
            on_db!(self, |p| sqlx::query_as("SELECT id, status, topics || ' @' || regions FROM drafts ORDER BY id")
                .fetch_all(p)
                .await
                .expect("drafts"));
        let events = on_db!(self, |p| sqlx::query_as(
            "SELECT id, status, sequence, place || ' @' || regions FROM events ORDER BY id"
        )
        .fetch_all(p)
        .await
        .expect("events"));
        let organizers = on_db!(self, |p| sqlx::query_as(
            "SELECT user_id, topics || ' @' || regions FROM organizers ORDER BY user_id"
        )
        .fetch_all(p)
        .await
        .expect("organizers"));
        Snapshot { rows, drafts, events, organizers }
    }

    async fn close(self) {
        on_db!(self, |p| p.close().await)
    }
}

async fn grant(app: &TestApp, user: i64, topics: &str) {
    app.grant(user, topics, &[], OWNER, basis_storage::now_ms()).await;
}

/// Waits until every broadcast is delivered and reported, so that nothing
/// the broadcaster does runs into the next cell.
async fn quiesce(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let storage = app.storage();
        let running = storage.unfinished_broadcasts().await.expect("unfinished");
        let unreported = storage.unreported_broadcasts().await.expect("unreported");
        let relays = storage.inbox_waiting().await.expect("inbox relays");
        if running.is_empty() && unreported.is_empty() && relays == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "broadcasts {running:?} / reports {unreported:?} did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn a_day_ahead() -> i64 {
    basis_storage::now_ms() + 2 * 86_400_000
}

async fn draft(app: &TestApp, state: DraftState, topics: &[&str]) -> i64 {
    let new = NewDraft {
        author_id: basis_storage::UserId(ORGANIZER),
        chat_id: basis_storage::ChatId(ORGANIZER),
        content: Content::Text("Entwurf".to_owned()),
        topics: basis_storage::TopicList::parse_all(topics.iter().copied()).expect("topic keys"),
        follow_up_of: None,
    };
    (app.storage().create_draft(&new, state, basis_storage::now_ms()).await.expect("draft")).0
}

/// An event draft of the organizer's, complete and ready to send.
async fn event_draft(app: &TestApp) -> i64 {
    let now = basis_storage::now_ms();
    let event = sample_event(now);
    (app.storage().create_event(&event, now).await.expect("event")).0
}

/// An event whose invitation went out.
async fn active_event(app: &TestApp) -> i64 {
    let id = event_draft(app).await;
    let sent =
        app.storage().send_event(basis_storage::EventId(id), PRIORITY_NORMAL, "en", basis_storage::now_ms()).await;
    assert!(sent.expect("send the event").is_some());
    quiesce(app).await;
    id
}

struct Fixture {
    broadcast: i64,
    event: i64,
}

/// Members who write to the inbox, one for each cell that needs a
/// conversation of its own.
static WRITERS: AtomicI64 = AtomicI64::new(40_000);

/// A member's message in the inbox group `GROUP` (made the inbox if it is
/// not yet): the copy an inbox command replies to.
async fn conversation_in_inbox(app: &TestApp) -> i64 {
    if app.storage().inbox().await.unwrap().is_none_or(|i| i.chat_id != basis_storage::ChatId(GROUP)) {
        let inbox = Inbox {
            chat_id: basis_storage::ChatId(GROUP),
            forum: false,
            locale: "en".into(),
            set_by: basis_storage::UserId(OWNER),
            set_at: 0,
        };
        app.storage().set_inbox(&inbox).await.unwrap();
    }
    let writer = app.member(WRITERS.fetch_add(1, Ordering::SeqCst), Some("en"));
    let mark = app.fake.mark();
    let hello = app.fake.send_text(&writer.user, &writer.chat, "A question").message_id.unwrap();
    let copied = app
        .fake
        .wait_for_request_after(
            mark,
            |r| {
                r.method == "copymessage" && r.params["message_id"].as_i64() == Some(hello) && chat_of(r) == Some(GROUP)
            },
            PATIENCE,
        )
        .await
        .expect("the member's message reaches the inbox");
    quiesce(app).await;
    message_id_of(&copied).unwrap()
}

/// The command, or the button's data, for one cell, and for the inbox's
/// commands in a group the message it replies to; objects that a success
/// uses up are made fresh for each cell.
async fn prepare(app: &TestApp, fixture: &Fixture, act: &str, who: &Member) -> (String, Option<i64>) {
    if matches!(act, "/mute" | "/close") && who.chat_id() == GROUP {
        return (act.to_owned(), Some(conversation_in_inbox(app).await));
    }
    let input = match act {
        "/post" => "/post strikes Matrix post".to_owned(),
        "/followup" => format!("/followup {} Matrix follow-up", fixture.broadcast),
        "/edit" => format!("/edit {} Matrix edit", fixture.broadcast),
        "/retract" => format!("/retract {}", fixture.broadcast),
        "/invite" => "/invite strikes".to_owned(),
        "/revoke" => format!("/revoke {VICTIM}"),
        "/channel" => "/channel strikes @igb_news".to_owned(),
        "/link" => "/link strikes".to_owned(),
        "/qr" => "/qr strikes".to_owned(),
        "/event" => "/event strikes tomorrow 18:00 | Matrix event | Tor 3".to_owned(),
        "/eventchange" => format!("/eventchange {} place Tor 4", fixture.event),
        "/eventcancel" => format!("/eventcancel {}", active_event(app).await),
        command if command.starts_with('/') => command.to_owned(),
        "p:a:" | "p:x:" => {
            let id = draft(app, DraftState::Open, &["strikes"]).await;
            assert!(app.storage().submit_for_review(basis_storage::DraftId(id), "en").await.expect("review"));
            format!("{act}{id}")
        }
        "g:" => format!("g:{}:strikes", draft(app, DraftState::Compose, &[]).await),
        "gn:" => format!("gn:{}", draft(app, DraftState::Compose, &["strikes"]).await),
        "ev:s:" | "ev:x:" => format!("{act}{}", event_draft(app).await),
        _ => format!("{act}{}", draft(app, DraftState::Open, &["strikes"]).await),
    };
    (input, None)
}

/// The first thing the bot sends into `who`'s chat after `mark`.
async fn first_answer(app: &TestApp, who: &Member, mark: usize) -> String {
    let chat = who.chat_id();
    let sent = app.fake.wait_for_request_after(
        mark,
        |r| {
            chat_of(r) == Some(chat)
                && matches!(r.method.as_str(), "sendmessage" | "senddocument" | "sendphoto" | "copymessage")
        },
        PATIENCE,
    );
    let sent = sent.await.unwrap_or_else(|| panic!("no answer in chat {chat}"));
    sent.text().or_else(|| sent.params["caption"].as_str()).unwrap_or_default().to_owned()
}

/// Runs one cell and returns what went wrong, if anything.
async fn cell(
    app: &TestApp,
    db: &Db,
    fixture: &Fixture,
    row: &Row,
    role: Role,
    who: &Member,
    expect: Expect,
) -> Option<String> {
    quiesce(app).await;
    let (input, reply_to) = prepare(app, fixture, &row.act, who).await;
    let before = db.snapshot().await;
    let mark = app.fake.mark();
    let answer = if row.act.starts_with('/') {
        let message = MemberMessage::text(&input);
        app.fake.send(&who.user, &who.chat, reply_to.map_or(message.clone(), |id| message.reply_to(id)));
        first_answer(app, who, mark).await
    } else {
        let under = app.fake.bot_messages_in(who.chat_id()).last().expect("a message to press under").message_id;
        app.press(who, under, &input).await.unwrap_or_default()
    };
    // Updates of one chat run in order: once /help is answered, the cell's
    // update is handled completely.
    app.barrier(who, mark).await;
    let after = db.snapshot().await;
    let place = if who.chat_id() < 0 { "group" } else { "private" };
    let name = format!("{} as {role:?} in {place} ({input})", row.act);
    let expect = match (expect, &row.declaration) {
        // The gate's refusal, rendered as the asker reads it.
        (Gate(refusal), Some(declaration)) => Refused(leak(refusal.text(declaration, &Texts::load(), Locale::En))),
        (Gate(refusal), None) => panic!("{name}: a button has no gate ({refusal:?})"),
        (expect, _) => expect,
    };
    match expect {
        Refused(text) if answer != text => Some(format!("{name}: expected refusal {text:?}, got {answer:?}")),
        Refused(_) if before != after => {
            Some(format!("{name}: refused, but stored state changed:\n{before:?}\n{after:?}"))
        }
        Done(prefix) if !answer.starts_with(prefix) || is_refusal(&answer) => {
            Some(format!("{name}: expected an answer starting with {prefix:?}, got {answer:?}"))
        }
        _ => None,
    }
}

/// A rendered refusal, kept for the rest of the test run.
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn is_refusal(answer: &str) -> bool {
    let texts = Texts::load();
    let gate = declarations().into_iter().flat_map(|d| {
        [Refusal::PrivateOnly, Refusal::GroupOnly, Refusal::OrganizersOnly, Refusal::OwnersOnly]
            .map(|r| r.text(&d, &texts, Locale::En))
    });
    gate.collect::<Vec<_>>().iter().any(|refusal| refusal == answer)
        || [NOT_ORGANIZER, OUT_OF_SCOPE, LINK_OUT_OF_SCOPE, STALE, NOT_YOURS, OWN_DRAFT].contains(&answer)
}

#[tokio::test]
async fn who_may_do_what_cell_by_cell() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let app = TestApp::spawn_configured(db, Hooks::default(), |c| {
            c.owners = vec![OWNER];
            c.rate_limit = 1000;
            c.paid_broadcast = true;
            c.flood_per_minute = 100_000;
        })
        .await;
        let check = Db::open(&app.db.url).await;
        grant(&app, ORGANIZER, "strikes").await;
        grant(&app, OUTSIDER, "energy").await;
        grant(&app, VICTIM, "europe").await;
        app.subscribers(31_001..31_004, &["strikes"]).await;
        let bot = app.fake.bot_user_id();
        app.fake.channel(-100_777, "IG Beispiel News");
        app.fake.set_chat_username(-100_777, "igb_news");
        app.fake.set_member_status(-100_777, bot, "administrator");
        let group = app.fake.group(GROUP, "Betriebsgruppe");
        // The bot is an admin there: an owner may make it the inbox.
        app.fake.make_bot_admin(GROUP, AdminRights::default());

        let ids = [MEMBER, OUTSIDER, ORGANIZER, OWNER];
        let private: Vec<Member> = ids.iter().map(|id| app.member(*id, Some("en"))).collect();
        // Even the group's admins get no organizer rights there.
        let in_group: Vec<Member> = private.iter().map(|m| app.in_group(&m.user, &group, "administrator")).collect();
        for who in private.iter().chain(&in_group) {
            app.barrier(who, app.fake.mark()).await;
        }
        let owner = &private[3];
        let broadcast = app.post_normal(owner, &["strikes"], "Matrix broadcast").await;
        app.finished(owner, broadcast, PATIENCE).await;
        let scheduled = draft(&app, DraftState::Open, &["strikes"]).await;
        assert!(
            app.storage()
                .move_draft(basis_storage::DraftId(scheduled), DraftState::Open, DraftState::Timing)
                .await
                .unwrap()
        );
        assert!(
            app.storage()
                .schedule_draft(basis_storage::DraftId(scheduled), a_day_ahead(), PRIORITY_NORMAL, "en")
                .await
                .unwrap()
        );
        let fixture = Fixture { broadcast, event: active_event(&app).await };

        let mut failures = Vec::new();
        let mut cells = 0;
        let matrix = matrix();
        for in_a_group in [false, true] {
            for row in &matrix {
                for (i, role) in ROLES.into_iter().enumerate() {
                    let (who, expect) =
                        if in_a_group { (&in_group[i], row.group[i]) } else { (&private[i], row.private[i]) };
                    cells += 1;
                    failures.extend(cell(&app, &check, &fixture, row, role, who, expect).await);
                }
            }
        }
        assert_eq!(cells, matrix.len() * 8);
        assert!(
            failures.is_empty(),
            "{engine:?}: {} of {cells} cells failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
        eprintln!("{engine:?}: {cells} cells of the authorization matrix hold");
        check.close().await;
        app.stop().await.unwrap();
    }
}

/// The relay itself, row by row: who writes in the inbox, as a reply to a
/// member's message there, and whether it reaches the member. The role is
/// looked up when they write.
const RELAYED: &[(&str, i64, bool)] = &[
    ("a group member who is no organizer", MEMBER, false),
    ("an organizer outside the member's topics", OUTSIDER, true),
    ("an organizer", ORGANIZER, true),
    ("an owner", OWNER, true),
    ("a revoked organizer", VICTIM, false),
];

#[tokio::test]
async fn the_inbox_relays_members_and_organizers_and_nobody_else() {
    const INBOX: i64 = -100_5001;
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let app = TestApp::spawn_configured(db, Hooks::default(), |c| c.owners = vec![OWNER]).await;
        grant(&app, ORGANIZER, "strikes").await;
        grant(&app, OUTSIDER, "energy").await;
        grant(&app, VICTIM, "europe").await;
        assert!(
            app.storage()
                .revoke_organizer(basis_storage::UserId(VICTIM), basis_storage::UserId(OWNER), basis_storage::now_ms())
                .await
                .unwrap()
        );
        let group = app.fake.supergroup(INBOX, "Inbox");
        app.fake.make_bot_admin(INBOX, AdminRights::default());
        let inbox = Inbox {
            chat_id: basis_storage::ChatId(INBOX),
            forum: false,
            locale: "en".into(),
            set_by: basis_storage::UserId(OWNER),
            set_at: 0,
        };
        app.storage().set_inbox(&inbox).await.unwrap();

        // A member's message in their private chat is relayed.
        let member = app.member(31_500, Some("en"));
        app.ask(&member, "/start strikes").await;
        let mark = app.fake.mark();
        let hello = app.fake.send_text(&member.user, &member.chat, "Is there a strike tomorrow?").message_id.unwrap();
        let copy = |r: &RecordedRequest| r.method == "copymessage" && r.params["message_id"].as_i64() == Some(hello);
        let copied = app.fake.wait_for_request_after(mark, copy, PATIENCE).await.expect("relayed to the inbox");
        assert_eq!(chat_of(&copied), Some(INBOX), "{engine:?}");
        quiesce(&app).await;
        let copy = message_id_of(&copied).unwrap();

        // Everyone in the group replies to it.
        let mark = app.fake.mark();
        let written: Vec<(&str, i64, bool)> = RELAYED
            .iter()
            .map(|(who, id, relayed)| {
                let user = app.fake.user(*id, "Kim", Some("en"));
                let text = format!("An answer from {who}");
                let sent = app.fake.send(&user, &group, MemberMessage::text(&text).reply_to(copy));
                (*who, sent.message_id.unwrap(), *relayed)
            })
            .collect();
        // Answers to a member go in order: once the last organizer's is
        // there, every one before it was relayed or never will be.
        let (_, last, _) = written.iter().rev().find(|(.., relayed)| *relayed).unwrap();
        let arrived = |r: &RecordedRequest| r.method == "copymessage" && r.params["message_id"].as_i64() == Some(*last);
        app.fake.wait_for_request_after(mark, arrived, PATIENCE).await.expect("the last answer arrives");
        let requests = app.fake.requests();
        let mut failures = Vec::new();
        for (who, id, relayed) in &written {
            let reached = requests[mark..].iter().any(|r| {
                r.method == "copymessage"
                    && r.params["from_chat_id"].as_i64() == Some(INBOX)
                    && r.params["message_id"].as_i64() == Some(*id)
                    && chat_of(r) == Some(member.chat_id())
            });
            if reached != *relayed {
                failures.push(format!("{who}: relayed {reached}, expected {relayed}"));
            }
        }
        assert!(failures.is_empty(), "{engine:?}:\n{}", failures.join("\n"));
        app.stop().await.unwrap();
    }
}

/// Sends `/help` and returns how long the answer took; fails after 5 s.
async fn help_latency(app: &TestApp, who: &Member) -> Duration {
    let chat = who.chat_id();
    let mark = app.fake.mark();
    let start = Instant::now();
    app.fake.send_text(&who.user, &who.chat, "/help");
    let answered = app.fake.wait_for_request_after(mark, |r| is_help(r, chat), Duration::from_secs(5)).await.is_some();
    assert!(answered, "member {chat} waited more than 5 s for /help");
    start.elapsed()
}

fn is_help(r: &RecordedRequest, chat: i64) -> bool {
    r.method == "sendmessage" && chat_of(r) == Some(chat) && r.text().is_some_and(|t| t.contains("/privacy –"))
}

fn summary(latencies: &mut [Duration]) -> String {
    latencies.sort();
    let median = latencies[latencies.len() / 2];
    let max = latencies[latencies.len() - 1];
    format!("median {median:?}, max {max:?} ({} answers)", latencies.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_from_one_member_leaves_everyone_else_served() {
    const FLOOD: usize = 3_000;
    const PRESSES: usize = 100;
    const DURING: usize = 15;
    let entered = Arc::new(AtomicUsize::new(0));
    let counter = entered.clone();
    let hooks = Hooks {
        probe: Some(Arc::new(move |_: &teloxide::types::Update| {
            counter.fetch_add(1, Ordering::SeqCst);
        })),
        ..Hooks::default()
    };
    // Room in the global budget (paid, 1000/s): flood control is what is
    // tested. At 30/s its 70 answers would take over two seconds, and the
    // limiter (one update per two seconds after the burst) would let a 31st
    // update of the flooder's through.
    let app = TestApp::spawn_configured(TestDatabase::sqlite().await, hooks, |c| {
        c.flood_per_minute = 30;
        c.rate_limit = 1000;
        c.paid_broadcast = true;
    })
    .await;
    let flooder = app.member(1_001, Some("en"));
    let presser = app.member(1_002, Some("en"));
    let others = [app.member(1_003, Some("en")), app.member(1_004, Some("en"))];
    let mut sent = 0;

    // The usual latency, before the flood.
    let mut before = Vec::new();
    for _ in 0..5 {
        for other in &others {
            before.push(help_latency(&app, other).await);
            sent += 1;
        }
    }

    // One member floods with messages and then button presses; another
    // presses one button a hundred times.
    let prompt = app.ask(&presser, "/language").await.message_id;
    sent += 1;
    let (fake, f, p) = (app.fake.clone(), flooder.clone(), presser.clone());
    let flood_began = Instant::now();
    let flood = tokio::spawn(async move {
        for i in 0..FLOOD {
            if i >= 100 && i % 3 == 0 {
                fake.press_button(&f.user, &f.chat, 1, "t:strikes");
            } else {
                fake.send_text(&f.user, &f.chat, "/help");
            }
            if i < PRESSES {
                fake.press_button(&p.user, &p.chat, prompt, "lang:en");
            }
            if i % 100 == 99 {
                tokio::task::yield_now().await;
            }
        }
    });
    // Meanwhile the others keep asking, one after the other.
    let asking = |other: &Member| {
        let (app, other) = (&app, other.clone());
        async move {
            let mut latencies = Vec::new();
            for _ in 0..DURING {
                latencies.push(help_latency(app, &other).await);
            }
            latencies
        }
    };
    let (first, second) = tokio::join!(asking(&others[0]), asking(&others[1]));
    let mut during: Vec<Duration> = first.into_iter().chain(second).collect();
    flood.await.expect("the flood was injected");
    sent += FLOOD + PRESSES + DURING * others.len();

    // Every update went into the handler tree; a clean stop then waits for
    // the ones being handled, so what the bot sent is final.
    let deadline = Instant::now() + Duration::from_secs(60);
    while entered.load(Ordering::SeqCst) < sent {
        assert!(Instant::now() < deadline, "{} of {sent} updates handled", entered.load(Ordering::SeqCst));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let through = flood_began.elapsed();
    let (_db, fake) = app.stop_keeping_state().await;
    let requests = fake.requests();
    // Flood control asks Telegram for no more kinds of updates than before.
    let wanted = ["message", "edited_message", "callback_query", "my_chat_member"];
    let asked: Vec<&Vec<Value>> = requests
        .iter()
        .filter(|r| r.method == "getupdates")
        .filter_map(|r| r.params["allowed_updates"].as_array())
        .collect();
    assert!(!asked.is_empty());
    for kinds in asked {
        assert!(kinds.iter().all(|k| wanted.contains(&k.as_str().unwrap_or_default())), "{kinds:?}");
    }
    let to = |chat: i64| requests.iter().filter(move |r| r.method == "sendmessage" && chat_of(r) == Some(chat));
    let notices = to(flooder.chat_id()).filter(|r| r.text().is_some_and(|t| t.starts_with(THROTTLED))).count();
    assert_eq!(notices, 1, "the flooder is told exactly once");
    let helps = to(flooder.chat_id()).filter(|r| is_help(r, flooder.chat_id())).count();
    assert_eq!(helps, 30, "the flooder's first 30 updates were answered, no more");
    let toasts: Vec<(Option<&str>, bool)> = requests
        .iter()
        .filter(|r| r.method == "answercallbackquery")
        .map(|r| (r.params.get("text").and_then(Value::as_str), r.params["show_alert"].as_bool().unwrap_or(false)))
        .collect();
    // The presser's /language counted: 29 presses are answered, the 30th
    // over the limit gets the notice as an alert, the rest nothing; the
    // flooder's presses came after the limit and got nothing at all.
    let switched = toasts.iter().filter(|(t, _)| *t == Some("The language is now English.")).count();
    let alerts: Vec<_> = toasts.iter().filter(|(t, _)| t.is_some_and(|t| t.starts_with(THROTTLED))).collect();
    assert_eq!((switched, alerts.len(), toasts.len()), (29, 1, 30), "{toasts:?}");
    assert!(alerts[0].1, "the notice is an alert");
    for other in &others {
        assert_eq!(to(other.chat_id()).filter(|r| is_help(r, other.chat_id())).count(), 5 + DURING);
        assert_eq!(to(other.chat_id()).filter(|r| r.text().is_some_and(|t| t.starts_with(THROTTLED))).count(), 0);
    }
    eprintln!(
        "/help before the flood: {}; during a flood of {FLOOD} updates: {}; the bot was through the flood {:?} after it began",
        summary(&mut before),
        summary(&mut during),
        through
    );
    fake.shutdown().await;
}

/// A member who follows two topics, got a broadcast and an invitation, and
/// answered it; another member with data of their own.
async fn member_with_history(app: &TestApp, id: i64, other: i64) -> (Member, Member, i64) {
    let member = app.member(id, Some("en"));
    let neighbour = app.member(other, Some("de"));
    app.ask(&member, "/start strikes").await;
    app.ask(&member, "/subscribe energy").await;
    app.ask(&neighbour, "/start strikes").await;
    let owner = app.member(OWNER, Some("en"));
    app.post_normal(&owner, &["strikes"], "Warnstreik morgen ab 6 Uhr").await;
    quiesce(app).await;

    let now = basis_storage::now_ms();
    let mut event = Event {
        id: basis_storage::EventId(0),
        author_id: basis_storage::UserId(OWNER),
        chat_id: basis_storage::ChatId(OWNER),
        title: "Kundgebung vor Tor 3".to_owned(),
        starts_at: now + 86_400_000,
        ends_at: None,
        place: "Werkstraße 1".to_owned(),
        latitude: None,
        longitude: None,
        topics: basis_storage::TopicList::from_stored("strikes"),
        note: String::new(),
        reminders: String::new(),
        status: basis_storage::EventStatus::Draft,
        step: None,
        invitation_id: None,
        sequence: 0,
        created_at: now,
        updated_at: now,
    };
    event.id = app.storage().create_event(&event, now).await.unwrap();
    assert!(app.storage().send_event(event.id, PRIORITY_NORMAL, "en", now).await.unwrap().is_some());
    quiesce(app).await;
    for (who, answer, toast) in [(&member, "y", "Great, you're coming!"), (&neighbour, "n", "Schade – notiert.")] {
        let data = format!("ev:{answer}:{}", event.id);
        let invitation =
            app.fake.bot_messages_in(who.chat_id()).into_iter().find(|m| buttons(m).iter().any(|(_, d)| *d == data));
        let invitation = invitation.expect("an invitation with answer buttons");
        assert_eq!(app.press(who, invitation.message_id, &data).await.as_deref(), Some(toast));
    }
    (member, neighbour, event.id.0)
}

/// Asks for /mydata and returns the document and its caption.
async fn my_data(app: &TestApp, who: &Member) -> (Value, String) {
    let mark = app.fake.mark();
    app.fake.send_text(&who.user, &who.chat, "/mydata");
    let chat = who.chat_id();
    let sent = app
        .fake
        .wait_for_request_after(mark, |r| r.method == "senddocument" && chat_of(r) == Some(chat), PATIENCE)
        .await
        .expect("a document");
    let file = sent.files.first().expect("an uploaded file");
    assert_eq!(file.file_name.as_deref(), Some("basis-mydata.json"));
    let json = serde_json::from_slice(&file.bytes).expect("JSON");
    (json, sent.params["caption"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn mydata_holds_everything_stored_about_the_chat_and_nothing_else() {
    let app = TestApp::spawn_configured(TestDatabase::sqlite().await, Hooks::default(), |c| {
        c.owners = vec![OWNER];
        c.privacy_contact = "datenschutz@example.org".to_owned();
    })
    .await;
    let (member, neighbour, event) = member_with_history(&app, 1_201, 1_202).await;
    let (data, caption) = my_data(&app, &member).await;
    assert_eq!(caption, "Everything stored about this chat (JSON). /stop deletes all of it.");
    assert_eq!(data["chat"]["id"], 1_201);
    assert_eq!(data["chat"]["kind"], "private");
    assert_eq!(data["chat"]["language"], "en");
    assert_eq!(data["chat"]["status"], "active");
    assert_eq!(data["chat"]["privacy_notice_version"], 1);
    assert!(data["chat"]["consent_at"].as_str().unwrap().ends_with('Z'), "{data}");
    assert_eq!(data["controller"]["organisation"], "IG Beispiel");
    assert_eq!(data["controller"]["contact"], "datenschutz@example.org");
    let topics: Vec<&str> = data["topics"].as_array().unwrap().iter().map(|t| t["topic"].as_str().unwrap()).collect();
    assert_eq!(topics, ["strikes", "energy"]);
    assert!(data["topics"][0]["subscribed_at"].is_string());
    let rsvps = data["rsvps"].as_array().unwrap();
    assert_eq!(rsvps.len(), 1, "{data}");
    assert_eq!((rsvps[0]["event"].as_i64(), rsvps[0]["answer"].as_str()), (Some(event), Some("yes")));
    assert_eq!(rsvps[0]["title"], "Kundgebung vor Tor 3");
    let deliveries = data["deliveries"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> =
        deliveries.iter().map(|d| (d["kind"].as_str().unwrap(), d["status"].as_str().unwrap())).collect();
    assert_eq!(kinds, [("text", "sent"), ("event", "sent")], "{data}");
    assert!(deliveries.iter().all(|d| d["broadcast_at"].is_string() && d["message_id"].is_i64()));
    // Nothing about anyone else: not the neighbour, not the owner.
    let text = data.to_string();
    for stranger in [neighbour.chat_id(), OWNER] {
        assert!(!text.contains(&stranger.to_string()), "{stranger} appears in {text}");
    }
    assert!(!text.contains("\"no\""), "the neighbour's answer appears in {text}");

    // In groups only admins get the group's data; nothing stored, nothing sent.
    let group = app.fake.group(-4_242, "Ortsgruppe");
    let admin = app.in_group(&member.user, &group, "administrator");
    let other = app.in_group(&neighbour.user, &group, "member");
    app.ask(&admin, "/subscribe europe").await;
    let refused = app.ask(&other, "/mydata").await.text.unwrap();
    assert_eq!(refused, "Only this group's admins can get the group's data.");
    let (data, _) = my_data(&app, &admin).await;
    assert_eq!((data["chat"]["id"].as_i64(), data["chat"]["kind"].as_str()), (Some(-4_242), Some("group")));
    assert_eq!(data["topics"].as_array().unwrap().len(), 1);
    assert!(data["deliveries"].as_array().unwrap().is_empty());
    let nobody = app.member(1_203, Some("en"));
    let nothing = app.ask(&nobody, "/mydata").await.text.unwrap();
    assert!(nothing.starts_with("Nothing is stored about this chat"), "{nothing}");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn stop_leaves_no_trace_of_the_chat() {
    // A number that collides with nothing else in the database.
    const CHAT: i64 = 987_654_321;
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let app = TestApp::spawn_configured(db, Hooks::default(), |c| c.owners = vec![OWNER]).await;
        let (member, neighbour, _) = member_with_history(&app, CHAT, 1_302).await;
        // The member wrote to the organizers' inbox too, and got an answer.
        let group = app.fake.supergroup(-100_4242, "Inbox");
        app.fake.make_bot_admin(-100_4242, AdminRights::default());
        let inbox = Inbox {
            chat_id: basis_storage::ChatId(-100_4242),
            forum: false,
            locale: "en".into(),
            set_by: basis_storage::UserId(OWNER),
            set_at: 0,
        };
        app.storage().set_inbox(&inbox).await.unwrap();
        let mark = app.fake.mark();
        let hello = app.fake.send_text(&member.user, &member.chat, "Hello?").message_id.unwrap();
        let relayed = |r: &RecordedRequest| r.method == "copymessage" && r.params["message_id"].as_i64() == Some(hello);
        let copied = app.fake.wait_for_request_after(mark, relayed, PATIENCE).await.expect("relayed");
        quiesce(&app).await;
        let owner = app.fake.user(OWNER, "Olga", Some("en"));
        let reply = MemberMessage::text("Hi!").reply_to(message_id_of(&copied).unwrap());
        let answer = app.fake.send(&owner, &group, reply).message_id.unwrap();
        let answered =
            |r: &RecordedRequest| r.method == "copymessage" && r.params["message_id"].as_i64() == Some(answer);
        app.fake.wait_for_request_after(mark, answered, PATIENCE).await.expect("answered");
        quiesce(&app).await;
        my_data(&app, &member).await;
        let mut held = app.db.columns_mentioning(&CHAT.to_string()).await;
        held.sort();
        assert_eq!(
            held,
            ["chats.id", "deliveries.chat_id", "inbox_cases.chat_id", "rsvps.chat_id", "subscriptions.chat_id"],
            "{engine:?}: where the chat lives"
        );

        let question = app.ask(&member, "/stop").await;
        let toast = app.press(&member, question.message_id, "stop:y").await;
        assert_eq!(
            toast.as_deref(),
            Some("Done: you have left, and all data of this chat is deleted. Send /start any time to begin again.")
        );
        let held = app.db.columns_mentioning(&CHAT.to_string()).await;
        assert!(held.is_empty(), "{engine:?}: after /stop the chat id is still in {held:?}");
        // The neighbour's data is untouched.
        let theirs = app.db.columns_mentioning(&neighbour.chat_id().to_string()).await;
        assert!(
            theirs.contains(&"rsvps.chat_id".to_owned()) && theirs.contains(&"deliveries.chat_id".to_owned()),
            "{theirs:?}"
        );
        let nothing = app.ask(&member, "/mydata").await.text.unwrap();
        assert!(nothing.starts_with("Nothing is stored about this chat"), "{nothing}");
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn a_changed_privacy_notice_is_shown_once_before_the_answer() {
    let configure = |version: u32| {
        move |c: &mut basis::Config| {
            c.privacy_version = version;
            c.privacy_contact = "datenschutz@example.org".to_owned();
        }
    };
    let app = TestApp::spawn_configured(TestDatabase::sqlite().await, Hooks::default(), configure(1)).await;
    let anna = app.member(1_401, Some("en"));
    let welcome = app.ask(&anna, "/start").await.text.unwrap();
    assert!(
        welcome.contains("Responsible for your data (controller): IG Beispiel, contact: datenschutz@example.org."),
        "{welcome}"
    );
    app.ask(&anna, "/subscribe strikes").await;
    let report = app.ask(&anna, "/privacy").await.text.unwrap();
    assert!(report.contains("Privacy notice you saw: version 1."), "{report}");
    assert!(report.contains("contact: datenschutz@example.org"), "{report}");
    let ben = app.member(1_402, Some("de"));
    let stranger = app.member(1_403, Some("en"));

    let (db, fake) = app.stop_keeping_state().await;
    let app = TestApp::spawn_full(db, Some(fake), Hooks::default(), configure(2)).await;
    // Anna's next interaction: first the new notice, then the answer.
    let mark = app.fake.mark();
    app.fake.send_text(&anna.user, &anna.chat, "/mytopics");
    app.barrier(&anna, mark).await;
    let said: Vec<String> = app.fake.requests()[mark..]
        .iter()
        .filter(|r| r.method == "sendmessage" && chat_of(r) == Some(anna.chat_id()))
        .filter_map(|r| r.text().map(str::to_owned))
        .collect();
    assert_eq!(said.len(), 3, "notice, answer, /help: {said:?}");
    assert!(said[0].starts_with("🔏 Our privacy notice has changed (version 2)."), "{said:?}");
    assert!(said[0].contains("Privacy: we store only") && said[0].contains("datenschutz@example.org"), "{said:?}");
    assert!(said[1].starts_with("You follow these topics:"), "{said:?}");
    assert_eq!(app.storage().chat(basis_storage::ChatId(anna.chat_id())).await.unwrap().unwrap().privacy_version, 2);
    // Once: a button press and later commands come without it.
    let keyboard = app.ask(&anna, "/topics").await;
    app.press(&anna, keyboard.message_id, "t:energy").await;
    let mark = app.fake.mark();
    app.fake.send_text(&anna.user, &anna.chat, "/mytopics");
    app.barrier(&anna, mark).await;
    let notices = app.fake.requests()[mark..]
        .iter()
        .filter(|r| chat_of(r) == Some(anna.chat_id()) && r.text().is_some_and(|t| t.starts_with("🔏")))
        .count();
    assert_eq!(notices, 0);
    let all_notices = app.fake.requests().iter().filter(|r| r.text().is_some_and(|t| t.starts_with("🔏"))).count();
    assert_eq!(all_notices, 1, "shown once in all");

    // Nothing stored, nothing to show again; a chat agreeing now agrees
    // under version 2 and is not shown it twice.
    let help = app.ask(&stranger, "/help").await.text.unwrap();
    assert!(help.starts_with("How it works"), "{help}");
    app.ask(&ben, "/subscribe strikes").await;
    assert_eq!(app.storage().chat(basis_storage::ChatId(ben.chat_id())).await.unwrap().unwrap().privacy_version, 2);
    let answer = app.ask(&ben, "/mytopics").await.text.unwrap();
    assert!(answer.starts_with("Du folgst diesen Themen"), "{answer}");
    app.stop().await.unwrap();
}

/// An organizer for `strikes`, limited to Kassel.
const REGIONAL: i64 = 650;

/// What a region-scoped organizer's act is about: inside the scope (Kassel),
/// above it (Hessen), outside it (Wolfsburg), or every member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reach {
    Kassel,
    Hessen,
    Wolfsburg,
    Everywhere,
}

impl Reach {
    fn target(self) -> basis_storage::RegionTarget {
        let within = |k: &str| basis_storage::RegionTarget::Within(vec![basis_storage::RegionKey::parse(k).unwrap()]);
        match self {
            Reach::Kassel => within("kassel"),
            Reach::Hessen => within("hessen"),
            Reach::Wolfsburg => within("wolfsburg"),
            Reach::Everywhere => basis_storage::RegionTarget::Everywhere,
        }
    }

    fn at(self) -> &'static str {
        match self {
            Reach::Kassel => " @kassel",
            Reach::Hessen => " @hessen",
            Reach::Wolfsburg => " @wolfsburg",
            Reach::Everywhere => "",
        }
    }
}

/// One act of the region-scoped organizer and what it must answer: inside
/// Kassel it is done; elsewhere the refusal names the scope, and nothing
/// stored changes.
const REGIONAL_ROWS: &[(&str, Reach)] = &[
    ("/post", Reach::Kassel),
    ("/post", Reach::Hessen),
    ("/post", Reach::Wolfsburg),
    ("/post", Reach::Everywhere),
    ("/post reply", Reach::Kassel),
    ("/post reply", Reach::Everywhere),
    ("/followup", Reach::Kassel),
    ("/followup", Reach::Everywhere),
    ("/edit", Reach::Kassel),
    ("/edit", Reach::Wolfsburg),
    ("/retract", Reach::Everywhere),
    ("/event", Reach::Kassel),
    ("/event", Reach::Wolfsburg),
    ("/event", Reach::Everywhere),
    ("/eventchange", Reach::Everywhere),
    ("/eventcancel", Reach::Kassel),
    // At every press: drafts made while the scope was wider.
    ("p:s:", Reach::Kassel),
    ("p:s:", Reach::Wolfsburg),
    ("p:s:", Reach::Everywhere),
    ("p:u:", Reach::Everywhere),
    ("p:t:", Reach::Hessen),
    ("p:r:", Reach::Everywhere),
    ("p:a:", Reach::Everywhere),
    ("p:a:", Reach::Kassel),
    ("gr:s:", Reach::Kassel),
    ("gr:s:", Reach::Wolfsburg),
    ("gr:n", Reach::Everywhere),
    ("gr:x", Reach::Everywhere),
    ("gr:x", Reach::Kassel),
    ("ev:s:", Reach::Kassel),
    ("ev:s:", Reach::Everywhere),
];

/// A draft of `author`'s for `strikes` within `reach`.
async fn regional_draft(app: &TestApp, author: i64, state: DraftState, reach: Reach) -> i64 {
    let new = NewDraft {
        author_id: basis_storage::UserId(author),
        chat_id: basis_storage::ChatId(author),
        content: Content::Text("Entwurf".to_owned()),
        topics: basis_storage::TopicList::from_stored("strikes"),
        follow_up_of: None,
    };
    let now = basis_storage::now_ms();
    app.storage().create_draft_to(&new, &reach.target(), state, now).await.expect("draft").0
}

/// An event of the region-scoped organizer's within `reach`, a draft or
/// sent.
async fn regional_event(app: &TestApp, reach: Reach, sent: bool) -> i64 {
    let now = basis_storage::now_ms();
    let mut event = Event {
        author_id: basis_storage::UserId(REGIONAL),
        chat_id: basis_storage::ChatId(REGIONAL),
        ..sample_event(now)
    };
    event.id = app.storage().create_event(&event, now).await.expect("event");
    assert!(app.storage().set_event_regions(event.id, &reach.target(), now).await.unwrap());
    if sent {
        assert!(app.storage().send_event(event.id, PRIORITY_NORMAL, "en", now).await.unwrap().is_some());
        quiesce(app).await;
    }
    event.id.0
}

fn sample_event(now: i64) -> Event {
    Event {
        id: basis_storage::EventId(0),
        author_id: basis_storage::UserId(ORGANIZER),
        chat_id: basis_storage::ChatId(ORGANIZER),
        title: "Kundgebung".to_owned(),
        starts_at: a_day_ahead(),
        ends_at: None,
        place: "Tor 3".to_owned(),
        latitude: None,
        longitude: None,
        topics: basis_storage::TopicList::from_stored("strikes"),
        note: String::new(),
        reminders: "60".to_owned(),
        status: basis_storage::EventStatus::Draft,
        step: None,
        invitation_id: None,
        sequence: 0,
        created_at: now,
        updated_at: now,
    }
}

/// A post to `strikes` within `reach`, delivered.
async fn regional_broadcast(app: &TestApp, reach: Reach) -> i64 {
    let new = basis_storage::NewBroadcast {
        author_id: basis_storage::UserId(OWNER),
        content: Content::Text(format!("Broadcast{}", reach.at())),
        topics: basis_storage::TopicList::from_stored("strikes"),
        priority: PRIORITY_NORMAL,
        report_chat_id: None,
        report_locale: "en".to_owned(),
        ref_broadcast_id: None,
    };
    let (id, _) = app.storage().create_broadcast_to(&new, &reach.target(), basis_storage::now_ms()).await.unwrap();
    quiesce(app).await;
    id.0
}

/// The command or button data of one row, with what it needs made fresh.
async fn regional_input(app: &TestApp, who: &Member, act: &str, reach: Reach) -> (String, Option<i64>) {
    let at = reach.at();
    let input = match act {
        "/post" => format!("/post strikes{at} Inside post"),
        "/post reply" => {
            let original = app.fake.send_text(&who.user, &who.chat, "A message to pass on").message_id.unwrap();
            quiesce(app).await;
            app.barrier(who, app.fake.mark()).await;
            return (format!("/post strikes{at}"), Some(original));
        }
        "/followup" => format!("/followup {} Inside follow-up", regional_broadcast(app, reach).await),
        "/edit" => format!("/edit {} Inside edit", regional_broadcast(app, reach).await),
        "/retract" => format!("/retract {}", regional_broadcast(app, reach).await),
        "/event" => format!("/event strikes{at} tomorrow 18:00 | Inside event | Tor 3"),
        "/eventchange" => format!("/eventchange {} place Tor 4", regional_event(app, reach, true).await),
        "/eventcancel" => format!("/eventcancel {}", regional_event(app, reach, true).await),
        "p:a:" => {
            // Someone else's draft, waiting for a second organizer.
            let id = regional_draft(app, OWNER, DraftState::Open, reach).await;
            assert!(app.storage().submit_for_review(basis_storage::DraftId(id), "en").await.expect("review"));
            format!("p:a:{id}")
        }
        "gr:s:" | "gr:n" | "gr:x" => {
            let id = regional_draft(app, REGIONAL, DraftState::Compose, reach).await;
            match act {
                "gr:s:" => format!("gr:{id}:s:{}", if reach == Reach::Kassel { "kassel" } else { "wolfsburg" }),
                "gr:n" => format!("gr:{id}:n"),
                _ => format!("gr:{id}:x"),
            }
        }
        "ev:s:" => format!("ev:s:{}", regional_event(app, reach, false).await),
        _ => format!("{act}{}", regional_draft(app, REGIONAL, DraftState::Open, reach).await),
    };
    (input, None)
}

#[tokio::test]
async fn a_region_scoped_organizer_acts_inside_the_region_only_at_command_and_press_time() {
    let required =
        basis_tests::text(Locale::En, "post-regions-required", &[("regions", "Kassel"), ("example", "kassel")]);
    let outside = basis_tests::text(Locale::En, "post-regions-out-of-scope", &[("regions", "Kassel")]);
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let app = TestApp::spawn_configured(db, Hooks::default(), |c| {
            c.owners = vec![OWNER];
            c.regions = basis_tests::regions();
            c.rate_limit = 1000;
            c.paid_broadcast = true;
            c.flood_per_minute = 100_000;
        })
        .await;
        let check = Db::open(&app.db.url).await;
        let now = basis_storage::now_ms();
        app.grant(REGIONAL, "strikes", &["kassel"], OWNER, now).await;
        app.subscribers(32_001..32_003, &["strikes"]).await;
        for (id, region) in [(32_001, "kassel"), (32_002, "wolfsburg")] {
            app.storage()
                .set_region(basis_storage::ChatId(id), &basis_storage::RegionKey::parse(region).unwrap(), now)
                .await
                .unwrap();
        }
        let who = app.member(REGIONAL, Some("en"));
        app.barrier(&who, app.fake.mark()).await;
        // The owner's chat gets the reports of the drafts they wrote.
        let owner = app.member(OWNER, Some("en"));
        app.barrier(&owner, app.fake.mark()).await;

        let mut failures = Vec::new();
        for (act, reach) in REGIONAL_ROWS {
            quiesce(&app).await;
            let (input, reply_to) = regional_input(&app, &who, act, *reach).await;
            let before = check.snapshot().await;
            let mark = app.fake.mark();
            let answer = if input.starts_with('/') {
                let message = MemberMessage::text(&input);
                app.fake.send(&who.user, &who.chat, reply_to.map_or(message.clone(), |id| message.reply_to(id)));
                first_answer(&app, &who, mark).await
            } else {
                let under =
                    app.fake.bot_messages_in(who.chat_id()).last().expect("a message to press under").message_id;
                app.press(&who, under, &input).await.unwrap_or_default()
            };
            app.barrier(&who, mark).await;
            let after = check.snapshot().await;
            let name = format!("{act} {reach:?} ({input})");
            let refusal = match reach {
                // Approving someone else's draft inside the region is the
                // organizer's to do; a press inside it is done.
                Reach::Kassel => None,
                Reach::Everywhere => Some(&required),
                Reach::Hessen | Reach::Wolfsburg => Some(&outside),
            };
            match refusal {
                Some(refusal) if answer != *refusal => {
                    failures.push(format!("{name}: expected {refusal:?}, got {answer:?}"))
                }
                Some(_) if before != after => {
                    failures.push(format!("{name}: refused, but stored state changed:\n{before:?}\n{after:?}"))
                }
                // Done: something was made or moved on (a reply's preview
                // is a copy, without a text of its own).
                None if answer == required || answer == outside || before == after => {
                    failures.push(format!("{name}: expected it done, got {answer:?} and no change"))
                }
                _ => {}
            }
        }
        assert!(
            failures.is_empty(),
            "{engine:?}: {} of {} cells failed:\n{}",
            failures.len(),
            REGIONAL_ROWS.len(),
            failures.join("\n")
        );
        // What the organizer sent inside Kassel went to Kassel only.
        quiesce(&app).await;
        let (in_kassel, in_wolfsburg) = (app.received(32_001), app.received(32_002));
        assert!(in_kassel.iter().any(|t| t == "Entwurf") && in_kassel.contains(&"Inside edit".to_owned()));
        for theirs in ["Entwurf", "Inside edit", "Broadcast @kassel"] {
            assert!(!in_wolfsburg.iter().any(|t| t == theirs), "{theirs} reached Wolfsburg: {in_wolfsburg:?}");
        }
        check.close().await;
        app.stop().await.unwrap();
    }
}
