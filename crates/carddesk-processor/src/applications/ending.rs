//! How an application ends without a card: the applicant withdraws it, or
//! it outlives its day and is closed on a schedule.

use carddesk_domain::Actor;
use carddesk_store::Outcome;
use secrecy::SecretString;

use super::{application_object, changed, lock_application};
use crate::{Processor, Result, append_audit};

impl Processor {
    /// Expires up to `limit` open applications whose time ran out; returns
    /// how many. Each is decided under its lock, so one finished a moment
    /// ago is left as it is.
    pub async fn expire_due_applications(&self, limit: u32) -> Result<usize> {
        let now = self.now();
        let mut expired = 0;
        for id in self.inner.store.due_applications(now, limit).await? {
            let mut tx = self.inner.store.begin().await?;
            let mut application = lock_application(tx.as_mut(), id).await?.application;
            if application.expire(now).is_err() {
                continue;
            }
            tx.save_application(&application).await?;
            append_audit(
                tx.as_mut(),
                &Actor::System,
                now,
                "application.expired",
                &application_object(id),
                "system",
                Outcome::Success,
                "not finished within its lifetime".to_owned(),
            )
            .await?;
            tx.commit().await?;
            self.inner.events.send_all(vec![changed(&application)]);
            expired += 1;
        }
        Ok(expired)
    }

    /// The applicant withdraws their application (before it is decided),
    /// which frees them to apply again.
    pub async fn withdraw_application(&self, session: &SecretString, origin: &str) -> Result<()> {
        let id = self.application_by_session(session).await?.application.id;
        let now = self.now();
        let mut tx = self.inner.store.begin().await?;
        let mut application = lock_application(tx.as_mut(), id).await?.application;
        application.withdraw(now)?;
        tx.save_application(&application).await?;
        append_audit(
            tx.as_mut(),
            &Actor::Applicant(id),
            now,
            "application.withdrawn",
            &application_object(id),
            origin,
            Outcome::Success,
            "by the applicant".to_owned(),
        )
        .await?;
        tx.commit().await?;
        self.inner.events.send_all(vec![changed(&application)]);
        Ok(())
    }
}
