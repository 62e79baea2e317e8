//! `basis-bench broadcast`: the real broadcaster against the fake Bot API.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use basis::broadcaster::Settings;
use basis::{Application, Config, Hooks};
use basis_storage::testing::TestDatabase;
use basis_storage::{
    Content, Engine, NewBroadcast, PRIORITY_NORMAL, RegionKey, RegionSeed, RegionTarget, RegionText, Storage,
};
use basis_telegram_fake::{FakeEvent, FakeTelegram, Limits};
use tokio_util::sync::CancellationToken;

#[derive(clap::Args)]
pub struct Args {
    /// Subscribers fanned out into the queue.
    #[arg(long, default_value_t = 1_000_000)]
    fan_out: i64,
    /// Deliveries sent with limits off.
    #[arg(long, default_value_t = 100_000)]
    unlimited: i64,
    /// Seconds each paced run (30/s, 1000/s) should last.
    #[arg(long, default_value_t = 15)]
    paced_secs: i64,
    /// Regions the fan-out's subscribers live in, spread evenly: the leaves
    /// of a two-level tree (`--lands` at the top); 0: no targeted fan-outs.
    #[arg(long, default_value_t = 400)]
    regions: i64,
    /// Regions at the top of the tree, each with an equal share of
    /// `--regions` below it.
    #[arg(long, default_value_t = 20)]
    lands: i64,
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    engines: Vec<String>,
    /// What to measure: fan-out (with the targeted fan-outs), unlimited,
    /// paced, first.
    #[arg(long, value_delimiter = ',', default_value = "fan-out,unlimited,paced,first")]
    parts: Vec<String>,
}

const DEADLINE: Duration = Duration::from_secs(900);

pub async fn run(args: Args) -> anyhow::Result<()> {
    let part = |name: &str| args.parts.iter().any(|p| p == name);
    for engine in &args.engines {
        println!("== {engine}");
        if part("fan-out") {
            let Some(db) = database(engine).await? else { continue };
            fan_out(&args, db).await?;
        }
        if part("unlimited") {
            let Some(db) = database(engine).await? else { continue };
            unlimited(&args, db).await?;
        }
        if part("paced") {
            for (rate, paid) in [(30, false), (1000, true)] {
                let Some(db) = database(engine).await? else { continue };
                paced(&args, db, rate, paid).await?;
            }
        }
        if part("first") {
            let Some(db) = database(engine).await? else { continue };
            first_delivery(db).await?;
        }
    }
    Ok(())
}

pub(crate) async fn database(engine: &str) -> anyhow::Result<Option<TestDatabase>> {
    Ok(match engine {
        "sqlite" => Some(TestDatabase::sqlite().await),
        "postgres" => {
            let db = TestDatabase::postgres().await;
            if db.is_none() {
                println!("postgres: skipped (set BASIS_TEST_POSTGRES_URL)");
            }
            db
        }
        other => anyhow::bail!("unknown engine {other}"),
    })
}

/// The application's broadcaster on `db`, sending to `fake`.
async fn broadcaster_on(
    db: &TestDatabase,
    fake: &FakeTelegram,
    rate: Option<u32>,
    paid: bool,
) -> anyhow::Result<(Application, CancellationToken, tokio::task::JoinHandle<()>)> {
    let config = Config { rate_limit: rate.unwrap_or(30), paid_broadcast: paid, ..super::bench_config(fake, db) };
    let hooks = Hooks {
        unlimited_rate: rate.is_none(),
        broadcast: Some(Settings {
            max_in_flight: if rate.is_none() { 256 } else { 128 },
            idle_poll: Duration::from_millis(50),
            ..Settings::default()
        }),
        ..Hooks::default()
    };
    let app = Application::build(config, hooks).await?;
    let stop = CancellationToken::new();
    let running = tokio::spawn(app.broadcaster().run(stop.clone()));
    Ok((app, stop, running))
}

