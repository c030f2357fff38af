//! The customer's real pages in the demo: a text's code opened in a
//! window of its own (`customer-page`) on the pages the console serves on
//! loopback. That window loads nothing but those pages: the address is
//! built here from the served base and the code, checked, and every
//! navigation is checked again. No capability names the window, so its
//! pages reach no command.

use tauri::{AppHandle, Manager, Url, WebviewUrl, WebviewWindowBuilder};

use carddesk_wire::{DeskError, DeskResult, ErrorCode};

/// The customer page window's label.
pub const CUSTOMER_PAGE_WINDOW: &str = "customer-page";
/// Every customer page lives under this path (the pages' cookies too).
const PAGES_PATH: &str = "/u";
/// Crockford's base32, as the processor writes codes.
const CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The page a code opens, `{base}/u/XXXXX-XXXXX`, when `base` is plain
/// HTTP on the IPv4 loopback with a port and nothing else, and `code` is
/// a code as the phone shows it; refused otherwise.
pub fn customer_page_url(base: &str, code: &str) -> DeskResult<Url> {
    let base = loopback_base(base)?;
    let well_formed = code.len() == 11
        && code.as_bytes()[5] == b'-'
        && code
            .bytes()
            .enumerate()
            .all(|(i, b)| i == 5 || CODE_ALPHABET.contains(&b));
    if !well_formed {
        return Err(DeskError::invalid(
            "an unfreeze code is written XXXXX-XXXXX",
        ));
    }
    let url = base
        .join(&format!("{PAGES_PATH}/{code}"))
        .map_err(|_| refused())?;
    if !may_navigate(&base, &url) {
        return Err(refused());
    }
    Ok(url)
}

/// Whether the customer page window may go to `url`: the served pages
/// only (same scheme, host and port as `base`, under `/u` or the
/// virtual-card application's `/apply`), so a link on a page cannot take
/// the window anywhere else.
pub fn may_navigate(base: &Url, url: &Url) -> bool {
    let under = |path: &str| url.path() == path || url.path().starts_with(&format!("{path}/"));
    url.scheme() == base.scheme()
        && url.host() == base.host()
        && url.port() == base.port()
        && url.username().is_empty()
        && url.password().is_none()
        && (under(PAGES_PATH) || under(APPLY_PATH))
}

/// Where the virtual-card application's pages live.
const APPLY_PATH: &str = "/apply";

/// The virtual-card application's first page on the served base.
pub fn apply_page_url(base: &str) -> DeskResult<Url> {
    loopback_base(base)?.join(APPLY_PATH).map_err(|_| refused())
}

/// `base` parsed, when it is `http://127.0.0.1:<port>` exactly.
fn loopback_base(base: &str) -> DeskResult<Url> {
    let url = Url::parse(base).map_err(|_| refused())?;
    let loopback = url.scheme() == "http"
        && url.host() == Some(url::Host::Ipv4(std::net::Ipv4Addr::LOCALHOST))
        && url.port().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none();
    if loopback { Ok(url) } else { Err(refused()) }
}

fn refused() -> DeskError {
    DeskError::new(
        ErrorCode::InvalidInput,
        "the customer page window opens the console's own pages on loopback only",
    )
}

/// Shows `url` in the customer page window, opening it (or reusing it).
pub fn show(app: &AppHandle, base: &str, url: Url) -> DeskResult<()> {
    let base = loopback_base(base)?;
    if !may_navigate(&base, &url) {
        return Err(refused());
    }
    let failed = |e: tauri::Error| {
        tracing::warn!(error = %e, "could not open the customer page window");
        DeskError::new(
            ErrorCode::Unavailable,
            "the customer page window could not be opened",
        )
    };
    if let Some(window) = app.get_webview_window(CUSTOMER_PAGE_WINDOW) {
        window.navigate(url).map_err(failed)?;
        return window.set_focus().map_err(failed);
    }
    WebviewWindowBuilder::new(app, CUSTOMER_PAGE_WINDOW, WebviewUrl::External(url))
        .title("CardDesk 客户页面 · Customer page")
        .inner_size(420.0, 760.0)
        .on_navigation(move |to| {
            let allowed = may_navigate(&base, to);
            if !allowed {
                tracing::warn!("the customer page window refused to leave the demo's pages");
            }
            allowed
        })
        .build()
        .map_err(failed)?;
    Ok(())
}

