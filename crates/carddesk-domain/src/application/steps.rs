//! The progress inside `routed`: each route's own steps, and the
//! [`Application`] methods that take them.

use chrono::{DateTime, Utc};

use super::{
    Application, ApplicationError, ApplicationLimits, ApplicationTransition, AuthRoute, Verdict,
};
use crate::card::CardId;

/// Where a two-card authentication stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TwoCardStep {
    /// Waiting for the existing card's number and transaction password.
    AwaitingCard,
    /// The card was proven; a one-time code went to the phone on file for
    /// it and is waited for until `code_expires_at`.
    AwaitingCode {
        /// The existing card that was proven.
        card: CardId,
        /// When the code stops working.
        code_expires_at: DateTime<Utc>,
    },
}

impl TwoCardStep {
    /// The name used in storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            TwoCardStep::AwaitingCard => "awaiting_card",
            TwoCardStep::AwaitingCode { .. } => "awaiting_code",
        }
    }
}

/// Where a video interview stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterviewStep {
    /// Waiting for the ID photos, the selfie and the video (again, after a
    /// verdict of retry).
    AwaitingUploads,
    /// Everything is uploaded; in the agents' queue since then.
    Queued {
        /// When it entered the queue (its age is measured from here).
        since: DateTime<Utc>,
    },
    /// An agent is reviewing it.
    Claimed {
        /// When it entered the queue.
        since: DateTime<Utc>,
        /// The reviewer, as an actor label (`agent:li`).
        by: String,
    },
    /// The reviewer passed it with a checklist item unticked: a supervisor
    /// other than the reviewer must approve the override.
    AwaitingOverride {
        /// When it entered the queue.
        since: DateTime<Utc>,
        /// The reviewer, as an actor label.
        by: String,
    },
}

impl InterviewStep {
    /// The name used in storage and APIs.
    pub fn as_str(&self) -> &'static str {
        match self {
            InterviewStep::AwaitingUploads => "awaiting_uploads",
            InterviewStep::Queued { .. } => "queued",
            InterviewStep::Claimed { .. } => "claimed",
            InterviewStep::AwaitingOverride { .. } => "awaiting_override",
        }
    }

    /// When it entered the queue, once it has.
    pub fn queued_since(&self) -> Option<DateTime<Utc>> {
        match self {
            InterviewStep::AwaitingUploads => None,
            InterviewStep::Queued { since }
            | InterviewStep::Claimed { since, .. }
            | InterviewStep::AwaitingOverride { since, .. } => Some(*since),
        }
    }

    /// The reviewer, once claimed.
    pub fn reviewer(&self) -> Option<&str> {
        match self {
            InterviewStep::Claimed { by, .. } | InterviewStep::AwaitingOverride { by, .. } => {
                Some(by)
            }
            _ => None,
        }
    }
}

/// What a recorded verdict did to the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictOutcome {
    /// Passed: the application is authenticated (and the card is issued).
    Authenticated(ApplicationTransition),
    /// Failed: the application is rejected.
    Rejected(ApplicationTransition),
    /// The applicant is asked to upload again.
    Retry,
    /// Passed with an item unticked: waits for a supervisor.
    AwaitingOverride,
}

impl Application {
    /// The existing card and its transaction password matched: the code
    /// goes out and lives for the configured lifetime.
    pub fn card_proven(
        &mut self,
        card: CardId,
        now: DateTime<Utc>,
        limits: &ApplicationLimits,
    ) -> Result<(), ApplicationError> {
        self.check_step(AuthRoute::TwoCard, now, limits)?;
        if self.two_card != TwoCardStep::AwaitingCard {
            return Err(ApplicationError::OutOfOrder);
        }
        self.two_card = TwoCardStep::AwaitingCode {
            card,
            code_expires_at: now + limits.code_lifetime,
        };
        self.updated_at = now;
        Ok(())
    }

    /// Checks that a code may be tried now: the card was proven and the
    /// code has not run out. Returns the proven card.
    pub fn check_code_step(
        &self,
        now: DateTime<Utc>,
        limits: &ApplicationLimits,
    ) -> Result<CardId, ApplicationError> {
        self.check_step(AuthRoute::TwoCard, now, limits)?;
        match self.two_card {
            TwoCardStep::AwaitingCode {
                card,
                code_expires_at,
            } if now < code_expires_at => Ok(card),
            TwoCardStep::AwaitingCode { .. } => Err(ApplicationError::Expired),
            TwoCardStep::AwaitingCard => Err(ApplicationError::OutOfOrder),
        }
    }

