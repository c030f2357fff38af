//! The desk conformance suite: every desk scenario run through both
//! implementations of `carddesk_wire::Desk`, the processor in-process
//! (`LocalDesk`, on SQLite, as the offline console runs it) and the HTTP
//! client (`carddesk_client::HttpDesk`) against a real `carddesk-server`
//! on port 0 over PostgreSQL. Each scenario asserts exact answers, error
//! codes and audit entries, so both desks passing means both give the
//! same ones.

mod common;
mod desk;
