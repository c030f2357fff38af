//! Why a configuration was refused, in words that name the setting and
//! where it was set, never its value.

use std::fmt;

use figment::error::{Actual, Kind};
use figment::{Figment, Metadata, Source};

use super::load::{ENV_LAYER, FLAG_LAYER};
use super::{SETTINGS, find_setting};

/// Why a configuration was refused: every problem found, each naming the
/// setting and where it was set, none quoting a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub(super) problems: Vec<String>,
}

impl ConfigError {
    pub(super) fn one(problem: impl Into<String>) -> Self {
        Self {
            problems: vec![problem.into()],
        }
    }

    /// The problems, one sentence each.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "invalid configuration: {one}"),
            many => {
                write!(f, "invalid configuration:")?;
                for problem in many {
                    write!(f, "\n  - {problem}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// Where a setting's value came from, for error messages.
pub(super) fn origin(figment: &Figment, key: &str) -> String {
    describe_origin(figment.find_metadata(key), key)
}

pub(super) fn describe_origin(metadata: Option<&Metadata>, key: &str) -> String {
    let setting = find_setting(key);
    match metadata {
        None => "by default".to_owned(),
        Some(md) if md.name == ENV_LAYER => match setting {
            Some(s) => format!("from {}", s.env),
            None => "from the environment".to_owned(),
        },
        Some(md) if md.name == FLAG_LAYER => match setting {
            Some(s) => format!("from {}", s.flag),
            None => "from the command line".to_owned(),
        },
        Some(md) => match &md.source {
            Some(Source::File(path)) => format!("in {}", path.display()),
            _ => format!("from {}", md.name),
        },
    }
}

/// A figment error in words that never quote the value.
pub(super) fn describe_figment_error(e: &figment::Error) -> String {
    let key = e.path.join(".");
    let origin = describe_origin(e.metadata.as_ref(), &key);
    let what = match &e.kind {
        Kind::InvalidType(actual, expected) => {
            // serde names a section by its Rust type: say what it is.
            let expected = if expected.starts_with("struct ") {
                "a table"
            } else {
                expected.as_str()
            };
            format!("{} where {expected} was expected", kind_of(actual))
        }
        Kind::InvalidValue(_, expected) => format!("a value out of range; expected {expected}"),
        Kind::InvalidLength(_, expected) => format!("the wrong length; expected {expected}"),
        Kind::UnknownVariant(_, expected) => {
            format!("an unknown value; expected one of {}", expected.join(", "))
        }
        Kind::UnknownField(field, _) => {
            let plain = field.len() <= 40
                && field
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            let name = if plain {
                format!("`{field}`")
            } else {
                "a setting".to_owned()
            };
            // The path ends with the unknown field itself.
            let parent = e.path[..e.path.len().saturating_sub(1)].join(".");
            let place = if parent.is_empty() {
                String::new()
            } else {
                format!(" under `[{parent}]`")
            };
            return format!(
                "unknown setting {name}{place} ({origin}); the settings are {}",
                SETTINGS.map(|s| s.key).join(", ")
            );
        }
        Kind::MissingField(field) => format!("`{field}` is missing"),
        Kind::DuplicateField(field) => format!("`{field}` is given twice"),
        // Messages from parsers (an address, a URL) say what is wrong with
        // a value without quoting it; anything long is not trusted to.
        Kind::Message(message)
            if message.len() <= 80 && !message.contains('"') && !message.contains('`') =>
        {
            message.clone()
        }
        _ => "a value that is not valid here".to_owned(),
    };
    if key.is_empty() {
        format!("{what} ({origin})")
    } else {
        format!("{key} ({origin}): {what}")
    }
}

/// What kind of value was found, without the value.
pub(super) fn kind_of(actual: &Actual) -> &'static str {
    match actual {
        Actual::Bool(_) => "a boolean",
        Actual::Unsigned(_) | Actual::Signed(_) => "a whole number",
        Actual::Float(_) => "a decimal number",
        Actual::Char(_) | Actual::Str(_) => "text",
        Actual::Bytes(_) => "bytes",
        Actual::Unit | Actual::Option => "nothing",
        Actual::Seq => "a list",
        Actual::Map => "a table",
        _ => "a value of another kind",
    }
}
