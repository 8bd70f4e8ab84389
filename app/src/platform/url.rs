//! URL text helpers shared by pages and handlers.

/// Percent-encodes everything but the RFC 3986 unreserved characters; fit for a query
/// value and for RFC 5987 `filename*`.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(char::from(byte)),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::percent_encode;

    #[test]
    fn encodes_reserved_and_non_ascii() {
        assert_eq!(percent_encode("/news?page=2"), "%2Fnews%3Fpage%3D2");
        assert_eq!(percent_encode("手册 v1.pdf"), "%E6%89%8B%E5%86%8C%20v1.pdf");
        assert_eq!(percent_encode("a-b_c.d~"), "a-b_c.d~");
    }
}
