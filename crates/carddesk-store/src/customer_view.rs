//! What the desk's customer view shows, read in one statement: the
//! customer's cards, each with its holder, its virtual-card facts and its
//! open case, if any (a card has at most one: the partial unique index
//! `unfreeze_cases_one_open_per_card`). Read one call each through the
//! pool, the four reads were four statements and four checks of a
//! connection coming back, a round trip each, for every view. SQL both
//! backends share (`customer_view_queries!`, used beside `backend!`), and
//! the cases' filter every case list uses.

use carddesk_domain::{Card, Customer};

use crate::application_records::VirtualCardRow;
use crate::rows::{CardRow, CaseRow, CustomerRow};
use crate::{CaseRecord, Result, StoreError, VirtualCardRecord};

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

/// The states of a case not yet final, as SQL literals: written out, not
/// bound, so both planners see the partial index's own predicate and find
/// a card's open case through it (SQLite does only for literals; tested
/// against [`carddesk_domain::CaseState::is_final`]).
macro_rules! open_states {
    () => {
        "'marked', 'packaged', 'instructed', 'requested', 'challenged', 'verified', 'approved'"
    };
}
pub(crate) use open_states;

/// The customer view's statement: the customer's cards, each with its
/// holder (`holder_…`), its virtual-card facts (`v_…`) and its open case
/// (`case_…`), the last two `NULL` when it has none.
macro_rules! view_statement {
    () => {
        concat!(
            "SELECT cards.id AS id, cards.customer_id AS customer_id, cards.bin AS bin, \
             cards.last_four AS last_four, cards.pan_length AS pan_length, \
             cards.product AS product, cards.status AS status, \
             cards.freeze_reason AS freeze_reason, cards.frozen_since AS frozen_since, \
             h.name AS holder_name, h.document_kind AS holder_document_kind, \
             h.document_masked AS holder_document_masked, h.phone AS holder_phone, \
             h.language AS holder_language, \
             v.application_id AS v_application_id, v.expiry_year AS v_expiry_year, \
             v.expiry_month AS v_expiry_month, v.cvc_digest AS v_cvc_digest, \
             v.route AS v_route, v.decided_by AS v_decided_by, v.issued_at AS v_issued_at, \
             v.revealed_at AS v_revealed_at, \
             k.id AS case_id, k.customer_id AS case_customer_id, k.reason AS case_reason, \
             k.credentials AS case_credentials, \
             k.needs_approval AS case_needs_approval, k.state AS case_state, \
             k.failed_attempts AS case_failed_attempts, k.opened_by AS case_opened_by, \
             k.assignee AS case_assignee, k.opened_at AS case_opened_at, \
             k.updated_at AS case_updated_at, k.expires_at AS case_expires_at, \
             k.code_used_at AS case_code_used_at \
             FROM cards JOIN customers h ON h.id = cards.customer_id \
             LEFT JOIN virtual_cards v ON v.card_id = cards.id \
             LEFT JOIN unfreeze_cases k ON k.card_id = cards.id AND k.state IN (",
            crate::customer_view::open_states!(),
            ") WHERE cards.customer_id = $1 ORDER BY cards.id"
        )
    };
}
pub(crate) use view_statement;

/// One row of [`view_statement`].
#[derive(sqlx::FromRow)]
pub(crate) struct ViewRow {
    #[sqlx(flatten)]
    card: CardRow,
    holder_name: String,
    holder_document_kind: String,
    holder_document_masked: String,
    holder_phone: String,
    holder_language: String,
    v_application_id: Option<i64>,
    v_expiry_year: Option<i32>,
    v_expiry_month: Option<i32>,
    v_cvc_digest: Option<Vec<u8>>,
    v_route: Option<String>,
    v_decided_by: Option<String>,
    v_issued_at: Option<i64>,
    v_revealed_at: Option<i64>,
    case_id: Option<i64>,
    case_customer_id: Option<i64>,
    case_reason: Option<String>,
    case_credentials: Option<String>,
    case_needs_approval: Option<bool>,
    case_state: Option<String>,
    case_failed_attempts: Option<i32>,
    case_opened_by: Option<String>,
    case_assignee: Option<String>,
    case_opened_at: Option<i64>,
    case_updated_at: Option<i64>,
    case_expires_at: Option<i64>,
    case_code_used_at: Option<i64>,
}

impl ViewRow {
    /// The holder, as every row of a view repeats them.
    fn holder(&self) -> Result<Customer> {
        Customer::try_from(CustomerRow {
            id: self.card.customer_id,
            name: self.holder_name.clone(),
            document_kind: self.holder_document_kind.clone(),
            document_masked: self.holder_document_masked.clone(),
            phone: self.holder_phone.clone(),
            language: self.holder_language.clone(),
        })
    }

