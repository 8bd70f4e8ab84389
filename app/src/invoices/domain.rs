//! 申请开票 and 发票下载: after payment a trainee applies for a VAT
//! electronic ordinary invoice (增值税电子普通发票) for their order, or for several
//! paid orders of people of the same unit (同单位合开, with a note of who is included);
//! finance issues it (number, date, PDF) or refuses it with a reason, and may void an
//! issued one with a required reason, after which a new application is possible.

use crate::{
    accounts::domain::invoice_rules::{self, InvoiceTitle},
    error::{AppResult, Validation},
};
use serde::{Deserialize, Serialize};

pub const NOTE_MAX_CHARS: usize = 200;
pub const REASON_MAX_CHARS: usize = 200;
/// Orders one joint application may cover (the applicant's own and colleagues').
pub const MAX_ORDERS: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    /// 待开票: waiting for finance.
    Requested,
    /// 已开票: number, date and PDF available.
    Issued,
    /// 已驳回: refused with a reason; the orders may be applied for again.
    Rejected,
    /// 已作废: voided with a reason; the orders may be applied for again.
    Voided,
}

impl InvoiceStatus {
    pub const ALL: [InvoiceStatus; 4] = [Self::Requested, Self::Issued, Self::Rejected, Self::Voided];

    pub fn code(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Issued => "issued",
            Self::Rejected => "rejected",
            Self::Voided => "voided",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Requested => "待开票",
            Self::Issued => "已开票",
            Self::Rejected => "已驳回",
            Self::Voided => "已作废",
        }
    }

    /// Whether the invoice still claims its orders (no second application for them).
    pub fn is_live(self) -> bool {
        matches!(self, Self::Requested | Self::Issued)
    }

    pub fn tag_class(self) -> &'static str {
        match self {
            Self::Requested => "bg-amber-50 text-amber-800 ring-amber-200",
            Self::Issued => "bg-green-50 text-green-700 ring-green-200",
            Self::Rejected => "bg-red-50 text-red-700 ring-red-200",
            Self::Voided => "bg-slate-100 text-slate-600 ring-slate-200",
        }
    }
}

crate::stored_code!(InvoiceStatus);

/// What finance may do to an invoice in a given status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceAction {
    Issue,
    Reject,
    Void,
}

impl InvoiceStatus {
    pub fn apply(self, action: InvoiceAction) -> Result<InvoiceStatus, String> {
        match (self, action) {
            (Self::Requested, InvoiceAction::Issue) => Ok(Self::Issued),
            (Self::Requested, InvoiceAction::Reject) => Ok(Self::Rejected),
            (Self::Issued, InvoiceAction::Void) => Ok(Self::Voided),
            (from, _) => Err(format!("该发票当前为“{}”，不能执行此操作", from.label())),
        }
    }
}

/// The trainee's application as typed: a title (saved or new), an e-mail for the
/// electronic invoice, and for 同单位合开 colleagues' order numbers and a note.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationInput {
    pub title: InvoiceTitle,
    pub email: String,
    /// Colleagues' order numbers, one per line or separated by commas or spaces.
    pub joint_orders: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub title: InvoiceTitle,
    pub email: String,
    pub joint_orders: Vec<String>,
    pub note: String,
}

/// Checks an application and returns it tidied. The order numbers are checked for
/// shape only; whose they are is the server's business.
pub fn validate_application(input: &ApplicationInput) -> AppResult<Application> {
    let title = invoice_rules::validate(&input.title);
    let mut v = Validation::new();
    let email = input.email.trim().to_owned();
    if !email.is_empty() {
        let shaped = email.len() <= 100
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            })
            && !email.chars().any(char::is_whitespace);
        v.check(shaped, "email", "请输入正确的电子邮箱");
    }
    let mut joint_orders: Vec<String> = Vec::new();
    for number in input.joint_orders.split(|c: char| c == ',' || c == '，' || c == ';' || c.is_whitespace())
    {
        let number = number.trim().to_ascii_uppercase();
        if number.is_empty() || joint_orders.contains(&number) {
            continue;
        }
        if !is_order_number(&number) {
            v.add("joint_orders", format!("订单号“{number}”格式不正确"));
            break;
        }
        joint_orders.push(number);
    }
    v.check(joint_orders.len() < MAX_ORDERS, "joint_orders", "一次合开的订单过多");
    let note = input.note.trim().to_owned();
    v.check(note.chars().count() <= NOTE_MAX_CHARS, "note", "备注不超过200字");
    v.check(joint_orders.is_empty() || !note.is_empty(), "note", "同单位合开请在备注中写明合开人员");
    // Field errors of the title and of the rest come back together.
    let title = match (title, v.finish()) {
        (Ok(title), Ok(())) => title,
        (Err(a), Err(b)) => {
            let mut fields = a.fields;
            fields.extend(b.fields);
            return Err(crate::error::AppError::invalid_fields(fields));
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    Ok(Application { title, email, joint_orders, note })
}

/// `XS` + 8 date digits + 12 digits (see `orders::domain::order_number`).
pub fn is_order_number(text: &str) -> bool {
    text.len() == 22 && text.starts_with("XS") && text[2..].bytes().all(|b| b.is_ascii_digit())
}

/// An invoice number as the tax system prints it: 8 digits (older invoices) or 20
/// (全电发票).
pub fn validate_invoice_number(text: &str) -> Result<String, &'static str> {
    let number = text.trim();
    if matches!(number.len(), 8 | 20) && number.bytes().all(|b| b.is_ascii_digit()) {
        Ok(number.to_owned())
    } else {
        Err("发票号码应为8位或20位数字")
    }
}

