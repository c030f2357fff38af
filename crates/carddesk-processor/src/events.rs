//! The event stream: what changed, for whoever watches (the console's case
//! view, queues, later the server's server-sent events).
//!
//! Events are sent after the transaction that made the change commits, so a
//! watcher never hears of a change that was rolled back. A slow watcher that
//! falls behind gets `Lagged` from tokio and should re-read what it shows.
//!
//! Where several processes share one database (PostgreSQL), events travel
//! through the database (`NOTIFY`), and every process, the sender included,
//! hears them from there: a console connected to any server sees a change
//! made through any other. With SQLite, one process, they go straight to
//! the local watchers.

use carddesk_domain::case::CaseId;
use carddesk_domain::{Actor, CardId, CardStatusKind, CaseState, Role, StaffMember};
use std::sync::Arc;

use carddesk_store::Store;
use tokio::sync::{broadcast, mpsc};

/// The most events one notification statement carries (each payload is a
/// few dozen bytes; PostgreSQL takes up to 8,000 per payload).
const NOTIFY_BATCH: usize = 256;

/// `events` in order, cut into runs with no payload twice: PostgreSQL
/// delivers a payload repeated within one transaction only once, which
/// would lose `card:7:frozen` after `card:7:active` in the same statement.
fn distinct_runs(events: Vec<Event>) -> Vec<(Vec<Event>, Vec<String>)> {
    let mut runs: Vec<(Vec<Event>, Vec<String>)> = vec![(Vec::new(), Vec::new())];
    for event in events {
        let payload = event.encode();
        let run = runs.last_mut().expect("never empty");
        if run.1.contains(&payload) {
            runs.push((vec![event], vec![payload]));
        } else {
            run.0.push(event);
            run.1.push(payload);
        }
    }
    runs.retain(|run| !run.0.is_empty());
    runs
}

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
        /// Whose case it is, as an actor label (`agent:alice`).
        holder: String,
    },
    /// A virtual-card application changed (submitted, routed, queued for
    /// an interview, claimed, decided, issued).
    ApplicationChanged {
        /// The application.
        application_id: carddesk_domain::application::ApplicationId,
        /// Its state.
        state: carddesk_domain::application::ApplicationState,
        /// Its interview's step (`awaiting_uploads` on the two-card route).
        step: &'static str,
    },
    /// Events from other processes may have been missed (the relay lost
    /// its database connection for a while): watchers re-read what they
    /// show. Never sent between processes.
    Missed,
}

/// The sending side, shared by the processor.
#[derive(Debug, Clone)]
pub struct Events {
    sender: broadcast::Sender<Event>,
    /// Where events go when they travel through the database.
    relay: Option<mpsc::UnboundedSender<Vec<Event>>>,
    /// Dropped with the last clone of these events, which ends the task
    /// relaying notifications in (and so closes its database connection).
    _alive: Option<Arc<tokio::sync::watch::Sender<()>>>,
    /// What this process did, counted as it is sent.
    tally: Arc<crate::tally::Tally>,
}

impl Events {
    /// A stream that keeps up to `capacity` events for slow watchers.
    pub fn new(capacity: usize) -> Self {
        Self {
            sender: broadcast::channel(capacity).0,
            relay: None,
            _alive: None,
            tally: Arc::default(),
        }
    }

