//! The harness and the steps of the console's end-to-end walks.

pub mod agent;
pub mod axe;
pub mod caller;
pub mod console;
pub mod customer;
pub mod driver;
pub mod interview;
pub mod page;
pub mod phone;
pub mod server;
pub mod timing;
pub mod tour;
