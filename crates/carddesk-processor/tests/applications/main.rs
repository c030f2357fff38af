//! Virtual-card applications (issue 8): the transit service's routing and
//! refusals, the two-card route to an issued card, the customer's
//! allowance shared with job 1, and what must still hold at issue, on both
//! databases.

#[path = "../applicant/mod.rs"]
mod applicant;
#[path = "../common/mod.rs"]
mod common;

mod allowance;
mod issue_checks;
mod lifetime;
mod routing;
mod two_card;

use allowance::*;
use carddesk_domain::card::CardNumber;
use issue_checks::*;
use lifetime::*;
use routing::*;
use secrecy::SecretString;
use two_card::*;

pub(crate) fn pan(s: &str) -> CardNumber {
    CardNumber::parse(s).expect("valid PAN")
}

pub(crate) fn password(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

on_both_databases! {
    a_virtual_card_alone_cannot_prove_its_holder => sqlite_virtual_only, postgres_virtual_only;
    the_card_is_shown_only_within_the_applications_day => sqlite_reveal_window, postgres_reveal_window;
    an_unfinished_application_expires_and_frees_its_applicant => sqlite_expiry, postgres_expiry;
    routes_by_whether_the_person_holds_an_active_card => sqlite_routes, postgres_routes;
    refusals_have_stable_reasons_and_store_nothing => sqlite_refusals, postgres_refusals;
    two_cards_to_an_issued_card_shown_once => sqlite_two_cards, postgres_two_cards;
    attempts_are_limited_and_an_expired_code_asks_for_the_card_again => sqlite_attempts, postgres_attempts;
    a_customer_out_of_allowance_in_job_1_cannot_prove_a_card => sqlite_allowance_from_job_1, postgres_allowance_from_job_1;
    numbers_not_theirs_leave_the_allowance_alone => sqlite_numbers_not_theirs, postgres_numbers_not_theirs;
    a_card_lost_or_frozen_after_its_proof_issues_nothing => sqlite_proven_card_lost, postgres_proven_card_lost;
    a_court_order_on_another_card_stops_the_two_card_issue => sqlite_court_order_at_code, postgres_court_order_at_code;
    a_court_order_on_another_card_stops_the_interview_issue => sqlite_court_order_at_verdict, postgres_court_order_at_verdict;
    a_court_order_before_the_override_stops_its_issue => sqlite_court_order_at_override, postgres_court_order_at_override;
}
