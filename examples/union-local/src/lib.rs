//! A union local's bot, built on Basis without forking it: every default
//! plugin, plus [`UnionLocal`]:
//!
//! - `/strikepay` (`/streikgeld`) answers with the local's strike pay per
//!   day, in the member's language, and is in the command menu;
//! - a member who starts following the strike topic gets one message with
//!   the picket line's contact, once;
//! - under it, a button to sign up for picket duty, in the plugin's own
//!   callback namespace, recorded in the plugin's own table.
//!
//! It uses only Basis's public API: [`basis::Plugin`], [`basis::Extensions`],
//! the domain events and the plugin's own migrations.

use basis::teloxide::types::InlineKeyboardMarkup;
use basis::{
    Audience, Basis, Call, Declaration, DomainEvent, Extensions, Locale, MigrationStep, Migrations, Notice,
    PersonalData, Plugin, PluginPool, Press, sqlx,
};
use serde::Deserialize;

/// The callback namespace of the plugin's buttons.
pub const NAMESPACE: &str = "picket";

/// The plugin's settings: `UNION_LOCAL_*` variables, or the `[union_local]`
/// section of `basis.toml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Strike pay per strike day, in cents.
    pub strike_pay_cents: u64,
    /// Who to reach at the picket line (a phone number, a name).
    pub picket_contact: String,
    /// The topic whose new followers are welcomed (default `strikes`).
    pub topic: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Amount {
    Number(f64),
    Text(String),
}

#[derive(Default, Deserialize)]
struct Raw {
    strike_pay: Option<Amount>,
    picket_contact: Option<String>,
    topic: Option<String>,
}

impl Settings {
    /// Reads `UNION_LOCAL_STRIKE_PAY` (e.g. `87.50` or `87,50`),
    /// `UNION_LOCAL_PICKET_CONTACT` and `UNION_LOCAL_TOPIC`, over the
    /// `[union_local]` section of `file`.
    pub fn load(file: &std::path::Path) -> Result<Settings, String> {
        use figment::Figment;
        use figment::providers::{Env, Format, Toml};
        let figment = Figment::new()
            .merge(Toml::file(file))
            .merge(Env::prefixed("UNION_LOCAL_").map(|key| format!("union_local.{key}").into()));
        let raw: Raw = match figment.contains("union_local") {
            true => figment.extract_inner("union_local").map_err(|e| format!("union_local settings: {e}"))?,
            false => Raw::default(),
        };
        let strike_pay_cents = match raw.strike_pay {
            None => return Err("set UNION_LOCAL_STRIKE_PAY (e.g. 87.50), the strike pay per day".into()),
            Some(Amount::Number(n)) if (0.0..1e9).contains(&n) => (n * 100.0).round() as u64,
            Some(Amount::Number(n)) => return Err(format!("UNION_LOCAL_STRIKE_PAY {n} is not an amount")),
            Some(Amount::Text(text)) => parse_cents(&text)
                .ok_or_else(|| format!("UNION_LOCAL_STRIKE_PAY `{text}` is not an amount such as 87.50"))?,
        };
        Ok(Settings {
            strike_pay_cents,
            picket_contact: raw.picket_contact.unwrap_or_default(),
            topic: raw.topic.unwrap_or_else(|| "strikes".into()),
        })
    }

    /// The strike pay as a member reads it: `87,50 €` or `€87.50`.
    pub fn strike_pay(&self, locale: Locale) -> String {
        let (euros, cents) = (self.strike_pay_cents / 100, self.strike_pay_cents % 100);
        match locale {
            Locale::De => format!("{euros},{cents:02} €"),
            Locale::En => format!("€{euros}.{cents:02}"),
        }
    }
}

