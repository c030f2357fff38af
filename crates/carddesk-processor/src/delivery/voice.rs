//! Voice: the prompt as SSML, its audio, and the voice (IVR) gateway
//! adapter.
//!
//! The voice message the processor queued is plain words with the code
//! spelled one character at a time (`A 7 K …`). [`ssml`] turns it into
//! SSML: the text escaped, the language on `<speak>`, and every spelled
//! run said character by character with a pause between, so a listener
//! can write it down. A [`SpeechEngine`] renders that to a WAV file.
//!
//! The gateway gets one signed JSON object per message,
//!
//! ```json
//! {"message_id": 12, "idempotency_key": "…", "to": "+8613900000001",
//!  "language": "zh-CN", "ssml": "<speak …>…</speak>",
//!  "audio": {"content_type": "audio/wav", "encoding": "base64", "data": "…"}}
//! ```
//!
//! so it can play the audio, or speak the SSML with its own voice.

use async_trait::async_trait;
use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use zeroize::Zeroizing;

use super::http::{self, GatewayConfig};
use super::speech::{Prompt, SpeechEngine, SpeechError};
use super::{Adapter, DeliveryError, Outgoing};
use crate::ProcessorError;

/// The pause between two spelled characters.
const CHARACTER_BREAK: &str = "<break time=\"400ms\"/>";

/// The SSML language for a customer's language: `zh-CN`, or English for
/// anything else (as the messages themselves are chosen).
pub fn ssml_language(language: &str) -> &'static str {
    if language == "zh-CN" { "zh-CN" } else { "en" }
}

/// Escapes text for XML content and attribute values.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow at all (control characters
            // other than tab and line breaks) are dropped, not escaped:
            // no escape makes them legal.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// A character a spelled code is made of: the code's alphabet (Crockford
/// base32, upper case) and the card's digits.
fn spellable(c: char) -> bool {
    c.is_ascii_digit() || c.is_ascii_uppercase()
}

/// The runs of spelled characters in `text`: two or more single
/// characters each followed by one space, then one more, standing apart
/// from ASCII words (`ending 1 2 3 4,` and `：A 7 K。` are runs; `I am`
/// is not). Returns byte ranges.
fn spelled_runs(text: &str) -> Vec<(usize, usize)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let apart = |i: Option<char>| i.is_none_or(|c| !c.is_ascii_alphanumeric());
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = spellable(chars[i].1) && apart(i.checked_sub(1).and_then(at));
        if starts {
            // Extend over "X X X": a character, a space, a character…
            let mut end = i;
            while at(end + 1) == Some(' ') && at(end + 2).is_some_and(spellable) {
                end += 2;
            }
            if end > i && apart(at(end + 1)) {
                let stop = chars.get(end + 1).map_or(text.len(), |&(b, _)| b);
                runs.push((chars[i].0, stop));
                i = end + 1;
                continue;
            }
        }
        i += 1;
    }
    runs
}

/// The voice message as SSML 1.0: escaped, in its language, with every
/// spelled run said one character at a time with a pause between.
pub fn ssml(language: &str, text: &str) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\" xml:lang=\"{}\">",
        ssml_language(language)
    );
    let mut last = 0;
    for (start, end) in spelled_runs(text) {
        out.push_str(&escape_xml(&text[last..start]));
        let spelled: Vec<String> = text[start..end]
            .split(' ')
            .map(|c| format!("<say-as interpret-as=\"characters\">{c}</say-as>"))
            .collect();
        out.push_str(&spelled.join(CHARACTER_BREAK));
        last = end;
    }
    out.push_str(&escape_xml(&text[last..]));
    out.push_str("</speak>");
    out
}

/// The prompt's SSML and its audio (a WAV file) from `engine`.
pub async fn render(
    engine: &dyn SpeechEngine,
    language: &str,
    body: &SecretString,
) -> Result<(SecretString, Zeroizing<Vec<u8>>), SpeechError> {
    let ssml = SecretString::from(ssml(language, body.expose_secret()));
    let audio = engine
        .render(&Prompt {
            language: ssml_language(language),
            text: body.expose_secret(),
            ssml: ssml.expose_secret(),
        })
        .await?;
    Ok((ssml, audio))
}

/// The voice gateway.
#[derive(Debug, Clone)]
pub struct VoiceGateway {
    gateway: GatewayConfig,
    client: reqwest::Client,
    engine: std::sync::Arc<dyn SpeechEngine>,
}

#[derive(Serialize)]
struct VoiceRequest<'a> {
    message_id: i64,
    idempotency_key: &'a str,
    to: &'a str,
    language: &'a str,
    ssml: &'a str,
    audio: Audio<'a>,
}

#[derive(Serialize)]
struct Audio<'a> {
    content_type: &'static str,
    encoding: &'static str,
    data: &'a str,
}

impl VoiceGateway {
    /// The gateway at `gateway.url`, with prompts rendered by `engine`.
    pub fn new(
        gateway: GatewayConfig,
        engine: std::sync::Arc<dyn SpeechEngine>,
    ) -> Result<Self, ProcessorError> {
        Ok(Self {
            client: http::client(&gateway)?,
            gateway,
            engine,
        })
    }
}

#[async_trait]
impl Adapter for VoiceGateway {
    fn name(&self) -> &'static str {
        "voice-gateway"
    }

    fn max_duration(&self) -> std::time::Duration {
        self.engine.max_duration() + self.gateway.timeout
    }

    async fn deliver(&self, message: &Outgoing) -> Result<(), DeliveryError> {
        // An engine that fails may be missing or busy; either can be put
        // right, so it is retried until the attempts run out.
        let (ssml, audio) = render(self.engine.as_ref(), &message.language, &message.body)
            .await
            .map_err(|e| DeliveryError::retryable(e.code()))?;
        let data = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(&*audio));
        let body = serde_json::to_vec(&VoiceRequest {
            message_id: message.outbox_id,
            idempotency_key: &message.idempotency_key,
            to: &message.recipient,
            language: ssml_language(&message.language),
            ssml: ssml.expose_secret(),
            audio: Audio {
                content_type: "audio/wav",
                encoding: "base64",
                data: &data,
            },
        })
        .map_err(|_| DeliveryError::rejected("encode"))?;
        http::post_signed(&self.client, &self.gateway, &message.idempotency_key, body).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelled_runs_are_found_apart_from_words() {
        let text = "ending 1 2 3 4, code: A 7 K. I am a B";
        let runs: Vec<&str> = spelled_runs(text)
            .into_iter()
            .map(|(a, b)| &text[a..b])
            .collect();
        assert_eq!(runs, ["1 2 3 4", "A 7 K"]);
        let zh = "尾号1 2 3 4的卡，解冻码是：Q W 9。";
        let runs: Vec<&str> = spelled_runs(zh)
            .into_iter()
            .map(|(a, b)| &zh[a..b])
            .collect();
        assert_eq!(runs, ["1 2 3 4", "Q W 9"]);
    }
}
