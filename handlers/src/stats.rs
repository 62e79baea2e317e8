//! Statistics and links for organizers: `/stats`, `/link`, `/qr`.
//!
//! `/stats` shows subscribers per topic, their growth, where regions are
//! configured subscribers per region (small figures as "< 5"), joins
//! through deep links and the last broadcasts, then a chart of the last
//! 30 days.
//! `/link <topic> [campaign]` gives a topic's deep link, `/qr` the same link
//! as a printable QR code. A campaign goes into the link's payload, so joins
//! through each flyer or poster are counted apart:
//!
//! `https://t.me/<bot>?start=<topic>` or `…?start=<topic>-C-<campaign>`.
//!
//! Topic keys and campaigns are lower case, so the capital `C` of the
//! separator can only be the separator. Owners see every topic; organizers
//! limited to some topics see and link only those. The report and the chart
//! are also what `basis stats` prints on the terminal.

use basis_storage::{BroadcastStats, LinkJoins, Storage, StorageError, TopicStats};
use chrono_tz::Tz;
use teloxide::prelude::*;
use teloxide::types::{InputFile, Me};

use crate::pictures::{self, PictureError, Series};
use crate::regions::{Figure, SMALLEST_SHOWN};
use crate::roles::Role;
use crate::scene::Scene;
use crate::topics::CatalogTopic;
use crate::{HandlerResult, Locale, RegionCatalog, RegionKey, Texts, TopicCatalog, TopicKey, t};

/// Between a topic key and a campaign in a deep-link payload. Neither keys
/// nor campaigns contain capitals, so it cannot be mistaken for either.
pub const CAMPAIGN_SEPARATOR: &str = "-C-";
/// Before the region a deep link places members in: `<topic>-R-<region>`.
/// Keys and campaigns have no capitals, so it cannot be mistaken for
/// either.
pub const REGION_SEPARATOR: &str = "-R-";
/// Telegram's limit for a deep-link payload.
pub const MAX_PAYLOAD: usize = 64;
/// Days the chart covers.
pub const CHART_DAYS: i64 = 30;
/// Broadcasts listed in the report.
const BROADCASTS_SHOWN: usize = 5;
/// Scoped organizers see only broadcasts within their topics: look this far
/// back for them.
const BROADCASTS_SEARCHED: i64 = 200;
/// Link lines listed in the report; the rest are summed up in one line.
const LINKS_SHOWN: usize = 20;

/// A campaign name in a deep link: 1 to [`Campaign::max_len`] characters of
/// `a-z 0-9 _ -`. Input is taken in any case and kept in lower case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Campaign(String);

/// Why a campaign name cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CampaignError {
    /// It is empty or has characters other than `a-z 0-9 _ -`.
    #[error("a campaign name may only contain a-z, 0-9, _ and -")]
    Characters,
    /// It does not fit into the payload with its topic.
    #[error("the campaign name is {length} characters long; at most {max} fit into the link")]
    TooLong {
        /// The name's length, in characters.
        length: usize,
        /// The longest that fits.
        max: usize,
    },
}

impl Campaign {
    /// The longest campaign that fits into a payload with `topic`.
    pub fn max_len(topic: &TopicKey) -> usize {
        Self::max_len_in(topic, None)
    }

    /// The longest campaign that fits into a payload with `topic` and
    /// `region`.
    pub fn max_len_in(topic: &TopicKey, region: Option<&RegionKey>) -> usize {
        let region = region.map_or(0, |r| REGION_SEPARATOR.len() + r.as_str().len());
        MAX_PAYLOAD.saturating_sub(CAMPAIGN_SEPARATOR.len() + topic.as_str().len() + region)
    }

    /// The campaign `input` names for a link to `topic`, trimmed and in
    /// lower case.
    pub fn parse(input: &str, topic: &TopicKey) -> Result<Campaign, CampaignError> {
        Self::parse_in(input, topic, None)
    }

