//! Stored codes. Every status or kind enum is stored as a short ASCII code and read
//! back through `TryFrom`: a code no variant has is corruption (or a newer server's
//! value), reported as an internal error and never replaced by a default.

use std::fmt;

/// A stored code that names no variant of the enum read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    pub kind: &'static str,
    pub code: String,
}

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} code {:?}", self.kind, self.code)
    }
}

impl std::error::Error for UnknownCode {}

/// Implements `TryFrom<&str>` and `TryFrom<String>` for an enum with an inherent
/// `from_code(&str) -> Option<Self>`, so rows can decode it with
/// `#[sqlx(try_from = "String")]` and code can write `Status::try_from(text)?`.
#[macro_export]
macro_rules! stored_code {
    ($($ty:ident),+ $(,)?) => {$(
        impl ::core::convert::TryFrom<&str> for $ty {
            type Error = $crate::platform::codes::UnknownCode;

            fn try_from(code: &str) -> ::core::result::Result<Self, Self::Error> {
                Self::from_code(code).ok_or_else(|| $crate::platform::codes::UnknownCode {
                    kind: stringify!($ty),
                    code: code.to_owned(),
                })
            }
        }

        impl ::core::convert::TryFrom<String> for $ty {
            type Error = $crate::platform::codes::UnknownCode;

            fn try_from(code: String) -> ::core::result::Result<Self, Self::Error> {
                Self::try_from(code.as_str())
            }
        }
    )+};
}

#[cfg(test)]
mod tests {
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Light {
        On,
        Off,
    }

    impl Light {
        fn code(self) -> &'static str {
            match self {
                Self::On => "on",
                Self::Off => "off",
            }
        }

        fn from_code(code: &str) -> Option<Self> {
            [Self::On, Self::Off].into_iter().find(|l| l.code() == code)
        }
    }

    stored_code!(Light);

    #[test]
    fn known_codes_decode_and_unknown_ones_are_errors() {
        assert_eq!(Light::try_from("on"), Ok(Light::On));
        assert_eq!(Light::try_from(String::from("off")), Ok(Light::Off));
        let error = Light::try_from("dim").unwrap_err();
        assert_eq!(error.to_string(), "unknown Light code \"dim\"");
    }
}
