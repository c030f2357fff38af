//! The unfreeze policy: per freeze reason, whether a card may be unfrozen
//! remotely, which credentials the customer must give, and whether a
//! supervisor must approve; plus the limits every case obeys.
//!
//! The policy is data (the store keeps it, the console shows it to the agent
//! before a package is made); [`UnfreezePolicy::default`] is the bank's table
//! from the domain description.

use chrono::Duration;
use thiserror::Error;

use crate::card::FreezeReason;

/// A credential the customer may be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Credential {
    /// The identity-document number.
    IdNumber,
    /// The card's transaction password.
    TransactionPassword,
}

impl Credential {
    /// The name used in storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Credential::IdNumber => "id_number",
            Credential::TransactionPassword => "transaction_password",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "id_number" => Some(Credential::IdNumber),
            "transaction_password" => Some(Credential::TransactionPassword),
            _ => None,
        }
    }
}

/// The rule for one freeze reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRule {
    /// The freeze reason it governs.
    pub reason: FreezeReason,
    /// Whether the card may be unfrozen without a branch visit.
    pub remote_unfreeze: bool,
    /// What the customer must give, in the order asked.
    pub credentials: Vec<Credential>,
    /// Whether a supervisor must approve after verification (maker-checker).
    pub supervisor_approval: bool,
}

/// A policy table the rules forbid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    /// A reason has no rule, or two.
    #[error("the policy must have exactly one rule for {0}")]
    Coverage(&'static str),
    /// A court or regulator order was made remotely unfreezable.
    #[error("a court or regulator order can never be lifted remotely")]
    CourtOrderRemote,
    /// A remote rule asks for no credential.
    #[error("a remote unfreeze for {0} must ask for at least one credential")]
    NoCredential(&'static str),
}

/// The whole policy table, one rule per freeze reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnfreezePolicy {
    rules: Vec<PolicyRule>,
}

impl UnfreezePolicy {
    /// Builds a policy from rules, checking it covers every reason once,
    /// never lifts a court order remotely, and asks at least one credential
    /// wherever it allows a remote unfreeze.
    pub fn new(rules: Vec<PolicyRule>) -> Result<Self, PolicyError> {
        for reason in FreezeReason::ALL {
            if rules.iter().filter(|r| r.reason == reason).count() != 1 {
                return Err(PolicyError::Coverage(reason.as_str()));
            }
        }
        for rule in &rules {
            if rule.reason == FreezeReason::CourtOrder && rule.remote_unfreeze {
                return Err(PolicyError::CourtOrderRemote);
            }
            if rule.remote_unfreeze && rule.credentials.is_empty() {
                return Err(PolicyError::NoCredential(rule.reason.as_str()));
            }
        }
        let mut rules = rules;
        rules.sort_by_key(|r| r.reason);
        Ok(Self { rules })
    }

    /// The rule for a reason.
    pub fn rule(&self, reason: FreezeReason) -> &PolicyRule {
        // `new` guarantees one rule per reason, sorted in `FreezeReason` order.
        &self.rules[FreezeReason::ALL
            .iter()
            .position(|r| *r == reason)
            .unwrap_or_default()]
    }

    /// All rules, in the order of [`FreezeReason::ALL`].
    pub fn rules(&self) -> &[PolicyRule] {
        &self.rules
    }
}

impl Default for UnfreezePolicy {
    fn default() -> Self {
        let both = vec![Credential::IdNumber, Credential::TransactionPassword];
        let rule = |reason, remote, approval| PolicyRule {
            reason,
            remote_unfreeze: remote,
            credentials: if remote { both.clone() } else { Vec::new() },
            supervisor_approval: approval,
        };
        Self {
            rules: vec![
                rule(FreezeReason::WrongPinLimit, true, false),
                rule(FreezeReason::CustomerRequest, true, false),
                rule(FreezeReason::Dormant, true, false),
                rule(FreezeReason::SuspiciousTransaction, true, true),
                rule(FreezeReason::RiskReview, true, true),
                rule(FreezeReason::CourtOrder, false, false),
            ],
        }
    }
}

/// The numbers every case obeys; configuration, with the bank's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyLimits {
    /// Failed verifications a case allows before it locks.
    pub attempts_per_case: u32,
    /// Failed verifications a customer may make over all cases in
    /// [`PolicyLimits::failure_window`].
    pub failures_per_customer: u32,
    /// The window for [`PolicyLimits::failures_per_customer`].
    pub failure_window: Duration,
    /// How long an instruction's one-time code stays valid.
    pub code_lifetime: Duration,
}

impl Default for PolicyLimits {
    fn default() -> Self {
        Self {
            attempts_per_case: 3,
            failures_per_customer: 5,
            failure_window: Duration::hours(24),
            code_lifetime: Duration::minutes(15),
        }
    }
}