    /// Sends events through the store's notification channel from now on,
    /// and hands what the channel brings (from every process) to the local
    /// watchers, and its sign-outs to `sign_outs`.
    pub(crate) fn relay_through(
        &mut self,
        store: Arc<dyn Store>,
        mut incoming: mpsc::Receiver<String>,
        sign_outs: crate::sign_outs::SignOuts,
    ) {
        let local = self.sender.clone();
        let (alive, mut stopped) = tokio::sync::watch::channel(());
        tokio::spawn(async move {
            loop {
                let payload = tokio::select! {
                    payload = incoming.recv() => payload,
                    // Every clone of these events is gone: nobody listens.
                    _ = stopped.changed() => None,
                };
                let Some(payload) = payload else { return };
                if payload == carddesk_store::LISTEN_GAP {
                    sign_outs.missed();
                    let _ = local.send(Event::Missed);
                    continue;
                }
                if sign_outs.take(&payload) {
                    continue;
                }
                match Event::decode(&payload) {
                    Some(event) => {
                        let _ = local.send(event);
                    }
                    None => {
                        tracing::warn!("ignored an event notification this version does not know")
                    }
                }
            }
        });
        self._alive = Some(Arc::new(alive));
        let (relay, mut outgoing) = mpsc::unbounded_channel::<Vec<Event>>();
        let local = self.sender.clone();
        // One task sends them all, so events reach the database in the order
        // they happened; what queued while it sent goes in the next
        // statement together, so a busy server notifies in a few round
        // trips rather than one per event.
        tokio::spawn(async move {
            let mut batch = Vec::new();
            while let Some(events) = outgoing.recv().await {
                batch.extend(events);
                while batch.len() < NOTIFY_BATCH {
                    match outgoing.try_recv() {
                        Ok(more) => batch.extend(more),
                        Err(_) => break,
                    }
                }
                for (events, payloads) in distinct_runs(std::mem::take(&mut batch)) {
                    if let Err(e) = store.notify(&payloads).await {
                        // Better that this process's watchers hear them
                        // than nobody does.
                        tracing::warn!(error = %e, "could not notify other processes of events");
                        for event in events {
                            let _ = local.send(event);
                        }
                    }
                }
            }
        });
        self.relay = Some(relay);
    }

    /// Whether events travel through the database's notification channel
    /// (PostgreSQL) and the task sending them there still runs: what a
    /// readiness probe asks. `false` where the store has no channel.
    pub fn relaying(&self) -> bool {
        self.relay.as_ref().is_some_and(|r| !r.is_closed())
    }

    /// A new watcher, hearing every event sent from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }

    /// What this process has done (see [`crate::tally`]).
    pub fn tally(&self) -> &crate::tally::Tally {
        &self.tally
    }

    pub(crate) fn send_all(&self, events: Vec<Event>) {
        self.tally.events(&events);
        if let Some(relay) = &self.relay {
            let _ = relay.send(events);
            return;
        }
        for event in events {
            // No watcher is not an error: the change is stored either way.
            let _ = self.sender.send(event);
        }
    }
}

impl Event {
    /// Whether `staff`'s console may hear this event. An instruction names
    /// its outbox message, and a voice prompt's audio speaks the one-time
    /// code: only the case's holder and supervisors learn of it. The rest
    /// (states, attempts, card statuses) is what every desk's queues show.
    pub fn audible_to(&self, staff: &StaffMember) -> bool {
        match self {
            Event::InstructionQueued { holder, .. } => {
                staff.role >= Role::Supervisor || *holder == Actor::Staff(staff.clone()).label()
            }
            _ => true,
        }
    }

    /// A compact text form, for notifications between processes:
    /// `case:42:unfrozen`, `attempt:42:2`, `card:7:active`,
    /// `outbox:42:13:agent:alice`.
    pub fn encode(&self) -> String {
        match self {
            Event::CaseChanged { case_id, state } => {
                format!("case:{}:{}", case_id.0, state.as_str())
            }
            Event::AttemptFailed { case_id, remaining } => {
                format!("attempt:{}:{remaining}", case_id.0)
            }
            Event::CardChanged { card_id, status } => {
                format!("card:{}:{}", card_id.0, status.as_str())
            }
            Event::InstructionQueued {
                case_id,
                outbox_id,
                holder,
            } => format!("outbox:{}:{outbox_id}:{holder}", case_id.0),
            Event::ApplicationChanged {
                application_id,
                state,
                step,
            } => format!("application:{}:{}/{step}", application_id.0, state.as_str()),
            Event::Missed => carddesk_store::LISTEN_GAP.to_owned(),
        }
    }

