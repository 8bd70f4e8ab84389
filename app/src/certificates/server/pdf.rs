//! The certificate as an A4 PDF: a framed page with the title, the holder, the hours
//! table, the issuer with its seal ring and date, and the QR code (2.5 cm) with the
//! serial. Drawn with the platform's krilla canvas, the CJK font subset in.

use crate::{
    catalogue::domain::Hours,
    certificates::domain::{CertificateData, Kind},
    error::{AppError, AppResult},
    platform::server::pdf::{A4_HEIGHT, A4_WIDTH, Canvas, Ink, PdfFont, estimated_width},
};
use qrcode::{Color, EcLevel, QrCode};

/// 2.5 cm, the QR code's printed width.
const QR_SIZE: f32 = 72.0;

/// One certificate to print: its data, what its QR code carries (the verification URL
/// with the signature), and whether it is revoked (printed with a 已撤销 mark).
pub struct Printable {
    pub data: CertificateData,
    pub qr_url: String,
    pub revoked: bool,
}

/// Renders certificates, one page each, into one document (证书打印 of a unit prints
/// many at once; the font is subset once).
pub async fn render(font: &PdfFont, certificates: Vec<Printable>) -> AppResult<Vec<u8>> {
    let mut pages = Vec::with_capacity(certificates.len());
    for certificate in certificates {
        let code = QrCode::with_error_correction_level(certificate.qr_url.as_bytes(), EcLevel::M)
            .map_err(AppError::internal)?;
        let width = code.width();
        let dark: Vec<bool> = code.to_colors().into_iter().map(|c| c == Color::Dark).collect();
        pages.push((certificate, width, dark));
    }
    let count = pages.len();
    font.render_pages(count, move |index, canvas| {
        if let Some((certificate, width, dark)) = pages.get(index) {
            draw(canvas, &certificate.data, *width, dark, certificate.revoked);
        }
    })
    .await
}

