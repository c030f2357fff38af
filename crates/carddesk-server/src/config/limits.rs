//! The server's limits as settings (`[limits]` in the file, or
//! `CARDDESK_LIMITS_*`): the limits on work (`crate::overload`), staff
//! sign-ins per address and the customer API's per-address limit
//! (`crate::limits`, `crate::customer`), and how long interview uploads are
//! kept. Unset, each is the default its
//! type documents. A call center behind one address may need a larger
//! sign-in burst; a load test a larger customer allowance.

use serde::Deserialize;

use crate::customer::CustomerLimits;
use crate::limits::SignInLimits;
use crate::overload;

/// The limits a deployment may set. Each is a whole number from 1 to its
/// bound (600 s for the time limit, 100,000 for the others).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitSettings {
    /// Seconds a request may take to answer (an idempotency claim left
    /// by a crashed process is taken over 15 s after this).
    #[serde(deserialize_with = "number")]
    pub request_timeout_seconds: u64,
    /// Requests answered at once; more are refused with `503`.
    #[serde(deserialize_with = "number")]
    pub concurrent_requests: u64,
    /// Live event streams (one per console) open at once.
    #[serde(deserialize_with = "number")]
    pub event_streams: u64,
    /// Staff sign-ins a client address may make in a burst.
    #[serde(deserialize_with = "number")]
    pub sign_in_burst: u64,
    /// Staff sign-ins per minute an address gets back after a burst.
    #[serde(deserialize_with = "number")]
    pub sign_in_per_minute: u64,
    /// Customer API and page requests a client address may make in a burst.
    #[serde(deserialize_with = "number")]
    pub customer_address_burst: u64,
    /// Customer requests per minute an address gets back after a burst.
    #[serde(deserialize_with = "number")]
    pub customer_address_per_minute: u64,
    /// Days the interview uploads of an application that ended without a
    /// card are kept (those behind an issued card are kept).
    #[serde(deserialize_with = "number")]
    pub uploads_kept_closed_days: u64,
}

/// The largest value the time limit may take, in seconds.
const MAX_TIMEOUT_SECONDS: u64 = 600;
/// The largest value any other limit may take.
const MAX_COUNT: u64 = 100_000;

impl Default for LimitSettings {
    fn default() -> Self {
        let work = overload::Limits::default();
        let sign_in = SignInLimits::default();
        let customer = CustomerLimits::default();
        let media = carddesk_processor::applications::MediaSettings::default();
        Self {
            request_timeout_seconds: work.request_timeout.as_secs(),
            concurrent_requests: work.concurrent_requests as u64,
            event_streams: work.event_streams as u64,
            sign_in_burst: u64::from(sign_in.address_burst),
            sign_in_per_minute: u64::from(sign_in.address_per_minute),
            customer_address_burst: u64::from(customer.address_burst),
            customer_address_per_minute: u64::from(customer.address_per_minute),
            uploads_kept_closed_days: days(media.keep_closed_for),
        }
    }
}

fn days(d: chrono::Duration) -> u64 {
    u64::try_from(d.num_days()).unwrap_or(0)
}

impl LimitSettings {
    /// Each limit: its key under `[limits]`, its value and its bound.
    fn each(&self) -> [(&'static str, u64, u64); 8] {
        [
            (
                "request_timeout_seconds",
                self.request_timeout_seconds,
                MAX_TIMEOUT_SECONDS,
            ),
            ("concurrent_requests", self.concurrent_requests, MAX_COUNT),
            ("event_streams", self.event_streams, MAX_COUNT),
            ("sign_in_burst", self.sign_in_burst, MAX_COUNT),
            ("sign_in_per_minute", self.sign_in_per_minute, MAX_COUNT),
            (
                "customer_address_burst",
                self.customer_address_burst,
                MAX_COUNT,
            ),
            (
                "customer_address_per_minute",
                self.customer_address_per_minute,
                MAX_COUNT,
            ),
            (
                "uploads_kept_closed_days",
                self.uploads_kept_closed_days,
                MAX_COUNT,
            ),
        ]
    }

    /// Each limit out of its range, as a problem naming the setting
    /// (`at` says where it was set).
    pub(super) fn check(&self, at: impl Fn(&str) -> String, problems: &mut Vec<String>) {
        for (name, value, bound) in self.each() {
            if !(1..=bound).contains(&value) {
                problems.push(format!(
                    "{}: must be a whole number from 1 to {bound}",
                    at(&format!("limits.{name}"))
                ));
            }
        }
    }

    /// The limits on work.
    pub fn work(&self) -> overload::Limits {
        overload::Limits {
            request_timeout: std::time::Duration::from_secs(self.request_timeout_seconds),
            concurrent_requests: usize::try_from(self.concurrent_requests).unwrap_or(usize::MAX),
            event_streams: usize::try_from(self.event_streams).unwrap_or(usize::MAX),
        }
    }

    /// The staff sign-in limits.
    pub fn sign_in(&self) -> SignInLimits {
        SignInLimits {
            address_burst: small(self.sign_in_burst),
            address_per_minute: small(self.sign_in_per_minute),
        }
    }

    /// The customer API's limits (the per-case ones are the processor's
    /// three attempts' business, and stay as they are).
    pub fn customer(&self) -> CustomerLimits {
        CustomerLimits {
            address_burst: small(self.customer_address_burst),
            address_per_minute: small(self.customer_address_per_minute),
            ..CustomerLimits::default()
        }
    }
}

impl LimitSettings {
    /// How long interview uploads are kept, into the processor's media
    /// settings.
    pub fn retention(
        &self,
        media: carddesk_processor::applications::MediaSettings,
    ) -> carddesk_processor::applications::MediaSettings {
        let days =
            |n: u64| chrono::Duration::days(i64::try_from(n).unwrap_or(i64::MAX / 86_400_000));
        carddesk_processor::applications::MediaSettings {
            keep_closed_for: days(self.uploads_kept_closed_days),
            ..media
        }
    }
}

/// A checked limit (at most 100,000) as the `u32` the limiters take.
fn small(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// A whole number from the file (`60`) or from the environment, which is
/// text (`"60"`).
fn number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrText {
        Number(u64),
        Text(String),
    }
    match NumberOrText::deserialize(d)? {
        NumberOrText::Number(n) => Ok(n),
        NumberOrText::Text(t) => t
            .trim()
            .parse()
            .map_err(|_| serde::de::Error::custom("use a whole number")),
    }
}
