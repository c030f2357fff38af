//! Opening a database with its master key. The key lives outside the
//! database, and the database records which key it is sealed under (a
//! keyed hash of a fixed text, `key_check`). A key file that went missing
//! is not replaced by a new key for a database that holds secrets: the
//! new key could open none of them, and everything sealed from then on
//! would be under a key the old backups know nothing of. So the server and
//! the console refuse to start instead, saying what to restore.

use std::path::Path;
use std::sync::Arc;

use carddesk_store::Store;

use crate::keyring::Purpose;
use crate::{Keyring, ProcessorError, Result};

/// What the key check digests.
const KEY_CHECK_TEXT: &[u8] = b"carddesk master key check v1";

/// The master key in `key_file` and the store at `database_url` (migrated),
/// once they are known to belong together:
///
/// - a key file that exists must match the database's key check (recorded
///   now if the database has none yet);
/// - a missing key file gets a new key only for a database that holds no
///   customer or card and no key check: otherwise this refuses to start,
///   and writes no key file.
pub async fn open_store(
    key_file: &Path,
    database_url: &str,
) -> Result<(Arc<Keyring>, Arc<dyn Store>)> {
    let (keys, is_new) = match Keyring::load(key_file)? {
        Some(keys) => (keys, false),
        None => (Keyring::generate(), true),
    };
    let store = carddesk_store::open(database_url, keys.audit_key()).await?;
    let check = keys.digest(Purpose::KeyCheck, KEY_CHECK_TEXT);
    match store.key_check().await? {
        Some(_) if is_new => return Err(missing(key_file)),
        Some(recorded) if recorded != check => return Err(mismatch(key_file)),
        Some(_) => {}
        None => {
            let (customers, cards) = store.counts().await?;
            if is_new && (customers > 0 || cards > 0) {
                return Err(missing(key_file));
            }
            if is_new {
                keys.save_new(key_file)?;
            }
            if store.record_key_check(&check).await? != check {
                // Another process recorded another key in between.
                return Err(mismatch(key_file));
            }
        }
    }
    Ok((Arc::new(keys), store))
}

fn missing(key_file: &Path) -> ProcessorError {
    ProcessorError::Config(format!(
        "key file {} is missing, and the database holds secrets sealed under its key: \
         restore the key file from where it is kept (no new key is made, since it could \
         open none of them)",
        key_file.display()
    ))
}

fn mismatch(key_file: &Path) -> ProcessorError {
    ProcessorError::Config(format!(
        "the key in {} is not the one this database is sealed under: \
         give the server the database's own key file",
        key_file.display()
    ))
}
