//! `basis-bench crowd`: what a deployment lives through when a poster's QR
//! code is scanned at a rally. N members open the topic's deep link within
//! a second, the whole application (polling, handlers, storage, the one
//! outbound path) answers them against a fake that enforces Telegram's
//! limits on every send; then the organizer posts, and while the post runs
//! a tenth as many people write `/help` and as many members who got the
//! post answer it ("Ich bin dabei!"), which the organizers' inbox (a forum
//! group, as a deployment has it) relays within Telegram's 20 a minute per
//! group. Optionally on two instances sharing one PostgreSQL database.
//!
//! Printed: the share of members answered, the time to the last answer
//! against the ideal N / limit, 429s during the burst and the broadcast, the
//! broadcast's share of the limit, how long those who wrote during the
//! broadcast waited for their answer (`/help`, and the inbox's notice), and
//! how many answers reached the inbox during the post while the rest waited
//! in the database.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use basis::{Application, Config, Hooks};
use basis_storage::testing::TestDatabase;
use basis_storage::{Content, NewBroadcast, PRIORITY_NORMAL};
use basis_telegram_fake::{AdminRights, FakeTelegram, Limits};
use tokio_util::sync::CancellationToken;

#[derive(clap::Args)]
pub struct Args {
    /// Members joining at once at the free 30/s.
    #[arg(long, default_value_t = 1000)]
    free: i64,
    /// Members joining at once with paid broadcasts at 1000/s.
    #[arg(long, default_value_t = 5000)]
    paid: i64,
    /// Instances sharing the database (PostgreSQL only; SQLite runs one).
    #[arg(long, default_value_t = 1)]
    instances: usize,
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    engines: Vec<String>,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    for engine in &args.engines {
        for (n, rate, paid) in [(args.free, 30, false), (args.paid, 1000, true)] {
            let Some(db) = super::broadcast_bench::database(engine).await? else { continue };
            let instances = if engine == "postgres" { args.instances.max(1) } else { 1 };
            crowd(db, engine, n, rate, paid, instances).await?;
        }
    }
    Ok(())
}