/// Closes the customer page window, if open: its pages stop with the desk.
pub fn close(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(CUSTOMER_PAGE_WINDOW)
        && let Err(e) = window.close()
    {
        tracing::warn!(error = %e, "could not close the customer page window");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://127.0.0.1:43117";

    #[test]
    fn the_application_pages_open_on_the_served_base_and_nowhere_else() {
        let url = apply_page_url(BASE).expect("a page");
        assert_eq!(url.as_str(), "http://127.0.0.1:43117/apply");
        let base = Url::parse(BASE).expect("base");
        for allowed in ["/apply/two-card", "/apply/status", "/u/7K3QZ-M9XPA"] {
            assert!(
                may_navigate(&base, &base.join(allowed).expect("url")),
                "{allowed}"
            );
        }
        for refused in ["/applyx", "/api/applicant/applications", "/"] {
            assert!(
                !may_navigate(&base, &base.join(refused).expect("url")),
                "{refused}"
            );
        }
        assert!(apply_page_url("http://example.com:80/").is_err());
    }

    #[test]
    fn a_code_opens_its_page_on_the_served_base() {
        let url = customer_page_url(BASE, "7K3QZ-M9XPA").expect("a page");
        assert_eq!(url.as_str(), "http://127.0.0.1:43117/u/7K3QZ-M9XPA");
    }

    #[test]
    fn only_plain_http_on_the_ipv4_loopback_with_a_port_is_a_base() {
        for base in [
            "https://127.0.0.1:43117",
            "http://localhost:43117",
            "http://127.0.0.2:43117",
            "http://[::1]:43117",
            "http://10.0.0.1:43117",
            "http://127.0.0.1",
            "http://user@127.0.0.1:43117",
            "http://127.0.0.1:43117/elsewhere",
            "http://127.0.0.1.evil.example:43117",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "",
        ] {
            assert!(customer_page_url(base, "7K3QZ-M9XPA").is_err(), "{base}");
        }
    }

    #[test]
    fn anything_but_a_code_is_refused() {
        for code in [
            "",
            "7K3QZM9XPA",
            "7K3QZ-M9XP",
            "7k3qz-m9xpa",
            "7K3QZ-M9XPI",
            "../../x/yz",
            "7K3QZ/M9XPA",
            "7K3QZ-M9XP?",
            "7K3QZ-M9X#A",
            "//evil.exam",
            "7K3QZ-M9XPA/../../admin",
        ] {
            assert!(customer_page_url(BASE, code).is_err(), "{code}");
        }
    }

    #[test]
    fn the_window_stays_on_the_served_pages() {
        let base = Url::parse(BASE).expect("a base");
        let ok = |u: &str| may_navigate(&base, &Url::parse(u).expect("a url"));
        assert!(ok("http://127.0.0.1:43117/u"));
        assert!(ok("http://127.0.0.1:43117/u/details"));
        assert!(ok("http://127.0.0.1:43117/u/result?lang=en"));
        assert!(!ok("http://127.0.0.1:43118/u/details"));
        assert!(!ok("https://127.0.0.1:43117/u/details"));
        assert!(!ok("http://localhost:43117/u/details"));
        assert!(!ok("http://127.0.0.1:43117/api/v1/cases"));
        assert!(!ok("http://127.0.0.1:43117/user"));
        assert!(!ok("http://127.0.0.1:43117/openapi.json"));
        assert!(!ok("https://evil.example/u/details"));
        assert!(!ok("http://x:y@127.0.0.1:43117/u/details"));
    }
}