    /// Parses [`Event::encode`]'s form.
    pub fn decode(text: &str) -> Option<Self> {
        let mut parts = text.splitn(3, ':');
        let (kind, id, value) = (parts.next()?, parts.next()?.parse().ok()?, parts.next()?);
        Some(match kind {
            "case" => Event::CaseChanged {
                case_id: CaseId(id),
                state: CaseState::parse(value)?,
            },
            "attempt" => Event::AttemptFailed {
                case_id: CaseId(id),
                remaining: value.parse().ok()?,
            },
            "card" => Event::CardChanged {
                card_id: CardId(id),
                status: CardStatusKind::parse(value)?,
            },
            "outbox" => {
                let (outbox_id, holder) = value.split_once(':')?;
                Event::InstructionQueued {
                    case_id: CaseId(id),
                    outbox_id: outbox_id.parse().ok()?,
                    holder: holder.to_owned(),
                }
            }
            "application" => {
                let (state, step) = value.split_once('/')?;
                Event::ApplicationChanged {
                    application_id: carddesk_domain::application::ApplicationId(id),
                    state: carddesk_domain::application::ApplicationState::parse(state)?,
                    step: interview_step_name(step)?,
                }
            }
            _ => return None,
        })
    }
}

/// The static name of an interview step, as encoded.
fn interview_step_name(step: &str) -> Option<&'static str> {
    ["awaiting_uploads", "queued", "claimed", "awaiting_override"]
        .into_iter()
        .find(|s| *s == step)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role, username: &str) -> StaffMember {
        StaffMember {
            username: username.to_owned(),
            role,
        }
    }

    #[test]
    fn instructions_reach_only_their_holder_and_supervisors() {
        let queued = Event::InstructionQueued {
            case_id: CaseId(42),
            outbox_id: 13,
            holder: "agent:alice".to_owned(),
        };
        assert!(queued.audible_to(&staff(Role::Agent, "alice")));
        assert!(queued.audible_to(&staff(Role::Supervisor, "zhang")));
        assert!(!queued.audible_to(&staff(Role::Agent, "bob")));
        // A supervisor named like the holder is not the holder, but hears
        // it as a supervisor; an agent cannot pose as `agent:alice` by name.
        assert!(!queued.audible_to(&staff(Role::Agent, "agent:alice")));
        let changed = Event::CaseChanged {
            case_id: CaseId(42),
            state: CaseState::Instructed,
        };
        assert!(changed.audible_to(&staff(Role::Agent, "bob")));
    }

    #[test]
    fn notifications_round_trip_with_the_holder() {
        for event in [
            Event::InstructionQueued {
                case_id: CaseId(42),
                outbox_id: 13,
                holder: "agent:alice".to_owned(),
            },
            Event::CaseChanged {
                case_id: CaseId(7),
                state: CaseState::Unfrozen,
            },
            Event::AttemptFailed {
                case_id: CaseId(7),
                remaining: 2,
            },
        ] {
            assert_eq!(Event::decode(&event.encode()), Some(event.clone()));
        }
        assert_eq!(Event::decode("outbox:42:13"), None, "no holder, no event");
    }

    #[test]
    fn a_batch_never_repeats_a_payload_in_one_statement() {
        let card = |status| Event::CardChanged {
            card_id: CardId(7),
            status,
        };
        let case = Event::CaseChanged {
            case_id: CaseId(7),
            state: CaseState::Unfrozen,
        };
        let runs = distinct_runs(vec![
            card(CardStatusKind::Frozen),
            case.clone(),
            card(CardStatusKind::Active),
            card(CardStatusKind::Frozen),
        ]);
        let payloads: Vec<Vec<String>> = runs.iter().map(|r| r.1.clone()).collect();
        assert_eq!(
            payloads,
            vec![
                vec![
                    "card:7:frozen".to_owned(),
                    "case:7:unfrozen".to_owned(),
                    "card:7:active".to_owned()
                ],
                vec!["card:7:frozen".to_owned()],
            ],
            "the frozen card after the active one goes in a statement of its own"
        );
        assert_eq!(
            runs.iter().map(|r| r.0.len()).sum::<usize>(),
            4,
            "no event lost"
        );
        assert!(distinct_runs(Vec::new()).is_empty());
    }
}
