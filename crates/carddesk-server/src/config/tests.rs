use super::load::check_http_url;
use super::*;

#[test]
fn database_urls_print_without_their_password() {
    let url = DatabaseUrl::new("postgres://carddesk:hunter2@db:5432/carddesk?sslmode=require");
    let shown = format!("{url:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(!shown.contains("sslmode"), "{shown}");
    assert!(shown.contains("carddesk:***@db:5432/carddesk"), "{shown}");
    assert_eq!(
        DatabaseUrl::new("sqlite:/var/lib/carddesk.db").redacted(),
        "sqlite:/var/lib/carddesk.db"
    );
    assert_eq!(
        DatabaseUrl::new("postgres://a:b@[bad").redacted(),
        "[redacted]"
    );
}

#[test]
fn urls_are_checked_without_being_quoted() {
    assert!(check_http_url("https://sms.internal/send").is_ok());
    assert!(check_http_url("http://127.0.0.1:9000").is_ok());
    for bad in [
        "sms.internal/send",
        "ftp://sms.internal",
        "https://user:token@sms.internal",
        "not a url",
    ] {
        let why = check_http_url(bad).expect_err(bad);
        assert!(!why.contains(bad), "{why}");
    }
}

#[test]
fn every_setting_has_a_distinct_variable_and_flag() {
    for (i, a) in SETTINGS.iter().enumerate() {
        for b in &SETTINGS[i + 1..] {
            assert_ne!(a.key, b.key);
            assert_ne!(a.env, b.env);
            // The limits have no flags (the file or the environment only).
            if !a.flag.is_empty() {
                assert_ne!(a.flag, b.flag);
            }
        }
        assert!(a.env == "DATABASE_URL" || a.env.starts_with("CARDDESK_"));
        assert_eq!(a.flag.is_empty(), a.key.starts_with("limits."), "{}", a.key);
    }
}
