//! Conformance of caller search and case assignment (migration 0005), on
//! both databases: each search term alone, several at once, name prefixes
//! (ASCII case folded, Chinese exact, no wildcards), the batch reads the
//! search page needs, reassignment and the case filters, and the query
//! plans (every term an index lookup on a bank large enough for the
//! planners to prefer one).
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

use std::sync::Arc;

use carddesk_domain::case::UnfreezeCase;
use carddesk_domain::customer::DocumentKind;
use carddesk_domain::{
    Card, CardId, CardStatus, CaseState, CustomerId, FreezeReason, Role, StaffMember,
    UnfreezePolicy,
};
use carddesk_store::{
    AuditKey, CaseFilter, NewCard, NewCustomer, PgStore, SearchTerm, SqliteStore, Store,
};
use chrono::{DateTime, Utc};

/// A store and, for the plan checks, the concrete backend beneath it.
enum Backend {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Backend {
    fn store(&self) -> Arc<dyn Store> {
        match self {
            Backend::Sqlite(s) => Arc::new(s.clone()),
            Backend::Postgres(s) => Arc::new(s.clone()),
        }
    }

    async fn exec(&self, sql: &str) {
        match self {
            Backend::Sqlite(s) => sqlx::raw_sql(sql).execute(s.pool()).await.map(drop),
            Backend::Postgres(s) => sqlx::raw_sql(sql).execute(s.pool()).await.map(drop),
        }
        .expect("raw SQL");
    }

    async fn plan(&self, terms: &[SearchTerm]) -> String {
        match self {
            Backend::Sqlite(s) => s.search_plan(terms, 21).await,
            Backend::Postgres(s) => s.search_plan(terms, 21).await,
        }
        .expect("plan")
        .join("\n")
    }
}

fn key() -> AuditKey {
    AuditKey::new(*b"carddesk search tests audit key.")
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[sqlx::test(migrations = false)]
                async fn $name(pool: sqlx::SqlitePool) {
                    let store = carddesk_store::SqliteStore::from_pool(pool, super::key())
                        .await
                        .expect("migrations");
                    super::$name(super::Backend::Sqlite(store)).await;
                }
            )*
        }
        mod postgres {
            $(
                #[sqlx::test(migrations = false)]
                async fn $name(pool: sqlx::PgPool) {
                    let store = carddesk_store::PgStore::from_pool(pool, super::key())
                        .await
                        .expect("migrations");
                    super::$name(super::Backend::Postgres(store)).await;
                }
            )*
        }
    };
}

on_both! {
    each_term_finds_its_customers,
    several_terms_by_term_then_name_then_id,
    name_prefix_folds_ascii_and_has_no_wildcards,
    cards_of_many_customers,
    cases_reassigned_and_filtered,
    every_term_is_an_index_lookup,
}

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

fn at(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(1_750_000_000_000_000 + micros).expect("in range")
}

fn digest(label: &str, n: u32) -> Vec<u8> {
    let mut v = vec![0x00, 0xff];
    v.extend_from_slice(label.as_bytes());
    v.extend_from_slice(&n.to_be_bytes());
    v
}

/// A customer numbered `n`: phone `+8613900000nnn`-ish ending in `phone4`,
/// a resident ID whose masked form ends in `id4`.
fn customer(n: u32, name: &str, phone4: &str, id4: &str) -> NewCustomer {
    NewCustomer {
        name: name.to_owned(),
        document_kind: DocumentKind::ResidentId,
        document_masked: format!("110***********{id4}"),
        id_digest: digest("id", n),
        id_sealed: digest("id-sealed", n),
        phone: format!("+86139{n:04}{phone4}"),
        language: "zh-CN".to_owned(),
    }
}

fn card(customer: CustomerId, n: u32, last_four: &str, status: CardStatus) -> NewCard {
    NewCard {
        customer_id: customer,
        bin: "622848".to_owned(),
        last_four: last_four.to_owned(),
        pan_length: 16,
        product: "Great Wall Debit".to_owned(),
        pan_digest: digest("pan", n),
        pan_sealed: digest("pan-sealed", n),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$ZmFrZQ".to_owned(),
        status,
    }
}

