//! Cases whose code ran out: expired on schedule, or when a customer runs into one.

use carddesk_domain::case::UnfreezeCase;
use carddesk_domain::{Actor, CaseState};
use carddesk_store::{Outcome, Tx};
use chrono::{DateTime, Utc};

use super::{case_object, lock_case};
use crate::{Event, Processor, ProcessorError, Result, append_audit};

impl Processor {
    /// Expires every open case whose code has run out; returns how many.
    ///
    /// Walks all open cases a page at a time: the store lists newest
    /// first, and the cases that run out first are the oldest.
    pub async fn expire_due(&self) -> Result<usize> {
        const PAGE: u32 = 500;
        let now = self.now();
        let mut expired = 0;
        let mut before_id = None;
        loop {
            let filter = carddesk_store::CaseFilter {
                states: vec![
                    CaseState::Instructed,
                    CaseState::Requested,
                    CaseState::Challenged,
                ],
                before_id,
                limit: PAGE,
                ..Default::default()
            };
            let page = self.inner.store.cases(&filter).await?;
            for record in page.iter().filter(|r| r.case.is_expired_at(now)) {
                let mut tx = self.inner.store.begin().await?;
                let current = lock_case(tx.as_mut(), record.case.id).await?.case;
                // Dropping the transaction of a case that moved on since
                // the listing rolls it back.
                if current.is_expired_at(now) {
                    self.expire_committed(tx, current, now).await?;
                    expired += 1;
                }
            }
            match page.last() {
                Some(last) if page.len() == PAGE as usize => before_id = Some(last.case.id.0),
                _ => return Ok(expired),
            }
        }
    }

    /// Expires a case inside `tx`, commits, and reports the expiry to the
    /// customer who ran into it.
    pub(super) async fn expire_in<T>(
        &self,
        tx: Box<dyn Tx>,
        case: UnfreezeCase,
        now: DateTime<Utc>,
    ) -> Result<T> {
        self.expire_committed(tx, case, now).await?;
        Err(ProcessorError::Expired)
    }

    /// Expires a case inside `tx` and commits.
    pub(super) async fn expire_committed(
        &self,
        mut tx: Box<dyn Tx>,
        mut case: UnfreezeCase,
        now: DateTime<Utc>,
    ) -> Result<()> {
        case.expire(now)?;
        tx.save_case(&case).await?;
        append_audit(
            tx.as_mut(),
            &Actor::System,
            now,
            "case.expired",
            &case_object(case.id),
            "system",
            Outcome::Success,
            "the one-time code outlived its lifetime".to_owned(),
        )
        .await?;
        tx.commit().await?;
        self.inner.events.send_all(vec![Event::CaseChanged {
            case_id: case.id,
            state: case.state,
        }]);
        Ok(())
    }
}
