//! Delivery of the outbox: the worker and its adapters against a local
//! HTTP server standing in for the SMS and voice gateways (wiremock), the
//! real speech engine (espeak-ng), and both databases.
//!
//! Every scenario that touches the store runs on SQLite and PostgreSQL
//! (`DATABASE_URL` names the server). The logs of the whole binary are
//! captured (see `capture_logs`) so that one scenario can search them for
//! the code and the message bodies.

#[path = "../common/mod.rs"]
mod common;

mod logs;
mod sms;
mod support;
mod voice;
mod workers;

use logs::*;
use sms::*;
use voice::*;
use workers::*;

// ---------------------------------------------------------------------------
// Scenarios on both databases
// ---------------------------------------------------------------------------

on_both_databases! {
    text_is_signed_and_carries_the_idempotency_key => sqlite_text_signed, postgres_text_signed;
    server_error_then_success_is_one_retry => sqlite_500_then_200, postgres_500_then_200;
    timeout_is_retried => sqlite_timeout_retried, postgres_timeout_retried;
    client_error_fails_without_retry => sqlite_400_fails, postgres_400_fails;
    failed_after_max_attempts => sqlite_max_attempts, postgres_max_attempts;
    two_workers_deliver_each_message_once => sqlite_two_workers, postgres_two_workers;
    voice_is_ssml_and_speech => sqlite_voice, postgres_voice;
    logs_hold_no_code_and_no_body => sqlite_logs_clean, postgres_logs_clean;
    local_outbox_marks_sent_locally => sqlite_local_outbox, postgres_local_outbox;
    stale_instructions_are_not_delivered => sqlite_stale, postgres_stale;
    console_gets_the_voice_prompt_audio => sqlite_console_audio, postgres_console_audio;
    worker_runs_until_shutdown => sqlite_run_until_shutdown, postgres_run_until_shutdown;
}
