//! How long an application's uploads and counters are kept: the SQL both
//! backends share for forgetting them, each step one statement inside the
//! caller's transaction (the processor audits in the same one).

/// Implements [`RetentionTx`](super::RetentionTx) for one backend's
/// transaction (expanded in its module).
macro_rules! application_retention {
    (tx = $tx:ident $(,)?) => {
        mod application_retention {
            use async_trait::async_trait;
            use carddesk_domain::application::ApplicationId;
            use chrono::{DateTime, Utc};

            use super::$tx;
            use crate::Result;
            use crate::application_records::PurgedMedia;
            use crate::applications::RetentionTx;
            use crate::rows::micros;

            #[async_trait]
            impl RetentionTx for $tx {
                async fn purge_media_of_closed(
                    &mut self,
                    closed_before: DateTime<Utc>,
                    limit: u32,
                ) -> Result<Vec<PurgedMedia>> {
                    let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(
                        "DELETE FROM application_media WHERE application_id IN ( \
                             SELECT DISTINCT m.application_id FROM application_media m \
                             JOIN applications a ON a.id = m.application_id \
                             WHERE a.state IN ('rejected', 'expired', 'withdrawn') \
                             AND a.updated_at < $1 \
                             LIMIT $2) \
                         RETURNING application_id, sha256",
                    )
                    .bind(micros(closed_before))
                    .bind(i64::from(limit))
                    .fetch_all(&mut *self.tx)
                    .await?;
                    Ok(rows
                        .into_iter()
                        .map(|(application, sha256)| PurgedMedia {
                            application: ApplicationId(application),
                            sha256,
                        })
                        .collect())
                }

                async fn media_in_use(&mut self, sha256: &[u8]) -> Result<bool> {
                    let found: Option<i64> = sqlx::query_scalar(
                        "SELECT id FROM application_media WHERE sha256 = $1 LIMIT 1",
                    )
                    .bind(sha256)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                    Ok(found.is_some())
                }

                async fn purge_quota_before(&mut self, day: i64) -> Result<u64> {
                    Ok(sqlx::query("DELETE FROM application_quota WHERE day < $1")
                        .bind(day)
                        .execute(&mut *self.tx)
                        .await?
                        .rows_affected())
                }
            }
        }
    };
}
pub(crate) use application_retention;
