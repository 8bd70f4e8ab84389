//! Units (法人单位): what a unit registration holds, who covers which region, the
//! department tree, and the staff import rows. Shared by the browser and the server.

use crate::{
    accounts::domain::identity::{IdNumber, Phone},
    error::{AppError, AppResult, Validation},
};
use serde::{Deserialize, Serialize};

/// 单位性质.
pub const NATURES: [&str; 6] = ["机关", "事业单位", "国有企业", "民营企业", "社会团体", "其他"];
/// 所属行业 (a short list after GB/T 4754 sections).
pub const INDUSTRIES: [&str; 12] = [
    "水利、环境和公共设施管理业",
    "建筑业",
    "制造业",
    "电力、热力、燃气及水生产和供应业",
    "交通运输、仓储和邮政业",
    "信息传输、软件和信息技术服务业",
    "科学研究和技术服务业",
    "教育",
    "卫生和社会工作",
    "农、林、牧、渔业",
    "公共管理、社会保障和社会组织",
    "其他",
];
/// 单位级别.
pub const LEVELS: [&str; 4] = ["省级", "市级", "县级", "其他"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitStatus {
    Pending,
    Approved,
    Rejected,
}

impl UnitStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Pending, Self::Approved, Self::Rejected].into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "待审核",
            Self::Approved => "已通过",
            Self::Rejected => "未通过",
        }
    }
}

crate::stored_code!(UnitStatus);

/// Whether an authority scoped to region `scope` (a GB/T 2260 code such as 510000 for
/// a province or 510100 for a city) covers a unit registered in region `code`.
pub fn region_covers(scope: &str, code: &str) -> bool {
    let prefix = region_prefix(scope);
    !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit()) && code.starts_with(prefix)
}

/// 510000 → "51", 510100 → "5101", 510104 → "510104".
/// Works on bytes: only ASCII "00" pairs are cut, so the end always falls on a
/// character boundary whatever was typed (`1€00` → `1€`).
pub fn region_prefix(code: &str) -> &str {
    let bytes = code.as_bytes();
    let mut end = bytes.len();
    while end >= 2 && &bytes[end - 2..end] == b"00" {
        end -= 2;
    }
    code.get(..end).unwrap_or_default()
}

/// What 单位注册 asks, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitApplication {
    pub credit_code: String,
    pub name: String,
    pub nature: String,
    pub industry: String,
    pub supervisor: String,
    pub level: String,
    pub region_code: String,
    pub address: String,
    pub applicant_id_number: String,
    pub applicant_name: String,
    pub applicant_phone: String,
    /// The SMS code sent to `applicant_phone`.
    pub code: String,
    pub password: String,
    pub password_confirm: String,
}

/// Checks the unit's own fields (the applicant's password rules and uniqueness are
/// the server's).
pub fn validate_application(form: &UnitApplication) -> AppResult<()> {
    use crate::accounts::{domain::identity::CreditCode, domain::profile_rules::check_real_name};
    let mut v = Validation::new();
    if let Err(e) = CreditCode::parse(&form.credit_code) {
        v.add("credit_code", e.message());
    }
    let name = form.name.trim().chars().count();
    v.check(name >= 2, "name", "请输入单位名称");
    v.check(name <= 100, "name", "单位名称不能超过100个字");
    v.check(NATURES.contains(&form.nature.as_str()), "nature", "请选择单位性质");
    v.check(INDUSTRIES.contains(&form.industry.as_str()), "industry", "请选择所属行业");
    v.check(!form.supervisor.trim().is_empty(), "supervisor", "请输入行业主管部门");
    v.check(form.supervisor.trim().chars().count() <= 100, "supervisor", "不能超过100个字");
    v.check(LEVELS.contains(&form.level.as_str()), "level", "请选择单位级别");
    v.check(
        form.region_code.len() == 6 && form.region_code.bytes().all(|b| b.is_ascii_digit()),
        "region_code",
        "请选择所在地区",
    );
    v.check(!form.address.trim().is_empty(), "address", "请输入详细地址");
    v.check(form.address.trim().chars().count() <= 200, "address", "地址不能超过200个字");
    if let Err(e) = IdNumber::parse(&form.applicant_id_number) {
        v.add("applicant_id_number", e.message());
    }
    if let Err(e) = check_real_name(&form.applicant_name) {
        v.add("applicant_name", e);
    }
    if let Err(e) = Phone::parse(&form.applicant_phone) {
        v.add("applicant_phone", e);
    }
    v.check(form.password == form.password_confirm, "password_confirm", "两次输入的密码不一致");
    // A multipart form is not scanned for NUL by the middleware, and PostgreSQL cannot
    // store one in text.
    for (field, value) in [("name", &form.name), ("supervisor", &form.supervisor), ("address", &form.address)]
    {
        v.check(!value.contains('\0'), field, "含有无法识别的字符");
    }
    v.finish()
}

/// A department with its children, for the tree view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentNode {
    pub id: i64,
    pub name: String,
    pub children: Vec<DepartmentNode>,
}

/// A department as stored: its id, its parent's id (none for a top-level one) and name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Department {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
}

/// Builds the forest from department rows in display order. Rows whose parent is
/// missing become roots, so nothing disappears.
pub fn department_tree(rows: &[Department]) -> Vec<DepartmentNode> {
    fn children_of(rows: &[Department], parent: Option<i64>, depth: usize) -> Vec<DepartmentNode> {
        if depth > 16 {
            return Vec::new();
        }
        rows.iter()
            .filter(|row| row.parent_id == parent)
            .map(|row| DepartmentNode {
                id: row.id,
                name: row.name.clone(),
                children: children_of(rows, Some(row.id), depth + 1),
            })
            .collect()
    }
    let known: std::collections::HashSet<i64> = rows.iter().map(|row| row.id).collect();
    let mut roots = children_of(rows, None, 0);
    for row in rows {
        if row.parent_id.is_some_and(|p| !known.contains(&p)) {
            roots.push(DepartmentNode {
                id: row.id,
                name: row.name.clone(),
                children: children_of(rows, Some(row.id), 1),
            });
        }
    }
    roots
}

