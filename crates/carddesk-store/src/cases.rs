//! Unfreeze cases, their packages, the customer's failed credential
//! checks (their SQL in `credential_failures.rs`) and the policy table:
//! the repository's part for them
//! ([`CaseStore`] for reads, [`CaseTx`] inside a unit of work, supertraits
//! of [`Store`](crate::Store) and [`Tx`](crate::Tx)) and the SQL both
//! backends share (`case_queries!`, expanded by `backend!`).

use async_trait::async_trait;
use carddesk_domain::case::{CaseId, UnfreezeCase};
use carddesk_domain::{CustomerId, PolicyRule};
use chrono::{DateTime, Utc};

use crate::credential_failures::FailedCheck;
use crate::records::*;
use crate::{CaseKey, CaseRecord, CustomerCase, CustomerOverview, Result};

/// Reads of cases, packages and the policy, outside a transaction.
#[async_trait]
pub trait CaseStore {
    /// A case.
    async fn case(&self, id: CaseId) -> Result<Option<CaseRecord>>;
    /// The case whose one-time code has this keyed hash.
    async fn case_by_code_digest(&self, digest: &[u8]) -> Result<Option<CaseRecord>>;
    /// The case whose customer session token has this keyed hash.
    async fn case_by_session_digest(&self, digest: &[u8]) -> Result<Option<CaseRecord>>;
    /// The case whose customer session has this keyed hash, with its
    /// package once it has one, in one statement.
    async fn case_and_package_by_session(
        &self,
        digest: &[u8],
    ) -> Result<Option<(CaseRecord, Option<Package>)>>;
    /// Cases, newest first, filtered.
    async fn cases(&self, filter: &CaseFilter) -> Result<Vec<CaseRecord>>;
    /// A customer with their cards, the virtual-card facts of those that
    /// have them, and their cases not yet final (newest first, at most
    /// `open_cases`): what the desk's customer view shows, in one
    /// statement (two for a customer without a card).
    async fn customer_overview(
        &self,
        id: CustomerId,
        open_cases: u32,
    ) -> Result<Option<CustomerOverview>>;
    /// A case's package.
    async fn package(&self, case: CaseId) -> Result<Option<Package>>;
    /// The stored policy table (empty if none was saved), in the domain's
    /// order of freeze reasons, as `UnfreezePolicy::rules` lists them.
    async fn policy(&self) -> Result<Vec<PolicyRule>>;
    /// The customer's failed credential checks since a moment, without a
    /// lock: to refuse early, before an expensive check, what
    /// [`CaseTx::lock_customer_failures`] then decides.
    async fn credential_failures_since(
        &self,
        customer: CustomerId,
        since: DateTime<Utc>,
    ) -> Result<u32>;
}

