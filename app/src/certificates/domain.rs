//! Certificates (培训证明, 继续教育证书): the serial, the signed text, and the offline
//! check of a printed certificate. Plain Rust (ed25519 included), shared with the
//! browser, so anyone holding the public keys can check a certificate without us.
//!
//! **The format, version 1.** A certificate's signed text is these lines joined by
//! `\n` (UTF-8, no trailing newline): `xueshi-certificate-1`, the serial (17
//! characters, no dashes), the kind (`training` or `yearly`), the holder's name, the
//! masked ID number as printed, the title, the year, the hours in tenths as
//! `公需/专业/选修/合计`, the issuer, and the issue date `YYYY-MM-DD` (China time). The
//! signature is Ed25519 over those bytes. The QR code on the PDF is the verification
//! URL `…/verify/{serial}?k={key id}&s={signature, base64url without padding}`; the
//! public keys are published at `/.well-known/xueshi-keys.json`.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

/// Crockford's base32: no I, L, O or U, so a serial read aloud or retyped is not
/// mistaken.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// 16 characters of 5 bits: 80 random bits.
pub const SERIAL_RANDOM_CHARS: usize = 16;
pub const SERIAL_CHARS: usize = SERIAL_RANDOM_CHARS + 1;
pub const SIGNED_TEXT_VERSION: &str = "xueshi-certificate-1";

/// A certificate's serial: 80 random bits and a check character (Luhn mod 32), so a
/// mistyped serial is caught before any lookup.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Serial(String);

impl Serial {
    /// A serial from 10 random bytes (the caller's CSPRNG).
    pub fn from_random(bytes: [u8; 10]) -> Self {
        let mut bits: u128 = 0;
        for b in bytes {
            bits = (bits << 8) | u128::from(b);
        }
        let mut text = String::with_capacity(SERIAL_CHARS);
        for i in (0..SERIAL_RANDOM_CHARS).rev() {
            let index = usize::try_from((bits >> (i * 5)) & 31).unwrap_or(0);
            text.push(char::from(ALPHABET[index]));
        }
        text.push(check_char(&text));
        Self(text)
    }

    /// Reads a serial as a person types it: any case, dashes and spaces ignored, O read
    /// as 0 and I or L as 1. The message says what is wrong.
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let mut text = String::with_capacity(SERIAL_CHARS);
        for c in input.chars().filter(|c| !matches!(c, '-' | ' ' | '\u{3000}')) {
            let c = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                return Err("证书编号只含数字和字母，请核对");
            }
            text.push(c);
        }
        if text.chars().count() != SERIAL_CHARS {
            return Err("证书编号应为 17 位，请核对");
        }
        let (body, check) = text.split_at(SERIAL_RANDOM_CHARS);
        if !check.starts_with(check_char(body)) {
            return Err("证书编号有误（校验位不符），请核对");
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As printed: groups of four, the check character last (`7K3Q-…-X`).
    pub fn display(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
    }
}

/// Luhn mod 32 over the alphabet: catches every single wrong character and every
/// swap of two neighbours but 0 ↔ Z (as Luhn mod 10 misses 09 ↔ 90).
fn check_char(body: &str) -> char {
    let mut factor = 2;
    let mut sum = 0;
    for c in body.bytes().rev() {
        let value = ALPHABET.iter().position(|a| *a == c).unwrap_or(0);
        let addend = factor * value;
        sum += addend / 32 + addend % 32;
        factor = if factor == 2 { 1 } else { 2 };
    }
    char::from(ALPHABET[(32 - sum % 32) % 32])
}

/// The two kinds of certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 培训证明: a class completed.
    Training,
    /// 继续教育证书: a year's requirement met in every category.
    Yearly,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Self::Training, Self::Yearly];

    pub fn code(self) -> &'static str {
        match self {
            Self::Training => "training",
            Self::Yearly => "yearly",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Training => "培训证明",
            Self::Yearly => "继续教育证书",
        }
    }
}

crate::stored_code!(Kind);

/// Where a unit's 证书打印 stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    Queued,
    Running,
    Ready,
    Failed,
}

impl BatchStatus {
    pub const ALL: [BatchStatus; 4] = [Self::Queued, Self::Running, Self::Ready, Self::Failed];

    pub fn code(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Ready => "ready",
            Self::Failed => "failed",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Queued => "排队中",
            Self::Running => "生成中",
            Self::Ready => "已完成",
            Self::Failed => "生成失败",
        }
    }

    /// Still being made: the page keeps refreshing.
    pub fn pending(self) -> bool {
        matches!(self, Self::Queued | Self::Running)
    }
}

crate::stored_code!(BatchStatus);

