//! An answer read whole, and the checks of its status and error shape.

use serde_json::Value;

/// An answer, read whole.
#[derive(Debug, Clone)]
pub struct Resp {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body's bytes.
    pub body: Vec<u8>,
}

impl Resp {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The start of the body, for failure messages.
    pub fn head(&self) -> String {
        let text = self.text();
        match text.char_indices().nth(400) {
            Some((at, _)) => format!("{}… ({} bytes)", &text[..at], self.body.len()),
            None => text,
        }
    }

    /// Asserts a success status and returns the JSON body.
    #[track_caller]
    pub fn ok(&self) -> Value {
        assert_eq!(
            self.status,
            200,
            "expected 200, got {}: {}",
            self.status,
            self.text()
        );
        self.json()
    }

    /// Asserts the common error shape, exactly `{code, message}`, with this
    /// status and code; returns the message.
    #[track_caller]
    pub fn error(&self, status: u16, code: &str) -> String {
        assert_eq!(
            self.status,
            status,
            "expected {status} {code}, got {}: {}",
            self.status,
            self.head()
        );
        let content_type = self
            .headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(
            content_type.starts_with("application/json"),
            "an error is JSON, got content type {content_type:?}: {}",
            self.head()
        );
        let json = self.json();
        let object = json
            .as_object()
            .unwrap_or_else(|| panic!("an error is a JSON object: {}", self.head()));
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["code", "message"], "error shape: {}", self.head());
        assert_eq!(json["code"], code, "error code: {}", self.head());
        let message = json["message"]
            .as_str()
            .unwrap_or_else(|| panic!("message is a string: {}", self.head()));
        assert!(!message.is_empty(), "an error explains itself");
        assert!(
            message.len() <= 300 && !message.chars().any(char::is_control),
            "an error message is short and printable: {}",
            self.head()
        );
        message.to_owned()
    }
}
