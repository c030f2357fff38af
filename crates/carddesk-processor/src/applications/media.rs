//! Interview uploads at rest: each file sealed (AES-256-GCM under the
//! media key) in a directory outside the database, named by a keyed hash
//! of its SHA-256 (so a name tells nothing of the content to whoever lists
//! the directory, and installations under other keys never share a file);
//! the rows keep the SHA-256 and what was checked of it.

use std::path::{Path, PathBuf};

use carddesk_media::MediaLimits;
use sha2::{Digest, Sha256};

use crate::keyring::{Keyring, Purpose};
use crate::{ProcessorError, Result};

/// Where uploads are kept, what they may be, and for how long.
#[derive(Debug, Clone)]
pub struct MediaSettings {
    /// The directory of sealed files (shared storage when several servers
    /// share a database).
    pub dir: PathBuf,
    /// Size, pixel and duration limits.
    pub limits: MediaLimits,
    /// How long the uploads of an application that ended without a card
    /// (rejected, expired, withdrawn) are kept after it ended. Those behind
    /// an issued card are kept (see [`Processor::forget_past_retention`]).
    ///
    /// [`Processor::forget_past_retention`]: crate::Processor::forget_past_retention
    pub keep_closed_for: chrono::Duration,
}

impl Default for MediaSettings {
    fn default() -> Self {
        Self {
            dir: std::env::temp_dir().join("carddesk-media"),
            limits: MediaLimits::default(),
            keep_closed_for: chrono::Duration::days(30),
        }
    }
}

/// The SHA-256 of a file's content.
pub(super) fn content_hash(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

/// The file holding the content with this SHA-256.
pub(super) fn path_of(dir: &Path, keys: &Keyring, sha256: &[u8]) -> PathBuf {
    let name = keys.digest(Purpose::Media, sha256);
    dir.join(format!("{}.sealed", hex::encode(name)))
}

/// Seals and writes a file (to a temporary name first, so a crash never
/// leaves half a file under the real one).
pub(super) async fn store(
    settings: &MediaSettings,
    keys: &Keyring,
    sha256: &[u8],
    bytes: &[u8],
) -> Result<()> {
    let sealed = keys.seal(Purpose::Media, bytes);
    let path = path_of(&settings.dir, keys, sha256);
    let temporary = path.with_extension(format!("{}.part", rand::random::<u64>()));
    let io = |e: std::io::Error| ProcessorError::Config(format!("media directory: {}", e.kind()));
    tokio::fs::create_dir_all(&settings.dir).await.map_err(io)?;
    tokio::fs::write(&temporary, sealed).await.map_err(io)?;
    tokio::fs::rename(&temporary, &path).await.map_err(io)?;
    Ok(())
}

/// Reads and opens a file; its content must still hash to its name.
pub(super) async fn load(
    settings: &MediaSettings,
    keys: &Keyring,
    sha256: &[u8],
) -> Result<Vec<u8>> {
    let sealed = tokio::fs::read(path_of(&settings.dir, keys, sha256))
        .await
        .map_err(|_| ProcessorError::NotFound("upload"))?;
    let bytes = keys.open(Purpose::Media, &sealed)?.to_vec();
    if content_hash(&bytes) != sha256 {
        return Err(ProcessorError::Sealed);
    }
    Ok(bytes)
}

/// Removes a file unless it was written at or after `unless_since` (an
/// upload of the same content since then wrote it again and needs it);
/// `true` when it was removed.
pub(super) async fn remove_unless_newer(path: &Path, unless_since: std::time::SystemTime) -> bool {
    let Ok(meta) = tokio::fs::metadata(path).await else {
        return false;
    };
    if meta.modified().is_ok_and(|written| written >= unless_since) {
        return false;
    }
    tokio::fs::remove_file(path).await.is_ok()
}
