//! The demo bank's staff: two agents and a supervisor the offline console
//! signs in as. Their passwords are demo data, printed in the README and
//! known to the console's demo sign-in; a real bank adds its staff with
//! `carddesk-server add-staff` instead.

use carddesk_domain::{Actor, Role, StaffMember};
use carddesk_processor::Processor;
use secrecy::SecretString;

/// A member of the demo staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoStaff {
    /// The sign-in name.
    pub username: &'static str,
    /// The name the console shows.
    pub display_name: &'static str,
    /// What they may do.
    pub role: Role,
    /// Their password: demo data, at least 12 characters as the processor
    /// requires of every staff password.
    pub password: &'static str,
}

impl DemoStaff {
    /// As the processor knows them.
    pub fn member(&self) -> StaffMember {
        StaffMember {
            username: self.username.to_owned(),
            role: self.role,
        }
    }

    /// The password, wrapped for the sign-in call.
    pub fn secret(&self) -> SecretString {
        SecretString::from(self.password)
    }
}

/// The demo staff, agents first. The first agent opens the demo bank's
/// seeded cases, so they are in someone's queue from the start.
pub const DEMO_STAFF: [DemoStaff; 3] = [
    DemoStaff {
        username: "agent.li",
        display_name: "李娜",
        role: Role::Agent,
        password: "demo-agent-li-2024",
    },
    DemoStaff {
        username: "agent.wang",
        display_name: "王伟",
        role: Role::Agent,
        password: "demo-agent-wang-2024",
    },
    DemoStaff {
        username: "supervisor.zhang",
        display_name: "张敏",
        role: Role::Supervisor,
        password: "demo-supervisor-zhang-2024",
    },
];

/// The demo staff member signing in as `username`, if there is one.
pub fn demo_staff(username: &str) -> Option<&'static DemoStaff> {
    DEMO_STAFF.iter().find(|s| s.username == username)
}

/// Adds the demo staff members the store does not hold yet (as the
/// system, audited like any other addition) and returns how many it added.
pub async fn add_demo_staff(processor: &Processor) -> anyhow::Result<usize> {
    let mut added = 0;
    for staff in &DEMO_STAFF {
        if processor
            .store()
            .staff_user(staff.username)
            .await?
            .is_some()
        {
            continue;
        }
        processor
            .add_staff(
                &Actor::System,
                staff.member(),
                staff.display_name,
                &staff.secret(),
                "seed",
            )
            .await?;
        added += 1;
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_staff_are_two_agents_and_a_supervisor_with_valid_passwords() {
        let roles: Vec<Role> = DEMO_STAFF.iter().map(|s| s.role).collect();
        assert_eq!(roles, [Role::Agent, Role::Agent, Role::Supervisor]);
        for staff in &DEMO_STAFF {
            assert!(staff.password.chars().count() >= 12, "{}", staff.username);
            assert_eq!(demo_staff(staff.username), Some(staff));
        }
        assert_eq!(demo_staff("nobody"), None);
    }
}
