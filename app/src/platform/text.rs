//! Text from forms.

/// Lines of a textarea (exam subjects, exam types), trimmed, without blanks.
pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}
