//! Housekeeping on every engine: queue depth, purging old delivery rows
//! (the audit log stays), SQLite backups while in use, and the export of
//! every table from SQLite to PostgreSQL.

use basis_storage::TopicList;
use basis_storage::testing::TestDatabase;
use basis_storage::{BroadcastId, ChatId, UserId};
use basis_storage::{
    ChannelLink, ChatKind, Claimed, Content, Copied, DraftState, Inbox, MaintenanceError, NewAnswer, NewBroadcast,
    NewDraft, Outcome, PRIORITY_NORMAL, PRIORITY_URGENT, RegionKey, RegionSeed, RegionTarget, RegionText,
    RelayDirection, Settlement, Storage, TABLES, TopicSeed, TopicText,
};
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;
use sqlx::{Column, Row, TypeInfo, ValueRef};

const DAY: i64 = 86_400_000;

async fn seeded(s: &Storage) {
    let seed = |key: &str| TopicSeed {
        key: key.into(),
        emoji: "✊".into(),
        texts: vec![
            TopicText { locale: "de".into(), name: format!("{key} (de)"), description: "Beschreibung".into() },
            TopicText { locale: "en".into(), name: format!("{key} (en)"), description: String::new() },
        ],
    };
    s.seed_topics(&[seed("energy"), seed("strikes")], 0).await.unwrap();
}

fn post(topics: &[&str], priority: i64) -> NewBroadcast {
    NewBroadcast {
        author_id: UserId(1),
        content: Content::Text("Warnstreik ab 6 Uhr".into()),
        topics: TopicList::parse_all(topics.iter().copied()).expect("topic keys"),
        priority,
        report_chat_id: Some(ChatId(1)),
        report_locale: "de".into(),
        ref_broadcast_id: None,
    }
}

fn settle(c: &Claimed, outcome: Outcome) -> Settlement {
    Settlement { broadcast_id: c.broadcast_id, chat_id: c.chat_id, lease_token: c.lease_token, outcome }
}

async fn members(s: &Storage, ids: std::ops::RangeInclusive<i64>, topic: &str) {
    for id in ids {
        s.ensure_chat(ChatId(id), ChatKind::Private, "de", 0).await.unwrap();
        s.subscribe(ChatId(id), topic, 0).await.unwrap();
    }
}

/// Queues a broadcast at `at`, sends all of it and finishes it; returns its id.
async fn delivered(s: &Storage, topic: &str, at: i64) -> i64 {
    let (id, total) = s.create_broadcast(&post(&[topic], PRIORITY_NORMAL), at).await.unwrap();
    let claimed = s.claim(total + 10, at, 60_000).await.unwrap();
    assert_eq!(claimed.len() as i64, total);
    let outcomes: Vec<Settlement> = claimed
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let outcome = if i == 0 {
                Outcome::Failed { error: "Bad Request: message to copy not found".into() }
            } else {
                Outcome::Sent { message_id: 100 + i as i64 }
            };
            settle(c, outcome)
        })
        .collect();
    s.settle(&outcomes, at).await.unwrap();
    assert!(s.finish_if_complete(id, at).await.unwrap());
    id.0
}

async fn deliveries_of(s: &Storage, broadcast: i64) -> i64 {
    s.progress(BroadcastId(broadcast)).await.unwrap().done()
}

#[tokio::test]
async fn queue_depth_counts_waiting_deliveries_per_priority() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        seeded(s).await;
        assert_eq!(s.queue_depth().await.unwrap().by_priority, vec![]);
        members(s, 1..=5, "energy").await;
        members(s, 6..=8, "strikes").await;
        let (normal, _) = s.create_broadcast(&post(&["energy"], PRIORITY_NORMAL), 0).await.unwrap();
        s.create_broadcast(&post(&["strikes"], PRIORITY_URGENT), 0).await.unwrap();
        assert_eq!(s.queue_depth().await.unwrap().by_priority, vec![(PRIORITY_NORMAL, 5), (PRIORITY_URGENT, 3)]);

        // Being sent still counts; settled does not.
        let claimed = s.claim(4, 0, 60_000).await.unwrap();
        assert_eq!(s.queue_depth().await.unwrap().by_priority, vec![(PRIORITY_NORMAL, 5), (PRIORITY_URGENT, 3)]);
        let done: Vec<_> = claimed.iter().map(|c| settle(c, Outcome::Sent { message_id: 1 })).collect();
        s.settle(&done, 1).await.unwrap();
        assert_eq!(s.queue_depth().await.unwrap().by_priority, vec![(PRIORITY_NORMAL, 4)], "{:?}", db.engine());

        let running = s.running_broadcasts().await.unwrap();
        let first = running.iter().find(|b| b.id == normal).unwrap();
        assert_eq!((first.total, first.sent, first.remaining), (5, 1, 4), "{:?}", db.engine());
    }
}

