//! Text from forms, and text shown in place of a secret.

/// Lines of a textarea (exam subjects, exam types), trimmed, without blanks.
pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

/// The ids of ticked checkboxes named `<prefix><id>` (a form posts only the ticked
/// ones), sorted, each once.
pub fn ticked_ids<'a>(names: impl IntoIterator<Item = &'a String>, prefix: &str) -> Vec<i64> {
    let mut ids: Vec<i64> =
        names.into_iter().filter_map(|k| k.strip_prefix(prefix)).filter_map(|id| id.parse().ok()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
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
    fn ticked_boxes_give_their_ids() {
        let names: Vec<String> = ["pick_3", "pick_1", "other", "pick_x", "pick_3"].map(String::from).into();
        assert_eq!(ticked_ids(&names, "pick_"), [1, 3]);
    }

    #[test]
    fn masks_phones() {
        assert_eq!(mask_phone("13800000011"), "138****0011");
        assert_eq!(mask_phone("x"), "***");
    }
}
