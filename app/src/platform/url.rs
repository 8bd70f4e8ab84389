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

/// Whether `path` is a path on this site and nothing else: one `/` followed by a
/// character that is neither `/` nor `\` (or nothing), and no control character,
/// as typed and after percent-decoding. Browsers drop tabs and newlines from URLs and
/// read `\` as `/`, so `/\tevil.example`, `/\evil.example` and their encoded forms
/// would otherwise leave the site.
pub fn is_site_path(path: &str) -> bool {
    fn shape_ok(path: &str) -> bool {
        let mut chars = path.chars();
        chars.next() == Some('/')
            && !matches!(chars.next(), Some('/' | '\\'))
            && !path.chars().any(char::is_control)
    }
    if !shape_ok(path) {
        return false;
    }
    // Decode until nothing changes (an encoded `%` hides one more layer); a few
    // layers are plenty for a real link, deeper nesting is refused.
    let mut current = path.to_owned();
    for _ in 0..4 {
        let decoded = percent_decode(&current);
        if !shape_ok(&decoded) {
            return false;
        }
        if decoded == current {
            return true;
        }
        current = decoded;
    }
    false
}

/// Percent-decodes `text` (invalid escapes are kept as they are, invalid UTF-8 is
/// replaced), for checks only.
pub fn percent_decode(text: &str) -> String {
    fn hex(byte: u8) -> Option<u8> {
        char::from(byte).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(high), Some(low)) => {
                out.push(high * 16 + low);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{is_site_path, percent_decode, percent_encode};

    #[test]
    fn site_paths_are_one_slash_and_no_control_characters() {
        for ok in ["/", "/admin", "/classes/3?tab=info#top", "/news/%E5%85%AC%E5%91%8A", "/a//b", "/a\\b"] {
            assert!(is_site_path(ok), "{ok}");
        }
        for bad in [
            "",
            "admin",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/%09/evil.example",
            "/%0a/evil.example",
            "/%0D%0A/evil.example",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "/%252F/evil.example",
            "/%25%30%39/evil.example",
            "/ok\u{0}",
            "/ok\u{7f}",
            "/ok\u{85}",
            "https://evil.example",
            " /admin",
        ] {
            assert!(!is_site_path(bad), "{bad:?}");
        }
    }

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("/a%20b%zz%4"), "/a b%zz%4");
        assert_eq!(percent_decode("%E6%89%8B"), "手");
        assert_eq!(percent_decode("%FF"), "\u{FFFD}");
    }

    #[test]
    fn encodes_reserved_and_non_ascii() {
        assert_eq!(percent_encode("/news?page=2"), "%2Fnews%3Fpage%3D2");
        assert_eq!(percent_encode("手册 v1.pdf"), "%E6%89%8B%E5%86%8C%20v1.pdf");
        assert_eq!(percent_encode("a-b_c.d~"), "a-b_c.d~");
    }
}
