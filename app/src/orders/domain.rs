//! What an order is, independent of storage.

use crate::platform::money::Fen;
use serde::{Deserialize, Serialize};

/// How long an accepted registration may stay unpaid before its order closes.
pub const PAYMENT_WINDOW_MS: i64 = 48 * 60 * 60 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Unpaid,
    /// 线下转账 chosen: waiting for finance to see the money (待确认到账).
    AwaitingTransfer,
    Paid,
    /// Closed unpaid after its payment window; the seat went back.
    Closed,
    /// Paid, then refunded in full; the seat went back.
    Refunded,
}

impl OrderStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Unpaid => "unpaid",
            Self::AwaitingTransfer => "awaiting_transfer",
            Self::Paid => "paid",
            Self::Closed => "closed",
            Self::Refunded => "refunded",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Unpaid, Self::AwaitingTransfer, Self::Paid, Self::Closed, Self::Refunded]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

crate::stored_code!(OrderStatus);

/// Where 线下转账 goes (the platform's collection account; demo values).
pub const PAYEE_NAME: &str = "四川学时教育科技有限公司";
pub const PAYEE_BANK: &str = "中国工商银行成都人民南路支行";
pub const PAYEE_ACCOUNT: &str = "4402 2090 0910 0123 456";
/// The seller's 纳税人识别号 on invoices (demo value, a valid GB 32100 code).
pub const PAYEE_TAX_NUMBER: &str = "91510107MA7XC2026W";

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// `fee` or `lodging`.
    pub kind: String,
    pub label: String,
    pub amount_fen: Fen,
}

/// The lines of a registration's order: the training fee, and the accommodation when
/// one was chosen.
pub fn lines_for(fee_fen: Fen, lodging: Option<(&str, Fen)>) -> Vec<OrderLine> {
    let mut lines =
        vec![OrderLine { kind: "fee".to_owned(), label: "培训费".to_owned(), amount_fen: fee_fen }];
    if let Some((name, price)) = lodging {
        lines.push(OrderLine {
            kind: "lodging".to_owned(),
            label: format!("住宿费（{name}）"),
            amount_fen: price,
        });
    }
    lines
}

/// What the lines add up to; `None` when the sum overflows (a corrupt amount, reported
/// by the caller as an internal error).
pub fn total(lines: &[OrderLine]) -> Option<Fen> {
    lines.iter().try_fold(Fen::ZERO, |sum, line| sum.checked_add(line.amount_fen))
}

/// `XS` + the China date + 12 random digits: unique with the database's constraint,
/// and not guessable from another order's number.
pub fn order_number(china_date: &str, random_digits: u64) -> String {
    format!("XS{}{:012}", china_date.replace('-', ""), random_digits % 1_000_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fen(amount: i64) -> Fen {
        Fen::new(amount).unwrap()
    }

    #[test]
    fn lines_add_up_to_the_total() {
        let lines = lines_for(fen(128_000), Some(("标准间", fen(30_000))));
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].label, "住宿费（标准间）");
        assert_eq!(total(&lines), Some(fen(158_000)));
        assert_eq!(total(&lines_for(fen(20_000), None)), Some(fen(20_000)));
    }

    #[test]
    fn a_total_that_overflows_is_none() {
        assert_eq!(total(&lines_for(fen(i64::MAX), Some(("标准间", fen(1))))), None);
    }

    #[test]
    fn order_numbers_carry_the_date_and_twelve_digits() {
        assert_eq!(order_number("2026-11-22", 42), "XS20261122000000000042");
        assert_eq!(order_number("2026-11-22", 1_234_567_890_123_456).len(), 22);
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            OrderStatus::Unpaid,
            OrderStatus::AwaitingTransfer,
            OrderStatus::Paid,
            OrderStatus::Closed,
            OrderStatus::Refunded,
        ] {
            assert_eq!(OrderStatus::from_code(s.code()), Some(s));
            assert_eq!(OrderStatus::try_from(s.code()), Ok(s));
        }
        assert!(OrderStatus::try_from("open").is_err());
    }
}
