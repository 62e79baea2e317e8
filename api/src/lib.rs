#![warn(missing_docs)]
//! Basis's posting API and feed intake, as a plugin: [`PostingApi`].
//!
//! Systems an organisation already runs — a party's CMS, a union's press
//! system, a liveblog — post into the same drafts, approval, queue and
//! reports that organizers use in Telegram:
//!
//! - **`/api/v1/…`** on `BASIS_LISTEN`, beside `/healthz`: `POST
//!   /api/v1/broadcasts`, `GET /api/v1/broadcasts/{id}`, `…/retract`,
//!   `…/edit`, described by `/api/v1/openapi.json` (generated with
//!   utoipa). Bearer tokens made with `/apitoken` in Telegram or `basis
//!   token create`, shown once, stored as hashes, scoped like organizers.
//! - **Feeds**: `[[feeds]]` in `basis.toml`, RSS 2.0 and Atom (feed-rs),
//!   polled politely; each new entry becomes a post or a draft.
//!
//! A broadcast made here is a broadcast like any other: the broadcaster,
//! the progress report, `/edit` and `/retract` work on it unchanged.

pub mod cli;
mod command;
pub mod feeds;
pub mod http;
mod migrations;
pub mod settings;
pub mod store;
pub mod tokens;

use basis_handlers::{Audience, Declaration, Extensions, Locale, Migrations, Plugin};

pub use feeds::Feeds;
pub use http::ApiDoc;
pub use migrations::TABLES;
pub use settings::{FeedConfig, Mode, Settings};

/// The plugin's name: it names its migrations table.
pub const NAME: &str = "api";

/// The posting API and the feed poller.
pub struct PostingApi {
    settings: Settings,
    feeds: Feeds,
}

impl PostingApi {
    /// With these settings.
    pub fn new(settings: Settings) -> PostingApi {
        let feeds = Feeds::new(settings.clone());
        PostingApi { settings, feeds }
    }

    /// With the `[api]` section and the `[[feeds]]` of `file` (usually
    /// the file `BASIS_CONFIG` names, `basis.toml` by default).
    pub fn load(file: &std::path::Path) -> Result<PostingApi, String> {
        Settings::load(file).map(PostingApi::new)
    }

    /// The feed poller, to ask for a round now (tests).
    pub fn feeds(&self) -> Feeds {
        self.feeds.clone()
    }
}

impl Plugin for PostingApi {
    fn name(&self) -> &'static str {
        NAME
    }

    fn build(&self, app: &mut Extensions) {
        let settings = self.settings.clone();
        let feeds = self.feeds.clone();
        app.texts(Locale::De, include_str!("../locales/de/api.ftl"))
            .texts(Locale::En, include_str!("../locales/en/api.ftl"))
            .migrations(Migrations { sqlite: migrations::SQLITE, postgres: migrations::POSTGRES })
            .tables(migrations::TABLES)
            .command(
                Declaration::new("apitoken", "api-cmd-apitoken")
                    .usage("api-cmd-apitoken-usage")
                    .for_audience(Audience::Owner),
                command::apitoken,
            )
            .routes(move |basis| http::router(basis, settings.clone()))
            .task(move |basis, stop| feeds.clone().run(basis, stop));
        for collector in self.feeds.metrics().collectors() {
            app.metrics(collector);
        }
    }
}
