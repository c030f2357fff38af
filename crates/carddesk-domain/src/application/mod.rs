//! The virtual-card application (job 2) and its state machine.
//!
//! ```text
//! submitted → routed(two_card | video_interview) → authenticated → issued
//!                  exits: rejected, expired, withdrawn
//! ```
//!
//! [`ApplicationState::can_move_to`] is the whole table of legal moves;
//! [`Application`]'s methods add the guards (the route, attempts, expiry,
//! who reviews) and are the only way an application changes. What happens
//! inside `routed` is the route's own progress: [`TwoCardStep`] for a
//! secondary application, [`InterviewStep`] for a first one.

mod interview;
mod limits;
mod product;
mod steps;

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::customer::CustomerId;

pub use interview::{Checklist, ChecklistItem, Verdict, VerdictError, VerdictReason};
pub use limits::ApplicationLimits;
pub use product::{
    IssuedNumber, ProductError, SerialPermutation, VIRTUAL_PRODUCTS, VirtualProduct,
};

/// An application's identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApplicationId(pub i64);

/// Which authentication page the transit service sent the applicant to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthRoute {
    /// A secondary application: the applicant proves they hold their
    /// existing card.
    TwoCard,
    /// A first card: ID photos, a selfie and a video, reviewed by an agent.
    VideoInterview,
}

impl AuthRoute {
    /// The page identifier used in storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthRoute::TwoCard => "two_card",
            AuthRoute::VideoInterview => "video_interview",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "two_card" => Some(AuthRoute::TwoCard),
            "video_interview" => Some(AuthRoute::VideoInterview),
            _ => None,
        }
    }
}

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApplicationState {
    /// Received; the transit service has not routed it yet.
    Submitted,
    /// Sent to an authentication page.
    Routed,
    /// The applicant passed authentication.
    Authenticated,
    /// The card is issued: done.
    Issued,
    /// Authentication failed for good (attempts used up, an interview
    /// failed).
    Rejected,
    /// The applicant did not finish in time.
    Expired,
    /// The applicant gave up.
    Withdrawn,
}

impl ApplicationState {
    /// Every state, in flow order then exits.
    pub const ALL: [ApplicationState; 7] = [
        ApplicationState::Submitted,
        ApplicationState::Routed,
        ApplicationState::Authenticated,
        ApplicationState::Issued,
        ApplicationState::Rejected,
        ApplicationState::Expired,
        ApplicationState::Withdrawn,
    ];

    /// The name used in storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationState::Submitted => "submitted",
            ApplicationState::Routed => "routed",
            ApplicationState::Authenticated => "authenticated",
            ApplicationState::Issued => "issued",
            ApplicationState::Rejected => "rejected",
            ApplicationState::Expired => "expired",
            ApplicationState::Withdrawn => "withdrawn",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Final states never move again.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ApplicationState::Issued
                | ApplicationState::Rejected
                | ApplicationState::Expired
                | ApplicationState::Withdrawn
        )
    }

    /// The table of legal moves. Every other pair is an error.
    pub fn can_move_to(self, to: ApplicationState) -> bool {
        use ApplicationState::*;
        matches!(
            (self, to),
            (Submitted, Routed)
                | (Routed, Authenticated)
                | (Authenticated, Issued)
                | (Submitted | Routed, Rejected)
                | (Submitted | Routed | Authenticated, Expired)
                | (Submitted | Routed, Withdrawn)
        )
    }
}

/// A move or action the rules forbid. Messages are written for the
/// applicant or the agent and never say which credential was wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApplicationError {
    /// The move is not in the table.
    #[error("an application cannot move from {} to {}", from.as_str(), to.as_str())]
    IllegalMove {
        /// Current state.
        from: ApplicationState,
        /// Requested state.
        to: ApplicationState,
    },
    /// The step belongs to the other authentication route.
    #[error("this application authenticates by {}", .0.as_str())]
    WrongRoute(AuthRoute),
    /// The step is not the one the route is waiting for.
    #[error("that step is not the next one for this application")]
    OutOfOrder,
    /// The application (or its one-time code) outlived its lifetime.
    #[error("the application or its code has expired")]
    Expired,
    /// The attempts are used up.
    #[error("the application allows no more attempts")]
    AttemptsExhausted,
    /// The interview is someone else's to review.
    #[error("another agent is reviewing this interview")]
    NotReviewer,
    /// Someone who claimed, reassigned or reviewed the interview, or asked
    /// for its override, would decide the override (maker-checker).
    #[error("nobody may decide the override of an interview they claimed, reassigned or reviewed")]
    SameMakerAndChecker,
    /// A verdict that breaks its own rules.
    #[error(transparent)]
    Verdict(#[from] VerdictError),
}

/// One change of an application's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApplicationTransition {
    /// Before.
    pub from: ApplicationState,
    /// After.
    pub to: ApplicationState,
    /// When.
    pub at: DateTime<Utc>,
}

pub use steps::{InterviewStep, TwoCardStep, VerdictOutcome};

/// What a failed authentication attempt led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The applicant may try again this many more times.
    Retry {
        /// Attempts left.
        remaining: u32,
    },
    /// The attempts are used up: the application is rejected.
    Rejected(ApplicationTransition),
}

