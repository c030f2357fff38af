//! The HTTP face of the processor: the agent API (`/api/agent`, the desk
//! of `carddesk_wire::Desk` over HTTP, each handler a thin adapter over
//! the processor's `LocalDesk`), the customer API (`/api/customer`) and
//! pages, and the `carddesk-server` binary that serves them over SQLite
//! or PostgreSQL.
//!
//! [`app`] builds the router from a state and knows nothing of sockets, so
//! tests drive it on a listener of their own; [`serve`] runs it until a
//! shutdown signal, letting requests in flight finish.
#![deny(missing_docs)]

pub mod agent;
pub mod anchor;
pub mod applicant;
pub mod config;
pub mod customer;
pub mod error;
pub mod expiry;
pub mod extract;
pub mod forwarded;
pub mod health;
pub mod housekeeping;
pub mod idempotency;
pub mod limits;
pub mod live;
pub mod metrics;
pub mod openapi;
pub mod overload;
pub mod pages;
mod redis_buckets;
pub mod request_id;
pub mod schedule;

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath};
use axum::http::Request;
use carddesk_processor::Processor;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The use cases.
    pub processor: Processor,
    /// The limits on work (see [`overload`]).
    pub limits: overload::Limits,
    /// The customer API's rate limits.
    pub customer_limits: customer::CustomerLimits,
    /// Staff sign-ins per client address.
    pub sign_in_limits: limits::SignInLimits,
    /// The proxies whose `X-Forwarded-For` is believed (see [`forwarded`]).
    pub trusted_proxies: std::sync::Arc<forwarded::TrustedProxies>,
    /// What `/metrics` reports (see [`metrics`]).
    pub metrics: std::sync::Arc<metrics::Metrics>,
    /// Where the rate limits keep their buckets, when not where the store
    /// says ([`limits::Buckets::for_store`]): Redis, when configured.
    pub buckets: Option<limits::Buckets>,
}

impl AppState {
    /// The processor, under the default limits, trusting no proxy.
    pub fn new(processor: Processor) -> Self {
        Self {
            metrics: std::sync::Arc::new(metrics::Metrics::new(processor.clone())),
            processor,
            limits: overload::Limits::default(),
            customer_limits: customer::CustomerLimits::default(),
            sign_in_limits: limits::SignInLimits::default(),
            trusted_proxies: std::sync::Arc::default(),
            buckets: None,
        }
    }

    /// The same, its rate limits' buckets in `buckets`.
    pub fn with_buckets(self, buckets: limits::Buckets) -> Self {
        Self {
            buckets: Some(buckets),
            ..self
        }
    }

    /// The same, under `limits`.
    pub fn with_limits(self, limits: overload::Limits) -> Self {
        Self { limits, ..self }
    }

    /// The same, with these customer rate limits.
    pub fn with_customer_limits(self, customer_limits: customer::CustomerLimits) -> Self {
        Self {
            customer_limits,
            ..self
        }
    }

    /// The same, with these limits on sign-ins per address.
    pub fn with_sign_in_limits(self, sign_in_limits: limits::SignInLimits) -> Self {
        Self {
            sign_in_limits,
            ..self
        }
    }

    /// The same, believing `X-Forwarded-For` from these proxies.
    pub fn trusting(self, proxies: forwarded::TrustedProxies) -> Self {
        Self {
            trusted_proxies: std::sync::Arc::new(proxies),
            ..self
        }
    }
}

/// The largest request body accepted, in bytes.
pub const MAX_BODY: usize = 16 * 1024;

/// The whole application.
pub fn app(state: AppState) -> Router {
    app_with_events(state, live::EventLog::new(), false)
}

/// Whether the customer's browser reaches the pages over HTTPS: the server
/// serves TLS, or its public URL is https (a TLS-terminating proxy in
/// front). The pages then send HSTS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Https(pub bool);

