//! The error every command returns, in the shape it crosses IPC.

use serde::Serialize;

/// What went wrong, as a stable code the front-end can branch on.
///
/// Serialized in kebab-case (`"desk-unavailable"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    /// The desk could not be reached or has not started.
    DeskUnavailable,
    /// Something failed inside the console; the message says what.
    Internal,
}

/// A command's failure as the front-end receives it: `{code, message}`.
///
/// The message is for a person and never carries a secret or a card number in
/// clear: it crosses IPC and may be shown on screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandError {
    /// What went wrong, for the front-end to branch on.
    pub code: ErrorCode,
    /// What went wrong, for a person to read.
    pub message: String,
}

impl CommandError {
    /// A failure with the given code and message.
    #[must_use]
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CommandError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crosses_ipc_as_code_and_message() {
        let error = CommandError::new(ErrorCode::DeskUnavailable, "The desk has not started.");
        assert_eq!(
            serde_json::to_value(&error).expect("serializes"),
            serde_json::json!({ "code": "desk-unavailable", "message": "The desk has not started." })
        );
    }
}
