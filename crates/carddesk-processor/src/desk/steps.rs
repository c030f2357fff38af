//! The desk's steps on cases and its supervisor reads: each authorises
//! the session for its action, runs the processor's step (which checks
//! whose case it is under the case's lock and audits), and converts.

use carddesk_domain::case::CaseId;
use carddesk_domain::{Actor, CardId, CaseState, Role};
use carddesk_store::{CaseFilter, ChainReport, Outcome};
use carddesk_wire as wire;
use secrecy::ExposeSecret;

use super::access::{Action, ensure_case_holder};
use super::{LocalDesk, convert};
use crate::{Channels, ProcessorError, Result, append_audit};

/// How a case is closed by staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Closing {
    Cancel,
    Reject,
}

fn case_object(case: i64) -> String {
    format!("case:{case}")
}

/// A reason as the audit log may keep it: 1 to 500 characters, no
/// control characters (they could forge lines in a log viewer).
fn checked_reason(reason: &str) -> Result<&str> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 || reason.chars().any(char::is_control) {
        return Err(ProcessorError::InvalidInput(
            "give a reason of 1 to 500 characters, without control characters".to_owned(),
        ));
    }
    Ok(reason)
}

fn channels(request: wire::InstructRequest) -> Channels {
    Channels {
        text: request.text,
        voice: request.voice,
    }
}

