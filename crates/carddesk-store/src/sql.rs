//! The SQL both backends share, written once.
//!
//! `backend!` implements [`Store`](crate::Store) and [`Tx`](crate::Tx) for
//! one database type. The SQL is the same on both (SQLite accepts `$1`
//! placeholders and `RETURNING`); what differs is passed in: the suffix that
//! locks a row (`FOR UPDATE` on PostgreSQL; nothing on SQLite, whose write
//! transactions start `IMMEDIATE` and so already exclude other writers), the
//! statement that serialises appends to the audit chain, and the statements
//! that move id sequences after bulk inserts.

macro_rules! card_columns {
    () => {
        "id, customer_id, bin, last_four, pan_length, product, status, freeze_reason, frozen_since"
    };
}

macro_rules! customer_columns {
    () => {
        "id, name, document_kind, document_masked, phone, language"
    };
}

macro_rules! case_columns {
    () => {
        "id, card_id, customer_id, reason, credentials, needs_approval, state, failed_attempts, \
         opened_by, assignee, opened_at, updated_at, expires_at, code_used_at"
    };
}

macro_rules! audit_columns {
    () => {
        "seq, at, actor, action, object, origin, outcome, detail, prev_hash, hash"
    };
}

/// Bulk inserts go in chunks that stay under SQLite's limit of 32,766
/// bound parameters per statement.
pub(crate) const BULK_ROWS: usize = 2_000;

/// Audit entries read per round trip while verifying the chain.
pub(crate) const CHAIN_PAGE: i64 = 5_000;

