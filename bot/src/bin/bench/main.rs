//! `basis-bench`: the real bot measured against the fake Bot API.
//!
//! `members` — virtual members (a closed loop of `--concurrency` at a time) each run
//! `/start`, press a topic button, `/subscribe`, `/unsubscribe` through the
//! fake Bot API, the real dispatcher and a real database. Latency is from the
//! moment the update is queued at the fake server to the bot's answer there.
//! The baseline, measured in the same run, is the transport alone: the same
//! number of bare sendMessage round trips through the same fake server.
//!
//! `broadcast` — the broadcaster: fan-out of a million subscribers into the
//! queue (time and peak memory, against a plain read of the same rows), the
//! same subscribers in 400 regions and posts to one of them, to one Land
//! and to every Land (against a read of each audience and the untargeted
//! fan-out),
//! delivery with limits off (against bare sends with the same concurrency),
//! delivery at 30/s and 1000/s against a fake that enforces Telegram's
//! limits, and the time from confirm to the first delivery.
//!
//! `crowd` — N members open a deep link within a second, then a post while
//! others write: every answer and the post on Telegram's one budget.

mod broadcast_bench;
mod crowd_bench;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use basis::{Application, Config, Hooks};
use basis_storage::testing::TestDatabase;
use basis_telegram_fake::FakeTelegram;
use clap::Parser;
use hdrhistogram::Histogram;
use teloxide::prelude::*;
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(about = "Measures the real bot against the fake Bot API")]
enum Cli {
    /// Members chatting: updates per second and handling latency.
    Members(Args),
    /// The broadcaster: fan-out, delivery rates, limits, first delivery.
    Broadcast(broadcast_bench::Args),
    /// A crowd joins at once, then a post while others write: replies and
    /// the broadcast on one budget.
    Crowd(crowd_bench::Args),
}

#[derive(clap::Args)]
struct Args {
    /// Simulated members; each sends four updates.
    #[arg(long, default_value_t = 2000)]
    members: i64,
    /// Members active at the same time.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Engines to measure: sqlite, postgres (needs BASIS_TEST_POSTGRES_URL).
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    engines: Vec<String>,
}

const WAIT: Duration = Duration::from_secs(30);

struct Figures {
    updates: u64,
    elapsed: Duration,
    latency: Histogram<u64>,
}