/// The whole application, its live events numbered by `log` (which the
/// server closes on shutdown, ending the open streams); `tls` when this
/// process serves HTTPS itself.
fn app_with_events(state: AppState, log: std::sync::Arc<live::EventLog>, tls: bool) -> Router {
    let https = tls
        || state
            .processor
            .config()
            .link_base
            .to_ascii_lowercase()
            .starts_with("https://");
    let work = state.limits;
    let buckets = state
        .buckets
        .clone()
        .unwrap_or_else(|| limits::Buckets::for_store(state.processor.store()));
    // Everything but the health probes runs under the limits on work.
    let limited = Router::new()
        .nest(
            carddesk_wire::routes::PREFIX,
            agent::routes(state.sign_in_limits, &buckets)
                .merge(live::routes(log))
                .method_not_allowed_fallback(method_not_allowed),
        )
        .nest(
            "/api/customer",
            customer::routes_with(state.customer_limits, &buckets)
                .method_not_allowed_fallback(method_not_allowed),
        )
        .nest(
            applicant::PREFIX,
            applicant::routes_with(state.customer_limits, &buckets)
                .method_not_allowed_fallback(method_not_allowed),
        )
        .merge(pages::routes_with(pages::PageLimits::default(), &buckets))
        .route("/openapi.json", axum::routing::get(openapi::document))
        .layer(
            tower::ServiceBuilder::new()
                .layer(axum::error_handling::HandleErrorLayer::new(
                    overload::refused,
                ))
                .load_shed()
                .concurrency_limit(work.concurrent_requests)
                .timeout(work.request_timeout),
        );
    Router::new()
        .merge(limited)
        .merge(health::routes())
        .route(
            "/metrics",
            axum::routing::get(metrics::exposition_to_loopback),
        )
        .fallback(|| async {
            error::ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                carddesk_wire::ErrorCode::NotFound,
                "no such endpoint",
            )
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            idempotency::layer,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::Extension(Https(https)))
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            metrics::record,
        ))
        // Outermost but tracing: everything inside sees the resolved
        // client address.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            forwarded::resolve,
        ))
        .layer(
            // Spans name the method and the route only: query strings and
            // bodies can hold personal data, and paths can hold secrets (the
            // one-time code in `/u/{code}`), so none of them reach the log.
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let route = req
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or("(no route)", MatchedPath::as_str);
                let id = req
                    .extensions()
                    .get::<request_id::RequestId>()
                    .map_or("", |id| id.0.as_str());
                tracing::info_span!("request", method = %req.method(), route = %route, request_id = %id)
            }),
        )
        // Outside the trace layer, so its span knows the id.
        .layer(axum::middleware::from_fn(request_id::assign))
        .with_state(state)
}

/// The answer to a method a known path does not take.
async fn method_not_allowed() -> error::ApiError {
    error::ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        carddesk_wire::ErrorCode::MethodNotAllowed,
        "this endpoint does not take that method",
    )
}

/// Loads a TLS certificate chain and private key (PEM files) for
/// [`serve_tls`].
pub async fn tls_config(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> std::io::Result<axum_server::tls_rustls::RustlsConfig> {
    // More than one rustls crypto provider can be compiled in (reqwest
    // brings ring in tests); name the one to use rather than let rustls
    // refuse to guess. A provider already installed is fine.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await
}

/// Serves `app` over TLS (rustls) on `listener` until `shutdown`
/// completes, then gives requests in flight ten seconds to finish.
pub async fn serve_tls(
    listener: TcpListener,
    state: AppState,
    tls: axum_server::tls_rustls::RustlsConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    let log = live::EventLog::new();
    let closer = log.clone();
    tokio::spawn(async move {
        shutdown.await;
        closer.close();
        stopper.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
    });
    axum_server::from_tcp_rustls(listener.into_std()?, tls)?
        .handle(handle)
        .serve(
            app_with_events(state, log, true).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
}

/// Serves `app` on `listener` until `shutdown` completes, then lets the
/// requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let log = live::EventLog::new();
    let closer = log.clone();
    axum::serve(
        listener,
        app_with_events(state, log, false).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        // Event streams last as long as their sessions: end them, or the
        // graceful shutdown would wait for every console to sign out.
        closer.close();
    })
    .await
}
