//! What this process has done, counted for the server's metrics: cases
//! entering each state and failed verifications (counted where the change
//! was made, before its event travels to other processes, so a shared
//! database does not count one change once per server), and instruction
//! deliveries by channel and outcome. Plain atomics: counting costs a few
//! nanoseconds on the paths it watches.

use std::sync::atomic::{AtomicU64, Ordering};

use carddesk_domain::CaseState;

use crate::Event;

/// Delivery outcomes, in the order [`Tally::deliveries`] reports them.
pub const DELIVERY_OUTCOMES: [&str; 4] = ["sent", "retry", "failed", "lost"];
/// Delivery channels, in the order [`Tally::deliveries`] reports them.
pub const DELIVERY_CHANNELS: [&str; 2] = ["text", "voice"];

/// The counters.
#[derive(Debug, Default)]
pub struct Tally {
    entered: [AtomicU64; CaseState::ALL.len()],
    attempts_failed: AtomicU64,
    deliveries: [[AtomicU64; DELIVERY_OUTCOMES.len()]; DELIVERY_CHANNELS.len()],
}

impl Tally {
    /// Counts what `events` say happened here.
    pub(crate) fn events(&self, events: &[Event]) {
        for event in events {
            match event {
                Event::CaseChanged { state, .. } => {
                    if let Some(i) = CaseState::ALL.iter().position(|s| s == state) {
                        self.entered[i].fetch_add(1, Ordering::Relaxed);
                    }
                }
                Event::AttemptFailed { .. } => {
                    self.attempts_failed.fetch_add(1, Ordering::Relaxed);
                }
                Event::CardChanged { .. }
                | Event::InstructionQueued { .. }
                | Event::ApplicationChanged { .. }
                | Event::Missed => {}
            }
        }
    }

    /// Counts one settled delivery attempt.
    pub(crate) fn delivery(&self, channel: &str, outcome: &str) {
        let c = DELIVERY_CHANNELS.iter().position(|x| *x == channel);
        let o = DELIVERY_OUTCOMES.iter().position(|x| *x == outcome);
        if let (Some(c), Some(o)) = (c, o) {
            self.deliveries[c][o].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Cases that entered each state here, by state.
    pub fn cases_entered(&self) -> Vec<(CaseState, u64)> {
        CaseState::ALL
            .iter()
            .zip(&self.entered)
            .map(|(state, n)| (*state, n.load(Ordering::Relaxed)))
            .collect()
    }

    /// Failed verifications counted here.
    pub fn attempts_failed(&self) -> u64 {
        self.attempts_failed.load(Ordering::Relaxed)
    }

    /// Delivery attempts settled here, as (channel, outcome, count).
    pub fn deliveries(&self) -> Vec<(&'static str, &'static str, u64)> {
        let mut out = Vec::new();
        for (c, channel) in DELIVERY_CHANNELS.iter().enumerate() {
            for (o, outcome) in DELIVERY_OUTCOMES.iter().enumerate() {
                out.push((
                    *channel,
                    *outcome,
                    self.deliveries[c][o].load(Ordering::Relaxed),
                ));
            }
        }
        out
    }
}
