//! Every state Basis stores goes through one codec: each value is written
//! and read back as itself on both engines, and a text that names no value
//! is refused when it is read, with the text in the error.

use basis_storage::testing::TestDatabase;
use basis_storage::{
    AuditAction, BroadcastKind, BroadcastStatus, ChatId, ChatKind, ChatStatus, DeliveryStatus, DraftId, DraftState,
    EventStatus, EventStep, InboxCopy, PluginPool, RelayDirection, RelayStatus, RsvpAnswer, TopicList,
};

/// Writes `value` into a scratch table and reads it back through the codec.
async fn round_trip<T>(pool: PluginPool<'_>, value: T) -> T
where
    T: for<'q> sqlx::Encode<'q, sqlx::Sqlite>
        + for<'q> sqlx::Encode<'q, sqlx::Postgres>
        + for<'r> sqlx::Decode<'r, sqlx::Sqlite>
        + for<'r> sqlx::Decode<'r, sqlx::Postgres>
        + sqlx::Type<sqlx::Sqlite>
        + sqlx::Type<sqlx::Postgres>
        + Send
        + Sync
        + Clone
        + Unpin
        + 'static,
{
    match pool {
        PluginPool::Sqlite(p) => {
            sqlx::query("DELETE FROM scratch").execute(p).await.unwrap();
            sqlx::query("INSERT INTO scratch (state) VALUES ($1)").bind(value.clone()).execute(p).await.unwrap();
            sqlx::query_scalar("SELECT state FROM scratch").fetch_one(p).await.unwrap()
        }
        PluginPool::Postgres(p) => {
            sqlx::query("DELETE FROM scratch").execute(p).await.unwrap();
            sqlx::query("INSERT INTO scratch (state) VALUES ($1)").bind(value.clone()).execute(p).await.unwrap();
            sqlx::query_scalar("SELECT state FROM scratch").fetch_one(p).await.unwrap()
        }
    }
}

/// A table of one text column for values to go through.
async fn scratch(pool: PluginPool<'_>) {
    match pool {
        PluginPool::Sqlite(p) => sqlx::query("CREATE TABLE scratch (state TEXT NOT NULL)").execute(p).await.map(drop),
        PluginPool::Postgres(p) => sqlx::query("CREATE TABLE scratch (state TEXT NOT NULL)").execute(p).await.map(drop),
    }
    .unwrap();
}

#[tokio::test]
async fn every_state_is_written_and_read_as_itself_and_unknown_text_is_refused() {
    for db in TestDatabase::every_engine().await {
        let pool = db.storage.plugin_pool();
        scratch(pool).await;
        for &v in ChatKind::ALL {
            assert_eq!(round_trip(pool, v).await, v);
        }
        for &v in ChatStatus::ALL {
            assert_eq!(round_trip(pool, v).await, v);
        }
        for &v in DraftState::ALL {
            assert_eq!(round_trip(pool, v).await, v);
        }
        for &v in EventStatus::ALL {
            assert_eq!(round_trip(pool, v).await, v);
        }
        for &v in AuditAction::ALL {
            assert_eq!(round_trip(pool, v).await, v);
        }
        for &v in EventStep::ALL {
            assert_eq!(round_trip(pool, v).await, v);
        }
        for &v in BroadcastKind::ALL {
            assert_eq!(round_trip(pool, v).await, v);
        }
        for &v in BroadcastStatus::ALL {
            assert_eq!(round_trip(pool, v).await, v);
        }
        for &v in DeliveryStatus::ALL {
            assert_eq!(round_trip(pool, v).await, v);
        }
        for &v in RelayDirection::ALL {
            assert_eq!(round_trip(pool, v).await, v);
        }
        for &v in RelayStatus::ALL {
            assert_eq!(round_trip(pool, v).await, v);
        }
        for &v in InboxCopy::ALL {
            assert_eq!(round_trip(pool, v).await, v);
        }
        for &v in RsvpAnswer::ALL {
            assert_eq!(round_trip(pool, v).await, v);
            assert_eq!(RsvpAnswer::parse(v.as_str()), Some(v));
        }
        // Stored as plain text: what SQL compares against.
        let text: String = match pool {
            PluginPool::Sqlite(p) => sqlx::query_scalar("SELECT state FROM scratch").fetch_one(p).await.unwrap(),
            PluginPool::Postgres(p) => sqlx::query_scalar("SELECT state FROM scratch").fetch_one(p).await.unwrap(),
        };
        assert_eq!(text, "no");
        // A text that names no value is refused, and says which.
        let error = match pool {
            PluginPool::Sqlite(p) => {
                sqlx::query("UPDATE scratch SET state = 'perhaps'").execute(p).await.unwrap();
                sqlx::query_scalar::<_, RsvpAnswer>("SELECT state FROM scratch").fetch_one(p).await.unwrap_err()
            }
            PluginPool::Postgres(p) => {
                sqlx::query("UPDATE scratch SET state = 'perhaps'").execute(p).await.unwrap();
                sqlx::query_scalar::<_, RsvpAnswer>("SELECT state FROM scratch").fetch_one(p).await.unwrap_err()
            }
        };
        assert!(error.to_string().contains("unknown RsvpAnswer `perhaps`"), "{error}");
    }
}

/// A topic list is one text column, and ids are numbers: each is written
/// and read back as itself on both engines, and stored as SQL compares it.
#[tokio::test]
async fn topic_lists_and_ids_are_written_and_read_as_themselves() {
    for db in TestDatabase::every_engine().await {
        let pool = db.storage.plugin_pool();
        scratch(pool).await;
        let list = TopicList::parse_all(["strikes", "energy"]).unwrap();
        assert_eq!(round_trip(pool, list.clone()).await, list);
        assert_eq!(round_trip(pool, TopicList::default()).await, TopicList::default());
        let text: String = match pool {
            PluginPool::Sqlite(p) => {
                sqlx::query("UPDATE scratch SET state = 'strikes,energy'").execute(p).await.unwrap();
                sqlx::query_scalar("SELECT state FROM scratch").fetch_one(p).await.unwrap()
            }
            PluginPool::Postgres(p) => {
                sqlx::query("UPDATE scratch SET state = 'strikes,energy'").execute(p).await.unwrap();
                sqlx::query_scalar("SELECT state FROM scratch").fetch_one(p).await.unwrap()
            }
        };
        assert_eq!(text, list.stored());

        let ids = match pool {
            PluginPool::Sqlite(p) => {
                sqlx::query("CREATE TABLE ids (chat BIGINT, draft BIGINT)").execute(p).await.unwrap();
                sqlx::query("INSERT INTO ids VALUES ($1, $2)")
                    .bind(ChatId(-1001))
                    .bind(DraftId(7))
                    .execute(p)
                    .await
                    .unwrap();
                sqlx::query_as::<_, (ChatId, DraftId)>("SELECT chat, draft FROM ids").fetch_one(p).await.unwrap()
            }
            PluginPool::Postgres(p) => {
                sqlx::query("CREATE TABLE ids (chat BIGINT, draft BIGINT)").execute(p).await.unwrap();
                sqlx::query("INSERT INTO ids VALUES ($1, $2)")
                    .bind(ChatId(-1001))
                    .bind(DraftId(7))
                    .execute(p)
                    .await
                    .unwrap();
                sqlx::query_as::<_, (ChatId, DraftId)>("SELECT chat, draft FROM ids").fetch_one(p).await.unwrap()
            }
        };
        assert_eq!(ids, (ChatId(-1001), DraftId(7)), "{:?}", db.engine());
    }
}
