//! Seeding: many customers and cards inserted with the ids given, then
//! the id sequences moved past them ([`BulkTx`], a supertrait of
//! [`Tx`](crate::Tx), and the SQL both backends share: `bulk_queries!`,
//! expanded by `backend!`).

use async_trait::async_trait;
use carddesk_domain::{CardId, CustomerId};

use crate::Result;
use crate::records::*;

/// Bulk inserts inside a unit of work.
#[async_trait]
pub trait BulkTx {
    /// Inserts many customers with the ids given (seeding).
    async fn insert_customers_bulk(&mut self, rows: &[(CustomerId, NewCustomer)]) -> Result<()>;
    /// Inserts many cards with the ids given (seeding).
    async fn insert_cards_bulk(&mut self, rows: &[(CardId, NewCard)]) -> Result<()>;
    /// Moves id sequences past the largest ids present, after bulk inserts.
    async fn sync_id_sequences(&mut self) -> Result<()>;
}

/// Implements [`BulkTx`] for one backend
/// (expanded by `backend!` in its module).
macro_rules! bulk_queries {
    (tx = $tx:ident, db = $db:ty, sync_sequences = $sync:expr $(,)?) => {
        mod bulk_sql {
            use async_trait::async_trait;
            use carddesk_domain::{CardId, CustomerId};

            use super::$tx;
            use crate::records::*;
            use crate::rows::*;
            use crate::sql::BULK_ROWS;
            use crate::Result;

            #[async_trait]
            impl crate::bulk::BulkTx for $tx {
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
            }
        }
    };
}
pub(crate) use bulk_queries;
