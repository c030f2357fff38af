//! The applications' reads, outside a transaction: SQL both backends
//! share.

/// Implements [`ApplicationStore`](super::ApplicationStore) for one
/// backend's store.
macro_rules! application_reads {
    (store = $store:ident, db = $db:ty $(,)?) => {
        mod application_reads {
            use async_trait::async_trait;
            use carddesk_domain::application::ApplicationId;
            use carddesk_domain::card::CardId;
            use carddesk_domain::customer::CustomerId;
            use chrono::{DateTime, Utc};

            use super::$store;
            use crate::Result;
            use crate::application_records::*;
            use crate::applications::ApplicationStore;
            use crate::rows::{convert, micros};

            #[async_trait]
            impl ApplicationStore for $store {
                async fn application(&self, id: ApplicationId) -> Result<Option<ApplicationRecord>> {
                    sqlx::query_as::<$db, ApplicationRow>(concat!(
                        "SELECT ", application_columns!(), " FROM applications WHERE id = $1"
                    ))
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(ApplicationRecord::try_from)
                    .transpose()
                }

                async fn application_by_session(
                    &self,
                    digest: &[u8],
                ) -> Result<Option<ApplicationRecord>> {
                    sqlx::query_as::<$db, ApplicationRow>(concat!(
                        "SELECT ", application_columns!(),
                        " FROM applications WHERE session_digest = $1"
                    ))
                    .bind(digest)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(ApplicationRecord::try_from)
                    .transpose()
                }

                async fn interview_queue(&self, limit: u32) -> Result<Vec<ApplicationRecord>> {
                    convert(
                        sqlx::query_as::<$db, ApplicationRow>(concat!(
                            "SELECT ", application_columns!(), " FROM applications \
                             WHERE state = 'routed' AND route = 'video_interview' \
                             AND interview_step IN ('queued', 'claimed', 'awaiting_override') \
                             ORDER BY queued_since, id LIMIT $1"
                        ))
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await?,
                    )
                }

                async fn virtual_card(&self, card: CardId) -> Result<Option<VirtualCardRecord>> {
                    sqlx::query_as::<$db, VirtualCardRow>(
                        "SELECT card_id, application_id, expiry_year, expiry_month, cvc_digest, \
                         route, decided_by, issued_at, revealed_at FROM virtual_cards WHERE card_id = $1",
                    )
                    .bind(card.0)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(VirtualCardRecord::try_from)
                    .transpose()
                }

                async fn virtual_cards_of_customer(
                    &self,
                    customer: CustomerId,
                ) -> Result<Vec<VirtualCardRecord>> {
                    convert(
                        sqlx::query_as::<$db, VirtualCardRow>(
                            "SELECT v.card_id, v.application_id, v.expiry_year, v.expiry_month, \
                             v.cvc_digest, v.route, v.decided_by, v.issued_at, v.revealed_at \
                             FROM virtual_cards v JOIN cards c ON c.id = v.card_id \
                             WHERE c.customer_id = $1 ORDER BY v.card_id",
                        )
                        .bind(customer.0)
                        .fetch_all(&self.pool)
                        .await?,
                    )
                }

                async fn virtual_card_of(
                    &self,
                    application: ApplicationId,
                ) -> Result<Option<VirtualCardRecord>> {
                    sqlx::query_as::<$db, VirtualCardRow>(
                        "SELECT card_id, application_id, expiry_year, expiry_month, cvc_digest, \
                         route, decided_by, issued_at, revealed_at FROM virtual_cards \
                         WHERE application_id = $1",
                    )
                    .bind(application.0)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(VirtualCardRecord::try_from)
                    .transpose()
                }

                async fn application_media(
                    &self,
                    application: ApplicationId,
                ) -> Result<Vec<MediaRecord>> {
                    convert(
                        sqlx::query_as::<$db, MediaRow>(
                            "SELECT id, application_id, kind, container, bytes, sha256, width, \
                             height, duration_ms, uploaded_at FROM application_media \
                             WHERE application_id = $1 AND current ORDER BY kind",
                        )
                        .bind(application.0)
                        .fetch_all(&self.pool)
                        .await?,
                    )
                }

                async fn interview_queue_media(&self, limit: u32) -> Result<Vec<MediaRecord>> {
                    convert(
                        sqlx::query_as::<$db, MediaRow>(
                            "SELECT id, application_id, kind, container, bytes, sha256, width, \
                             height, duration_ms, uploaded_at FROM application_media \
                             WHERE current AND application_id IN ( \
                                 SELECT id FROM applications \
                                 WHERE state = 'routed' AND route = 'video_interview' \
                                 AND interview_step IN ('queued', 'claimed', 'awaiting_override') \
                                 ORDER BY queued_since, id LIMIT $1) \
                             ORDER BY application_id, kind",
                        )
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await?,
                    )
                }

                async fn card_password_hash(&self, card: CardId) -> Result<Option<String>> {
                    Ok(sqlx::query_scalar::<$db, String>(
                        "SELECT password_hash FROM cards WHERE id = $1",
                    )
                    .bind(card.0)
                    .fetch_optional(&self.pool)
                    .await?)
                }

                async fn due_applications(
                    &self,
                    now: DateTime<Utc>,
                    limit: u32,
                ) -> Result<Vec<ApplicationId>> {
                    Ok(sqlx::query_scalar::<$db, i64>(
                        "SELECT id FROM applications WHERE state IN \
                         ('submitted', 'routed', 'authenticated') AND expires_at <= $1 \
                         ORDER BY expires_at, id LIMIT $2",
                    )
                    .bind(micros(now))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(ApplicationId)
                    .collect())
                }
            }
        }
    };
}
pub(crate) use application_reads;