    /// The campaign `input` names for a link to `topic` that places members
    /// in `region`.
    pub fn parse_in(input: &str, topic: &TopicKey, region: Option<&RegionKey>) -> Result<Campaign, CampaignError> {
        let name = input.trim().to_ascii_lowercase();
        let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-';
        if name.is_empty() || !name.bytes().all(allowed) {
            return Err(CampaignError::Characters);
        }
        let max = Self::max_len_in(topic, region);
        if name.len() > max {
            return Err(CampaignError::TooLong { length: name.chars().count(), max });
        }
        Ok(Campaign(name))
    }

    /// The name, in lower case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The `/start` payload for `topic`, with a campaign if given.
pub fn payload(topic: &TopicKey, campaign: Option<&Campaign>) -> String {
    match campaign {
        Some(campaign) => format!("{}{CAMPAIGN_SEPARATOR}{}", topic.as_str(), campaign.as_str()),
        None => topic.as_str().to_owned(),
    }
}

/// `https://t.me/<bot>?start=<payload>`.
pub fn deep_link(bot_username: &str, topic: &TopicKey, campaign: Option<&Campaign>) -> String {
    format!("https://t.me/{bot_username}?start={}", payload(topic, campaign))
}

/// The topic a `/start` payload subscribes to and the campaign it names
/// (empty for none): `<topic>`, `<topic>-C-<campaign>`, or for old links
/// `<topic>` in any case. `None` for anything else.
pub fn deep_link_target<'a>(catalog: &'a TopicCatalog, payload: &str) -> Option<(&'a CatalogTopic, String)> {
    if !crate::command::valid_payload(payload) {
        return None;
    }
    if let Some(topic) = catalog.get(payload) {
        return Some((topic, String::new()));
    }
    let with_campaign = payload.split_once(CAMPAIGN_SEPARATOR).and_then(|(key, campaign)| {
        let topic = catalog.get(TopicKey::parse(key)?.as_str())?;
        // Exactly as `/link` makes it: already lower case.
        let campaign = Campaign::parse(campaign, &topic.key).ok().filter(|c| c.as_str() == campaign)?;
        Some((topic, campaign.0))
    });
    with_campaign.or_else(|| catalog.get(&payload.to_ascii_lowercase()).map(|topic| (topic, String::new())))
}

/// A `/start` payload without the region it carries, and that region's
/// key: `strikes-R-wolfsburg` and `strikes-R-wolfsburg-C-flyer` carry
/// `wolfsburg`. A payload whose region part is no key carries nothing and
/// comes back as it is (it is then no topic link either).
pub fn split_region(payload: &str) -> (String, Option<RegionKey>) {
    let Some((before, after)) = payload.split_once(REGION_SEPARATOR) else { return (payload.to_owned(), None) };
    let (region, campaign) = match after.split_once(CAMPAIGN_SEPARATOR) {
        Some((region, campaign)) => (region, Some(campaign)),
        None => (after, None),
    };
    match RegionKey::parse(region) {
        Some(key) => {
            let rest = campaign.map_or_else(|| before.to_owned(), |c| format!("{before}{CAMPAIGN_SEPARATOR}{c}"));
            (rest, Some(key))
        }
        None => (payload.to_owned(), None),
    }
}

/// The `/start` payload for `topic` placing members in `region`, with a
/// campaign if given: `<topic>-R-<region>[-C-<campaign>]`.
pub fn payload_in(topic: &TopicKey, region: Option<&RegionKey>, campaign: Option<&Campaign>) -> String {
    let mut out = topic.as_str().to_owned();
    if let Some(region) = region {
        out.push_str(REGION_SEPARATOR);
        out.push_str(region.as_str());
    }
    if let Some(campaign) = campaign {
        out.push_str(CAMPAIGN_SEPARATOR);
        out.push_str(campaign.as_str());
    }
    out
}

