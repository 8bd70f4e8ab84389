//! The invoice the platform draws from the order data, laid out like the electronic
//! ordinary invoice (电子发票（普通发票）): number and date, buyer and seller, the
//! items with net amount, rate and tax, the total in figures and in capitals, the
//! note, and who issued it.

use crate::invoices::domain::{VAT_PERCENT, amount_in_words, split_tax};
use crate::{
    accounts::domain::invoice_rules::InvoiceTitle,
    error::AppResult,
    orders::domain::{PAYEE_ACCOUNT, PAYEE_BANK, PAYEE_NAME, PAYEE_TAX_NUMBER},
    platform::{
        money::Fen,
        server::pdf::{A4_WIDTH, Canvas, Ink, PdfFont},
    },
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceItem {
    /// `*教育服务*培训费`: the tax category between asterisks, as invoices print it.
    pub name: String,
    /// The class.
    pub spec: String,
    pub quantity: i64,
    /// Tax-inclusive.
    pub amount_fen: Fen,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceDocument {
    pub invoice_no: String,
    pub issued_on: String,
    pub buyer: InvoiceTitle,
    pub items: Vec<InvoiceItem>,
    pub total_fen: Fen,
    pub note: String,
    pub drawer: String,
}

const LEFT: f32 = 40.0;
const RIGHT: f32 = A4_WIDTH - 40.0;

pub async fn render(font: &PdfFont, doc: InvoiceDocument) -> AppResult<Vec<u8>> {
    font.render(move |c| draw(c, &doc)).await
}

fn draw(c: &mut Canvas<'_, '_>, doc: &InvoiceDocument) {
    c.text_centered(A4_WIDTH / 2.0, 70.0, 20.0, Ink::Form, "电子发票（普通发票）");
    c.line((A4_WIDTH / 2.0 - 110.0, 78.0), (A4_WIDTH / 2.0 + 110.0, 78.0), Ink::Form);
    c.line((A4_WIDTH / 2.0 - 110.0, 81.0), (A4_WIDTH / 2.0 + 110.0, 81.0), Ink::Form);
    c.text(400.0, 60.0, 9.0, Ink::Form, "发票号码：");
    c.text(450.0, 60.0, 9.0, Ink::Black, &doc.invoice_no);
    c.text(400.0, 76.0, 9.0, Ink::Form, "开票日期：");
    c.text(450.0, 76.0, 9.0, Ink::Black, &chinese_date(&doc.issued_on));

    // Buyer and seller.
    let top = 100.0;
    c.rect(LEFT, top, RIGHT - LEFT, 84.0, Ink::Form);
    c.line((A4_WIDTH / 2.0, top), (A4_WIDTH / 2.0, top + 84.0), Ink::Form);
    party(
        c,
        LEFT,
        top,
        "购买方信息",
        &doc.buyer.title,
        &doc.buyer.tax_number,
        &[join(&doc.buyer.address, &doc.buyer.phone), join(&doc.buyer.bank_name, &doc.buyer.bank_account)],
    );
    party(
        c,
        A4_WIDTH / 2.0,
        top,
        "销售方信息",
        PAYEE_NAME,
        PAYEE_TAX_NUMBER,
        &[String::new(), join(PAYEE_BANK, PAYEE_ACCOUNT)],
    );

    // Items.
    let table = top + 84.0;
    let columns: [(f32, &str); 8] = [
        (LEFT + 4.0, "项目名称"),
        (165.0, "规格型号"),
        (300.0, "单位"),
        (330.0, "数量"),
        (362.0, "单价"),
        (415.0, "金额"),
        (465.0, "税率"),
        (500.0, "税额"),
    ];
    let row_height = 18.0;
    let body_rows = doc.items.len().max(4) as f32;
    let height = row_height * (body_rows + 2.0);
    c.rect(LEFT, table, RIGHT - LEFT, height, Ink::Form);
    for (x, heading) in columns {
        c.text(x, table + 13.0, 9.0, Ink::Form, heading);
    }
    let (mut net_total, mut tax_total) = (0, 0);
    for (index, item) in doc.items.iter().enumerate() {
        let y = table + row_height * (index as f32 + 2.0) - 5.0;
        let (net, tax) = split_tax(item.amount_fen.fen(), VAT_PERCENT);
        net_total += net;
        tax_total += tax;
        c.text(columns[0].0, y, 8.5, Ink::Black, &clip(&item.name, 13));
        c.text(columns[1].0, y, 8.5, Ink::Black, &clip(&item.spec, 13));
        c.text(columns[2].0, y, 8.5, Ink::Black, "人次");
        c.text(columns[3].0, y, 8.5, Ink::Black, &item.quantity.to_string());
        let unit = net / item.quantity.max(1);
        c.text_right(410.0, y, 8.5, Ink::Black, &plain_fen(unit));
        c.text_right(460.0, y, 8.5, Ink::Black, &plain_fen(net));
        c.text(columns[6].0, y, 8.5, Ink::Black, &format!("{VAT_PERCENT}%"));
        c.text_right(RIGHT - 4.0, y, 8.5, Ink::Black, &plain_fen(tax));
    }
    let sum_y = table + height - 5.0;
    c.line((LEFT, table + height - row_height), (RIGHT, table + height - row_height), Ink::Form);
    c.text(LEFT + 4.0, sum_y, 9.0, Ink::Form, "合　　计");
    c.text_right(460.0, sum_y, 9.0, Ink::Black, &format!("¥{}", plain_fen(net_total)));
    c.text_right(RIGHT - 4.0, sum_y, 9.0, Ink::Black, &format!("¥{}", plain_fen(tax_total)));

    // Total, note, issuer.
    let total_top = table + height;
    c.rect(LEFT, total_top, RIGHT - LEFT, 24.0, Ink::Form);
    c.text(LEFT + 4.0, total_top + 16.0, 9.0, Ink::Form, "价税合计（大写）");
    c.text(
        LEFT + 90.0,
        total_top + 16.0,
        10.0,
        Ink::Black,
        &format!("⊗ {}", amount_in_words(doc.total_fen.fen())),
    );
    c.text(390.0, total_top + 16.0, 9.0, Ink::Form, "（小写）");
    c.text(430.0, total_top + 16.0, 10.0, Ink::Black, &doc.total_fen.to_string());
    let note_top = total_top + 24.0;
    c.rect(LEFT, note_top, RIGHT - LEFT, 60.0, Ink::Form);
    c.text(LEFT + 4.0, note_top + 16.0, 9.0, Ink::Form, "备注");
    for (index, line) in wrap(&doc.note, 44).iter().take(3).enumerate() {
        c.text(LEFT + 40.0, note_top + 16.0 + 14.0 * index as f32, 9.0, Ink::Black, line);
    }
    c.text(LEFT, note_top + 84.0, 9.0, Ink::Form, "开票人：");
    c.text(LEFT + 40.0, note_top + 84.0, 9.0, Ink::Black, &doc.drawer);
    c.text(LEFT, note_top + 110.0, 7.5, Ink::Grey, "本发票由学时平台根据订单数据生成。");
}

fn party(
    c: &mut Canvas<'_, '_>,
    x: f32,
    top: f32,
    heading: &str,
    name: &str,
    tax_number: &str,
    extra: &[String],
) {
    c.text(x + 6.0, top + 16.0, 9.0, Ink::Form, heading);
    c.text(x + 6.0, top + 32.0, 9.0, Ink::Form, "名称：");
    c.text(x + 36.0, top + 32.0, 9.0, Ink::Black, &clip(name, 22));
    c.text(x + 6.0, top + 48.0, 9.0, Ink::Form, "统一社会信用代码/纳税人识别号：");
    c.text(x + 6.0, top + 62.0, 9.0, Ink::Black, tax_number);
    for (index, line) in extra.iter().filter(|l| !l.is_empty()).enumerate() {
        c.text(x + 6.0, top + 76.0 + 10.0 * index as f32, 7.5, Ink::Grey, &clip(line, 30));
    }
}

fn join(a: &str, b: &str) -> String {
    [a, b].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" ")
}

/// `2026-12-01` → `2026年12月01日`.
fn chinese_date(date: &str) -> String {
    let parts: Vec<&str> = date.split('-').collect();
    match parts.as_slice() {
        [y, m, d] => format!("{y}年{m}月{d}日"),
        _ => date.to_owned(),
    }
}

/// Amount without the currency sign: `1,490.57` → `1490.57` (invoice columns).
fn plain_fen(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, (fen % 100).abs())
}

