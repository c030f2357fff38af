//! A phone browser on the applicant's pages: cookies, a language, forms
//! and uploads of the media fixtures.

use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::multipart::{Form, Part};

use super::site::Site;
use crate::pages_support::Page;

/// A phone browser: a cookie jar, a language, no redirects followed.
pub(crate) struct Phone {
    http: reqwest::Client,
    base: String,
    cookies: BTreeMap<String, String>,
    lang: &'static str,
}

impl Phone {
    pub(crate) fn new(site: &Site, lang: &'static str) -> Self {
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

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let request = self.http.get(format!("{}{path}", self.base));
        let response = request.headers(self.headers()).send().await.expect("GET");
        self.read(response).await
    }

    pub(crate) async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let request = self.http.post(format!("{}{path}", self.base)).form(form);
        let response = request.headers(self.headers()).send().await.expect("POST");
        self.read(response).await
    }

    /// Posts files to the interview page, the CSRF token first when given.
    pub(crate) async fn upload(&mut self, csrf: Option<&str>, files: &[(&str, &str)]) -> Page {
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
    pub(crate) async fn upload_bytes(&mut self, csrf: &str, field: &str, bytes: Vec<u8>) -> Page {
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
    pub(crate) async fn apply(&mut self, id_number: &str, phone: &str, language: &str) -> Page {
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