fn post(total_hint: &str) -> NewBroadcast {
    NewBroadcast {
        author_id: basis_core::UserId(1),
        content: Content::Text(format!("Benchmark {total_hint}")),
        topics: basis_storage::TopicList::from_stored("strikes"),
        priority: PRIORITY_NORMAL,
        report_chat_id: None,
        report_locale: "de".into(),
        ref_broadcast_id: None,
    }
}

/// Waits until the fake server has seen `sends` deliveries in all (a cheap
/// check, so the wait costs the measured run nothing), then until storage
/// has settled the broadcast.
async fn wait_done(fake: &FakeTelegram, sends: usize, storage: &Storage, id: i64) -> anyhow::Result<()> {
    let start = Instant::now();
    while fake.delivery_count() < sends {
        anyhow::ensure!(start.elapsed() < DEADLINE, "broadcast {id}: only {} sends", fake.delivery_count());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    loop {
        if storage.progress(basis_core::BroadcastId(id)).await?.remaining == 0 {
            return Ok(());
        }
        anyhow::ensure!(start.elapsed() < DEADLINE, "broadcast {id} did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Peak resident memory since the last reset, in MiB (Linux).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

async fn fan_out(args: &Args, db: TestDatabase) -> anyhow::Result<()> {
    let fake = FakeTelegram::start().await;
    let config = super::bench_config(&fake, &db);
    // Builds (migrates, seeds topics) without starting the broadcaster.
    let app = Application::build(config, Hooks::default()).await?;
    let t = Instant::now();
    db.bulk_members(1, args.fan_out, "strikes").await;
    let setup = t.elapsed();
    let storage = app.storage();
    let t = Instant::now();
    let audience = storage.audience_size(&basis_storage::TopicList::from_stored("strikes")).await?;
    let read = t.elapsed();
    reset_peak_rss();
    let before = peak_rss_mib().unwrap_or(0.0);
    let t = Instant::now();
    let (_, total) = storage.create_broadcast(&post("fan-out"), basis_storage::now_ms()).await?;
    let fan = t.elapsed();
    let peak = peak_rss_mib().unwrap_or(0.0);
    anyhow::ensure!(total == audience && total == args.fan_out, "fan-out wrote {total} of {audience}");
    println!(
        "fan-out of {total} subscribers: {:.2} s, peak RSS {peak:.0} MiB (before {before:.0} MiB) | baseline: reading the same audience {:.2} s → ratio {:.1} | goal ≤ 10 s, ≤ 150 MB  (seeding took {:.1} s)",
        fan.as_secs_f64(),
        read.as_secs_f64(),
        fan.as_secs_f64() / read.as_secs_f64(),
        setup.as_secs_f64(),
    );
    if args.regions > 0 {
        targeted_fan_outs(args, &db, storage).await?;
    }
    fake.shutdown().await;
    Ok(())
}

fn region_key(key: &str) -> RegionKey {
    RegionKey::parse(key).expect("a region key")
}

/// The same million subscribers, now living in `--regions` districts under
/// `--lands` Länder (`bezirk-<i>` under `land-<i / per land>`, member `x` in
/// `bezirk-<x % regions>`): an untargeted post again, the baseline of the
/// others, then a post to one district, to one Land and to every Land, each
/// also against a read of its audience (the preview's count per region).
/// The queue is emptied before each, so that every fan-out writes into an
/// empty table as the first did. PostgreSQL plans from statistics of the
/// tables, which autovacuum gathers within a minute of a bulk load: the
/// benchmark gathers them at once (`ANALYZE`). SQLite gathers none.
async fn targeted_fan_outs(args: &Args, db: &TestDatabase, storage: &Storage) -> anyhow::Result<()> {
    let per_land = (args.regions / args.lands.max(1)).max(1);
    let name = |key: &str| vec![RegionText { locale: "de".into(), name: key.to_owned() }];
    let mut seeds: Vec<RegionSeed> = (0..args.lands)
        .map(|i| format!("land-{i}"))
        .map(|key| RegionSeed { texts: name(&key), key: region_key(&key), parent: None })
        .collect();
    seeds.extend((0..args.regions).map(|i| {
        let key = format!("bezirk-{i}");
        let land = format!("land-{}", (i / per_land).min(args.lands - 1));
        RegionSeed { texts: name(&key), key: region_key(&key), parent: Some(region_key(&land)) }
    }));
    let t = Instant::now();
    storage.seed_regions(&seeds, 0).await?;
    db.bulk_member_regions(1, args.fan_out, "bezirk-", args.regions).await;
    if db.engine() == Engine::Postgres {
        db.analyze().await;
    }
    let setup = t.elapsed();
    println!(
        "targeted fan-outs: {} subscribers in {} regions under {} ({:.1} s to place them)",
        args.fan_out,
        args.regions,
        args.lands,
        setup.as_secs_f64()
    );
    let lands: Vec<String> = (0..args.lands).map(|i| format!("land-{i}")).collect();
    let cases = [
        ("everyone, untargeted", vec![], "≤ 10 s"),
        ("one region", vec!["bezirk-7".to_owned()], "≤ 1 s"),
        ("one Land", vec!["land-3".to_owned()], "≤ 10 s"),
        ("every Land", lands, "≤ 10 s"),
    ];
    let mut everyone = None;
    for (what, named, goal) in cases {
        let named: Vec<RegionKey> = named.iter().map(|k| region_key(k)).collect();
        db.clear_deliveries().await;
        let topics = basis_storage::TopicList::from_stored("strikes");
        let t = Instant::now();
        let audience = if named.is_empty() {
            storage.audience_size(&topics).await?
        } else {
            storage.audience_by_region(&topics, &named).await?.iter().map(|r| r.chats).sum()
        };
        let read = t.elapsed().as_secs_f64();
        let target = if named.is_empty() { RegionTarget::Everywhere } else { RegionTarget::Within(named) };
        reset_peak_rss();
        let t = Instant::now();
        let (_, total) = storage.create_broadcast_to(&post("targeted"), &target, basis_storage::now_ms()).await?;
        let fan = t.elapsed().as_secs_f64();
        let peak = peak_rss_mib().unwrap_or(0.0);
        anyhow::ensure!(total == audience, "{what}: fan-out wrote {total} of {audience}");
        let everyone = *everyone.get_or_insert(fan);
        println!(
            "fan-out to {what} ({total} subscribers): {fan:.3} s, peak RSS {peak:.0} MiB | baseline: reading the same audience {read:.3} s → ratio {:.1}; the untargeted fan-out {everyone:.2} s → ratio {:.3} | goal {goal}",
            fan / read,
            fan / everyone,
        );
    }
    Ok(())
}

async fn unlimited(args: &Args, db: TestDatabase) -> anyhow::Result<()> {
    let fake = FakeTelegram::start().await;
    fake.set_keep_history(false);
    fake.set_record_requests(false);
    let n = args.unlimited;
    fake.add_private_chats(1..=n);
    let baseline = bare_sends(&fake, n, 256).await?;
    let sends_before = fake.delivery_count();
    let (app, stop, running) = broadcaster_on(&db, &fake, None, false).await?;
    db.bulk_members(1, n, "strikes").await;
    let t = Instant::now();
    let (id, _) = app.broadcaster().enqueue(post("unlimited")).await?;
    wait_done(&fake, sends_before + n as usize, app.storage(), id.0).await?;
    let elapsed = t.elapsed();
    let sent = (fake.delivery_count() - sends_before) as f64;
    let rate = sent / elapsed.as_secs_f64();
    println!(
        "delivery, limits off: {n} deliveries in {:.2} s = {rate:.0}/s | baseline: bare sends, same concurrency {baseline:.0}/s → ratio {:.2} | goal ≥ 10000/s",
        elapsed.as_secs_f64(),
        rate / baseline
    );
    stop.cancel();
    running.await?;
    fake.shutdown().await;
    Ok(())
}

/// What the fake server and HTTP manage without Basis: sendMessage calls
/// with `concurrency` in flight.
async fn bare_sends(fake: &FakeTelegram, n: i64, concurrency: usize) -> anyhow::Result<f64> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(512).tcp_nodelay(true).build()?;
    let url = format!("{}bot{}/sendMessage", fake.api_url(), fake.token());
    let next = Arc::new(AtomicI64::new(1));
    let t = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, next) = (client.clone(), url.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let chat = next.fetch_add(1, Ordering::Relaxed);
                if chat > n {
                    break;
                }
                let body = serde_json::json!({ "chat_id": chat, "text": "baseline" });
                let _ = client.post(&url).json(&body).send().await.and_then(|r| r.error_for_status());
            }
        }));
    }
    for task in tasks {
        task.await?;
    }
    Ok(n as f64 / t.elapsed().as_secs_f64())
}