impl Figures {
    fn per_second(&self) -> f64 {
        self.updates as f64 / self.elapsed.as_secs_f64()
    }
    fn ms(&self, q: f64) -> f64 {
        self.latency.value_at_quantile(q) as f64 / 1000.0
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse() {
        Cli::Members(args) => members(args).await,
        Cli::Broadcast(args) => broadcast_bench::run(args).await,
        Cli::Crowd(args) => crowd_bench::run(args).await,
    }
}

async fn members(args: Args) -> anyhow::Result<()> {
    println!("basis-bench: {} members × 4 updates, {} at a time", args.members, args.concurrency);
    for engine in &args.engines {
        let db = match engine.as_str() {
            "sqlite" => TestDatabase::sqlite().await,
            "postgres" => match TestDatabase::postgres().await {
                Some(db) => db,
                None => {
                    println!("postgres: skipped (set BASIS_TEST_POSTGRES_URL)");
                    continue;
                }
            },
            other => anyhow::bail!("unknown engine {other}"),
        };
        let baseline = transport_baseline(&args).await?;
        let bot = members_chatting(&args, db).await?;
        println!(
            "{engine:>8}: {:>7.0} updates/s  p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  | baseline (bare round trips) {:>7.0}/s p50 {:.2} ms → ratio {:.2}  | goal ≥ 2000/s, p99 < 25 ms",
            bot.per_second(),
            bot.ms(0.5),
            bot.ms(0.99),
            bot.latency.max() as f64 / 1000.0,
            baseline.per_second(),
            baseline.ms(0.5),
            bot.per_second() / baseline.per_second(),
        );
    }
    Ok(())
}

async fn members_chatting(args: &Args, db: TestDatabase) -> anyhow::Result<Figures> {
    let fake = FakeTelegram::start().await;
    let config = bench_config(&fake, &db);
    let hooks = Hooks { poll_timeout: Some(Duration::from_secs(1)), ..Hooks::default() };
    let app = Application::build(config, hooks).await?;
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(app.run(shutdown.clone()));
    let menus = |r: &basis_telegram_fake::RecordedRequest| {
        r.method == "setmycommands" && r.params.get("language_code").is_none()
    };
    fake.wait_for_request(menus, WAIT).await.ok_or_else(|| anyhow::anyhow!("bot did not start"))?;

    let next = Arc::new(AtomicI64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        let fake = fake.clone();
        let next = next.clone();
        let members = args.members;
        tasks.push(tokio::spawn(async move {
            let mut latency = Histogram::<u64>::new(3).expect("histogram");
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= members {
                    break;
                }
                let id = 10_000_000 + n;
                let user = fake.user(id, "Member", Some(if n % 2 == 0 { "de" } else { "en" }));
                let chat = fake.private_chat(&user);
                let reply = |mark: usize| {
                    let fake = fake.clone();
                    async move {
                        fake.wait_for_request_after(
                            mark,
                            |r| r.method == "sendmessage" && r.params["chat_id"].as_i64() == Some(id),
                            WAIT,
                        )
                        .await
                    }
                };
                // /start, then the button under its keyboard, then commands.
                let mark = fake.mark();
                let t = Instant::now();
                fake.send_text(&user, &chat, "/start");
                let welcome = reply(mark).await.expect("welcome");
                latency.record(t.elapsed().as_micros() as u64).ok();
                let keyboard = welcome.response.as_ref().and_then(|r| r["result"]["message_id"].as_i64()).unwrap_or(0);

                let mark = fake.mark();
                let t = Instant::now();
                let press = fake.press_button(&user, &chat, keyboard, "t:europe");
                let callback = press.callback_query_id.clone().unwrap_or_default();
                fake.wait_for_request_after(
                    mark,
                    |r| {
                        r.method == "answercallbackquery"
                            && r.params["callback_query_id"].as_str() == Some(callback.as_str())
                    },
                    WAIT,
                )
                .await
                .expect("toast");
                latency.record(t.elapsed().as_micros() as u64).ok();

                for command in ["/subscribe energy", "/unsubscribe europe"] {
                    let mark = fake.mark();
                    let t = Instant::now();
                    fake.send_text(&user, &chat, command);
                    reply(mark).await.expect("answer");
                    latency.record(t.elapsed().as_micros() as u64).ok();
                }
            }
            latency
        }));
    }
    let latency = merge(tasks).await?;
    let elapsed = started.elapsed();
    shutdown.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(15), running).await;
    fake.shutdown().await;
    Ok(Figures { updates: (args.members * 4) as u64, elapsed, latency })
}

/// The configuration of a bot talking to `fake`, on `db`.
fn bench_config(fake: &FakeTelegram, db: &TestDatabase) -> Config {
    Config {
        token: Some(fake.token().to_owned().into()),
        api_url: fake.api_url(),
        database_url: db.url.clone(),
        listen: "127.0.0.1:0".to_owned(),
        ..Config::default()
    }
}

/// One histogram of the latencies every task recorded.
async fn merge(tasks: Vec<tokio::task::JoinHandle<Histogram<u64>>>) -> anyhow::Result<Histogram<u64>> {
    let mut latency = Histogram::<u64>::new(3)?;
    for task in tasks {
        latency.add(task.await?)?;
    }
    Ok(latency)
}

/// What the HTTP transport and the fake server allow on their own.
async fn transport_baseline(args: &Args) -> anyhow::Result<Figures> {
    let fake = FakeTelegram::start().await;
    fake.set_keep_history(false);
    let bot = Bot::new(fake.token()).set_api_url(fake.api_url().parse()?);
    let total = args.members * 4;
    fake.add_private_chats(0..args.concurrency as i64 + 1);
    let next = Arc::new(AtomicI64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..args.concurrency {
        let bot = bot.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut latency = Histogram::<u64>::new(3).expect("histogram");
            while next.fetch_add(1, Ordering::Relaxed) < total {
                let t = Instant::now();
                bot.send_message(ChatId(worker as i64 + 1), "ok").await.expect("bare send");
                latency.record(t.elapsed().as_micros() as u64).ok();
            }
            latency
        }));
    }
    let latency = merge(tasks).await?;
    let elapsed = started.elapsed();
    fake.shutdown().await;
    Ok(Figures { updates: total as u64, elapsed, latency })
}
