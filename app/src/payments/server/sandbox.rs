//! The built-in sandbox gateway. From the outside it behaves like WeChat Pay v3: the
//! code URL leads to a cashier page that plays the wallet; paying makes the gateway
//! send a signed notification to the notify URL over HTTP, asynchronously, repeating
//! it with back-off until it is acknowledged; the query operation reports the state.
//! It signs with Ed25519; its key pair is made at first start and kept in
//! `gateway_keys`, so every app server verifies with the same public key.

use super::provider::{
    GatewayState, NotificationRefused, PaymentProvider, PaymentRequest, RefundRequest, RefundState,
};
use crate::{
    error::{AppError, AppResult, ErrorKind},
    payments::api::CashierView,
    payments::domain::{
        Channel, NONCE_HEADER, PaymentNotice, RefundNotice, SIGNATURE_HEADER, TIMESTAMP_HEADER, is_fresh,
        retry_delay_seconds, signing_message,
    },
    platform::{
        money::Fen,
        server::{crypto::random_token, db::Db},
        time::now_ms,
    },
};
use base64::{Engine, engine::general_purpose::STANDARD};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use futures::future::BoxFuture;
use rand::RngCore;

pub const NAME: &str = "sandbox";
const KEY_NAME: &str = "sandbox";

#[derive(sqlx::FromRow)]
struct CashierRow {
    amount_fen: Fen,
    #[sqlx(try_from = "String")]
    channel: Channel,
    description: String,
    status: String,
}

#[derive(sqlx::FromRow)]
struct DuePayment {
    id: String,
    out_trade_no: String,
    amount_fen: Fen,
    paid_at: i64,
    notify_url: String,
    attempts: i64,
}

#[derive(sqlx::FromRow)]
struct DueRefund {
    id: String,
    out_refund_no: String,
    out_trade_no: String,
    amount_fen: Fen,
    succeeded_at: i64,
    notify_url: String,
    attempts: i64,
}

#[derive(sqlx::FromRow)]
struct TransactionRow {
    id: String,
    amount_fen: Fen,
    status: String,
    paid_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct PaidRow {
    amount_fen: Fen,
    status: String,
}

#[derive(sqlx::FromRow)]
struct RefundRow {
    id: String,
    out_trade_no: String,
    amount_fen: Fen,
    status: String,
    succeeded_at: Option<i64>,
}

#[derive(Clone)]
pub struct Sandbox {
    db: Db,
    signing: SigningKey,
    verifying: VerifyingKey,
    /// Where the cashier pages are served (scheme://host:port).
    base_url: String,
    /// Off in production unless configured: the cashier pays without money.
    enabled: bool,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Loads the key pair, or makes and keeps one (first start).
    pub async fn load_or_create(db: &Db, base_url: String, enabled: bool) -> Result<Self, sqlx::Error> {
        let stored: Option<String> = sqlx::query_scalar("SELECT secret FROM gateway_keys WHERE name = $1")
            .bind(KEY_NAME)
            .fetch_optional(db.reader())
            .await?;
        let secret =
            match stored.and_then(|s| STANDARD.decode(s).ok()).and_then(|b| <[u8; 32]>::try_from(b).ok()) {
                Some(secret) => secret,
                None => {
                    let mut secret = [0u8; 32];
                    rand::rng().fill_bytes(&mut secret);
                    let public = SigningKey::from_bytes(&secret).verifying_key();
                    // Two servers starting at once: the first insert wins, both read it back.
                    sqlx::query(
                    "INSERT INTO gateway_keys (name, secret, public_key, created_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (name) DO NOTHING",
                )
                .bind(KEY_NAME)
                .bind(STANDARD.encode(secret))
                .bind(STANDARD.encode(public.as_bytes()))
                .bind(now_ms())
                .execute(db.writer())
                .await?;
                    let kept: String = sqlx::query_scalar("SELECT secret FROM gateway_keys WHERE name = $1")
                        .bind(KEY_NAME)
                        .fetch_one(db.reader())
                        .await?;
                    STANDARD.decode(kept).ok().and_then(|b| <[u8; 32]>::try_from(b).ok()).unwrap_or(secret)
                }
            };
        let signing = SigningKey::from_bytes(&secret);
        Ok(Self { db: db.clone(), verifying: signing.verifying_key(), signing, base_url, enabled })
    }