/// `87.50`, `87,50`, `87` → cents.
pub fn parse_cents(text: &str) -> Option<u64> {
    let text = text.trim().trim_end_matches('€').trim();
    let (euros, cents) = match text.split_once(['.', ',']) {
        Some((euros, cents)) if cents.len() == 2 => (euros, cents),
        Some(_) => return None,
        None => (text, "00"),
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 9 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(euros) || !digits(cents) {
        return None;
    }
    Some(euros.parse::<u64>().ok()? * 100 + cents.parse::<u64>().ok()?)
}

/// The plugin.
pub struct UnionLocal {
    pub settings: Settings,
}

const SQLITE: &[MigrationStep] = &[MigrationStep {
    version: 1,
    description: "welcomed and picket duty",
    sql: "CREATE TABLE union_local_welcomed (chat_id INTEGER PRIMARY KEY, at INTEGER NOT NULL, times INTEGER NOT NULL);
          CREATE TABLE union_local_pickets (chat_id INTEGER PRIMARY KEY, signed_at INTEGER NOT NULL);",
}];

const POSTGRES: &[MigrationStep] = &[MigrationStep {
    version: 1,
    description: "welcomed and picket duty",
    sql: "CREATE TABLE union_local_welcomed (chat_id BIGINT PRIMARY KEY, at BIGINT NOT NULL, times BIGINT NOT NULL);
          CREATE TABLE union_local_pickets (chat_id BIGINT PRIMARY KEY, signed_at BIGINT NOT NULL);",
}];

impl Plugin for UnionLocal {
    fn name(&self) -> &'static str {
        "union_local"
    }

    fn build(&self, app: &mut Extensions) {
        app.texts(Locale::De, include_str!("../locales/de/union-local.ftl"))
            .texts(Locale::En, include_str!("../locales/en/union-local.ftl"))
            .migrations(Migrations { sqlite: SQLITE, postgres: POSTGRES })
            .tables(&["union_local_welcomed", "union_local_pickets"])
            .state(self.settings.clone())
            .command(Declaration::new("strikepay", "union-cmd-strikepay").aliases(&["streikgeld"]), strike_pay)
            .command(
                Declaration::new("picketlist", "union-cmd-picketlist")
                    .aliases(&["streikposten"])
                    .for_audience(Audience::Organizer),
                picket_list,
            )
            .on_event(welcome)
            .callbacks(NAMESPACE, picket)
            .personal_data(personal_data)
            .forget(forget);
    }
}

/// `/strikepay`: the amount, in the member's language.
async fn strike_pay(call: Call) -> basis::HandlerResult {
    let Some(settings) = call.basis.state::<Settings>() else { return Ok(()) };
    let amount = settings.strike_pay(call.locale);
    call.say(call.basis.text_with(call.locale, "union-strikepay", &[("amount", &amount)])).await
}

/// `/picketlist`, for organizers: how many signed up for picket duty (a
/// count, no names).
async fn picket_list(call: Call) -> basis::HandlerResult {
    let sql = "SELECT COUNT(*) FROM union_local_pickets";
    let count: i64 = match call.basis.storage().plugin_pool() {
        PluginPool::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await,
        PluginPool::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await,
    }
    .map_err(storage_error)?;
    call.say(call.basis.text_with(call.locale, "union-picketlist", &[("count", &count.to_string())])).await
}

/// Inserts a row keyed by the chat; `true` if it was not there before.
async fn insert_once(pool: PluginPool<'_>, sql: &'static str, chat: i64, now: i64) -> Result<bool, sqlx::Error> {
    let inserted = match pool {
        PluginPool::Sqlite(p) => sqlx::query(sql).bind(chat).bind(now).execute(p).await?.rows_affected(),
        PluginPool::Postgres(p) => sqlx::query(sql).bind(chat).bind(now).execute(p).await?.rows_affected(),
    };
    Ok(inserted == 1)
}

fn storage_error(error: sqlx::Error) -> basis::HandlerError {
    basis::HandlerError::Storage(error.into())
}

/// New followers of the strike topic get the picket line's contact, once.
async fn welcome(notice: Notice) -> basis::HandlerResult {
    let basis = &notice.basis;
    let Some(settings) = basis.state::<Settings>() else { return Ok(()) };
    match notice.event {
        DomainEvent::Subscribed { chat, locale, topic } if topic == settings.topic => {
            // How often the member started following it: only the first
            // time is welcomed.
            let sql = "INSERT INTO union_local_welcomed (chat_id, at, times) VALUES ($1, $2, 1)
                       ON CONFLICT (chat_id) DO UPDATE SET times = union_local_welcomed.times + 1 RETURNING times";
            let sql = sqlx::AssertSqlSafe(sql);
            let now = basis.now();
            let times: i64 = match basis.storage().plugin_pool() {
                PluginPool::Sqlite(p) => sqlx::query_scalar(sql).bind(chat).bind(now).fetch_one(p).await,
                PluginPool::Postgres(p) => sqlx::query_scalar(sql).bind(chat).bind(now).fetch_one(p).await,
            }
            .map_err(storage_error)?;
            if times > 1 {
                return Ok(());
            }
            let org = basis.organisation().to_owned();
            let text =
                basis.text_with(locale, "union-welcome", &[("org", &org), ("contact", &settings.picket_contact)]);
            let label = basis.text(locale, "union-picket-button");
            let keyboard = basis::button(label, NAMESPACE, "sign").map(|b| InlineKeyboardMarkup::new([[b]]));
            basis.send(chat.0, text, keyboard).await
        }
        _ => Ok(()),
    }
}

