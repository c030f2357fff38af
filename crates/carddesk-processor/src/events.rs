//! The event stream: what changed, for whoever watches (the console's case
//! view, queues, later the server's server-sent events).
//!
//! Events are sent after the transaction that made the change commits, so a
//! watcher never hears of a change that was rolled back. A slow watcher that
//! falls behind gets `Lagged` from tokio and should re-read what it shows.

use carddesk_domain::case::CaseId;
use carddesk_domain::{CardId, CardStatusKind, CaseState};
use tokio::sync::broadcast;

/// Something that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A case moved to a new state.
    CaseChanged {
        /// The case.
        case_id: CaseId,
        /// Its new state.
        state: CaseState,
    },
    /// A failed verification was counted on a case.
    AttemptFailed {
        /// The case.
        case_id: CaseId,
        /// Attempts left.
        remaining: u32,
    },
    /// A card's status changed.
    CardChanged {
        /// The card.
        card_id: CardId,
        /// Its new status.
        status: CardStatusKind,
    },
    /// An instruction was queued for delivery.
    InstructionQueued {
        /// The case.
        case_id: CaseId,
        /// Outbox row.
        outbox_id: i64,
    },
}

/// The sending side, shared by the processor.
#[derive(Debug, Clone)]
pub struct Events {
    sender: broadcast::Sender<Event>,
}

impl Events {
    /// A stream that keeps up to `capacity` events for slow watchers.
    pub fn new(capacity: usize) -> Self {
        Self {
            sender: broadcast::channel(capacity).0,
        }
    }

    /// A new watcher, hearing every event sent from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }

    pub(crate) fn send_all(&self, events: Vec<Event>) {
        for event in events {
            // No watcher is not an error: the change is stored either way.
            let _ = self.sender.send(event);
        }
    }
}
