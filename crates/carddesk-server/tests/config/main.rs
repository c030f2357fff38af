//! The server's configuration: defaults, then the TOML file, then the
//! environment, then flags; validation that names the setting and where it
//! was set; secrets that never print, in `Debug` or in an error. The last
//! tests run the `carddesk-server` binary itself (`serve --check-config`).
//! This file holds the fixtures the topic modules share.

mod binary;
mod layers;
mod secrets;
mod validation;

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use carddesk_server::config::{ConfigError, Overrides, ServerConfig};

const SMS_SECRET: &str = "sms-Secret-0451";
const VOICE_SECRET: &str = "voice-Secret-9913";
const DB_PASSWORD: &str = "db-Pass-7719";

/// An environment of its own, so no test reads (or changes) the process's.
#[derive(Debug, Default, Clone)]
struct Env(HashMap<String, String>);

impl Env {
    fn with(mut self, name: &str, value: &str) -> Self {
        self.0.insert(name.to_owned(), value.to_owned());
        self
    }

    fn lookup(&self) -> impl Fn(&str) -> Option<OsString> + '_ {
        |name| self.0.get(name).map(OsString::from)
    }
}

fn load(file: Option<&Path>, env: &Env, flags: &Overrides) -> Result<ServerConfig, ConfigError> {
    ServerConfig::load_from(file, env.lookup(), flags)
}

/// A file in a temporary directory.
fn file(dir: &tempfile::TempDir, text: &str) -> PathBuf {
    let path = dir.path().join("carddesk.toml");
    std::fs::write(&path, text).expect("write the file");
    path
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("carddesk.example.toml")
}

fn problems(result: Result<ServerConfig, ConfigError>) -> Vec<String> {
    result.expect_err("refused").problems().to_vec()
}

#[track_caller]
fn assert_no_secret(text: &str) {
    for secret in [SMS_SECRET, VOICE_SECRET, DB_PASSWORD] {
        assert!(!text.contains(secret), "a secret in: {text}");
    }
}
