//! The remote-unfreeze case and its state machine.
//!
//! ```text
//! marked → packaged → instructed → requested → challenged → verified → (approved →) unfrozen
//!                         exits: locked, expired, cancelled, rejected
//! ```
//!
//! [`CaseState::can_move_to`] is the whole table of legal moves; the methods
//! of [`UnfreezeCase`] add the guards (expiry, attempt limits, approval,
//! maker-checker) and are the only way a case changes.

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::card::{Card, CardId, CardStatus, FreezeReason};
use crate::customer::CustomerId;
use crate::policy::{Credential, PolicyLimits, PolicyRule};
use crate::{Role, StaffMember};

mod state;
pub use state::CaseState;

/// A case's identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseId(pub i64);

/// A move or action the rules forbid. Messages are written for the agent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CaseError {
    /// The move is not in the table.
    #[error("a case cannot move from {} to {}", from.as_str(), to.as_str())]
    IllegalMove {
        /// Current state.
        from: CaseState,
        /// Requested state.
        to: CaseState,
    },
    /// The card is not frozen, so there is nothing to unfreeze.
    #[error("the card is {0}, not frozen: there is nothing to unfreeze")]
    CardNotFrozen(&'static str),
    /// The freeze reason never allows a remote unfreeze.
    #[error("a card frozen for {} cannot be unfrozen remotely: the customer must visit a branch", .0.as_str())]
    NotRemote(FreezeReason),
    /// The one-time code's lifetime has passed.
    #[error("the case's one-time code has expired")]
    CodeExpired,
    /// The attempts are used up (the case is locked).
    #[error("the case allows no more attempts")]
    AttemptsExhausted,
    /// Approval is asked of a case whose policy does not need it, or an
    /// unfreeze of one that still does.
    #[error("this case {}", if *.0 { "needs a supervisor's approval first" } else { "needs no approval" })]
    Approval(bool),
    /// Someone below supervisor tried to approve or reject.
    #[error("only a supervisor may approve or reject a case")]
    NotSupervisor,
    /// The supervisor took a step of the case themselves: opened,
    /// packaged, instructed or resent it (maker-checker).
    #[error("nobody may approve or reject a case they opened, packaged or sent")]
    SameMakerAndChecker,
    /// The card was frozen again for another reason while the case was
    /// open (a court order, say): the case may lift only the freeze it was
    /// opened for.
    #[error("the card is now frozen for {}, not for {}: this case cannot lift it", .now.as_str(), .opened_for.as_str())]
    FreezeChanged {
        /// The reason the case was opened to lift.
        opened_for: FreezeReason,
        /// The card's reason now.
        now: FreezeReason,
    },
}

/// One change of a case's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseTransition {
    /// Before.
    pub from: CaseState,
    /// After.
    pub to: CaseState,
    /// When.
    pub at: DateTime<Utc>,
}

/// What a failed verification led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureOutcome {
    /// The customer may try again this many more times.
    Retry {
        /// Attempts left on this case.
        remaining: u32,
    },
    /// The case is now locked.
    Locked(CaseTransition),
}

/// A remote-unfreeze case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnfreezeCase {
    /// Identifier (0 until stored).
    pub id: CaseId,
    /// The frozen card.
    pub card_id: CardId,
    /// Its holder.
    pub customer_id: CustomerId,
    /// Why the card is frozen.
    pub reason: FreezeReason,
    /// What the customer must give.
    pub credentials: Vec<Credential>,
    /// Whether a supervisor must approve before the unfreeze.
    pub needs_approval: bool,
    /// Where the case stands.
    pub state: CaseState,
    /// Failed verifications so far.
    pub failed_attempts: u32,
    /// Who opened it, as [`crate::Actor::label`].
    pub opened_by: String,
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When the one-time code stops working (set when instructed).
    pub expires_at: Option<DateTime<Utc>>,
}

