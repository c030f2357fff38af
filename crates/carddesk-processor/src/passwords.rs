//! Transaction passwords: Argon2id hashes with the OWASP minimum
//! parameters (m = 19 MiB, t = 2, p = 1) and a fresh salt per value.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

/// Memory cost in KiB (19 MiB).
pub const MEMORY_KIB: u32 = 19 * 1024;
/// Iterations.
pub const ITERATIONS: u32 = 2;
/// Lanes.
pub const PARALLELISM: u32 = 1;

/// The Argon2id instance with the project's parameters.
pub fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .unwrap_or_else(|_| unreachable!("the parameters are within Argon2's limits"));
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub fn hash(password: &SecretString) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_else(|_| unreachable!("hashing with valid parameters and salt cannot fail"))
}

/// Argon2's working memory (19 MiB at the project's parameters), kept for
/// the next check instead of freed. Allocated afresh for every check, it
/// came back from the allocator as new pages on the hashing pool's threads
/// (zeroed by the kernel, faulted in one by one, then cleared again by
/// Argon2): about a fifth more CPU per check, measured. Every block is
/// overwritten on the first pass, so nothing of one check reaches the
/// next's result. At most [`SPARE_MEMORY`] are kept: checks run a few at a
/// time (`hashing`), so that many serve them all.
static SPARE: std::sync::Mutex<Vec<Vec<Block>>> = std::sync::Mutex::new(Vec::new());

/// Working memories kept between checks at most.
const SPARE_MEMORY: usize = 4;

/// Runs `f` on working memory of at least `blocks` blocks.
fn with_memory<T>(blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
    let spare = || {
        SPARE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    let mut memory = spare().pop().unwrap_or_default();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let result = f(&mut memory[..blocks]);
    let mut kept = spare();
    if kept.len() < SPARE_MEMORY {
        kept.push(memory);
    }
    result
}

/// Whether `password` matches the PHC string. The parameters are read from
/// the string, so hashes made with stronger settings keep verifying; the
/// comparison is constant-time.
pub fn verify(phc: &str, password: &SecretString) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params);
    let mut computed = vec![0u8; expected.len()];
    let hashed = with_memory(argon.params().block_count(), |memory| {
        argon.hash_password_into_with_memory(
            password.expose_secret().as_bytes(),
            salt,
            &mut computed,
            memory,
        )
    });
    hashed.is_ok() && bool::from(expected.as_bytes().ct_eq(&computed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::PasswordVerifier;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn the_right_password_verifies_and_no_other() {
        let phc = hash(&secret("482915"));
        assert!(verify(&phc, &secret("482915")));
        assert!(!verify(&phc, &secret("482916")));
        assert!(!verify(&phc, &secret("")));
        assert!(!verify("not a hash", &secret("482915")));
        assert!(!verify(
            &phc.replace("argon2id", "argon2x"),
            &secret("482915")
        ));
    }

    #[test]
    fn kept_memory_serves_other_parameters_and_algorithms() {
        // A smaller hash after the project's, then a larger one, and an
        // Argon2i hash: each is checked with its own parameters on memory
        // kept from the check before, as the argon2 crate checks them.
        let salt = SaltString::encode_b64(b"carddesk salt 16").expect("salt");
        let password = secret("482915");
        let project = hash(&password);
        assert!(verify(&project, &password));
        for (algorithm, m, t) in [
            (Algorithm::Argon2id, 1024, 1),
            (Algorithm::Argon2id, 24 * 1024, 2),
            (Algorithm::Argon2i, 4096, 3),
        ] {
            let params = Params::new(m, t, 1, None).expect("params");
            let other = Argon2::new(algorithm, Version::V0x13, params)
                .hash_password(password.expose_secret().as_bytes(), &salt)
                .expect("hash")
                .to_string();
            assert!(verify(&other, &password), "{other}");
            assert!(!verify(&other, &secret("000000")), "{other}");
            let parsed = PasswordHash::new(&other).expect("parse");
            assert!(
                Argon2::default()
                    .verify_password(password.expose_secret().as_bytes(), &parsed)
                    .is_ok(),
                "the argon2 crate agrees"
            );
        }
        assert!(verify(&project, &password), "and the project's again");
    }

    #[test]
    fn checks_at_once_keep_a_bounded_number_of_memories() {
        let phc = hash(&secret("482915"));
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| assert!(verify(&phc, &secret("482915"))));
            }
        });
        let kept = SPARE.lock().expect("not poisoned");
        assert!(kept.len() <= SPARE_MEMORY, "{} kept", kept.len());
        assert!(!kept.is_empty(), "kept for the next check");
    }
}
