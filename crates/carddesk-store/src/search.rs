//! Finding customers the ways a call-center agent does, each an index
//! lookup (migration 0005): the search terms, what they found, and the
//! SQL both backends share (`search_queries!`, used beside `backend!`).

use carddesk_domain::Customer;

use crate::rows::CustomerRow;
use crate::{Result, StoreError};

/// One way of finding customers. The processor parses what was typed into
/// terms; the store looks each one up through its own index. Nothing here
/// is a secret in clear: full numbers arrive as keyed hashes, and last-four
/// digits are what PCI DSS 3.4.1 lets anyone see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchTerm {
    /// Any of these keyed hashes of a canonical identity document (a
    /// resident ID, or a passport under each issuing country tried).
    IdDigests(Vec<Vec<u8>>),
    /// The keyed hash of a full card number: the card's holder.
    PanDigest(Vec<u8>),
    /// The E.164 phone number.
    Phone(String),
    /// The phone number's last four digits.
    PhoneLastFour(String),
    /// The last four digits of any of the customer's cards.
    CardLastFour(String),
    /// The last four characters of the document number (as its masked form
    /// keeps them: `123X` for a resident ID ending in X).
    IdLastFour(String),
    /// The start of the name. ASCII letters match either case; every other
    /// character (Chinese included) matches exactly, and none is a wildcard.
    NamePrefix(String),
}

/// A customer one of the terms found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerMatch {
    /// Which term found them: its index in the slice searched.
    pub term: usize,
    /// The customer.
    pub customer: Customer,
}

/// Names are compared with ASCII letters lowered, as the `name_fold`
/// column holds them on both databases.
pub(crate) fn fold(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// The smallest text greater than every text that starts with `prefix`,
/// in code point order (SQLite's BINARY, PostgreSQL's "C"): the prefix
/// with its last character moved one on. `None` when there is none (a
/// prefix of nothing but `char::MAX`), and the range is then open above.
pub(crate) fn successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            char::MAX => continue,
            // The surrogates are not characters: the one after U+D7FF is
            // U+E000.
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(u32::from(c) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// A row of a search: the term's index and the customer.
#[derive(sqlx::FromRow)]
pub(crate) struct MatchRow {
    term: i32,
    #[sqlx(flatten)]
    customer: CustomerRow,
}

impl TryFrom<MatchRow> for CustomerMatch {
    type Error = StoreError;
    fn try_from(r: MatchRow) -> Result<Self> {
        Ok(CustomerMatch {
            term: usize::try_from(r.term).map_err(|_| StoreError::Corrupt("search match"))?,
            customer: Customer::try_from(r.customer)?,
        })
    }
}

/// Implements the search for one database type: `search_query` builds the
/// one statement (a `UNION ALL` of one limited, ordered lookup per term),
/// which `Store::search_customers` runs and `search_plan` explains.
macro_rules! search_queries {
    (store = $store:ident, db = $db:ty, explain = $explain:literal, plan_column = $column:literal $(,)?) => {
        impl $store {
            /// The statement for `terms`, each giving at most `per_term`
            /// customers in the order of their folded name, then id, and
            /// all of them ordered by term, folded name, id.
            fn search_query<'a>(
                prefix: &str,
                terms: &'a [crate::search::SearchTerm],
                per_term: u32,
            ) -> sqlx::QueryBuilder<'a, $db> {
                use crate::search::SearchTerm;
                let mut q = sqlx::QueryBuilder::<$db>::new(prefix);
                for (i, term) in terms.iter().enumerate() {
                    if i > 0 {
                        q.push(" UNION ALL ");
                    }
                    // Each lookup is limited and ordered in a subquery of
                    // its own (SQLite allows ORDER BY and LIMIT in a
                    // compound's members only there).
                    q.push(format_args!(
                        "SELECT term, {cols}, name_fold FROM (SELECT {i} AS term, {cols}, \
                         name_fold FROM customers WHERE ",
                        cols = customer_columns!(),
                    ));
                    match term {
                        SearchTerm::IdDigests(digests) if digests.is_empty() => {
                            q.push("1 = 0");
                        }
                        SearchTerm::IdDigests(digests) => {
                            q.push("id_digest IN (");
                            let mut list = q.separated(", ");
                            for d in digests {
                                list.push_bind(d.as_slice());
                            }
                            q.push(")");
                        }
                        SearchTerm::PanDigest(d) => {
                            q.push("id IN (SELECT customer_id FROM cards WHERE pan_digest = ")
                                .push_bind(d.as_slice())
                                .push(")");
                        }
                        SearchTerm::Phone(p) => {
                            q.push("phone = ").push_bind(p.as_str());
                        }
                        SearchTerm::PhoneLastFour(d) => {
                            q.push("phone_last_four = ").push_bind(d.as_str());
                        }
                        SearchTerm::CardLastFour(d) => {
                            q.push("id IN (SELECT customer_id FROM cards WHERE last_four = ")
                                .push_bind(d.as_str())
                                .push(")");
                        }
                        SearchTerm::IdLastFour(d) => {
                            q.push("document_last_four = ").push_bind(d.as_str());
                        }
                        SearchTerm::NamePrefix(p) => {
                            let low = crate::search::fold(p);
                            let high = crate::search::successor(&low);
                            q.push("name_fold >= ").push_bind(low);
                            if let Some(high) = high {
                                q.push(" AND name_fold < ").push_bind(high);
                            }
                        }
                    }
                    q.push(format_args!(
                        " ORDER BY name_fold, id LIMIT {per_term}) AS match_{i}"
                    ));
                }
                q.push(" ORDER BY term, name_fold, id");
                q
            }

            /// Customers `terms` find, at most `per_term` for each, by term
            /// then folded name then id.
            async fn search_rows(
                &self,
                terms: &[crate::search::SearchTerm],
                per_term: u32,
            ) -> Result<Vec<crate::search::CustomerMatch>> {
                if terms.is_empty() || per_term == 0 {
                    return Ok(Vec::new());
                }
                let mut q = Self::search_query("", terms, per_term);
                convert(
                    q.build_query_as::<crate::search::MatchRow>()
                        .fetch_all(&self.pool)
                        .await?,
                )
            }

            /// The database's plan for a search, one line per step: what
            /// tests and benchmarks check to see that every term is an
            /// index lookup.
            pub async fn search_plan(
                &self,
                terms: &[crate::search::SearchTerm],
                per_term: u32,
            ) -> Result<Vec<String>> {
                if terms.is_empty() {
                    return Ok(Vec::new());
                }
                let mut q = Self::search_query($explain, terms, per_term);
                let rows = q.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|row| Ok(sqlx::Row::try_get::<String, _>(row, $column)?))
                    .collect()
            }
        }
    };
}

pub(crate) use search_queries;

#[cfg(test)]
mod tests {
    use super::{fold, successor};

    #[test]
    fn successor_moves_the_last_character_on() {
        assert_eq!(successor("wang").as_deref(), Some("wanh"));
        // 王 is U+738B.
        assert_eq!(successor("王").as_deref(), Some("\u{738C}"));
        assert_eq!(successor("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(successor(&format!("a{}", char::MAX)).as_deref(), Some("b"));
        assert_eq!(successor(&char::MAX.to_string()), None);
        assert_eq!(successor(""), None);
    }

    #[test]
    fn fold_lowers_ascii_only() {
        assert_eq!(fold("ZHANG Wei 张伟 Élodie"), "zhang wei 张伟 Élodie");
    }
}