    /// Signs a body as the gateway does: (timestamp in seconds, nonce, base64 signature).
    pub fn sign(&self, body: &str, now: i64) -> (i64, String, String) {
        let timestamp = now / 1000;
        let nonce = random_token(12);
        let signature = self.signing.sign(signing_message(timestamp, &nonce, body).as_bytes());
        (timestamp, nonce, STANDARD.encode(signature.to_bytes()))
    }

    pub async fn cashier(&self, id: &str) -> AppResult<CashierView> {
        let row: Option<CashierRow> = sqlx::query_as(
            "SELECT amount_fen, channel, description, status FROM sandbox_transactions WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.db.reader())
        .await?;
        let row = row.ok_or_else(|| AppError::not_found("收款码已失效"))?;
        Ok(CashierView {
            id: id.to_owned(),
            amount_fen: row.amount_fen,
            channel: row.channel,
            description: row.description,
            status: row.status,
        })
    }

    fn refuse_when_disabled(&self) -> AppResult<()> {
        if self.enabled {
            Ok(())
        } else {
            Err(AppError::new(ErrorKind::Forbidden, "在线支付暂未开通，请选择线下转账"))
        }
    }

    /// A switched-off sandbox refunds nothing either: it took no real money.
    fn refund_when_enabled(&self) -> AppResult<()> {
        if self.enabled {
            Ok(())
        } else {
            Err(AppError::new(ErrorKind::Forbidden, "在线退款暂不可用"))
        }
    }

    /// The wallet's answer: pay (the notification goes out at once) or cancel.
    pub async fn decide(&self, id: &str, pay: bool, now: i64) -> AppResult<()> {
        self.refuse_when_disabled()?;
        let changed = if pay {
            sqlx::query(
                "UPDATE sandbox_transactions SET status = 'paid', paid_at = $1, next_attempt_at = $1
                 WHERE id = $2 AND status = 'created'",
            )
            .bind(now)
            .bind(id)
            .execute(self.db.writer())
            .await?
        } else {
            sqlx::query(
                "UPDATE sandbox_transactions SET status = 'cancelled' WHERE id = $1 AND status = 'created'",
            )
            .bind(id)
            .execute(self.db.writer())
            .await?
        };
        if changed.rows_affected() != 1 {
            return Err(AppError::conflict("该笔交易已处理"));
        }
        Ok(())
    }

    fn notice_body(out_trade_no: &str, id: &str, amount_fen: Fen, paid_at: i64) -> String {
        let notice = PaymentNotice {
            out_trade_no: out_trade_no.to_owned(),
            transaction_id: id.to_owned(),
            amount_fen,
            trade_state: "SUCCESS".to_owned(),
            success_time: paid_at,
        };
        serde_json::to_string(&notice).unwrap_or_default()
    }

    /// Sends the notifications that are due, payments and refunds; called every second
    /// by the notifier.
    pub async fn deliver_due(&self, client: &NotifyClient, now: i64) -> Result<usize, sqlx::Error> {
        if !self.enabled {
            return Ok(0);
        }
        Ok(self.deliver_due_payments(client, now).await? + self.deliver_due_refunds(client, now).await?)
    }

    async fn deliver_due_payments(&self, client: &NotifyClient, now: i64) -> Result<usize, sqlx::Error> {
        let due: Vec<DuePayment> = sqlx::query_as(
            "SELECT id, out_trade_no, amount_fen, paid_at, notify_url, attempts FROM sandbox_transactions
             WHERE status = 'paid' AND acknowledged_at IS NULL AND next_attempt_at IS NOT NULL
               AND next_attempt_at <= $1
             ORDER BY next_attempt_at LIMIT 50",
        )
        .bind(now)
        .fetch_all(self.db.reader())
        .await?;
        let mut delivered = 0;
        for DuePayment { id, out_trade_no, amount_fen, paid_at, notify_url, attempts } in due {
            let body = Self::notice_body(&out_trade_no, &id, amount_fen, paid_at);
            let (timestamp, nonce, signature) = self.sign(&body, now_ms());
            let acknowledged = client.post(&notify_url, &body, timestamp, &nonce, &signature).await;
            if acknowledged {
                sqlx::query(
                    "UPDATE sandbox_transactions SET acknowledged_at = $1, attempts = $2 WHERE id = $3",
                )
                .bind(now_ms())
                .bind(attempts + 1)
                .bind(&id)
                .execute(self.db.writer())
                .await?;
                delivered += 1;
            } else {
                let next = retry_delay_seconds(attempts + 1).map(|s| now + s * 1000);
                tracing::info!(%out_trade_no, attempts = attempts + 1, ?next, "sandbox notification not acknowledged");
                sqlx::query(
                    "UPDATE sandbox_transactions SET attempts = $1, next_attempt_at = $2 WHERE id = $3",
                )
                .bind(attempts + 1)
                .bind(next)
                .bind(&id)
                .execute(self.db.writer())
                .await?;
            }
        }
        Ok(delivered)
    }

    fn refund_body(out_refund_no: &str, out_trade_no: &str, id: &str, amount_fen: Fen, at: i64) -> String {
        let notice = RefundNotice {
            out_refund_no: out_refund_no.to_owned(),
            out_trade_no: out_trade_no.to_owned(),
            refund_id: id.to_owned(),
            amount_fen,
            refund_status: "SUCCESS".to_owned(),
            success_time: at,
        };
        serde_json::to_string(&notice).unwrap_or_default()
    }

    async fn deliver_due_refunds(&self, client: &NotifyClient, now: i64) -> Result<usize, sqlx::Error> {
        let due: Vec<DueRefund> = sqlx::query_as(
            "SELECT id, out_refund_no, out_trade_no, amount_fen, succeeded_at, notify_url, attempts
             FROM sandbox_refunds
             WHERE status = 'succeeded' AND acknowledged_at IS NULL AND next_attempt_at IS NOT NULL
               AND next_attempt_at <= $1
             ORDER BY next_attempt_at LIMIT 50",
        )
        .bind(now)
        .fetch_all(self.db.reader())
        .await?;
        let mut delivered = 0;
        for DueRefund { id, out_refund_no, out_trade_no, amount_fen, succeeded_at, notify_url, attempts } in
            due
        {
            let body = Self::refund_body(&out_refund_no, &out_trade_no, &id, amount_fen, succeeded_at);
            let (timestamp, nonce, signature) = self.sign(&body, now_ms());
            let acknowledged = client.post(&notify_url, &body, timestamp, &nonce, &signature).await;
            let next =
                if acknowledged { None } else { retry_delay_seconds(attempts + 1).map(|s| now + s * 1000) };
            if !acknowledged {
                tracing::info!(%out_refund_no, attempts = attempts + 1, ?next, "sandbox refund notification not acknowledged");
            }
            sqlx::query(
                "UPDATE sandbox_refunds SET attempts = $1, next_attempt_at = $2,
                 acknowledged_at = CASE WHEN $3 = 1 THEN $4 ELSE acknowledged_at END WHERE id = $5",
            )
            .bind(attempts + 1)
            .bind(next)
            .bind(i64::from(acknowledged))
            .bind(now_ms())
            .bind(&id)
            .execute(self.db.writer())
            .await?;
            delivered += usize::from(acknowledged);
        }
        Ok(delivered)
    }

    /// Checks a notification's headers, freshness and signature over `body`, then reads
    /// the body, which must report success.
    fn verify_signed<T: serde::de::DeserializeOwned>(
        &self,
        headers: &http::HeaderMap,
        body: &str,
        now: i64,
        succeeded: fn(&T) -> bool,
    ) -> Result<T, NotificationRefused> {
        if !self.enabled {
            return Err(NotificationRefused::Disabled);
        }
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let (Some(timestamp), Some(nonce), Some(signature)) =
            (text(TIMESTAMP_HEADER), text(NONCE_HEADER), text(SIGNATURE_HEADER))
        else {
            return Err(NotificationRefused::MissingHeaders);
        };
        let timestamp: i64 = timestamp.parse().map_err(|_| NotificationRefused::MissingHeaders)?;
        if !is_fresh(timestamp, now) {
            return Err(NotificationRefused::Stale);
        }
        let signature = STANDARD
            .decode(signature)
            .ok()
            .and_then(|bytes| <[u8; 64]>::try_from(bytes).ok())
            .map(|bytes| Signature::from_bytes(&bytes))
            .ok_or(NotificationRefused::BadSignature)?;
        self.verifying
            .verify(signing_message(timestamp, nonce, body).as_bytes(), &signature)
            .map_err(|_| NotificationRefused::BadSignature)?;
        let notice: T = serde_json::from_str(body).map_err(|_| NotificationRefused::BadBody)?;
        if !succeeded(&notice) {
            return Err(NotificationRefused::BadBody);
        }
        Ok(notice)
    }
}

impl PaymentProvider for Sandbox {
    fn name(&self) -> &'static str {
        NAME
    }