impl LocalDesk {
    pub(super) async fn sign_in_checked(
        &self,
        request: &wire::SignInRequest,
    ) -> Result<wire::SignedIn> {
        let name = &request.username;
        // The username goes into the audit log as it is.
        if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
            return Err(ProcessorError::InvalidInput(
                "a username has 1 to 64 characters, without control characters".to_owned(),
            ));
        }
        if request.password.expose_secret().len() > 256 {
            // Argon2id of an unbounded input is a denial of service.
            return Err(ProcessorError::Unauthenticated);
        }
        let session = self
            .processor
            .sign_in(name, &request.password, &self.origin)
            .await?;
        Ok(wire::SignedIn {
            token: session.token,
            profile: wire::StaffProfile {
                username: session.member.username,
                display_name: session.display_name,
                role: session.member.role.into(),
                expires_at: session.expires_at,
            },
        })
    }

    pub(super) async fn profile(&self, token: &wire::Token) -> Result<wire::StaffProfile> {
        let p = &self.processor;
        let (member, expires_at) = p.session_of(token).await?;
        let display_name = p
            .store()
            .staff_user(&member.username)
            .await?
            .map_or_else(|| member.username.clone(), |r| r.display_name);
        Ok(wire::StaffProfile {
            username: member.username,
            display_name,
            role: member.role.into(),
            expires_at,
        })
    }

    pub(super) async fn mark_card(&self, token: &wire::Token, card: i64) -> Result<wire::CaseDto> {
        let staff = self
            .authorize(token, Action::Mark, &format!("card:{card}"))
            .await?;
        let case = self
            .processor
            .mark(&staff, CardId(card), &self.origin)
            .await?;
        self.case_dto(case.id).await
    }

    pub(super) async fn package_case(
        &self,
        token: &wire::Token,
        case: i64,
    ) -> Result<wire::CaseDto> {
        let staff = self
            .authorize(token, Action::Package, &case_object(case))
            .await?;
        self.processor
            .package(&staff, CaseId(case), &self.origin)
            .await?;
        self.case_dto(CaseId(case)).await
    }

    pub(super) async fn send(
        &self,
        token: &wire::Token,
        case: i64,
        request: wire::InstructRequest,
        again: bool,
    ) -> Result<wire::CaseDto> {
        let staff = self
            .authorize(token, Action::Instruct, &case_object(case))
            .await?;
        let p = &self.processor;
        if again {
            p.resend(&staff, CaseId(case), channels(request), &self.origin)
                .await?;
        } else {
            p.instruct(&staff, CaseId(case), channels(request), &self.origin)
                .await?;
        }
        self.case_dto(CaseId(case)).await
    }

    /// Mark, package and send, for an agent with the customer on the line:
    /// one transaction ([`crate::Processor::mark_package_send`]), so it all
    /// happens or nothing does, and a retry after a lost answer finds the
    /// card either untouched or with its case ready for the customer.
    pub(super) async fn send_in_one_go(
        &self,
        token: &wire::Token,
        card: i64,
        request: wire::InstructRequest,
    ) -> Result<wire::CaseDto> {
        let staff = self
            .authorize(token, Action::Mark, &format!("card:{card}"))
            .await?;
        for action in [Action::Package, Action::Instruct] {
            if !super::access::allowed(staff.role, action) {
                return Err(ProcessorError::Forbidden);
            }
        }
        let case = self
            .processor
            .mark_package_send(&staff, CardId(card), channels(request), &self.origin)
            .await?;
        self.case_dto(case.id).await
    }

    pub(super) async fn close(
        &self,
        token: &wire::Token,
        case: i64,
        request: &wire::ReasonRequest,
        closing: Closing,
    ) -> Result<wire::CaseDto> {
        let action = match closing {
            Closing::Cancel => Action::Cancel,
            Closing::Reject => Action::Reject,
        };
        let staff = self.authorize(token, action, &case_object(case)).await?;
        let reason = checked_reason(&request.reason)?;
        let p = &self.processor;
        match closing {
            Closing::Cancel => p.cancel(&staff, CaseId(case), reason, &self.origin).await?,
            Closing::Reject => p.reject(&staff, CaseId(case), reason, &self.origin).await?,
        };
        self.case_dto(CaseId(case)).await
    }

    pub(super) async fn approve_case(
        &self,
        token: &wire::Token,
        case: i64,
    ) -> Result<wire::CaseDto> {
        let staff = self
            .authorize(token, Action::Approve, &case_object(case))
            .await?;
        self.processor
            .approve(&staff, CaseId(case), &self.origin)
            .await?;
        self.case_dto(CaseId(case)).await
    }

    /// Gives a case to another agent, under the case's lock.
    pub(super) async fn reassign_case(
        &self,
        token: &wire::Token,
        case: i64,
        request: &wire::ReassignRequest,
    ) -> Result<wire::CaseDto> {
        let object = case_object(case);
        let staff = self.authorize(token, Action::Reassign, &object).await?;
        let name = &request.username;
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(ProcessorError::InvalidInput(
                "a username has 1 to 64 characters, without control characters".to_owned(),
            ));
        }
        let p = &self.processor;
        let actor = Actor::Staff(staff.clone());
        p.audited(&actor, "case.reassign", &object, &self.origin, async {
            let to = p
                .store()
                .staff_user(&request.username)
                .await?
                .filter(|r| r.member.role == Role::Agent || r.member.role == Role::Supervisor)
                .ok_or(ProcessorError::NotFound("member of staff"))?
                .member;
            let label = Actor::Staff(to).label();
            let mut tx = p.store().begin().await?;
            let record = tx
                .lock_case(CaseId(case))
                .await?
                .ok_or(ProcessorError::NotFound("case"))?;
            ensure_case_holder(&staff, &record)?;
            if record.case.state.is_final() {
                return Err(ProcessorError::CaseClosed);
            }
            tx.assign_case(CaseId(case), &label, p.now()).await?;
            append_audit(
                tx.as_mut(),
                &actor,
                p.now(),
                "case.reassigned",
                &object,
                &self.origin,
                Outcome::Success,
                format!("from {} to {label}", super::access::holder_of(&record)),
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
        .await?;
        self.case_dto(CaseId(case)).await
    }

    pub(super) async fn case_view(&self, token: &wire::Token, case: i64) -> Result<wire::CaseDto> {
        self.authorize(token, Action::ViewCase, &case_object(case))
            .await?;
        self.case_dto(CaseId(case)).await
    }

    pub(super) async fn queue_page(
        &self,
        token: &wire::Token,
        q: &wire::QueueQuery,
    ) -> Result<wire::Page<wire::CaseDto>> {
        self.authorize(token, Action::Queue, "cases").await?;
        let states = match q.state.as_deref() {
            None | Some("") => Vec::new(),
            Some(list) => list
                .split(',')
                .map(|name| {
                    CaseState::parse(name.trim()).ok_or_else(|| {
                        ProcessorError::InvalidInput(format!(
                            "unknown case state {:?}",
                            name.chars().take(32).collect::<String>()
                        ))
                    })
                })
                .collect::<Result<_>>()?,
        };
        let limit = bounded("limit", q.limit, 50, 1, 200)?;
        bounded("older_than_minutes", q.older_than_minutes, 0, 0, 525_600)?;
        let p = &self.processor;
        let filter = CaseFilter {
            states,
            opened_by: q.opened_by.clone(),
            opened_before: q
                .older_than_minutes
                .map(|m| p.now() - chrono::Duration::minutes(i64::from(m))),
            before_id: q.before,
            limit,
            ..CaseFilter::default()
        };
        let cases = p.store().cases(&filter).await?;
        let next = (cases.len() == limit as usize)
            .then(|| cases.last().map(|c| c.case.id.0))
            .flatten();
        Ok(wire::Page {
            items: cases
                .iter()
                .map(|c| convert::case(c, self.max_attempts()))
                .collect(),
            next,
        })
    }

    pub(super) async fn audit_page(
        &self,
        token: &wire::Token,
        q: &wire::AuditQuery,
    ) -> Result<wire::Page<wire::AuditDto>> {
        self.authorize(token, Action::ReadAudit, "audit").await?;
        let limit = bounded("limit", q.limit, 100, 1, 1_000)?;
        let entries = self
            .processor
            .store()
            .audit_entries(q.object.as_deref(), q.after.unwrap_or(0), limit)
            .await?;
        let next = (entries.len() == limit as usize)
            .then(|| entries.last().map(|e| e.seq))
            .flatten();
        Ok(wire::Page {
            items: entries.iter().map(convert::audit).collect(),
            next,
        })
    }

    pub(super) async fn verify_chain(&self, token: &wire::Token) -> Result<wire::ChainDto> {
        self.authorize(token, Action::VerifyAudit, "audit").await?;
        Ok(match self.processor.verify_audit_chain().await? {
            ChainReport::Intact { entries } => wire::ChainDto {
                intact: true,
                entries: Some(entries),
                broken_at: None,
            },
            ChainReport::Broken { seq } => wire::ChainDto {
                intact: false,
                entries: None,
                broken_at: Some(seq),
            },
        })
    }

    pub(super) async fn voice(&self, token: &wire::Token, message: i64) -> Result<Vec<u8>> {
        let staff = self
            .authorize(token, Action::VoiceAudio, &format!("outbox:{message}"))
            .await?;
        let engine = crate::delivery::speech::platform_engine();
        let wav = self
            .processor
            .voice_prompt_audio(&staff, message, engine.as_ref(), &self.origin)
            .await?;
        Ok(wav.to_vec())
    }

    async fn case_dto(&self, case: CaseId) -> Result<wire::CaseDto> {
        let record = self
            .processor
            .store()
            .case(case)
            .await?
            .ok_or(ProcessorError::NotFound("case"))?;
        Ok(convert::case(&record, self.max_attempts()))
    }
}

/// `value` (or `default` when absent) if it lies in `min..=max`; otherwise
/// refused, as the OpenAPI document states the bounds (a value outside
/// them is an error, not silently moved inside).
fn bounded(name: &str, value: Option<u32>, default: u32, min: u32, max: u32) -> Result<u32> {
    let value = value.unwrap_or(default);
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ProcessorError::InvalidInput(format!(
            "{name} is {min} to {max}"
        )))
    }
}