/// Everything the report needs; the bot and `basis stats` fill it in.
pub struct StatsView<'a> {
    /// The database the figures come from.
    pub storage: &'a Storage,
    /// The texts the report is written in.
    pub texts: &'a Texts,
    /// The topics, in the order the report lists them.
    pub topics: &'a TopicCatalog,
    /// The reader's language.
    pub locale: Locale,
    /// The time zone times are shown in.
    pub timezone: Tz,
    /// The time now, in milliseconds since the Unix epoch.
    pub now: i64,
    /// The topic keys the reader may see; `None` for all.
    pub scope: Option<Vec<String>>,
    /// The regions members can choose (empty: none configured, and the
    /// report says nothing about regions).
    pub regions: &'a RegionCatalog,
    /// The regions the reader may see (with those below them); `None` for
    /// all, and those without a region.
    pub region_scope: Option<Vec<RegionKey>>,
}

/// Why the chart could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The chart could not be drawn.
    #[error(transparent)]
    Picture(#[from] PictureError),
}

impl StatsView<'_> {
    fn sees(&self, key: &str) -> bool {
        self.scope.as_ref().is_none_or(|scope| scope.iter().any(|k| k == key))
    }

    /// The catalog's topics the reader may see, in the configured order.
    fn visible(&self) -> Vec<&CatalogTopic> {
        self.topics.all().iter().filter(|t| self.sees(t.key.as_str())).collect()
    }

    fn label(&self, key: &str) -> String {
        self.topics.get(key).map(|t| t.label(self.locale)).unwrap_or_else(|| key.to_owned())
    }

    fn when(&self, at: i64) -> String {
        crate::when::format_local(at, self.now, self.timezone, self.locale == Locale::De)
    }
}

/// The report as text: subscribers and growth per topic, joins per link,
/// the last broadcasts.
pub async fn report(view: &StatsView<'_>) -> Result<String, StorageError> {
    let (texts, locale) = (view.texts, view.locale);
    let mut out = vec![t!(texts, locale, "stats-title", when = view.when(view.now))];
    if let Some(scope) = &view.scope {
        let labels = view.topics.labels_of(scope, locale).join(", ");
        out.push(t!(texts, locale, "stats-scope", topics = labels));
    }

    out.push(String::new());
    out.push(t!(texts, locale, "stats-topics"));
    let stats = view.storage.topic_stats(view.now).await?;
    let visible = view.visible();
    if visible.is_empty() {
        out.push(t!(texts, locale, "stats-no-topics"));
    }
    for topic in visible {
        let figures = stats.iter().find(|s| s.topic_key == topic.key.as_str()).cloned().unwrap_or_default();
        out.push(topic_line(view, topic, &figures));
    }

    if !view.regions.is_empty() {
        out.push(String::new());
        out.extend(region_lines(view).await?);
    }

    out.push(String::new());
    out.push(t!(texts, locale, "stats-links"));
    let joins: Vec<LinkJoins> = view
        .storage
        .link_joins()
        .await?
        .into_iter()
        .filter(|j| view.topics.get(&j.topic_key).is_some() && view.sees(&j.topic_key))
        .collect();
    if joins.is_empty() {
        out.push(t!(texts, locale, "stats-links-none"));
    }
    for join in joins.iter().take(LINKS_SHOWN) {
        let campaign =
            if join.campaign.is_empty() { t!(texts, locale, "stats-link-plain") } else { join.campaign.clone() };
        out.push(t!(
            texts,
            locale,
            "stats-link-line",
            topic = view.label(&join.topic_key),
            campaign = campaign,
            joins = join.joins.to_string()
        ));
    }
    if joins.len() > LINKS_SHOWN {
        let rest = (joins.len() - LINKS_SHOWN).to_string();
        out.push(t!(texts, locale, "stats-more", count = rest));
    }

    out.push(String::new());
    out.push(t!(texts, locale, "stats-broadcasts"));
    let searched = if view.scope.is_some() { BROADCASTS_SEARCHED } else { BROADCASTS_SHOWN as i64 };
    let broadcasts: Vec<BroadcastStats> = view
        .storage
        .recent_broadcasts(searched)
        .await?
        .into_iter()
        .filter(|b| b.topics.iter().all(|k| view.sees(k.as_str())))
        .take(BROADCASTS_SHOWN)
        .collect();
    if broadcasts.is_empty() {
        out.push(t!(texts, locale, "stats-broadcasts-none"));
    }
    for b in &broadcasts {
        let topics = b.topics.iter().map(|k| view.label(k.as_str())).collect::<Vec<_>>().join(", ");
        out.push(t!(
            texts,
            locale,
            "stats-broadcast-line",
            id = b.id.to_string(),
            when = view.when(b.created_at),
            topics = topics,
            sent = b.sent.to_string(),
            total = b.total.to_string(),
            blocked = b.blocked.to_string(),
            failed = b.failed.to_string()
        ));
    }
    out.push(String::new());
    out.push(inbox_line(view).await?);
    Ok(out.join("\n"))
}

