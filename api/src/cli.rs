//! `basis token create | revoke | list`: the same tokens as `/apitoken`,
//! from the server's command line.

use basis_handlers::{RegionCatalog, TopicCatalog};
use basis_storage::Storage;

use crate::store;
use crate::tokens::{self, Scope};

/// Makes a token for `topics` (keys or names; none: all) and `regions`
/// (keys or names of configured regions; none: not limited);
/// `owner` is the Telegram user whose private chat gets the progress
/// reports and holds the photos (0: none). Returns the token.
pub async fn create(
    storage: &Storage,
    catalog: &TopicCatalog,
    name: &str,
    topics: &[String],
    regions: &[String],
    owner: i64,
) -> Result<String, String> {
    let mut scope = Scope {
        topics: basis_core::TopicList::default(),
        regions: regions.iter().map(|r| r.trim_start_matches('@').to_lowercase()).collect(),
    };
    for wanted in topics.iter().flat_map(|t| t.split(',')).map(str::trim).filter(|t| !t.is_empty()) {
        let topic = catalog.find(wanted).ok_or_else(|| {
            let keys: Vec<&str> = catalog.all().iter().map(|t| t.key.as_str()).collect();
            format!("there is no topic `{wanted}`; configured are: {}", keys.join(", "))
        })?;
        scope.topics.insert(topic.key.clone());
    }
    let now = basis_storage::now_ms();
    let catalog = RegionCatalog::from_stored(&storage.regions().await.map_err(|e| e.to_string())?);
    let made =
        tokens::create(storage, &catalog, &name.to_lowercase(), &scope, owner, basis_core::UserId(owner), now).await;
    match made.map_err(|e| e.to_string())? {
        Ok(token) => Ok(token),
        Err(error) => Err(error.to_string()),
    }
}

/// Revokes the live token `name` at once.
pub async fn revoke(storage: &Storage, name: &str) -> Result<(), String> {
    let now = basis_storage::now_ms();
    match tokens::revoke(storage, &name.to_lowercase(), basis_core::UserId(0), now).await.map_err(|e| e.to_string())? {
        true => Ok(()),
        false => Err(format!("there is no live token called `{name}`")),
    }
}

/// The live tokens, one line each: name, topics, owner, made, last used.
pub async fn list(storage: &Storage) -> Result<Vec<String>, String> {
    let live = store::live_tokens(storage).await.map_err(|e| e.to_string())?;
    let when = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map_or_else(|| ms.to_string(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
    };
    Ok(live
        .iter()
        .map(|t| {
            let mut topics = if t.scope.topics.is_empty() { "all topics".to_owned() } else { t.scope.topics.stored() };
            if !t.scope.regions.is_empty() {
                topics = format!("{topics} @{}", t.scope.regions.join(","));
            }
            let used = t.last_used_at.map_or_else(|| "never".to_owned(), when);
            format!("{}\t{topics}\towner {}\tmade {}\tlast used {used}", t.name, t.owner_id, when(t.created_at))
        })
        .collect())
}
