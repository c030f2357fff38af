//! What the desk's customer view shows, read on one connection: the
//! customer, their cards with each one's virtual-card facts, and their open
//! cases. Read one call each through the pool, every read also took and
//! gave back a connection, and sqlx checks a connection by a round trip
//! when it comes back, so four reads cost eight round trips where these
//! three cost four. SQL both backends share (`customer_view_queries!`,
//! used beside `backend!`), and the cases' filter every case list uses.

use carddesk_domain::{Card, Customer};

use crate::application_records::VirtualCardRow;
use crate::rows::CardRow;
use crate::{CaseRecord, Result, VirtualCardRecord};

/// A customer with what the desk's customer view shows of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerOverview {
    /// The customer.
    pub customer: Customer,
    /// Their cards, by id.
    pub cards: Vec<Card>,
    /// Their cases not yet final, newest first.
    pub open_cases: Vec<CaseRecord>,
    /// How each of their virtual cards came to be, by card id.
    pub virtual_cards: Vec<VirtualCardRecord>,
}

/// A card with its virtual-card facts, when it has them (`LEFT JOIN`).
#[derive(sqlx::FromRow)]
pub(crate) struct CardWithVirtualRow {
    #[sqlx(flatten)]
    card: CardRow,
    application_id: Option<i64>,
    expiry_year: Option<i32>,
    expiry_month: Option<i32>,
    cvc_digest: Option<Vec<u8>>,
    route: Option<String>,
    decided_by: Option<String>,
    issued_at: Option<i64>,
    revealed_at: Option<i64>,
}

/// The columns [`CardWithVirtualRow`] reads, after the card's.
macro_rules! virtual_columns {
    () => {
        "v.application_id, v.expiry_year, v.expiry_month, v.cvc_digest, v.route, \
         v.decided_by, v.issued_at, v.revealed_at"
    };
}
pub(crate) use virtual_columns;

/// The cards and the virtual cards among them.
pub(crate) fn split_virtual(
    rows: Vec<CardWithVirtualRow>,
) -> Result<(Vec<Card>, Vec<VirtualCardRecord>)> {
    let mut cards = Vec::with_capacity(rows.len());
    let mut virtual_cards = Vec::new();
    for row in rows {
        let card_id = row.card.id;
        // Every column of `virtual_cards` is NOT NULL but `revealed_at`:
        // the application's id says whether the join found a row.
        if let (
            Some(application_id),
            Some(expiry_year),
            Some(expiry_month),
            Some(cvc_digest),
            Some(route),
            Some(decided_by),
            Some(issued_at),
        ) = (
            row.application_id,
            row.expiry_year,
            row.expiry_month,
            row.cvc_digest,
            row.route,
            row.decided_by,
            row.issued_at,
        ) {
            virtual_cards.push(VirtualCardRecord::try_from(VirtualCardRow {
                card_id,
                application_id,
                expiry_year,
                expiry_month,
                cvc_digest,
                route,
                decided_by,
                issued_at,
                revealed_at: row.revealed_at,
            })?);
        }
        cards.push(Card::try_from(row.card)?);
    }
    Ok((cards, virtual_cards))
}

/// Implements the customer view's read and the cases' filter for one
/// database type.
macro_rules! customer_view_queries {
    (store = $store:ident, db = $db:ty $(,)?) => {
        impl $store {
            pub(crate) async fn customer_overview_sql(
                &self,
                id: carddesk_domain::CustomerId,
                open_cases: u32,
            ) -> crate::Result<Option<crate::customer_view::CustomerOverview>> {
                use carddesk_domain::{CaseState, Customer};

                use crate::customer_view::{CardWithVirtualRow, CustomerOverview, split_virtual};
                use crate::rows::{CustomerRow, convert};

                let mut conn = self.pool.acquire().await?;
                let Some(customer) = sqlx::query_as::<$db, CustomerRow>(concat!(
                    "SELECT ",
                    customer_columns!(),
                    " FROM customers WHERE id = $1"
                ))
                .bind(id.0)
                .fetch_optional(&mut *conn)
                .await?
                else {
                    return Ok(None);
                };
                let rows = sqlx::query_as::<$db, CardWithVirtualRow>(concat!(
                    "SELECT ",
                    card_columns!(),
                    ", ",
                    crate::customer_view::virtual_columns!(),
                    " FROM cards LEFT JOIN virtual_cards v ON v.card_id = cards.id \
                     WHERE cards.customer_id = $1 ORDER BY cards.id"
                ))
                .bind(id.0)
                .fetch_all(&mut *conn)
                .await?;
                let (cards, virtual_cards) = split_virtual(rows)?;
                let filter = crate::CaseFilter {
                    states: CaseState::ALL
                        .into_iter()
                        .filter(|s| !s.is_final())
                        .collect(),
                    customers: vec![id],
                    limit: open_cases,
                    ..crate::CaseFilter::default()
                };
                let open_cases = convert(
                    Self::cases_query(&filter)
                        .build_query_as::<crate::rows::CaseRow>()
                        .fetch_all(&mut *conn)
                        .await?,
                )?;
                Ok(Some(CustomerOverview {
                    customer: Customer::try_from(customer)?,
                    cards,
                    open_cases,
                    virtual_cards,
                }))
            }

            /// Cases, newest first, as `filter` asks.
            pub(crate) fn cases_query(
                filter: &crate::CaseFilter,
            ) -> sqlx::QueryBuilder<'static, $db> {
                let mut q = sqlx::QueryBuilder::<$db>::new(concat!(
                    "SELECT ",
                    case_columns!(),
                    " FROM unfreeze_cases WHERE 1 = 1"
                ));
                if !filter.states.is_empty() {
                    q.push(" AND state IN (");
                    let mut list = q.separated(", ");
                    for state in &filter.states {
                        list.push_bind(state.as_str());
                    }
                    q.push(")");
                }
                if let Some(by) = &filter.opened_by {
                    q.push(" AND opened_by = ").push_bind(by.clone());
                }
                if !filter.customers.is_empty() {
                    q.push(" AND customer_id IN (");
                    let mut list = q.separated(", ");
                    for id in &filter.customers {
                        list.push_bind(id.0);
                    }
                    q.push(")");
                }
                if let Some(to) = &filter.assigned_to {
                    q.push(" AND assignee = ").push_bind(to.clone());
                }
                if let Some(at) = filter.opened_before {
                    q.push(" AND opened_at < ")
                        .push_bind(crate::rows::micros(at));
                }
                if let Some(before) = filter.before_id {
                    q.push(" AND id < ").push_bind(before);
                }
                q.push(" ORDER BY id DESC LIMIT ")
                    .push_bind(i64::from(filter.limit));
                q
            }
        }
    };
}
pub(crate) use customer_view_queries;