/// Subscribers per region, indented by the tree; small figures (and what
/// would give them away) show as "< 5". Counts only, never a chat.
async fn region_lines(view: &StatsView<'_>) -> Result<Vec<String>, StorageError> {
    let (texts, locale) = (view.texts, view.locale);
    let shown = |figure: Option<i64>| match figure {
        Some(n) => n.to_string(),
        None => t!(texts, locale, "stats-few", smallest = SMALLEST_SHOWN.to_string()),
    };
    let mut out = vec![t!(texts, locale, "stats-regions")];
    for bar in region_bars(view).await? {
        out.push(t!(texts, locale, "stats-region-line", region = bar.label, subscribers = shown(bar.value)));
    }
    Ok(out)
}

/// The regions the reader may see, indented by the tree, with their
/// figures (`None`: hidden), and those without a region for a reader not
/// limited to regions: what the report lists and the region chart draws.
async fn region_bars(view: &StatsView<'_>) -> Result<Vec<pictures::Bar>, StorageError> {
    let locale = view.locale;
    let breakdown = view.storage.region_stats().await?;
    let own: Vec<(RegionKey, i64)> = breakdown.regions.iter().map(|r| (r.region_key.clone(), r.subscribers)).collect();
    let figures = view.regions.figures(&own, breakdown.without_region);
    let value = |figure: Figure| match figure {
        Figure::Shown(n) => Some(n),
        Figure::Hidden => None,
    };
    let scope = view.region_scope.as_deref();
    let mut bars = Vec::new();
    for (region, figure) in &figures.regions {
        if scope.is_some_and(|scope| !view.regions.within(&region.key, scope)) {
            continue;
        }
        let indent = "  ".repeat(view.regions.depth(&region.key));
        bars.push(pictures::Bar { label: format!("{indent}{}", region.name(locale)), value: value(*figure) });
    }
    if scope.is_none() {
        let label = t!(view.texts, locale, "stats-region-none");
        bars.push(pictures::Bar { label, value: value(figures.without) });
    }
    Ok(bars)
}

/// A PNG bar chart of subscribers per region, figures hidden as in the
/// report; `None` where no regions are configured.
pub async fn region_chart(view: &StatsView<'_>) -> Result<Option<Vec<u8>>, ChartError> {
    if view.regions.is_empty() {
        return Ok(None);
    }
    let bars = region_bars(view).await?;
    let title = t!(view.texts, view.locale, "stats-region-chart-title");
    let hidden = t!(view.texts, view.locale, "stats-few", smallest = SMALLEST_SHOWN.to_string());
    Ok(Some(off_the_runtime(move || pictures::region_chart_png(&title, &bars, &hidden)).await?))
}

