//! The rules of CardDesk, free of any I/O.
//!
//! This crate knows what a card, a customer, an unfreeze case and a
//! virtual-card application are, which
//! moves between their states are legal, which freeze reasons allow a remote
//! unfreeze (the [`policy`]), and how to check and mask the numbers people
//! type (resident ID numbers, card numbers). It knows nothing of SQL, HTTP,
//! Tauri or JSON: the store, the processor and the transports build on it.
//!
//! Every illegal move is a typed error, so callers cannot forget to handle one.
#![deny(missing_docs)]

pub mod application;
pub mod card;
pub mod case;
pub mod customer;
pub mod id_number;
pub mod luhn;
pub mod mask;
pub mod policy;

pub use card::{Card, CardId, CardStatus, CardStatusKind, CardTransition, Channel, FreezeReason};
pub use case::{CaseError, CaseId, CaseState, UnfreezeCase};
pub use customer::{Customer, CustomerId, IdDocument, IdDocumentError, PhoneNumber};
pub use policy::{Credential, PolicyLimits, PolicyRule, UnfreezePolicy};

/// Who did something: the three channels a change can come through, with the
/// person or process behind it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Actor {
    /// A signed-in member of staff at a console.
    Staff(StaffMember),
    /// The card holder, through their phone or the mobile app.
    Customer(CustomerId),
    /// The processor itself (expiry sweeps, seeding, migrations).
    System,
    /// Someone applying for a virtual card, known by their application
    /// until they are a customer.
    Applicant(application::ApplicationId),
}

impl Actor {
    /// The channel this actor acts through.
    pub fn channel(&self) -> Channel {
        match self {
            Actor::Staff(_) => Channel::Agent,
            Actor::Customer(_) | Actor::Applicant(_) => Channel::Customer,
            Actor::System => Channel::System,
        }
    }

    /// A stable, non-secret label for logs and the audit trail
    /// (`agent:alice`, `customer:42`, `system`).
    pub fn label(&self) -> String {
        match self {
            Actor::Staff(s) => format!("{}:{}", s.role.as_str(), s.username),
            Actor::Customer(id) => format!("customer:{}", id.0),
            Actor::System => "system".to_owned(),
            Actor::Applicant(id) => format!("applicant:{}", id.0),
        }
    }
}

/// A member of the call-center staff.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StaffMember {
    /// The sign-in name.
    pub username: String,
    /// What they may do.
    pub role: Role,
}

impl StaffMember {
    /// Whether a staff actor label (`role:username`, as [`Actor::label`]
    /// writes it) names this person, whatever role it carries.
    /// Maker-checker is about the person, not the role they held: an agent
    /// who took a step and has since been made a supervisor is still its
    /// maker. A label that is no staff member's (`customer:42`) never
    /// matches.
    pub fn is_named_by(&self, label: &str) -> bool {
        label.split_once(':').is_some_and(|(role, username)| {
            Role::parse(role).is_some() && username == self.username
        })
    }
}

/// Staff roles, ordered by what they may do: each includes the ones before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Handles calls: looks up, marks, packages, instructs, cancels.
    Agent,
    /// Also approves cases that need a second pair of eyes and reviews queues.
    Supervisor,
    /// Also manages users and configuration.
    Admin,
}

impl Role {
    /// The lowercase name used in storage and labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// Parses the lowercase name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "agent" => Some(Role::Agent),
            "supervisor" => Some(Role::Supervisor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}
