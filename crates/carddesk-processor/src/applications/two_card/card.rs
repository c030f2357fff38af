//! The card step: the applicant's existing card and its transaction
//! password, checked under Argon2id, each failure counted against the
//! application's attempts and the customer's allowance.

use carddesk_domain::application::{Application, ApplicationError, AuthRoute, TwoCardStep};
use carddesk_domain::card::{Card, CardNumber};
use carddesk_domain::{Actor, CardStatus};
use carddesk_store::{OutboxSubject, Outcome, Tx};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

use super::{CodeSent, CustomerFailure, queue_text, six_digits, stand_in_hash};
use crate::applications::{application_object, changed, lock_application, messages};
use crate::hashing::Budget;
use crate::keyring::Purpose;
use crate::{Processor, ProcessorError, Result, append_audit, passwords};

impl Processor {
    /// Checks the applicant's existing card: its number and transaction
    /// password. On a match, a six-digit code goes by text to the phone on
    /// file for that card. A failure never says which was wrong.
    ///
    /// A failure is one of the customer's failed credential checks, as a
    /// failed unfreeze upload is: once they have used their allowance (in
    /// either job) the proof is not checked at all, and the application is
    /// rejected as when its own attempts run out, with the same answer.
    pub async fn prove_card(
        &self,
        session: &SecretString,
        card_number: &CardNumber,
        password: SecretString,
        origin: &str,
    ) -> Result<CodeSent> {
        let record = self.application_by_session(session).await?;
        let id = record.application.id;
        let limits = &self.inner.config.applications;
        let allowance = &self.inner.config.limits;
        // Refused early (before the expensive check) when no attempt could
        // count; the decision itself is taken again under the lock.
        record
            .application
            .check_step(AuthRoute::TwoCard, self.now(), limits)?;
        // Routed to two cards only as an existing customer's application.
        let customer = record
            .application
            .customer_id
            .ok_or(ProcessorError::Config(
                "a two-card application without its customer".to_owned(),
            ))?;
        // Known early from a read without a lock: Argon2id is not spent on
        // a proof that could not count. Decided again under the lock.
        let since = self.now() - allowance.failure_window;
        let used_up = self
            .inner
            .store
            .credential_failures_since(customer, since)
            .await?
            >= allowance.failures_per_customer;
        let (theirs, matched) = if used_up {
            (false, None)
        } else {
            self.card_matching(&record.application, card_number, password)
                .await?
        };

        let now = self.now();
        let actor = Actor::Applicant(id);
        let object = application_object(id);
        let mut tx = self.inner.store.begin().await?;
        // Lock order: the application's row, then the customer's (in
        // `lock_customer_failures`), then the audit chain at commit. Job 1
        // locks case, card, customer, audit chain, and an issue
        // application, the person's cards, customer, audit chain: cards
        // always before the customer, no case's transaction waits for an
        // application's, so none can deadlock another.
        let mut application = lock_application(tx.as_mut(), id).await?.application;
        application.check_step(AuthRoute::TwoCard, now, limits)?;
        if application.two_card != TwoCardStep::AwaitingCard {
            return Err(ApplicationError::OutOfOrder.into());
        }
        let prior = tx
            .lock_customer_failures(customer, now - allowance.failure_window)
            .await?;
        // Counts only grow, so what was used up before the lock still is
        // (unless a failure aged out of the window meanwhile; the proof was
        // not checked then either, so it can neither pass nor count).
        if used_up || prior >= allowance.failures_per_customer {
            return self
                .reject_for_allowance(tx, application, &actor, origin, now)
                .await
                .map(|never| match never {});
        }
        let Some(card) = matched else {
            return self
                .count_failure(
                    tx,
                    application,
                    &actor,
                    origin,
                    "card details did not match",
                    // Only a wrong password for one of their own cards is a
                    // guess at a credential: a number that is not theirs
                    // counts on this application alone, or anyone who
                    // knows a person's ID number could use up that
                    // person's allowance (and their remote unfreeze) by
                    // applying in their name.
                    theirs.then_some(CustomerFailure { customer, prior }),
                )
                .await
                .map(|never| match never {});
        };
        application.card_proven(card.id, now, limits)?;
        let code = six_digits();
        tx.set_application_code(id, &self.code_digest(id, &code))
            .await?;
        let holder = self
            .inner
            .store
            .customer(card.customer_id)
            .await?
            .ok_or(ProcessorError::NotFound("customer"))?;
        let body = messages::code_text(&holder.language, code.expose_secret(), limits);
        let outbox_id = queue_text(
            self,
            tx.as_mut(),
            OutboxSubject::ApplicationCode(id),
            holder.phone.as_str(),
            &holder.language,
            &body,
            now,
        )
        .await?;
        tx.save_application(&application).await?;
        append_audit(
            tx.as_mut(),
            &actor,
            now,
            "application.card_proven",
            &object,
            origin,
            Outcome::Success,
            format!("card:{} and its transaction password matched", card.id.0),
        )
        .await?;
        append_audit(
            tx.as_mut(),
            &Actor::System,
            now,
            "application.code_sent",
            &object,
            origin,
            Outcome::Success,
            format!(
                "text (outbox {outbox_id}) to the phone on file {}",
                holder.phone.masked()
            ),
        )
        .await?;
        tx.commit().await?;
        self.inner.events.send_all(vec![changed(&application)]);
        Ok(CodeSent {
            phone_masked: holder.phone.masked(),
            expires_at: now + limits.code_lifetime,
        })
    }