impl UnfreezeCase {
    /// Opens a case for a frozen card under the rule for its freeze reason.
    /// Refuses cards that are not frozen and reasons the policy never lifts
    /// remotely (court orders).
    pub fn open(
        card: &Card,
        rule: &PolicyRule,
        opened_by: &StaffMember,
        now: DateTime<Utc>,
    ) -> Result<Self, CaseError> {
        let CardStatus::Frozen { reason, .. } = card.status else {
            return Err(CaseError::CardNotFrozen(card.status.kind().as_str()));
        };
        debug_assert_eq!(rule.reason, reason, "the rule must match the card's reason");
        if !rule.remote_unfreeze {
            return Err(CaseError::NotRemote(reason));
        }
        Ok(Self {
            id: CaseId(0),
            card_id: card.id,
            customer_id: card.customer_id,
            reason,
            credentials: rule.credentials.clone(),
            needs_approval: rule.supervisor_approval,
            state: CaseState::Marked,
            failed_attempts: 0,
            opened_by: crate::Actor::Staff(opened_by.clone()).label(),
            opened_at: now,
            updated_at: now,
            expires_at: None,
        })
    }

    /// The reserved info is packaged.
    pub fn package(&mut self, now: DateTime<Utc>) -> Result<CaseTransition, CaseError> {
        self.move_to(CaseState::Packaged, now)
    }

    /// Instructions went out; the one-time code lives for the configured
    /// lifetime from now.
    pub fn instruct(
        &mut self,
        now: DateTime<Utc>,
        limits: &PolicyLimits,
    ) -> Result<CaseTransition, CaseError> {
        let t = self.move_to(CaseState::Instructed, now)?;
        self.expires_at = Some(now + limits.code_lifetime);
        Ok(t)
    }

    /// The instructions go out again with a fresh code, whose lifetime
    /// starts now: only while the customer has not used the previous code
    /// (the case is still instructed, even if that code has run out).
    pub fn reinstruct(
        &mut self,
        now: DateTime<Utc>,
        limits: &PolicyLimits,
    ) -> Result<(), CaseError> {
        if self.state != CaseState::Instructed {
            return Err(CaseError::IllegalMove {
                from: self.state,
                to: CaseState::Instructed,
            });
        }
        self.expires_at = Some(now + limits.code_lifetime);
        self.updated_at = now;
        Ok(())
    }