async fn add(store: &dyn Store, c: &NewCustomer) -> CustomerId {
    let mut tx = store.begin().await.expect("begin");
    let id = tx.insert_customer(c).await.expect("insert customer");
    tx.commit().await.expect("commit");
    id
}

async fn add_card(store: &dyn Store, c: &NewCard) -> CardId {
    let mut tx = store.begin().await.expect("begin");
    let id = tx.insert_card(c).await.expect("insert card");
    tx.commit().await.expect("commit");
    id
}

/// What a search found: (term, customer id) in the order returned.
async fn found(store: &dyn Store, terms: &[SearchTerm], per_term: u32) -> Vec<(usize, i64)> {
    store
        .search_customers(terms, per_term)
        .await
        .expect("search")
        .into_iter()
        .map(|m| (m.term, m.customer.id.0))
        .collect()
}

async fn one(store: &dyn Store, term: SearchTerm) -> Vec<i64> {
    found(store, &[term], 50)
        .await
        .into_iter()
        .map(|(_, id)| id)
        .collect()
}

fn text(s: &str) -> String {
    s.to_owned()
}

// ---------------------------------------------------------------------------
// Search
// ---------------------------------------------------------------------------

async fn each_term_finds_its_customers(backend: Backend) {
    let store = backend.store();
    let s = store.as_ref();
    let wang = add(s, &customer(1, "王小明", "1234", "123X")).await;
    let zhang = add(s, &customer(2, "Zhang Wei", "5678", "1234")).await;
    let other = add(s, &customer(3, "Li Na", "9012", "9012")).await;
    add_card(s, &card(wang, 1, "5678", CardStatus::Active)).await;
    add_card(s, &card(other, 2, "1234", CardStatus::Active)).await;
    add_card(s, &card(other, 3, "1234", CardStatus::Closed)).await;

    let id = |c: CustomerId| vec![c.0];
    assert_eq!(
        one(
            s,
            SearchTerm::IdDigests(vec![digest("id", 9), digest("id", 2)])
        )
        .await,
        id(zhang)
    );
    assert_eq!(
        one(s, SearchTerm::IdDigests(Vec::new())).await,
        Vec::<i64>::new()
    );
    assert_eq!(
        one(s, SearchTerm::PanDigest(digest("pan", 3))).await,
        id(other)
    );
    assert_eq!(
        one(s, SearchTerm::PanDigest(digest("pan", 9))).await,
        Vec::<i64>::new()
    );
    assert_eq!(
        one(s, SearchTerm::Phone(text("+8613900011234"))).await,
        id(wang)
    );
    assert_eq!(
        one(s, SearchTerm::Phone(text("+8613900011235"))).await,
        Vec::<i64>::new()
    );
    assert_eq!(
        one(s, SearchTerm::PhoneLastFour(text("5678"))).await,
        id(zhang)
    );
    // A customer with two cards ending alike comes once.
    assert_eq!(
        one(s, SearchTerm::CardLastFour(text("1234"))).await,
        id(other)
    );
    assert_eq!(
        one(s, SearchTerm::CardLastFour(text("5678"))).await,
        id(wang)
    );
    assert_eq!(one(s, SearchTerm::IdLastFour(text("123X"))).await, id(wang));
    assert_eq!(
        one(s, SearchTerm::IdLastFour(text("1234"))).await,
        id(zhang)
    );
    assert_eq!(
        one(s, SearchTerm::IdLastFour(text("0000"))).await,
        Vec::<i64>::new()
    );
    assert_eq!(one(s, SearchTerm::NamePrefix(text("王"))).await, id(wang));
    assert_eq!(one(s, SearchTerm::NamePrefix(text("zh"))).await, id(zhang));
    assert_eq!(
        one(s, SearchTerm::NamePrefix(text("li na"))).await,
        id(other)
    );
    assert_eq!(
        one(s, SearchTerm::NamePrefix(text("li nab"))).await,
        Vec::<i64>::new()
    );
    assert!(found(s, &[], 10).await.is_empty());

    // The customer comes back whole.
    let m = store
        .search_customers(&[SearchTerm::PhoneLastFour(text("5678"))], 5)
        .await
        .expect("search");
    assert_eq!(
        Some(&m[0].customer),
        store.customer(zhang).await.expect("read").as_ref()
    );
}

