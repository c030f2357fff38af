//! Rate limits: a token bucket per key (a client address, a case). Where
//! several server processes share the limits the buckets live where they
//! all reach: in Redis when `redis_url` is set ([`RedisBuckets`], one
//! script per token), else in the database when it is shared (PostgreSQL:
//! `Store::take_rate_token`, one statement per token), so a limit holds
//! however a balancer spreads the requests; with SQLite alone, one
//! process, they live in memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use carddesk_store::Store;

use crate::error::ApiError;
pub use crate::redis_buckets::RedisBuckets;

/// Where a limiter keeps its buckets.
#[derive(Debug, Clone)]
pub enum Buckets {
    /// In this process's memory.
    Memory,
    /// In the database every server process shares.
    Shared(Arc<dyn Store>),
    /// In Redis, which every server process reaches.
    Redis(RedisBuckets),
}

impl Buckets {
    /// Shared on a database several processes can share (PostgreSQL), in
    /// memory otherwise.
    pub fn for_store(store: &Arc<dyn Store>) -> Self {
        if store.kind() == "postgres" {
            Self::Shared(store.clone())
        } else {
            Self::Memory
        }
    }
}

/// A token bucket per key.
#[derive(Debug)]
pub struct RateLimiter {
    /// Names this limiter's buckets apart from others' in a shared store.
    name: &'static str,
    capacity: f64,
    per_second: f64,
    shared: Buckets,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Buckets kept in memory before full ones are swept out.
const MAX_BUCKETS: usize = 10_000;

impl RateLimiter {
    /// `burst` requests at once, refilled at `per_minute`, its buckets
    /// named `name` in `buckets`.
    pub fn new(name: &'static str, burst: u32, per_minute: u32, buckets: &Buckets) -> Self {
        Self {
            name,
            capacity: f64::from(burst.max(1)),
            per_second: f64::from(per_minute.max(1)) / 60.0,
            shared: buckets.clone(),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `key`, or says how long until one is back. If the
    /// shared store fails, this process's own bucket decides: a limit kept
    /// per process is better than none, or than refusing everyone.
    pub async fn take(&self, key: &str) -> Result<(), Duration> {
        let name = format!("{}:{key}", self.name);
        let shared = match &self.shared {
            Buckets::Memory => return self.take_at(key, Instant::now()),
            Buckets::Shared(store) => store
                .take_rate_token(&name, self.capacity, self.per_second, chrono::Utc::now())
                .await
                .map_err(|e| e.to_string()),
            Buckets::Redis(redis) => redis
                .take(&name, self.capacity, self.per_second)
                .await
                .map_err(|e| e.to_string()),
        };
        match shared {
            Ok(None) => Ok(()),
            Ok(Some(wait)) => Err(wait),
            Err(e) => {
                tracing::warn!(error = %e, "shared rate limit unavailable; limiting in this process");
                self.take_at(key, Instant::now())
            }
        }
    }

    fn take_at(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(key) {
            // A bucket that has refilled is the same as no bucket.
            let (capacity, rate) = (self.capacity, self.per_second);
            buckets
                .retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < capacity);
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.capacity,
            at: now,
        });
        let refilled = now.duration_since(bucket.at).as_secs_f64() * self.per_second;
        bucket.tokens = (bucket.tokens + refilled).min(self.capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_second,
            ))
        }
    }
}

/// `429` in the common shape, with `Retry-After` in whole seconds
/// (rounded up: retrying sooner is refused again).
pub fn rate_limited(wait: Duration) -> Response {
    let seconds = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
    let mut response = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        carddesk_wire::ErrorCode::RateLimited,
        format!("too many requests; try again in {seconds} s"),
    )
    .into_response();
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// Staff sign-ins per client address: the lockout stops guessing one
/// user ID's password; this stops one address spraying guesses over
/// many user IDs (and the hashing they cost).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInLimits {
    /// Sign-ins an address may make in a burst: a call center behind one
    /// address signs in together at the start of a shift.
    pub address_burst: u32,
    /// Sign-ins per minute an address gets back after a burst.
    pub address_per_minute: u32,
}

impl Default for SignInLimits {
    fn default() -> Self {
        Self {
            address_burst: 60,
            address_per_minute: 30,
        }
    }
}

/// Refuses a request once its client address has spent `limiter`'s
/// bucket.
pub async fn per_address(
    State(limiter): State<Arc<RateLimiter>>,
    req: Request,
    next: Next,
) -> Response {
    let addr = crate::extract::client_addr(req.extensions());
    if let Err(wait) = limiter.take(&format!("addr:{addr}")).await {
        tracing::warn!(origin = %addr, limit = limiter.name, "request over the address's rate limit");
        return rate_limited(wait);
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(burst: u32, per_minute: u32) -> RateLimiter {
        RateLimiter::new("test", burst, per_minute, &Buckets::Memory)
    }

    #[test]
    fn a_bucket_empties_and_refills() {
        let limiter = limiter(2, 60);
        let t0 = Instant::now();
        assert!(limiter.take_at("a", t0).is_ok());
        assert!(limiter.take_at("a", t0).is_ok());
        let wait = limiter.take_at("a", t0).expect_err("empty");
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        assert!(limiter.take_at("b", t0).is_ok(), "keys are apart");
        assert!(limiter.take_at("a", t0 + Duration::from_secs(1)).is_ok());
    }

    #[test]
    fn full_buckets_are_swept_when_many() {
        let limiter = limiter(1, 60);
        let t0 = Instant::now();
        for i in 0..MAX_BUCKETS {
            limiter.take_at(&i.to_string(), t0).expect("first");
        }
        limiter
            .take_at("new", t0 + Duration::from_secs(5))
            .expect("first");
        let kept = limiter.buckets.lock().expect("lock").len();
        assert_eq!(kept, 1, "refilled buckets are dropped");
    }
}
