//! What the server reads from an uploaded video itself: its length, from the
//! container's header (WebM's `Info/Duration`, MP4's `mvhd`). Credit for watching
//! depends on it, so the server does not take the uploader's word when the file says.

/// The video's length in milliseconds, when the header states it.
pub fn duration_ms(bytes: &[u8]) -> Option<i64> {
    if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        webm_duration_ms(bytes)
    } else if bytes.get(4..8) == Some(b"ftyp") {
        mp4_duration_ms(bytes)
    } else {
        None
    }
}

/// Reads an EBML variable-length integer (an element size) at `at`: its value and length.
fn ebml_vint(bytes: &[u8], at: usize) -> Option<(u64, usize)> {
    let first = *bytes.get(at)?;
    let length = first.leading_zeros() as usize + 1;
    if length > 8 {
        return None;
    }
    let mut value = u64::from(first) & (0xFF >> length);
    for i in 1..length {
        value = (value << 8) | u64::from(*bytes.get(at + i)?);
    }
    Some((value, length))
}

/// WebM: the `Info` element (0x1549A966) holds `TimecodeScale` (0x2AD7B1, nanoseconds
/// per tick, 1 ms by default) and `Duration` (0x4489, a float in ticks). The same four
/// bytes also appear in the `SeekHead` that points at `Info`, so every occurrence is
/// tried until one parses as an `Info` with a duration.
fn webm_duration_ms(bytes: &[u8]) -> Option<i64> {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let id = [0x15, 0x49, 0xA9, 0x66];
    (0..head.len().saturating_sub(4))
        .filter(|at| head[*at..*at + 4] == id)
        .find_map(|at| info_duration_ms(head, at + 4))
}

fn info_duration_ms(head: &[u8], size_at: usize) -> Option<i64> {
    let (size, size_len) = ebml_vint(head, size_at)?;
    let start = size_at + size_len;
    let end = start.checked_add(usize::try_from(size).ok()?)?;
    if end > head.len() {
        return None;
    }
    let mut at = start;
    let (mut scale_ns, mut ticks) = (1_000_000u64, None);
    while at + 2 < end {
        // Element ids keep their length marker: 1 to 4 bytes.
        let id_len = head[at].leading_zeros() as usize + 1;
        if id_len > 4 {
            return None;
        }
        let id = head.get(at..at + id_len)?;
        let (size, size_len) = ebml_vint(head, at + id_len)?;
        let data = at + id_len + size_len;
        let size = usize::try_from(size).ok()?;
        let value = head.get(data..data + size)?;
        match id {
            [0x2A, 0xD7, 0xB1] => {
                scale_ns = value.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
            }
            [0x44, 0x89] => {
                ticks = match size {
                    4 => Some(f64::from(f32::from_be_bytes(value.try_into().ok()?))),
                    8 => Some(f64::from_be_bytes(value.try_into().ok()?)),
                    _ => None,
                };
            }
            _ => {}
        }
        at = data + size;
    }
    let ms = ticks? * scale_ns as f64 / 1_000_000.0;
    (ms.is_finite() && ms > 0.0).then(|| ms.round() as i64)
}

/// MP4: the movie header box `mvhd` gives a timescale and a duration in its units.
fn mp4_duration_ms(bytes: &[u8]) -> Option<i64> {
    let at = find(bytes, b"mvhd")? + 4;
    let version = *bytes.get(at)?;
    let read = |from: usize, len: usize| -> Option<u64> {
        Some(bytes.get(from..from + len)?.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    };
    let (timescale, duration) = if version == 1 {
        (read(at + 4 + 16, 4)?, read(at + 4 + 20, 8)?)
    } else {
        (read(at + 4 + 8, 4)?, read(at + 4 + 12, 4)?)
    };
    (timescale > 0 && duration > 0).then(|| i64::try_from(duration * 1000 / timescale).unwrap_or(0))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_length_of_the_demo_webm_videos() {
        assert_eq!(duration_ms(include_bytes!("../../../seed/videos/ethics-1.webm")), Some(12_000));
        assert_eq!(duration_ms(include_bytes!("../../../seed/videos/supervision-1.webm")), Some(15_000));
    }

    #[test]
    fn reads_an_mp4_movie_header() {
        // ftyp box, then moov/mvhd version 0: timescale 1000, duration 90 500.
        let mut mp4 = vec![0, 0, 0, 16];
        mp4.extend_from_slice(b"ftypisom\0\0\0\0");
        mp4.extend_from_slice(&[0, 0, 0, 40]);
        mp4.extend_from_slice(b"moov");
        mp4.extend_from_slice(&[0, 0, 0, 32]);
        mp4.extend_from_slice(b"mvhd");
        mp4.extend_from_slice(&[0, 0, 0, 0]); // version, flags
        mp4.extend_from_slice(&[0; 8]); // creation, modification
        mp4.extend_from_slice(&1000u32.to_be_bytes());
        mp4.extend_from_slice(&90_500u32.to_be_bytes());
        assert_eq!(duration_ms(&mp4), Some(90_500));
    }

    #[test]
    fn anything_else_has_no_known_length() {
        assert_eq!(duration_ms(b"%PDF-1.4"), None);
        assert_eq!(duration_ms(&[0x1A, 0x45, 0xDF, 0xA3, 0x01]), None);
    }
}
