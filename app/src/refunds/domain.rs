//! 退款申请: a paid order, before the trainee has attended, may ask
//! for its money back; an offline class with accommodation chooses 全额退款 (fee and
//! accommodation) or 部分退款 (accommodation only). Finance approves (the gateway pays
//! it back) or refuses with a reason. Nothing here touches storage.

use crate::{error::Validation, orders::domain::OrderLine, platform::money::Fen};
use serde::{Deserialize, Serialize};

pub const REASON_MAX_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundKind {
    /// 全额退款: everything still held (fee and accommodation); the seat goes back.
    Full,
    /// 部分退款: the accommodation only; the trainee keeps the place.
    Partial,
    /// Money the gateway took for a payment the order no longer wanted (a second
    /// wallet, a closed or already-paid order), sent back at once without review. It
    /// reserves nothing on the order and leaves the registration as it is.
    Return,
}

impl RefundKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Partial => "partial",
            Self::Return => "return",
        }
    }

    /// A stored kind (every kind).
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Full, Self::Partial, Self::Return].into_iter().find(|k| k.code() == code)
    }

    /// A kind a trainee may ask for (never `return`, which only the platform makes).
    pub fn requestable(code: &str) -> Option<Self> {
        Self::from_code(code).filter(|k| *k != Self::Return)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Full => "全额退款",
            Self::Partial => "部分退款（仅住宿费）",
            Self::Return => "自动退回",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    /// 退款审核中: waiting for finance.
    Review,
    /// Approved; the gateway was asked and its confirmation is awaited.
    Processing,
    /// 已退款.
    Succeeded,
    /// Refused by finance (退款失败, with the reason).
    Rejected,
    /// The gateway refused the refund.
    Failed,
}

crate::stored_code!(RefundKind, RefundStatus);

/// How long to wait before settling a refund again after `attempts` failed tries:
/// one minute, doubling, at most an hour.
pub fn settle_retry_delay_ms(attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.clamp(1, 7) - 1).unwrap_or(0);
    (60_000_i64 << doublings).min(3_600_000)
}

impl RefundStatus {
    pub const ALL: [RefundStatus; 5] =
        [Self::Review, Self::Processing, Self::Succeeded, Self::Rejected, Self::Failed];

    pub fn code(self) -> &'static str {
        match self {
            Self::Review => "review",
            Self::Processing => "processing",
            Self::Succeeded => "succeeded",
            Self::Rejected => "rejected",
            Self::Failed => "failed",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Review => "退款审核中",
            Self::Processing => "退款处理中",
            Self::Succeeded => "已退款",
            Self::Rejected => "退款失败（已驳回）",
            Self::Failed => "退款失败（支付渠道退回）",
        }
    }
}

/// What a refund may take from an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refundable {
    /// What was paid.
    pub paid_fen: Fen,
    /// What has already gone back, or is on its way (approved refunds).
    pub refunded_fen: Fen,
    /// The accommodation line of the order (0 when none).
    pub lodging_fen: Fen,
    /// Whether the accommodation was already refunded.
    pub lodging_refunded: bool,
}

impl Refundable {
    /// `None` when the accommodation lines overflow when added up (a corrupt amount).
    pub fn from_lines(
        lines: &[OrderLine],
        paid_fen: Fen,
        refunded_fen: Fen,
        lodging_refunded: bool,
    ) -> Option<Self> {
        let lodging_fen = lines
            .iter()
            .filter(|l| l.kind == "lodging")
            .try_fold(Fen::ZERO, |sum, l| sum.checked_add(l.amount_fen))?;
        Some(Self { paid_fen, refunded_fen, lodging_fen, lodging_refunded })
    }

    /// Whether 部分退款 is on offer: there is accommodation, not yet refunded.
    pub fn offers_partial(&self) -> bool {
        self.lodging_fen > Fen::ZERO && !self.lodging_refunded
    }

    /// The amount a refund of `kind` takes, or why there is none. Never more than what
    /// is left of the payment.
    pub fn amount(&self, kind: RefundKind) -> Result<Fen, &'static str> {
        // More refunded than paid leaves nothing to refund.
        let left = self.paid_fen.checked_sub(self.refunded_fen).ok_or("该订单已没有可退金额")?;
        let amount = match kind {
            RefundKind::Full => left,
            RefundKind::Partial if self.offers_partial() => self.lodging_fen,
            RefundKind::Partial => return Err("该订单没有可退的住宿费"),
            RefundKind::Return => return Err("请选择退款类型"),
        };
        if amount == Fen::ZERO || amount > left {
            return Err("该订单已没有可退金额");
        }
        Ok(amount)
    }
}

/// Checks the trainee's form: the kind (offline classes with accommodation choose;
/// everything else is 全额退款) and the reason, which is required.
pub fn validate_request(
    kind: &str,
    reason: &str,
    refundable: &Refundable,
) -> crate::error::AppResult<(RefundKind, String, Fen)> {
    let mut v = Validation::new();
    let kind = if kind.is_empty() && !refundable.offers_partial() {
        Some(RefundKind::Full)
    } else {
        RefundKind::requestable(kind)
    };
    v.check(kind.is_some(), "kind", "请选择退款类型");
    let reason = reason.trim();
    v.check(!reason.is_empty(), "reason", "请填写退款原因");
    v.check(reason.chars().count() <= REASON_MAX_CHARS, "reason", "退款原因不超过200字");
    let amount = kind.map(|k| refundable.amount(k));
    if let Some(Err(message)) = amount {
        v.add("kind", message);
    }
    v.finish()?;
    let kind = kind.unwrap_or(RefundKind::Full);
    Ok((kind, reason.to_owned(), amount.and_then(Result::ok).unwrap_or_default()))
}

