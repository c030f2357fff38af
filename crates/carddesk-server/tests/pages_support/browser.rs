//! A small browser for driving the pages over HTTP: a cookie jar, an
//! `Accept-Language`, no redirects followed, and the answers read whole.

use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, HeaderValue};

use super::Bank;

/// An answer, read whole.
#[derive(Debug)]
pub struct Page {
    /// Status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: String,
}

impl Page {
    /// A header's value.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// Every `Set-Cookie`.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// The `Set-Cookie` for `name`.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find(|c| c.starts_with(&format!("{name}=")))
    }

    /// The form's CSRF token.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).expect("the page has a CSRF field") + marker.len();
        let end = self.body[start..].find('"').expect("closing quote");
        self.body[start..start + end].to_owned()
    }

    /// The text of the alert box, if any.
    pub fn alert(&self) -> Option<String> {
        let start = self.body.find("role=\"alert\">")? + "role=\"alert\">".len();
        let end = self.body[start..].find("</div>")?;
        Some(self.body[start..start + end].to_owned())
    }

    /// The outcome a result page names.
    pub fn outcome(&self) -> Option<String> {
        let marker = "data-outcome=\"";
        let start = self.body.find(marker)? + marker.len();
        let end = self.body[start..].find('"')?;
        Some(self.body[start..start + end].to_owned())
    }
}

/// A phone browser: a cookie jar, an `Accept-Language`, no redirects
/// followed (tests follow them to see each step).
#[derive(Debug, Clone)]
pub struct Phone {
    http: reqwest::Client,
    base: String,
    /// The cookies it holds.
    pub cookies: BTreeMap<String, String>,
    /// What it sends as `Accept-Language`.
    pub accept_language: Option<String>,
}

impl Phone {
    /// A fresh browser for `bank`.
    pub fn new(bank: &Bank, accept_language: Option<&str>) -> Self {
        Self::at(&bank.base, accept_language)
    }

    /// A fresh browser for the server at `base`.
    pub fn at(base: &str, accept_language: Option<&str>) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: base.to_owned(),
            cookies: BTreeMap::new(),
            accept_language: accept_language.map(str::to_owned),
        }
    }

    fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        if !self.cookies.is_empty() {
            let jar = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            h.insert(
                "cookie",
                HeaderValue::from_str(&jar).expect("cookie header"),
            );
        }
        if let Some(l) = &self.accept_language {
            h.insert(
                "accept-language",
                HeaderValue::from_str(l).expect("language header"),
            );
        }
        h
    }

    async fn read(&mut self, response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for value in headers.get_all("set-cookie") {
            let text = value.to_str().expect("ASCII cookie");
            let pair = text.split(';').next().expect("a pair");
            let (name, value) = pair.split_once('=').expect("name=value");
            if text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let body = response.text().await.expect("body");
        Page {
            status,
            headers,
            body,
        }
    }

    /// GETs `path`.
    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .headers(self.headers())
            .send()
            .await
            .expect("GET");
        self.read(response).await
    }

    /// POSTs a form to `path`.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .headers(self.headers())
            .form(form)
            .send()
            .await
            .expect("POST");
        self.read(response).await
    }

    /// POSTs a raw body with a content type.
    pub async fn post_raw(&mut self, path: &str, content_type: &str, body: String) -> Page {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .headers(self.headers())
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("POST");
        self.read(response).await
    }

    /// Opens the text message's link and continues: the case's session
    /// is in the jar afterwards. Returns the card confirmation page.
    pub async fn open(&mut self, code: &str) -> Page {
        let link = self.get(&format!("/u/{code}")).await;
        assert_eq!(link.status, 200, "{}", link.body);
        let opened = self
            .post(&format!("/u/{code}"), &[("csrf", &link.csrf())])
            .await;
        assert_eq!(opened.status, 303, "{}", opened.body);
        assert_eq!(opened.header("location"), "/u/card");
        self.get("/u/card").await
    }

    /// Uploads credentials from the details page.
    pub async fn upload(&mut self, id_number: &str, password: &str) -> Page {
        let details = self.get("/u/details").await;
        assert_eq!(details.status, 200, "{}", details.body);
        self.post(
            "/u/details",
            &[
                ("csrf", &details.csrf()),
                ("id_number", id_number),
                ("transaction_password", password),
            ],
        )
        .await
    }
}
