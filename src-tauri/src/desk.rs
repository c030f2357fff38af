//! Choosing the desk from the settings: the processor in-process on the
//! demo bank (offline), or the HTTP client against a shared server
//! (connected). Both are a `carddesk_wire::Desk`, so nothing past this file
//! knows which it has, except the demo's phone, which needs the processor.

use std::path::Path;
use std::sync::Arc;

use carddesk_client::{ClientConfig, HttpDesk};
use carddesk_processor::Processor;
use carddesk_processor::desk::LocalDesk;
use carddesk_wire::{Desk, DeskError, DeskMode, DeskResult, ErrorCode};
use serde::Serialize;

use crate::offline::{self, OfflineProcessor};
use crate::settings::{self, ConsoleSettings};

/// The desk the console works against now.
#[derive(Debug)]
pub struct ActiveDesk {
    /// The desk every command asks.
    pub desk: Arc<dyn Desk>,
    /// The settings it was opened from.
    pub settings: ConsoleSettings,
    /// The processor, when it runs in-process (the offline demo).
    offline: Option<OfflineProcessor>,
}

/// What the console tells the front-end about its desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeskInfo {
    /// Offline or connected.
    pub mode: DeskMode,
    /// The console's version, as in its Cargo package.
    pub version: String,
    /// The server's address, when connected.
    pub server_url: Option<String>,
    /// Whether this is the offline demo (its demo staff, phone window and
    /// demo sign-in).
    pub demo: bool,
    /// On the offline demo, the last four digits of the phone of a demo
    /// customer to try (a card frozen for the wrong-PIN limit, no open
    /// case), for the first-run tour; `None` otherwise. Demo data, shown
    /// masked to every agent anyway.
    pub demo_hint: Option<String>,
}

impl ActiveDesk {
    /// Opens the desk `settings` name; the offline demo's bank lives in
    /// `data_dir`.
    pub async fn open(settings: ConsoleSettings, data_dir: &Path) -> DeskResult<Self> {
        match settings.mode {
            DeskMode::Offline => {
                let offline = offline::open(data_dir).await.map_err(|e| {
                    tracing::error!(error = %e, "the offline demo bank could not be opened");
                    DeskError::new(
                        ErrorCode::Unavailable,
                        format!(
                            "the offline demo bank in {} could not be opened",
                            data_dir.display()
                        ),
                    )
                })?;
                Ok(Self {
                    desk: Arc::new(LocalDesk::new(offline.processor.clone())),
                    settings,
                    offline: Some(offline),
                })
            }
            DeskMode::Connected => {
                let url = settings.server_url.as_deref().ok_or_else(|| {
                    DeskError::invalid("a connected desk needs the server's address")
                })?;
                let mut config = ClientConfig::new(settings::server_url(url)?);
                if let Some(path) = &settings.ca_certificate {
                    config.extra_root_certificate_pem =
                        Some(settings::read_certificate(path)?.into_bytes());
                }
                Ok(Self {
                    desk: Arc::new(HttpDesk::new(config)?),
                    settings,
                    offline: None,
                })
            }
        }
    }

    /// The in-process processor, for the demo's phone; refused on a
    /// shared server, whose customers use their own phones.
    pub fn demo_processor(&self) -> DeskResult<&Processor> {
        self.offline
            .as_ref()
            .map(|o| &o.processor)
            .ok_or_else(offline_only)
    }

    /// Where the offline demo serves its customer pages
    /// (`http://127.0.0.1:<port>`).
    pub fn demo_pages(&self) -> DeskResult<&str> {
        self.offline
            .as_ref()
            .map(|o| o.pages_base.as_str())
            .ok_or_else(offline_only)
    }

    /// Whether this is the offline demo.
    pub fn is_demo(&self) -> bool {
        self.offline.is_some()
    }

    /// What the front-end shows about the desk.
    pub fn info(&self) -> DeskInfo {
        DeskInfo {
            mode: self.desk.mode(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            server_url: match self.desk.mode() {
                DeskMode::Connected => self.settings.server_url.clone(),
                DeskMode::Offline => None,
            },
            demo: self.is_demo(),
            demo_hint: self.offline.as_ref().and_then(|o| o.demo_hint.clone()),
        }
    }
}

/// The refusal of a demo-only command on a connected desk.
pub fn offline_only() -> DeskError {
    DeskError::new(
        ErrorCode::NotAvailable,
        "only the offline demo offers this; a shared server's customers use their own phones",
    )
}
