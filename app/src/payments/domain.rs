//! Scan-to-pay as the gateways define it: channels, the notification a gateway sends
//! when a payment succeeds, how it is signed, how fresh it must be, and how often an
//! unacknowledged notification is sent again.

use crate::platform::money::Fen;
use serde::{Deserialize, Serialize};

/// The provider name of bank transfers (线下转账) in `payments`.
pub const TRANSFER: &str = "transfer";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Wechat,
    Alipay,
    Unionpay,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Self::Wechat, Self::Alipay, Self::Unionpay];

    pub fn code(self) -> &'static str {
        match self {
            Self::Wechat => "wechat",
            Self::Alipay => "alipay",
            Self::Unionpay => "unionpay",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Wechat => "微信支付",
            Self::Alipay => "支付宝",
            Self::Unionpay => "云闪付",
        }
    }
}

/// Where one payment attempt stands. An order has at most one `Pending` payment (its
/// live one); a payment the gateway took for an order that no longer wanted it is
/// `Returned`: sent back automatically, never kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// The order's live payment: a QR code waiting for the wallet, or a bank transfer
    /// waiting for finance.
    Pending,
    /// The money arrived and paid the order.
    Succeeded,
    /// The gateway could not create it.
    Failed,
    /// Replaced by another wallet, or its order closed: closed at the gateway too.
    Closed,
    /// Finance refused a bank transfer.
    Rejected,
    /// Money that arrived for a payment that was no longer live, or for an order that
    /// was closed or already paid: refunded automatically (a refund of kind `return`).
    Returned,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 6] =
        [Self::Pending, Self::Succeeded, Self::Failed, Self::Closed, Self::Rejected, Self::Returned];

    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Closed => "closed",
            Self::Rejected => "rejected",
            Self::Returned => "returned",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

crate::stored_code!(Channel, PaymentStatus);

/// Why money that arrived is sent back (the refund's reason, shown to finance and the
/// trainee).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnReason {
    /// The order was paid by another payment, or this one had been replaced.
    Duplicate,
    /// The order had closed (its window passed) or was refunded.
    OrderClosed,
}

impl ReturnReason {
    pub fn label(self) -> &'static str {
        match self {
            Self::Duplicate => "重复支付",
            Self::OrderClosed => "订单已关闭",
        }
    }
}

/// The body of a payment notification (JSON), as the gateway sends it. A negative
/// amount does not parse (the notification is refused as a bad body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentNotice {
    pub out_trade_no: String,
    pub transaction_id: String,
    pub amount_fen: Fen,
    /// `SUCCESS` for a paid transaction.
    pub trade_state: String,
    pub success_time: i64,
}

/// The body of a refund notification (JSON): the gateway has paid the money back. A
/// negative amount does not parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundNotice {
    pub out_refund_no: String,
    pub out_trade_no: String,
    pub refund_id: String,
    pub amount_fen: Fen,
    /// `SUCCESS` once the money is back with the payer.
    pub refund_status: String,
    pub success_time: i64,
}

/// Header names of a signed notification (after WeChat Pay v3's `Wechatpay-*`).
pub const TIMESTAMP_HEADER: &str = "xueshi-pay-timestamp";
pub const NONCE_HEADER: &str = "xueshi-pay-nonce";
pub const SIGNATURE_HEADER: &str = "xueshi-pay-signature";

/// What is signed: timestamp, nonce and body, each followed by a newline, so none of
/// them can be swapped or cut without breaking the signature.
pub fn signing_message(timestamp: i64, nonce: &str, body: &str) -> String {
    format!("{timestamp}\n{nonce}\n{body}\n")
}

/// Notifications older (or further in the future) than this are refused as replays.
pub const FRESHNESS_SECONDS: i64 = 300;

pub fn is_fresh(timestamp_seconds: i64, now_ms: i64) -> bool {
    (now_ms / 1000 - timestamp_seconds).abs() <= FRESHNESS_SECONDS
}

/// Seconds to wait before sending an unacknowledged notification again, after
/// `attempts` tries (WeChat Pay's schedule: 15s, 15s, 30s, 3m, 10m, 20m, 30m, …, 3h).
pub fn retry_delay_seconds(attempts: i64) -> Option<i64> {
    const SCHEDULE: [i64; 15] =
        [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10_800, 10_800, 10_800, 21_600, 21_600];
    usize::try_from(attempts.max(1) - 1).ok().and_then(|i| SCHEDULE.get(i).copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_round_trip() {
        for c in Channel::ALL {
            assert_eq!(Channel::from_code(c.code()), Some(c));
            assert_eq!(Channel::try_from(c.code()), Ok(c));
        }
        assert!(Channel::try_from("transfer").is_err());
        assert_eq!(Channel::Wechat.label(), "微信支付");
    }

    #[test]
    fn payment_statuses_round_trip_and_refuse_unknown_values() {
        for s in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::from_code(s.code()), Some(s));
            assert_eq!(PaymentStatus::try_from(s.code()), Ok(s));
        }
        assert!(PaymentStatus::try_from("paid").is_err());
        assert!(PaymentStatus::try_from("").is_err());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn notices_with_a_negative_amount_do_not_parse() {
        let payment = |amount: i64| {
            format!(
                r#"{{"out_trade_no":"XS1","transaction_id":"T1","amount_fen":{amount},"trade_state":"SUCCESS","success_time":1}}"#
            )
        };
        let parsed: PaymentNotice = serde_json::from_str(&payment(80_000)).unwrap();
        assert_eq!(parsed.amount_fen, Fen::new(80_000).unwrap());
        assert!(serde_json::from_str::<PaymentNotice>(&payment(-1)).is_err());
        let refund = |amount: i64| {
            format!(
                r#"{{"out_refund_no":"R1","out_trade_no":"XS1","refund_id":"F1","amount_fen":{amount},"refund_status":"SUCCESS","success_time":1}}"#
            )
        };
        assert!(serde_json::from_str::<RefundNotice>(&refund(30_000)).is_ok());
        assert!(serde_json::from_str::<RefundNotice>(&refund(-30_000)).is_err());
    }

    #[test]
    fn the_signed_message_binds_every_part() {
        assert_eq!(signing_message(1_700_000_000, "abc", "{}"), "1700000000\nabc\n{}\n");
        assert_ne!(signing_message(1, "a", "b"), signing_message(1, "ab", ""));
    }

    #[test]
    fn notifications_must_be_fresh() {
        let now = 1_700_000_000_000;
        assert!(is_fresh(1_700_000_000, now));
        assert!(is_fresh(1_700_000_000 - 300, now));
        assert!(!is_fresh(1_700_000_000 - 301, now));
        assert!(!is_fresh(1_700_000_000 + 301, now));
    }

    #[test]
    fn retries_back_off_then_stop() {
        assert_eq!(retry_delay_seconds(1), Some(15));
        assert_eq!(retry_delay_seconds(3), Some(30));
        assert_eq!(retry_delay_seconds(4), Some(180));
        assert_eq!(retry_delay_seconds(15), Some(21_600));
        assert_eq!(retry_delay_seconds(16), None);
    }
}