/// Finance's reason for refusing a refund: required, short.
pub fn validate_rejection(reason: &str) -> crate::error::AppResult<String> {
    let reason = reason.trim();
    let mut v = Validation::new();
    v.check(!reason.is_empty(), "reason", "请填写驳回原因");
    v.check(reason.chars().count() <= REASON_MAX_CHARS, "reason", "驳回原因不超过200字");
    v.finish()?;
    Ok(reason.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::domain::lines_for;

    fn fen(amount: i64) -> Fen {
        Fen::new(amount).unwrap()
    }

    fn offline() -> Refundable {
        Refundable::from_lines(
            &lines_for(fen(128_000), Some(("标准间", fen(30_000)))),
            fen(158_000),
            Fen::ZERO,
            false,
        )
        .unwrap()
    }

    #[test]
    fn full_refunds_what_is_left_and_partial_only_the_accommodation() {
        let r = offline();
        assert!(r.offers_partial());
        assert_eq!(r.amount(RefundKind::Full), Ok(fen(158_000)));
        assert_eq!(r.amount(RefundKind::Partial), Ok(fen(30_000)));
        let after_partial = Refundable { refunded_fen: fen(30_000), lodging_refunded: true, ..r };
        assert!(!after_partial.offers_partial());
        assert!(after_partial.amount(RefundKind::Partial).is_err());
        assert_eq!(after_partial.amount(RefundKind::Full), Ok(fen(128_000)));
    }

    #[test]
    fn never_more_than_was_paid() {
        let r = Refundable { refunded_fen: fen(158_000), ..offline() };
        assert!(r.amount(RefundKind::Full).is_err());
        // Accommodation dearer than what is left (an earlier refund took most of it).
        let r = Refundable { refunded_fen: fen(140_000), ..offline() };
        assert!(r.amount(RefundKind::Partial).is_err());
        assert_eq!(r.amount(RefundKind::Full), Ok(fen(18_000)));
        // More refunded than paid (never stored) leaves nothing, of either kind.
        let r = Refundable { refunded_fen: fen(158_001), ..offline() };
        assert!(r.amount(RefundKind::Full).is_err() && r.amount(RefundKind::Partial).is_err());
    }

    #[test]
    fn accommodation_that_overflows_when_added_up_is_none() {
        let mut lines = lines_for(fen(1), Some(("标准间", fen(i64::MAX))));
        lines.extend(lines_for(fen(1), Some(("标准间", fen(1)))).into_iter().filter(|l| l.kind == "lodging"));
        assert_eq!(Refundable::from_lines(&lines, fen(1), Fen::ZERO, false), None);
    }

    #[test]
    fn online_classes_refund_in_full_without_choosing() {
        let r = Refundable::from_lines(&lines_for(fen(20_000), None), fen(20_000), Fen::ZERO, false).unwrap();
        assert!(!r.offers_partial());
        let (kind, reason, amount) = validate_request("", " 时间冲突 ", &r).unwrap();
        assert_eq!((kind, reason.as_str(), amount), (RefundKind::Full, "时间冲突", fen(20_000)));
        let err = validate_request("partial", "时间冲突", &r).unwrap_err();
        assert!(err.field("kind").is_some());
    }

    #[test]
    fn the_reason_is_required_and_offline_classes_must_choose() {
        let err = validate_request("", "  ", &offline()).unwrap_err();
        assert!(err.field("reason").is_some() && err.field("kind").is_some());
        let too_long = "退".repeat(201);
        assert!(validate_request("full", &too_long, &offline()).unwrap_err().field("reason").is_some());
        assert!(validate_rejection("").is_err());
        assert_eq!(validate_rejection(" 已报到 ").unwrap(), "已报到");
    }

    #[test]
    fn codes_round_trip() {
        for s in RefundStatus::ALL {
            assert_eq!(RefundStatus::from_code(s.code()), Some(s));
        }
        for k in [RefundKind::Full, RefundKind::Partial, RefundKind::Return] {
            assert_eq!(RefundKind::try_from(k.code()), Ok(k));
        }
        assert!(RefundKind::try_from("everything").is_err());
        assert!(RefundStatus::try_from("done").is_err());
    }

    #[test]
    fn a_trainee_cannot_ask_for_an_automatic_return() {
        assert_eq!(RefundKind::requestable("return"), None);
        let err = validate_request("return", "想要退回", &offline()).unwrap_err();
        assert!(err.field("kind").is_some());
    }

    #[test]
    fn settlement_backs_off_to_an_hour() {
        assert_eq!(settle_retry_delay_ms(0), 60_000);
        assert_eq!(settle_retry_delay_ms(1), 60_000);
        assert_eq!(settle_retry_delay_ms(2), 120_000);
        assert_eq!(settle_retry_delay_ms(6), 1_920_000);
        assert_eq!(settle_retry_delay_ms(7), 3_600_000);
        assert_eq!(settle_retry_delay_ms(1_000), 3_600_000);
    }
}
