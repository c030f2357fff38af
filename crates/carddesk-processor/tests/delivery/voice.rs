//! Voice: the SSML the voice gateway gets, the speech rendered for it and
//! for the console, and the prompts and markup without a database.

use std::io::Cursor;
use std::sync::Arc;

use crate::common::*;
use crate::support::*;
use base64::Engine as _;
use carddesk_processor::ProcessorError;
use carddesk_processor::delivery::speech::{EspeakNg, Prompt, SpeechEngine};
use carddesk_processor::delivery::voice::ssml;
use carddesk_processor::instructions::{self, InstructionFacts};
use carddesk_store::{OutboxChannel, Store};
use chrono::Duration;
use secrecy::SecretString;
use wiremock::{MockServer, Request};

pub(crate) async fn voice_is_ssml_and_speech(store: Arc<dyn Store>, db: TestDb) {
    capture_logs();
    let desk = Desk::new(store, &db).await;
    let server = MockServer::start().await;
    answer(&server, "/sms", 200).await;
    answer(&server, "/voice", 200).await;
    let (zh_case, zh_code, _) = instructed(&desk, 6, "zh-CN", TEXT_AND_VOICE).await;
    let (en_case, en_code, _) = instructed(&desk, 7, "en", TEXT_AND_VOICE).await;
    let w = worker(&desk, gateways(&server), config("w1"));

    assert_eq!(pass(&w, &desk).await.sent, 4);
    let voice: Vec<Request> = requests(&server)
        .await
        .into_iter()
        .filter(|r| r.url.path() == "/voice")
        .collect();
    assert_eq!(voice.len(), 2);
    for (case, code, lang) in [(zh_case, &zh_code, "zh-CN"), (en_case, &en_code, "en")] {
        let row = deliveries(&desk, case)
            .await
            .into_iter()
            .find(|d| d.message.message.channel == OutboxChannel::Voice)
            .expect("a voice message");
        assert_eq!(row.message.status, "sent");
        assert_eq!(row.delivered_via.as_deref(), Some("voice-gateway"));
        let hit = voice
            .iter()
            .find(|r| header(r, "idempotency-key") == row.message.message.idempotency_key)
            .expect("the voice gateway got it");
        assert!(signature_verifies(hit, SECRET));
        let body = json(hit);
        assert_eq!(body["language"], lang);
        let ssml = body["ssml"].as_str().expect("SSML");
        assert!(
            ssml.contains(&format!("<speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\" xml:lang=\"{lang}\">")),
            "{lang}: {ssml}"
        );
        // The code, spelled: each character said on its own, with a pause.
        let spelled: Vec<String> = code
            .chars()
            .filter(|c| *c != '-')
            .map(|c| format!("<say-as interpret-as=\"characters\">{c}</say-as>"))
            .collect();
        assert!(
            ssml.contains(&spelled.join("<break time=\"400ms\"/>")),
            "{lang}: {ssml}"
        );
        assert_eq!(body["audio"]["content_type"], "audio/wav");
        let wav = base64::engine::general_purpose::STANDARD
            .decode(body["audio"]["data"].as_str().expect("audio"))
            .expect("base64");
        assert_speech(&format!("{lang} prompt"), &wav);
    }
}