async fn several_terms_by_term_then_name_then_id(backend: Backend) {
    let store = backend.store();
    let s = store.as_ref();
    // Inserted out of name order; two fold to the same name.
    let b = add(s, &customer(1, "zhang wei", "4321", "0001")).await;
    let a = add(s, &customer(2, "Zhang An", "4321", "0002")).await;
    let c = add(s, &customer(3, "ZHANG WEI", "4321", "0003")).await;
    let d = add(s, &customer(4, "Zhao", "0000", "4321")).await;
    add_card(s, &card(a, 1, "4321", CardStatus::Active)).await;

    let terms = [
        SearchTerm::PhoneLastFour(text("4321")),
        SearchTerm::CardLastFour(text("4321")),
        SearchTerm::IdLastFour(text("4321")),
    ];
    assert_eq!(
        found(s, &terms, 10).await,
        vec![(0, a.0), (0, b.0), (0, c.0), (1, a.0), (2, d.0)]
    );
    // At most `per_term` for each term, the first by name then id.
    assert_eq!(
        found(s, &terms, 2).await,
        vec![(0, a.0), (0, b.0), (1, a.0), (2, d.0)]
    );
    // Terms in another order come in that order.
    let reversed: Vec<SearchTerm> = terms.iter().rev().cloned().collect();
    assert_eq!(
        found(s, &reversed, 1).await,
        vec![(0, d.0), (1, a.0), (2, a.0)]
    );
}

async fn name_prefix_folds_ascii_and_has_no_wildcards(backend: Backend) {
    let store = backend.store();
    let s = store.as_ref();
    let under = add(s, &customer(1, "Wang_Li", "0001", "0001")).await;
    let plain = add(s, &customer(2, "WangXLi", "0002", "0002")).await;
    let percent = add(s, &customer(3, "Wang%", "0003", "0003")).await;
    let chinese = add(s, &customer(4, "王芳", "0004", "0004")).await;
    let near = add(s, &customer(5, "汪洋", "0005", "0005")).await;
    let accent = add(s, &customer(6, "Élodie", "0006", "0006")).await;
    let name = |p: &str| SearchTerm::NamePrefix(p.to_owned());

    assert_eq!(
        one(s, name("wang")).await,
        vec![percent.0, under.0, plain.0]
    );
    assert_eq!(
        one(s, name("WANG")).await,
        vec![percent.0, under.0, plain.0]
    );
    // `_` and `%` are themselves, never wildcards.
    assert_eq!(one(s, name("wang_")).await, vec![under.0]);
    assert_eq!(one(s, name("_ang")).await, Vec::<i64>::new());
    assert_eq!(one(s, name("wang%")).await, vec![percent.0]);
    assert_eq!(one(s, name("%")).await, Vec::<i64>::new());
    assert_eq!(one(s, name("w%")).await, Vec::<i64>::new());
    // Chinese matches exactly; a near character is another name.
    assert_eq!(one(s, name("王")).await, vec![chinese.0]);
    assert_eq!(one(s, name("汪")).await, vec![near.0]);
    assert_eq!(one(s, name("王芳")).await, vec![chinese.0]);
    assert_eq!(one(s, name("王芳芳")).await, Vec::<i64>::new());
    // Only ASCII letters fold, alike on both databases.
    assert_eq!(one(s, name("Élo")).await, vec![accent.0]);
    assert_eq!(one(s, name("élo")).await, Vec::<i64>::new());
}

// ---------------------------------------------------------------------------
// The page's batch reads, assignment
// ---------------------------------------------------------------------------

async fn cards_of_many_customers(backend: Backend) {
    let store = backend.store();
    let s = store.as_ref();
    let x = add(s, &customer(1, "X", "0001", "0001")).await;
    let y = add(s, &customer(2, "Y", "0002", "0002")).await;
    let z = add(s, &customer(3, "Z", "0003", "0003")).await;
    let y1 = add_card(s, &card(y, 1, "1111", CardStatus::Active)).await;
    let x1 = add_card(s, &card(x, 2, "2222", CardStatus::Lost)).await;
    let y2 = add_card(s, &card(y, 3, "3333", CardStatus::Active)).await;
    add_card(s, &card(z, 4, "4444", CardStatus::Active)).await;

    let ids = |cards: Vec<Card>| cards.into_iter().map(|c| c.id).collect::<Vec<_>>();
    let got = store.cards_of_customers(&[y, x]).await.expect("cards");
    assert_eq!(got[0], store.card(x1).await.expect("read").expect("card"));
    assert_eq!(ids(got), vec![x1, y1, y2]);
    assert!(
        store
            .cards_of_customers(&[])
            .await
            .expect("none")
            .is_empty()
    );
    assert!(
        store
            .cards_of_customers(&[CustomerId(x.0 + 100)])
            .await
            .expect("unknown")
            .is_empty()
    );
}