#[tokio::test]
async fn retention_purges_old_delivery_rows_and_keeps_new_ones_and_the_audit_log() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        seeded(s).await;
        members(s, 1..=20, "strikes").await;
        let now = 100 * DAY;
        s.audit(UserId(1), basis_storage::AuditAction::Post, "old", "", now - 40 * DAY).await.unwrap();
        let old = delivered(s, "strikes", now - 31 * DAY).await;
        let recent = delivered(s, "strikes", now - 29 * DAY).await;
        // Old but still running: its rows are the queue, never purged.
        let (running, _) = s.create_broadcast(&post(&["strikes"], PRIORITY_NORMAL), now - 60 * DAY).await.unwrap();

        let purged = s.purge_deliveries(now - 30 * DAY).await.unwrap();
        assert_eq!(purged, 20, "{:?}", db.engine());
        assert_eq!(deliveries_of(s, old).await, 0);
        assert_eq!(deliveries_of(s, recent).await, 20);
        assert_eq!(s.progress(running).await.unwrap().remaining, 20);
        // The broadcast itself and the audit log stay.
        assert!(s.broadcast(BroadcastId(old)).await.unwrap().is_some());
        let audit = s.audit_entries(10).await.unwrap();
        assert!(audit.iter().any(|e| e.subject == "old"), "{audit:?}");
        assert_eq!(s.purge_deliveries(now - 30 * DAY).await.unwrap(), 0, "nothing left to purge");
    }
}

#[tokio::test]
async fn retention_purges_in_batches() {
    let db = TestDatabase::sqlite().await;
    let s = &db.storage;
    seeded(s).await;
    db.bulk_members(1, 12_345, "energy").await;
    let old = delivered(s, "energy", DAY).await;
    assert_eq!(s.purge_deliveries(2 * DAY).await.unwrap(), 12_345);
    assert_eq!(deliveries_of(s, old).await, 0);
}

#[tokio::test]
async fn the_export_knows_every_table_the_migrations_create() {
    for db in TestDatabase::every_engine().await {
        let mut known: Vec<String> = TABLES.iter().map(|t| t.to_string()).collect();
        known.sort();
        assert_eq!(
            db.storage.table_names().await.unwrap(),
            known,
            "{:?}: a migration added or dropped a table; update basis_storage::TABLES (in copy order)",
            db.engine()
        );
    }
}