async fn paced(args: &Args, db: TestDatabase, rate: u32, paid: bool) -> anyhow::Result<()> {
    let fake = FakeTelegram::start().await;
    fake.set_keep_history(false);
    fake.set_limits(Limits::telegram());
    let n = rate as i64 * args.paced_secs;
    fake.add_private_chats(1..=n);
    let (app, stop, running) = broadcaster_on(&db, &fake, Some(rate), paid).await?;
    db.bulk_members(1, n, "strikes").await;
    let (id, _) = app.broadcaster().enqueue(post("paced")).await?;
    wait_done(&fake, n as usize, app.storage(), id.0).await?;
    let mut times: Vec<Instant> = fake.deliveries().into_iter().map(|(_, _, at)| at).collect();
    times.sort();
    let span = times.last().zip(times.first()).map(|(l, f)| l.duration_since(*f).as_secs_f64()).unwrap_or(0.0);
    let achieved = (times.len() - 1) as f64 / span;
    println!(
        "delivery at {rate}/s{}: {} deliveries, achieved {achieved:.1}/s = {:.1} % of the limit, 429s received: {} | goal ≥ 97 %, 0 × 429",
        if paid { " (paid broadcast)" } else { "" },
        times.len(),
        100.0 * achieved / rate as f64,
        fake.too_many_429s()
    );
    stop.cancel();
    running.await?;
    fake.shutdown().await;
    Ok(())
}

