//! What the processor checks the database against: the record of which
//! master key its secrets are sealed under (table `key_check`, one row),
//! and the audit chain's head, which it anchors outside the database. SQL
//! both backends share (`integrity_queries!`, used beside `backend!`).

/// Implements the integrity reads for one database type.
macro_rules! integrity_queries {
    (store = $store:ident $(,)?) => {
        impl $store {
            pub(crate) async fn read_key_check(&self) -> crate::Result<Option<Vec<u8>>> {
                Ok(
                    sqlx::query_scalar("SELECT digest FROM key_check WHERE id = 1")
                        .fetch_optional(&self.pool)
                        .await?,
                )
            }

            pub(crate) async fn read_audit_entry(
                &self,
                seq: Option<i64>,
            ) -> crate::Result<Option<crate::AuditRecord>> {
                // The entry at `seq`, or the last one: one index lookup.
                let row = sqlx::query_as::<_, crate::rows::AuditRow>(concat!(
                    "SELECT ",
                    audit_columns!(),
                    " FROM audit_log \
                     WHERE ($1 IS NULL OR seq = $1) ORDER BY seq DESC LIMIT 1"
                ))
                .bind(seq)
                .fetch_optional(&self.pool)
                .await?;
                row.map(crate::AuditRecord::try_from).transpose()
            }

            pub(crate) async fn write_key_check(&self, digest: &[u8]) -> crate::Result<Vec<u8>> {
                // The first writer wins; everyone reads back what is kept.
                sqlx::query(
                    "INSERT INTO key_check (id, digest) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
                )
                .bind(digest)
                .execute(&self.pool)
                .await?;
                Ok(
                    sqlx::query_scalar("SELECT digest FROM key_check WHERE id = 1")
                        .fetch_one(&self.pool)
                        .await?,
                )
            }
        }
    };
}

pub(crate) use integrity_queries;
