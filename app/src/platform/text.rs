//! Text from forms, and text shown in place of a secret.

/// Lines of a textarea (exam subjects, exam types), trimmed, without blanks.
pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

/// Shows the first three and last four digits: 138****0011.
pub fn mask_phone(phone: &str) -> String {
    if phone.len() == 11 && phone.is_ascii() {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else {
        "***".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_phones() {
        assert_eq!(mask_phone("13800000011"), "138****0011");
        assert_eq!(mask_phone("x"), "***");
    }
}