pub fn validate_reason(reason: &str, what: &'static str) -> AppResult<String> {
    let reason = reason.trim();
    let mut v = Validation::new();
    v.check(!reason.is_empty(), "reason", &format!("请填写{what}"));
    v.check(reason.chars().count() <= REASON_MAX_CHARS, "reason", &format!("{what}不超过200字"));
    v.finish()?;
    Ok(reason.to_owned())
}

/// The line that says who a joint invoice covers, stored with it.
pub fn coverage_note(names: &[String], note: &str) -> String {
    if names.len() <= 1 {
        return note.to_owned();
    }
    let people = format!("合开人员：{}", names.join("、"));
    if note.is_empty() { people } else { format!("{people}。{note}") }
}

/// The VAT rate printed on the platform's invoices (education services, general
/// taxpayer): prices are tax-inclusive, the invoice shows the split.
pub const VAT_PERCENT: i64 = 6;

/// Splits a tax-inclusive amount into (net, tax), rounding the net to the nearest
/// fen; the two always add up to the amount.
pub fn split_tax(gross_fen: i64, percent: i64) -> (i64, i64) {
    let net = (gross_fen * 100 * 2 + (100 + percent)) / (2 * (100 + percent));
    (net, gross_fen - net)
}

/// 价税合计（大写）: an amount in fen written in Chinese capital numerals, as invoices
/// and cheques print it (壹仟伍佰捌拾元整, 叁佰元零伍分).
pub fn amount_in_words(fen: i64) -> String {
    const DIGITS: [&str; 10] = ["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"];
    const UNITS: [&str; 4] = ["", "拾", "佰", "仟"];
    const GROUPS: [&str; 4] = ["", "万", "亿", "万亿"];
    if fen < 0 {
        return format!("负{}", amount_in_words(-fen));
    }
    let yuan = fen / 100;
    let jiao = (fen / 10) % 10;
    let cents = fen % 10;
    let mut words = String::new();
    if yuan > 0 {
        // Groups of four digits from the top; a run of zeros inside the number is
        // read as one 零, trailing zeros of a group not at all.
        let mut groups = Vec::new();
        let mut rest = yuan;
        while rest > 0 {
            groups.push(rest % 10_000);
            rest /= 10_000;
        }
        let mut pending_zero = false;
        for (index, group) in groups.iter().enumerate().rev() {
            if *group == 0 {
                pending_zero = !words.is_empty();
                continue;
            }
            if !words.is_empty() && (*group < 1000 || pending_zero) {
                words.push_str(DIGITS[0]);
            }
            pending_zero = false;
            let digits = [group / 1000, (group / 100) % 10, (group / 10) % 10, group % 10];
            let mut zero = false;
            let mut started = false;
            for (position, digit) in digits.iter().enumerate() {
                if *digit == 0 {
                    zero = started;
                    continue;
                }
                if zero {
                    words.push_str(DIGITS[0]);
                    zero = false;
                }
                started = true;
                words.push_str(DIGITS[*digit as usize]);
                words.push_str(UNITS[3 - position]);
            }
            words.push_str(GROUPS[index.min(3)]);
        }
        words.push('元');
    }
    match (jiao, cents) {
        (0, 0) if yuan == 0 => "零元整".to_owned(),
        (0, 0) => words + "整",
        (0, c) => {
            if yuan > 0 {
                words.push_str(DIGITS[0]);
            }
            words + DIGITS[c as usize] + "分"
        }
        (j, 0) => words + DIGITS[j as usize] + "角整",
        (j, c) => words + DIGITS[j as usize] + "角" + DIGITS[c as usize] + "分",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn title() -> InvoiceTitle {
        InvoiceTitle {
            title: "四川示范水利工程有限公司".into(),
            tax_number: "91510100MA6CX00019".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_plain_application_needs_only_a_title() {
        let app = validate_application(&ApplicationInput { title: title(), ..Default::default() }).unwrap();
        assert!(app.joint_orders.is_empty());
        assert_eq!(app.title.tax_number, "91510100MA6CX00019");
    }

    #[test]
    fn joint_applications_list_order_numbers_and_say_who() {
        let input = ApplicationInput {
            title: title(),
            joint_orders: "xs20261122000000000042，XS20261122000000000043\nXS20261122000000000042".into(),
            note: "与李四合开".into(),
            ..Default::default()
        };
        let app = validate_application(&input).unwrap();
        assert_eq!(app.joint_orders, ["XS20261122000000000042", "XS20261122000000000043"]);
        let no_note = ApplicationInput { note: String::new(), ..input.clone() };
        assert!(validate_application(&no_note).unwrap_err().field("note").is_some());
        let bad = ApplicationInput { joint_orders: "XS123".into(), ..input };
        assert!(validate_application(&bad).unwrap_err().field("joint_orders").is_some());
    }

    #[test]
    fn title_and_other_errors_come_back_together() {
        let input = ApplicationInput {
            title: InvoiceTitle { title: "x".into(), ..Default::default() },
            email: "not-an-email".into(),
            ..Default::default()
        };
        let err = validate_application(&input).unwrap_err();
        assert!(err.field("title").is_some() && err.field("email").is_some());
    }

    #[test]
    fn invoice_numbers_are_8_or_20_digits() {
        assert_eq!(validate_invoice_number(" 12345678 "), Ok("12345678".into()));
        assert!(validate_invoice_number("26512000000012345678").is_ok());
        assert!(validate_invoice_number("1234567").is_err());
        assert!(validate_invoice_number("1234567A").is_err());
    }

    #[test]
    fn only_requested_invoices_are_issued_or_refused_and_only_issued_ones_voided() {
        use InvoiceAction::*;
        use InvoiceStatus::*;
        assert_eq!(Requested.apply(Issue), Ok(Issued));
        assert_eq!(Requested.apply(Reject), Ok(Rejected));
        assert_eq!(Issued.apply(Void), Ok(Voided));
        for (from, action) in
            [(Requested, Void), (Issued, Issue), (Issued, Reject), (Rejected, Issue), (Voided, Void)]
        {
            assert!(from.apply(action).is_err(), "{from:?} {action:?}");
        }
        assert!(Requested.is_live() && Issued.is_live() && !Rejected.is_live() && !Voided.is_live());
    }

    #[test]
    fn stored_statuses_decode_and_unknown_ones_are_errors() {
        for s in InvoiceStatus::ALL {
            assert_eq!(InvoiceStatus::try_from(s.code()), Ok(s));
        }
        assert!(InvoiceStatus::try_from("cancelled").is_err());
        assert!(InvoiceStatus::try_from(String::new()).is_err());
    }

    #[test]
    fn amounts_in_capital_numerals() {
        assert_eq!(amount_in_words(158_000), "壹仟伍佰捌拾元整");
        assert_eq!(amount_in_words(30_005), "叁佰元零伍分");
        assert_eq!(amount_in_words(128_050), "壹仟贰佰捌拾元伍角整");
        assert_eq!(amount_in_words(100_123), "壹仟零壹元贰角叁分");
        assert_eq!(amount_in_words(1_000_000), "壹万元整");
        assert_eq!(amount_in_words(1_005_000), "壹万零伍拾元整");
        assert_eq!(amount_in_words(1_000_000_000), "壹仟万元整");
        assert_eq!(amount_in_words(1_000_010_000), "壹仟万零壹佰元整");
        assert_eq!(amount_in_words(10_000_000_000), "壹亿元整");
        assert_eq!(amount_in_words(10_001_000_000), "壹亿零壹万元整");
        assert_eq!(amount_in_words(10_010_000_000), "壹亿零壹拾万元整");
        assert_eq!(amount_in_words(11_000_000_000), "壹亿壹仟万元整");
        assert_eq!(amount_in_words(20_00), "贰拾元整");
        assert_eq!(amount_in_words(5), "伍分");
        assert_eq!(amount_in_words(0), "零元整");
    }

    #[test]
    fn tax_splits_add_up() {
        assert_eq!(split_tax(158_000, 6), (149_057, 8_943));
        assert_eq!(split_tax(106, 6), (100, 6));
        for gross in [1, 99, 12_345, 2_000_000] {
            let (net, tax) = split_tax(gross, 6);
            assert_eq!(net + tax, gross);
            assert!(tax >= 0);
        }
    }

    #[test]
    fn the_coverage_note_names_everyone() {
        assert_eq!(coverage_note(&["张三".into()], ""), "");
        assert_eq!(coverage_note(&["张三".into(), "李四".into()], "同部门"), "合开人员：张三、李四。同部门");
        assert!(validate_reason(" ", "作废原因").is_err());
        assert_eq!(validate_reason("开错抬头", "作废原因").unwrap(), "开错抬头");
    }
}
