//! Finding a caller through the processor, on both databases: every way an
//! agent can find one, the ranking when one query matches several ways,
//! searches that find nobody, input refused, Latin names in either case,
//! LIKE wildcards taken literally, and each hit's cards and open cases.
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

#[path = "../common/mod.rs"]
mod common;

mod cases;
mod finding;
mod fixtures;
mod input;

use cases::*;
use finding::*;
use input::*;

on_both_databases! {
    finds_a_caller_every_way => sqlite_finds_a_caller_every_way, postgres_finds_a_caller_every_way;
    best_match_first_each_customer_once =>
        sqlite_best_match_first_each_customer_once, postgres_best_match_first_each_customer_once;
    finds_nobody => sqlite_finds_nobody, postgres_finds_nobody;
    bad_input_is_refused => sqlite_bad_input_is_refused, postgres_bad_input_is_refused;
    latin_names_in_either_case =>
        sqlite_latin_names_in_either_case, postgres_latin_names_in_either_case;
    wildcards_are_literal => sqlite_wildcards_are_literal, postgres_wildcards_are_literal;
    open_cases_come_with_the_hit =>
        sqlite_open_cases_come_with_the_hit, postgres_open_cases_come_with_the_hit;
}