/// The most people one 证书打印 takes.
pub const BATCH_MAX_PEOPLE: usize = 2000;

/// Hours of a certificate, in tenths.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateHours {
    pub public: i64,
    pub professional: i64,
    pub elective: i64,
    pub total: i64,
}

/// What a certificate says: everything printed and signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateData {
    pub serial: Serial,
    pub kind: Kind,
    pub holder_name: String,
    /// Masked, as printed (`510101********4578`).
    pub holder_id_number: String,
    /// The class's name, or `2026年度继续教育证书`.
    pub title: String,
    pub year: i64,
    pub hours: CertificateHours,
    pub issuer: String,
    /// `YYYY-MM-DD`, China time.
    pub issued_on: String,
}

impl CertificateData {
    /// The exact bytes signed (see the module's format).
    pub fn signed_text(&self) -> String {
        let h = self.hours;
        [
            SIGNED_TEXT_VERSION.to_owned(),
            self.serial.as_str().to_owned(),
            self.kind.code().to_owned(),
            self.holder_name.clone(),
            self.holder_id_number.clone(),
            self.title.clone(),
            self.year.to_string(),
            format!("{}/{}/{}/{}", h.public, h.professional, h.elective, h.total),
            self.issuer.clone(),
            self.issued_on.clone(),
        ]
        .join("\n")
    }
}

/// A published verification key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKey {
    pub id: String,
    /// 32 bytes, base64url without padding.
    pub public_key: String,
}

/// What the QR code carries: the serial, the key id and the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrPayload {
    pub serial: Serial,
    pub key_id: String,
    pub signature: String,
}

impl QrPayload {
    /// The verification URL under `origin` (`https://host`).
    pub fn url(&self, origin: &str) -> String {
        format!("{origin}/verify/{}?k={}&s={}", self.serial.as_str(), self.key_id, self.signature)
    }

    /// Reads a scanned QR code (the URL, whatever the host).
    pub fn parse(scanned: &str) -> Result<Self, VerifyError> {
        let rest = scanned.split_once("/verify/").map(|(_, rest)| rest).ok_or(VerifyError::Unreadable)?;
        let (serial, query) = rest.split_once('?').ok_or(VerifyError::Unreadable)?;
        let serial = Serial::parse(serial).map_err(|_| VerifyError::Unreadable)?;
        let value = |name: &str| {
            query.split('&').find_map(|pair| pair.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
        };
        let (Some(key_id), Some(signature)) = (value("k"), value("s")) else {
            return Err(VerifyError::Unreadable);
        };
        Ok(Self { serial, key_id: key_id.to_owned(), signature: signature.to_owned() })
    }
}

/// Why a certificate does not check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyError {
    Unreadable,
    OtherSerial,
    UnknownKey,
    BadSignature,
}

impl VerifyError {
    pub fn message(self) -> &'static str {
        match self {
            Self::Unreadable => "二维码内容无法识别",
            Self::OtherSerial => "二维码与证书编号不符",
            Self::UnknownKey => "签名密钥不是本平台发布的",
            Self::BadSignature => "签名不符：证书内容被改动过",
        }
    }
}

