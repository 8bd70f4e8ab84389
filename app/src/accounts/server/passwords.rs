//! argon2id with the OWASP parameters (19 MiB, 2 passes, 1 lane), run on the blocking
//! pool and bounded by a semaphore so hashing never stalls the async workers.

use crate::state::AppState;
use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::{SaltString, rand_core::OsRng},
};
use std::sync::atomic::{AtomicU64, Ordering};

fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("OWASP parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes synchronously; for start-up and the seed command.
pub fn hash_blocking(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2().hash_password(password.as_bytes(), &salt).expect("argon2 hashing").to_string()
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| argon2().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// How much argon2 work this server has done: the expensive step that cheap checks
/// (codes, throttles) must come before. Read by the tests.
#[derive(Debug, Default)]
pub struct PasswordWork {
    hashes: AtomicU64,
    verifications: AtomicU64,
}

impl PasswordWork {
    pub fn hashes(&self) -> u64 {
        self.hashes.load(Ordering::Relaxed)
    }

    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }
}

pub async fn hash(state: &AppState, password: String) -> String {
    let _permit = state.password_permits.acquire().await.expect("semaphore never closes");
    state.password_work.hashes.fetch_add(1, Ordering::Relaxed);
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await.expect("hashing task")
}

pub async fn verify(state: &AppState, password: String, hash: String) -> bool {
    let _permit = state.password_permits.acquire().await.expect("semaphore never closes");
    state.password_work.verifications.fetch_add(1, Ordering::Relaxed);
    tokio::task::spawn_blocking(move || verify_blocking(&password, &hash)).await.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_use_argon2id() {
        let hash = hash_blocking("correct horse battery");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_blocking("correct horse battery", &hash));
        assert!(!verify_blocking("wrong", &hash));
        assert!(!verify_blocking("x", "not a hash"));
    }
}

/// The shipped list of commonly used passwords (zxcvbn 4.5.0's frequency list, MIT,
/// Copyright (c) 2016 Daniel Wolf, filtered to 8+ characters, plus common Chinese
/// ones), held in memory for the password rules.
pub struct CommonPasswords(std::collections::HashSet<&'static str>);

impl CommonPasswords {
    pub fn load() -> Self {
        Self(include_str!("common_passwords.txt").lines().collect())
    }

    pub fn contains(&self, password: &str) -> bool {
        self.0.contains(password.trim().to_lowercase().as_str())
    }
}

impl std::fmt::Debug for CommonPasswords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CommonPasswords({} entries)", self.0.len())
    }
}

/// Every password rule, for a new password; the error names the field `field`.
pub fn check_new(
    common: &CommonPasswords,
    field: &str,
    password: &str,
    identifiers: &[&str],
) -> crate::error::AppResult<()> {
    use crate::{accounts::domain::password, error::AppError};
    password::check_shape(password, identifiers)
        .map_err(|message| AppError::invalid_field(field, message))?;
    if common.contains(password) {
        return Err(AppError::invalid_field(field, password::TOO_COMMON));
    }
    Ok(())
}

#[cfg(test)]
mod common_tests {
    use super::*;

    #[test]
    fn refuses_common_passwords() {
        let common = CommonPasswords::load();
        assert!(common.contains("password"));
        assert!(common.contains("Woaini1314"));
        assert!(common.contains("12345678"));
        assert!(!common.contains("Xueshi@2026"));
        assert!(check_new(&common, "password", "qwertyuiop", &[]).is_err());
        assert!(check_new(&common, "password", "correct horse battery", &[]).is_ok());
    }
}