/// One or more rows in every table, through the storage's own functions.
async fn fill_every_table(s: &Storage) {
    seeded(s).await;
    for id in 1..=30 {
        s.ensure_chat(ChatId(id), ChatKind::Private, if id % 2 == 0 { "en" } else { "de" }, id * 1000).await.unwrap();
        s.subscribe_via(ChatId(id), "strikes", "link:flyer", id * 1000).await.unwrap();
    }
    s.ensure_chat(ChatId(-100), ChatKind::Group, "de", 5).await.unwrap();
    s.subscribe(ChatId(-100), "energy", 5).await.unwrap();
    let region = |key: &str, parent: Option<&str>| RegionSeed {
        key: RegionKey::parse(key).unwrap(),
        parent: parent.and_then(RegionKey::parse),
        texts: vec![RegionText { locale: "de".into(), name: format!("Bezirk {key}") }],
    };
    s.seed_regions(&[region("niedersachsen", None), region("wolfsburg", Some("niedersachsen"))], 6).await.unwrap();
    s.set_region(ChatId(-100), &RegionKey::parse("wolfsburg").unwrap(), 7).await.unwrap();
    delivered(s, "strikes", 50_000).await;
    s.create_broadcast(&post(&["energy"], PRIORITY_URGENT), 60_000).await.unwrap();
    let local = RegionTarget::Within(vec![RegionKey::parse("niedersachsen").unwrap()]);
    s.create_broadcast_to(&post(&["energy"], PRIORITY_NORMAL), &local, 61_000).await.unwrap();
    let draft = NewDraft {
        author_id: UserId(1),
        chat_id: ChatId(1),
        content: Content::Copy {
            chat_id: ChatId(1),
            message_id: 77,
            text: Some("mit 'Anführungszeichen' und \"mehr\"".into()),
        },
        topics: TopicList::from_stored("strikes,energy"),
        follow_up_of: None,
    };
    s.create_draft(&draft, DraftState::Open, 70_000).await.unwrap();
    s.create_invite("hash-used", &TopicList::from_stored("strikes"), UserId(1), 80_000, 90_000).await.unwrap();
    s.create_invite("hash-open", &TopicList::from_stored(""), UserId(1), 80_000, 90_000).await.unwrap();
    s.redeem_invite("hash-used", UserId(7), "Kim", 85_000).await.unwrap();
    s.audit(UserId(1), basis_storage::AuditAction::Post, "42", "Ümlaut ✓", 86_000).await.unwrap();
    let link = ChannelLink {
        chat_id: ChatId(-1001),
        thread_id: 0,
        topic_key: "strikes".into(),
        title: "Streik-Kanal".into(),
        linked_by: UserId(1),
        linked_at: 87_000,
    };
    s.link_channel(&link).await.unwrap();
    // A member wrote to the inbox twice: one copy is there, under its
    // conversation's label; the other and an answer wait.
    let inbox = Inbox { chat_id: ChatId(-1002), forum: false, locale: "de".into(), set_by: UserId(1), set_at: 88_000 };
    s.set_inbox(&inbox).await.unwrap();
    s.inbox_receive(ChatId(3), 10, None, 88_100).await.unwrap();
    let relay = s.inbox_claim(RelayDirection::ToInbox, 1, 88_200, 60_000).await.unwrap().remove(0);
    s.inbox_header_sent(relay.case_no, ChatId(-1002), 500, 88_300).await.unwrap();
    let copied = Copied { inbox_chat_id: ChatId(-1002), inbox_message_id: 501, member_message_id: 10 };
    s.inbox_relayed(&relay, copied, 88_400).await.unwrap();
    s.inbox_receive(ChatId(3), 11, Some(10), 88_500).await.unwrap();
    let answer = NewAnswer {
        case_no: relay.case_no,
        inbox_chat_id: ChatId(-1002),
        message_id: 502,
        reply_to: Some(10),
        signer: Some("Kim".into()),
    };
    s.inbox_answer(&answer, 88_600).await.unwrap();
}

/// Tables whose storage functions are not used above get rows by hand.
async fn fill_by_hand(url: &str) {
    let pool = SqlitePool::connect(url).await.unwrap();
    for sql in [
        "INSERT INTO events (author_id, chat_id, title, starts_at, place, latitude, longitude, status, created_at, updated_at) \
         VALUES (1, 1, 'Kundgebung', 90000, 'Marktplatz', 52.520008, 13.404954, 'active', 88000, 88000)",
        "INSERT INTO rsvps (event_id, chat_id, answer, at) SELECT id, 5, 'yes', 89000 FROM events",
        "INSERT INTO event_reminders (event_id, minutes_before, due_at, status) SELECT id, 60, 86400, 'pending' FROM events",
        "INSERT INTO album_parts (chat_id, media_group_id, message_id, at) VALUES (1, '13579', 77, 88000)",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;
}

/// Every row of `table` as text, sorted: the same data reads the same on
/// both engines (booleans as 0/1).
async fn sqlite_rows(pool: &SqlitePool, table: &str) -> Vec<String> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table}"))).fetch_all(pool).await.unwrap();
    let mut out: Vec<String> = rows
        .iter()
        .map(|row| {
            let mut cells: Vec<(String, String)> = (0..row.len())
                .map(|i| {
                    let name = row.column(i).name().to_owned();
                    let raw = row.try_get_raw(i).unwrap();
                    let text = if raw.is_null() {
                        "NULL".to_owned()
                    } else {
                        match raw.type_info().name() {
                            "INTEGER" | "BOOLEAN" => row.get::<i64, _>(i).to_string(),
                            "REAL" => row.get::<f64, _>(i).to_string(),
                            _ => format!("{:?}", row.get::<String, _>(i)),
                        }
                    };
                    (name, text)
                })
                .collect();
            cells.sort();
            format!("{cells:?}")
        })
        .collect();
    out.sort();
    out
}

