//! The platform's certificate signing keys (Ed25519), kept in `certificate_keys` like
//! the payment keys: made at first start, the newest one not retired signs, and every
//! key stays for verification after a rotation. Several app servers starting at once
//! may each make one; all of them verify, and the newest signs.

use crate::{
    certificates::domain::PublicKey,
    error::{AppError, AppResult},
    platform::server::{crypto::sha256_hex, db::Db},
};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use ed25519_dalek::{Signer, SigningKey};
use rand::RngCore;
use sqlx::{Any, Executor};

/// The key that signs, with its id. Never printed: no `Debug`, no `Serialize`.
pub struct CertificateSigner {
    pub id: String,
    key: SigningKey,
}

impl CertificateSigner {
    /// The signature of `text`, base64url without padding.
    pub fn sign(&self, text: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.key.sign(text.as_bytes()).to_bytes())
    }
}

#[derive(sqlx::FromRow)]
struct SecretRow {
    id: String,
    secret: String,
}

/// A published key and its life.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyRow {
    pub id: String,
    pub public_key: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

impl KeyRow {
    pub fn public(&self) -> PublicKey {
        PublicKey { id: self.id.clone(), public_key: self.public_key.clone() }
    }
}

/// Makes the first key when there is none (at start).
pub async fn ensure(db: &Db, now: i64) -> AppResult<()> {
    let live: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM certificate_keys WHERE retired_at IS NULL")
        .fetch_one(db.reader())
        .await?;
    if live == 0 {
        insert_new(db.writer(), now).await?;
    }
    Ok(())
}

/// A new key signs from now on; the others are retired (they still verify, their
/// secrets are erased). Returns the new key's id.
pub async fn rotate(db: &Db, now: i64) -> AppResult<String> {
    let mut tx = db.begin().await?;
    // A retired key keeps its public half only: should it have leaked, nothing new can
    // be signed with it from here.
    sqlx::query("UPDATE certificate_keys SET retired_at = $1, secret = '' WHERE retired_at IS NULL")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let id = insert_new(&mut *tx, now).await?;
    tx.commit().await?;
    Ok(id)
}

async fn insert_new<'e>(executor: impl Executor<'e, Database = Any>, now: i64) -> AppResult<String> {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let public = SigningKey::from_bytes(&secret).verifying_key();
    // A short id from the public key: printed in every QR code.
    let id = format!("k{}", &sha256_hex(public.as_bytes())[..8]);
    sqlx::query(
        "INSERT INTO certificate_keys (id, secret, public_key, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&id)
    .bind(URL_SAFE_NO_PAD.encode(secret))
    .bind(URL_SAFE_NO_PAD.encode(public.as_bytes()))
    .bind(now)
    .execute(executor)
    .await?;
    Ok(id)
}

/// The key that signs now: the newest not retired.
pub async fn signer<'e>(executor: impl Executor<'e, Database = Any>) -> AppResult<CertificateSigner> {
    let row: Option<SecretRow> = sqlx::query_as(
        "SELECT id, secret FROM certificate_keys WHERE retired_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .fetch_optional(executor)
    .await?;
    let row = row.ok_or_else(|| AppError::internal("no certificate signing key"))?;
    let secret: [u8; 32] = URL_SAFE_NO_PAD
        .decode(&row.secret)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| AppError::internal("a certificate key does not decode"))?;
    Ok(CertificateSigner { id: row.id, key: SigningKey::from_bytes(&secret) })
}

/// Every key, newest first: what `/.well-known/xueshi-keys.json` publishes.
pub async fn all<'e>(executor: impl Executor<'e, Database = Any>) -> AppResult<Vec<KeyRow>> {
    Ok(sqlx::query_as(
        "SELECT id, public_key, created_at, retired_at FROM certificate_keys ORDER BY created_at DESC, id DESC",
    )
    .fetch_all(executor)
    .await?)
}
