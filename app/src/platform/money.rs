//! Money: an amount in fen (分), the smallest unit of the yuan. Prices, payments and
//! refunds are never negative, so a `Fen` cannot be; arithmetic is checked, and text
//! from a form is parsed by one strict grammar.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A non-negative amount of money in fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Fen(i64);

/// The largest amount a form may name: one million yuan.
pub const MAX_YUAN: i64 = 1_000_000;

const FORMAT_HINT: &str = "请输入正确的金额，如 1280 或 1280.50";

impl Fen {
    pub const ZERO: Fen = Fen(0);

    /// `None` for a negative amount.
    pub const fn new(fen: i64) -> Option<Fen> {
        if fen < 0 { None } else { Some(Fen(fen)) }
    }

    pub const fn fen(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }

    /// `None` when `other` is larger (the result would be negative).
    pub fn checked_sub(self, other: Fen) -> Option<Fen> {
        self.0.checked_sub(other.0).and_then(Fen::new)
    }

    /// Parses yuan as people type them: "1280", "1280.5", "1,280.00", "¥1280". Only
    /// digits, at most one point with one or two digits after it, grouping commas and a
    /// leading ¥; no sign, no exponent, at most one million yuan.
    pub fn parse_yuan(text: &str) -> Result<Fen, &'static str> {
        let text: String = text.trim().trim_start_matches('¥').chars().filter(|c| *c != ',').collect();
        if text.is_empty() {
            return Err("请输入金额");
        }
        let (whole, cents) = match text.split_once('.') {
            Some((whole, cents)) => (whole, cents),
            None => (text.as_str(), ""),
        };
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(cents) {
            return Err(FORMAT_HINT);
        }
        if cents.len() > 2 {
            return Err("金额最多保留两位小数");
        }
        if text.ends_with('.') {
            return Err(FORMAT_HINT);
        }
        // Leading zeros are fine ("0.05"); a whole part that long is out of range anyway.
        let whole: i64 = if whole.len() > 7 { i64::MAX } else { whole.parse().map_err(|_| FORMAT_HINT)? };
        if whole > MAX_YUAN {
            return Err("金额应在 0 到 1,000,000 元之间");
        }
        let cents: i64 = format!("{cents:0<2}").parse().map_err(|_| FORMAT_HINT)?;
        let fen = whole * 100 + cents;
        if fen > MAX_YUAN * 100 {
            return Err("金额应在 0 到 1,000,000 元之间");
        }
        Ok(Fen(fen))
    }
}

impl TryFrom<i64> for Fen {
    type Error = String;

    fn try_from(fen: i64) -> Result<Self, Self::Error> {
        Fen::new(fen).ok_or_else(|| format!("negative amount {fen}"))
    }
}

impl From<Fen> for i64 {
    fn from(fen: Fen) -> i64 {
        fen.0
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_fen(self.0))
    }
}

/// A stored amount decodes only when it is not negative: a negative amount in the
/// database is corruption, reported as an internal error rather than shown or summed.
#[cfg(feature = "ssr")]
mod sql {
    use super::Fen;
    use sqlx::{Any, Decode, Encode, Type, encode::IsNull, error::BoxDynError};

    impl Type<Any> for Fen {
        fn type_info() -> sqlx::any::AnyTypeInfo {
            <i64 as Type<Any>>::type_info()
        }

        fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
            <i64 as Type<Any>>::compatible(ty)
        }
    }

    impl<'r> Decode<'r, Any> for Fen {
        fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, BoxDynError> {
            let fen = <i64 as Decode<'r, Any>>::decode(value)?;
            Ok(Fen::try_from(fen)?)
        }
    }

    impl<'q> Encode<'q, Any> for Fen {
        fn encode_by_ref(
            &self,
            buf: &mut <Any as sqlx::Database>::ArgumentBuffer<'q>,
        ) -> Result<IsNull, BoxDynError> {
            <i64 as Encode<'q, Any>>::encode_by_ref(&self.0, buf)
        }
    }
}

/// An amount in fen as people read it: "¥1,280.00" (signed, for differences).
pub fn format_fen(fen: i64) -> String {
    let yuan = fen / 100;
    let cents = (fen % 100).abs();
    let digits = yuan.abs().to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{}¥{grouped}.{cents:02}", if fen < 0 { "-" } else { "" })
}

/// Parses yuan into fen (see [`Fen::parse_yuan`]).
pub fn parse_yuan(text: &str) -> Result<i64, &'static str> {
    Fen::parse_yuan(text).map(Fen::fen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_as_typed() {
        assert_eq!(Fen::parse_yuan("1280"), Ok(Fen(128_000)));
        assert_eq!(Fen::parse_yuan("1,280.5"), Ok(Fen(128_050)));
        assert_eq!(Fen::parse_yuan(" ¥1,280.00 "), Ok(Fen(128_000)));
        assert_eq!(Fen::parse_yuan("0.05"), Ok(Fen(5)));
        assert_eq!(Fen::parse_yuan("007"), Ok(Fen(700)));
        assert_eq!(Fen::parse_yuan("0"), Ok(Fen::ZERO));
        assert_eq!(Fen::parse_yuan("1000000"), Ok(Fen(100_000_000)));
    }

    #[test]
    fn signs_fractions_and_junk_are_refused() {
        for text in [
            "",
            " ",
            "-3",
            "+3",
            "0.-5",
            "1.-9",
            "1.+9",
            "-0.5",
            "1.234",
            "1.",
            ".5",
            "1e3",
            "1..2",
            "1.2.3",
            "１２",
            "1 000",
            "NaN",
            "0x10",
            "99999999999999999999",
            "1000000.01",
            "¥",
            "😀",
            "1€00",
        ] {
            assert!(Fen::parse_yuan(text).is_err(), "{text:?} should be refused");
        }
    }

    #[test]
    fn checked_arithmetic_never_goes_negative() {
        let ten = Fen::new(1000).unwrap();
        let three = Fen::new(300).unwrap();
        assert_eq!(ten.checked_sub(three), Some(Fen(700)));
        assert_eq!(three.checked_sub(ten), None);
        assert_eq!(ten.checked_add(three), Some(Fen(1300)));
        assert_eq!(Fen(i64::MAX).checked_add(three), None);
        assert_eq!(Fen::new(-1), None);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_negative_amount_does_not_deserialize() {
        assert!(serde_json::from_str::<Fen>("-5").is_err());
        assert_eq!(serde_json::from_str::<Fen>("5").ok(), Some(Fen(5)));
    }

    #[test]
    fn formatting() {
        assert_eq!(Fen(128_050).to_string(), "¥1,280.50");
        assert_eq!(format_fen(-5), "-¥0.05");
        assert_eq!(format_fen(0), "¥0.00");
        assert_eq!(format_fen(123_456_789), "¥1,234,567.89");
    }
}
