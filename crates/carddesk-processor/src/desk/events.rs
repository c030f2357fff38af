//! Live events through the desk: the processor's stream for as long as
//! the session lasts. A sign-out ends the session's streams at once, in
//! this process and in every other that shares the database (heard
//! through its notification channel, `sign_outs.rs`); expiry
//! (lifetime or idle) and a sign-out whose notification was lost are
//! caught by a periodic check, and by a check whenever notifications may
//! have been missed. That check only reads the session: watching is not a
//! use, so an open stream never keeps an idle session alive, and a stream
//! ends at the latest one check after its session idles out.

use std::time::Duration;

use carddesk_domain::StaffMember;
use carddesk_wire as wire;
use tokio::sync::broadcast::{Receiver, error::RecvError};

use super::{LocalDesk, convert};
use crate::Result;

/// How often a watcher's session is checked again: an expired session, or
/// one whose sign-out's notification was lost, stops hearing events within
/// this long.
const SESSION_CHECK: Duration = Duration::from_secs(30);

impl LocalDesk {
    /// [`wire::Desk::events`], with who watches: a transport that numbers
    /// and replays events itself (the server's event log) must ask
    /// [`crate::Event::audible_to`] of this member of staff for each one,
    /// as this stream does.
    pub async fn watch_as(
        &self,
        token: &wire::Token,
        filter: wire::EventFilter,
    ) -> wire::DeskResult<(StaffMember, wire::EventStream)> {
        super::answer(self.watch(token, filter).await)
    }

    async fn watch(
        &self,
        token: &wire::Token,
        filter: wire::EventFilter,
    ) -> Result<(StaffMember, wire::EventStream)> {
        // Listening before the session is checked, so a sign-out between
        // the check and the first poll is still heard.
        let sign_outs = self.processor.sign_outs();
        let staff = self
            .authorize(token, super::access::Action::WatchEvents, "events")
            .await?;
        let receiver = self.processor.events().subscribe();
        let state = Watch {
            desk: self.clone(),
            digest: self.processor.session_digest(token),
            staff: staff.clone(),
            receiver,
            sign_outs,
            filter,
            check: tokio::time::interval_at(
                tokio::time::Instant::now() + SESSION_CHECK,
                SESSION_CHECK,
            ),
        };
        Ok((staff, Box::pin(futures::stream::unfold(state, next_event))))
    }
}

struct Watch {
    desk: LocalDesk,
    /// The session's keyed hash (the token itself is not kept).
    digest: Vec<u8>,
    /// Who watches: they hear only what they may see.
    staff: StaffMember,
    receiver: Receiver<crate::Event>,
    sign_outs: Receiver<Vec<u8>>,
    filter: wire::EventFilter,
    check: tokio::time::Interval,
}

impl Watch {
    /// Whether the session still holds, by the store; a store error ends
    /// the stream rather than keep it open unchecked.
    async fn live(&self) -> bool {
        self.desk
            .processor
            .session_is_live(&self.digest)
            .await
            .unwrap_or(false)
    }

    /// Whether the store says the session has ended; `false` when it
    /// cannot say (the check after lost notifications, which the periodic
    /// one backs up).
    async fn ended(&self) -> bool {
        matches!(
            self.desk.processor.session_is_live(&self.digest).await,
            Ok(false)
        )
    }
}

async fn next_event(mut w: Watch) -> Option<(wire::DeskEvent, Watch)> {
    loop {
        tokio::select! {
            // Sign-outs first: once this session's is heard, not one more
            // event goes out.
            biased;
            signed_out = w.sign_outs.recv() => match signed_out {
                Ok(digest) if digest == w.digest => return None,
                Ok(_) => {}
                // Missed some sign-outs: one may have been this session's.
                Err(RecvError::Lagged(_)) => {
                    if !w.live().await {
                        return None;
                    }
                }
                Err(RecvError::Closed) => return None,
            },
            received = w.receiver.recv() => match received {
                // Notifications were lost, a sign-out's among them maybe.
                // Every stream asks at once here, just after an outage:
                // one the store cannot answer yet stays open for the
                // periodic check rather than all consoles dropping
                // together.
                Ok(crate::Event::Missed) if w.ended().await => return None,
                Ok(event) if event.audible_to(&w.staff) => {
                    let event = convert::event(&event);
                    if w.filter.admits(&event) {
                        return Some((event, w));
                    }
                }
                Ok(_) => {}
                // The watcher fell behind, past a `Missed` maybe: tell it
                // to re-read rather than pretend nothing was missed.
                Err(RecvError::Lagged(_)) if w.ended().await => return None,
                Err(RecvError::Lagged(_)) => return Some((wire::DeskEvent::Resync, w)),
                Err(RecvError::Closed) => return None,
            },
            _ = w.check.tick() => {
                if !w.live().await {
                    return None;
                }
            }
        }
    }
}
