//! Where a case stands, and the whole table of legal moves between states
//! (the guards on a move are [`UnfreezeCase`](super::UnfreezeCase)'s).

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CaseState {
    /// An agent marked a frozen card for remote unfreeze.
    Marked,
    /// The reserved info is packaged and stored.
    Packaged,
    /// Instructions with a one-time code went to the customer.
    Instructed,
    /// The customer's client asked to unfreeze, with the code.
    Requested,
    /// The customer was told which credentials to give.
    Challenged,
    /// The credentials matched the package.
    Verified,
    /// A supervisor approved the unfreeze.
    Approved,
    /// The card is unfrozen: done.
    Unfrozen,
    /// Too many failed verifications: a new case is needed.
    Locked,
    /// The one-time code outlived its lifetime.
    Expired,
    /// An agent cancelled the case.
    Cancelled,
    /// A supervisor refused the unfreeze.
    Rejected,
}

impl CaseState {
    /// Every state, in flow order then exits.
    pub const ALL: [CaseState; 12] = [
        CaseState::Marked,
        CaseState::Packaged,
        CaseState::Instructed,
        CaseState::Requested,
        CaseState::Challenged,
        CaseState::Verified,
        CaseState::Approved,
        CaseState::Unfrozen,
        CaseState::Locked,
        CaseState::Expired,
        CaseState::Cancelled,
        CaseState::Rejected,
    ];

    /// The name used in storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Marked => "marked",
            CaseState::Packaged => "packaged",
            CaseState::Instructed => "instructed",
            CaseState::Requested => "requested",
            CaseState::Challenged => "challenged",
            CaseState::Verified => "verified",
            CaseState::Approved => "approved",
            CaseState::Unfrozen => "unfrozen",
            CaseState::Locked => "locked",
            CaseState::Expired => "expired",
            CaseState::Cancelled => "cancelled",
            CaseState::Rejected => "rejected",
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
            CaseState::Unfrozen
                | CaseState::Locked
                | CaseState::Expired
                | CaseState::Cancelled
                | CaseState::Rejected
        )
    }

    /// States in which the customer's one-time code or session is live and
    /// so can run out.
    pub fn can_expire(self) -> bool {
        matches!(
            self,
            CaseState::Instructed | CaseState::Requested | CaseState::Challenged
        )
    }

    /// The table of legal moves. Every other pair is an error.
    pub fn can_move_to(self, to: CaseState) -> bool {
        use CaseState::*;
        matches!(
            (self, to),
            (Marked, Packaged)
                | (Packaged, Instructed)
                | (Instructed, Requested)
                | (Requested, Challenged)
                | (Challenged, Verified)
                | (Challenged, Locked)
                | (Verified, Approved)
                | (Verified, Unfrozen)
                | (Verified, Rejected)
                | (Approved, Unfrozen)
                | (Instructed | Requested | Challenged, Expired)
                | (
                    Marked | Packaged | Instructed | Requested | Challenged | Verified,
                    Cancelled
                )
        )
    }
}