fn clip(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_owned()
    } else {
        text.chars().take(max_chars - 1).chain(std::iter::once('…')).collect()
    }
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(width.max(1)).map(|chunk| chunk.iter().collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_amounts_and_text_fit_the_form() {
        assert_eq!(chinese_date("2026-12-01"), "2026年12月01日");
        assert_eq!(plain_fen(149_057), "1490.57");
        assert_eq!(clip("四川水利职业培训中心监理业务培训班", 8), "四川水利职业培…");
        assert_eq!(wrap("一二三四五", 2), ["一二", "三四", "五"]);
        assert_eq!(join("成都市", ""), "成都市");
    }

    /// Needs a CJK font (`make test` installs fonts-noto-cjk).
    #[tokio::test]
    async fn draws_a_small_pdf_with_the_font_subset() {
        let font = PdfFont::new(None);
        let doc = InvoiceDocument {
            invoice_no: "26512000000012345678".into(),
            issued_on: "2026-12-01".into(),
            buyer: InvoiceTitle {
                title: "四川示范水利工程有限公司".into(),
                tax_number: "91510100MA6CX00019".into(),
                ..Default::default()
            },
            items: vec![InvoiceItem {
                name: "*教育服务*培训费".into(),
                spec: "监理业务培训".into(),
                quantity: 1,
                amount_fen: Fen::new(128_000).unwrap(),
            }],
            total_fen: Fen::new(128_000).unwrap(),
            note: "订单号：XS20261201000000000001".into(),
            drawer: "孙丽".into(),
        };
        let bytes = render(&font, doc).await.expect("a CJK font is installed");
        assert!(bytes.starts_with(b"%PDF-"));
        // The font is subset: a few tens of KB, not the 20 MB collection.
        assert!(bytes.len() < 200_000, "{} bytes", bytes.len());
    }
}
