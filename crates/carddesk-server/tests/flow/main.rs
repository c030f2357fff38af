//! The remote-unfreeze job end to end over HTTP, on SQLite and PostgreSQL:
//! the whole flow from sign-in to an unfrozen card, a case locked after
//! wrong credentials, expiry, the approval path, roles, tokens and the
//! sign-in lockout.

#[path = "../common/mod.rs"]
mod common;

mod approval;
mod locked_and_expired;
mod staff;
mod whole;

use approval::approval;
use locked_and_expired::{expiry, locked_after_wrong_credentials};
use staff::{roles, sign_in_lockout, tokens};
use whole::whole_flow;

on_both_databases! {
    whole_flow => sqlite_whole_flow, postgres_whole_flow;
    locked_after_wrong_credentials => sqlite_locked_after_wrong_credentials, postgres_locked_after_wrong_credentials;
    expiry => sqlite_expiry, postgres_expiry;
    approval => sqlite_approval, postgres_approval;
    roles => sqlite_roles, postgres_roles;
    tokens => sqlite_tokens, postgres_tokens;
    sign_in_lockout => sqlite_sign_in_lockout, postgres_sign_in_lockout;
}
