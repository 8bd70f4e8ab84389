//! 继续教育记录申报: the kinds of record (each with its own typed fields, data the
//! authority keeps), the declaration's states, and the check of what a trainee types.

use super::declarable_years;
use crate::{
    catalogue::domain::{Category, Hours},
    error::FieldError,
    platform::time::check_date,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The 备注 of a declaration, at most this many characters.
pub const REMARK_MAX_CHARS: usize = 1000;
/// A text field without its own limit.
const TEXT_MAX_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Date,
    Number,
    Choice,
    File,
}

/// One field a kind of record asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSpec {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// The choices of a `choice` field.
    #[serde(default)]
    pub options: Vec<String>,
    /// Most characters of a text field, largest value of a number.
    #[serde(default)]
    pub max: Option<i64>,
}

impl FieldSpec {
    /// The form field's name: type fields are prefixed so they never meet the common ones.
    pub fn input_name(&self) -> String {
        format!("f_{}", self.key)
    }
}

/// A kind of record (继续教育类型).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclarationType {
    pub code: String,
    pub name: String,
    pub fields: Vec<FieldSpec>,
    /// Every record of this kind counts this much (论文: 10 学时 each); None: the
    /// hours the trainee claims.
    pub per_item: Option<Hours>,
}

impl DeclarationType {
    /// The conversion rule in words, if the kind has one.
    pub fn conversion(&self) -> Option<String> {
        self.per_item.map(|hours| format!("{}按规定折算，每项计 {} 学时。", self.name, hours))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclarationStatus {
    Draft,
    Pending,
    Approved,
    Rejected,
}

impl DeclarationStatus {
    pub const ALL: [DeclarationStatus; 4] = [Self::Draft, Self::Pending, Self::Approved, Self::Rejected];

    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "草稿",
            Self::Pending => "待单位审核",
            Self::Approved => "审核通过",
            Self::Rejected => "审核不通过",
        }
    }

    /// The trainee may change it, send it (again) or delete it.
    pub fn editable(self) -> bool {
        matches!(self, Self::Draft | Self::Rejected)
    }
}

crate::stored_code!(DeclarationStatus);

/// A declaration as the form posts it, all text; `values` holds the type's fields by
/// key (files by the id they were stored under).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeclarationInput {
    pub year: String,
    pub category: String,
    pub hours: String,
    pub remark: String,
    pub values: BTreeMap<String, String>,
}

/// A declaration that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedDeclaration {
    pub year: i64,
    pub category: Category,
    pub claimed: Hours,
    /// The record's name: its first text field.
    pub title: String,
    pub values: BTreeMap<String, String>,
    pub remark: String,
}

fn field_error(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError { field: field.into(), message: message.into() }
}

/// Checks a declaration of `kind` made in `this_year`; every broken rule comes back
/// at once, each naming its form field.
pub fn check(
    kind: &DeclarationType,
    input: &DeclarationInput,
    this_year: i64,
) -> Result<CheckedDeclaration, Vec<FieldError>> {
    let mut errors = Vec::new();
    let years = declarable_years(this_year);
    let year = match input.year.trim().parse::<i64>() {
        Ok(year) if years.contains(&year) => year,
        _ => {
            errors.push(field_error("year", format!("计入年度只能选择 {} 或 {} 年", years[0], years[1])));
            0
        }
    };
    let category = Category::from_code(input.category.trim());
    if category.is_none() {
        errors.push(field_error("category", "请选择学时类别"));
    }
    let claimed = match kind.per_item {
        Some(hours) => hours,
        None => match Hours::parse(&input.hours) {
            Ok(Hours(0)) => {
                errors.push(field_error("hours", "请填写申报学时"));
                Hours(0)
            }
            Ok(hours) => hours,
            Err(message) => {
                errors.push(field_error("hours", message));
                Hours(0)
            }
        },
    };
    let remark = input.remark.trim().to_owned();
    if remark.chars().count() > REMARK_MAX_CHARS {
        errors.push(field_error("remark", format!("备注不能超过 {REMARK_MAX_CHARS} 字")));
    }
    let mut values = BTreeMap::new();
    for spec in &kind.fields {
        let value = input.values.get(&spec.key).map(|v| v.trim()).unwrap_or_default();
        if value.is_empty() {
            if spec.required {
                let verb = if spec.kind == FieldKind::File || spec.kind == FieldKind::Choice {
                    "请选择"
                } else {
                    "请填写"
                };
                errors.push(field_error(spec.input_name(), format!("{verb}{}", spec.label)));
            }
            continue;
        }
        if let Err(message) = check_value(spec, value) {
            errors.push(field_error(spec.input_name(), message));
            continue;
        }
        values.insert(spec.key.clone(), value.to_owned());
    }
    let title = kind
        .fields
        .iter()
        .find(|f| f.kind == FieldKind::Text)
        .and_then(|f| values.get(&f.key).cloned())
        .unwrap_or_else(|| kind.name.clone());
    match (errors.is_empty(), category) {
        (true, Some(category)) => Ok(CheckedDeclaration { year, category, claimed, title, values, remark }),
        _ => Err(errors),
    }
}

