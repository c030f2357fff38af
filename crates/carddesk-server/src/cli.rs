//! The binary's command line (part of `carddesk-server`'s `main`, not of
//! the library): the commands, their flags, and the settings those flags
//! give above the environment and the configuration file.

use std::path::PathBuf;

use carddesk_server::config::Overrides;
use clap::{Parser, Subcommand};
use secrecy::SecretString;

/// The CardDesk processor as a server.
#[derive(Debug, Parser)]
#[command(version)]
pub(crate) struct Cli {
    /// A TOML configuration file (see `carddesk.example.toml`); also
    /// `CARDDESK_CONFIG`.
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,
    /// The database: `sqlite:path` or `postgres://…`; also `DATABASE_URL`.
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) database_url: Option<String>,
    /// The master key file (64 hex digits; created when missing); also
    /// `CARDDESK_KEY_FILE`.
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) key_file: Option<PathBuf>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

// One value, parsed once at start: the size of `Serve`'s flags costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
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
    pub(crate) fn overrides(&self) -> Overrides {
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