    fn create<'a>(&'a self, request: &'a PaymentRequest) -> BoxFuture<'a, AppResult<String>> {
        Box::pin(async move {
            self.refuse_when_disabled()?;
            let id = format!("SBX{}", random_token(12));
            sqlx::query(
                "INSERT INTO sandbox_transactions (id, out_trade_no, amount_fen, channel, description, notify_url, status, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 'created', $7)",
            )
            .bind(&id)
            .bind(&request.out_trade_no)
            .bind(request.amount_fen)
            .bind(request.channel.code())
            .bind(&request.description)
            .bind(&request.notify_url)
            .bind(now_ms())
            .execute(self.db.writer())
            .await?;
            Ok(format!("{}/sandbox/cashier/{id}", self.base_url))
        })
    }

    fn query<'a>(&'a self, out_trade_no: &'a str) -> BoxFuture<'a, AppResult<GatewayState>> {
        Box::pin(async move {
            let row: Option<TransactionRow> = sqlx::query_as(
                "SELECT id, amount_fen, status, paid_at FROM sandbox_transactions WHERE out_trade_no = $1",
            )
            .bind(out_trade_no)
            .fetch_optional(self.db.reader())
            .await?;
            Ok(match row {
                Some(TransactionRow { id, amount_fen, status, paid_at: Some(paid_at) })
                    if status == "paid" =>
                {
                    GatewayState::Paid(PaymentNotice {
                        out_trade_no: out_trade_no.to_owned(),
                        transaction_id: id,
                        amount_fen,
                        trade_state: "SUCCESS".to_owned(),
                        success_time: paid_at,
                    })
                }
                Some(row) if row.status == "cancelled" || row.status == "closed" => GatewayState::Closed,
                _ => GatewayState::NotPaid,
            })
        })
    }