/// Waits until the fake has delivered `count` messages in all; `None` when
/// that did not happen within `patience`.
async fn delivered(fake: &FakeTelegram, count: usize, patience: Duration) -> Option<Instant> {
    let start = Instant::now();
    while fake.delivery_count() < count {
        if start.elapsed() > patience {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Some(Instant::now())
}

/// Messages a second over the span of `times` (sorted).
fn pace_of(times: &[Instant]) -> f64 {
    match (times.first(), times.last()) {
        (Some(first), Some(last)) if last > first => {
            (times.len() - 1) as f64 / last.duration_since(*first).as_secs_f64()
        }
        _ => 0.0,
    }
}

/// The organizers' inbox: a forum group.
const INBOX: i64 = -1_000_777;
/// The owner who makes it the inbox.
const OWNER: i64 = 777;

/// Waits until `done` holds for the fake's deliveries; `false` when it did
/// not within `patience`.
async fn until(fake: &FakeTelegram, patience: Duration, done: impl Fn(&[(i64, i64, Instant)]) -> bool) -> bool {
    let start = Instant::now();
    while !done(&fake.deliveries()) {
        if start.elapsed() > patience {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

async fn crowd(db: TestDatabase, engine: &str, n: i64, rate: u32, paid: bool, instances: usize) -> anyhow::Result<()> {
    let fake = FakeTelegram::start().await;
    fake.set_keep_history(false);
    fake.set_limits(Limits::telegram());
    let config =
        Config { rate_limit: rate, paid_broadcast: paid, owners: vec![OWNER], ..super::bench_config(&fake, &db) };
    let stop = CancellationToken::new();
    let mut running = Vec::new();
    let mut broadcaster = None;
    for _ in 0..instances {
        let hooks = Hooks { poll_timeout: Some(Duration::from_secs(1)), ..Hooks::default() };
        let app = Application::build(config.clone(), hooks).await?;
        broadcaster.get_or_insert_with(|| app.broadcaster());
        running.push(tokio::spawn(app.run(stop.clone())));
    }
    let menus = |r: &basis_telegram_fake::RecordedRequest| {
        r.method == "setmycommands" && r.params.get("language_code").is_none()
    };
    fake.wait_for_request(menus, super::WAIT).await.ok_or_else(|| anyhow::anyhow!("bot did not start"))?;
    // The leader polls; wait until it does, so the crowd meets a bot that
    // is there.
    fake.wait_for_request(|r| r.method == "getupdates", super::WAIT).await;
    // The organizers' inbox, as an owner sets it up.
    let inbox = fake.forum(INBOX, "Inbox");
    fake.make_bot_admin(INBOX, AdminRights::topic_manager());
    let owner = fake.user(OWNER, "Olga", Some("de"));
    fake.set_admin(INBOX, OWNER, AdminRights::topic_manager());
    fake.send_text(&owner, &inbox, "/inbox");
    let in_inbox = |d: &[(i64, i64, Instant)]| d.iter().any(|(chat, _, _)| *chat == INBOX);
    anyhow::ensure!(until(&fake, super::WAIT, in_inbox).await, "the inbox was not set up");
    let set_up = fake.delivery_count();
    let members: Vec<_> = (1..=n)
        .map(|id| {
            let user = fake.user(20_000_000 + id, "Member", Some("de"));
            let chat = fake.private_chat(&user);
            (user, chat)
        })
        .collect();
    // Others, not subscribed, who write while the post runs.
    let writers: Vec<_> = (1..=(n / 10).max(1))
        .map(|id| {
            let user = fake.user(30_000_000 + id, "Writer", Some("de"));
            let chat = fake.private_chat(&user);
            (user, chat)
        })
        .collect();
    let limit = f64::from(rate);
    let ideal = Duration::from_secs_f64(n as f64 / limit);
    let patience = ideal * 3 + Duration::from_secs(60);

    // The crowd.
    let started = Instant::now();
    for (user, chat) in &members {
        fake.send_text(user, chat, "/start strikes");
    }
    let joined = started.elapsed();
    let last = delivered(&fake, set_up + n as usize, patience).await;
    let answers = fake.deliveries()[set_up..].to_vec();
    let answered: HashSet<i64> = answers.iter().map(|(chat, _, _)| *chat).collect();
    let mut answer_times: Vec<Instant> = answers.iter().map(|(_, _, at)| *at).collect();
    answer_times.sort();
    let first_answer = answer_times.first().map(|at| at.duration_since(started));
    let answer_pace = pace_of(&answer_times);
    let burst_429 = fake.too_many_429s();
    let took = last.map(|at| at.duration_since(started));

    // The post, and members writing while it runs.
    let before = fake.delivery_count();
    let post = NewBroadcast {
        author_id: basis_core::UserId(1),
        content: Content::Text("Warnstreik morgen ab 6 Uhr".into()),
        topics: basis_storage::TopicList::from_stored("strikes"),
        priority: PRIORITY_NORMAL,
        report_chat_id: None,
        report_locale: "de".into(),
        ref_broadcast_id: None,
    };
    let broadcaster = broadcaster.ok_or_else(|| anyhow::anyhow!("no instance"))?;
    broadcaster.enqueue(post).await?;
    delivered(&fake, before + (n as usize / 3), patience).await;
    // A tenth as many members as write `/help` answer the post they got.
    let got_it: HashSet<i64> = fake.deliveries()[before..].iter().map(|(chat, _, _)| *chat).collect();
    let answerers: Vec<_> = members.iter().filter(|(_, chat)| got_it.contains(&chat.id)).take(writers.len()).collect();
    let asked = Instant::now();
    let mark = fake.delivery_count();
    for ((user, chat), (answerer, at)) in writers.iter().zip(&answerers) {
        fake.send_text(user, chat, "/help");
        fake.send_text(answerer, at, "Ich bin dabei!");
    }
    let writer_ids: HashSet<i64> = writers.iter().map(|(_, chat)| chat.id).collect();
    let answerer_ids: HashSet<i64> = answerers.iter().map(|(_, chat)| chat.id).collect();
    // Done when everyone has the post, every writer an answer and every
    // answerer the inbox's notice (their first message after `mark`).
    let finished = |d: &[(i64, i64, Instant)]| {
        let after: &[(i64, i64, Instant)] = d.get(mark..).unwrap_or_default();
        let posted: HashSet<i64> = d[before..].iter().map(|(c, _, _)| *c).filter(|c| *c > 0).collect();
        let told: HashSet<i64> = after.iter().map(|(c, _, _)| *c).filter(|c| answerer_ids.contains(c)).collect();
        let helped = after.iter().filter(|(c, _, _)| writer_ids.contains(c)).count();
        posted.len() >= n as usize + writer_ids.len() && told.len() == answerer_ids.len() && helped == writer_ids.len()
    };
    let done = until(&fake, patience, finished).await;
    let deliveries = fake.deliveries();
    let mut waits = Vec::new();
    let mut notices = Vec::new();
    let mut post_times = Vec::new();
    let mut relayed = 0;
    for (i, (chat, _, at)) in deliveries.iter().enumerate().skip(before) {
        if *chat == INBOX {
            relayed += 1;
        } else if writer_ids.contains(chat) {
            waits.push(at.duration_since(asked));
        } else if i >= mark && answerer_ids.contains(chat) {
            // Answerers had the post before `mark`: this is the notice.
            notices.push(at.duration_since(asked));
        } else {
            post_times.push(*at);
        }
    }
    let waiting = db.storage.inbox_waiting().await?;
    let (writers, answerers) = (writers.len(), answerers.len());
    post_times.sort();
    // The post alone (its first third, before anyone writes), and the post
    // with the answers sent meanwhile: both share one budget.
    let alone = pace_of(&post_times[..(n as usize / 3).min(post_times.len())]);
    let mut all: Vec<Instant> = deliveries[before..].iter().map(|(_, _, at)| *at).collect();
    all.sort();
    let together = pace_of(&all);
    let pace = pace_of(&post_times);
    waits.sort();
    notices.sort();
    let quantile_of =
        |of: &[Duration], q: f64| of.get(((of.len() as f64 - 1.0) * q) as usize).map_or(f64::NAN, |d| d.as_secs_f64());
    let quantile = |q: f64| quantile_of(&waits, q);

    println!(
        "{engine} × {instances}, {n} join at {rate}/s{}: joined in {:.2} s; answered {}/{n} = {:.1} %; last answer after {} \
         (ideal N/limit {:.1} s → ratio {}); 429s in the burst {burst_429}; the first answer after {}, then \
         {answer_pace:.1}/s",
        if paid { " (paid)" } else { "" },
        joined.as_secs_f64(),
        answered.len(),
        100.0 * answered.len() as f64 / n as f64,
        took.map_or("—".to_owned(), |t| format!("{:.1} s", t.as_secs_f64())),
        ideal.as_secs_f64(),
        took.map_or("—".to_owned(), |t| format!("{:.2}", t.as_secs_f64() / ideal.as_secs_f64())),
        first_answer.map_or("—".to_owned(), |t| format!("{:.2} s", t.as_secs_f64())),
    );
    println!(
        "    then the post: {} deliveries{}; alone {alone:.1}/s = {:.1} % of the limit; with {writers} members writing \
         meanwhile {pace:.1}/s, post and answers together {together:.1}/s = {:.1} %; 429s during it {}; the writers \
         were answered after p50 {:.2} s, max {:.2} s; {answerers} members answering the post were told after p50 {:.2} s, \
         max {:.2} s, {relayed} of their answers reached the inbox during it and {waiting} waited in the database | goals: \
         100 % answered, ratio ≤ 1.1, 0 × 429, post ≥ 97 %",
        post_times.len(),
        if done { "" } else { " (not finished)" },
        100.0 * alone / limit,
        100.0 * together / limit,
        fake.too_many_429s() - burst_429,
        quantile(0.5),
        quantile(1.0),
        quantile_of(&notices, 0.5),
        quantile_of(&notices, 1.0),
    );
    stop.cancel();
    for task in running {
        let _ = tokio::time::timeout(Duration::from_secs(15), task).await;
    }
    fake.shutdown().await;
    Ok(())
}