/// A virtual-card application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// Identifier (0 until stored).
    pub id: ApplicationId,
    /// The product applied for (a [`VirtualProduct`] code).
    pub product: String,
    /// Where it stands.
    pub state: ApplicationState,
    /// The route, once routed.
    pub route: Option<AuthRoute>,
    /// The bank's customer the applicant already is (a secondary
    /// application), or the one made when the card is issued.
    pub customer_id: Option<CustomerId>,
    /// Failed authentication attempts so far.
    pub failed_attempts: u32,
    /// Progress on the two-card route.
    pub two_card: TwoCardStep,
    /// Progress on the video-interview route.
    pub interview: InterviewStep,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it runs out unless finished.
    pub expires_at: DateTime<Utc>,
}

impl Application {
    /// A new application, submitted now.
    pub fn submit(
        product: &VirtualProduct,
        now: DateTime<Utc>,
        limits: &ApplicationLimits,
    ) -> Self {
        Self {
            id: ApplicationId(0),
            product: product.code.to_owned(),
            state: ApplicationState::Submitted,
            route: None,
            customer_id: None,
            failed_attempts: 0,
            two_card: TwoCardStep::AwaitingCard,
            interview: InterviewStep::AwaitingUploads,
            submitted_at: now,
            updated_at: now,
            expires_at: now + limits.application_lifetime,
        }
    }

    /// The transit service's decision: a secondary application (one by an
    /// existing customer) goes to two-card authentication, a first one to
    /// the video interview.
    pub fn route(
        &mut self,
        existing_customer: Option<CustomerId>,
        now: DateTime<Utc>,
    ) -> Result<ApplicationTransition, ApplicationError> {
        let t = self.move_to(ApplicationState::Routed, now)?;
        self.customer_id = existing_customer;
        self.route = Some(if existing_customer.is_some() {
            AuthRoute::TwoCard
        } else {
            AuthRoute::VideoInterview
        });
        Ok(t)
    }

    /// Whether it has run out at `now` (and is in a state that can).
    pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
        !self.state.is_final() && now >= self.expires_at
    }

    /// Checks that a step of `route` may be taken now: routed that way, not
    /// expired, attempts left.
    pub fn check_step(
        &self,
        route: AuthRoute,
        now: DateTime<Utc>,
        limits: &ApplicationLimits,
    ) -> Result<(), ApplicationError> {
        if self.state != ApplicationState::Routed {
            return Err(ApplicationError::IllegalMove {
                from: self.state,
                to: ApplicationState::Authenticated,
            });
        }
        if self.route != Some(route) {
            return Err(ApplicationError::WrongRoute(self.route.unwrap_or(route)));
        }
        if self.is_expired_at(now) {
            return Err(ApplicationError::Expired);
        }
        if self.failed_attempts >= limits.max_attempts {
            return Err(ApplicationError::AttemptsExhausted);
        }
        Ok(())
    }

    /// Counts a failed attempt (a card proof or a code that did not match);
    /// the last one allowed rejects the application.
    pub fn record_failure(
        &mut self,
        now: DateTime<Utc>,
        limits: &ApplicationLimits,
    ) -> Result<AttemptOutcome, ApplicationError> {
        self.failed_attempts += 1;
        self.updated_at = now;
        if self.failed_attempts >= limits.max_attempts {
            Ok(AttemptOutcome::Rejected(
                self.move_to(ApplicationState::Rejected, now)?,
            ))
        } else {
            Ok(AttemptOutcome::Retry {
                remaining: limits.max_attempts - self.failed_attempts,
            })
        }
    }

    /// The applicant passed their route's authentication.
    pub fn authenticate(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<ApplicationTransition, ApplicationError> {
        self.move_to(ApplicationState::Authenticated, now)
    }

    /// The card is issued, to `customer` (made at issue for a first card).
    pub fn issue(
        &mut self,
        customer: CustomerId,
        now: DateTime<Utc>,
    ) -> Result<ApplicationTransition, ApplicationError> {
        let t = self.move_to(ApplicationState::Issued, now)?;
        self.customer_id = Some(customer);
        Ok(t)
    }

    /// An interview failed, or the rules refuse it for good.
    pub fn reject(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<ApplicationTransition, ApplicationError> {
        self.move_to(ApplicationState::Rejected, now)
    }

    /// The applicant gave up.
    pub fn withdraw(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<ApplicationTransition, ApplicationError> {
        self.move_to(ApplicationState::Withdrawn, now)
    }

    /// The application ran out (only once it has).
    pub fn expire(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<ApplicationTransition, ApplicationError> {
        if !self.is_expired_at(now) {
            return Err(ApplicationError::IllegalMove {
                from: self.state,
                to: ApplicationState::Expired,
            });
        }
        self.move_to(ApplicationState::Expired, now)
    }

    fn move_to(
        &mut self,
        to: ApplicationState,
        now: DateTime<Utc>,
    ) -> Result<ApplicationTransition, ApplicationError> {
        let from = self.state;
        if !from.can_move_to(to) {
            return Err(ApplicationError::IllegalMove { from, to });
        }
        self.state = to;
        self.updated_at = now;
        Ok(ApplicationTransition { from, to, at: now })
    }
}

#[cfg(test)]
mod tests;
