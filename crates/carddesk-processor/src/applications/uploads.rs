//! The applicant's interview uploads: each checked by its content, sealed
//! at rest, recorded under the application's lock; the last of the four
//! puts the interview in the agents' queue.

use carddesk_domain::Actor;
use carddesk_store::{MediaKind, MediaRecord, Outcome};
use secrecy::SecretString;

use super::{application_object, changed, lock_application, media};
use crate::{Processor, Result, append_audit};

impl Processor {
    /// Takes one upload of the applicant's interview, checked by its
    /// content (a real JPEG or PNG photo, a real WebM or MP4 video, within
    /// size, pixel and duration limits), sealed at rest; when the last of
    /// the four is in, the interview joins the agents' queue. Returns the
    /// kinds still missing.
    pub async fn upload_interview_media(
        &self,
        session: &SecretString,
        kind: MediaKind,
        bytes: &[u8],
        origin: &str,
    ) -> Result<Vec<MediaKind>> {
        let record = self.application_by_session(session).await?;
        let id = record.application.id;
        let limits = &self.inner.config.applications;
        record.application.check_upload_step(self.now(), limits)?;
        let settings = &self.inner.config.media;
        let info = inspect(kind, bytes, settings.limits).await?;
        let sha256 = media::content_hash(bytes);
        media::store(settings, &self.inner.keys, &sha256, bytes).await?;

        let now = self.now();
        let mut tx = self.inner.store.begin().await?;
        let mut application = lock_application(tx.as_mut(), id).await?.application;
        application.check_upload_step(now, limits)?;
        tx.insert_media(&MediaRecord {
            id: 0,
            application_id: id,
            kind,
            container: info.container.as_str().to_owned(),
            bytes: i64::try_from(info.bytes).unwrap_or(i64::MAX),
            sha256,
            width: info.width.and_then(|w| i32::try_from(w).ok()),
            height: info.height.and_then(|h| i32::try_from(h).ok()),
            duration_ms: info.duration_millis.and_then(|d| i64::try_from(d).ok()),
            uploaded_at: now,
        })
        .await?;
        let present = tx.current_media_kinds(id).await?;
        let missing = MediaKind::missing_from(&present);
        let object = application_object(id);
        let actor = Actor::Applicant(id);
        append_audit(
            tx.as_mut(),
            &actor,
            now,
            "application.uploaded",
            &object,
            origin,
            Outcome::Success,
            format!(
                "{} ({}, {} bytes)",
                kind.as_str(),
                info.container.as_str(),
                info.bytes
            ),
        )
        .await?;
        if missing.is_empty() {
            application.uploads_complete(now, limits)?;
            tx.save_application(&application).await?;
            append_audit(
                tx.as_mut(),
                &actor,
                now,
                "application.queued",
                &object,
                origin,
                Outcome::Success,
                "every upload in: waiting for an agent".to_owned(),
            )
            .await?;
        }
        tx.commit().await?;
        if missing.is_empty() {
            self.inner.events.send_all(vec![changed(&application)]);
        }
        Ok(missing)
    }
}

/// Checks at once: decoding a photo of up to 8192² pixels takes a core
/// and up to 256 MiB for a moment.
static CHECKS_AT_ONCE: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Checks an upload by its content on the blocking pool, a few at a time,
/// so uploads never hold the async workers that answer everyone else.
async fn inspect(
    kind: MediaKind,
    bytes: &[u8],
    limits: carddesk_media::MediaLimits,
) -> Result<carddesk_media::MediaInfo> {
    let _turn = CHECKS_AT_ONCE
        .acquire()
        .await
        .map_err(|_| crate::ProcessorError::Config("the media checks have stopped".to_owned()))?;
    let owned = bytes.to_vec();
    let checked = tokio::task::spawn_blocking(move || match kind {
        MediaKind::Video => carddesk_media::inspect_video(&owned, &limits),
        _ => carddesk_media::inspect_image(&owned, &limits),
    })
    .await
    .map_err(|_| crate::ProcessorError::Config("a media check failed".to_owned()))?;
    Ok(checked?)
}