/// Checks a signature over `data` with the published keys.
pub fn verify_signature(
    data: &CertificateData,
    key_id: &str,
    signature: &str,
    keys: &[PublicKey],
) -> Result<(), VerifyError> {
    let key = keys.iter().find(|k| k.id == key_id).ok_or(VerifyError::UnknownKey)?;
    let key_bytes: [u8; 32] = URL_SAFE_NO_PAD
        .decode(&key.public_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(VerifyError::UnknownKey)?;
    let key = VerifyingKey::from_bytes(&key_bytes).map_err(|_| VerifyError::UnknownKey)?;
    let signature: [u8; 64] = URL_SAFE_NO_PAD
        .decode(signature)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(VerifyError::BadSignature)?;
    key.verify(data.signed_text().as_bytes(), &Signature::from_bytes(&signature))
        .map_err(|_| VerifyError::BadSignature)
}

/// The offline check of a printed certificate: the scanned QR code, the data as
/// printed on the paper, and the published keys. No database, no network.
pub fn verify_offline(
    scanned_qr: &str,
    printed: &CertificateData,
    keys: &[PublicKey],
) -> Result<(), VerifyError> {
    let payload = QrPayload::parse(scanned_qr)?;
    if payload.serial != printed.serial {
        return Err(VerifyError::OtherSerial);
    }
    verify_signature(printed, &payload.key_id, &payload.signature, keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn data() -> CertificateData {
        CertificateData {
            serial: Serial::from_random([7, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
            kind: Kind::Yearly,
            holder_name: "张三".into(),
            holder_id_number: "510101********4578".into(),
            title: "2025年度继续教育证书".into(),
            year: 2025,
            hours: CertificateHours { public: 300, professional: 600, elective: 40, total: 940 },
            issuer: "四川省专业技术人员继续教育平台".into(),
            issued_on: "2026-01-05".into(),
        }
    }

    fn signed(data: &CertificateData) -> (String, Vec<PublicKey>) {
        let key = SigningKey::from_bytes(&[42; 32]);
        let signature = URL_SAFE_NO_PAD.encode(key.sign(data.signed_text().as_bytes()).to_bytes());
        let public =
            PublicKey { id: "k1".into(), public_key: URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes()) };
        let qr = QrPayload { serial: data.serial.clone(), key_id: "k1".into(), signature }
            .url("https://xueshi.example");
        (qr, vec![public])
    }

    #[test]
    fn serials_are_17_readable_characters_that_parse_back() {
        let serial = Serial::from_random([255; 10]);
        assert_eq!(serial.as_str().len(), SERIAL_CHARS);
        assert!(serial.as_str().starts_with("ZZZZZZZZZZZZZZZZ"));
        let zero = Serial::from_random([0; 10]);
        assert_eq!(zero.as_str(), "00000000000000000");
        let s = data().serial;
        assert_eq!(Serial::parse(&s.display()).unwrap(), s);
        assert_eq!(Serial::parse(&s.display().to_lowercase()).unwrap(), s);
        assert_eq!(s.display().len(), SERIAL_CHARS + 4);
    }

    #[test]
    fn every_single_wrong_character_and_neighbour_swap_but_0_z_is_caught() {
        for seed in 0u8..24 {
            let bytes = std::array::from_fn(|i| {
                seed.wrapping_mul(37).wrapping_add(u8::try_from(i).unwrap().wrapping_mul(101))
            });
            assert_typos_caught(Serial::from_random(bytes).as_str());
        }
        // The blind spot, shown: swapping 0 and Z keeps the check character.
        let (a, b) = ("0Z11111111111111", "Z011111111111111");
        assert_eq!(check_char(a), check_char(b));
    }

    fn assert_typos_caught(s: &str) {
        let chars: Vec<char> = s.chars().collect();
        for i in 0..chars.len() {
            for &a in ALPHABET {
                let a = char::from(a);
                if a == chars[i] {
                    continue;
                }
                let mut typo = chars.clone();
                typo[i] = a;
                assert!(Serial::parse(&typo.iter().collect::<String>()).is_err(), "{i} {a}");
            }
            let blind = matches!((chars[i], chars.get(i + 1)), ('0', Some('Z')) | ('Z', Some('0')));
            if i + 1 < chars.len() && chars[i] != chars[i + 1] && !blind {
                let mut swapped = chars.clone();
                swapped.swap(i, i + 1);
                assert!(Serial::parse(&swapped.iter().collect::<String>()).is_err(), "swap {i}");
            }
        }
    }

    #[test]
    fn odd_input_is_refused_with_a_message_not_a_panic() {
        for input in ["", "短", "\u{1F600}\u{202e}", "0000000000000000U", &"A".repeat(1000)] {
            assert!(Serial::parse(input).is_err(), "{input}");
        }
    }

    #[test]
    fn a_printed_certificate_checks_offline_and_a_changed_byte_does_not() {
        let printed = data();
        let (qr, keys) = signed(&printed);
        assert_eq!(verify_offline(&qr, &printed, &keys), Ok(()));

        let mut changed = printed.clone();
        changed.hours.professional += 1;
        assert_eq!(verify_offline(&qr, &changed, &keys), Err(VerifyError::BadSignature));
        let mut renamed = printed.clone();
        renamed.holder_name = "张四".into();
        assert_eq!(verify_offline(&qr, &renamed, &keys), Err(VerifyError::BadSignature));

        // A flipped character of the signature itself.
        let at = qr.len() - 5;
        let flipped =
            format!("{}{}{}", &qr[..at], if &qr[at..=at] == "A" { "B" } else { "A" }, &qr[at + 1..]);
        assert_eq!(verify_offline(&flipped, &printed, &keys), Err(VerifyError::BadSignature));

        let other = CertificateData { serial: Serial::from_random([1; 10]), ..printed.clone() };
        assert_eq!(verify_offline(&qr, &other, &keys), Err(VerifyError::OtherSerial));
        assert_eq!(verify_offline(&qr, &printed, &[]), Err(VerifyError::UnknownKey));
        assert_eq!(
            verify_offline("https://example.com/other", &printed, &keys),
            Err(VerifyError::Unreadable)
        );
    }
}