/// Open conversations in the organizers' inbox and how soon they are
/// answered: counts only, no chat.
async fn inbox_line(view: &StatsView<'_>) -> Result<String, StorageError> {
    let (texts, locale) = (view.texts, view.locale);
    let stats = view.storage.inbox_stats().await?;
    if stats.open == 0 && stats.answered == 0 && view.storage.inbox().await?.is_none() {
        return Ok(t!(texts, locale, "stats-inbox-off"));
    }
    let (open, muted) = (stats.open.to_string(), stats.muted.to_string());
    Ok(match stats.median_first_answer_ms {
        Some(ms) => t!(
            texts,
            locale,
            "stats-inbox",
            open = open,
            muted = muted,
            median = duration(texts, locale, ms),
            answered = stats.answered.to_string()
        ),
        None => t!(texts, locale, "stats-inbox-unanswered", open = open, muted = muted),
    })
}

/// `45 s`, `12 min`, `3 h 5 min`, `4 days`.
fn duration(texts: &Texts, locale: Locale, ms: i64) -> String {
    let secs = ms.max(0).unsigned_abs().div_ceil(1000);
    match secs {
        0..60 => t!(texts, locale, "eta-seconds", n = secs.to_string()),
        60..7_200 => t!(texts, locale, "eta-minutes", n = secs.div_ceil(60).to_string()),
        7_200..172_800 => {
            let minutes = secs.div_ceil(60);
            t!(texts, locale, "wait-hours", hours = (minutes / 60).to_string(), minutes = (minutes % 60).to_string())
        }
        _ => t!(texts, locale, "wait-days", days = (secs / 86_400).to_string()),
    }
}

fn topic_line(view: &StatsView<'_>, topic: &CatalogTopic, s: &TopicStats) -> String {
    t!(
        view.texts,
        view.locale,
        "stats-topic-line",
        topic = topic.label(view.locale),
        subscribers = s.subscribers.to_string(),
        new7 = s.new_7d.to_string(),
        lost7 = s.lost_7d.to_string(),
        new30 = s.new_30d.to_string(),
        lost30 = s.lost_30d.to_string()
    )
}

/// A PNG line chart of subscribers per visible topic over the last
/// [`CHART_DAYS`] days.
pub async fn chart(view: &StatsView<'_>) -> Result<Vec<u8>, ChartError> {
    let daily = view.storage.daily_subscribers(CHART_DAYS, view.now).await?;
    let series: Vec<Series> = view
        .visible()
        .into_iter()
        .map(|topic| Series {
            // The embedded font has no emoji: the name alone.
            label: topic.name(view.locale).to_owned(),
            points: daily
                .iter()
                .find(|d| d.topic_key == topic.key.as_str())
                .map(|d| d.points.clone())
                .unwrap_or_default(),
        })
        .collect();
    let title = t!(view.texts, view.locale, "stats-chart-title", days = CHART_DAYS.to_string());
    Ok(off_the_runtime(move || pictures::subscriber_chart_png(&title, &series)).await?)
}

/// Drawing and PNG encoding take milliseconds of CPU: not on a thread that
/// answers members.
async fn off_the_runtime(
    draw: impl FnOnce() -> Result<Vec<u8>, PictureError> + Send + 'static,
) -> Result<Vec<u8>, PictureError> {
    tokio::task::spawn_blocking(draw).await.unwrap_or_else(|e| Err(PictureError::Draw(e.to_string())))
}

/// The topic keys an organizer's role shows; `None` for all.
fn scope_of(role: &Role) -> Option<Vec<String>> {
    match role {
        Role::Owner => None,
        Role::Organizer(o) => o.scope().map(|keys| keys.strs().into_iter().map(str::to_owned).collect()),
    }
}

