//! `carddesk-server`: serve, migrate or seed a CardDesk database.
//!
//! The database is `DATABASE_URL` (an SQLite file in the data directory when
//! unset); the master key is `CARDDESK_KEY_FILE` (created beside the SQLite
//! file when unset).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use carddesk_domain::{Actor, Role, StaffMember};
use carddesk_processor::delivery::{Adapters, DeliveryConfig, DeliveryWorker};
use carddesk_processor::{Keyring, Processor, ProcessorConfig, SystemClock};
use carddesk_server::AppState;
use clap::{Parser, Subcommand};
use secrecy::SecretString;

/// The CardDesk processor as a server.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// The database: `sqlite:path` or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// The master key file (64 hex digits; created when missing).
    #[arg(long, env = "CARDDESK_KEY_FILE", global = true)]
    key_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the agent and customer APIs.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// A PEM certificate chain: with `--tls-key`, serve HTTPS.
        #[arg(long, env = "CARDDESK_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of `--tls-cert`.
        #[arg(long, env = "CARDDESK_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// The SMS gateway's endpoint; without it, text instructions stay in
        /// the local outbox (demo mode).
        #[arg(
            long,
            env = "CARDDESK_SMS_GATEWAY_URL",
            requires = "sms_gateway_secret"
        )]
        sms_gateway_url: Option<String>,
        /// The secret the SMS gateway's requests are signed with.
        #[arg(long, env = "CARDDESK_SMS_GATEWAY_SECRET", hide_env_values = true)]
        sms_gateway_secret: Option<String>,
        /// The voice gateway's endpoint; without it, voice prompts stay in
        /// the local outbox.
        #[arg(
            long,
            env = "CARDDESK_VOICE_GATEWAY_URL",
            requires = "voice_gateway_secret"
        )]
        voice_gateway_url: Option<String>,
        /// The secret the voice gateway's requests are signed with.
        #[arg(long, env = "CARDDESK_VOICE_GATEWAY_SECRET", hide_env_values = true)]
        voice_gateway_secret: Option<String>,
        /// The public base URL of the customer pages, put in instructions.
        #[arg(
            long,
            env = "CARDDESK_PUBLIC_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        public_url: String,
    },
    /// Apply the database migrations and exit.
    Migrate,
    /// Seed the demo bank, or a large bank of `--cards` cards.
    Seed {
        /// Cards in a large bank.
        #[arg(long)]
        cards: Option<u64>,
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let data_dir = dirs::data_dir()
        .context("no data directory")?
        .join("carddesk")
        .join("server");
    let database_url = match cli.database_url {
        Some(url) => url,
        None => {
            std::fs::create_dir_all(&data_dir)?;
            format!("sqlite:{}", data_dir.join("carddesk.db").display())
        }
    };
    let key_file = cli.key_file.unwrap_or_else(|| data_dir.join("master.key"));
    let keys = Arc::new(Keyring::load_or_create(&key_file)?);
    let store = carddesk_store::open(&database_url, keys.audit_key()).await?;
    let mut config = ProcessorConfig::default();
    if let Command::Serve { public_url, .. } = &cli.command {
        config.link_base = public_url.clone();
    }
    let processor =
        Processor::new(store.clone(), keys.clone(), config, Arc::new(SystemClock)).await?;
    match cli.command {
        Command::Migrate => println!("migrations applied"),
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
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            sms_gateway_url,
            sms_gateway_secret,
            voice_gateway_url,
            voice_gateway_secret,
            ..
        } => {
            let listener = tokio::net::TcpListener::bind(listen).await?;
            let adapters = adapters(
                sms_gateway_url.zip(sms_gateway_secret),
                voice_gateway_url.zip(voice_gateway_secret),
            )?;
            let worker =
                DeliveryWorker::new(processor.clone(), adapters, DeliveryConfig::default())?;
            let (stop_delivery, stopped) = tokio::sync::watch::channel(false);
            let delivery = tokio::spawn(async move { worker.run(stopped).await });
            tokio::spawn(forget_idempotency_keys(processor.clone()));
            let state = AppState { processor };
            let shutdown = async move {
                let _ = tokio::signal::ctrl_c().await;
                let _ = stop_delivery.send(true);
            };
            match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => {
                    let tls = carddesk_server::tls_config(&cert, &key)
                        .await
                        .context("TLS certificate or key")?;
                    tracing::info!(addr = %listener.local_addr()?, database = store.kind(), "serving HTTPS");
                    carddesk_server::serve_tls(listener, state, tls, shutdown).await?;
                }
                _ => {
                    if !listen.ip().is_loopback() {
                        tracing::warn!(
                            %listen,
                            "listening beyond loopback without TLS: customers' codes and credentials would cross the network in clear; pass --tls-cert and --tls-key or put a TLS-terminating proxy in front"
                        );
                    }
                    tracing::info!(addr = %listener.local_addr()?, database = store.kind(), "serving");
                    carddesk_server::serve(listener, state, shutdown).await?;
                }
            }
            delivery.await?;
        }
    }
    Ok(())
}

/// The delivery adapters: the gateways configured, the local outbox for
/// the channels that have none.
fn adapters(
    sms: Option<(String, String)>,
    voice: Option<(String, String)>,
) -> anyhow::Result<Adapters> {
    use carddesk_processor::delivery::http::GatewayConfig;
    use carddesk_processor::delivery::{sms::SmsGateway, speech, voice::VoiceGateway};
    let mut adapters = Adapters::local();
    if let Some((url, secret)) = sms {
        adapters.text = Arc::new(SmsGateway::new(GatewayConfig::new(
            url,
            SecretString::from(secret),
        ))?);
    } else {
        tracing::info!("no SMS gateway configured: text instructions stay in the local outbox");
    }
    if let Some((url, secret)) = voice {
        adapters.voice = Arc::new(VoiceGateway::new(
            GatewayConfig::new(url, SecretString::from(secret)),
            speech::platform_engine(),
        )?);
    } else {
        tracing::info!("no voice gateway configured: voice prompts stay in the local outbox");
    }
    Ok(adapters)
}

/// Forgets idempotency keys older than their 24-hour retention, hourly.
async fn forget_idempotency_keys(processor: Processor) {
    let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        hourly.tick().await;
        let before = chrono::Utc::now() - carddesk_server::idempotency::RETENTION;
        let purged = async {
            let mut tx = processor.store().begin().await?;
            let n = tx.purge_idempotency(before).await?;
            tx.commit().await?;
            Ok::<_, carddesk_store::StoreError>(n)
        };
        match purged.await {
            Ok(n) => tracing::debug!(purged = n, "forgot expired idempotency keys"),
            Err(e) => tracing::warn!(error = %e, "could not forget expired idempotency keys"),
        }
    }
}
