//! The limits every application obeys.

use chrono::Duration;

/// The bank's numbers for virtual-card applications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationLimits {
    /// How long an application may take from submission to the card.
    pub application_lifetime: Duration,
    /// How long the two-card route's one-time code lives.
    pub code_lifetime: Duration,
    /// Failed attempts (card proofs and codes together, or an interview's
    /// verdicts of retry) before the application is rejected, as the
    /// unfreeze case's three.
    pub max_attempts: u32,
    /// Applications one person may submit in 24 hours.
    pub per_person_per_day: u32,
    /// Applications one client address may submit in 24 hours.
    pub per_address_per_day: u32,
    /// How long an interview may wait in the queue before it is late.
    pub interview_sla: Duration,
}

impl Default for ApplicationLimits {
    fn default() -> Self {
        Self {
            application_lifetime: Duration::hours(24),
            code_lifetime: Duration::minutes(10),
            max_attempts: 3,
            per_person_per_day: 3,
            per_address_per_day: 10,
            interview_sla: Duration::minutes(30),
        }
    }
}