fn draw(canvas: &mut Canvas<'_, '_>, data: &CertificateData, qr_width: usize, dark: &[bool], revoked: bool) {
    let centre = A4_WIDTH / 2.0;
    // Two frames: a heavy gold one and a fine one inside it.
    canvas.frame(28.0, 28.0, A4_WIDTH - 56.0, A4_HEIGHT - 56.0, Ink::Gold, 3.0);
    canvas.frame(38.0, 38.0, A4_WIDTH - 76.0, A4_HEIGHT - 76.0, Ink::Gold, 0.8);

    // Spaced with ideographic spaces: one em each, as the centring estimate assumes.
    let title: String = data.kind.label().chars().map(String::from).collect::<Vec<_>>().join("\u{3000}");
    canvas.text_centered(centre, 150.0, 34.0, Ink::Form, &title);
    canvas.text_centered(centre, 182.0, 11.0, Ink::Grey, &data.issuer);

    let left = 84.0;
    let mut y = 250.0;
    canvas.text(left, y, 14.0, Ink::Black, &format!("姓　　名：{}", data.holder_name));
    y += 28.0;
    canvas.text(left, y, 14.0, Ink::Black, &format!("身份证号：{}", data.holder_id_number));
    y += 40.0;
    let statement = match data.kind {
        Kind::Yearly => format!(
            "该同志已完成{}年度专业技术人员继续教育，公需科目、专业科目和选修科目学时均达到规定要求，特发此证。",
            data.year
        ),
        Kind::Training => format!("该同志参加“{}”，完成全部培训内容，成绩合格，特发此证明。", data.title),
    };
    for line in wrap(&statement, 14.0, A4_WIDTH - 2.0 * left - 28.0) {
        canvas.text(left + 28.0, y, 14.0, Ink::Black, &line);
        y += 26.0;
    }

    // The hours table.
    y += 18.0;
    let (table_left, table_width, row_height) = (left, A4_WIDTH - 2.0 * left, 30.0);
    let rows = [
        ("科目", "学时".to_owned()),
        ("公需科目", hours(data.hours.public)),
        ("专业科目", hours(data.hours.professional)),
        ("选修科目", hours(data.hours.elective)),
        ("合计", hours(data.hours.total)),
    ];
    let split = table_left + table_width * 0.55;
    for (i, (name, value)) in rows.iter().enumerate() {
        let top = y + row_height * i as f32;
        if i == 0 {
            canvas.fill_rect(table_left, top, table_width, row_height, Ink::Wash);
        }
        canvas.rect(table_left, top, table_width, row_height, Ink::Grey);
        canvas.text_centered((table_left + split) / 2.0, top + 20.0, 13.0, Ink::Black, name);
        canvas.text_centered((split + table_left + table_width) / 2.0, top + 20.0, 13.0, Ink::Black, value);
    }
    canvas.line((split, y), (split, y + row_height * rows.len() as f32), Ink::Grey);

    // The issuer, its seal ring over the name, and the date.
    let seal_x = A4_WIDTH - 170.0;
    let seal_y = 640.0;
    canvas.circle(seal_x, seal_y, 46.0, Ink::Seal, 2.2);
    canvas.circle(seal_x, seal_y, 41.0, Ink::Seal, 0.6);
    // The issuer's name inside the ring, as large as fits across it.
    let ring_text: String = data.issuer.chars().take(14).collect();
    let ring_size = (64.0 / ring_text.chars().count().max(1) as f32).min(10.0);
    canvas.text_centered(seal_x, seal_y - 4.0, ring_size, Ink::Seal, &ring_text);
    canvas.text_centered(seal_x, seal_y + 14.0, 10.0, Ink::Seal, "证书专用章");
    canvas.text_centered(seal_x, seal_y + 70.0, 12.0, Ink::Black, &data.issuer);
    canvas.text_centered(seal_x, seal_y + 90.0, 12.0, Ink::Black, &chinese_date(&data.issued_on));

    // The QR code, its serial and how to check it.
    let (qr_left, qr_top) = (left, 600.0);
    let module = QR_SIZE / qr_width as f32;
    for (i, _) in dark.iter().enumerate().filter(|(_, d)| **d) {
        let (row, column) = (i / qr_width, i % qr_width);
        canvas.fill_rect(
            qr_left + column as f32 * module,
            qr_top + row as f32 * module,
            module,
            module,
            Ink::Black,
        );
    }
    canvas.text(
        qr_left,
        qr_top + QR_SIZE + 16.0,
        9.0,
        Ink::Black,
        &format!("证书编号：{}", data.serial.display()),
    );
    canvas.text(
        qr_left,
        qr_top + QR_SIZE + 30.0,
        8.0,
        Ink::Grey,
        "扫描二维码或在平台“证书查询”中输入编号验证真伪",
    );

    if revoked {
        canvas.text_centered(centre, 470.0, 60.0, Ink::Seal, "已撤销");
    }
}

fn hours(tenths: i64) -> String {
    format!("{} 学时", Hours(tenths))
}

/// `2026-01-05` as 2026年1月5日.
fn chinese_date(iso: &str) -> String {
    let parts: Vec<u32> = iso.split('-').filter_map(|p| p.parse().ok()).collect();
    match parts.as_slice() {
        [y, m, d] => format!("{y}年{m}月{d}日"),
        _ => iso.to_owned(),
    }
}

/// Breaks text into lines that fit `width` at `size` (krilla draws one line at a time).
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = vec![String::new()];
    for c in text.chars() {
        let line = lines.last_mut().expect("one line at least");
        let mut longer = line.clone();
        longer.push(c);
        if estimated_width(&longer, size) > width && !line.is_empty() {
            lines.push(c.to_string());
        } else {
            *line = longer;
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_statements_wrap_within_the_width() {
        let lines = wrap(&"学".repeat(70), 14.0, 400.0);
        assert!(lines.len() >= 3);
        assert!(lines.iter().all(|l| estimated_width(l, 14.0) <= 400.0));
        assert_eq!(lines.concat(), "学".repeat(70));
        assert_eq!(chinese_date("2026-01-05"), "2026年1月5日");
    }
}