/// Cases, packages, failed checks and the policy inside a unit of work.
#[async_trait]
pub trait CaseTx {
    /// Inserts a case; fails with [`StoreError::Conflict`](crate::StoreError::Conflict) when the card
    /// already has an open one.
    async fn insert_case(&mut self, case: &UnfreezeCase) -> Result<CaseId>;
    /// A case, locked for the rest of the transaction.
    async fn lock_case(&mut self, id: CaseId) -> Result<Option<CaseRecord>>;
    /// Locks the case a customer's code or session opens, with its card's
    /// last four digits and the customer's document kind, in one statement.
    async fn lock_customer_case(&mut self, key: CaseKey<'_>) -> Result<Option<CustomerCase>>;
    /// Writes a case's state, attempts, expiry and update time.
    async fn save_case(&mut self, case: &UnfreezeCase) -> Result<()>;
    /// Gives a case to another member of staff (an actor label,
    /// `agent:bob`) and records when; the caller holds the case's lock
    /// ([`CaseTx::lock_case`]) and has checked who may.
    async fn assign_case(&mut self, id: CaseId, assignee: &str, at: DateTime<Utc>) -> Result<()>;
    /// Sets the keyed hash of the case's one-time code (and forgets any
    /// earlier code and session).
    async fn set_case_code(&mut self, id: CaseId, code_digest: &[u8]) -> Result<()>;
    /// Marks the code used, sets the customer session's keyed hash and
    /// writes `case` as [`CaseTx::save_case`] does, if `code_digest` is still
    /// the case's code and unused; `false` (nothing written) when a resend
    /// replaced it or it was used. Deciding in the write itself means a code
    /// looked up before a resend committed can never be accepted after.
    async fn use_case_code(
        &mut self,
        case: &UnfreezeCase,
        code_digest: &[u8],
        session_digest: &[u8],
        at: DateTime<Utc>,
    ) -> Result<bool>;
    /// Stores a case's package.
    async fn insert_package(&mut self, package: &Package) -> Result<()>;
    /// Records a failed credential check of the customer's, made for a
    /// case or for an application's card proof.
    async fn record_credential_failure(
        &mut self,
        customer: CustomerId,
        check: FailedCheck,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// Locks the customer's row and counts their failed credential checks
    /// (cases' and applications' alike) since a moment. The row lock is
    /// what serialises one customer's checks across all their cases and
    /// applications, so the count stays true until this transaction ends:
    /// a caller that records a failure after reading it cannot race
    /// another check past the customer's allowance.
    async fn lock_customer_failures(
        &mut self,
        customer: CustomerId,
        since: DateTime<Utc>,
    ) -> Result<u32>;
    /// Replaces the policy table.
    async fn save_policy(&mut self, rules: &[PolicyRule]) -> Result<()>;
}

/// Implements [`CaseStore`] and [`CaseTx`] for one backend
/// (expanded by `backend!` in its module).
macro_rules! case_queries {
    (store = $store:ident, tx = $tx:ident, db = $db:ty, lock_row = $lock:literal $(,)?) => {
        mod case_sql {
            use async_trait::async_trait;
            use carddesk_domain::case::{CaseId, UnfreezeCase};
            use carddesk_domain::{CustomerId, PolicyRule};
            use chrono::{DateTime, Utc};

            use super::{$store, $tx};
            use crate::records::*;
            use crate::rows::*;
            use crate::{CaseRecord, Result};

            #[async_trait]
            impl crate::cases::CaseStore for $store {
                async fn case(&self, id: CaseId) -> Result<Option<CaseRecord>> {
                    sqlx::query_as::<$db, CaseRow>(concat!(
                        "SELECT ", case_columns!(), " FROM unfreeze_cases WHERE id = $1"
                    ))
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(CaseRecord::try_from)
                    .transpose()
                }

                async fn case_by_code_digest(&self, digest: &[u8]) -> Result<Option<CaseRecord>> {
                    sqlx::query_as::<$db, CaseRow>(concat!(
                        "SELECT ", case_columns!(), " FROM unfreeze_cases WHERE code_digest = $1"
                    ))
                    .bind(digest)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(CaseRecord::try_from)
                    .transpose()
                }

                async fn case_by_session_digest(&self, digest: &[u8]) -> Result<Option<CaseRecord>> {
                    sqlx::query_as::<$db, CaseRow>(concat!(
                        "SELECT ", case_columns!(), " FROM unfreeze_cases WHERE session_digest = $1"
                    ))
                    .bind(digest)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(CaseRecord::try_from)
                    .transpose()
                }

                async fn case_and_package_by_session(
                    &self,
                    digest: &[u8],
                ) -> Result<Option<(CaseRecord, Option<Package>)>> {
                    self.case_and_package_by_session_sql(digest).await
                }

                async fn cases(&self, filter: &CaseFilter) -> Result<Vec<CaseRecord>> {
                    convert(
                        Self::cases_query(filter)
                            .build_query_as::<CaseRow>()
                            .fetch_all(&self.pool)
                            .await?,
                    )
                }

                async fn customer_overview(
                    &self,
                    id: CustomerId,
                    open_cases: u32,
                ) -> Result<Option<crate::CustomerOverview>> {
                    self.customer_overview_sql(id, open_cases).await
                }

                async fn package(&self, case: CaseId) -> Result<Option<Package>> {
                    sqlx::query_as::<$db, PackageRow>(
                        "SELECT case_id, card_id, pan_sealed, id_digest, id_sealed, password_hash, \
                         credentials, created_at FROM packages WHERE case_id = $1",
                    )
                    .bind(case.0)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(Package::try_from)
                    .transpose()
                }

                async fn policy(&self) -> Result<Vec<PolicyRule>> {
                    let mut rules: Vec<PolicyRule> = convert(
                        sqlx::query_as::<$db, PolicyRow>(
                            "SELECT reason, remote_unfreeze, credentials, supervisor_approval \
                             FROM policy_rules",
                        )
                        .fetch_all(&self.pool)
                        .await?,
                    )?;
                    // The reason column would sort by name; the table's order is
                    // the domain's (that of `UnfreezePolicy::rules`).
                    rules.sort_by_key(|r| r.reason);
                    Ok(rules)
                }

                async fn credential_failures_since(
                    &self,
                    customer: CustomerId,
                    since: DateTime<Utc>,
                ) -> Result<u32> {
                    self.failures_since_sql(customer, since).await
                }
            }

            #[async_trait]
            impl crate::cases::CaseTx for $tx {
                async fn insert_case(&mut self, c: &UnfreezeCase) -> Result<CaseId> {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO unfreeze_cases (card_id, customer_id, reason, credentials, \
                         needs_approval, state, failed_attempts, opened_by, opened_at, updated_at, \
                         expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                    )
                    .bind(c.card_id.0)
                    .bind(c.customer_id.0)
                    .bind(c.reason.as_str())
                    .bind(credentials_text(&c.credentials))
                    .bind(c.needs_approval)
                    .bind(c.state.as_str())
                    .bind(i32::try_from(c.failed_attempts).unwrap_or(i32::MAX))
                    .bind(&c.opened_by)
                    .bind(micros(c.opened_at))
                    .bind(micros(c.updated_at))
                    .bind(c.expires_at.map(micros))
                    .fetch_one(&mut *self.tx)
                    .await?;
                    Ok(CaseId(id))
                }

                async fn lock_case(&mut self, id: CaseId) -> Result<Option<CaseRecord>> {
                    sqlx::query_as::<$db, CaseRow>(concat!(
                        "SELECT ", case_columns!(), " FROM unfreeze_cases WHERE id = $1", $lock
                    ))
                    .bind(id.0)
                    .fetch_optional(&mut *self.tx)
                    .await?
                    .map(CaseRecord::try_from)
                    .transpose()
                }

                async fn lock_customer_case(
                    &mut self,
                    key: crate::CaseKey<'_>,
                ) -> Result<Option<crate::CustomerCase>> {
                    self.lock_customer_case_sql(key).await
                }

                async fn save_case(&mut self, c: &UnfreezeCase) -> Result<()> {
                    sqlx::query(
                        "UPDATE unfreeze_cases SET state = $1, failed_attempts = $2, updated_at = $3, \
                         expires_at = $4 WHERE id = $5",
                    )
                    .bind(c.state.as_str())
                    .bind(i32::try_from(c.failed_attempts).unwrap_or(i32::MAX))
                    .bind(micros(c.updated_at))
                    .bind(c.expires_at.map(micros))
                    .bind(c.id.0)
                    .execute(&mut *self.tx)
                    .await?;
                    Ok(())
                }

                async fn assign_case(
                    &mut self,
                    id: CaseId,
                    assignee: &str,
                    at: DateTime<Utc>,
                ) -> Result<()> {
                    sqlx::query("UPDATE unfreeze_cases SET assigned_to = $1, updated_at = $2 WHERE id = $3")
                        .bind(assignee)
                        .bind(micros(at))
                        .bind(id.0)
                        .execute(&mut *self.tx)
                        .await?;
                    Ok(())
                }

                async fn set_case_code(&mut self, id: CaseId, code_digest: &[u8]) -> Result<()> {
                    sqlx::query(
                        "UPDATE unfreeze_cases SET code_digest = $1, code_used_at = NULL, \
                         session_digest = NULL WHERE id = $2",
                    )
                    .bind(code_digest)
                    .bind(id.0)
                    .execute(&mut *self.tx)
                    .await?;
                    Ok(())
                }

                async fn use_case_code(
                    &mut self,
                    c: &UnfreezeCase,
                    code_digest: &[u8],
                    session_digest: &[u8],
                    at: DateTime<Utc>,
                ) -> Result<bool> {
                    let done = sqlx::query(
                        "UPDATE unfreeze_cases SET code_used_at = $1, session_digest = $2, \
                         state = $5, failed_attempts = $6, updated_at = $7, expires_at = $8 \
                         WHERE id = $3 AND code_digest = $4 AND code_used_at IS NULL",
                    )
                    .bind(micros(at))
                    .bind(session_digest)
                    .bind(c.id.0)
                    .bind(code_digest)
                    .bind(c.state.as_str())
                    .bind(i32::try_from(c.failed_attempts).unwrap_or(i32::MAX))
                    .bind(micros(c.updated_at))
                    .bind(c.expires_at.map(micros))
                    .execute(&mut *self.tx)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn insert_package(&mut self, p: &Package) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO packages (case_id, card_id, pan_sealed, id_digest, id_sealed, \
                         password_hash, credentials, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(p.case_id.0)
                    .bind(p.card_id.0)
                    .bind(&p.pan_sealed)
                    .bind(&p.id_digest)
                    .bind(&p.id_sealed)
                    .bind(&p.password_hash)
                    .bind(credentials_text(&p.credentials))
                    .bind(micros(p.created_at))
                    .execute(&mut *self.tx)
                    .await?;
                    Ok(())
                }

                async fn record_credential_failure(
                    &mut self,
                    customer: CustomerId,
                    check: crate::credential_failures::FailedCheck,
                    at: DateTime<Utc>,
                ) -> Result<()> {
                    self.record_failure_sql(customer, check, at).await
                }

                async fn lock_customer_failures(
                    &mut self,
                    customer: CustomerId,
                    since: DateTime<Utc>,
                ) -> Result<u32> {
                    self.lock_customer_failures_sql(customer, since).await
                }

                async fn save_policy(&mut self, rules: &[PolicyRule]) -> Result<()> {
                    sqlx::query("DELETE FROM policy_rules").execute(&mut *self.tx).await?;
                    for r in rules {
                        sqlx::query(
                            "INSERT INTO policy_rules (reason, remote_unfreeze, credentials, \
                             supervisor_approval) VALUES ($1, $2, $3, $4)",
                        )
                        .bind(r.reason.as_str())
                        .bind(r.remote_unfreeze)
                        .bind(credentials_text(&r.credentials))
                        .bind(r.supervisor_approval)
                        .execute(&mut *self.tx)
                        .await?;
                    }
                    Ok(())
                }
            }
        }
    };
}
pub(crate) use case_queries;
