//! The scenarios, grouped by area, and the harness that runs each through
//! both desks.

mod access;
mod flow;
mod harness;
mod interviews;
mod privacy;
mod search;