    /// The card's virtual-card facts; every column of `virtual_cards` but
    /// `revealed_at` is `NOT NULL`, so the application's id says whether
    /// the join found a row.
    fn virtual_card(&mut self) -> Result<Option<VirtualCardRecord>> {
        let Some(application_id) = self.v_application_id else {
            return Ok(None);
        };
        let bad = || StoreError::Corrupt("virtual card");
        VirtualCardRecord::try_from(VirtualCardRow {
            card_id: self.card.id,
            application_id,
            expiry_year: self.v_expiry_year.ok_or_else(bad)?,
            expiry_month: self.v_expiry_month.ok_or_else(bad)?,
            cvc_digest: self.v_cvc_digest.take().ok_or_else(bad)?,
            route: self.v_route.take().ok_or_else(bad)?,
            decided_by: self.v_decided_by.take().ok_or_else(bad)?,
            issued_at: self.v_issued_at.ok_or_else(bad)?,
            revealed_at: self.v_revealed_at,
        })
        .map(Some)
    }

    /// The card's open case, by its id in the same way.
    fn open_case(&mut self) -> Result<Option<CaseRecord>> {
        let Some(id) = self.case_id else {
            return Ok(None);
        };
        let bad = || StoreError::Corrupt("case");
        CaseRecord::try_from(CaseRow {
            id,
            card_id: self.card.id,
            customer_id: self.case_customer_id.ok_or_else(bad)?,
            reason: self.case_reason.take().ok_or_else(bad)?,
            credentials: self.case_credentials.take().ok_or_else(bad)?,
            needs_approval: self.case_needs_approval.ok_or_else(bad)?,
            state: self.case_state.take().ok_or_else(bad)?,
            failed_attempts: self.case_failed_attempts.ok_or_else(bad)?,
            opened_by: self.case_opened_by.take().ok_or_else(bad)?,
            assignee: self.case_assignee.take().ok_or_else(bad)?,
            opened_at: self.case_opened_at.ok_or_else(bad)?,
            updated_at: self.case_updated_at.ok_or_else(bad)?,
            expires_at: self.case_expires_at,
            code_used_at: self.case_code_used_at,
        })
        .map(Some)
    }
}

/// The view from its rows (one per card, by card id), with at most
/// `open_cases` cases, newest first; `None` when there are no rows.
pub(crate) fn overview(rows: Vec<ViewRow>, open_cases: u32) -> Result<Option<CustomerOverview>> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let customer = first.holder()?;
    let mut view = CustomerOverview {
        customer,
        cards: Vec::with_capacity(rows.len()),
        open_cases: Vec::new(),
        virtual_cards: Vec::new(),
    };
    for mut row in rows {
        view.virtual_cards.extend(row.virtual_card()?);
        view.open_cases.extend(row.open_case()?);
        view.cards.push(Card::try_from(row.card)?);
    }
    view.open_cases
        .sort_by_key(|c| std::cmp::Reverse(c.case.id));
    view.open_cases.truncate(open_cases as usize);
    Ok(Some(view))
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
                use crate::customer_view::{ViewRow, overview};

                let rows = sqlx::query_as::<$db, ViewRow>(crate::customer_view::view_statement!())
                    .bind(id.0)
                    .fetch_all(&self.pool)
                    .await?;
                if !rows.is_empty() {
                    return overview(rows, open_cases);
                }
                // A customer without a card (the statement starts from
                // the cards), or none at all.
                let customer = sqlx::query_as::<$db, crate::rows::CustomerRow>(concat!(
                    "SELECT ",
                    customer_columns!(),
                    " FROM customers WHERE id = $1"
                ))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?;
                customer
                    .map(|row| {
                        Ok(crate::customer_view::CustomerOverview {
                            customer: carddesk_domain::Customer::try_from(row)?,
                            cards: Vec::new(),
                            open_cases: Vec::new(),
                            virtual_cards: Vec::new(),
                        })
                    })
                    .transpose()
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

#[cfg(test)]
mod tests {
    use carddesk_domain::CaseState;

    #[test]
    fn the_open_states_are_those_not_final_and_the_indexs_own() {
        let listed: Vec<&str> = open_states!()
            .split(", ")
            .map(|s| s.trim_matches('\''))
            .collect();
        let open: Vec<&str> = CaseState::ALL
            .into_iter()
            .filter(|s| !s.is_final())
            .map(CaseState::as_str)
            .collect();
        assert_eq!(listed, open);
        // The partial index's predicate, word for word, on both databases.
        let predicate = concat!("WHERE state IN (", open_states!(), ");");
        for migration in [
            include_str!("../migrations/postgres/0001_init.sql"),
            include_str!("../migrations/sqlite/0001_init.sql"),
        ] {
            assert!(migration.contains(predicate), "{predicate}");
        }
    }
}