/// What the local keeps about a chat: when it was welcomed, and when it
/// signed up for picket duty (`/mydata` and `/privacy` show it).
async fn personal_data(basis: Basis, chat: i64, locale: Locale) -> Result<Option<PersonalData>, basis::HandlerError> {
    let sql = "SELECT (SELECT at FROM union_local_welcomed WHERE chat_id = $1), \
               (SELECT signed_at FROM union_local_pickets WHERE chat_id = $1)";
    let (welcomed, signed): (Option<i64>, Option<i64>) = match basis.storage().plugin_pool() {
        PluginPool::Sqlite(p) => sqlx::query_as(sql).bind(chat).fetch_one(p).await,
        PluginPool::Postgres(p) => sqlx::query_as(sql).bind(chat).fetch_one(p).await,
    }
    .map_err(storage_error)?;
    if welcomed.is_none() && signed.is_none() {
        return Ok(None);
    }
    let summary = basis.text(locale, if signed.is_some() { "union-data-picket" } else { "union-data-welcomed" });
    let value = basis::serde_json::json!({ "welcomed_at_ms": welcomed, "picket_duty_since_ms": signed });
    Ok(Some(PersonalData { key: "union_local", value, summary }))
}

/// A member who leaves (`/stop`) is forgotten here too, before Basis
/// deletes its own rows.
async fn forget(basis: Basis, chat: i64) -> Result<(), basis::HandlerError> {
    for sql in
        ["DELETE FROM union_local_welcomed WHERE chat_id = $1", "DELETE FROM union_local_pickets WHERE chat_id = $1"]
    {
        match basis.storage().plugin_pool() {
            PluginPool::Sqlite(p) => sqlx::query(sql).bind(chat).execute(p).await.map(drop),
            PluginPool::Postgres(p) => sqlx::query(sql).bind(chat).execute(p).await.map(drop),
        }
        .map_err(storage_error)?;
    }
    Ok(())
}

/// "Sign up for picket duty": recorded once per member.
async fn picket(press: Press) -> basis::HandlerResult {
    if press.data != "sign" {
        return press.answer(press.text("button-stale")).await;
    }
    let sql = "INSERT INTO union_local_pickets (chat_id, signed_at) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    let basis = &press.basis;
    let new =
        insert_once(basis.storage().plugin_pool(), sql, press.chat.0, basis.now()).await.map_err(storage_error)?;
    press.answer(press.text(if new { "union-picket-signed" } else { "union-picket-already" })).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_as_cents_and_shown_per_language() {
        assert_eq!(parse_cents("87.50"), Some(8750));
        assert_eq!(parse_cents(" 87,50 € "), Some(8750));
        assert_eq!(parse_cents("87"), Some(8700));
        for bad in ["", "87.5", "87.505", "-3", "abc", "1e3", "87..50"] {
            assert_eq!(parse_cents(bad), None, "{bad}");
        }
        let settings = Settings { strike_pay_cents: 8705, picket_contact: String::new(), topic: "strikes".into() };
        assert_eq!(settings.strike_pay(Locale::De), "87,05 €");
        assert_eq!(settings.strike_pay(Locale::En), "€87.05");
    }

    #[test]
    fn settings_come_from_the_configuration_file() {
        let dir = std::env::temp_dir().join(format!("union-local-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("basis.toml");
        std::fs::write(
            &file,
            "organisation = \"IG Beispiel\"\n[union_local]\nstrike_pay = \"90,00\"\npicket_contact = \"Tor 3\"\n",
        )
        .unwrap();
        let settings = Settings::load(&file).unwrap();
        assert_eq!((settings.strike_pay_cents, settings.picket_contact.as_str()), (9000, "Tor 3"));
        assert_eq!(settings.topic, "strikes");
        std::fs::write(&file, "[union_local]\nstrike_pay = 87.5\n").unwrap();
        assert_eq!(Settings::load(&file).unwrap().strike_pay_cents, 8750, "a number works too");
        std::fs::write(&file, "[union_local]\nstrike_pay = \"viel\"\n").unwrap();
        assert!(Settings::load(&file).unwrap_err().contains("`viel` is not an amount"));
        std::fs::write(&file, "organisation = \"IG Beispiel\"\n").unwrap();
        assert!(Settings::load(&file).unwrap_err().contains("UNION_LOCAL_STRIKE_PAY"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
