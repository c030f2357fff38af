//! The demo's waiting video interviews: two first-card applicants whose
//! uploads are in, so the console's interview queue has work from the
//! first start. The files are small stand-ins made with ffmpeg (the media
//! crate's test fixtures), embedded in the binary.

use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_processor::Processor;
use carddesk_processor::applications::ApplicationForm;
use carddesk_store::MediaKind;

const ID_FRONT: &[u8] = include_bytes!("../media/id_front.jpg");
const ID_BACK: &[u8] = include_bytes!("../media/id_back.png");
const SELFIE: &[u8] = include_bytes!("../media/selfie.jpg");
const VIDEO: &[u8] = include_bytes!("../media/interview.webm");

/// Where the demo applicants apply from.
const ORIGIN: &str = "seed";

/// The demo applicants: (name, the first 17 characters of their resident
/// ID, phone, language). Shanghai IDs, none of the demo bank's.
const APPLICANTS: [(&str, &str, &str, &str); 2] = [
    ("Liu Yang", "31010119900101123", "13912345678", "zh-CN"),
    ("Emma Clark", "31010419880707456", "13987654321", "en"),
];

/// Submits the demo applicants' applications and uploads their files;
/// returns how many are queued.
pub async fn queue_demo_interviews(processor: &Processor) -> anyhow::Result<u64> {
    let mut queued = 0;
    for (name, first17, phone, language) in APPLICANTS {
        let check = carddesk_domain::id_number::check_character(first17)
            .ok_or_else(|| anyhow::anyhow!("a demo ID has 17 digits"))?;
        let form = ApplicationForm {
            name: name.to_owned(),
            document: IdDocument::resident_id(&format!("{first17}{check}"))?,
            phone: PhoneNumber::parse(phone)?,
            product: "virtual_debit".to_owned(),
            language: language.to_owned(),
            consent_terms: true,
            consent_recording: true,
        };
        let submitted = processor.submit_application(form, ORIGIN).await?;
        for (kind, bytes) in [
            (MediaKind::IdFront, ID_FRONT),
            (MediaKind::IdBack, ID_BACK),
            (MediaKind::Selfie, SELFIE),
            (MediaKind::Video, VIDEO),
        ] {
            processor
                .upload_interview_media(&submitted.session, kind, bytes, ORIGIN)
                .await?;
        }
        queued += 1;
    }
    Ok(queued)
}
