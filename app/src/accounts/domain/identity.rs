//! Identity numbers and phone numbers: the checks every form and the seed rely on.
//! Plain Rust, compiled into both the server and the browser.

use serde::{Deserialize, Serialize};

/// What an account that has not passed 实名认证 may not do, shown on its pages and
/// returned when it tries (提交订单).
pub const UNVERIFIED_NOTICE: &str = "您的账号尚未实名认证：可以登录，但不能提交订单和缴费。";

/// A resident identity number (居民身份证号码) per GB 11643-1999: 17 digits and a
/// check character (0-9 or X) computed with ISO 7064 MOD 11-2.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IdNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdNumberError {
    Length,
    Characters,
    Region,
    BirthDate,
    CheckDigit,
}

impl IdNumberError {
    pub fn message(self) -> &'static str {
        match self {
            Self::Length => "身份证号应为18位",
            Self::Characters => "身份证号只能包含数字，最后一位可以是X",
            Self::Region => "身份证号的地区代码无效",
            Self::BirthDate => "身份证号中的出生日期无效",
            Self::CheckDigit => "身份证号校验位不正确，请核对后重新输入",
        }
    }
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Province-level prefixes of GB/T 2260 (the first two digits of the region code).
const PROVINCE_PREFIXES: [u32; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54,
    61, 62, 63, 64, 65, 71, 81, 82,
];

impl IdNumber {
    pub fn parse(input: &str) -> Result<Self, IdNumberError> {
        let normalized: String = input.trim().to_ascii_uppercase();
        if normalized.chars().count() != 18 {
            return Err(IdNumberError::Length);
        }
        let bytes = normalized.as_bytes();
        if !bytes[..17].iter().all(u8::is_ascii_digit) || !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
            return Err(IdNumberError::Characters);
        }
        let digit = |i: usize| u32::from(bytes[i] - b'0');
        let province = digit(0) * 10 + digit(1);
        if !PROVINCE_PREFIXES.contains(&province) {
            return Err(IdNumberError::Region);
        }
        let year = (0..4).fold(0, |acc, i| acc * 10 + digit(6 + i));
        let month = digit(10) * 10 + digit(11);
        let day = digit(12) * 10 + digit(13);
        if !(1900..=2100).contains(&year) || !is_valid_date(year, month, day) {
            return Err(IdNumberError::BirthDate);
        }
        if check_char(&normalized[..17]) != char::from(bytes[17]) {
            return Err(IdNumberError::CheckDigit);
        }
        Ok(Self(normalized))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Birth date, taken from digits 7 to 14.
    pub fn birth_date(&self) -> BirthDate {
        let n = |range: std::ops::Range<usize>| self.0[range].parse::<u32>().unwrap_or(0);
        BirthDate { year: n(6..10), month: n(10..12), day: n(12..14) }
    }

    /// 男 when the sequence code (digit 17) is odd.
    pub fn is_male(&self) -> bool {
        (self.0.as_bytes()[16] - b'0') % 2 == 1
    }

    /// The number with the middle digits hidden, for lists and public queries.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

/// A stored ID number, masked for lists; "" when there is none (or it does not parse).
pub fn mask_stored_id_number(stored: Option<&str>) -> String {
    stored.and_then(|id| IdNumber::parse(id).ok()).map(|id| id.masked()).unwrap_or_default()
}

/// A birth date read from an ID number; shown and stored as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BirthDate {
    pub year: u32,
    pub month: u32,
    pub day: u32,
}

impl std::fmt::Display for BirthDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The check character for the first 17 digits (which must be ASCII digits).
pub fn check_char(first17: &str) -> char {
    let sum: u32 = first17.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    CHECK_CHARS[(sum % 11) as usize]
}

fn is_valid_date(year: u32, month: u32, day: u32) -> bool {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days_in_month).contains(&day)
}

