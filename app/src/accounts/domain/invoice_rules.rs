//! 发票信息: the saved invoice titles (增值税电子普通发票) and their rules.

use crate::{
    accounts::domain::identity::CreditCode,
    error::{AppResult, Validation},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceTitle {
    pub id: i64,
    pub title: String,
    pub tax_number: String,
    pub address: String,
    pub phone: String,
    pub bank_name: String,
    pub bank_account: String,
    pub is_default: bool,
}

/// Checks an edit and returns it tidied (trimmed, tax number upper-case).
pub fn validate(input: &InvoiceTitle) -> AppResult<InvoiceTitle> {
    let mut v = Validation::new();
    let title = input.title.trim();
    let tax_number = input.tax_number.trim().to_ascii_uppercase();
    let length = title.chars().count();
    v.check(length >= 2, "title", "请输入发票抬头");
    v.check(length <= 100, "title", "发票抬头不能超过100个字");
    if !tax_number.is_empty() {
        let shape_ok = matches!(tax_number.len(), 15 | 17 | 18 | 20)
            && tax_number.bytes().all(|b| b.is_ascii_alphanumeric());
        if !shape_ok {
            v.add("tax_number", "纳税人识别号应为15、17、18或20位数字和字母");
        } else if tax_number.len() == 18
            && let Err(e) = CreditCode::parse(&tax_number)
        {
            v.add("tax_number", e.message());
        }
    }
    for (field, value, max) in [
        ("address", &input.address, 100),
        ("phone", &input.phone, 30),
        ("bank_name", &input.bank_name, 100),
        ("bank_account", &input.bank_account, 40),
    ] {
        v.check(value.trim().chars().count() <= max, field, "内容过长");
    }
    v.finish()?;
    Ok(InvoiceTitle {
        id: input.id,
        title: title.to_owned(),
        tax_number,
        address: input.address.trim().to_owned(),
        phone: input.phone.trim().to_owned(),
        bank_name: input.bank_name.trim().to_owned(),
        bank_account: input.bank_account.trim().to_owned(),
        is_default: input.is_default,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        let ok = InvoiceTitle {
            title: " 四川示范水利工程有限公司 ".into(),
            tax_number: "91510100ma6cx00019".into(),
            ..Default::default()
        };
        let tidy = validate(&ok).unwrap();
        assert_eq!(tidy.title, "四川示范水利工程有限公司");
        assert_eq!(tidy.tax_number, "91510100MA6CX00019");
        assert!(validate(&InvoiceTitle { title: "张三".into(), ..Default::default() }).is_ok());
        let bad =
            InvoiceTitle { title: "x".into(), tax_number: "91510100MA6CX00018".into(), ..Default::default() };
        let err = validate(&bad).unwrap_err();
        assert!(err.field("title").is_some() && err.field("tax_number").is_some());
        assert!(
            validate(&InvoiceTitle {
                title: "某公司".into(),
                tax_number: "123".into(),
                ..Default::default()
            })
            .is_err()
        );
    }
}