async fn cases_reassigned_and_filtered(backend: Backend) {
    let store = backend.store();
    let s = store.as_ref();
    let li = StaffMember {
        username: "li".to_owned(),
        role: Role::Agent,
    };
    let policy = UnfreezePolicy::default();
    let frozen = CardStatus::Frozen {
        reason: FreezeReason::Dormant,
        since: at(0),
    };
    let mut cases: Vec<UnfreezeCase> = Vec::new();
    let mut customers = Vec::new();
    for n in 1..=3 {
        let who = add(s, &customer(n, "C", "0000", "0000")).await;
        let card_id = add_card(s, &card(who, n, "0000", frozen)).await;
        let card = store.card(card_id).await.expect("read").expect("card");
        let mut case = UnfreezeCase::open(&card, policy.rule(FreezeReason::Dormant), &li, at(1))
            .expect("open");
        let mut tx = store.begin().await.expect("begin");
        case.id = tx.insert_case(&case).await.expect("insert case");
        tx.commit().await.expect("commit");
        cases.push(case);
        customers.push(who);
    }

    // A supervisor gives the second case to wang, under its lock.
    let mut tx = store.begin().await.expect("begin");
    let locked = tx
        .lock_case(cases[1].id)
        .await
        .expect("lock")
        .expect("case");
    assert_eq!(locked.assigned_to, "agent:li");
    tx.assign_case(cases[1].id, "agent:wang", at(5))
        .await
        .expect("assign");
    let relocked = tx
        .lock_case(cases[1].id)
        .await
        .expect("lock")
        .expect("case");
    assert_eq!(relocked.assigned_to, "agent:wang");
    tx.commit().await.expect("commit");

    let read = store.case(cases[1].id).await.expect("read").expect("case");
    assert_eq!(read.assigned_to, "agent:wang");
    assert_eq!(read.case.opened_by, "agent:li");
    assert_eq!(read.case.updated_at, at(5));
    assert_eq!(read.case.state, CaseState::Marked);
    let untouched = store.case(cases[0].id).await.expect("read").expect("case");
    assert_eq!(untouched.assigned_to, "agent:li");

    // An assignment not committed is not kept.
    let mut tx = store.begin().await.expect("begin");
    tx.assign_case(cases[0].id, "agent:zhao", at(6))
        .await
        .expect("assign");
    drop(tx);
    let after = store.case(cases[0].id).await.expect("read").expect("case");
    assert_eq!(after, untouched);

    let list = |filter: CaseFilter| {
        let store = store.clone();
        async move {
            let records = store.cases(&filter).await.expect("cases");
            records
                .into_iter()
                .map(|r| (r.case.id, r.assigned_to))
                .collect::<Vec<_>>()
        }
    };
    let all = CaseFilter {
        limit: 10,
        ..CaseFilter::default()
    };
    let (a, b, c) = (cases[0].id, cases[1].id, cases[2].id);
    let (li_label, wang) = (text("agent:li"), text("agent:wang"));
    assert_eq!(
        list(all.clone()).await,
        vec![
            (c, li_label.clone()),
            (b, wang.clone()),
            (a, li_label.clone())
        ]
    );
    assert_eq!(
        list(CaseFilter {
            assigned_to: Some(wang.clone()),
            ..all.clone()
        })
        .await,
        vec![(b, wang.clone())]
    );
    // The opener no longer has the reassigned case, whatever opened_by says.
    assert_eq!(
        list(CaseFilter {
            assigned_to: Some(li_label.clone()),
            ..all.clone()
        })
        .await,
        vec![(c, li_label.clone()), (a, li_label.clone())]
    );
    assert_eq!(
        list(CaseFilter {
            opened_by: Some(li_label.clone()),
            ..all.clone()
        })
        .await
        .len(),
        3
    );
    assert_eq!(
        list(CaseFilter {
            customers: vec![customers[2], customers[0]],
            ..all.clone()
        })
        .await,
        vec![(c, li_label.clone()), (a, li_label.clone())]
    );
    assert_eq!(
        list(CaseFilter {
            customers: vec![customers[0], customers[1]],
            assigned_to: Some(wang.clone()),
            ..all.clone()
        })
        .await,
        vec![(b, wang.clone())]
    );
    assert_eq!(
        list(CaseFilter {
            customers: vec![CustomerId(customers[2].0 + 100)],
            ..all.clone()
        })
        .await,
        Vec::new()
    );
}