/// `/stats`: owners and organizers.
pub(crate) async fn stats(scene: &Scene, role: &Role) -> HandlerResult {
    let ctx = &scene.ctx;
    let view = StatsView {
        storage: &ctx.storage,
        texts: &ctx.texts,
        topics: &ctx.topics,
        locale: scene.locale,
        timezone: ctx.timezone,
        now: ctx.now(),
        scope: scope_of(role),
        regions: &ctx.regions,
        region_scope: role.region_scope(),
    };
    scene.say(report(&view).await?).await?;
    send_chart(scene, chart(&view).await.map(Some), "stats.png").await?;
    send_chart(scene, region_chart(&view).await, "regions.png").await
}

/// Sends a chart of `/stats`; one that could not be drawn is said so.
async fn send_chart(scene: &Scene, png: Result<Option<Vec<u8>>, ChartError>, name: &str) -> HandlerResult {
    match png {
        Ok(Some(png)) => {
            scene.bot.send_photo(scene.chat.id, InputFile::memory(png).file_name(name.to_owned())).await?;
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(ChartError::Storage(error)) => Err(error.into()),
        Err(ChartError::Picture(error)) => {
            tracing::warn!(%error, "the statistics chart could not be drawn");
            scene.say(t!(scene.ctx.texts, scene.locale, "stats-chart-failed")).await
        }
    }
}

/// What `/link` and `/qr` point to.
struct LinkTarget<'a> {
    topic: &'a CatalogTopic,
    region: Option<RegionKey>,
    campaign: Option<Campaign>,
}

impl LinkTarget<'_> {
    fn payload(&self) -> String {
        payload_in(&self.topic.key, self.region.as_ref(), self.campaign.as_ref())
    }

    fn link(&self, bot_username: &str) -> String {
        format!("https://t.me/{bot_username}?start={}", self.payload())
    }
}

/// Reads `<topic> [@region] [campaign]` and checks the role covers the
/// topic; `Err` is the answer.
async fn link_target<'a>(
    scene: &'a Scene,
    role: &Role,
    args: &str,
) -> Result<Result<LinkTarget<'a>, String>, crate::HandlerError> {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let targets = match crate::organizer::read_targets(scene, args) {
        Ok(targets) => targets,
        Err(answer) => return Ok(Err(answer)),
    };
    let (topic, campaign) = (targets.topics, targets.rest.trim());
    // A link places members in one region at most.
    let region = match targets.regions.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        _ => return Ok(Err(t!(ctx.texts, locale, "link-one-region"))),
    };
    if topic.is_empty() {
        let example = ctx.topics.all().first().map(|t| t.key.as_str().to_owned()).unwrap_or_default();
        return Ok(Err(t!(ctx.texts, locale, "link-usage", example = example)));
    }
    let Some(found) = ctx.topics.find(topic) else {
        let input: String = topic.chars().take(64).collect();
        let topics = ctx.topics.listing(locale);
        return Ok(Err(t!(ctx.texts, locale, "post-unknown-topic", input = input, topics = topics)));
    };
    if !role.covers(std::slice::from_ref(&found.key)) {
        let allowed = scope_of(role).unwrap_or_default();
        let labels = ctx.topics.labels_of(&allowed, locale).join(", ");
        return Ok(Err(t!(ctx.texts, locale, "link-out-of-scope", topics = labels)));
    }
    if campaign.is_empty() {
        return Ok(Ok(LinkTarget { topic: found, region, campaign: None }));
    }
    match Campaign::parse_in(campaign, &found.key, region.as_ref()) {
        Ok(campaign) => Ok(Ok(LinkTarget { topic: found, region, campaign: Some(campaign) })),
        Err(CampaignError::Characters) => {
            let input: String = campaign.chars().take(64).collect();
            let max = Campaign::max_len_in(&found.key, region.as_ref()).to_string();
            Ok(Err(t!(ctx.texts, locale, "link-campaign-invalid", input = input, max = max)))
        }
        Err(CampaignError::TooLong { length, max }) => {
            Ok(Err(t!(ctx.texts, locale, "link-campaign-too-long", length = length.to_string(), max = max.to_string())))
        }
    }
}

