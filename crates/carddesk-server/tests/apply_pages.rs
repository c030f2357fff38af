//! The applicant's pages over HTTP (issue 8): both routes from the form to
//! the card shown once, on SQLite and PostgreSQL, and what guards them
//! (CSRF, the headers and cookies, GETs that never write, uploads checked
//! by content, failures that never say which credential was wrong).

mod common;
mod pages_support;

use std::collections::BTreeMap;
use std::sync::Arc;

use carddesk_domain::application::{
    ApplicationId, Checklist, ChecklistItem, Verdict, VerdictReason,
};
use carddesk_domain::{CardStatus, Role, StaffMember};
use carddesk_processor::{Keyring, ManualClock, Processor, ProcessorConfig, Purpose};
use carddesk_server::AppState;
use carddesk_store::{OutboxSubject, Store};
use chrono::Duration;
use common::{PASSWORD, RawDb, WRONG_PASSWORD, resident_id};
use pages_support::Page;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::multipart::{Form, Part};
use tokio::sync::oneshot;

/// A server over a database of its own, with its own media directory.
struct Site {
    base: String,
    processor: Processor,
    store: Arc<dyn Store>,
    keys: Arc<Keyring>,
    clock: Arc<ManualClock>,
    raw: RawDb,
    media: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

async fn site(store: Arc<dyn Store>, keys: Arc<Keyring>, raw: RawDb) -> Site {
    let media = tempfile::tempdir().expect("media directory");
    let mut config = ProcessorConfig::default();
    config.media.dir = media.path().to_owned();
    let clock = Arc::new(ManualClock::new(common::start()));
    let processor = Processor::new(store.clone(), keys.clone(), config, clock.clone())
        .await
        .expect("processor starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(carddesk_server::serve(
        listener,
        AppState::new(processor.clone()),
        async {
            let _ = stopped.await;
        },
    ));
    Site {
        base,
        processor,
        store,
        keys,
        clock,
        raw,
        media,
        stop: Some(stop),
        server: Some(server),
    }
}

impl Site {
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("clean shutdown");
        }
    }

    /// Enrols customer `seed` with one active card; returns its number.
    async fn customer(&self, seed: u32) -> common::Person {
        let hash = carddesk_processor::passwords::hash(&secrecy::SecretString::from(PASSWORD));
        common::enrol(
            self.store.as_ref(),
            &self.keys,
            seed,
            &[CardStatus::Active],
            PASSWORD,
            &hash,
        )
        .await
    }

    /// The latest text queued for an application: (recipient, body).
    async fn last_text(&self) -> (String, String) {
        let outbox = self.store.outbox(None, 10_000).await.expect("outbox");
        let m = outbox
            .iter()
            .rfind(|m| {
                matches!(
                    m.message.subject,
                    OutboxSubject::ApplicationCode(_) | OutboxSubject::ApplicationNotice(_)
                )
            })
            .expect("a text to an applicant");
        let body = self
            .keys
            .open(Purpose::Instruction, &m.message.body_sealed)
            .expect("open");
        (
            m.message.recipient.clone(),
            String::from_utf8(body.to_vec()).expect("UTF-8"),
        )
    }

    /// The six digits of the latest code text.
    async fn code(&self) -> String {
        let (_, body) = self.last_text().await;
        body.split(|c: char| !c.is_ascii_digit())
            .find(|run| run.len() == 6)
            .expect("six digits")
            .to_owned()
    }

    /// The newest application's id.
    async fn newest(&self) -> ApplicationId {
        let ids = self
            .raw
            .texts("SELECT CAST(id AS TEXT) FROM applications ORDER BY id DESC")
            .await;
        ApplicationId(ids[0].parse().expect("an id"))
    }

    /// What a request could change: the common snapshot and the
    /// applications' tables.
    async fn snapshot(&self) -> Vec<String> {
        let mut out = self.raw.snapshot().await;
        for table in ["applications", "application_media", "virtual_cards"] {
            let n = self.raw.count(&format!("FROM {table}")).await;
            out.push(format!("{table}: {n} rows"));
        }
        out.extend(
            self.raw
                .texts(
                    "SELECT CAST(id AS TEXT) || ' ' || state || ' ' || two_card_step || ' ' \
                     || interview_step || ' ' || CAST(failed_attempts AS TEXT) || ' ' \
                     || CAST(updated_at AS TEXT) FROM applications ORDER BY id",
                )
                .await,
        );
        out.extend(
            self.raw
                .texts(
                    "SELECT CAST(card_id AS TEXT) || ' ' || COALESCE(CAST(revealed_at AS TEXT), '-') \
                     FROM virtual_cards ORDER BY card_id",
                )
                .await,
        );
        out
    }

    async fn media_rows(&self) -> i64 {
        self.raw.count("FROM application_media").await
    }

    fn media_files(&self) -> usize {
        std::fs::read_dir(self.media.path()).map_or(0, |d| d.count())
    }
}

