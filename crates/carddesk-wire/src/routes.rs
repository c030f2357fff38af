//! The HTTP routes of the desk API, named once for the server that serves
//! them and the client that calls them. Paths with `{card}`, `{case}`,
//! `{customer}`, `{message}` or `{application}` take the numeric id there.

/// The agent API's prefix.
pub const PREFIX: &str = "/api/agent";

/// `POST` a [`crate::SignInRequest`], answer [`crate::SignedIn`].
pub const SIGN_IN: &str = "/sign-in";
/// `POST`, answer `{"signed_out": true}`.
pub const SIGN_OUT: &str = "/sign-out";
/// `GET`, answer [`crate::StaffProfile`].
pub const ME: &str = "/me";
/// `POST` a [`crate::SearchRequest`] (a POST so numbers travel in the body,
/// never in a URL that proxies log), answer [`crate::SearchResults`].
pub const SEARCH: &str = "/customers/search";
/// `GET`, answer [`crate::CustomerView`].
pub const CUSTOMER: &str = "/customers/{customer}";
/// `GET`, answer `Vec<`[`crate::TransitionDto`]`>`, oldest first.
pub const CARD_HISTORY: &str = "/cards/{card}/history";
/// `POST` (no body), answer [`crate::CaseDto`]: mark the card.
pub const MARK: &str = "/cards/{card}/cases";
/// `POST` an [`crate::InstructRequest`], answer [`crate::CaseDto`]: mark,
/// package and send in one go.
pub const SEND_UNFREEZE: &str = "/cards/{card}/remote-unfreeze";
/// `GET` [`crate::QueueQuery`], answer [`crate::Page`] of [`crate::CaseDto`].
pub const QUEUE: &str = "/cases";
/// `GET`, answer [`crate::CaseDto`].
pub const CASE: &str = "/cases/{case}";
/// `GET`, answer `Vec<`[`crate::AuditDto`]`>`.
pub const TIMELINE: &str = "/cases/{case}/timeline";
/// `GET`, answer [`crate::InstructionPreview`]: what the card's customer
/// would receive, before anything is marked or sent.
pub const PREVIEW: &str = "/cards/{card}/instruction-preview";
/// `POST` (no body), answer [`crate::CaseDto`].
pub const PACKAGE: &str = "/cases/{case}/package";
/// `POST` an [`crate::InstructRequest`], answer [`crate::CaseDto`].
pub const INSTRUCT: &str = "/cases/{case}/instructions";
/// `POST` an [`crate::InstructRequest`], answer [`crate::CaseDto`].
pub const RESEND: &str = "/cases/{case}/resend";
/// `POST` a [`crate::ReasonRequest`], answer [`crate::CaseDto`].
pub const CANCEL: &str = "/cases/{case}/cancel";
/// `POST` (no body), answer [`crate::CaseDto`].
pub const APPROVE: &str = "/cases/{case}/approve";
/// `POST` a [`crate::ReasonRequest`], answer [`crate::CaseDto`].
pub const REJECT: &str = "/cases/{case}/reject";
/// `POST` a [`crate::ReassignRequest`], answer [`crate::CaseDto`].
pub const REASSIGN: &str = "/cases/{case}/reassign";
/// `GET`, answer `audio/wav`: the voice prompt, for the agent to play.
pub const VOICE_AUDIO: &str = "/outbox/{message}/audio";
/// `GET` [`crate::AuditQuery`], answer [`crate::Page`] of [`crate::AuditDto`].
pub const AUDIT: &str = "/audit";
/// `GET`, answer [`crate::ChainDto`].
pub const VERIFY_AUDIT: &str = "/audit/verify";
/// `GET`, answer `Vec<`[`crate::InterviewDto`]`>`: the interview queue,
/// oldest first.
pub const INTERVIEWS: &str = "/interviews";
/// `POST` (no body), answer [`crate::InterviewDto`]: take the interview.
pub const CLAIM_INTERVIEW: &str = "/interviews/{application}/claim";
/// `POST` a [`crate::ReassignRequest`], answer [`crate::InterviewDto`].
pub const REASSIGN_INTERVIEW: &str = "/interviews/{application}/reassign";
/// `POST` a [`crate::VerdictRequest`], answer [`crate::VerdictAnswer`].
pub const VERDICT: &str = "/interviews/{application}/verdict";
/// `POST` (no body), answer [`crate::VerdictAnswer`]: approve a pass
/// given with an item unticked (supervisors, never the reviewer).
pub const OVERRIDE: &str = "/interviews/{application}/override";
/// `POST` a [`crate::DeclineRequest`], answer [`crate::VerdictAnswer`]:
/// decline a pass given with an item unticked (supervisors, never the
/// reviewer); the applicant is told why.
pub const DECLINE_OVERRIDE: &str = "/interviews/{application}/override/decline";
/// `GET` [`crate::MediaQuery`], answer the upload's bytes with its
/// content type (audited).
pub const INTERVIEW_MEDIA: &str = "/interviews/{application}/media";
/// `GET` [`crate::EventFilter`], answer `text/event-stream` of
/// [`crate::DeskEvent`]s; each event has an `id`, and a reconnect with
/// `Last-Event-ID` resumes after it (or gets `resync`).
pub const EVENTS: &str = "/events";

/// `path` with its one `{…}` placeholder replaced by `id`.
pub fn with_id(path: &str, id: i64) -> String {
    match (path.find('{'), path.find('}')) {
        (Some(open), Some(close)) if open < close => {
            format!("{}{}{}", &path[..open], id, &path[close + 1..])
        }
        _ => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn with_id_fills_the_placeholder() {
        assert_eq!(super::with_id(super::CASE, 12), "/cases/12");
        assert_eq!(super::with_id(super::CARD_HISTORY, 3), "/cards/3/history");
        assert_eq!(super::with_id(super::SEARCH, 3), "/customers/search");
    }
}
