//! The progress inside `routed`: each route's own steps, and the
//! [`Application`] methods that take them.

use chrono::{DateTime, Utc};

use super::{
    Application, ApplicationError, ApplicationLimits, ApplicationTransition, AuthRoute, Verdict,
};
use crate::StaffMember;
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
    /// who took no part in the interview must approve the override
    /// ([`Application::approve_override`]).
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
    /// A retry asked for once too often: the application is rejected
    /// instead (the retries count against the application's attempts).
    RetriesUsedUp(ApplicationTransition),
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
                // Each retry texts the applicant and reopens the uploads,
                // so it counts as a failed attempt: without a bound an
                // application could be sent back for ever.
                self.failed_attempts += 1;
                self.updated_at = now;
                if self.failed_attempts >= limits.max_attempts {
                    VerdictOutcome::RetriesUsedUp(self.reject(now)?)
                } else {
                    self.interview = InterviewStep::AwaitingUploads;
                    VerdictOutcome::Retry
                }
            }
        })
    }

    /// A supervisor approves a pass given with an item unticked (the card
    /// is then issued), under maker-checker ([`Self::check_override`]).
    pub fn approve_override<'a>(
        &mut self,
        checker: &StaffMember,
        makers: impl IntoIterator<Item = &'a str>,
        now: DateTime<Utc>,
        limits: &ApplicationLimits,
    ) -> Result<ApplicationTransition, ApplicationError> {
        self.check_override(checker, makers, now, limits)?;
        self.authenticate(now)
    }

    /// A supervisor declines a pass given with an item unticked: the
    /// application is rejected, under maker-checker
    /// ([`Self::check_override`]).
    pub fn decline_override<'a>(
        &mut self,
        checker: &StaffMember,
        makers: impl IntoIterator<Item = &'a str>,
        now: DateTime<Utc>,
        limits: &ApplicationLimits,
    ) -> Result<ApplicationTransition, ApplicationError> {
        self.check_override(checker, makers, now, limits)?;
        self.reject(now)
    }

    /// Maker-checker on an override: nobody approves or declines one on an
    /// application they claimed, reassigned, gave any verdict on (a retry
    /// included) or asked the override for. `makers` are the actor labels
    /// (`role:username`) of whoever claimed, reassigned or gave a verdict
    /// on it: the application knows only who asked for the override, so
    /// the caller reads the others from those steps' records, under the
    /// same lock the steps take. People are compared by username, whatever
    /// role a label carries ([`StaffMember::is_named_by`]), so a reviewer
    /// since made supervisor is still the maker.
    pub fn check_override<'a>(
        &self,
        checker: &StaffMember,
        makers: impl IntoIterator<Item = &'a str>,
        now: DateTime<Utc>,
        limits: &ApplicationLimits,
    ) -> Result<(), ApplicationError> {
        self.check_step(AuthRoute::VideoInterview, now, limits)?;
        let InterviewStep::AwaitingOverride { by, .. } = &self.interview else {
            return Err(ApplicationError::OutOfOrder);
        };
        if checker.is_named_by(by) || makers.into_iter().any(|maker| checker.is_named_by(maker)) {
            return Err(ApplicationError::SameMakerAndChecker);
        }
        Ok(())
    }
}
