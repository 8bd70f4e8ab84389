//! The password rules (OWASP ASVS 2.1): at least 8 characters, at most 128, no
//! composition rules, not one of the commonly used passwords (checked on the server
//! against a shipped list), and not the account's own phone or ID number.

pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 128;

/// The rules the browser can check too. Returns the message for the password field.
pub fn check_shape(password: &str, identifiers: &[&str]) -> Result<(), &'static str> {
    let length = password.chars().count();
    if length < MIN_CHARS {
        return Err("密码至少需要8个字符");
    }
    if length > MAX_CHARS {
        return Err("密码不能超过128个字符");
    }
    if identifiers.iter().any(|id| !id.is_empty() && password.eq_ignore_ascii_case(id)) {
        return Err("密码不能与手机号或身份证号相同");
    }
    Ok(())
}

pub const TOO_COMMON: &str = "该密码过于常见，容易被猜到，请换一个";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(check_shape("correct horse", &[]).is_ok());
        assert_eq!(check_shape("short", &[]), Err("密码至少需要8个字符"));
        assert!(check_shape("长度足够的中文密码", &[]).is_ok());
        assert!(check_shape(&"x".repeat(129), &[]).is_err());
        assert_eq!(check_shape("13800000011", &["13800000011"]), Err("密码不能与手机号或身份证号相同"));
        // No composition rules: all lower-case letters are fine.
        assert!(check_shape("abcdefghij", &[]).is_ok());
    }
}