async fn first_delivery(db: TestDatabase) -> anyhow::Result<()> {
    let fake = FakeTelegram::start().await;
    fake.add_private_chats(1..=10);
    let baseline = {
        let client = reqwest::Client::new();
        let url = format!("{}bot{}/sendMessage", fake.api_url(), fake.token());
        let body = serde_json::json!({ "chat_id": 1, "text": "warm-up" });
        client.post(&url).json(&body).send().await?;
        let t = Instant::now();
        client.post(&url).json(&body).send().await?;
        t.elapsed()
    };
    let (app, stop, running) = broadcaster_on(&db, &fake, Some(30), false).await?;
    db.bulk_members(1, 10, "strikes").await;
    let mut samples = Vec::new();
    for round in 0..5 {
        // Let per-chat limits of the previous round pass, and the worker idle.
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let mut events = fake.subscribe();
        let t = Instant::now();
        let (id, _) = app.broadcaster().enqueue(post(&format!("first {round}"))).await?;
        loop {
            if let FakeEvent::MessageSent { .. } = events.recv().await? {
                break;
            }
        }
        samples.push(t.elapsed());
        wait_done(&fake, 0, app.storage(), id.0).await?;
    }
    samples.sort();
    let median = samples[samples.len() / 2];
    println!(
        "confirm → first delivery: median {:.1} ms, max {:.1} ms over {} posts | baseline: one bare send round trip {:.2} ms | goal ≤ 100 ms",
        median.as_secs_f64() * 1000.0,
        samples.last().unwrap().as_secs_f64() * 1000.0,
        samples.len(),
        baseline.as_secs_f64() * 1000.0,
    );
    stop.cancel();
    running.await?;
    fake.shutdown().await;
    Ok(())
}
