//! Work the server does on a clock (expiring cases, anchoring the audit
//! log): one round every so often until told to stop. A failed round is
//! the round's to log; the next one tries again, so one database hiccup
//! never ends a schedule.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

/// Runs `round` every `every` (the first at once) until `stop` says `true`
/// or its sender is gone.
pub async fn repeat<F, Fut>(every: Duration, mut stop: watch::Receiver<bool>, mut round: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut ticks = tokio::time::interval(every);
    // A round that overran (a large backlog) is not made up in a burst.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            changed = stop.wait_for(|stopped| *stopped) => {
                // Either stopping, or the sender was dropped with the server.
                let _ = changed;
                return;
            }
        }
        round().await;
    }
}
