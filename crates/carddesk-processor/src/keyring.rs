//! The keys that protect secrets at rest, and what they do: seal (AEAD),
//! keyed hashes (HMAC), and the audit chain's key.
//!
//! One 32-byte master key lives outside the database (a file readable only
//! by its owner, or a deployment's secret store); every working key is
//! derived from it with HKDF-SHA256 under its own label, so a key used to
//! seal card numbers is never the one that hashes ID numbers.

use std::io::Write;
use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use carddesk_store::AuditKey;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::ProcessorError;

/// What a keyed hash or a sealed value is for. Each purpose has its own key
/// and its own associated data, so a value sealed for one purpose cannot be
/// opened as another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Full card numbers.
    CardNumber,
    /// Identity documents (canonical form).
    IdDocument,
    /// One-time case codes.
    CaseCode,
    /// Customer session tokens.
    Session,
    /// Staff session tokens.
    StaffSession,
    /// Stored first responses of idempotent calls.
    IdempotentResponse,
    /// What a retried idempotent call is matched by: its method, path and
    /// body (which can carry an ID number and a password).
    IdempotentRequest,
    /// Instruction messages in the outbox (they carry the case code).
    Instruction,
    /// The database's record of which master key it is sealed under.
    KeyCheck,
    /// Checkpoints of the audit chain's head, kept outside the database.
    AuditAnchor,
    /// The shuffle of a virtual product's serials into account numbers.
    CardSerial,
    /// A virtual card's security code, derived from its number and expiry.
    SecurityCode,
    /// The keyed hash the bank keeps of a security code.
    SecurityCodeCheck,
    /// The two-card route's one-time codes.
    ApplicationCode,
    /// Interview uploads sealed at rest.
    Media,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::CardNumber => b"carddesk/card-number",
            Purpose::IdDocument => b"carddesk/id-document",
            Purpose::CaseCode => b"carddesk/case-code",
            Purpose::Session => b"carddesk/session",
            Purpose::StaffSession => b"carddesk/staff-session",
            Purpose::IdempotentResponse => b"carddesk/idempotent-response",
            Purpose::IdempotentRequest => b"carddesk/idempotent-request",
            Purpose::Instruction => b"carddesk/instruction",
            Purpose::KeyCheck => b"carddesk/key-check",
            Purpose::AuditAnchor => b"carddesk/audit-anchor",
            Purpose::CardSerial => b"carddesk/card-serial",
            Purpose::SecurityCode => b"carddesk/security-code",
            Purpose::SecurityCodeCheck => b"carddesk/security-code-check",
            Purpose::ApplicationCode => b"carddesk/application-code",
            Purpose::Media => b"carddesk/media",
        }
    }
}

const NONCE_LEN: usize = 12;

/// The master key and everything derived from it.
pub struct Keyring {
    master: SecretBox<[u8; 32]>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keyring(..)")
    }
}

impl Keyring {
    /// A keyring from master key bytes.
    pub fn from_master(master: [u8; 32]) -> Self {
        Self {
            master: SecretBox::new(Box::new(master)),
        }
    }

    /// A fresh random keyring (tests, throw-away demos).
    pub fn generate() -> Self {
        let mut master = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut master);
        Self::from_master(master)
    }

    /// Loads the master key from a file of 64 hex digits, creating the file
    /// with a new random key (readable by its owner only) when it is
    /// missing. Where a database may already hold secrets, open it with
    /// [`crate::keyfile::open_store`] instead: it refuses a new key for a
    /// database sealed under an old one.
    pub fn load_or_create(path: &Path) -> Result<Self, ProcessorError> {
        match Self::load(path)? {
            Some(keyring) => Ok(keyring),
            None => {
                let keyring = Self::generate();
                keyring.save_new(path)?;
                Ok(keyring)
            }
        }
    }

    /// Loads the master key from a file of 64 hex digits; `None` when there
    /// is no such file. A file others than its owner may read is refused
    /// (on Unix): the key opens every secret the bank keeps.
    pub fn load(path: &Path) -> Result<Option<Self>, ProcessorError> {
        let io =
            |e: std::io::Error| ProcessorError::Config(format!("key file {}: {e}", path.display()));
        let text = match std::fs::read_to_string(path) {
            Ok(text) => Zeroizing::new(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(e)),
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).map_err(io)?.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(ProcessorError::Config(format!(
                    "key file {} may be read by others than its owner (mode {:o}); \
                     make it owner-only (chmod 600) and start again",
                    path.display(),
                    mode & 0o777
                )));
            }
        }
        let mut master = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut master).map_err(|_| {
            ProcessorError::Config(format!("key file {} is not 64 hex digits", path.display()))
        })?;
        Ok(Some(Self::from_master(master)))
    }

    /// Writes this key to a new file at `path`, readable by its owner only;
    /// an existing file is never overwritten.
    pub fn save_new(&self, path: &Path) -> Result<(), ProcessorError> {
        let io =
            |e: std::io::Error| ProcessorError::Config(format!("key file {}: {e}", path.display()));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(io)?;
        let text = Zeroizing::new(hex::encode(self.master.expose_secret()));
        file.write_all(text.as_bytes()).map_err(io)
    }

    fn derive(&self, label: &[u8]) -> Zeroizing<[u8; 32]> {
        let hk = Hkdf::<Sha256>::new(None, self.master.expose_secret());
        let mut key = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA256's output limit.
        let _ = hk.expand(label, key.as_mut());
        key
    }

    /// The audit chain's key.
    pub fn audit_key(&self) -> AuditKey {
        AuditKey::new(*self.derive(b"carddesk/audit-chain"))
    }

    /// A keyed hash (HMAC-SHA256) of `value` for `purpose`: equal inputs give
    /// equal digests, and without the key nobody can test a guess.
    pub fn digest(&self, purpose: Purpose, value: &[u8]) -> Vec<u8> {
        let key = self.derive(purpose.label());
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(value);
        mac.finalize().into_bytes().to_vec()
    }

    /// Seals `plaintext` with AES-256-GCM under `purpose`'s key: a random
    /// nonce followed by the ciphertext and tag.
    pub fn seal(&self, purpose: Purpose, plaintext: &[u8]) -> Vec<u8> {
        let key = self.derive(purpose.label());
        let cipher = Aes256Gcm::new_from_slice(key.as_ref())
            .unwrap_or_else(|_| unreachable!("the key is 32 bytes"));
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: purpose.label(),
                },
            )
            .unwrap_or_else(|_| unreachable!("AES-GCM encryption cannot fail for small inputs"));
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens what [`Keyring::seal`] sealed for the same purpose.
    pub fn open(
        &self,
        purpose: Purpose,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, ProcessorError> {
        if sealed.len() < NONCE_LEN {
            return Err(ProcessorError::Sealed);
        }
        let key = self.derive(purpose.label());
        let cipher = Aes256Gcm::new_from_slice(key.as_ref())
            .unwrap_or_else(|_| unreachable!("the key is 32 bytes"));
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: purpose.label(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| ProcessorError::Sealed)
    }
}
