//! `carddesk-server`: serve, migrate or seed a CardDesk database.
//!
//! Settings come from flags, then the environment (`DATABASE_URL`,
//! `CARDDESK_*`), then a TOML file (`--config PATH` or `CARDDESK_CONFIG`),
//! then defaults; see [`carddesk_server::config`]. The database is an SQLite
//! file in the data directory when none is named; the master key file is
//! created beside it when none is named.

use std::sync::Arc;

use anyhow::Context;
use carddesk_domain::{Actor, Role, StaffMember};
use carddesk_processor::delivery::{Adapters, DeliveryConfig, DeliveryWorker};
use carddesk_processor::{Processor, ProcessorConfig, SystemClock};
use carddesk_server::AppState;
use carddesk_server::config::ServerConfig;
use clap::Parser;
use secrecy::SecretString;

// Every request allocates (HTTP, JSON, rows, futures): glibc's malloc and
// free were a seventh of the process's time under load; with mimalloc
// the customer view over HTTP serves 30 % more a second, flows 8 % more
// (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;
use cli::{Cli, Command};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_logs();
    let cli = Cli::parse();
    let settings = ServerConfig::load(cli.config.as_deref(), &cli.overrides())?;
    if let Command::Serve {
        check_config: true, ..
    } = cli.command
    {
        println!("{settings:#?}");
        return Ok(());
    }
    tracing::debug!(config = ?settings, "configuration loaded");
    if let Command::GrantServerRole { role } = &cli.command {
        let url = settings
            .database_url
            .as_ref()
            .map(|u| u.expose())
            .filter(|u| u.starts_with("postgres"))
            .context("grant-server-role is for PostgreSQL: set DATABASE_URL, as the owner")?;
        carddesk_store::pg_roles::grant_server_role_at(url, role).await?;
        println!("granted {role} the server's rights (the audit log: read and append only)");
        return Ok(());
    }
    let data_dir = dirs::data_dir()
        .context("no data directory")?
        .join("carddesk")
        .join("server");
    let database_url = match &settings.database_url {
        Some(url) => url.expose().to_owned(),
        None => {
            std::fs::create_dir_all(&data_dir)?;
            format!("sqlite:{}", data_dir.join("carddesk.db").display())
        }
    };
    let key_file = settings
        .key_file
        .clone()
        .unwrap_or_else(|| data_dir.join("master.key"));
    let (keys, store) = carddesk_processor::keyfile::open_store(&key_file, &database_url).await?;
    let config = ProcessorConfig {
        link_base: settings.public_url.clone(),
        audit_anchor: settings.audit_anchor_file.clone(),
        media: settings
            .limits
            .retention(carddesk_processor::applications::MediaSettings {
                dir: settings.media_dir.clone().unwrap_or_else(|| {
                    key_file
                        .parent()
                        .unwrap_or(std::path::Path::new("."))
                        .join("media")
                }),
                ..Default::default()
            }),
        ..ProcessorConfig::default()
    };
    let processor =
        Processor::new(store.clone(), keys.clone(), config, Arc::new(SystemClock)).await?;
    match cli.command {
        Command::Migrate => println!("migrations applied"),
        // Answered above, before any key or store is opened.
        Command::GrantServerRole { .. } => {}
        Command::Seed { cards: Some(n) } => {
            let report =
                carddesk_seed::seed_large(store.as_ref(), &keys, n, chrono::Utc::now(), |_| {})
                    .await?;
            println!(
                "seeded {} customers and {} cards",
                report.customers, report.cards
            );
        }
        Command::Seed { cards: None } => {
            let report = carddesk_seed::seed_demo(&processor, chrono::Utc::now()).await?;
            println!(
                "seeded {} customers, {} cards, {} cases",
                report.customers, report.cards, report.cases
            );
        }
        Command::AddStaff {
            username,
            role,
            display_name,
            password,
        } => {
            let role = Role::parse(&role).context("role")?;
            processor
                .add_staff(
                    &Actor::System,
                    StaffMember { username, role },
                    &display_name,
                    &SecretString::from(password),
                    "cli",
                )
                .await?;
            println!("added");
        }
        Command::Serve { .. } => {
            let listen = settings.listen;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("listen on {listen}"))?;
            let adapters = adapters(&settings)?;
            let worker =
                DeliveryWorker::new(processor.clone(), adapters, DeliveryConfig::default())?;
            let (stop_delivery, stopped) = tokio::sync::watch::channel(false);
            let expiry = tokio::spawn(carddesk_server::expiry::run(
                processor.clone(),
                carddesk_server::expiry::EVERY,
                stopped.clone(),
            ));
            let anchor = settings.audit_anchor_file.clone().map(|path| {
                tokio::spawn(carddesk_server::anchor::run(
                    processor.clone(),
                    path,
                    carddesk_server::anchor::EVERY,
                    stopped.clone(),
                ))
            });
            let delivery = tokio::spawn(async move { worker.run(stopped).await });
            tokio::spawn(carddesk_server::housekeeping::forget_expired(
                processor.clone(),
            ));
            let state = AppState::new(processor)
                .trusting(settings.trusted_proxies())
                .with_limits(settings.limits.work())
                .with_sign_in_limits(settings.limits.sign_in())
                .with_customer_limits(settings.limits.customer());
            let state = match &settings.redis_url {
                Some(url) => {
                    let redis = carddesk_server::limits::RedisBuckets::connect(
                        secrecy::ExposeSecret::expose_secret(url),
                    )
                    .await
                    .context("connect to the Redis named by redis_url")?;
                    tracing::info!("rate limits kept in Redis");
                    state.with_buckets(carddesk_server::limits::Buckets::Redis(redis))
                }
                None => state,
            };
            if let Some(addr) = settings.metrics_listen {
                let listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("listen for metrics on {addr}"))?;
                let routes = carddesk_server::metrics::listener_routes(state.metrics.clone());
                tracing::info!(%addr, "serving /metrics");
                tokio::spawn(async move { axum::serve(listener, routes).await });
            }
            let shutdown = async move {
                let _ = tokio::signal::ctrl_c().await;
                let _ = stop_delivery.send(true);
            };
            match settings.tls_files() {
                Some((cert, key)) => {
                    let tls = carddesk_server::tls_config(cert, key)
                        .await
                        .with_context(|| {
                            format!(
                                "TLS certificate {} or key {}",
                                cert.display(),
                                key.display()
                            )
                        })?;
                    tracing::info!(addr = %listener.local_addr()?, database = store.kind(), "serving HTTPS");
                    carddesk_server::serve_tls(listener, state, tls, shutdown).await?;
                }
                None => {
                    if !listen.ip().is_loopback() {
                        tracing::warn!(
                            %listen,
                            "listening beyond loopback without TLS: customers' codes and credentials would cross the network in clear; set tls.cert and tls.key (--tls-cert, --tls-key) or put a TLS-terminating proxy in front"
                        );
                    }
                    tracing::info!(addr = %listener.local_addr()?, database = store.kind(), "serving");
                    carddesk_server::serve(listener, state, shutdown).await?;
                }
            }
            delivery.await?;
            expiry.await?;
            if let Some(anchor) = anchor {
                anchor.await?;
            }
        }
    }
    Ok(())
}

