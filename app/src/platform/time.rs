//! Times are stored as Unix milliseconds in UTC and shown in China Standard Time
//! (UTC+8, no daylight saving).

use time::{OffsetDateTime, UtcOffset};

const CHINA: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("valid offset"),
};

fn in_china(unix_ms: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_ms) * 1_000_000)
        .ok()
        .map(|t| t.to_offset(CHINA))
}

/// `2026-11-22`
pub fn format_date(unix_ms: i64) -> String {
    in_china(unix_ms)
        .map(|t| format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()))
        .unwrap_or_default()
}

/// `2026-11-22 08:05`
pub fn format_datetime(unix_ms: i64) -> String {
    in_china(unix_ms)
        .map(|t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_default()
}

/// The calendar year in China at `unix_ms` (a 计入年度 turns at midnight in Beijing).
pub fn year_of(unix_ms: i64) -> i64 {
    in_china(unix_ms).map(|t| i64::from(t.year())).unwrap_or_default()
}

/// The current time in Unix milliseconds.
#[cfg(feature = "ssr")]
pub fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// `YYYY-MM-DD`, a real calendar date.
pub fn check_date(text: &str) -> Result<(), &'static str> {
    let parts: Vec<&str> = text.split('-').collect();
    let ok = parts.len() == 3
        && parts[0].len() == 4
        && parts[1].len() == 2
        && parts[2].len() == 2
        && match (parts[0].parse::<i32>(), parts[1].parse::<u8>(), parts[2].parse::<u8>()) {
            (Ok(y), Ok(m), Ok(d)) => time::Month::try_from(m)
                .ok()
                .and_then(|m| time::Date::from_calendar_date(y, m, d).ok())
                .is_some(),
            _ => false,
        };
    if ok { Ok(()) } else { Err("请选择日期") }
}

/// `YYYY-MM-DDTHH:MM` as `<input type="datetime-local">` posts it.
pub fn check_datetime(text: &str) -> Result<(), &'static str> {
    // ASCII first: the byte offsets below then fall on character boundaries
    // (`2026-01-01T€00` is 16 bytes too).
    let ok = text.len() == 16
        && text.is_ascii()
        && text.as_bytes()[10] == b'T'
        && check_date(&text[..10]).is_ok()
        && matches!(
            (text[11..13].parse::<u8>(), &text[13..14], text[14..16].parse::<u8>()),
            (Ok(h), ":", Ok(m)) if h < 24 && m < 60
        );
    if ok { Ok(()) } else { Err("请选择日期和时间") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_china_time() {
        // 2026-11-21T16:30:00Z is 2026-11-22 00:30 in Beijing.
        let ms = 1_795_278_600_000;
        assert_eq!(format_datetime(ms), "2026-11-22 00:30");
        assert_eq!(format_date(ms), "2026-11-22");
    }

    #[test]
    fn the_year_turns_at_midnight_in_beijing() {
        // 2026-12-31T16:30:00Z is already 2027-01-01 00:30 in Beijing.
        assert_eq!(year_of(1_798_734_600_000), 2027);
        assert_eq!(year_of(1_798_734_600_000 - 3_600_000), 2026);
    }
}
