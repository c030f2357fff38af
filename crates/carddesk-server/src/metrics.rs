//! Prometheus metrics at `/metrics`: requests by route and status with
//! latency histograms (by route template, never by path: paths can hold a
//! code), and what the processor counted (cases entering each state,
//! failed verifications, deliveries by channel and outcome), the hashing
//! queue's depth and the database pool's use, read at each scrape.
//!
//! `/metrics` is served on its own listener when `metrics_listen` is set;
//! otherwise on the main one, to loopback clients only (the counts say
//! how busy the bank is, which is nobody else's business).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use carddesk_processor::Processor;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The labels of a request.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

/// The labels of a request's latency.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s, doubling.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// One server's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
}

impl Metrics {
    /// Metrics for a server over `processor`.
    pub fn new(processor: Processor) -> Self {
        let mut registry = Registry::with_prefix("carddesk");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route template",
            latency.clone(),
        );
        registry.register_collector(Box::new(ProcessorCollector(processor)));
        Self {
            registry,
            requests,
            latency,
        }
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(seconds);
    }
}

/// Counts and times every request, by its route template.
pub async fn record(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("(no route)", MatchedPath::as_str)
        .to_owned();
    let started = Instant::now();
    let response = next.run(req).await;
    metrics.observe(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// `GET /metrics` on its own listener.
pub async fn exposition(State(metrics): State<Arc<Metrics>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        metrics.render(),
    )
        .into_response()
}

/// `GET /metrics` on the main listener: loopback clients only, as
/// resolved behind trusted proxies (a same-host proxy's public clients are
/// not loopback).
pub async fn exposition_to_loopback(
    State(s): State<crate::AppState>,
    parts: axum::http::request::Parts,
) -> Response {
    let client = crate::extract::client_addr(&parts.extensions);
    match client.parse::<std::net::IpAddr>() {
        Ok(ip) if ip.is_loopback() => exposition(State(s.metrics.clone())).await,
        _ => crate::error::ApiError::new(
            StatusCode::NOT_FOUND,
            carddesk_wire::ErrorCode::NotFound,
            "no such endpoint",
        )
        .into_response(),
    }
}

/// The router of the metrics listener.
pub fn listener_routes(metrics: Arc<Metrics>) -> axum::Router {
    axum::Router::new()
        .route("/metrics", axum::routing::get(exposition))
        .with_state(metrics)
}

/// The processor's counts and gauges, read at each scrape.
#[derive(Debug)]
struct ProcessorCollector(Processor);

impl Collector for ProcessorCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let tally = self.0.events().tally();
        let mut cases = encoder.encode_descriptor(
            "cases_entered",
            "Cases that entered each state in this process (marked: a flow started)",
            None,
            MetricType::Counter,
        )?;
        for (state, n) in tally.cases_entered() {
            ConstCounter::new(n).encode(cases.encode_family(&[("state", state.as_str())])?)?;
        }
        let failed = ConstCounter::new(tally.attempts_failed());
        failed.encode(encoder.encode_descriptor(
            "verifications_failed",
            "Customers' uploads whose credentials did not match",
            None,
            failed.metric_type(),
        )?)?;
        let mut deliveries = encoder.encode_descriptor(
            "deliveries",
            "Instruction delivery attempts settled, by channel and outcome",
            None,
            MetricType::Counter,
        )?;
        for (channel, outcome, n) in tally.deliveries() {
            ConstCounter::new(n)
                .encode(deliveries.encode_family(&[("channel", channel), ("outcome", outcome)])?)?;
        }
        let (staff, customers) = self.0.hashing_in_line();
        let mut hashing = encoder.encode_descriptor(
            "hashing_in_line",
            "Argon2id checks running or waiting, by budget",
            None,
            MetricType::Gauge,
        )?;
        for (budget, n) in [("staff", staff), ("customer", customers)] {
            ConstGauge::new(i64::try_from(n).unwrap_or(i64::MAX))
                .encode(hashing.encode_family(&[("budget", budget)])?)?;
        }
        let (open, idle) = self.0.store().pool_use();
        let mut pool = encoder.encode_descriptor(
            "db_connections",
            "Database pool connections, open and idle",
            None,
            MetricType::Gauge,
        )?;
        for (kind, n) in [
            ("open", i64::from(open)),
            ("idle", i64::try_from(idle).unwrap_or(i64::MAX)),
        ] {
            ConstGauge::new(n).encode(pool.encode_family(&[("state", kind)])?)?;
        }
        Ok(())
    }
}