    /// Like WeChat Pay's 关闭订单: a created (or cancelled) transaction closes and its
    /// cashier refuses to pay; a paid one stays paid and is reported as such.
    fn close<'a>(&'a self, out_trade_no: &'a str) -> BoxFuture<'a, AppResult<GatewayState>> {
        Box::pin(async move {
            sqlx::query(
                "UPDATE sandbox_transactions SET status = 'closed'
                 WHERE out_trade_no = $1 AND status IN ('created', 'cancelled')",
            )
            .bind(out_trade_no)
            .execute(self.db.writer())
            .await?;
            match self.query(out_trade_no).await? {
                GatewayState::Paid(notice) => Ok(GatewayState::Paid(notice)),
                GatewayState::NotPaid | GatewayState::Closed => Ok(GatewayState::Closed),
            }
        })
    }

    fn verify_notification(
        &self,
        headers: &http::HeaderMap,
        body: &str,
        now: i64,
    ) -> Result<PaymentNotice, NotificationRefused> {
        self.verify_signed(headers, body, now, |notice: &PaymentNotice| notice.trade_state == "SUCCESS")
    }

    /// Like a real gateway, refuses a refund of an unpaid transaction, or one that
    /// would take back more than was paid; the same refund number twice is accepted
    /// once (idempotent).
    fn refund<'a>(&'a self, request: &'a RefundRequest) -> BoxFuture<'a, AppResult<()>> {
        Box::pin(async move {
            self.refund_when_enabled()?;
            let mut tx = self.db.begin().await?;
            let paid: Option<PaidRow> =
                sqlx::query_as("SELECT amount_fen, status FROM sandbox_transactions WHERE out_trade_no = $1")
                    .bind(&request.out_trade_no)
                    .fetch_optional(&mut *tx)
                    .await?;
            let paid_fen = match paid {
                Some(row) if row.status == "paid" => row.amount_fen,
                _ => return Err(AppError::conflict("支付渠道：原交易不存在或未支付")),
            };
            let existing: Option<Fen> =
                sqlx::query_scalar("SELECT amount_fen FROM sandbox_refunds WHERE out_refund_no = $1")
                    .bind(&request.out_refund_no)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(amount) = existing {
                return if amount == request.amount_fen {
                    Ok(())
                } else {
                    Err(AppError::conflict("支付渠道：退款单号重复"))
                };
            }
            let refunded: Fen = sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM sandbox_refunds WHERE out_trade_no = $1",
            )
            .bind(&request.out_trade_no)
            .fetch_one(&mut *tx)
            .await?;
            let after = refunded
                .checked_add(request.amount_fen)
                .ok_or_else(|| AppError::internal("sandbox refunds overflow"))?;
            if request.amount_fen == Fen::ZERO || after > paid_fen {
                return Err(AppError::conflict("支付渠道：退款金额超过可退金额"));
            }
            let now = now_ms();
            sqlx::query(
                "INSERT INTO sandbox_refunds (id, out_refund_no, out_trade_no, amount_fen, notify_url, status,
                 succeeded_at, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, 'succeeded', $6, $6, $6)",
            )
            .bind(format!("SBR{}", random_token(12)))
            .bind(&request.out_refund_no)
            .bind(&request.out_trade_no)
            .bind(request.amount_fen)
            .bind(&request.notify_url)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn query_refund<'a>(&'a self, out_refund_no: &'a str) -> BoxFuture<'a, AppResult<RefundState>> {
        Box::pin(async move {
            let row: Option<RefundRow> = sqlx::query_as(
                "SELECT id, out_trade_no, amount_fen, status, succeeded_at FROM sandbox_refunds WHERE out_refund_no = $1",
            )
            .bind(out_refund_no)
            .fetch_optional(self.db.reader())
            .await?;
            Ok(match row {
                Some(RefundRow { id, out_trade_no, amount_fen, status, succeeded_at: Some(at) })
                    if status == "succeeded" =>
                {
                    RefundState::Succeeded(RefundNotice {
                        out_refund_no: out_refund_no.to_owned(),
                        out_trade_no,
                        refund_id: id,
                        amount_fen,
                        refund_status: "SUCCESS".to_owned(),
                        success_time: at,
                    })
                }
                Some(row) if row.status == "failed" => RefundState::Failed,
                Some(_) => RefundState::Processing,
                None => RefundState::Unknown,
            })
        })
    }

    fn verify_refund_notification(
        &self,
        headers: &http::HeaderMap,
        body: &str,
        now: i64,
    ) -> Result<RefundNotice, NotificationRefused> {
        self.verify_signed(headers, body, now, |notice: &RefundNotice| notice.refund_status == "SUCCESS")
    }
}

/// The sandbox's outbound HTTP, as a gateway's servers would call ours.
#[derive(Clone)]
pub struct NotifyClient {
    client: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Full<bytes::Bytes>,
    >,
}

impl Default for NotifyClient {
    fn default() -> Self {
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
        Self { client }
    }
}

impl NotifyClient {
    /// POSTs a signed notification; true when the receiver acknowledged it (2xx).
    pub async fn post(&self, url: &str, body: &str, timestamp: i64, nonce: &str, signature: &str) -> bool {
        let request = http::Request::post(url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(NONCE_HEADER, nonce)
            .header(SIGNATURE_HEADER, signature)
            .body(http_body_util::Full::new(bytes::Bytes::from(body.to_owned())));
        let Ok(request) = request else { return false };
        let send = self.client.request(request);
        match tokio::time::timeout(std::time::Duration::from_secs(10), send).await {
            Ok(Ok(response)) => response.status().is_success(),
            Ok(Err(err)) => {
                tracing::info!(error = %err, %url, "sandbox notification failed");
                false
            }
            Err(_) => false,
        }
    }
}