/// `/link <topic> [campaign]`: the deep link.
pub(crate) async fn link(scene: &Scene, role: &Role, me: &Me, args: &str) -> HandlerResult {
    let target = match link_target(scene, role, args).await? {
        Ok(target) => target,
        Err(answer) => return scene.say(answer).await,
    };
    let (texts, locale) = (&scene.ctx.texts, scene.locale);
    let link = target.link(me.username());
    let topic = target.topic.label(locale);
    let mut answer = match &target.campaign {
        None => t!(texts, locale, "link-created", topic = topic, link = link),
        Some(campaign) => {
            t!(texts, locale, "link-created-campaign", topic = topic, campaign = campaign.as_str(), link = link)
        }
    };
    if let Some(region) = &target.region {
        let region = scene.ctx.regions.path_label(region, locale).unwrap_or_else(|| region.to_string());
        answer.push('\n');
        answer.push_str(&t!(texts, locale, "link-region", region = region));
    }
    scene.say(answer).await
}

/// `/qr <topic> [campaign]`: the deep link as a QR code, sent as a document
/// so that Telegram does not recompress it, with the link as caption.
pub(crate) async fn qr(scene: &Scene, role: &Role, me: &Me, args: &str) -> HandlerResult {
    let target = match link_target(scene, role, args).await? {
        Ok(target) => target,
        Err(answer) => return scene.say(answer).await,
    };
    let link = target.link(me.username());
    let text = link.clone();
    let png = match off_the_runtime(move || pictures::qr_png(&text)).await {
        Ok(png) => png,
        Err(error) => {
            tracing::warn!(%error, "the QR code could not be made");
            return scene.say(t!(scene.ctx.texts, scene.locale, "qr-failed")).await;
        }
    };
    let name = format!("qr-{}.png", target.payload());
    scene.bot.send_document(scene.chat.id, InputFile::memory(png).file_name(name)).caption(link).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use basis_storage::{Topic, TopicText};

    use super::*;
    use crate::command::valid_payload;

    #[test]
    fn waits_read_in_seconds_minutes_hours_or_days() {
        let texts = Texts::load();
        let read = |ms| super::duration(&texts, Locale::En, ms);
        assert_eq!(read(42_000), "42 s");
        assert_eq!(read(61_000), "2 min");
        assert_eq!(read(3 * 3_600_000 + 5 * 60_000), "3 h 5 min");
        assert_eq!(read(4 * 86_400_000), "4 days");
        assert_eq!(super::duration(&texts, Locale::De, 3 * 3_600_000), "3 Std. 0 min");
    }

    fn catalog(keys: &[&str]) -> TopicCatalog {
        let stored: Vec<Topic> = keys
            .iter()
            .enumerate()
            .map(|(i, key)| Topic {
                key: (*key).to_owned(),
                emoji: String::new(),
                position: i as i64,
                retired: false,
                texts: vec![TopicText { locale: "de".into(), name: format!("Name {key}"), description: String::new() }],
            })
            .collect();
        TopicCatalog::from_stored(&stored)
    }

    fn key(k: &str) -> TopicKey {
        TopicKey::parse(k).unwrap()
    }

    fn target(catalog: &TopicCatalog, payload: &str) -> Option<(String, String)> {
        deep_link_target(catalog, payload).map(|(t, c)| (t.key.as_str().to_owned(), c))
    }

    #[test]
    fn payloads_round_trip_and_stay_in_telegrams_alphabet() {
        let topics = catalog(&["strikes", "a-", "x__y", "climate", "c"]);
        let longest = "k".repeat(TopicKey::MAX_LEN);
        let topics_long = catalog(&[longest.as_str()]);
        for (catalog, topic, campaign) in [
            (&topics, "strikes", None),
            (&topics, "strikes", Some("flyer-mai")),
            (&topics, "a-", Some("-c-")),
            (&topics, "x__y", Some("__")),
            (&topics, "climate", Some("c")),
            (&topics, "c", Some("2026_demo")),
            (&topics_long, longest.as_str(), Some("z".repeat(Campaign::max_len(&key(&longest))).as_str())),
        ] {
            let campaign = campaign.map(|c| Campaign::parse(c, &key(topic)).unwrap());
            let payload = payload(&key(topic), campaign.as_ref());
            assert!(valid_payload(&payload), "{payload}");
            let expected = (topic.to_owned(), campaign.map(|c| c.0).unwrap_or_default());
            assert_eq!(target(catalog, &payload), Some(expected), "{payload}");
        }
        assert_eq!(
            payload(&key("strikes"), Some(&Campaign::parse("Flyer-Mai", &key("strikes")).unwrap())),
            "strikes-C-flyer-mai"
        );
        assert_eq!(deep_link("basis_bot", &key("strikes"), None), "https://t.me/basis_bot?start=strikes");
    }

    #[test]
    fn a_region_in_a_payload_is_split_off_before_or_after_a_campaign() {
        let region = |k: &str| Some(RegionKey::parse(k).unwrap());
        assert_eq!(split_region("strikes-R-wolfsburg"), ("strikes".to_owned(), region("wolfsburg")));
        assert_eq!(split_region("strikes-R-vw-werk-C-flyer"), ("strikes-C-flyer".to_owned(), region("vw-werk")));
        assert_eq!(split_region("strikes-C-flyer-R-kassel"), ("strikes-C-flyer".to_owned(), region("kassel")));
        assert_eq!(split_region("strikes"), ("strikes".to_owned(), None));
        assert_eq!(split_region("strikes-R-"), ("strikes-R-".to_owned(), None), "no key: not a region link");
        assert_eq!(split_region("strikes-R-Kassel"), ("strikes-R-Kassel".to_owned(), None));
        let flyer = Campaign::parse("flyer", &key("strikes")).unwrap();
        let payload = payload_in(&key("strikes"), region("vw-werk").as_ref(), Some(&flyer));
        assert_eq!(payload, "strikes-R-vw-werk-C-flyer");
        assert_eq!(split_region(&payload), ("strikes-C-flyer".to_owned(), region("vw-werk")));
        assert_eq!(payload_in(&key("strikes"), None, None), "strikes");
    }

    #[test]
    fn campaigns_are_checked() {
        let strikes = key("strikes");
        assert_eq!(Campaign::parse(" Flyer_2026 ", &strikes).unwrap().as_str(), "flyer_2026");
        for bad in ["", "flyer mai", "köln", "a.b", "a/b", "ä", "flyer!"] {
            assert_eq!(Campaign::parse(bad, &strikes), Err(CampaignError::Characters), "{bad:?}");
        }
        let max = Campaign::max_len(&strikes);
        assert_eq!(max, 64 - 3 - 7);
        assert!(Campaign::parse(&"a".repeat(max), &strikes).is_ok());
        assert_eq!(
            Campaign::parse(&"a".repeat(max + 1), &strikes),
            Err(CampaignError::TooLong { length: max + 1, max })
        );
    }

    #[test]
    fn other_payloads_are_not_topic_links() {
        let topics = catalog(&["strikes", "energy"]);
        // Old links in any case still work.
        assert_eq!(target(&topics, "STRIKES"), Some(("strikes".into(), String::new())));
        for payload in [
            "",
            "nothing",
            "strikes-C-",
            "-C-flyer",
            "nothing-C-flyer",
            "strikes-C-Flyer",
            "STRIKES-C-flyer",
            "strikes-C-a-C-b",
            "strikes-c-flyer",
            "inv_AAAA",
            "strikes flyer",
            &format!("strikes-C-{}", "a".repeat(60)),
        ] {
            assert_eq!(target(&topics, payload), None, "{payload:?}");
        }
    }
}