/// A phone browser: a cookie jar, a language, no redirects followed.
struct Phone {
    http: reqwest::Client,
    base: String,
    cookies: BTreeMap<String, String>,
    lang: &'static str,
}

impl Phone {
    fn new(site: &Site, lang: &'static str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: site.base.clone(),
            cookies: BTreeMap::new(),
            lang,
        }
    }

    fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        let jar: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !jar.is_empty() {
            h.insert(
                "cookie",
                HeaderValue::from_str(&jar.join("; ")).expect("cookies"),
            );
        }
        h.insert("accept-language", HeaderValue::from_static(self.lang));
        h
    }

    async fn read(&mut self, response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for value in headers.get_all("set-cookie") {
            let text = value.to_str().expect("ASCII cookie");
            let (name, value) = text
                .split(';')
                .next()
                .and_then(|p| p.split_once('='))
                .expect("name=value");
            self.cookies.insert(name.to_owned(), value.to_owned());
        }
        let body = response.text().await.expect("body");
        Page {
            status,
            headers,
            body,
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let request = self.http.get(format!("{}{path}", self.base));
        let response = request.headers(self.headers()).send().await.expect("GET");
        self.read(response).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let request = self.http.post(format!("{}{path}", self.base)).form(form);
        let response = request.headers(self.headers()).send().await.expect("POST");
        self.read(response).await
    }

    /// Posts files to the interview page, the CSRF token first when given.
    async fn upload(&mut self, csrf: Option<&str>, files: &[(&str, &str)]) -> Page {
        let mut form = Form::new();
        if let Some(csrf) = csrf {
            form = form.text("csrf", csrf.to_owned());
        }
        for (field, fixture_name) in files {
            let part = Part::bytes(fixture(fixture_name)).file_name(fixture_name.to_string());
            form = form.part(field.to_string(), part);
        }
        let request = self
            .http
            .post(format!("{}/apply/interview", self.base))
            .multipart(form);
        let response = request.headers(self.headers()).send().await.expect("POST");
        self.read(response).await
    }

    /// Posts these bytes as one file to the interview page.
    async fn upload_bytes(&mut self, csrf: &str, field: &str, bytes: Vec<u8>) -> Page {
        let form = Form::new()
            .text("csrf", csrf.to_owned())
            .part(field.to_owned(), Part::bytes(bytes).file_name("upload.bin"));
        let request = self
            .http
            .post(format!("{}/apply/interview", self.base))
            .multipart(form);
        let response = request.headers(self.headers()).send().await.expect("POST");
        self.read(response).await
    }

    /// Fills in and submits the form; returns the answer.
    async fn apply(&mut self, id_number: &str, phone: &str, language: &str) -> Page {
        let form = self.get("/apply").await;
        assert_eq!(form.status, 200, "{}", form.body);
        self.post(
            "/apply",
            &[
                ("csrf", &form.csrf()),
                ("name", "Wang Fang"),
                ("document_kind", "resident_id"),
                ("id_number", id_number),
                ("passport_country", ""),
                ("phone", phone),
                ("product", "virtual_debit"),
                ("language", language),
                ("consent_terms", "yes"),
                ("consent_recording", "yes"),
            ],
        )
        .await
    }
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../carddesk-media/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A `data-…` attribute's value in a page.
fn data(page: &Page, name: &str) -> Option<String> {
    let marker = format!("{name}=\"");
    let start = page.body.find(&marker)? + marker.len();
    let end = page.body[start..].find('"')?;
    Some(page.body[start..start + end].to_owned())
}

/// The headers of every application page.
fn assert_headers(page: &Page) {
    assert_eq!(
        page.header("content-security-policy"),
        "default-src 'none'; script-src 'self'; style-src 'self'; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'"
    );
    assert_eq!(page.header("cache-control"), "no-store");
    assert_eq!(page.header("x-frame-options"), "DENY");
    assert!(page.header("permissions-policy").contains("camera=(self)"));
    // No inline code the CSP would refuse: scripts come from files only.
    for needle in ["style=", "<style", "<script>", "javascript:", " onclick="] {
        assert!(!page.body.contains(needle), "{needle:?} in:\n{}", page.body);
    }
}

async fn the_two_card_route_issues_a_card_shown_once(site: &Site) {
    let person = site.customer(81).await;
    let mut phone = Phone::new(site, "en-GB,en;q=0.9");

    let form = phone.get("/apply").await;
    assert_headers(&form);
    assert!(form.body.contains("<html lang=\"en\">"));
    assert!(form.body.contains("Apply for a virtual card"));
    assert!(
        form.body
            .contains(carddesk_processor::applications::CONSENT_VERSION)
    );
    assert!(form.body.contains("Great Wall Virtual Credit"));
    let binding = form.set_cookie("cd_ab").expect("the browser binding");
    assert!(
        binding.contains("Path=/apply; HttpOnly; SameSite=Strict"),
        "{binding}"
    );

    // Without the CSRF token: refused, nothing written.
    let before = site.snapshot().await;
    let refused = phone.post("/apply", &[("name", "Wang Fang")]).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(site.snapshot().await, before);

    // The typed phone is not the one on file: the code goes to the latter.
    let applied = phone.apply(&person.id_number, "+8613900000001", "en").await;
    assert_eq!(applied.status, 303, "{}", applied.body);
    assert_eq!(applied.header("location"), "/apply/two-card");
    let session = applied.set_cookie("cd_as").expect("the session cookie");
    assert!(
        session.contains("Path=/apply; HttpOnly; SameSite=Strict"),
        "{session}"
    );
    assert!(!session.contains("Secure"), "plain http: {session}");

    let card = phone.get("/apply/two-card").await;
    assert_eq!(card.status, 200, "{}", card.body);
    assert!(card.body.contains("3 attempts left"));
    let number = &person.cards[0].number;
    let wrong = phone
        .post(
            "/apply/two-card",
            &[
                ("csrf", &card.csrf()),
                ("card_number", number),
                ("transaction_password", WRONG_PASSWORD),
            ],
        )
        .await;
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    assert_eq!(
        wrong.alert().as_deref(),
        Some("The details you entered do not match our records. You have 2 attempts left.")
    );
    let proven = phone
        .post(
            "/apply/two-card",
            &[
                ("csrf", &card.csrf()),
                ("card_number", number),
                ("transaction_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(proven.status, 303, "{}", proven.body);
    assert_eq!(proven.header("location"), "/apply/code");
    let (to, _) = site.last_text().await;
    assert_eq!(to, person.phone, "the phone on file for the card");
    // The page says where the code went, masked: the last four of the
    // phone on file, never the whole number.
    let sent = phone.get("/apply/code").await;
    let last_four = &person.phone[person.phone.len() - 4..];
    let line = sent
        .body
        .lines()
        .find(|l| l.contains("data-testid=\"code-sent-to\""))
        .unwrap_or_else(|| panic!("no 'sent to' line: {}", sent.body));
    assert!(
        line.contains("Sent to:") && line.contains(last_four),
        "{line}"
    );
    assert!(
        !sent.body.contains(&person.phone),
        "the whole number is not shown"
    );

    // A code that ran out sends the applicant back to the card, at no cost.
    site.clock.advance(Duration::minutes(11));
    let code_page = phone.get("/apply/code").await;
    assert_eq!(code_page.status, 200, "{}", code_page.body);
    let stale = site.code().await;
    let expired = phone
        .post(
            "/apply/code",
            &[("csrf", &code_page.csrf()), ("code", &stale)],
        )
        .await;
    assert_eq!(expired.status, 410, "{}", expired.body);
    assert!(expired.alert().expect("alert").contains("expired"));
    assert!(expired.body.contains("2 attempts left"));
    let proven = phone
        .post(
            "/apply/two-card",
            &[
                ("csrf", &card.csrf()),
                ("card_number", number),
                ("transaction_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(proven.header("location"), "/apply/code");
    let code = site.code().await;
    assert_ne!(code, stale);
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    let failed = phone
        .post(
            "/apply/code",
            &[("csrf", &card.csrf()), ("code", wrong_code)],
        )
        .await;
    assert_eq!(failed.status, 401);
    assert_eq!(
        failed.alert().as_deref(),
        Some("The details you entered do not match our records. You have 1 attempt left.")
    );

    // GETs never write.
    let before = site.snapshot().await;
    for path in [
        "/apply",
        "/apply/two-card",
        "/apply/code",
        "/apply/interview",
        "/apply/status",
    ] {
        let page = phone.get(path).await;
        assert!(matches!(page.status, 200 | 303), "{path}: {}", page.status);
    }
    assert_eq!(site.snapshot().await, before, "a GET wrote");

    let issued = phone
        .post("/apply/code", &[("csrf", &card.csrf()), ("code", &code)])
        .await;
    assert_eq!(issued.status, 303, "{}", issued.body);
    assert_eq!(issued.header("location"), "/apply/status");
    let status = phone.get("/apply/status").await;
    assert_headers(&status);
    assert_eq!(data(&status, "data-state").as_deref(), Some("issued"));
    assert!(status.body.contains("Your virtual card is ready"));
    assert!(
        status
            .body
            .contains("Show my card details (shown only once)")
    );

    // Without the token, the reveal is refused and nothing is shown.
    let refused = phone.post("/apply/card", &[("csrf", "forged")]).await;
    assert_eq!(refused.status, 403);
    let shown = phone.post("/apply/card", &[("csrf", &status.csrf())]).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_headers(&shown);
    assert!(shown.body.contains("will not be shown again"));
    let pan: String = data_text(&shown, "card-number").replace(' ', "");
    assert_eq!(pan.len(), 16);
    assert!(pan.starts_with("621799"), "{pan}");
    assert!(
        carddesk_domain::card::CardNumber::parse(&pan).is_ok(),
        "Luhn"
    );
    let cvc = data_text(&shown, "card-security-code");
    assert!(
        cvc.len() == 3 && cvc.bytes().all(|b| b.is_ascii_digit()),
        "{cvc}"
    );
    assert!(
        status.body.contains(&pan[12..]),
        "the masked number's last four"
    );

    let again = phone.post("/apply/card", &[("csrf", &status.csrf())]).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.alert().expect("alert").contains("shown once"));
    assert!(!again.body.contains(&pan) && !again.body.contains(&cvc));
    let later = phone.get("/apply/status").await;
    assert!(!later.body.contains("action=\"/apply/card\""));
    assert!(later.body.contains("id=\"already-shown\""));
}

/// The text of the element with this id.
fn data_text(page: &Page, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    let start = page.body.find(&marker).expect("the element") + marker.len();
    let end = page.body[start..].find('<').expect("its end");
    page.body[start..start + end].trim().to_owned()
}

async fn the_video_route_waits_for_an_agent_then_issues(site: &Site) {
    let mut phone = Phone::new(site, "en");
    let applied = phone
        .apply(&resident_id(9_101), "+8613912345678", "en")
        .await;
    assert_eq!(applied.status, 303, "{}", applied.body);
    assert_eq!(applied.header("location"), "/apply/interview");

    let page = phone.get("/apply/interview").await;
    assert_headers(&page);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    assert!(page.body.contains("accept=\"video/*\" capture="));
    assert_eq!(page.body.matches("data-received=\"no\"").count(), 4);
    let script = data(&page, "<script src").expect("the recorder's script");
    assert!(script.starts_with("/apply/static/record.js?v="), "{script}");
    let js = phone.get(&script).await;
    assert_eq!(js.status, 200);
    assert!(js.header("content-type").starts_with("text/javascript"));
    assert!(js.body.contains("MediaRecorder.isTypeSupported"));

    // No CSRF token: refused before any file is read.
    let refused = phone.upload(None, &[("id_front", "image_64.jpg")]).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let forged = phone
        .upload(Some("forged"), &[("id_front", "image_64.jpg")])
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!((site.media_rows().await, site.media_files()), (0, 0));

    // Not a photo: said clearly, nothing stored.
    let bad = phone
        .upload(Some(&page.csrf()), &[("id_front", "not_an_image.jpg")])
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    let alert = bad.alert().expect("alert");
    assert!(
        alert.starts_with("ID document, front: we cannot accept this file"),
        "{alert}"
    );
    assert!(alert.contains("Nothing was stored"));
    assert_eq!((site.media_rows().await, site.media_files()), (0, 0));
    // Past the forms' 2 KiB and the server's 16 KiB: the upload's own
    // limit lets it reach the checks; past 25 MiB it is refused unread.
    let junk = phone
        .upload_bytes(&page.csrf(), "selfie", vec![0x42; 100 * 1024])
        .await;
    assert_eq!(junk.status, 422, "{}", junk.body);
    assert!(junk.alert().expect("alert").starts_with("A selfie:"));
    let huge = phone
        .upload_bytes(&page.csrf(), "video", vec![0; 25 * 1024 * 1024 + 1])
        .await;
    assert_eq!(huge.status, 413, "{}", huge.body);
    assert_eq!(data(&huge, "data-outcome").as_deref(), Some("too_large"));
    assert_eq!((site.media_rows().await, site.media_files()), (0, 0));
    let none = phone.upload(Some(&page.csrf()), &[]).await;
    assert_eq!(none.status, 422);
    assert_eq!(none.alert().as_deref(), Some("Choose at least one file."));

    let two = phone
        .upload(
            Some(&page.csrf()),
            &[("id_front", "image_64.jpg"), ("id_back", "image_64.png")],
        )
        .await;
    assert_eq!(two.status, 303, "{}", two.body);
    assert_eq!(two.header("location"), "/apply/interview");
    let page = phone.get("/apply/interview").await;
    assert_eq!(page.body.matches("data-received=\"yes\"").count(), 2);
    assert!(
        page.body
            .contains("data-kind=\"selfie\" data-received=\"no\"")
    );
    let rest = phone
        .upload(
            Some(&page.csrf()),
            &[
                ("selfie", "image_64.jpg"),
                ("video", "video_2s_mediarecorder.webm"),
            ],
        )
        .await;
    assert_eq!(rest.header("location"), "/apply/status", "{}", rest.body);
    assert_eq!(site.media_rows().await, 4);

    let waiting = phone.get("/apply/status").await;
    assert_eq!(data(&waiting, "data-step").as_deref(), Some("queued"));
    assert!(waiting.body.contains("Waiting for an agent"));
    assert!(
        waiting
            .body
            .contains("<meta http-equiv=\"refresh\" content=\"10\">")
    );
    assert!(!waiting.body.contains("action=\"/apply/card\""));
    let before = site.snapshot().await;
    phone.get("/apply/status").await;
    phone.get("/apply/interview").await;
    assert_eq!(site.snapshot().await, before, "a GET wrote");

    let agent = StaffMember {
        username: "li".to_owned(),
        role: Role::Agent,
    };
    let id = site.newest().await;
    let p = &site.processor;
    p.claim_interview(&agent, id, "console:test")
        .await
        .expect("claim");
    let reviewing = phone.get("/apply/status").await;
    assert_eq!(data(&reviewing, "data-step").as_deref(), Some("claimed"));
    let checklist = Checklist(ChecklistItem::ALL.into_iter().collect());
    p.decide_interview(&agent, id, &Verdict::Pass { checklist }, "console:test")
        .await
        .expect("decide")
        .expect("issued");

    let issued = phone.get("/apply/status").await;
    assert_eq!(data(&issued, "data-state").as_deref(), Some("issued"));
    assert!(!issued.body.contains("http-equiv=\"refresh\""));
    let shown = phone.post("/apply/card", &[("csrf", &issued.csrf())]).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(data_text(&shown, "card-number").starts_with("6217 99"));
    let again = phone.post("/apply/card", &[("csrf", &issued.csrf())]).await;
    assert_eq!(again.status, 409);
}

async fn withdrawing_refusals_and_chinese(site: &Site) {
    let mut phone = Phone::new(site, "zh-CN");
    let form = phone.get("/apply").await;
    assert!(form.body.contains("<html lang=\"zh-CN\">"));
    assert!(form.body.contains("申请虚拟卡"));
    let id = resident_id(9_102);

    // What the page checks itself, in Chinese, and the ID number is not
    // written back into the page.
    let unticked = phone
        .post(
            "/apply",
            &[
                ("csrf", &form.csrf()),
                ("name", "王芳"),
                ("id_number", &id),
                ("phone", "13912345678"),
            ],
        )
        .await;
    assert_eq!(unticked.status, 422);
    assert_eq!(
        unticked.alert().as_deref(),
        Some("请勾选同意条款及视频录制后再提交。")
    );
    assert!(!unticked.body.contains(&id));
    assert!(unticked.body.contains("value=\"王芳\""));
    let bad_id = phone
        .apply(&common::malformed_id(9_102), "13912345678", "zh-CN")
        .await;
    assert_eq!(bad_id.status, 422);
    assert!(bad_id.alert().expect("alert").contains("18 位"));
    let bad_phone = phone.apply(&id, "12", "zh-CN").await;
    assert_eq!(bad_phone.status, 422);
    assert!(bad_phone.alert().expect("alert").contains("手机号码"));
    assert_eq!(site.raw.count("FROM applications").await, 0);

    let applied = phone.apply(&id, "13912345678", "zh-CN").await;
    assert_eq!(applied.header("location"), "/apply/interview");
    // One open application per person, whichever browser.
    let mut other = Phone::new(site, "zh-CN");
    let twice = other.apply(&id, "13912345678", "zh-CN").await;
    assert_eq!(twice.status, 409);
    assert!(twice.alert().expect("alert").contains("正在办理"));
    // The form offers the way back to the open application.
    assert!(
        phone
            .get("/apply")
            .await
            .body
            .contains("href=\"/apply/interview\"")
    );

    let status = phone.get("/apply/status").await;
    assert_eq!(
        data(&status, "data-step").as_deref(),
        Some("awaiting_uploads")
    );
    let refused = phone.post("/apply/withdraw", &[]).await;
    assert_eq!(refused.status, 403);
    let withdrawn = phone
        .post("/apply/withdraw", &[("csrf", &status.csrf())])
        .await;
    assert_eq!(withdrawn.header("location"), "/apply/status");
    let status = phone.get("/apply/status").await;
    assert_eq!(data(&status, "data-state").as_deref(), Some("withdrawn"));
    assert!(status.body.contains("申请已撤回"));
    assert!(status.body.contains("href=\"/apply/status?lang=en\""));
    // Then free to apply again.
    let again = other.apply(&id, "13912345678", "zh-CN").await;
    assert_eq!(again.header("location"), "/apply/interview");

    // Past its lifetime it shows as expired before the schedule says so,
    // and offers no step.
    site.clock.advance(Duration::hours(25));
    let before = site.snapshot().await;
    let late = other.get("/apply/status").await;
    assert_eq!(data(&late, "data-state").as_deref(), Some("expired"));
    assert!(late.body.contains("申请已过期"));
    assert!(!late.body.contains("action=\"/apply/withdraw\""));
    let interview = other.get("/apply/interview").await;
    assert_eq!(interview.header("location"), "/apply/status");
    assert_eq!(site.snapshot().await, before, "a GET wrote");

    // No session: said so, for every page that needs one.
    let mut stranger = Phone::new(site, "en");
    let ended = stranger.get("/apply/status").await;
    assert_eq!(ended.status, 401);
    assert!(ended.body.contains("Your session has ended"));
}

async fn a_retry_and_a_fail_say_why_in_the_applicants_language(site: &Site) {
    let mut phone = Phone::new(site, "en");
    let applied = phone
        .apply(&resident_id(9_103), "+8613912345678", "en")
        .await;
    assert_eq!(applied.header("location"), "/apply/interview");
    let all_four = [
        ("id_front", "image_64.jpg"),
        ("id_back", "image_64.png"),
        ("selfie", "image_64.jpg"),
        ("video", "video_2s_mediarecorder.webm"),
    ];
    let page = phone.get("/apply/interview").await;
    let sent = phone.upload(Some(&page.csrf()), &all_four).await;
    assert_eq!(sent.header("location"), "/apply/status", "{}", sent.body);

    let agent = StaffMember {
        username: "li".to_owned(),
        role: Role::Agent,
    };
    let id = site.newest().await;
    let p = &site.processor;
    p.claim_interview(&agent, id, "console:test")
        .await
        .expect("claim");
    let reasons = [VerdictReason::PhotoUnreadable].into_iter().collect();
    p.decide_interview(&agent, id, &Verdict::Retry { reasons }, "console:test")
        .await
        .expect("retry");
    let status = phone.get("/apply/status").await;
    assert_eq!(
        data(&status, "data-step").as_deref(),
        Some("awaiting_uploads")
    );
    assert!(
        status
            .body
            .contains("Our reviewer asks you to upload again:")
    );
    assert!(status.body.contains("<li>a photo cannot be read</li>"));
    assert!(status.body.contains("href=\"/apply/interview\""));
    let page = phone.get("/apply/interview").await;
    assert!(page.body.contains("id=\"retry\""));
    assert_eq!(page.body.matches("data-received=\"no\"").count(), 4);

    let sent = phone.upload(Some(&page.csrf()), &all_four).await;
    assert_eq!(sent.header("location"), "/apply/status");
    p.claim_interview(&agent, id, "console:test")
        .await
        .expect("claim");
    let reasons = [VerdictReason::FaceMismatch, VerdictReason::NotLive]
        .into_iter()
        .collect();
    p.decide_interview(&agent, id, &Verdict::Fail { reasons }, "console:test")
        .await
        .expect("fail");
    let failed = phone.get("/apply/status?lang=zh-CN").await;
    assert_eq!(data(&failed, "data-state").as_deref(), Some("rejected"));
    assert!(failed.body.contains("申请未通过"));
    assert!(failed.body.contains("<li>面部与证件照片不符</li>"));
    assert!(failed.body.contains("<li>未能确认为本人实时拍摄</li>"));
    assert!(!failed.body.contains("action=\"/apply/card\""));
    assert!(failed.body.contains("href=\"/apply\""), "apply again");
    let card = phone.post("/apply/card", &[("csrf", &page.csrf())]).await;
    assert_eq!(card.header("location"), "/apply/status", "nothing to show");
}

macro_rules! on_both_databases {
    ($($scenario:ident => $sqlite:ident, $postgres:ident;)*) => {
        $(
            #[sqlx::test(migrations = false)]
            async fn $sqlite(pool: sqlx::SqlitePool) {
                let (store, keys, raw) = common::sqlite(pool).await;
                let site = site(store, keys, raw).await;
                $scenario(&site).await;
                site.stop().await;
            }

            #[sqlx::test(migrations = false)]
            async fn $postgres(pool: sqlx::PgPool) {
                let (store, keys, raw) = common::postgres(pool).await;
                let site = site(store, keys, raw).await;
                $scenario(&site).await;
                site.stop().await;
            }
        )*
    };
}

on_both_databases! {
    the_two_card_route_issues_a_card_shown_once => sqlite_two_card_route, postgres_two_card_route;
    the_video_route_waits_for_an_agent_then_issues => sqlite_video_route, postgres_video_route;
    withdrawing_refusals_and_chinese => sqlite_withdraw_and_refusals, postgres_withdraw_and_refusals;
    a_retry_and_a_fail_say_why_in_the_applicants_language => sqlite_retry_and_fail, postgres_retry_and_fail;
}
