//! The customer's failed credential checks: what each was made for, and the
//! SQL both backends share (`failure_queries!`, expanded by `backend!`),
//! which [`CaseStore`](crate::CaseStore) and [`CaseTx`](crate::CaseTx)
//! call.
//!
//! Both jobs check the same credential, a card's transaction password: an
//! unfreeze case's upload (job 1) and a virtual-card application's card
//! proof (job 2). A failure of either counts against the customer's one
//! allowance (migration 0012: a row names exactly one of the two).

use carddesk_domain::application::ApplicationId;
use carddesk_domain::case::CaseId;

/// What a failed credential check was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailedCheck {
    /// An upload to an unfreeze case.
    Case(CaseId),
    /// A virtual-card application's proof of the applicant's existing card.
    Application(ApplicationId),
}

impl FailedCheck {
    /// The `(case_id, application_id)` columns: one set, the other NULL.
    pub(crate) fn columns(self) -> (Option<i64>, Option<i64>) {
        match self {
            FailedCheck::Case(id) => (Some(id.0), None),
            FailedCheck::Application(id) => (None, Some(id.0)),
        }
    }
}

/// Counts a customer's failed checks since a moment: every case's and
/// every application's alike (through the index on `(customer_id, at)`).
pub(crate) const COUNT_SINCE: &str =
    "SELECT COUNT(*) FROM credential_failures WHERE customer_id = $1 AND at > $2";

/// Implements the failed checks' statements for one backend, as inherent
/// methods the case traits' implementations call.
macro_rules! failure_queries {
    (store = $store:ident, tx = $tx:ident, db = $db:ty, lock_row = $lock:literal $(,)?) => {
        impl $tx {
            pub(crate) async fn record_failure_sql(
                &mut self,
                customer: carddesk_domain::CustomerId,
                check: crate::credential_failures::FailedCheck,
                at: chrono::DateTime<chrono::Utc>,
            ) -> crate::Result<()> {
                let (case, application) = check.columns();
                sqlx::query(
                    "INSERT INTO credential_failures (customer_id, case_id, application_id, at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(customer.0)
                .bind(case)
                .bind(application)
                .bind(crate::rows::micros(at))
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            pub(crate) async fn lock_customer_failures_sql(
                &mut self,
                customer: carddesk_domain::CustomerId,
                since: chrono::DateTime<chrono::Utc>,
            ) -> crate::Result<u32> {
                sqlx::query(concat!("SELECT id FROM customers WHERE id = $1", $lock))
                    .bind(customer.0)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                let n: i64 = sqlx::query_scalar(crate::credential_failures::COUNT_SINCE)
                    .bind(customer.0)
                    .bind(crate::rows::micros(since))
                    .fetch_one(&mut *self.tx)
                    .await?;
                Ok(u32::try_from(n).unwrap_or(u32::MAX))
            }
        }

        impl $store {
            pub(crate) async fn failures_since_sql(
                &self,
                customer: carddesk_domain::CustomerId,
                since: chrono::DateTime<chrono::Utc>,
            ) -> crate::Result<u32> {
                let n: i64 =
                    sqlx::query_scalar::<$db, i64>(crate::credential_failures::COUNT_SINCE)
                        .bind(customer.0)
                        .bind(crate::rows::micros(since))
                        .fetch_one(&self.pool)
                        .await?;
                Ok(u32::try_from(n).unwrap_or(u32::MAX))
            }
        }
    };
}
pub(crate) use failure_queries;
