//! The limits as settings: `[limits]` in the file, overridden by
//! `CARDDESK_LIMITS_*`, each checked against its range with a problem that
//! names the setting and where it was set; unset, the defaults the limits'
//! own types give; and the server binary serving with what was set.

use std::collections::HashMap;
use std::ffi::OsString;
use std::time::Duration;

use carddesk_server::config::{LimitSettings, Overrides, ServerConfig};

fn load(text: &str, env: &[(&str, &str)]) -> Result<ServerConfig, Vec<String>> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("carddesk.toml");
    std::fs::write(&path, text).expect("write the file");
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    ServerConfig::load_from(
        Some(&path),
        |name| env.get(name).map(OsString::from),
        &Overrides::default(),
    )
    .map_err(|e| e.problems().to_vec())
}

#[test]
fn unset_limits_are_the_types_defaults() {
    let config = load("", &[]).expect("loads");
    assert_eq!(config.limits, LimitSettings::default());
    assert_eq!(
        config.limits.work(),
        carddesk_server::overload::Limits::default()
    );
    assert_eq!(
        config.limits.sign_in(),
        carddesk_server::limits::SignInLimits::default()
    );
    assert_eq!(
        config.limits.customer(),
        carddesk_server::customer::CustomerLimits::default()
    );
}

#[test]
fn the_file_sets_limits_and_the_environment_overrides_it() {
    let config = load(
        "[limits]\nrequest_timeout_seconds = 5\nsign_in_burst = 500\ncustomer_address_burst = 100\n",
        &[("CARDDESK_LIMITS_CUSTOMER_ADDRESS_BURST", "300")],
    )
    .expect("loads");
    assert_eq!(config.limits.work().request_timeout, Duration::from_secs(5));
    assert_eq!(config.limits.sign_in().address_burst, 500);
    assert_eq!(config.limits.customer().address_burst, 300);
    // What was not set keeps its default.
    assert_eq!(config.limits.sign_in().address_per_minute, 30);
    assert_eq!(config.limits.customer().case_burst, 6);
}

#[test]
fn limits_out_of_range_are_refused_by_name() {
    let problems = load(
        "[limits]\nrequest_timeout_seconds = 0\nevent_streams = 100001\n",
        &[("CARDDESK_LIMITS_SIGN_IN_BURST", "many")],
    )
    .expect_err("refused");
    let all = problems.join("\n");
    assert!(
        all.contains("limits.sign_in_burst") || all.contains("sign_in_burst"),
        "{all}"
    );
    assert!(
        !all.contains("many"),
        "a problem never quotes the value: {all}"
    );
    let problems = load(
        "[limits]\nrequest_timeout_seconds = 0\nevent_streams = 100001\n",
        &[],
    )
    .expect_err("refused");
    let all = problems.join("\n");
    assert!(all.contains("limits.request_timeout_seconds"), "{all}");
    assert!(all.contains("limits.event_streams"), "{all}");
    assert!(all.contains("from 1 to 600"), "{all}");
    assert_eq!(problems.len(), 2, "{all}");
}

#[test]
fn how_long_uploads_are_kept_is_a_setting_with_the_processors_defaults() {
    let media = carddesk_processor::applications::MediaSettings::default();
    let unset = load("", &[])
        .expect("loads")
        .limits
        .retention(media.clone());
    assert_eq!(unset.keep_closed_for, chrono::Duration::days(30));
    let set = load(
        "[limits]\nuploads_kept_closed_days = 60\n",
        &[("CARDDESK_LIMITS_UPLOADS_KEPT_CLOSED_DAYS", "7")],
    )
    .expect("loads")
    .limits
    .retention(media.clone());
    assert_eq!(
        set.keep_closed_for,
        chrono::Duration::days(7),
        "the environment over the file"
    );
    assert_eq!(
        set.dir, media.dir,
        "the directory is not the limits' business"
    );
    let problems = load("[limits]\nuploads_kept_closed_days = 0\n", &[]).expect_err("refused");
    assert!(
        problems
            .join("\n")
            .contains("limits.uploads_kept_closed_days"),
        "{problems:?}"
    );
}

#[test]
fn an_unknown_limit_is_refused() {
    let problems = load("[limits]\nrequest_timeout = 5\n", &[]).expect_err("refused");
    assert!(
        problems.join("\n").contains("request_timeout"),
        "{problems:?}"
    );
}

#[test]
fn the_server_takes_its_limits_from_the_environment() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_carddesk-server"))
        .args(["serve", "--check-config"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CARDDESK_LIMITS_SIGN_IN_BURST", "500")
        .env("CARDDESK_LIMITS_REQUEST_TIMEOUT_SECONDS", "7")
        .output()
        .expect("run carddesk-server");
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(printed.contains("sign_in_burst: 500"), "{printed}");
    assert!(printed.contains("request_timeout_seconds: 7"), "{printed}");
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_carddesk-server"))
        .args(["serve", "--check-config"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CARDDESK_LIMITS_SIGN_IN_BURST", "0")
        .output()
        .expect("run carddesk-server");
    assert!(
        !refused.status.success(),
        "a zero burst is refused at start"
    );
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("CARDDESK_LIMITS_SIGN_IN_BURST")
            || String::from_utf8_lossy(&refused.stderr).contains("limits.sign_in_burst"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}