/// A mainland mobile number: 11 digits starting with 1[3-9].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let s = input.trim();
        let b = s.as_bytes();
        if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit)
        {
            Ok(Self(s.to_owned()))
        } else {
            Err("请输入11位手机号码")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A unified social credit code (统一社会信用代码) per GB 32100-2015: 18 characters
/// from a 31-letter alphabet, the 3rd to 8th being the region code, the last a check
/// character (MOD 31).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CreditCode(String);

const CREDIT_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [usize; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditCodeError {
    Length,
    Characters,
    Region,
    CheckCharacter,
}

impl CreditCodeError {
    pub fn message(self) -> &'static str {
        match self {
            Self::Length => "统一社会信用代码应为18位",
            Self::Characters => "统一社会信用代码只能包含数字和大写字母（不含I、O、Z、S、V）",
            Self::Region => "统一社会信用代码中的行政区划码无效",
            Self::CheckCharacter => "统一社会信用代码校验位不正确，请核对后重新输入",
        }
    }
}

impl CreditCode {
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let code = input.trim().to_ascii_uppercase();
        if code.chars().count() != 18 {
            return Err(CreditCodeError::Length);
        }
        let values: Vec<usize> = code
            .chars()
            .map(|c| CREDIT_ALPHABET.find(c))
            .collect::<Option<_>>()
            .ok_or(CreditCodeError::Characters)?;
        let region_digits = &code.as_bytes()[2..8];
        if !region_digits.iter().all(u8::is_ascii_digit)
            || !PROVINCE_PREFIXES.contains(&region_prefix(region_digits))
        {
            return Err(CreditCodeError::Region);
        }
        if credit_check_char(&values[..17]) != code.as_bytes()[17] as char {
            return Err(CreditCodeError::CheckCharacter);
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The administrative division (GB/T 2260) the code was issued in.
    pub fn region_code(&self) -> &str {
        &self.0[2..8]
    }
}

fn region_prefix(digits: &[u8]) -> u32 {
    u32::from(digits[0] - b'0') * 10 + u32::from(digits[1] - b'0')
}

/// The check character for the values of the first 17 characters.
fn credit_check_char(values: &[usize]) -> char {
    let sum: usize = values.iter().zip(CREDIT_WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    CREDIT_ALPHABET.as_bytes()[check] as char
}

/// The check character for 17 characters of the alphabet (for tests and tools).
pub fn credit_code_check_char(first17: &str) -> Option<char> {
    let values: Vec<usize> = first17.chars().map(|c| CREDIT_ALPHABET.find(c)).collect::<Option<_>>()?;
    (values.len() == 17).then(|| credit_check_char(&values))
}

/// What a login form's account field holds: an ID number or a phone number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginAccount {
    Phone(Phone),
    IdNumber(IdNumber),
}

impl LoginAccount {
    /// Accepts anything that could be one or the other; returns `None` for input that
    /// is neither, which the login answers exactly like a wrong password.
    pub fn parse(input: &str) -> Option<Self> {
        if let Ok(phone) = Phone::parse(input) {
            return Some(Self::Phone(phone));
        }
        IdNumber::parse(input).ok().map(Self::IdNumber)
    }

    /// The canonical spelling (upper-case X, no spaces), one per account.
    pub fn canonical(&self) -> &str {
        match self {
            Self::Phone(p) => p.as_str(),
            Self::IdNumber(id) => id.as_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_standard_sample() {
        // The worked example of GB 11643-1999, annex A.
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.birth_date(), BirthDate { year: 1949, month: 12, day: 31 });
        assert_eq!(id.birth_date().to_string(), "1949-12-31");
        assert!(!id.is_male());
        assert_eq!(id.masked(), "110105********002X");
    }

    #[test]
    fn accepts_lower_case_x_and_spaces() {
        assert_eq!(IdNumber::parse(" 11010519491231002x ").unwrap().as_str(), "11010519491231002X");
    }

    #[test]
    fn computes_check_characters() {
        assert_eq!(check_char("11010519491231002"), 'X');
        assert_eq!(check_char("44052418800101001"), '4');
        assert_eq!(check_char("51010119900307457"), '8');
    }

    #[test]
    fn refuses_wrong_check_digit() {
        assert_eq!(IdNumber::parse("110105194912310021"), Err(IdNumberError::CheckDigit));
    }

    #[test]
    fn refuses_bad_shapes() {
        assert_eq!(IdNumber::parse("1101051949123100"), Err(IdNumberError::Length));
        assert_eq!(IdNumber::parse("11010519491231002Y"), Err(IdNumberError::Characters));
        assert_eq!(IdNumber::parse("99010519491231002X"), Err(IdNumberError::Region));
        let mut bad_date = String::from("11010519490230001");
        bad_date.push(check_char(&bad_date));
        assert_eq!(IdNumber::parse(&bad_date), Err(IdNumberError::BirthDate));
    }

    #[test]
    fn accepts_leap_day() {
        let mut leap = String::from("51010120000229001");
        leap.push(check_char(&leap));
        assert!(IdNumber::parse(&leap).is_ok());
    }

    #[test]
    fn credit_codes() {
        // A published code (Fuzhou) and the demo unit's.
        assert_eq!(CreditCode::parse("91350100M000100Y43").unwrap().region_code(), "350100");
        assert!(CreditCode::parse(" 91510100ma6cx00019 ").is_ok());
        assert_eq!(credit_code_check_char("91510100MA6CX0001"), Some('9'));
        assert_eq!(CreditCode::parse("91350100M000100Y44"), Err(CreditCodeError::CheckCharacter));
        assert_eq!(CreditCode::parse("91350100M000100Y4"), Err(CreditCodeError::Length));
        assert_eq!(CreditCode::parse("91350100M000100I43"), Err(CreditCodeError::Characters));
        let mut bad_region = String::from("919901");
        bad_region.push_str("00MA6CX0001");
        let check = credit_code_check_char(&bad_region).unwrap();
        bad_region.push(check);
        assert_eq!(CreditCode::parse(&bad_region), Err(CreditCodeError::Region));
    }

    #[test]
    fn phones() {
        assert!(Phone::parse("13800000001").is_ok());
        assert!(Phone::parse("12800000001").is_err());
        assert!(Phone::parse("1380000000").is_err());
        assert!(Phone::parse("1380000000a").is_err());
    }

    #[test]
    fn login_accounts() {
        assert!(matches!(LoginAccount::parse("13800000001"), Some(LoginAccount::Phone(_))));
        assert!(matches!(LoginAccount::parse("11010519491231002x"), Some(LoginAccount::IdNumber(_))));
        assert_eq!(LoginAccount::parse("admin"), None);
        assert_eq!(LoginAccount::parse("11010519491231002x").unwrap().canonical(), "11010519491231002X");
    }
}
