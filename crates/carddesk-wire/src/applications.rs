//! Virtual-card applications as the desk shows them.

use serde::{Deserialize, Serialize};

crate::mirror_enum! {
    /// Where an application stands.
    ApplicationState <=> carddesk_domain::application::ApplicationState {
        Submitted, Routed, Authenticated, Issued, Rejected, Expired, Withdrawn
    }
}

crate::mirror_enum! {
    /// The authentication page the transit service chose.
    AuthRoute <=> carddesk_domain::application::AuthRoute {
        TwoCard, VideoInterview
    }
}

crate::mirror_enum! {
    /// What a reviewer confirms before passing an interview.
    ChecklistItem <=> carddesk_domain::application::ChecklistItem {
        FaceMatchesId, Liveness, DocumentGenuine, ConsentGiven, QuestionsAnswered
    }
}

crate::mirror_enum! {
    /// Why an interview failed or must be retried.
    VerdictReason <=> carddesk_domain::application::VerdictReason {
        FaceMismatch, NotLive, DocumentNotGenuine, PhotoUnreadable, ConsentMissing,
        QuestionsUnanswered, SomeoneElsePresent
    }
}

/// Where a video interview stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InterviewStep {
    /// Waiting for the applicant's uploads.
    AwaitingUploads,
    /// In the agents' queue.
    Queued,
    /// An agent is reviewing it.
    Claimed,
    /// Passed with an item unticked: waiting for a supervisor.
    AwaitingOverride,
}

impl InterviewStep {
    /// The step a stored name stands for.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "awaiting_uploads" => InterviewStep::AwaitingUploads,
            "queued" => InterviewStep::Queued,
            "claimed" => InterviewStep::Claimed,
            "awaiting_override" => InterviewStep::AwaitingOverride,
            _ => return None,
        })
    }
}
