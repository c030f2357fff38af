//! The `carddesk-server` binary itself: `serve --check-config` layering
//! the settings, and a bad configuration refused before anything else.

use std::process::Command;

use super::*;

fn server() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_carddesk-server"));
    // Only what the test gives: the suite's own DATABASE_URL must not leak in.
    command.env_clear().env("RUST_BACKTRACE", "0");
    command
}

#[test]
fn the_binary_layers_flags_over_the_environment_over_the_file() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = file(
        &dir,
        "listen = \"127.0.0.1:1111\"\npublic_url = \"https://file.example\"\n\
         [sms_gateway]\nurl = \"https://sms.internal/send\"\n",
    );
    let output = server()
        .env("CARDDESK_CONFIG", &path)
        .env("CARDDESK_PUBLIC_URL", "https://env.example")
        .env("CARDDESK_SMS_GATEWAY_SECRET", SMS_SECRET)
        .env(
            "DATABASE_URL",
            format!("postgres://carddesk:{DB_PASSWORD}@db/carddesk"),
        )
        .args(["serve", "--check-config", "--listen", "127.0.0.1:3333"])
        .output()
        .expect("run carddesk-server");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("listen: 127.0.0.1:3333"), "{stdout}");
    assert!(stdout.contains("\"https://env.example\""), "{stdout}");
    assert!(stdout.contains("\"https://sms.internal/send\""), "{stdout}");
    assert!(
        stdout.contains("postgres://carddesk:***@db/carddesk"),
        "{stdout}"
    );
    assert_no_secret(&stdout);
    assert_no_secret(&stderr);

    // `--config` names the file too.
    let output = server()
        .args(["--config"])
        .arg(&path)
        .env("CARDDESK_SMS_GATEWAY_SECRET", SMS_SECRET)
        .args(["serve", "--check-config"])
        .output()
        .expect("run carddesk-server");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("listen: 127.0.0.1:1111"), "{stdout}");
}

#[test]
fn the_binary_refuses_a_bad_configuration_before_anything_else() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let output = server()
        .env("CARDDESK_SMS_GATEWAY_SECRET", SMS_SECRET)
        // Were it read, this would create a database and a key file.
        .env(
            "DATABASE_URL",
            format!("sqlite:{}", dir.path().join("x.db").display()),
        )
        .env("CARDDESK_KEY_FILE", dir.path().join("master.key"))
        .args(["serve", "--tls-key", "/etc/carddesk/key.pem"])
        .output()
        .expect("run carddesk-server");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("invalid configuration"), "{stderr}");
    assert!(
        stderr.contains(
            "sms_gateway.secret (from CARDDESK_SMS_GATEWAY_SECRET) is set but sms_gateway.url is not"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("tls.key (from --tls-key) is set but tls.cert is not"),
        "{stderr}"
    );
    assert_no_secret(&stderr);
    assert_no_secret(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("list").count(),
        0,
        "nothing was opened"
    );
}
