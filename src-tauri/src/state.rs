//! What the shell holds between commands: the desk (switched by the
//! settings), the staff session's token (never sent to the front-end), and
//! the demo phone's customer session.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use carddesk_wire::{Desk, DeskError, DeskResult, ErrorCode, Token};
use secrecy::SecretString;
use tauri::AppHandle;
use tauri::async_runtime::JoinHandle;
use tokio::sync::{Mutex, OwnedRwLockWriteGuard, RwLock, RwLockReadGuard};

use crate::desk::ActiveDesk;
use crate::events;

/// The signed-in staff session.
#[derive(Debug)]
struct Session {
    /// Tells this session apart from a later one, so an old session's
    /// watcher ending does not end the new one.
    id: u64,
    token: Token,
    /// Forwards the session's live events to the main window.
    watcher: Option<JoinHandle<()>>,
}

/// The demo phone's customer session: the token `request_unfreeze` gave.
#[derive(Debug)]
pub struct PhoneSession {
    /// The bearer token of the customer's session.
    pub token: SecretString,
    /// The case it opens.
    pub case_id: i64,
}

/// The console's state, managed by Tauri.
#[derive(Debug)]
pub struct Console {
    /// Held for writing while a desk opens, so commands wait for it.
    desk: Arc<RwLock<DeskResult<ActiveDesk>>>,
    session: Mutex<Option<Session>>,
    next_session: AtomicU64,
    /// The demo phone's customer session.
    pub phone: Mutex<Option<PhoneSession>>,
    /// Where the settings file lives.
    pub config_dir: PathBuf,
    /// Where the offline demo's bank lives.
    pub data_dir: PathBuf,
    /// For telling the windows when the session ends.
    app: AppHandle,
}

fn not_started() -> DeskError {
    DeskError::new(ErrorCode::Unavailable, "the desk is still starting")
}

fn no_session() -> DeskError {
    DeskError::new(ErrorCode::Unauthenticated, "sign in first")
}

impl Console {
    /// A console whose desk is not open yet.
    pub fn new(app: AppHandle, config_dir: PathBuf, data_dir: PathBuf) -> Self {
        Self {
            app,
            desk: Arc::new(RwLock::new(Err(not_started()))),
            session: Mutex::new(None),
            next_session: AtomicU64::new(1),
            phone: Mutex::new(None),
            config_dir,
            data_dir,
        }
    }

    /// The slot of the first desk, claimed before anything can ask for
    /// it, so the first commands wait for the desk instead of failing.
    pub fn claim_for_opening(&self) -> Option<OwnedRwLockWriteGuard<DeskResult<ActiveDesk>>> {
        self.desk.clone().try_write_owned().ok()
    }

    /// The slot of the active desk, for writing: while held, every command
    /// waits. Used to open the first desk and to switch.
    pub async fn desk_slot(&self) -> tokio::sync::RwLockWriteGuard<'_, DeskResult<ActiveDesk>> {
        self.desk.write().await
    }

    /// The active desk (waiting while one opens), or why there is none.
    pub async fn active(&self) -> DeskResult<RwLockReadGuard<'_, ActiveDesk>> {
        let guard = self.desk.read().await;
        RwLockReadGuard::try_map(guard, |slot| slot.as_ref().ok())
            .map_err(|guard| guard.as_ref().err().cloned().unwrap_or_else(not_started))
    }

    /// The desk every command asks.
    pub async fn desk(&self) -> DeskResult<Arc<dyn Desk>> {
        Ok(self.active().await?.desk.clone())
    }

    /// Runs `call` with the desk and the session's token. A call the desk
    /// refuses as `unauthenticated` means the session ended on its side
    /// (expired, signed out elsewhere): the shell forgets it too.
    pub async fn with_session<T, F, Fut>(&self, call: F) -> DeskResult<T>
    where
        F: FnOnce(Arc<dyn Desk>, Token) -> Fut,
        Fut: Future<Output = DeskResult<T>>,
    {
        let desk = self.desk().await?;
        let (id, token) = {
            let session = self.session.lock().await;
            let session = session.as_ref().ok_or_else(no_session)?;
            (session.id, session.token.clone())
        };
        let answer = call(desk, token).await;
        if let Err(e) = &answer
            && e.code == ErrorCode::Unauthenticated
        {
            self.forget_session(id).await;
        }
        answer
    }

    /// Keeps a new session's token, ending (locally) any earlier one, and
    /// returns the session's id for [`Self::watch_session`].
    pub async fn start_session(&self, token: Token) -> u64 {
        let id = self.next_session.fetch_add(1, Ordering::Relaxed);
        let earlier = self.session.lock().await.replace(Session {
            id,
            token,
            watcher: None,
        });
        if let Some(watcher) = earlier.and_then(|s| s.watcher) {
            watcher.abort();
        }
        id
    }

    /// Attaches the task forwarding session `id`'s events; it is stopped
    /// when the session ends. A session already gone stops it at once.
    pub async fn watch_session(&self, id: u64, watcher: JoinHandle<()>) {
        let mut session = self.session.lock().await;
        match session.as_mut() {
            Some(s) if s.id == id => s.watcher = Some(watcher),
            _ => watcher.abort(),
        }
    }

    /// Ends the session, whatever it is, tells the main window, and
    /// returns its token for the desk's sign-out.
    pub async fn end_session(&self) -> Option<Token> {
        let session = self.session.lock().await.take()?;
        Some(self.ended(session))
    }

    /// Ends session `id` if it is still the current one (its desk refused
    /// its token, or its event stream ended).
    pub async fn forget_session(&self, id: u64) {
        let mut current = self.session.lock().await;
        if current.as_ref().is_some_and(|s| s.id == id)
            && let Some(session) = current.take()
        {
            drop(current);
            self.ended(session);
        }
    }

    /// Tells the main window, then stops the session's watcher (last: the
    /// watcher may be the caller).
    fn ended(&self, session: Session) -> Token {
        events::session_ended(&self.app);
        if let Some(watcher) = session.watcher {
            watcher.abort();
        }
        session.token
    }

    /// Whether a session is current.
    pub async fn signed_in(&self) -> bool {
        self.session.lock().await.is_some()
    }
}
