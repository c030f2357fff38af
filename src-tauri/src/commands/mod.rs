//! The main window's commands (docs/ipc.md). Each asks the desk with the
//! session the shell keeps and returns the wire's answer or its
//! `DeskError` (`{code, message}`); the rules are the desk's.

pub mod cases;
pub mod console;
pub mod interviews;
pub mod lookup;
pub mod session;
pub mod supervise;
