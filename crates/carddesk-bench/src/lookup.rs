//! Section 1: card lookup for one customer among a million stored cards,
//! through the store (what the console's lookup runs) against the same
//! query straight through sqlx.

use std::time::{Duration, Instant};

use carddesk_domain::CustomerId;
use carddesk_store::Store;
use rand::{Rng, SeedableRng};

use crate::{percentiles, us};

pub(crate) async fn lookup_row<F, Fut>(
    name: &str,
    store: &dyn Store,
    customers: i64,
    n: usize,
    raw: F,
) -> anyhow::Result<()>
where
    F: Fn(i64) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<usize>>,
{
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let (mut ours, mut direct) = (Vec::with_capacity(n), Vec::with_capacity(n));
    // Warm the caches of both paths alike, then alternate them so drift in
    // the machine's load falls on both.
    for _ in 0..200 {
        let id = rng.gen_range(1..=customers);
        store.cards_of_customer(CustomerId(id)).await?;
        raw(id).await?;
    }
    for i in 0..n {
        let id = rng.gen_range(1..=customers);
        // The second query of a customer finds its pages hot: take turns at
        // going first, so neither path gets that advantage.
        let (a, b) = if i % 2 == 0 {
            let a = timed(&mut ours, store.cards_of_customer(CustomerId(id)))
                .await?
                .len();
            (a, timed(&mut direct, raw(id)).await?)
        } else {
            let b = timed(&mut direct, raw(id)).await?;
            (
                timed(&mut ours, store.cards_of_customer(CustomerId(id)))
                    .await?
                    .len(),
                b,
            )
        };
        anyhow::ensure!(a == b && a > 0, "both paths must find the same cards");
    }
    let (o50, o99) = percentiles(&mut ours);
    let (d50, d99) = percentiles(&mut direct);
    println!(
        "  {:<10} {:>10.0} {:>10.0} {:>10.0} {:>10.0} {:>8.2} {:>8.2}",
        name,
        us(o50),
        us(o99),
        us(d50),
        us(d99),
        us(o50) / us(d50),
        us(o99) / us(d99)
    );
    Ok(())
}

async fn timed<T, E>(
    samples: &mut Vec<Duration>,
    work: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, E> {
    let started = Instant::now();
    let result = work.await;
    samples.push(started.elapsed());
    result
}

// The baseline: the same query, decoded into plain tuples, with no mapping
// into domain types.
pub(crate) type RawCard = (
    i64,
    i64,
    String,
    String,
    i32,
    String,
    String,
    Option<String>,
    Option<i64>,
);
pub(crate) const RAW_QUERY: &str = "SELECT id, customer_id, bin, last_four, pan_length, product, status, freeze_reason, frozen_since FROM cards WHERE customer_id = $1 ORDER BY id";

pub(crate) async fn raw_lookup_sqlite(pool: &sqlx::SqlitePool, id: i64) -> anyhow::Result<usize> {
    Ok(sqlx::query_as::<_, RawCard>(RAW_QUERY)
        .bind(id)
        .fetch_all(pool)
        .await?
        .len())
}

pub(crate) async fn raw_lookup_pg(pool: &sqlx::PgPool, id: i64) -> anyhow::Result<usize> {
    Ok(sqlx::query_as::<_, RawCard>(RAW_QUERY)
        .bind(id)
        .fetch_all(pool)
        .await?
        .len())
}