/// The delivery adapters: the gateways configured, the local outbox for
/// the channels that have none.
fn adapters(settings: &ServerConfig) -> anyhow::Result<Adapters> {
    use carddesk_processor::delivery::{sms::SmsGateway, speech, voice::VoiceGateway};
    let mut adapters = Adapters::local();
    if let Some(gateway) = settings.sms_gateway.gateway() {
        adapters.text = Arc::new(SmsGateway::new(gateway)?);
    } else {
        tracing::info!("no SMS gateway configured: text instructions stay in the local outbox");
    }
    if let Some(gateway) = settings.voice_gateway.gateway() {
        adapters.voice = Arc::new(VoiceGateway::new(gateway, speech::platform_engine())?);
    } else {
        tracing::info!("no voice gateway configured: voice prompts stay in the local outbox");
    }
    Ok(adapters)
}

/// Logs as JSON lines (each with its span's route and request id) when
/// stdout is not a terminal, or when `CARDDESK_LOG_FORMAT=json`; as text,
/// coloured, on a terminal or with `CARDDESK_LOG_FORMAT=text`.
fn init_logs() {
    use std::io::IsTerminal;
    let terminal = std::io::stdout().is_terminal();
    let json = match std::env::var("CARDDESK_LOG_FORMAT").as_deref() {
        Ok("json") => true,
        Ok("text") => false,
        _ => !terminal,
    };
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    if json {
        tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt()
            .with_ansi(terminal)
            .with_env_filter(filter)
            .init();
    }
}
