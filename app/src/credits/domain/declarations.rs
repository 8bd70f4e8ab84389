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

/// The most fields one kind asks.
pub const MAX_FIELDS: usize = 12;

impl FieldKind {
    pub const ALL: [FieldKind; 5] = [Self::Text, Self::Date, Self::Number, Self::Choice, Self::File];

    pub fn code(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Date => "date",
            Self::Number => "number",
            Self::Choice => "choice",
            Self::File => "file",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Text => "文本",
            Self::Date => "日期",
            Self::Number => "数字",
            Self::Choice => "选项",
            Self::File => "文件",
        }
    }
}

/// One row of the kind editor, as posted: `key` is empty for a new field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FieldRow {
    pub key: String,
    pub label: String,
    pub kind: String,
    /// "on" when ticked.
    pub required: String,
    /// Choices separated by "、" or ",".
    pub options: String,
    pub max: String,
}

/// A kind as the editor posts it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeForm {
    pub code: String,
    pub name: String,
    pub per_item: String,
    pub active: bool,
    /// Rows with an empty label are left out (the editor offers blank rows).
    pub fields: Vec<FieldRow>,
}

impl TypeForm {
    /// The form from the posted pairs: `code`, `name`, `per_item`, `active`, and per
    /// row `field_<i>_key`, `_label`, `_kind`, `_required`, `_options`, `_max`.
    pub fn from_pairs(pairs: &std::collections::HashMap<String, String>) -> Self {
        let get = |name: &str| pairs.get(name).cloned().unwrap_or_default();
        let rows = (0..MAX_FIELDS + 4)
            .take_while(|i| pairs.contains_key(&format!("field_{i}_label")))
            .map(|i| FieldRow {
                key: get(&format!("field_{i}_key")),
                label: get(&format!("field_{i}_label")),
                kind: get(&format!("field_{i}_kind")),
                required: get(&format!("field_{i}_required")),
                options: get(&format!("field_{i}_options")),
                max: get(&format!("field_{i}_max")),
            })
            .collect();
        Self {
            code: get("code"),
            name: get("name"),
            per_item: get("per_item"),
            active: get("active") == "on",
            fields: rows,
        }
    }
}

/// Checks the editor's form; a new field gets the first free key `f1`, `f2` …, an
/// existing one keeps its key, so what was declared under it still shows.
pub fn check_type(form: &TypeForm) -> Result<(DeclarationType, bool), Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 20 || name.chars().any(char::is_control) {
        errors.push(field_error("name", "请填写类型名称（不超过 20 字）"));
    }
    let per_item = match form.per_item.trim() {
        "" => None,
        text => match Hours::parse(text) {
            Ok(Hours(0)) | Err(_) => {
                errors.push(field_error("per_item", "每项折算学时应为大于 0 的数，最多一位小数"));
                None
            }
            Ok(hours) => Some(hours),
        },
    };
    let rows: Vec<(usize, &FieldRow)> =
        form.fields.iter().enumerate().filter(|(_, r)| !r.label.trim().is_empty()).collect();
    if rows.is_empty() {
        errors.push(field_error("fields", "至少需要一个字段"));
    }
    if rows.len() > MAX_FIELDS {
        errors.push(field_error("fields", format!("最多 {MAX_FIELDS} 个字段")));
    }
    let used: Vec<String> =
        rows.iter().map(|(_, r)| r.key.trim().to_owned()).filter(|k| !k.is_empty()).collect();
    let mut next = 1;
    let mut fields = Vec::new();
    for (i, row) in rows {
        let at = |what: &str| format!("field_{i}_{what}");
        let label = row.label.trim().to_owned();
        if label.chars().count() > 20 || label.chars().any(char::is_control) {
            errors.push(field_error(at("label"), "字段名称不超过 20 字"));
        }
        if fields.iter().any(|f: &FieldSpec| f.label == label) {
            errors.push(field_error(at("label"), format!("字段“{label}”重复")));
        }
        let Some(kind) = FieldKind::from_code(row.kind.trim()) else {
            errors.push(field_error(at("kind"), "请选择字段类型"));
            continue;
        };
        let options: Vec<String> = row
            .options
            .split(['、', ',', '，'])
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_owned)
            .collect();
        if kind == FieldKind::Choice && options.len() < 2 {
            errors.push(field_error(at("options"), "选项类字段至少需要两个选项，用顿号分隔"));
        }
        let max = match row.max.trim() {
            "" => None,
            text => match text.parse::<i64>() {
                Ok(max) if (1..=1_000_000).contains(&max) => Some(max),
                _ => {
                    errors.push(field_error(at("max"), "上限应为 1 到 1000000 的整数"));
                    None
                }
            },
        };
        let key = match row.key.trim() {
            "" => loop {
                let candidate = format!("f{next}");
                next += 1;
                if !used.contains(&candidate) && !fields.iter().any(|f: &FieldSpec| f.key == candidate) {
                    break candidate;
                }
            },
            key if key.len() <= 20 && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
                key.to_owned()
            }
            _ => {
                errors.push(field_error(at("label"), "字段标识不正确"));
                continue;
            }
        };
        fields.push(FieldSpec {
            key,
            label,
            kind,
            required: row.required == "on",
            options: if kind == FieldKind::Choice { options } else { Vec::new() },
            max: if matches!(kind, FieldKind::Text | FieldKind::Number) { max } else { None },
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((
        DeclarationType { code: form.code.trim().to_owned(), name: name.to_owned(), fields, per_item },
        form.active,
    ))
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

    fn row(key: &str, label: &str, kind: &str, options: &str) -> FieldRow {
        FieldRow {
            key: key.into(),
            label: label.into(),
            kind: kind.into(),
            required: "on".into(),
            options: options.into(),
            max: String::new(),
        }
    }

    #[test]
    fn the_kind_editor_keeps_keys_and_gives_new_fields_free_ones() {
        let form = TypeForm {
            code: "conference".into(),
            name: "学术会议".into(),
            per_item: "".into(),
            active: true,
            fields: vec![
                row("name", "会议名称", "text", ""),
                row("", "会议级别", "choice", "国际、全国，省级"),
                row("", "", "text", ""),
                row("", "会议日期", "date", "ignored"),
            ],
        };
        let (kind, active) = check_type(&form).unwrap();
        assert!(active);
        let keys: Vec<&str> = kind.fields.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["name", "f1", "f2"], "the blank row is left out");
        assert_eq!(kind.fields[1].options, ["国际", "全国", "省级"]);
        assert!(kind.fields[2].options.is_empty());
    }

    #[test]
    fn the_kind_editor_refuses_what_would_break_the_form() {
        let bad = TypeForm {
            code: "x".into(),
            name: "".into(),
            per_item: "0".into(),
            active: false,
            fields: vec![
                row("", "级别", "choice", "只有一个"),
                row("", "级别", "text", ""),
                row("", "名称", "colour", ""),
                FieldRow { max: "0".into(), ..row("bad key!", "标识", "text", "") },
            ],
        };
        let fields: Vec<String> = check_type(&bad).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "name",
                "per_item",
                "field_0_options",
                "field_1_label",
                "field_2_kind",
                "field_3_max",
                "field_3_label"
            ]
        );
        let empty = TypeForm { name: "其他".into(), ..TypeForm::default() };
        assert_eq!(check_type(&empty).unwrap_err()[0].field, "fields");
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