/// Flattens the tree into (id, "上级 / 下级" label) for select lists.
pub fn department_options(tree: &[DepartmentNode]) -> Vec<(i64, String)> {
    fn walk(nodes: &[DepartmentNode], prefix: &str, out: &mut Vec<(i64, String)>) {
        for node in nodes {
            let label =
                if prefix.is_empty() { node.name.clone() } else { format!("{prefix} / {}", node.name) };
            out.push((node.id, label.clone()));
            walk(&node.children, &label, out);
        }
    }
    let mut out = Vec::new();
    walk(tree, "", &mut out);
    out
}

/// One row of a staff import (姓名, 身份证号, 手机号, 部门), checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRow {
    pub name: String,
    pub id_number: IdNumber,
    pub phone: Phone,
    /// The department's name or path ("工程部 / 一室"); empty for none.
    pub department: String,
}

pub fn parse_staff_row(fields: &[&str]) -> Result<StaffRow, String> {
    let field = |i: usize| fields.get(i).map(|f| f.trim()).unwrap_or_default();
    crate::accounts::domain::profile_rules::check_real_name(field(0)).map_err(|e| format!("姓名：{e}"))?;
    let id_number = IdNumber::parse(field(1)).map_err(|e| format!("身份证号：{}", e.message()))?;
    let phone = Phone::parse(field(2)).map_err(|e| format!("手机号：{e}"))?;
    Ok(StaffRow { name: field(0).to_owned(), id_number, phone, department: field(3).to_owned() })
}

/// Whether a CSV header row (rather than data) starts the file.
pub fn is_header_row(fields: &[&str]) -> bool {
    fields.first().is_some_and(|f| f.trim().trim_start_matches('\u{feff}') == "姓名")
}

/// The reason of a review decision (单位审核, 审核注册账号), trimmed: required to reject,
/// at most 500 characters.
pub fn review_reason(approve: bool, reason: &str) -> AppResult<&str> {
    let reason = reason.trim();
    if !approve && reason.is_empty() {
        return Err(AppError::invalid_field("reason", "驳回时请填写不通过原因"));
    }
    if reason.chars().count() > 500 {
        return Err(AppError::invalid_field("reason", "原因不能超过500个字"));
    }
    Ok(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        assert!(region_covers("510000", "510100"));
        assert!(region_covers("510000", "513400"));
        assert!(!region_covers("510000", "440100"));
        assert!(region_covers("510100", "510104"));
        assert!(!region_covers("510100", "510300"));
        assert!(!region_covers("", "510100"));
        assert_eq!(region_prefix("510000"), "51");
        assert_eq!(region_prefix("1€00"), "1€");
        assert_eq!(region_prefix("€000"), "€0");
        assert_eq!(region_prefix("😀00"), "😀");
        assert_eq!(region_prefix("00"), "");
        assert!(!region_covers("1€00", "1€0001"));
    }

    #[test]
    fn trees() {
        let department =
            |id: i64, parent_id: Option<i64>, name: &str| Department { id, parent_id, name: name.to_owned() };
        let rows = vec![
            department(1, None, "工程部"),
            department(2, Some(1), "一室"),
            department(3, None, "财务部"),
            department(4, Some(99), "孤儿"),
        ];
        let tree = department_tree(&rows);
        assert_eq!(tree.len(), 3);
        assert_eq!(tree[0].children[0].name, "一室");
        let options = department_options(&tree);
        assert_eq!(options[1], (2, "工程部 / 一室".to_owned()));
        assert!(options.iter().any(|(id, _)| *id == 4));
    }

    #[test]
    fn staff_rows() {
        let row = parse_staff_row(&["王五", "510101199003074578", "13900000001", "工程部"]).unwrap();
        assert_eq!(row.department, "工程部");
        assert!(
            parse_staff_row(&["王五", "510101199003074579", "13900000001", ""])
                .unwrap_err()
                .starts_with("身份证号")
        );
        assert!(
            parse_staff_row(&["王五", "510101199003074578", "123", ""]).unwrap_err().starts_with("手机号")
        );
        assert!(parse_staff_row(&[]).unwrap_err().starts_with("姓名"));
        assert!(is_header_row(&["\u{feff}姓名", "身份证号"]));
    }

    #[test]
    fn applications() {
        let good = UnitApplication {
            credit_code: "91510100MA6CX00019".into(),
            name: "成都示范设计院".into(),
            nature: "事业单位".into(),
            industry: "建筑业".into(),
            supervisor: "成都市水务局".into(),
            level: "市级".into(),
            region_code: "510100".into(),
            address: "成都市武侯区".into(),
            applicant_id_number: "510104198509210025".into(),
            applicant_name: "陈静".into(),
            applicant_phone: "13800000003".into(),
            code: "123456".into(),
            password: "a good password".into(),
            password_confirm: "a good password".into(),
        };
        assert!(validate_application(&good).is_ok());
        let nul = UnitApplication { address: "成都\0武侯区".into(), ..good.clone() };
        assert!(validate_application(&nul).unwrap_err().field("address").is_some());
        let bad = UnitApplication {
            credit_code: "91510100MA6CX00018".into(),
            password_confirm: "x".into(),
            ..good
        };
        let err = validate_application(&bad).unwrap_err();
        assert!(err.field("credit_code").is_some());
        assert_eq!(err.field("password_confirm"), Some("两次输入的密码不一致"));
    }
}
