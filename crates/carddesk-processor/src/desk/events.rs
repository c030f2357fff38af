//! Live events through the desk: the processor's stream for as long as
//! the session lasts.

use std::time::Duration;

use carddesk_wire as wire;
use tokio::sync::broadcast::error::RecvError;

use super::{LocalDesk, convert};
use crate::Result;

/// How often a watcher's session is checked again: a signed-out or
/// expired session stops hearing events within this long.
const SESSION_CHECK: Duration = Duration::from_secs(30);

impl LocalDesk {
    pub(super) async fn watch(
        &self,
        token: &wire::Token,
        filter: wire::EventFilter,
    ) -> Result<wire::EventStream> {
        self.authorize(token, super::access::Action::WatchEvents, "events")
            .await?;
        let receiver = self.processor.events().subscribe();
        let state = Watch {
            desk: self.clone(),
            token: token.clone(),
            receiver,
            filter,
            check: tokio::time::interval_at(
                tokio::time::Instant::now() + SESSION_CHECK,
                SESSION_CHECK,
            ),
        };
        Ok(Box::pin(futures::stream::unfold(state, next_event)))
    }
}

struct Watch {
    desk: LocalDesk,
    token: wire::Token,
    receiver: tokio::sync::broadcast::Receiver<crate::Event>,
    filter: wire::EventFilter,
    check: tokio::time::Interval,
}

async fn next_event(mut w: Watch) -> Option<(wire::DeskEvent, Watch)> {
    loop {
        tokio::select! {
            received = w.receiver.recv() => match received {
                Ok(event) => {
                    let event = convert::event(&event);
                    if w.filter.admits(&event) {
                        return Some((event, w));
                    }
                }
                // The watcher fell behind: tell it to re-read rather than
                // pretend nothing was missed.
                Err(RecvError::Lagged(_)) => return Some((wire::DeskEvent::Resync, w)),
                Err(RecvError::Closed) => return None,
            },
            _ = w.check.tick() => {
                if w.desk.processor.authenticate(&w.token).await.is_err() {
                    return None;
                }
            }
        }
    }
}
