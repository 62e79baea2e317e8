//! Webhook mode with several instances on PostgreSQL: every instance
//! answers the updates it is handed, and they all draw on the bot's one
//! Telegram budget. Each announces what it sent every 100 ms; each charges
//! what the others announced to its own scheduler, so that together they
//! stay within the limit (see README, *Several instances on PostgreSQL*).

use std::time::Duration;

use basis_outbound::Scheduler;
use basis_storage::Storage;
use tokio_util::sync::CancellationToken;

const EVERY: Duration = Duration::from_millis(100);

pub async fn share_budget(storage: Storage, scheduler: Scheduler, stop: CancellationToken) {
    let mut listener = match storage.usage_listener().await {
        Ok(Some(listener)) => listener,
        Ok(None) => return,
        Err(error) => {
            tracing::warn!(%error, "cannot share the send budget with other instances; each counts only its own");
            return;
        }
    };
    let me: u64 = rand::random();
    let mut announced = scheduler.sent_total();
    let mut tick = tokio::time::interval(EVERY);
    let mut failing = false;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {
                let sent = scheduler.sent_total();
                if sent > announced {
                    match storage.announce_usage(me, sent - announced).await {
                        Ok(()) => {
                            announced = sent;
                            failing = false;
                        }
                        Err(error) if !failing => {
                            failing = true;
                            tracing::warn!(%error, "could not tell the other instances what this one sent");
                        }
                        Err(_) => {}
                    }
                }
            }
            heard = listener.next() => match heard {
                Ok((instance, sent)) if instance != me => scheduler.charge(sent),
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "lost the other instances' send counts; listening again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            },
        }
    }
}