    /// Whether the code has run out at `now` (and the state is one that can).
    pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
        self.state.can_expire() && self.expires_at.is_some_and(|at| now >= at)
    }

    /// The customer's client asked to unfreeze with the case's code.
    pub fn request(&mut self, now: DateTime<Utc>) -> Result<CaseTransition, CaseError> {
        self.check_live(CaseState::Requested, now)?;
        self.move_to(CaseState::Requested, now)
    }

    /// The customer was told what to provide.
    pub fn challenge(&mut self, now: DateTime<Utc>) -> Result<CaseTransition, CaseError> {
        self.check_live(CaseState::Challenged, now)?;
        self.move_to(CaseState::Challenged, now)
    }

    /// Checks that a verification may be attempted now: the case is
    /// challenged, not expired, and has attempts left.
    pub fn check_can_verify(
        &self,
        now: DateTime<Utc>,
        limits: &PolicyLimits,
    ) -> Result<(), CaseError> {
        if self.state != CaseState::Challenged {
            return Err(CaseError::IllegalMove {
                from: self.state,
                to: CaseState::Verified,
            });
        }
        self.check_live(CaseState::Verified, now)?;
        if self.failed_attempts >= limits.attempts_per_case {
            return Err(CaseError::AttemptsExhausted);
        }
        Ok(())
    }

    /// The uploaded credentials did not match: counts the attempt and locks
    /// the case at the limit. `customer_limit_reached` is true when this
    /// failure used up the customer's allowance over all cases, which locks
    /// the case too.
    pub fn record_failure(
        &mut self,
        now: DateTime<Utc>,
        limits: &PolicyLimits,
        customer_limit_reached: bool,
    ) -> Result<FailureOutcome, CaseError> {
        self.check_can_verify(now, limits)?;
        self.failed_attempts += 1;
        self.updated_at = now;
        if self.failed_attempts >= limits.attempts_per_case || customer_limit_reached {
            Ok(FailureOutcome::Locked(
                self.move_to(CaseState::Locked, now)?,
            ))
        } else {
            Ok(FailureOutcome::Retry {
                remaining: limits.attempts_per_case - self.failed_attempts,
            })
        }
    }

    /// Locks a challenged case without counting an attempt: the customer's
    /// allowance over all cases was already used up before this one.
    pub fn lock(&mut self, now: DateTime<Utc>) -> Result<CaseTransition, CaseError> {
        self.move_to(CaseState::Locked, now)
    }

    /// The uploaded credentials matched the package.
    pub fn verify(
        &mut self,
        now: DateTime<Utc>,
        limits: &PolicyLimits,
    ) -> Result<CaseTransition, CaseError> {
        self.check_can_verify(now, limits)?;
        self.move_to(CaseState::Verified, now)
    }

    /// A supervisor approves a verified case that needs it. The approver
    /// must be a supervisor (or admin) and not the person who opened it.
    pub fn approve(
        &mut self,
        now: DateTime<Utc>,
        approver: &StaffMember,
    ) -> Result<CaseTransition, CaseError> {
        self.check_checker(approver)?;
        if !self.needs_approval {
            return Err(CaseError::Approval(false));
        }
        self.move_to(CaseState::Approved, now)
    }

    /// A supervisor refuses the unfreeze of a verified case.
    pub fn reject(
        &mut self,
        now: DateTime<Utc>,
        approver: &StaffMember,
    ) -> Result<CaseTransition, CaseError> {
        self.check_checker(approver)?;
        self.move_to(CaseState::Rejected, now)
    }

    /// The card is unfrozen: from verified when no approval is needed, or
    /// from approved.
    pub fn unfreeze(&mut self, now: DateTime<Utc>) -> Result<CaseTransition, CaseError> {
        if self.state == CaseState::Verified && self.needs_approval {
            return Err(CaseError::Approval(true));
        }
        self.move_to(CaseState::Unfrozen, now)
    }

    /// Refuses to lift `card` unless it is still frozen for the reason the
    /// case was opened for: a card frozen again for another reason (or no
    /// longer frozen) while the case was open stays as it is.
    pub fn check_lifts(&self, card: &Card) -> Result<(), CaseError> {
        match card.status.freeze_reason() {
            Some(reason) if reason == self.reason => Ok(()),
            Some(reason) => Err(CaseError::FreezeChanged {
                opened_for: self.reason,
                now: reason,
            }),
            None => Err(CaseError::CardNotFrozen(card.status.kind().as_str())),
        }
    }

    /// The code ran out.
    pub fn expire(&mut self, now: DateTime<Utc>) -> Result<CaseTransition, CaseError> {
        if !self.is_expired_at(now) {
            return Err(CaseError::IllegalMove {
                from: self.state,
                to: CaseState::Expired,
            });
        }
        self.move_to(CaseState::Expired, now)
    }

    /// An agent cancels the case.
    pub fn cancel(&mut self, now: DateTime<Utc>) -> Result<CaseTransition, CaseError> {
        self.move_to(CaseState::Cancelled, now)
    }

    fn check_checker(&self, approver: &StaffMember) -> Result<(), CaseError> {
        if approver.role < Role::Supervisor {
            return Err(CaseError::NotSupervisor);
        }
        self.check_not_maker(approver, [self.opened_by.as_str()])
    }

    /// Maker-checker over every step: refuses a checker who is one of the
    /// case's `makers`, the actor labels (`role:username`) of whoever
    /// opened, packaged, instructed or resent it. The case knows only its
    /// opener; the caller reads the others from the steps' audit entries.
    pub fn check_not_maker<'a>(
        &self,
        checker: &StaffMember,
        makers: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), CaseError> {
        // By username, whatever role the label carries (see
        // `StaffMember::is_named_by`).
        if makers.into_iter().any(|maker| checker.is_named_by(maker)) {
            return Err(CaseError::SameMakerAndChecker);
        }
        Ok(())
    }

    fn check_live(&self, to: CaseState, now: DateTime<Utc>) -> Result<(), CaseError> {
        if !self.state.can_move_to(to) && self.state != to {
            return Err(CaseError::IllegalMove {
                from: self.state,
                to,
            });
        }
        if self.is_expired_at(now) {
            return Err(CaseError::CodeExpired);
        }
        Ok(())
    }

    fn move_to(&mut self, to: CaseState, now: DateTime<Utc>) -> Result<CaseTransition, CaseError> {
        if !self.state.can_move_to(to) {
            return Err(CaseError::IllegalMove {
                from: self.state,
                to,
            });
        }
        let from = self.state;
        self.state = to;
        self.updated_at = now;
        Ok(CaseTransition { from, to, at: now })
    }
}
