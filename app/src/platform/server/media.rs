//! What the server reads from an uploaded video itself: its length, from the
//! container's header (WebM's `Info/Duration`, MP4's `mvhd`). Credit for watching
//! depends on it, so the server does not take the uploader's word when the file says.

use super::storage::{Storage, StorageError};

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

/// WebM's `Info` sits in the first few KiB; this much of the head is read.
const HEAD_BYTES: u64 = 64 * 1024;
/// A movie box larger than this is not read (real ones are a few MiB at most).
const MOOV_MAX_BYTES: u64 = 32 * 1024 * 1024;

/// [`duration_ms`] of a stored video, reading only what the header needs: the first
/// 64 KiB, and for an MP4 the top-level box headers up to `moov` (often after the
/// media data, at the end) and that box.
pub async fn stored_duration_ms(
    storage: &Storage,
    key: &str,
    size: u64,
) -> Result<Option<i64>, StorageError> {
    if size == 0 {
        return Ok(None);
    }
    let head = storage.get_range(key, 0..size.min(HEAD_BYTES)).await?;
    if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Ok(webm_duration_ms(&head));
    }
    if head.get(4..8) != Some(b"ftyp") {
        return Ok(None);
    }
    let mut at = 0u64;
    // Top-level boxes: ftyp, free, mdat, moov, … — a few in practice.
    for _ in 0..64 {
        if at + 8 > size {
            return Ok(None);
        }
        let header_end = (at + 16).min(size);
        let header = match (usize::try_from(at), usize::try_from(header_end)) {
            (Ok(from), Ok(to)) if to <= head.len() => head.slice(from..to),
            _ => storage.get_range(key, at..header_end).await?,
        };
        let declared = u64::from(u32::from_be_bytes([header[0], header[1], header[2], header[3]]));
        let (box_size, header_len) = match declared {
            0 => (size - at, 8),
            1 if header.len() >= 16 => (u64::from_be_bytes(header[8..16].try_into().unwrap_or_default()), 16),
            1 => return Ok(None),
            n => (n, 8),
        };
        if box_size < header_len {
            return Ok(None);
        }
        if &header[4..8] == b"moov" {
            let end = at.saturating_add(box_size).min(size);
            if end - at > MOOV_MAX_BYTES {
                return Ok(None);
            }
            let moov = storage.get_range(key, at..end).await?;
            return Ok(mp4_duration_ms(&moov));
        }
        at = at.saturating_add(box_size);
    }
    Ok(None)
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

    #[tokio::test]
    async fn reads_the_length_from_a_stored_file_without_reading_it_all() {
        let dir = std::env::temp_dir().join(format!("xueshi-media-{}", uuid::Uuid::new_v4()));
        let storage = Storage::local(&dir).unwrap();
        let webm = include_bytes!("../../../seed/videos/ethics-1.webm");
        let (key, _) = storage
            .put_checked(
                "v",
                bytes::Bytes::from_static(webm),
                1 << 20,
                &[super::super::storage::FileKind::Webm],
            )
            .await
            .unwrap();
        assert_eq!(stored_duration_ms(&storage, &key, webm.len() as u64).await.unwrap(), Some(12_000));
        // An MP4 as cameras write it: ftyp, 3 MiB of media data, then moov (version 1,
        // 64-bit fields) at the end; and one whose mdat uses a 64-bit size.
        for large_size in [false, true] {
            let mut mp4 = vec![0, 0, 0, 16];
            mp4.extend_from_slice(b"ftypmp42\0\0\0\0");
            let media = 3 * 1024 * 1024;
            if large_size {
                mp4.extend_from_slice(&[0, 0, 0, 1]);
                mp4.extend_from_slice(b"mdat");
                mp4.extend_from_slice(&(media as u64 + 16).to_be_bytes());
            } else {
                mp4.extend_from_slice(&(media as u32 + 8).to_be_bytes());
                mp4.extend_from_slice(b"mdat");
            }
            mp4.resize(mp4.len() + media, 0);
            mp4.extend_from_slice(&[0, 0, 0, 52]);
            mp4.extend_from_slice(b"moov");
            mp4.extend_from_slice(&[0, 0, 0, 44]);
            mp4.extend_from_slice(b"mvhd");
            mp4.extend_from_slice(&[1, 0, 0, 0]);
            mp4.extend_from_slice(&[0; 16]);
            mp4.extend_from_slice(&600u32.to_be_bytes());
            mp4.extend_from_slice(&(600u64 * 75).to_be_bytes());
            let size = mp4.len() as u64;
            let (key, _) = storage
                .put_checked("v", mp4.into(), 8 << 20, &[super::super::storage::FileKind::Mp4])
                .await
                .unwrap();
            assert_eq!(stored_duration_ms(&storage, &key, size).await.unwrap(), Some(75_000), "{large_size}");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn anything_else_has_no_known_length() {
        assert_eq!(duration_ms(b"%PDF-1.4"), None);
        assert_eq!(duration_ms(&[0x1A, 0x45, 0xDF, 0xA3, 0x01]), None);
    }
}
