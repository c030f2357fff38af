//! The video interview's checklist and the reviewer's verdict.

use std::collections::BTreeSet;

use thiserror::Error;

/// What the reviewer confirms before passing an interview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChecklistItem {
    /// The face in the selfie and the video matches the ID photo.
    FaceMatchesId,
    /// The applicant is live, not a photo or a replay.
    Liveness,
    /// The document looks genuine and undamaged.
    DocumentGenuine,
    /// The applicant consented on camera.
    ConsentGiven,
    /// The applicant answered the questions themselves, alone.
    QuestionsAnswered,
}

impl ChecklistItem {
    /// Every item, in the order the console lists them.
    pub const ALL: [ChecklistItem; 5] = [
        ChecklistItem::FaceMatchesId,
        ChecklistItem::Liveness,
        ChecklistItem::DocumentGenuine,
        ChecklistItem::ConsentGiven,
        ChecklistItem::QuestionsAnswered,
    ];

    /// The name used in storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            ChecklistItem::FaceMatchesId => "face_matches_id",
            ChecklistItem::Liveness => "liveness",
            ChecklistItem::DocumentGenuine => "document_genuine",
            ChecklistItem::ConsentGiven => "consent_given",
            ChecklistItem::QuestionsAnswered => "questions_answered",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Why an interview failed or must be retried: a fixed list, so the
/// applicant can be told in their language and queues can be counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VerdictReason {
    /// The face does not match the ID photo.
    FaceMismatch,
    /// Not live, or a replay.
    NotLive,
    /// The document is not genuine, or damaged.
    DocumentNotGenuine,
    /// A photo cannot be read.
    PhotoUnreadable,
    /// Consent was not given.
    ConsentMissing,
    /// The questions were not answered.
    QuestionsUnanswered,
    /// Someone else was present or prompting.
    SomeoneElsePresent,
}

impl VerdictReason {
    /// Every reason, in the order the console lists them.
    pub const ALL: [VerdictReason; 7] = [
        VerdictReason::FaceMismatch,
        VerdictReason::NotLive,
        VerdictReason::DocumentNotGenuine,
        VerdictReason::PhotoUnreadable,
        VerdictReason::ConsentMissing,
        VerdictReason::QuestionsUnanswered,
        VerdictReason::SomeoneElsePresent,
    ];

    /// The name used in storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictReason::FaceMismatch => "face_mismatch",
            VerdictReason::NotLive => "not_live",
            VerdictReason::DocumentNotGenuine => "document_not_genuine",
            VerdictReason::PhotoUnreadable => "photo_unreadable",
            VerdictReason::ConsentMissing => "consent_missing",
            VerdictReason::QuestionsUnanswered => "questions_unanswered",
            VerdictReason::SomeoneElsePresent => "someone_else_present",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The items a reviewer ticked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checklist(pub BTreeSet<ChecklistItem>);

impl Checklist {
    /// Every item ticked.
    pub fn is_complete(&self) -> bool {
        ChecklistItem::ALL.iter().all(|i| self.0.contains(i))
    }
}

/// The reviewer's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The applicant is who they say and consented: issue the card. With an
    /// item unticked, a supervisor must approve the override.
    Pass {
        /// What was confirmed.
        checklist: Checklist,
    },
    /// Refused for good.
    Fail {
        /// Why (at least one).
        reasons: BTreeSet<VerdictReason>,
    },
    /// The applicant may upload again.
    Retry {
        /// What to do better (at least one).
        reasons: BTreeSet<VerdictReason>,
    },
}

/// A verdict that breaks its own rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum VerdictError {
    /// A fail or a retry must say why.
    #[error("a fail or a retry needs at least one reason")]
    NoReason,
}

impl Verdict {
    /// The name used in storage and APIs.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Pass { .. } => "pass",
            Verdict::Fail { .. } => "fail",
            Verdict::Retry { .. } => "retry",
        }
    }

    /// The reasons given (none for a pass).
    pub fn reasons(&self) -> Vec<VerdictReason> {
        match self {
            Verdict::Pass { .. } => Vec::new(),
            Verdict::Fail { reasons } | Verdict::Retry { reasons } => {
                reasons.iter().copied().collect()
            }
        }
    }

    /// Checks the verdict's own rules.
    pub fn check(&self) -> Result<(), VerdictError> {
        match self {
            Verdict::Pass { .. } => Ok(()),
            Verdict::Fail { reasons } | Verdict::Retry { reasons } if reasons.is_empty() => {
                Err(VerdictError::NoReason)
            }
            _ => Ok(()),
        }
    }
}
