//! Customers and their cards: the repository's part for them
//! ([`CardStore`] for reads, [`CardTx`] inside a unit of work, supertraits
//! of [`Store`](crate::Store) and [`Tx`](crate::Tx)) and the SQL both
//! backends share (`card_queries!`, expanded by `backend!`).

use async_trait::async_trait;
use carddesk_domain::card::CardTransition;
use carddesk_domain::{Card, CardId, CardStatus, Customer, CustomerId};

use crate::Result;
use crate::records::*;

/// Reads of customers and cards, outside a transaction.
#[async_trait]
pub trait CardStore {
    /// A customer.
    async fn customer(&self, id: CustomerId) -> Result<Option<Customer>>;
    /// The customer whose document has this keyed hash.
    async fn customer_by_id_digest(&self, digest: &[u8]) -> Result<Option<Customer>>;
    /// Customers with this E.164 phone number.
    async fn customers_by_phone(&self, phone: &str) -> Result<Vec<Customer>>;
    /// A customer's protected identity data.
    async fn customer_secrets(&self, id: CustomerId) -> Result<Option<CustomerSecrets>>;
    /// A card.
    async fn card(&self, id: CardId) -> Result<Option<Card>>;
    /// The customer who holds a card, in one statement.
    async fn customer_of_card(&self, card: CardId) -> Result<Option<Customer>>;
    /// The card whose number has this keyed hash.
    async fn card_by_pan_digest(&self, digest: &[u8]) -> Result<Option<Card>>;
    /// A customer's cards, by id.
    async fn cards_of_customer(&self, id: CustomerId) -> Result<Vec<Card>>;
    /// The cards of several customers, by customer then card id.
    async fn cards_of_customers(&self, ids: &[CustomerId]) -> Result<Vec<Card>>;
    /// A card's status history, oldest first.
    async fn card_history(&self, id: CardId) -> Result<Vec<CardTransition>>;
    /// Number of rows of customers and of cards, for reports.
    async fn counts(&self) -> Result<(i64, i64)>;
}

/// Customers and cards inside a unit of work.
#[async_trait]
pub trait CardTx {
    /// Inserts a customer.
    async fn insert_customer(&mut self, customer: &NewCustomer) -> Result<CustomerId>;
    /// Inserts a card.
    async fn insert_card(&mut self, card: &NewCard) -> Result<CardId>;
    /// A card, locked for the rest of the transaction.
    async fn lock_card(&mut self, id: CardId) -> Result<Option<Card>>;
    /// A customer's cards, by id, each locked for the rest of the
    /// transaction in that order (so that two callers locking them both
    /// can never wait on each other), in one statement.
    async fn lock_customer_cards(&mut self, customer: CustomerId) -> Result<Vec<Card>>;
    /// A card's protected data.
    async fn card_secrets(&mut self, id: CardId) -> Result<Option<CardSecrets>>;
    /// A customer's protected identity data.
    async fn customer_secrets(&mut self, id: CustomerId) -> Result<Option<CustomerSecrets>>;
    /// Sets a card's status and records the transition that led there.
    async fn set_card_status(
        &mut self,
        status: &CardStatus,
        transition: &CardTransition,
    ) -> Result<()>;
}

/// Implements [`CardStore`] and [`CardTx`] for one backend
/// (expanded by `backend!` in its module).
macro_rules! card_queries {
    (store = $store:ident, tx = $tx:ident, db = $db:ty, lock_row = $lock:literal $(,)?) => {
        mod card_sql {
            use async_trait::async_trait;
            use carddesk_domain::card::CardTransition;
            use carddesk_domain::{Card, CardId, CardStatus, Customer, CustomerId};

            use super::{$store, $tx};
            use crate::records::*;
            use crate::rows::*;
            use crate::sql::BULK_ROWS;
            use crate::Result;

            #[async_trait]
            impl crate::cards::CardStore for $store {
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

                async fn counts(&self) -> Result<(i64, i64)> {
                    Ok(sqlx::query_as::<$db, (i64, i64)>(
                        "SELECT (SELECT COUNT(*) FROM customers), (SELECT COUNT(*) FROM cards)",
                    )
                    .fetch_one(&self.pool)
                    .await?)
                }
            }

            #[async_trait]
            impl crate::cards::CardTx for $tx {
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

                async fn lock_customer_cards(&mut self, customer: CustomerId) -> Result<Vec<Card>> {
                    convert(
                        sqlx::query_as::<$db, CardRow>(concat!(
                            "SELECT ", card_columns!(), " FROM cards WHERE customer_id = $1 ORDER BY id",
                            $lock
                        ))
                        .bind(customer.0)
                        .fetch_all(&mut *self.tx)
                        .await?,
                    )
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
            }
        }
    };
}
pub(crate) use card_queries;