async fn postgres_rows(pool: &PgPool, table: &str) -> Vec<String> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table}"))).fetch_all(pool).await.unwrap();
    let mut out: Vec<String> = rows
        .iter()
        .map(|row| {
            let mut cells: Vec<(String, String)> = row
                .columns()
                .iter()
                .enumerate()
                .map(|(i, column)| {
                    let raw = row.try_get_raw(i).unwrap();
                    let text = if raw.is_null() {
                        "NULL".to_owned()
                    } else {
                        match column.type_info().name() {
                            "INT8" => row.get::<i64, _>(i).to_string(),
                            "INT4" => row.get::<i32, _>(i).to_string(),
                            "BOOL" => i64::from(row.get::<bool, _>(i)).to_string(),
                            "FLOAT8" => row.get::<f64, _>(i).to_string(),
                            _ => format!("{:?}", row.get::<String, _>(i)),
                        }
                    };
                    (column.name().to_owned(), text)
                })
                .collect();
            cells.sort();
            format!("{cells:?}")
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn export_copies_every_table_from_sqlite_to_postgres_row_for_row() {
    let source = TestDatabase::sqlite().await;
    let Some(target) = TestDatabase::postgres().await else { return };
    fill_every_table(&source.storage).await;
    fill_by_hand(&source.url).await;
    for table in TABLES {
        let rows = source.storage.row_count(table).await.unwrap();
        assert!(rows > 0, "table {table} is empty in the export test: fill it in fill_every_table");
    }

    let mut seen = Vec::new();
    let counts = source.storage.export_to(&target.storage, |p| seen.push(p.clone())).await.expect("export");
    assert_eq!(counts.iter().map(|(t, _)| *t).collect::<Vec<_>>(), TABLES);
    let last = seen.last().expect("progress was reported");
    assert_eq!(last.all_done, last.all_rows);
    assert_eq!(last.all_rows, counts.iter().map(|(_, n)| n).sum::<u64>());

    let sqlite = SqlitePool::connect(&source.url).await.unwrap();
    let postgres = PgPool::connect(&target.url).await.unwrap();
    for table in TABLES {
        let (a, b) = (sqlite_rows(&sqlite, table).await, postgres_rows(&postgres, table).await);
        assert!(!a.is_empty());
        assert_eq!(a, b, "table {table} differs after the export");
    }

    // The copy works as a database: ids go on after the copied ones.
    let before = target.storage.audit_entries(100).await.unwrap().len();
    target.storage.audit(UserId(1), basis_storage::AuditAction::Post, "", "", 99_000).await.unwrap();
    let (id, _) = target.storage.create_broadcast(&post(&["strikes"], PRIORITY_NORMAL), 99_000).await.unwrap();
    let biggest: i64 = sqlx::query_scalar("SELECT MAX(id) FROM broadcasts").fetch_one(&sqlite).await.unwrap();
    assert!(id > BroadcastId(biggest), "new broadcast {id} reuses an id (source had up to {biggest})");
    assert_eq!(target.storage.audit_entries(100).await.unwrap().len(), before + 1);

    // A second export into a database that holds data is refused.
    match source.storage.export_to(&target.storage, |_| {}).await {
        Err(MaintenanceError::Refused(reason)) => assert!(reason.contains("not empty"), "{reason}"),
        other => panic!("a non-empty target was not refused: {other:?}"),
    }
    sqlite.close().await;
    postgres.close().await;
}

#[tokio::test]
async fn backup_copies_a_database_in_use_and_refuses_postgres_and_existing_files() {
    let db = TestDatabase::sqlite().await;
    fill_every_table(&db.storage).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copy.db");
    // A reader holds a transaction open meanwhile, as a running bot might.
    let other = SqlitePool::connect(&db.url).await.unwrap();
    let mut reading = other.begin().await.unwrap();
    let _: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM chats").fetch_one(&mut *reading).await.unwrap();
    db.storage.backup_to(&file).await.expect("backup");
    reading.rollback().await.unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }

    let copy_url = format!("sqlite://{}", file.display());
    let copy = Storage::open_existing(&copy_url).await.expect("the copy opens");
    let copy_pool = SqlitePool::connect(&copy_url).await.unwrap();
    for table in TABLES {
        assert_eq!(sqlite_rows(&other, table).await, sqlite_rows(&copy_pool, table).await, "{table}");
    }
    copy.migrate().await.expect("the copy is at the current schema");
    copy.close().await;

    match db.storage.backup_to(&file).await {
        Err(MaintenanceError::Refused(reason)) => assert!(reason.contains("exists already"), "{reason}"),
        other => panic!("overwrote a file: {other:?}"),
    }
    let missing = format!("sqlite://{}", dir.path().join("nothing.db").display());
    assert!(matches!(Storage::open_existing(&missing).await, Err(MaintenanceError::Refused(_))));
    assert!(!dir.path().join("nothing.db").exists(), "opening for a backup created a database");
    if let Some(pg) = TestDatabase::postgres().await {
        match pg.storage.backup_to(&dir.path().join("pg.db")).await {
            Err(MaintenanceError::Refused(reason)) => assert!(reason.contains("pg_dump"), "{reason}"),
            other => panic!("PostgreSQL backup was not refused: {other:?}"),
        }
    }
}