pub(crate) async fn console_gets_the_voice_prompt_audio(store: Arc<dyn Store>, db: TestDb) {
    capture_logs();
    let desk = Desk::new(store, &db).await;
    let (case, _, _) = instructed(&desk, 12, "zh-CN", TEXT_AND_VOICE).await;
    let rows = deliveries(&desk, case).await;
    let (text_id, voice_id) = (rows[0].message.id, rows[1].message.id);
    let engine = EspeakNg::default();
    let p = &desk.processor;
    let alice = agent("alice");

    let wav = p
        .voice_prompt_audio(&alice, voice_id, &engine, CONSOLE)
        .await
        .expect("the prompt's audio");
    assert_speech("the console's prompt", &wav);
    assert!(
        desk.actions(case)
            .await
            .contains(&"instruction.audio".to_owned())
    );
    let not_voice = p
        .voice_prompt_audio(&alice, text_id, &engine, CONSOLE)
        .await
        .expect_err("a text message");
    assert!(
        matches!(not_voice, ProcessorError::NotFound(_)),
        "{not_voice:?}"
    );
    let missing = p
        .voice_prompt_audio(&alice, voice_id + 100, &engine, CONSOLE)
        .await
        .expect_err("no such message");
    assert!(
        matches!(missing, ProcessorError::NotFound(_)),
        "{missing:?}"
    );
    // Once the code has run out, its audio is of no use to anyone.
    desk.advance(Duration::minutes(16));
    let late = p
        .voice_prompt_audio(&alice, voice_id, &engine, CONSOLE)
        .await
        .expect_err("expired");
    assert!(matches!(late, ProcessorError::Expired), "{late:?}");
}

// ---------------------------------------------------------------------------
// Without a database
// ---------------------------------------------------------------------------

fn facts(code: &SecretString) -> InstructionFacts<'_> {
    InstructionFacts {
        last_four: "4821",
        code,
        link_base: "https://bank.example",
        expires_at: start() + Duration::minutes(15),
        lifetime_minutes: 15,
    }
}

#[tokio::test]
async fn rendered_prompts_are_speech_not_silence() {
    capture_logs();
    let code = SecretString::from("7KQ2M-X9R4T".to_owned());
    let engine = EspeakNg::default();
    let mut lengths = Vec::new();
    for language in ["zh-CN", "en"] {
        let text = instructions::voice_message(language, &facts(&code));
        let wav = engine
            .render(&Prompt {
                language,
                text: &text,
                ssml: &ssml(language, &text),
            })
            .await
            .unwrap_or_else(|e| {
                panic!("espeak-ng renders {language} (apt-get install espeak-ng): {e}")
            });
        assert_speech(language, &wav);
        lengths.push(measure(&wav).0);
    }
    // The prompt spells a ten-character code twice, slowly: far more than
    // a second in either language.
    assert!(lengths.iter().all(|s| *s > 8.0), "{lengths:?}");

    // The measure tells silence apart: a second and a half of it fails.
    let mut silent = Cursor::new(Vec::new());
    {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 22_050,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::new(&mut silent, spec).expect("writer");
        for _ in 0..33_075 {
            writer.write_sample(0_i16).expect("sample");
        }
        writer.finalize().expect("finalize");
    }
    let (seconds, rms) = measure(silent.get_ref());
    assert!(seconds > 1.0 && rms < 0.02);
    let refused = std::panic::catch_unwind(|| assert_speech("silence", silent.get_ref()));
    assert!(refused.is_err(), "silence must not pass for speech");
}

#[test]
fn ssml_escapes_markup_and_spells_the_code() {
    assert_eq!(
        ssml("en", "Tom & Jerry <b>\"hi\"</b> it's code: A 7 K."),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\" xml:lang=\"en\">\
         Tom &amp; Jerry &lt;b&gt;&quot;hi&quot;&lt;/b&gt; it&apos;s code: \
         <say-as interpret-as=\"characters\">A</say-as><break time=\"400ms\"/>\
         <say-as interpret-as=\"characters\">7</say-as><break time=\"400ms\"/>\
         <say-as interpret-as=\"characters\">K</say-as>.</speak>"
    );
    let zh = ssml("zh-CN", "尾号4 8 2 1的卡 <&>");
    assert!(zh.contains("xml:lang=\"zh-CN\">尾号<say-as interpret-as=\"characters\">4</say-as>"));
    assert!(zh.ends_with("的卡 &lt;&amp;&gt;</speak>"), "{zh}");
    // Anything but zh-CN is spoken in English, as the messages are written.
    assert!(ssml("fr", "x").contains("xml:lang=\"en\""));
    // Control characters XML cannot carry are dropped.
    assert!(ssml("en", "a\u{1}b").contains(">ab</speak>"));
}