    /// Whether the number is one of the applicant's active cards, and that
    /// card when its transaction password matches too, under Argon2id. A
    /// card that is not the applicant's, or has no password (a virtual
    /// card), costs the same check, against a hash nothing matches, and
    /// the answer does not say which it was.
    async fn card_matching(
        &self,
        application: &Application,
        card_number: &CardNumber,
        password: SecretString,
    ) -> Result<(bool, Option<Card>)> {
        let pan_digest = self
            .inner
            .keys
            .digest(Purpose::CardNumber, card_number.expose().as_bytes());
        let card = self
            .inner
            .store
            .card_by_pan_digest(&pan_digest)
            .await?
            .filter(|c| {
                Some(c.customer_id) == application.customer_id && c.status == CardStatus::Active
            });
        let own_hash = match &card {
            Some(c) => self.inner.store.card_password_hash(c.id).await?,
            None => None,
        }
        .filter(|h| !h.is_empty());
        let theirs = own_hash.is_some();
        let hash = own_hash.unwrap_or_else(|| stand_in_hash().to_owned());
        let password_ok = self
            .inner
            .hashing
            .run(Budget::Customer, move || {
                passwords::verify(&hash, &password)
            })
            .await?;
        Ok((theirs, card.filter(|_| theirs && password_ok)))
    }

    /// Rejects the application, unchecked, because its customer used up
    /// their allowance of failed credential checks; the applicant is
    /// answered as when the application's own attempts run out.
    async fn reject_for_allowance(
        &self,
        mut tx: Box<dyn Tx>,
        mut application: Application,
        actor: &Actor,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<std::convert::Infallible> {
        application.reject(now)?;
        tx.save_application(&application).await?;
        let object = application_object(application.id);
        let used = self.allowance_used_detail(application.customer_id);
        // The applicant's attempt, refused; then the rejection, the rules'
        // (by `system`, as every rejection for failed attempts is).
        append_audit(
            tx.as_mut(),
            actor,
            now,
            "application.verification",
            &object,
            origin,
            Outcome::Refused,
            format!("{used}: the card proof was not checked"),
        )
        .await?;
        append_audit(
            tx.as_mut(),
            &Actor::System,
            now,
            "application.rejected",
            &object,
            origin,
            Outcome::Success,
            used,
        )
        .await?;
        tx.commit().await?;
        self.inner.events.send_all(vec![changed(&application)]);
        Err(ProcessorError::Locked)
    }
}
