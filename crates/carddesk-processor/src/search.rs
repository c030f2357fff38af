//! Finding a caller (issue 6): what the agent typed, parsed
//! (`query.rs`) into the ways a customer can be found, looked up through the
//! store's indexes, ranked best match first, and each customer shown with
//! their cards (numbers masked) and open cases.
//!
//! Full ID and card numbers are found through their keyed hashes, so the
//! store never sees them. This layer neither audits nor checks roles: the
//! desk wraps it for both, as for every read of customer data.

mod query;

use std::collections::{HashMap, HashSet};

use carddesk_domain::{Card, CaseState, Customer, CustomerId};
use carddesk_store::{CaseFilter, CaseRecord, SearchTerm, StoreError};
use carddesk_wire::MatchKind;

use query::Wanted;
pub use query::{MAX_QUERY_CHARS, PASSPORT_COUNTRIES};

use crate::keyring::{Keyring, Purpose};
use crate::{Processor, ProcessorError, Result};

/// The most customers one search returns.
pub const MAX_RESULTS: u32 = 50;

/// One customer a search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundCustomer {
    /// The best way they matched.
    pub matched_by: MatchKind,
    /// The customer (document masked).
    pub customer: Customer,
    /// Their cards, by id (numbers masked).
    pub cards: Vec<Card>,
    /// Their open cases (marked to approved), newest first.
    pub open_cases: Vec<CaseRecord>,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchOutcome {
    /// Best match first: by how they matched (the order of [`MatchKind`]),
    /// then name, then id; each customer once.
    pub hits: Vec<FoundCustomer>,
    /// Whether more customers matched than the limit let through.
    pub truncated: bool,
}

/// The store's term for what was wanted, keyed hashes taken.
fn term(keys: &Keyring, wanted: Wanted) -> SearchTerm {
    match wanted {
        Wanted::Documents(docs) => SearchTerm::IdDigests(
            docs.iter()
                .map(|d| keys.digest(Purpose::IdDocument, d.canonical().as_bytes()))
                .collect(),
        ),
        Wanted::Card(pan) => {
            SearchTerm::PanDigest(keys.digest(Purpose::CardNumber, pan.expose().as_bytes()))
        }
        Wanted::Phone(phone) => SearchTerm::Phone(phone.as_str().to_owned()),
        Wanted::PhoneLastFour(d) => SearchTerm::PhoneLastFour(d),
        Wanted::CardLastFour(d) => SearchTerm::CardLastFour(d),
        Wanted::IdLastFour(d) => SearchTerm::IdLastFour(d),
        Wanted::NamePrefix(p) => SearchTerm::NamePrefix(p),
    }
}

impl Processor {
    /// Finds callers by what the agent typed: a phone number (full, or its
    /// last four digits), the start of a name (Chinese or Latin, Latin
    /// letters in either case), the last four of a card or ID number, or a
    /// full ID (resident ID or passport) or card number. Returns at most
    /// `limit` (1 to [`MAX_RESULTS`]) customers, best match first.
    ///
    /// Input that cannot find anyone (one Latin letter, one to three
    /// digits, a number failing its check digit) is refused with
    /// [`ProcessorError::InvalidInput`], whose message never repeats it.
    pub async fn search(&self, query: &str, limit: u32) -> Result<SearchOutcome> {
        if !(1..=MAX_RESULTS).contains(&limit) {
            return Err(ProcessorError::InvalidInput(format!(
                "a search shows 1 to {MAX_RESULTS} results"
            )));
        }
        let wanted = query::parse(query)?;
        let kinds: Vec<MatchKind> = wanted.iter().map(Wanted::kind).collect();
        let terms: Vec<SearchTerm> = wanted
            .into_iter()
            .map(|w| term(&self.inner.keys, w))
            .collect();
        // One more than the page for each term: if any term has more, so
        // does the page. And every customer of the page is among its best
        // term's first `limit`, since everyone ahead of it there is ahead
        // of it on the page too.
        let matches = self.inner.store.search_customers(&terms, limit + 1).await?;
        let mut ranked = matches
            .into_iter()
            .map(|m| {
                let kind = *kinds
                    .get(m.term)
                    .ok_or(StoreError::Corrupt("search match"))?;
                Ok((kind, m.customer))
            })
            .collect::<Result<Vec<_>>>()?;
        // Stable: within a kind the store's order (name, then id) stays.
        ranked.sort_by_key(|(kind, _)| *kind);
        let mut seen = HashSet::new();
        ranked.retain(|(_, c)| seen.insert(c.id));
        let page = usize::try_from(limit).unwrap_or(usize::MAX);
        let truncated = ranked.len() > page;
        ranked.truncate(page);
        let hits = self.with_cards_and_cases(ranked).await?;
        Ok(SearchOutcome { hits, truncated })
    }

    /// Adds each customer's cards and open cases, in one query each for the
    /// whole page.
    async fn with_cards_and_cases(
        &self,
        ranked: Vec<(MatchKind, Customer)>,
    ) -> Result<Vec<FoundCustomer>> {
        if ranked.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<CustomerId> = ranked.iter().map(|(_, c)| c.id).collect();
        let cards = self.inner.store.cards_of_customers(&ids).await?;
        // A card has at most one open case (a unique index says so), so
        // the page's cards bound its open cases.
        let filter = CaseFilter {
            states: CaseState::ALL
                .into_iter()
                .filter(|s| !s.is_final())
                .collect(),
            customers: ids,
            limit: u32::try_from(cards.len()).unwrap_or(u32::MAX).max(1),
            ..CaseFilter::default()
        };
        let cases = self.inner.store.cases(&filter).await?;
        let mut cards_of: HashMap<CustomerId, Vec<Card>> = HashMap::new();
        for card in cards {
            cards_of.entry(card.customer_id).or_default().push(card);
        }
        let mut cases_of: HashMap<CustomerId, Vec<CaseRecord>> = HashMap::new();
        for case in cases {
            cases_of
                .entry(case.case.customer_id)
                .or_default()
                .push(case);
        }
        Ok(ranked
            .into_iter()
            .map(|(matched_by, customer)| FoundCustomer {
                matched_by,
                cards: cards_of.remove(&customer.id).unwrap_or_default(),
                open_cases: cases_of.remove(&customer.id).unwrap_or_default(),
                customer,
            })
            .collect())
    }
}
