//! The applications' changes, inside a unit of work: SQL both backends
//! share. The row lock is the backend's (`FOR UPDATE` on PostgreSQL;
//! SQLite's write transactions already exclude other writers).

/// Implements [`ApplicationTx`](super::ApplicationTx) for one backend's
/// transaction (expanded in its module, where the transaction's fields
/// are visible).
macro_rules! application_writes {
    (tx = $tx:ident, db = $db:ty, lock_row = $lock:literal $(,)?) => {
        mod application_writes {
            use async_trait::async_trait;
            use carddesk_domain::application::{Application, ApplicationId, Verdict};
            use carddesk_domain::card::{Card, CardId};
            use carddesk_domain::customer::CustomerId;
            use chrono::{DateTime, Utc};

            use super::$tx;
            use crate::Result;
            use crate::application_records::*;
            use crate::applications::ApplicationTx;
            use crate::rows::{CardRow, convert, micros};

            #[async_trait]
            impl ApplicationTx for $tx {
                async fn applicant_cards(
                    &mut self,
                    id_digest: &[u8],
                ) -> Result<Option<(CustomerId, Vec<(Card, bool)>)>> {
                    let customer: Option<i64> =
                        sqlx::query_scalar("SELECT id FROM customers WHERE id_digest = $1")
                            .bind(id_digest)
                            .fetch_optional(&mut *self.tx)
                            .await?;
                    let Some(customer) = customer else {
                        return Ok(None);
                    };
                    let cards = convert(
                        sqlx::query_as::<$db, CardRow>(concat!(
                            "SELECT ", card_columns!(),
                            " FROM cards WHERE customer_id = $1 ORDER BY id"
                        ))
                        .bind(customer)
                        .fetch_all(&mut *self.tx)
                        .await?,
                    )?;
                    let with_password: Vec<i64> = sqlx::query_scalar(
                        "SELECT id FROM cards WHERE customer_id = $1 AND password_hash <> ''",
                    )
                    .bind(customer)
                    .fetch_all(&mut *self.tx)
                    .await?;
                    let cards = cards
                        .into_iter()
                        .map(|c: Card| {
                            let has = with_password.contains(&c.id.0);
                            (c, has)
                        })
                        .collect();
                    Ok(Some((CustomerId(customer), cards)))
                }

                async fn count_submission(&mut self, key: &str, day: i64) -> Result<u32> {
                    let count: i32 = sqlx::query_scalar(
                        "INSERT INTO application_quota (key, day, count) VALUES ($1, $2, 1) \
                         ON CONFLICT (key, day) DO UPDATE SET count = application_quota.count + 1 \
                         RETURNING count",
                    )
                    .bind(key)
                    .bind(day)
                    .fetch_one(&mut *self.tx)
                    .await?;
                    Ok(u32::try_from(count).unwrap_or(u32::MAX))
                }

                async fn insert_application(&mut self, new: &NewApplication) -> Result<ApplicationId> {
                    let a = &new.application;
                    let p = &new.applicant;
                    let StepColumns {
                        two_card,
                        card,
                        code_expires,
                        interview,
                        since,
                        reviewer,
                    } = step_columns(a);
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO applications (product, state, route, customer_id, name, \
                         document_kind, document_masked, id_digest, id_sealed, phone, language, \
                         origin, consent_version, consent_at, session_digest, failed_attempts, \
                         two_card_step, proven_card_id, code_expires_at, interview_step, \
                         queued_since, reviewer, submitted_at, updated_at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
                         $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25) RETURNING id",
                    )
                    .bind(&a.product)
                    .bind(a.state.as_str())
                    .bind(a.route.map(|r| r.as_str()))
                    .bind(a.customer_id.map(|c| c.0))
                    .bind(&p.name)
                    .bind(p.document_kind.as_str())
                    .bind(&p.document_masked)
                    .bind(&p.id_digest)
                    .bind(&p.id_sealed)
                    .bind(&p.phone)
                    .bind(&p.language)
                    .bind(&new.origin)
                    .bind(&new.consent_version)
                    .bind(micros(new.consent_at))
                    .bind(&new.session_digest)
                    .bind(i64::from(a.failed_attempts))
                    .bind(two_card)
                    .bind(card)
                    .bind(code_expires)
                    .bind(interview)
                    .bind(since)
                    .bind(reviewer)
                    .bind(micros(a.submitted_at))
                    .bind(micros(a.updated_at))
                    .bind(micros(a.expires_at))
                    .fetch_one(&mut *self.tx)
                    .await?;
                    Ok(ApplicationId(id))
                }

                async fn lock_application(
                    &mut self,
                    id: ApplicationId,
                ) -> Result<Option<ApplicationRecord>> {
                    sqlx::query_as::<$db, ApplicationRow>(concat!(
                        "SELECT ", application_columns!(), " FROM applications WHERE id = $1", $lock
                    ))
                    .bind(id.0)
                    .fetch_optional(&mut *self.tx)
                    .await?
                    .map(ApplicationRecord::try_from)
                    .transpose()
                }

                async fn save_application(&mut self, a: &Application) -> Result<()> {
                    let StepColumns {
                        two_card,
                        card,
                        code_expires,
                        interview,
                        since,
                        reviewer,
                    } = step_columns(a);
                    sqlx::query(
                        "UPDATE applications SET state = $2, route = $3, customer_id = $4, \
                         failed_attempts = $5, two_card_step = $6, proven_card_id = $7, \
                         code_expires_at = $8, interview_step = $9, queued_since = $10, \
                         reviewer = $11, updated_at = $12 WHERE id = $1",
                    )
                    .bind(a.id.0)
                    .bind(a.state.as_str())
                    .bind(a.route.map(|r| r.as_str()))
                    .bind(a.customer_id.map(|c| c.0))
                    .bind(i64::from(a.failed_attempts))
                    .bind(two_card)
                    .bind(card)
                    .bind(code_expires)
                    .bind(interview)
                    .bind(since)
                    .bind(reviewer)
                    .bind(micros(a.updated_at))
                    .execute(&mut *self.tx)
                    .await?;
                    Ok(())
                }

                async fn set_application_code(
                    &mut self,
                    id: ApplicationId,
                    digest: &[u8],
                ) -> Result<()> {
                    sqlx::query("UPDATE applications SET code_digest = $2 WHERE id = $1")
                        .bind(id.0)
                        .bind(digest)
                        .execute(&mut *self.tx)
                        .await?;
                    Ok(())
                }

                async fn use_application_code(
                    &mut self,
                    id: ApplicationId,
                    digest: &[u8],
                ) -> Result<bool> {
                    Ok(sqlx::query(
                        "UPDATE applications SET code_digest = NULL \
                         WHERE id = $1 AND code_digest = $2",
                    )
                    .bind(id.0)
                    .bind(digest)
                    .execute(&mut *self.tx)
                    .await?
                    .rows_affected()
                        == 1)
                }

                async fn record_verdict(&mut self, id: ApplicationId, verdict: &Verdict) -> Result<()> {
                    let reasons: Vec<&str> = verdict.reasons().iter().map(|r| r.as_str()).collect();
                    let ticked: Vec<&str> = match verdict {
                        Verdict::Pass { checklist } => checklist.0.iter().map(|i| i.as_str()).collect(),
                        _ => Vec::new(),
                    };
                    sqlx::query(
                        "UPDATE applications SET verdict = $2, verdict_reasons = $3, \
                         verdict_checklist = $4 WHERE id = $1",
                    )
                    .bind(id.0)
                    .bind(verdict.as_str())
                    .bind(reasons.join(","))
                    .bind(ticked.join(","))
                    .execute(&mut *self.tx)
                    .await?;
                    Ok(())
                }

                async fn next_product_serial(&mut self, product: &str) -> Result<u64> {
                    let next: i64 = sqlx::query_scalar(
                        "INSERT INTO product_serials (product, next) VALUES ($1, 1) \
                         ON CONFLICT (product) DO UPDATE SET next = product_serials.next + 1 \
                         RETURNING next",
                    )
                    .bind(product)
                    .fetch_one(&mut *self.tx)
                    .await?;
                    Ok(u64::try_from(next - 1).unwrap_or(0))
                }

                async fn insert_virtual_card(&mut self, c: &VirtualCardRecord) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO virtual_cards (card_id, application_id, expiry_year, \
                         expiry_month, cvc_digest, route, decided_by, issued_at, revealed_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(c.card_id.0)
                    .bind(c.application_id.0)
                    .bind(c.expiry_year)
                    .bind(i32::try_from(c.expiry_month).unwrap_or(0))
                    .bind(&c.cvc_digest)
                    .bind(c.route.as_str())
                    .bind(&c.decided_by)
                    .bind(micros(c.issued_at))
                    .bind(c.revealed_at.map(micros))
                    .execute(&mut *self.tx)
                    .await?;
                    Ok(())
                }

                async fn reveal_virtual_card(&mut self, card: CardId, at: DateTime<Utc>) -> Result<bool> {
                    Ok(sqlx::query(
                        "UPDATE virtual_cards SET revealed_at = $2 \
                         WHERE card_id = $1 AND revealed_at IS NULL",
                    )
                    .bind(card.0)
                    .bind(micros(at))
                    .execute(&mut *self.tx)
                    .await?
                    .rows_affected()
                        == 1)
                }

                async fn insert_media(&mut self, m: &MediaRecord) -> Result<i64> {
                    sqlx::query(
                        "UPDATE application_media SET current = FALSE \
                         WHERE application_id = $1 AND kind = $2 AND current",
                    )
                    .bind(m.application_id.0)
                    .bind(m.kind.as_str())
                    .execute(&mut *self.tx)
                    .await?;
                    Ok(sqlx::query_scalar(
                        "INSERT INTO application_media (application_id, kind, container, bytes, \
                         sha256, width, height, duration_ms, uploaded_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    )
                    .bind(m.application_id.0)
                    .bind(m.kind.as_str())
                    .bind(&m.container)
                    .bind(m.bytes)
                    .bind(&m.sha256)
                    .bind(m.width)
                    .bind(m.height)
                    .bind(m.duration_ms)
                    .bind(micros(m.uploaded_at))
                    .fetch_one(&mut *self.tx)
                    .await?)
                }

                async fn current_media_kinds(
                    &mut self,
                    application: ApplicationId,
                ) -> Result<Vec<MediaKind>> {
                    let kinds: Vec<String> = sqlx::query_scalar(
                        "SELECT kind FROM application_media WHERE application_id = $1 AND current",
                    )
                    .bind(application.0)
                    .fetch_all(&mut *self.tx)
                    .await?;
                    kinds
                        .iter()
                        .map(|k| MediaKind::parse(k).ok_or(crate::StoreError::Corrupt("media")))
                        .collect()
                }

                async fn retire_media(&mut self, application: ApplicationId) -> Result<()> {
                    sqlx::query(
                        "UPDATE application_media SET current = FALSE \
                         WHERE application_id = $1 AND current",
                    )
                    .bind(application.0)
                    .execute(&mut *self.tx)
                    .await?;
                    Ok(())
                }
            }
        }
    };
}
pub(crate) use application_writes;