    /// The applicant uploaded everything the interview needs: it joins the
    /// queue.
    pub fn uploads_complete(
        &mut self,
        now: DateTime<Utc>,
        limits: &ApplicationLimits,
    ) -> Result<(), ApplicationError> {
        self.check_step(AuthRoute::VideoInterview, now, limits)?;
        if self.interview != InterviewStep::AwaitingUploads {
            return Err(ApplicationError::OutOfOrder);
        }
        self.interview = InterviewStep::Queued { since: now };
        self.updated_at = now;
        Ok(())
    }

    /// Checks that uploads are taken now (the interview waits for them).
    pub fn check_upload_step(
        &self,
        now: DateTime<Utc>,
        limits: &ApplicationLimits,
    ) -> Result<(), ApplicationError> {
        self.check_step(AuthRoute::VideoInterview, now, limits)?;
        if self.interview != InterviewStep::AwaitingUploads {
            return Err(ApplicationError::OutOfOrder);
        }
        Ok(())
    }

    /// An agent takes the interview from the queue, or a supervisor gives
    /// it to `reviewer` (`reassign`), even while someone else holds it.
    pub fn claim(
        &mut self,
        reviewer: &str,
        reassign: bool,
        now: DateTime<Utc>,
        limits: &ApplicationLimits,
    ) -> Result<(), ApplicationError> {
        self.check_step(AuthRoute::VideoInterview, now, limits)?;
        let since = match &self.interview {
            InterviewStep::Queued { since } => *since,
            InterviewStep::Claimed { since, by } if reassign || by == reviewer => *since,
            InterviewStep::Claimed { .. } => return Err(ApplicationError::NotReviewer),
            _ => return Err(ApplicationError::OutOfOrder),
        };
        self.interview = InterviewStep::Claimed {
            since,
            by: reviewer.to_owned(),
        };
        self.updated_at = now;
        Ok(())
    }

    /// The reviewer records their verdict.
    pub fn decide(
        &mut self,
        reviewer: &str,
        verdict: &Verdict,
        now: DateTime<Utc>,
        limits: &ApplicationLimits,
    ) -> Result<VerdictOutcome, ApplicationError> {
        self.check_step(AuthRoute::VideoInterview, now, limits)?;
        verdict.check()?;
        let since = match &self.interview {
            InterviewStep::Claimed { since, by } if by == reviewer => *since,
            InterviewStep::Claimed { .. } => return Err(ApplicationError::NotReviewer),
            _ => return Err(ApplicationError::OutOfOrder),
        };
        Ok(match verdict {
            Verdict::Pass { checklist } if checklist.is_complete() => {
                VerdictOutcome::Authenticated(self.authenticate(now)?)
            }
            Verdict::Pass { .. } => {
                self.interview = InterviewStep::AwaitingOverride {
                    since,
                    by: reviewer.to_owned(),
                };
                self.updated_at = now;
                VerdictOutcome::AwaitingOverride
            }
            Verdict::Fail { .. } => VerdictOutcome::Rejected(self.reject(now)?),
            Verdict::Retry { .. } => {
                self.interview = InterviewStep::AwaitingUploads;
                self.updated_at = now;
                VerdictOutcome::Retry
            }
        })
    }

    /// A supervisor approves a pass given with an item unticked; never the
    /// one who reviewed it (maker-checker).
    pub fn approve_override(
        &mut self,
        supervisor: &str,
        now: DateTime<Utc>,
        limits: &ApplicationLimits,
    ) -> Result<ApplicationTransition, ApplicationError> {
        self.check_step(AuthRoute::VideoInterview, now, limits)?;
        match &self.interview {
            InterviewStep::AwaitingOverride { by, .. } if by == supervisor => {
                Err(ApplicationError::SameMakerAndChecker)
            }
            InterviewStep::AwaitingOverride { .. } => self.authenticate(now),
            _ => Err(ApplicationError::OutOfOrder),
        }
    }

    /// A supervisor declines a pass given with an item unticked: the
    /// application is rejected; never by the reviewer themselves.
    pub fn decline_override(
        &mut self,
        supervisor: &str,
        now: DateTime<Utc>,
        limits: &ApplicationLimits,
    ) -> Result<ApplicationTransition, ApplicationError> {
        self.check_step(AuthRoute::VideoInterview, now, limits)?;
        match &self.interview {
            InterviewStep::AwaitingOverride { by, .. } if by == supervisor => {
                Err(ApplicationError::SameMakerAndChecker)
            }
            InterviewStep::AwaitingOverride { .. } => self.reject(now),
            _ => Err(ApplicationError::OutOfOrder),
        }
    }
}
