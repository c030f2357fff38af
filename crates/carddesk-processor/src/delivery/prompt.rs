//! The voice prompt an agent plays into the customer's call: a queued
//! voice instruction rendered to audio on demand, for the case's holder or
//! a supervisor only, each rendering and each refusal audited.

use carddesk_domain::{Actor, CaseState, StaffMember};
use carddesk_store::{OutboxChannel, Outcome};
use zeroize::Zeroizing;

use super::{open_body, speech, voice};
use crate::{Processor, ProcessorError, Result};

impl Processor {
    /// The voice prompt of a queued voice instruction, rendered as a WAV
    /// file by `engine`, for an agent to play into the customer's call.
    ///
    /// The audio says the one-time code, so it is rendered on demand and
    /// kept nowhere (not on disk, not in a cache), each rendering is
    /// audited, and only while the code can still be used: the case waits
    /// for the customer and the code has not run out.
    pub async fn voice_prompt_audio(
        &self,
        staff: &StaffMember,
        outbox_id: i64,
        engine: &dyn speech::SpeechEngine,
        origin: &str,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let message = self
            .inner
            .store
            .outbox_delivery(outbox_id)
            .await?
            .map(|d| d.message)
            .filter(|m| m.message.channel == OutboxChannel::Voice)
            .ok_or(ProcessorError::NotFound("voice instruction"))?;
        let case_id = message
            .message
            .subject
            .case()
            .ok_or(ProcessorError::NotFound("voice instruction"))?;
        let record = self
            .inner
            .store
            .case(case_id)
            .await?
            .ok_or(ProcessorError::NotFound("case"))?;
        // The prompt speaks the one-time code: only the case's holder and
        // supervisors hear it, and a refusal is kept too.
        let actor = Actor::Staff(staff.clone());
        let object = format!("case:{}", case_id.0);
        if let Err(refusal) = crate::desk::access::ensure_case_holder(staff, &record) {
            self.audit_alone(
                &actor,
                "instruction.audio",
                &object,
                origin,
                Outcome::Refused,
                format!("voice prompt (outbox {outbox_id}): not the case's holder"),
            )
            .await?;
            return Err(refusal);
        }
        let case = record.case;
        if case.state != CaseState::Instructed {
            return Err(ProcessorError::CaseClosed);
        }
        if case.is_expired_at(self.inner.clock.now()) {
            return Err(ProcessorError::Expired);
        }
        let body = open_body(&self.inner.keys, &message.message.body_sealed)?;
        let audio = voice::render(engine, &message.message.language, &body)
            .await
            .map_err(|e| ProcessorError::Config(format!("speech engine {}: {e}", engine.name())))?
            .1;
        self.audit_alone(
            &actor,
            "instruction.audio",
            &object,
            origin,
            Outcome::Success,
            format!(
                "voice prompt (outbox {outbox_id}) rendered by {}",
                engine.name()
            ),
        )
        .await?;
        Ok(audio)
    }
}
