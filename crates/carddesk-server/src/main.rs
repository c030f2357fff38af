//! `carddesk-server`: serve, migrate or seed a CardDesk database.
//!
//! Settings come from flags, then the environment (`DATABASE_URL`,
//! `CARDDESK_*`), then a TOML file (`--config PATH` or `CARDDESK_CONFIG`),
//! then defaults; see [`carddesk_server::config`]. The database is an SQLite
//! file in the data directory when none is named; the master key file is
//! created beside it when none is named.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use carddesk_domain::{Actor, Role, StaffMember};
use carddesk_processor::delivery::{Adapters, DeliveryConfig, DeliveryWorker};
use carddesk_processor::{Processor, ProcessorConfig, SystemClock};
use carddesk_server::AppState;
use carddesk_server::config::{Overrides, ServerConfig};
use clap::{Parser, Subcommand};
use secrecy::SecretString;

// Every request allocates (HTTP, JSON, rows, futures): glibc's malloc and
// free were a seventh of the process's time under load; with mimalloc
// the customer view over HTTP serves 30 % more a second, flows 8 % more
// (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The CardDesk processor as a server.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// A TOML configuration file (see `carddesk.example.toml`); also
    /// `CARDDESK_CONFIG`.
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// The database: `sqlite:path` or `postgres://…`; also `DATABASE_URL`.
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    /// The master key file (64 hex digits; created when missing); also
    /// `CARDDESK_KEY_FILE`.
    #[arg(long, global = true, value_name = "PATH")]
    key_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

// One value, parsed once at start: the size of `Serve`'s flags costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the agent and customer APIs.
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080]; also
        /// `CARDDESK_LISTEN`.
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// A PEM certificate chain: with `--tls-key`, serve HTTPS; also
        /// `CARDDESK_TLS_CERT`.
        #[arg(long, value_name = "PATH")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of `--tls-cert`; also `CARDDESK_TLS_KEY`.
        #[arg(long, value_name = "PATH")]
        tls_key: Option<PathBuf>,
        /// The SMS gateway's endpoint; without it, text instructions stay in
        /// the local outbox (demo mode); also `CARDDESK_SMS_GATEWAY_URL`.
        #[arg(long, value_name = "URL")]
        sms_gateway_url: Option<String>,
        /// The secret the SMS gateway's requests are signed with; prefer
        /// `CARDDESK_SMS_GATEWAY_SECRET` (a flag shows in the process list).
        #[arg(long, value_name = "SECRET")]
        sms_gateway_secret: Option<String>,
        /// The voice gateway's endpoint; without it, voice prompts stay in
        /// the local outbox; also `CARDDESK_VOICE_GATEWAY_URL`.
        #[arg(long, value_name = "URL")]
        voice_gateway_url: Option<String>,
        /// The secret the voice gateway's requests are signed with; prefer
        /// `CARDDESK_VOICE_GATEWAY_SECRET`.
        #[arg(long, value_name = "SECRET")]
        voice_gateway_secret: Option<String>,
        /// The public base URL of the customer pages, put in instructions
        /// [default: http://127.0.0.1:8080]; also `CARDDESK_PUBLIC_URL`.
        #[arg(long, value_name = "URL")]
        public_url: Option<String>,
        /// Let gateway URLs be plain http:// (a local test gateway only);
        /// also `CARDDESK_ALLOW_PLAIN_HTTP_GATEWAYS=true`.
        #[arg(long)]
        allow_plain_http_gateways: bool,
        /// The reverse proxies in front whose `X-Forwarded-For` is
        /// believed, comma-separated (`127.0.0.1,10.0.0.0/8`); also
        /// `CARDDESK_TRUSTED_PROXIES`.
        #[arg(long, value_name = "LIST")]
        trusted_proxies: Option<String>,
        /// A file outside the database to append signed checkpoints of
        /// the audit chain's head to; also `CARDDESK_AUDIT_ANCHOR_FILE`.
        #[arg(long, value_name = "PATH")]
        audit_anchor_file: Option<PathBuf>,
        /// Where interview uploads are kept, sealed; also
        /// `CARDDESK_MEDIA_DIR` [default: `media` beside the key file].
        #[arg(long, value_name = "DIR")]
        media_dir: Option<PathBuf>,
        /// A Redis to keep the rate limits' buckets in, shared by every
        /// server process (`redis://`); prefer `CARDDESK_REDIS_URL` (a
        /// password on the command line is visible to others) [default:
        /// the database when shared, else memory].
        #[arg(long, value_name = "URL")]
        redis_url: Option<String>,
        /// An address of its own for Prometheus' `/metrics`; also
        /// `CARDDESK_METRICS_LISTEN` [default: the main address, loopback
        /// clients only].
        #[arg(long, value_name = "ADDR")]
        metrics_listen: Option<String>,
        /// Load and check the configuration, print it (secrets redacted)
        /// and exit.
        #[arg(long)]
        check_config: bool,
    },
    /// Apply the database migrations and exit.
    Migrate,
    /// Seed the demo bank, or a large bank of `--cards` cards.
    Seed {
        /// Cards in a large bank.
        #[arg(long)]
        cards: Option<u64>,
    },
    /// Grant a PostgreSQL role what `serve` needs and no more: it may not
    /// change or delete audit rows, nor alter the schema. Run as the
    /// database's owner, after `migrate` (and again after migrations that
    /// add tables); then serve with `DATABASE_URL` naming the role.
    GrantServerRole {
        /// The role the server connects as.
        #[arg(long)]
        role: String,
    },
    /// Add a member of staff; the password is read from
    /// `CARDDESK_STAFF_PASSWORD`.
    AddStaff {
        /// Sign-in name.
        #[arg(long)]
        username: String,
        /// agent, supervisor or admin.
        #[arg(long, value_parser = ["agent", "supervisor", "admin"])]
        role: String,
        /// Name shown in the console.
        #[arg(long)]
        display_name: String,
        /// The password (kept out of the command line).
        #[arg(long, env = "CARDDESK_STAFF_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

impl Cli {
    /// The settings the command line gives, above the environment and the
    /// file.
    fn overrides(&self) -> Overrides {
        let mut out = Overrides {
            database_url: self.database_url.clone(),
            key_file: self.key_file.clone(),
            ..Overrides::default()
        };
        if let Command::Serve {
            listen,
            tls_cert,
            tls_key,
            sms_gateway_url,
            sms_gateway_secret,
            voice_gateway_url,
            voice_gateway_secret,
            public_url,
            allow_plain_http_gateways,
            trusted_proxies,
            audit_anchor_file,
            media_dir,
            redis_url,
            metrics_listen,
            ..
        } = &self.command
        {
            out.listen.clone_from(listen);
            out.tls_cert.clone_from(tls_cert);
            out.tls_key.clone_from(tls_key);
            out.sms_gateway_url.clone_from(sms_gateway_url);
            out.sms_gateway_secret = sms_gateway_secret.clone().map(SecretString::from);
            out.voice_gateway_url.clone_from(voice_gateway_url);
            out.voice_gateway_secret = voice_gateway_secret.clone().map(SecretString::from);
            out.public_url.clone_from(public_url);
            // Absent, the flag leaves the setting to the lower layers.
            out.allow_plain_http_gateways = allow_plain_http_gateways.then_some(true);
            out.trusted_proxies.clone_from(trusted_proxies);
            out.audit_anchor_file.clone_from(audit_anchor_file);
            out.media_dir.clone_from(media_dir);
            out.redis_url = redis_url.clone().map(SecretString::from);
            out.metrics_listen.clone_from(metrics_listen);
        }
        out
    }
}

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