// ---------------------------------------------------------------------------
// Query plans
// ---------------------------------------------------------------------------

/// Every term alone is an index lookup, on a bank of 20,000 customers and
/// cards with the planners' statistics up to date.
async fn every_term_is_an_index_lookup(backend: Backend) {
    const N: u32 = 20_000;
    let store = backend.store();
    let customers: Vec<(CustomerId, NewCustomer)> = (1..=N)
        .map(|n| {
            let c = customer(
                n,
                &format!("客户 {n}"),
                &format!("{:04}", n % 10_000),
                "0000",
            );
            (
                CustomerId(i64::from(n)),
                NewCustomer {
                    phone: format!("+86138{n:08}"),
                    document_masked: format!("110***********{:04}", n % 10_000),
                    ..c
                },
            )
        })
        .collect();
    let cards: Vec<(CardId, NewCard)> = (1..=N)
        .map(|n| {
            let c = card(
                CustomerId(i64::from(n)),
                n,
                &format!("{:04}", n % 10_000),
                CardStatus::Active,
            );
            (CardId(i64::from(n)), c)
        })
        .collect();
    let mut tx = store.begin().await.expect("begin");
    tx.insert_customers_bulk(&customers)
        .await
        .expect("customers");
    tx.insert_cards_bulk(&cards).await.expect("cards");
    tx.sync_id_sequences().await.expect("sequences");
    tx.commit().await.expect("commit");
    backend.exec("ANALYZE").await;

    let cases = [
        (
            SearchTerm::IdDigests(vec![digest("id", 7), digest("id", 8)]),
            // SQLite names the index of a UNIQUE constraint itself.
            "customers_id_digest_key|sqlite_autoindex_customers_1",
        ),
        (
            SearchTerm::PanDigest(digest("pan", 7)),
            "cards_pan_digest_key|sqlite_autoindex_cards_1",
        ),
        (SearchTerm::Phone(text("+8613800000007")), "customers_phone"),
        (
            SearchTerm::PhoneLastFour(text("0007")),
            "customers_phone_last_four",
        ),
        (SearchTerm::CardLastFour(text("0007")), "cards_last_four"),
        (
            SearchTerm::IdLastFour(text("0007")),
            "customers_document_last_four",
        ),
        (
            SearchTerm::NamePrefix(text("客户 17")),
            "customers_name_fold",
        ),
    ];
    for (term, index) in cases {
        let plan = backend.plan(std::slice::from_ref(&term)).await;
        assert!(
            index.split('|').any(|name| plan.contains(name)),
            "{term:?} should use {index}:\n{plan}"
        );
        // A full scan reads as "SCAN customers" on SQLite (a SEARCH is an
        // index lookup) and "Seq Scan" on PostgreSQL.
        for scan in ["SCAN customers", "SCAN cards", "Seq Scan"] {
            assert!(!plan.contains(scan), "{term:?} scans:\n{plan}");
        }
    }
    // The found rows are the right ones on the large bank too.
    let hits = found(
        store.as_ref(),
        &[SearchTerm::NamePrefix(text("客户 1999"))],
        50,
    )
    .await;
    let mut expected: Vec<i64> = vec![
        1999, 19990, 19991, 19992, 19993, 19994, 19995, 19996, 19997, 19998, 19999,
    ];
    expected.sort_by_key(|n| format!("客户 {n}"));
    assert_eq!(
        hits.into_iter().map(|(_, id)| id).collect::<Vec<_>>(),
        expected
    );
}
