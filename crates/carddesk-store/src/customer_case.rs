//! The case a customer's step works on, found by the secret the customer
//! holds and read in one statement with what the step needs beside it:
//! each customer step would otherwise look the case up, lock it, then read
//! its card and customer, a round trip each. SQL both backends share
//! (`customer_case_queries!`, used beside `backend!`).

use carddesk_domain::customer::DocumentKind;

use crate::rows::{CaseRow, PackageRow};
use crate::{CaseRecord, Package, Result, StoreError};

/// The secret a customer's request carries, as its keyed hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseKey<'a> {
    /// The instructions' one-time code.
    Code(&'a [u8]),
    /// The session the code opened.
    Session(&'a [u8]),
}

/// A case, locked for a customer's step, with what the customer is shown
/// of its card and their document (neither changes while a case is open).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerCase {
    /// The case.
    pub record: CaseRecord,
    /// The card's last four digits.
    pub card_last_four: String,
    /// Which document the customer's ID number belongs to.
    pub document_kind: DocumentKind,
}

#[derive(sqlx::FromRow)]
pub(crate) struct CustomerCaseRow {
    #[sqlx(flatten)]
    case: CaseRow,
    card_last_four: String,
    document_kind: String,
}

impl TryFrom<CustomerCaseRow> for CustomerCase {
    type Error = StoreError;
    fn try_from(r: CustomerCaseRow) -> Result<Self> {
        Ok(CustomerCase {
            record: r.case.try_into()?,
            card_last_four: r.card_last_four,
            document_kind: DocumentKind::parse(&r.document_kind)
                .ok_or(StoreError::Corrupt("customer"))?,
        })
    }
}

/// A case and its package, as a session's upload is checked against.
#[derive(sqlx::FromRow)]
pub(crate) struct SessionPackageRow {
    #[sqlx(flatten)]
    case: CaseRow,
    package_card_id: Option<i64>,
    pan_sealed: Option<Vec<u8>>,
    id_digest: Option<Vec<u8>>,
    id_sealed: Option<Vec<u8>>,
    password_hash: Option<String>,
    package_credentials: Option<String>,
    package_created_at: Option<i64>,
}

impl SessionPackageRow {
    pub(crate) fn into_records(self) -> Result<(CaseRecord, Option<Package>)> {
        let case_id = self.case.id;
        let package = match (
            self.package_card_id,
            self.pan_sealed,
            self.id_digest,
            self.id_sealed,
            self.password_hash,
            self.package_credentials,
            self.package_created_at,
        ) {
            (
                Some(card_id),
                Some(pan_sealed),
                Some(id_digest),
                Some(id_sealed),
                Some(password_hash),
                Some(credentials),
                Some(created_at),
            ) => Some(Package::try_from(PackageRow {
                case_id,
                card_id,
                pan_sealed,
                id_digest,
                id_sealed,
                password_hash,
                credentials,
                created_at,
            })?),
            _ => None,
        };
        Ok((self.case.try_into()?, package))
    }
}

/// Implements the customer's case reads for one database type.
macro_rules! customer_case_queries {
    (store = $store:ident, tx = $tx:ident, db = $db:ty, lock_row = $lock:literal $(,)?) => {
        impl $tx {
            pub(crate) async fn lock_customer_case_sql(
                &mut self,
                key: crate::customer_case::CaseKey<'_>,
            ) -> crate::Result<Option<crate::customer_case::CustomerCase>> {
                use crate::customer_case::{CaseKey, CustomerCaseRow};
                // The lock is on the case's row alone; a card's last four
                // and a customer's document kind are never written.
                macro_rules! by {
                    ($column:literal) => {
                        concat!(
                            "SELECT ",
                            case_columns!(),
                            ", (SELECT last_four FROM cards \
                                WHERE cards.id = unfreeze_cases.card_id) AS card_last_four, \
                             (SELECT document_kind FROM customers \
                                WHERE customers.id = unfreeze_cases.customer_id) AS document_kind \
                             FROM unfreeze_cases WHERE ",
                            $column,
                            " = $1",
                            $lock
                        )
                    };
                }
                // Under the lock PostgreSQL reads the row as last
                // committed and checks the digest again: a code a resend
                // replaced finds nothing.
                let (sql, digest) = match key {
                    CaseKey::Code(digest) => (by!("code_digest"), digest),
                    CaseKey::Session(digest) => (by!("session_digest"), digest),
                };
                sqlx::query_as::<$db, CustomerCaseRow>(sql)
                    .bind(digest)
                    .fetch_optional(&mut *self.tx)
                    .await?
                    .map(TryInto::try_into)
                    .transpose()
            }
        }

        impl $store {
            pub(crate) async fn case_and_package_by_session_sql(
                &self,
                session_digest: &[u8],
            ) -> crate::Result<Option<(crate::CaseRecord, Option<crate::Package>)>> {
                use crate::customer_case::SessionPackageRow;
                sqlx::query_as::<$db, SessionPackageRow>(concat!(
                    "SELECT c.*, p.card_id AS package_card_id, p.pan_sealed, p.id_digest, \
                     p.id_sealed, p.password_hash, p.credentials AS package_credentials, \
                     p.created_at AS package_created_at \
                     FROM (SELECT ",
                    case_columns!(),
                    " FROM unfreeze_cases WHERE session_digest = $1) AS c \
                     LEFT JOIN packages p ON p.case_id = c.id"
                ))
                .bind(session_digest)
                .fetch_optional(&self.pool)
                .await?
                .map(SessionPackageRow::into_records)
                .transpose()
            }
        }
    };
}

pub(crate) use customer_case_queries;