fn check_value(spec: &FieldSpec, value: &str) -> Result<(), String> {
    match spec.kind {
        FieldKind::Text => {
            let max = spec.max.and_then(|m| usize::try_from(m).ok()).unwrap_or(TEXT_MAX_CHARS);
            if value.chars().count() > max {
                return Err(format!("{}不能超过 {max} 字", spec.label));
            }
            if value.chars().any(char::is_control) {
                return Err(format!("{}含有不能识别的字符", spec.label));
            }
            Ok(())
        }
        FieldKind::Date => check_date(value).map_err(|m| format!("{}：{m}", spec.label)),
        FieldKind::Number => {
            let number: i64 = value.parse().map_err(|_| format!("{}请填写整数", spec.label))?;
            match spec.max {
                _ if number < 0 => Err(format!("{}不能为负数", spec.label)),
                Some(max) if number > max => Err(format!("{}不能大于 {max}", spec.label)),
                _ => Ok(()),
            }
        }
        FieldKind::Choice if spec.options.iter().any(|o| o == value) => Ok(()),
        FieldKind::Choice => Err(format!("请从列表中选择{}", spec.label)),
        // A stored file's id, put here by the server, never typed.
        FieldKind::File => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conference() -> DeclarationType {
        DeclarationType {
            code: "conference".into(),
            name: "学术会议".into(),
            fields: vec![
                FieldSpec {
                    key: "name".into(),
                    label: "会议名称".into(),
                    kind: FieldKind::Text,
                    required: true,
                    options: vec![],
                    max: Some(10),
                },
                FieldSpec {
                    key: "date".into(),
                    label: "会议日期".into(),
                    kind: FieldKind::Date,
                    required: true,
                    options: vec![],
                    max: None,
                },
                FieldSpec {
                    key: "role".into(),
                    label: "参会形式".into(),
                    kind: FieldKind::Choice,
                    required: true,
                    options: vec!["参会".into(), "主持".into()],
                    max: None,
                },
                FieldSpec {
                    key: "rank".into(),
                    label: "排名".into(),
                    kind: FieldKind::Number,
                    required: false,
                    options: vec![],
                    max: Some(50),
                },
            ],
            per_item: None,
        }
    }

    fn input() -> DeclarationInput {
        DeclarationInput {
            year: "2026".into(),
            category: "professional".into(),
            hours: "8".into(),
            remark: "备注".into(),
            values: [("name", "水利年会"), ("date", "2026-05-20"), ("role", "参会")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }

    fn fields_of(result: Result<CheckedDeclaration, Vec<FieldError>>) -> Vec<String> {
        result.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_complete_declaration_passes_with_its_first_text_as_title() {
        let checked = check(&conference(), &input(), 2026).unwrap();
        assert_eq!(
            (checked.year, checked.category, checked.claimed),
            (2026, Category::Professional, Hours(80))
        );
        assert_eq!(checked.title, "水利年会");
        assert_eq!(checked.values.len(), 3);
        let mut last_year = input();
        last_year.year = "2025".into();
        assert!(check(&conference(), &last_year, 2026).is_ok(), "last year may still be declared");
    }

    #[test]
    fn the_remark_holds_at_most_a_thousand_characters() {
        let mut long = input();
        long.remark = "字".repeat(REMARK_MAX_CHARS);
        assert!(check(&conference(), &long, 2026).is_ok());
        long.remark.push('字');
        let errors = check(&conference(), &long, 2026).unwrap_err();
        assert_eq!(errors[0].field, "remark");
        assert_eq!(errors[0].message, "备注不能超过 1000 字");
    }

    #[test]
    fn each_field_is_checked_by_its_kind_and_all_errors_come_back() {
        let mut bad = input();
        bad.year = "2024".into();
        bad.category = "".into();
        bad.hours = "1.25".into();
        bad.values.insert("name".into(), "一个很长很长很长的会议名称".into());
        bad.values.insert("date".into(), "2026-02-30".into());
        bad.values.insert("role".into(), "旁听".into());
        bad.values.insert("rank".into(), "51".into());
        assert_eq!(
            fields_of(check(&conference(), &bad, 2026)),
            ["year", "category", "hours", "f_name", "f_date", "f_role", "f_rank"]
        );
        let mut missing = input();
        missing.values.clear();
        missing.hours = "0".into();
        let errors = check(&conference(), &missing, 2026).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(),
            ["请填写申报学时", "请填写会议名称", "请填写会议日期", "请选择参会形式"]
        );
        let mut odd = input();
        odd.values.insert("name".into(), "会\u{7}议".into());
        odd.values.insert("rank".into(), "−3".into());
        assert_eq!(fields_of(check(&conference(), &odd, 2026)), ["f_name", "f_rank"]);
    }

    #[test]
    fn a_converted_kind_claims_its_fixed_hours() {
        let mut paper = conference();
        paper.per_item = Some(Hours(100));
        let mut typed = input();
        typed.hours = "".into();
        assert_eq!(check(&paper, &typed, 2026).unwrap().claimed, Hours(100));
        assert_eq!(paper.conversion().unwrap(), "学术会议按规定折算，每项计 10 学时。");
    }

    #[test]
    fn only_drafts_and_refused_records_change() {
        assert!(DeclarationStatus::Draft.editable());
        assert!(DeclarationStatus::Rejected.editable());
        assert!(!DeclarationStatus::Pending.editable());
        assert!(!DeclarationStatus::Approved.editable());
        assert_eq!(DeclarationStatus::try_from("pending"), Ok(DeclarationStatus::Pending));
        assert!(DeclarationStatus::try_from("lost").is_err());
    }
}