macro_rules! backend {
    (
        store = $store:ident,
        tx = $tx:ident,
        db = $db:ty,
        kind = $kind:literal,
        lock_row = $lock:literal,
        skip_locked = $skip_locked:literal,
        audit_head = $audit_head:literal,
        sync_sequences = $sync:expr $(,)?
    ) => {
        use async_trait::async_trait;
        use carddesk_domain::card::CardTransition;
        use carddesk_domain::case::{CaseId, UnfreezeCase};
        use carddesk_domain::{Card, CardId, CardStatus, Customer, CustomerId, PolicyRule};
        use chrono::{DateTime, Utc};

        use crate::records::*;
        use crate::rows::*;
        use crate::sql::{BULK_ROWS, CHAIN_PAGE};
        use crate::{CaseRecord, Store, Tx, GENESIS};

        /// A write transaction on this database.
        pub struct $tx {
            tx: sqlx::Transaction<'static, $db>,
            key: std::sync::Arc<crate::AuditKey>,
            // Held until commit or rollback where the backend queues its
            // writers in-process (SQLite); see `begin_write`.
            _writer: Option<tokio::sync::OwnedMutexGuard<()>>,
            // The audit entries this transaction appends, written to the
            // chain in one statement when it commits: the chain's lock is
            // taken then, and held only for the append and the commit.
            pending_audit: Vec<NewAuditEntry>,
        }

        impl std::fmt::Debug for $tx {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($tx), "(..)"))
            }
        }

        impl $tx {
            /// Appends `entries` to the audit chain in order: the chain's
            /// lock where the backend needs one (held until this
            /// transaction ends, so nobody else moves the head) and the
            /// head in one round trip, then one multi-row insert.
            async fn write_audit(&mut self, entries: &[NewAuditEntry]) -> Result<()> {
                use sqlx::Row;
                // The lock and the head in one round trip: statements sent
                // together as one simple query still each read the
                // database as of their own start, so the head is read
                // after the lock is held. Only the head has a `seq`.
                let mut head: Option<(i64, Vec<u8>)> = None;
                let conn: &mut <$db as sqlx::Database>::Connection = &mut self.tx;
                let rows = sqlx::Executor::fetch_all(conn, sqlx::raw_sql($audit_head)).await?;
                for row in rows {
                    match row.try_get::<i64, _>("seq") {
                        Ok(seq) => head = Some((seq, row.try_get("hash")?)),
                        // The lock's row.
                        Err(sqlx::Error::ColumnNotFound(_)) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                let (mut seq, mut prev_hash) = head.unwrap_or((0, GENESIS.to_vec()));
                let key = self.key.clone();
                for chunk in entries.chunks(BULK_ROWS) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(concat!(
                        "INSERT INTO audit_log (", audit_columns!(), ") "
                    ));
                    q.push_values(chunk, |mut row, e| {
                        seq += 1;
                        let hash = key.link(seq, &prev_hash, e);
                        row.push_bind(seq)
                            .push_bind(micros(e.at))
                            .push_bind(e.actor.as_str())
                            .push_bind(e.action.as_str())
                            .push_bind(e.object.as_str())
                            .push_bind(e.origin.as_str())
                            .push_bind(e.outcome.as_str())
                            .push_bind(e.detail.as_str())
                            .push_bind(std::mem::replace(&mut prev_hash, hash.clone()))
                            .push_bind(hash);
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }
        }

        #[async_trait]
        impl Store for $store {
            fn kind(&self) -> &'static str {
                $kind
            }

            async fn begin(&self) -> Result<Box<dyn Tx>> {
                let (tx, writer) = self.begin_write().await?;
                Ok(Box::new($tx {
                    tx,
                    key: self.key.clone(),
                    _writer: writer,
                    pending_audit: Vec::new(),
                }))
            }

            async fn customer(&self, id: CustomerId) -> Result<Option<Customer>> {
                sqlx::query_as::<$db, CustomerRow>(concat!(
                    "SELECT ", customer_columns!(), " FROM customers WHERE id = $1"
                ))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?
                .map(Customer::try_from)
                .transpose()
            }

            async fn customer_by_id_digest(&self, digest: &[u8]) -> Result<Option<Customer>> {
                sqlx::query_as::<$db, CustomerRow>(concat!(
                    "SELECT ", customer_columns!(), " FROM customers WHERE id_digest = $1"
                ))
                .bind(digest)
                .fetch_optional(&self.pool)
                .await?
                .map(Customer::try_from)
                .transpose()
            }

            async fn customers_by_phone(&self, phone: &str) -> Result<Vec<Customer>> {
                convert(
                    sqlx::query_as::<$db, CustomerRow>(concat!(
                        "SELECT ", customer_columns!(), " FROM customers WHERE phone = $1 ORDER BY id"
                    ))
                    .bind(phone)
                    .fetch_all(&self.pool)
                    .await?,
                )
            }

            async fn customer_secrets(&self, id: CustomerId) -> Result<Option<CustomerSecrets>> {
                Ok(sqlx::query_as::<$db, CustomerSecretsRow>(
                    "SELECT id_digest, id_sealed, language FROM customers WHERE id = $1",
                )
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?
                .map(CustomerSecrets::from))
            }

            async fn card(&self, id: CardId) -> Result<Option<Card>> {
                sqlx::query_as::<$db, CardRow>(concat!(
                    "SELECT ", card_columns!(), " FROM cards WHERE id = $1"
                ))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?
                .map(Card::try_from)
                .transpose()
            }

            async fn customer_of_card(&self, card: CardId) -> Result<Option<Customer>> {
                sqlx::query_as::<$db, CustomerRow>(concat!(
                    "SELECT ", customer_columns!(), " FROM customers \
                     WHERE id = (SELECT customer_id FROM cards WHERE id = $1)"
                ))
                .bind(card.0)
                .fetch_optional(&self.pool)
                .await?
                .map(Customer::try_from)
                .transpose()
            }

            async fn card_by_pan_digest(&self, digest: &[u8]) -> Result<Option<Card>> {
                sqlx::query_as::<$db, CardRow>(concat!(
                    "SELECT ", card_columns!(), " FROM cards WHERE pan_digest = $1"
                ))
                .bind(digest)
                .fetch_optional(&self.pool)
                .await?
                .map(Card::try_from)
                .transpose()
            }

            async fn cards_of_customer(&self, id: CustomerId) -> Result<Vec<Card>> {
                convert(
                    sqlx::query_as::<$db, CardRow>(concat!(
                        "SELECT ", card_columns!(), " FROM cards WHERE customer_id = $1 ORDER BY id"
                    ))
                    .bind(id.0)
                    .fetch_all(&self.pool)
                    .await?,
                )
            }

            async fn card_history(&self, id: CardId) -> Result<Vec<CardTransition>> {
                convert(
                    sqlx::query_as::<$db, CardTransitionRow>(
                        "SELECT card_id, from_status, to_status, reason, channel, actor, at \
                         FROM card_transitions WHERE card_id = $1 ORDER BY id",
                    )
                    .bind(id.0)
                    .fetch_all(&self.pool)
                    .await?,
                )
            }

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

            async fn cards_of_customers(&self, ids: &[CustomerId]) -> Result<Vec<Card>> {
                let mut cards = Vec::new();
                for chunk in ids.chunks(BULK_ROWS) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(concat!(
                        "SELECT ", card_columns!(), " FROM cards WHERE customer_id IN ("
                    ));
                    let mut list = q.separated(", ");
                    for id in chunk {
                        list.push_bind(id.0);
                    }
                    q.push(") ORDER BY customer_id, id");
                    cards.extend(convert::<_, Card>(
                        q.build_query_as::<CardRow>().fetch_all(&self.pool).await?,
                    )?);
                }
                // Chunks follow the caller's order of ids; the promise is
                // the customers' order.
                cards.sort_by_key(|c| (c.customer_id, c.id));
                Ok(cards)
            }

            async fn search_customers(
                &self,
                terms: &[crate::search::SearchTerm],
                per_term: u32,
            ) -> Result<Vec<crate::search::CustomerMatch>> {
                self.search_rows(terms, per_term).await
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

            async fn outbox(&self, status: Option<&str>, limit: u32) -> Result<Vec<OutboxMessage>> {
                convert(
                    sqlx::query_as::<$db, OutboxRow>(
                        "SELECT id, case_id, application_id, purpose, channel, recipient, language, body_sealed, \
                         idempotency_key, status, attempts, created_at FROM outbox \
                         WHERE ($1 IS NULL OR status = $1) ORDER BY id LIMIT $2",
                    )
                    .bind(status)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?,
                )
            }

            async fn outbox_delivery(&self, id: i64) -> Result<Option<OutboxDelivery>> {
                sqlx::query_as::<$db, OutboxDeliveryRow>(
                    "SELECT id, case_id, application_id, purpose, channel, recipient, language, body_sealed, \
                     idempotency_key, status, attempts, created_at, next_attempt_at, \
                     claimed_until, last_attempt_at, last_error_code, sent_at, delivered_via \
                     FROM outbox WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .map(OutboxDelivery::try_from)
                .transpose()
            }

            async fn audit_entries(
                &self,
                object: Option<&str>,
                after_seq: i64,
                limit: u32,
            ) -> Result<Vec<AuditRecord>> {
                convert(
                    sqlx::query_as::<$db, AuditRow>(concat!(
                        "SELECT ", audit_columns!(), " FROM audit_log \
                         WHERE ($1 IS NULL OR object = $1) AND seq > $2 ORDER BY seq LIMIT $3"
                    ))
                    .bind(object)
                    .bind(after_seq)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?,
                )
            }

            async fn verify_audit_chain(&self) -> Result<ChainReport> {
                let mut prev_seq = 0_i64;
                let mut prev_hash = GENESIS.to_vec();
                loop {
                    let page: Vec<AuditRecord> = convert(
                        sqlx::query_as::<$db, AuditRow>(concat!(
                            "SELECT ", audit_columns!(), " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
                        ))
                        .bind(prev_seq)
                        .bind(CHAIN_PAGE)
                        .fetch_all(&self.pool)
                        .await?,
                    )?;
                    if page.is_empty() {
                        return Ok(ChainReport::Intact {
                            entries: u64::try_from(prev_seq).unwrap_or_default(),
                        });
                    }
                    for record in page {
                        let expected = self.key.link(record.seq, &prev_hash, &record.entry);
                        // A gap in the sequence is a removed entry; a wrong
                        // back link or hash is an altered one.
                        if record.seq != prev_seq + 1
                            || record.prev_hash != prev_hash
                            || record.hash != expected
                        {
                            return Ok(ChainReport::Broken { seq: record.seq });
                        }
                        prev_seq = record.seq;
                        prev_hash = record.hash;
                    }
                }
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

            async fn counts(&self) -> Result<(i64, i64)> {
                Ok(sqlx::query_as::<$db, (i64, i64)>(
                    "SELECT (SELECT COUNT(*) FROM customers), (SELECT COUNT(*) FROM cards)",
                )
                .fetch_one(&self.pool)
                .await?)
            }

            async fn staff_user(&self, username: &str) -> Result<Option<StaffRecord>> {
                sqlx::query_as::<$db, StaffRow>(
                    "SELECT username, display_name, role, password_hash, failed_signins, \
                     locked_until FROM staff_users WHERE username = $1",
                )
                .bind(username)
                .fetch_optional(&self.pool)
                .await?
                .map(StaffRecord::try_from)
                .transpose()
            }

            async fn staff_session(&self, token_digest: &[u8]) -> Result<Option<StaffSessionRecord>> {
                sqlx::query_as::<$db, StaffSessionRow>(
                    "SELECT s.username, u.role, s.expires_at, s.revoked_at, s.last_used_at \
                     FROM staff_sessions s JOIN staff_users u ON u.username = s.username \
                     WHERE s.token_digest = $1",
                )
                .bind(token_digest)
                .fetch_optional(&self.pool)
                .await?
                .map(StaffSessionRecord::try_from)
                .transpose()
            }

            async fn use_staff_session(
                &self,
                token_digest: &[u8],
                now: DateTime<Utc>,
                idle_cutoff: DateTime<Utc>,
            ) -> Result<Option<StaffSessionRecord>> {
                // Check and touch in one statement on the row: parallel
                // uses each see the others' committed touch (PostgreSQL
                // re-evaluates the WHERE after a row lock wait; SQLite has
                // one writer), so none is lost and none revives a session
                // that idled out. RETURNING may only name this table, so the
                // role comes from a subquery.
                sqlx::query_as::<$db, StaffSessionRow>(
                    "UPDATE staff_sessions SET last_used_at = \
                       CASE WHEN last_used_at > $2 THEN last_used_at ELSE $2 END \
                     WHERE token_digest = $1 AND revoked_at IS NULL AND expires_at > $2 \
                       AND last_used_at > $3 \
                     RETURNING username, \
                       (SELECT u.role FROM staff_users u \
                        WHERE u.username = staff_sessions.username) AS role, \
                       expires_at, revoked_at, last_used_at",
                )
                .bind(token_digest)
                .bind(micros(now))
                .bind(micros(idle_cutoff))
                .fetch_optional(&self.pool)
                .await?
                .map(StaffSessionRecord::try_from)
                .transpose()
            }

            async fn notify(&self, payloads: &[String]) -> Result<()> {
                self.notify_all(payloads).await
            }

            async fn listen(&self) -> Result<Option<tokio::sync::mpsc::Receiver<String>>> {
                self.listen_all().await
            }

            async fn idempotent_response(
                &self,
                scope: &str,
                key: &str,
            ) -> Result<Option<IdempotentResponse>> {
                sqlx::query_as::<$db, IdempotencyRow>(
                    "SELECT request_digest, status, response_sealed, created_at \
                     FROM idempotency_keys WHERE scope = $1 AND key = $2",
                )
                .bind(scope)
                .bind(key)
                .fetch_optional(&self.pool)
                .await?
                .map(IdempotentResponse::try_from)
                .transpose()
            }

            async fn claim_idempotency_key(
                &self,
                scope: &str,
                key: &str,
                request_digest: &[u8],
                times: crate::ClaimTimes,
            ) -> Result<crate::IdempotencyClaim> {
                self.claim_key(scope, key, request_digest, times).await
            }

            async fn finish_idempotency_key(
                &self,
                scope: &str,
                key: &str,
                response: &IdempotentResponse,
            ) -> Result<bool> {
                self.finish_key(scope, key, response).await
            }

            fn pool_use(&self) -> (u32, usize) {
                (self.pool.size(), self.pool.num_idle())
            }

            async fn key_check(&self) -> Result<Option<Vec<u8>>> {
                self.read_key_check().await
            }

            async fn audit_entry(&self, seq: Option<i64>) -> Result<Option<AuditRecord>> {
                self.read_audit_entry(seq).await
            }

            async fn record_key_check(&self, digest: &[u8]) -> Result<Vec<u8>> {
                self.write_key_check(digest).await
            }

            async fn take_rate_token(
                &self,
                key: &str,
                capacity: f64,
                per_second: f64,
                now: DateTime<Utc>,
            ) -> Result<Option<std::time::Duration>> {
                self.take_token(key, capacity, per_second, now).await
            }

            async fn purge_rate_buckets(&self, idle_since: DateTime<Utc>) -> Result<u64> {
                self.purge_buckets(idle_since).await
            }

            async fn release_idempotency_key(
                &self,
                scope: &str,
                key: &str,
                request_digest: &[u8],
            ) -> Result<()> {
                self.release_key(scope, key, request_digest).await
            }
        }

        #[async_trait]
        impl Tx for $tx {
            async fn commit(mut self: Box<Self>) -> Result<()> {
                let entries = std::mem::take(&mut self.pending_audit);
                if !entries.is_empty() {
                    self.write_audit(&entries).await?;
                }
                Ok(self.tx.commit().await?)
            }

            async fn insert_customer(&mut self, c: &NewCustomer) -> Result<CustomerId> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO customers (name, document_kind, document_masked, id_digest, \
                     id_sealed, phone, language) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(&c.name)
                .bind(c.document_kind.as_str())
                .bind(&c.document_masked)
                .bind(&c.id_digest)
                .bind(&c.id_sealed)
                .bind(&c.phone)
                .bind(&c.language)
                .fetch_one(&mut *self.tx)
                .await?;
                Ok(CustomerId(id))
            }

            async fn insert_card(&mut self, c: &NewCard) -> Result<CardId> {
                let (status, reason, since) = status_columns(&c.status);
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO cards (customer_id, bin, last_four, pan_length, product, \
                     pan_digest, pan_sealed, password_hash, status, freeze_reason, frozen_since) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                )
                .bind(c.customer_id.0)
                .bind(&c.bin)
                .bind(&c.last_four)
                .bind(i32::from(c.pan_length))
                .bind(&c.product)
                .bind(&c.pan_digest)
                .bind(&c.pan_sealed)
                .bind(&c.password_hash)
                .bind(status)
                .bind(reason)
                .bind(since)
                .fetch_one(&mut *self.tx)
                .await?;
                Ok(CardId(id))
            }

            async fn insert_customers_bulk(&mut self, rows: &[(CustomerId, NewCustomer)]) -> Result<()> {
                for chunk in rows.chunks(BULK_ROWS) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO customers (id, name, document_kind, document_masked, \
                         id_digest, id_sealed, phone, language) ",
                    );
                    q.push_values(chunk, |mut b, (id, c)| {
                        b.push_bind(id.0)
                            .push_bind(c.name.clone())
                            .push_bind(c.document_kind.as_str())
                            .push_bind(c.document_masked.clone())
                            .push_bind(c.id_digest.clone())
                            .push_bind(c.id_sealed.clone())
                            .push_bind(c.phone.clone())
                            .push_bind(c.language.clone());
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn insert_cards_bulk(&mut self, rows: &[(CardId, NewCard)]) -> Result<()> {
                for chunk in rows.chunks(BULK_ROWS) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO cards (id, customer_id, bin, last_four, pan_length, product, \
                         pan_digest, pan_sealed, password_hash, status, freeze_reason, frozen_since) ",
                    );
                    q.push_values(chunk, |mut b, (id, c)| {
                        let (status, reason, since) = status_columns(&c.status);
                        b.push_bind(id.0)
                            .push_bind(c.customer_id.0)
                            .push_bind(c.bin.clone())
                            .push_bind(c.last_four.clone())
                            .push_bind(i32::from(c.pan_length))
                            .push_bind(c.product.clone())
                            .push_bind(c.pan_digest.clone())
                            .push_bind(c.pan_sealed.clone())
                            .push_bind(c.password_hash.clone())
                            .push_bind(status)
                            .push_bind(reason)
                            .push_bind(since);
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn sync_id_sequences(&mut self) -> Result<()> {
                let statements: &[&str] = $sync;
                for sql in statements {
                    sqlx::query(sql).execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn lock_card(&mut self, id: CardId) -> Result<Option<Card>> {
                sqlx::query_as::<$db, CardRow>(concat!(
                    "SELECT ", card_columns!(), " FROM cards WHERE id = $1", $lock
                ))
                .bind(id.0)
                .fetch_optional(&mut *self.tx)
                .await?
                .map(Card::try_from)
                .transpose()
            }

            async fn card_secrets(&mut self, id: CardId) -> Result<Option<CardSecrets>> {
                Ok(sqlx::query_as::<$db, CardSecretsRow>(
                    "SELECT pan_sealed, password_hash FROM cards WHERE id = $1",
                )
                .bind(id.0)
                .fetch_optional(&mut *self.tx)
                .await?
                .map(CardSecrets::from))
            }

            async fn customer_secrets(&mut self, id: CustomerId) -> Result<Option<CustomerSecrets>> {
                Ok(sqlx::query_as::<$db, CustomerSecretsRow>(
                    "SELECT id_digest, id_sealed, language FROM customers WHERE id = $1",
                )
                .bind(id.0)
                .fetch_optional(&mut *self.tx)
                .await?
                .map(CustomerSecrets::from))
            }

            async fn set_card_status(&mut self, status: &CardStatus, t: &CardTransition) -> Result<()> {
                let (kind, reason, since) = status_columns(status);
                sqlx::query(
                    "UPDATE cards SET status = $1, freeze_reason = $2, frozen_since = $3 WHERE id = $4",
                )
                .bind(kind)
                .bind(reason)
                .bind(since)
                .bind(t.card_id.0)
                .execute(&mut *self.tx)
                .await?;
                sqlx::query(
                    "INSERT INTO card_transitions (card_id, from_status, to_status, reason, \
                     channel, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(t.card_id.0)
                .bind(t.from.as_str())
                .bind(t.to.as_str())
                .bind(t.reason.map(|r| r.as_str()))
                .bind(t.channel.as_str())
                .bind(&t.actor)
                .bind(micros(t.at))
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

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

            async fn lock_customer_case(
                &mut self,
                key: crate::CaseKey<'_>,
            ) -> Result<Option<crate::CustomerCase>> {
                self.lock_customer_case_sql(key).await
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

            async fn insert_outbox(&mut self, m: &NewOutboxMessage) -> Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO outbox (case_id, application_id, purpose, channel, recipient, \
                     language, body_sealed, idempotency_key, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(m.subject.columns().0)
                .bind(m.subject.columns().1)
                .bind(m.subject.columns().2)
                .bind(m.channel.as_str())
                .bind(&m.recipient)
                .bind(&m.language)
                .bind(&m.body_sealed)
                .bind(&m.idempotency_key)
                .bind(micros(m.created_at))
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn claim_outbox(
                &mut self,
                now: DateTime<Utc>,
                lease_until: DateTime<Utc>,
                claimant: &str,
                limit: u32,
            ) -> Result<Vec<OutboxMessage>> {
                // The due rows are chosen once (MATERIALIZED: PostgreSQL
                // would otherwise re-run a locking subquery per row and
                // overshoot the limit). The outer conditions repeat the inner
                // ones on purpose: a claim that raced another is re-checked
                // against the row as the other left it (PostgreSQL
                // re-evaluates an UPDATE's WHERE on the newest row version),
                // so a message leased a moment ago is not leased twice.
                let mut claimed: Vec<OutboxMessage> = convert(
                    sqlx::query_as::<$db, OutboxRow>(concat!(
                        "WITH due AS MATERIALIZED (SELECT id FROM outbox \
                         WHERE status = 'pending' AND next_attempt_at <= $3 \
                         AND (claimed_until IS NULL OR claimed_until <= $3) \
                         ORDER BY next_attempt_at, id LIMIT $4", $skip_locked, ") \
                         UPDATE outbox SET claimed_until = $1, claimed_by = $2, \
                         attempts = attempts + 1, last_attempt_at = $3 \
                         WHERE id IN (SELECT id FROM due) \
                         AND status = 'pending' AND next_attempt_at <= $3 \
                         AND (claimed_until IS NULL OR claimed_until <= $3) \
                         RETURNING id, case_id, application_id, purpose, channel, recipient, language, body_sealed, \
                         idempotency_key, status, attempts, created_at"
                    ))
                    .bind(micros(lease_until))
                    .bind(claimant)
                    .bind(micros(now))
                    .bind(i64::from(limit))
                    .fetch_all(&mut *self.tx)
                    .await?,
                )?;
                // RETURNING promises no order.
                claimed.sort_by_key(|m| m.id);
                Ok(claimed)
            }

            async fn settle_outbox(
                &mut self,
                id: i64,
                claimant: &str,
                settlement: &OutboxSettlement,
            ) -> Result<bool> {
                // Every variant releases the lease, and only its holder's
                // settlement counts.
                let done = match settlement {
                    OutboxSettlement::Sent { at, via } => sqlx::query(
                        "UPDATE outbox SET status = 'sent', sent_at = $1, delivered_via = $2, \
                         claimed_until = NULL, claimed_by = NULL \
                         WHERE id = $3 AND claimed_by = $4 AND status = 'pending'",
                    )
                    .bind(micros(*at))
                    .bind(via)
                    .bind(id)
                    .bind(claimant)
                    .execute(&mut *self.tx)
                    .await?,
                    OutboxSettlement::Retry {
                        next_attempt_at,
                        error_code,
                    } => sqlx::query(
                        "UPDATE outbox SET next_attempt_at = $1, last_error_code = $2, \
                         claimed_until = NULL, claimed_by = NULL \
                         WHERE id = $3 AND claimed_by = $4 AND status = 'pending'",
                    )
                    .bind(micros(*next_attempt_at))
                    .bind(error_code)
                    .bind(id)
                    .bind(claimant)
                    .execute(&mut *self.tx)
                    .await?,
                    OutboxSettlement::Failed { error_code } => sqlx::query(
                        "UPDATE outbox SET status = 'failed', last_error_code = $1, \
                         claimed_until = NULL, claimed_by = NULL \
                         WHERE id = $2 AND claimed_by = $3 AND status = 'pending'",
                    )
                    .bind(error_code)
                    .bind(id)
                    .bind(claimant)
                    .execute(&mut *self.tx)
                    .await?,
                };
                Ok(done.rows_affected() == 1)
            }

            async fn record_credential_failure(
                &mut self,
                customer: CustomerId,
                case: CaseId,
                at: DateTime<Utc>,
            ) -> Result<()> {
                sqlx::query("INSERT INTO credential_failures (customer_id, case_id, at) VALUES ($1, $2, $3)")
                    .bind(customer.0)
                    .bind(case.0)
                    .bind(micros(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn lock_customer_failures(
                &mut self,
                customer: CustomerId,
                since: DateTime<Utc>,
            ) -> Result<u32> {
                sqlx::query(concat!("SELECT id FROM customers WHERE id = $1", $lock))
                    .bind(customer.0)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM credential_failures WHERE customer_id = $1 AND at > $2",
                )
                .bind(customer.0)
                .bind(micros(since))
                .fetch_one(&mut *self.tx)
                .await?;
                Ok(u32::try_from(n).unwrap_or(u32::MAX))
            }

            async fn append_audit(&mut self, e: &NewAuditEntry) -> Result<()> {
                self.pending_audit.push(e.clone());
                Ok(())
            }

            async fn audit_actors(
                &mut self,
                object: &str,
                outcome: Outcome,
            ) -> Result<Vec<(String, String)>> {
                // `audit_log_object` (object, seq) finds the case's entries.
                let stored: Vec<(String, String)> = sqlx::query_as(
                    "SELECT DISTINCT action, actor FROM audit_log \
                     WHERE object = $1 AND outcome = $2 ORDER BY action, actor",
                )
                .bind(object)
                .bind(outcome.as_str())
                .fetch_all(&mut *self.tx)
                .await?;
                // With what this transaction appends, not yet written.
                let mine = self
                    .pending_audit
                    .iter()
                    .filter(|e| e.object == object && e.outcome == outcome)
                    .map(|e| (e.action.clone(), e.actor.clone()));
                let pairs: std::collections::BTreeSet<_> = stored.into_iter().chain(mine).collect();
                Ok(pairs.into_iter().collect())
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

            async fn insert_staff_user(&mut self, u: &StaffRecord, at: DateTime<Utc>) -> Result<()> {
                sqlx::query(
                    "INSERT INTO staff_users (username, display_name, role, password_hash, \
                     failed_signins, locked_until, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&u.member.username)
                .bind(&u.display_name)
                .bind(u.member.role.as_str())
                .bind(&u.password_hash)
                .bind(i32::try_from(u.failed_signins).unwrap_or(i32::MAX))
                .bind(u.locked_until.map(micros))
                .bind(micros(at))
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn record_signin_failure(
                &mut self,
                username: &str,
                now: DateTime<Utc>,
                max_failed: u32,
                lock_until: DateTime<Utc>,
            ) -> Result<Option<SigninFailures>> {
                // One statement: the database increments what it holds, so
                // parallel failures cannot overwrite each other's count.
                // `SET` expressions all see the row as it was before.
                let row: Option<(i32, Option<i64>)> = sqlx::query_as(
                    "UPDATE staff_users SET \
                     failed_signins = CASE WHEN locked_until <= $1 THEN 1 \
                       ELSE failed_signins + 1 END, \
                     locked_until = CASE WHEN locked_until > $1 THEN locked_until \
                       WHEN (CASE WHEN locked_until <= $1 THEN 1 ELSE failed_signins + 1 END) >= $2 \
                       THEN $3 ELSE NULL END \
                     WHERE username = $4 RETURNING failed_signins, locked_until",
                )
                .bind(micros(now))
                .bind(i32::try_from(max_failed).unwrap_or(i32::MAX))
                .bind(micros(lock_until))
                .bind(username)
                .fetch_optional(&mut *self.tx)
                .await?;
                row.map(|(failed, locked)| {
                    Ok(SigninFailures {
                        failed_signins: u32::try_from(failed).unwrap_or_default(),
                        locked_until: locked.map(from_micros).transpose()?,
                    })
                })
                .transpose()
            }

            async fn clear_signin_failures(&mut self, username: &str, now: DateTime<Utc>) -> Result<bool> {
                let done = sqlx::query(
                    "UPDATE staff_users SET failed_signins = 0, locked_until = NULL \
                     WHERE username = $1 AND (locked_until IS NULL OR locked_until <= $2)",
                )
                .bind(username)
                .bind(micros(now))
                .execute(&mut *self.tx)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn insert_staff_session(
                &mut self,
                token_digest: &[u8],
                username: &str,
                created_at: DateTime<Utc>,
                expires_at: DateTime<Utc>,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO staff_sessions (token_digest, username, created_at, expires_at, \
                     last_used_at) VALUES ($1, $2, $3, $4, $3)",
                )
                .bind(token_digest)
                .bind(username)
                .bind(micros(created_at))
                .bind(micros(expires_at))
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn revoke_staff_session(&mut self, token_digest: &[u8], at: DateTime<Utc>) -> Result<()> {
                sqlx::query(
                    "UPDATE staff_sessions SET revoked_at = $1 WHERE token_digest = $2 AND revoked_at IS NULL",
                )
                .bind(micros(at))
                .bind(token_digest)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn purge_idempotency(&mut self, before: DateTime<Utc>) -> Result<u64> {
                Ok(sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                    .bind(micros(before))
                    .execute(&mut *self.tx)
                    .await?
                    .rows_affected())
            }
        }
    };
}

pub(crate) use backend;
