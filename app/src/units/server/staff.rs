//! The unit's people: approving those who chose the unit, the staff list, adding by
//! phone (an invitation for an existing account, a new account otherwise) and the
//! batch import, one transaction per row.

use crate::platform::text::mask_phone;
use crate::state::{AppState, Ctx};
use crate::{
    accounts::{
        domain::identity::{IdNumber, Phone, mask_stored_id_number},
        domain::profile_rules::{Gender, check_real_name},
        domain::roles::CurrentUser,
        server::{passwords, users::status},
    },
    error::{AppError, AppResult},
    platform::{
        paging::{Page, limit_offset},
        server::{audit, sheet},
    },
    units::{
        api::{ImportOutcome, ImportReport, ImportRow, StaffLine},
        domain::{department_options, is_header_row, parse_staff_row},
        server::directory,
    },
};
use rand::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Pending,
    Members,
}

#[derive(sqlx::FromRow)]
struct StaffRow {
    id: i64,
    name: String,
    gender: String,
    id_number: Option<String>,
    phone: Option<String>,
    department: Option<String>,
    real_name_verified: i64,
    created_at: i64,
}

pub async fn list(
    state: &AppState,
    unit_id: i64,
    listing: Listing,
    search: &str,
    page: u32,
) -> AppResult<Page<StaffLine>> {
    let unit_status = match listing {
        Listing::Pending => "pending",
        Listing::Members => "approved",
    };
    let per_page = 20;
    let (limit, offset) = limit_offset(page, per_page);
    let pattern = format!("%{}%", search.replace(['%', '_'], ""));
    let filter = "u.unit_id = $1 AND u.unit_status = $2
                  AND ($3 = '%%' OR u.name LIKE $3 OR u.phone LIKE $3 OR u.id_number LIKE $3)";
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM users u WHERE {filter}"))
        .bind(unit_id)
        .bind(unit_status)
        .bind(&pattern)
        .fetch_one(state.db.reader())
        .await?;
    let rows: Vec<StaffRow> = sqlx::query_as(&format!(
        "SELECT u.id, u.name, u.gender, u.id_number, u.phone, d.name AS department, u.real_name_verified,
                u.created_at
         FROM users u LEFT JOIN departments d ON d.id = u.department_id
         WHERE {filter} ORDER BY u.created_at DESC, u.id DESC LIMIT $4 OFFSET $5"
    ))
    .bind(unit_id)
    .bind(unit_status)
    .bind(&pattern)
    .bind(limit)
    .bind(offset)
    .fetch_all(state.db.reader())
    .await?;
    let items = rows
        .into_iter()
        .map(|row| {
            Ok(StaffLine {
                user_id: row.id,
                name: row.name,
                gender: Gender::from_stored(&row.gender)?.map(|g| g.label().to_owned()).unwrap_or_default(),
                id_number_masked: mask_stored_id_number(row.id_number.as_deref()),
                phone_masked: row.phone.as_deref().map(mask_phone).unwrap_or_default(),
                department: row.department.unwrap_or_default(),
                verified: row.real_name_verified != 0,
                registered_at: row.created_at,
            })
        })
        .collect::<AppResult<_>>()?;
    Ok(Page { items, page, per_page, total })
}

/// 审核注册账号: approve, or reject with a reason, someone who chose this unit.
pub async fn review(cx: &Ctx, unit_id: i64, user_id: i64, approve: bool, reason: &str) -> AppResult<()> {
    let reason = crate::units::domain::review_reason(approve, reason)?;
    let mut tx = cx.state.db.begin().await?;
    let person: Option<PersonRow> = sqlx::query_as(
        "SELECT name, phone, email FROM users WHERE id = $1 AND unit_id = $2 AND unit_status = 'pending'",
    )
    .bind(user_id)
    .bind(unit_id)
    .fetch_optional(&mut *tx)
    .await?;
    // Someone else's applicant, or one already decided: not found for this unit.
    let Some(PersonRow { name, phone, email }) = person else {
        return Err(AppError::not_found("没有这条待审核的注册申请"));
    };
    let unit_name: String =
        sqlx::query_scalar("SELECT name FROM units WHERE id = $1").bind(unit_id).fetch_one(&mut *tx).await?;
    if approve {
        sqlx::query(
            "UPDATE users SET unit_status = 'approved', status = CASE WHEN status = $1 THEN $2 ELSE status END,
                 updated_at = $3 WHERE id = $4",
        )
        .bind(status::PENDING)
        .bind(status::ACTIVE)
        .bind(cx.now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    } else {
        // The account stays usable as an individual one; the reason shows in 我的信息.
        sqlx::query(
            "UPDATE users SET unit_id = NULL, department_id = NULL, unit_status = '', unit_review_reason = $1,
                 status = CASE WHEN status = $2 THEN $3 ELSE status END, updated_at = $4 WHERE id = $5",
        )
        .bind(reason)
        .bind(status::PENDING)
        .bind(status::ACTIVE)
        .bind(cx.now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    }
    let text = if approve {
        format!("{name}，您加入“{unit_name}”的申请已审核通过，现在可以登录了。")
    } else {
        format!("{name}，您加入“{unit_name}”的申请未通过审核，原因：{reason}。您仍可登录，重新选择单位。")
    };
    if let Some(phone) = phone {
        cx.state.messenger.sms(&mut tx, &phone, &text).await?;
    }
    cx.state.messenger.email(&mut tx, &email, "单位审核结果", &text).await?;
    audit::record(
        &mut tx,
        cx.audit(
            if approve { "staff.approve" } else { "staff.reject" },
            "user",
            user_id.to_string(),
            if approve { name } else { format!("{name}：{reason}") },
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct PersonRow {
    name: String,
    phone: Option<String>,
    email: String,
}

/// A one-time password from letters and digits that are hard to confuse.
fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..10).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect()
}

/// Who a row names, and what becomes of them.
enum Person {
    New,
    Existing { user_id: i64, unit_id: Option<i64>, unit_status: String },
}

/// The answer for a row whose phone or ID number belongs to someone outside this unit,
/// whatever the link between them: an import must not tell a unit who holds which
/// phone or ID number. (Only this unit's own people get the specific answers.)
pub const CANNOT_IMPORT: &str = "该人员无法导入，请核对手机号和身份证号，或请本人在个人中心申请加入本单位";

#[derive(sqlx::FromRow)]
struct Holder {
    id: i64,
    id_number: Option<String>,
    unit_id: Option<i64>,
    unit_status: String,
}

async fn find_person(
    tx: &mut crate::platform::server::db::Tx,
    unit_id: i64,
    phone: &str,
    id_number: Option<&str>,
) -> AppResult<Result<Person, String>> {
    const COLUMNS: &str = "SELECT id, id_number, unit_id, unit_status FROM users";
    let by_phone: Option<Holder> =
        sqlx::query_as(&format!("{COLUMNS} WHERE phone = $1")).bind(phone).fetch_optional(&mut **tx).await?;
    let by_id: Option<Holder> = match id_number {
        Some(id) => {
            sqlx::query_as(&format!("{COLUMNS} WHERE id_number = $1"))
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?
        }
        None => None,
    };
    let ours = |holder: &Holder| holder.unit_id == Some(unit_id);
    let foreign = |holder: &Holder| holder.unit_id.is_some_and(|other| other != unit_id);
    let existing =
        |h: Holder| Person::Existing { user_id: h.id, unit_id: h.unit_id, unit_status: h.unit_status };
    Ok(match (by_phone, by_id) {
        (None, None) => Ok(Person::New),
        // Adding by phone alone invites whoever has it (the person decides).
        (Some(holder), None) if id_number.is_none() => Ok(existing(holder)),
        (Some(holder), None) => {
            if foreign(&holder) || (holder.id_number.is_some() && !ours(&holder)) {
                Err(CANNOT_IMPORT.to_owned())
            } else {
                Ok(existing(holder))
            }
        }
        (Some(holder), Some(other)) if other.id == holder.id => {
            if foreign(&holder) {
                Err(CANNOT_IMPORT.to_owned())
            } else {
                Ok(existing(holder))
            }
        }
        (None, Some(other)) if ours(&other) => Err("该身份证号已有账号，但绑定的手机号不同".to_owned()),
        (Some(holder), Some(other)) if ours(&holder) && ours(&other) => {
            Err("手机号与身份证号属于不同的账号".to_owned())
        }
        _ => Err(CANNOT_IMPORT.to_owned()),
    })
}

struct NewStaff<'a> {
    name: &'a str,
    phone: &'a str,
    id_number: Option<&'a IdNumber>,
    department_id: Option<i64>,
    /// A one-time password and its hash, made before the transaction (hashing takes
    /// tens of milliseconds and must not hold the writer) when the person looked new.
    credentials: Option<(String, String)>,
}

/// Whether nobody has this phone or ID number yet (read before the transaction).
async fn looks_new(state: &AppState, phone: &str, id_number: Option<&str>) -> AppResult<bool> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE phone = $1 OR id_number = $2")
        .bind(phone)
        .bind(id_number.unwrap_or(""))
        .fetch_one(state.db.reader())
        .await?;
    Ok(count == 0)
}

async fn prepare_credentials(state: &AppState) -> (String, String) {
    let password = one_time_password();
    let hash = passwords::hash(state, password.clone()).await;
    (password, hash)
}

/// Adds one person inside `tx`: invites an existing account, or creates one with a
/// one-time password sent by SMS. `Err(note)` refuses the row without writing.
async fn add_person(
    state: &AppState,
    tx: &mut crate::platform::server::db::Tx,
    admin: &CurrentUser,
    unit_id: i64,
    unit_name: &str,
    person: NewStaff<'_>,
    now: i64,
) -> AppResult<Result<ImportOutcome, String>> {
    match find_person(tx, unit_id, person.phone, person.id_number.map(IdNumber::as_str)).await? {
        Err(note) => Ok(Err(note)),
        Ok(Person::Existing { user_id, unit_id: current, unit_status }) => {
            if current == Some(unit_id) && unit_status == "approved" {
                return Ok(Err("已是本单位人员".to_owned()));
            }
            let invited: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM staff_invitations WHERE user_id = $1 AND unit_id = $2 AND status = 'pending'",
            )
            .bind(user_id)
            .bind(unit_id)
            .fetch_optional(&mut **tx)
            .await?;
            if invited.is_some() {
                return Ok(Err("已邀请，等待本人确认".to_owned()));
            }
            sqlx::query(
                "INSERT INTO staff_invitations (unit_id, user_id, department_id, invited_by, status, created_at)
                 VALUES ($1, $2, $3, $4, 'pending', $5)",
            )
            .bind(unit_id)
            .bind(user_id)
            .bind(person.department_id)
            .bind(admin.id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            let text = format!("“{unit_name}”邀请您加入本单位，请登录后在“个人中心—我的信息”中确认。");
            state.messenger.sms(tx, person.phone, &text).await?;
            Ok(Ok(ImportOutcome::Linked))
        }
        Ok(Person::New) => {
            let Some((password, hash)) = person.credentials else {
                // Someone removed the account between the check and now: try again.
                return Ok(Err("账号状态已变化，请重新添加".to_owned()));
            };
            let (gender, birth_date) = match person.id_number {
                Some(id) => (if id.is_male() { "male" } else { "female" }, id.birth_date().to_string()),
                None => ("", String::new()),
            };
            let user_id: i64 = sqlx::query_scalar(
                "INSERT INTO users (phone, id_number, name, password_hash, status, must_change_password, unit_id,
                                    department_id, unit_status, gender, birth_date, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, 1, $6, $7, 'approved', $8, $9, $10, $10) RETURNING id",
            )
            .bind(person.phone)
            .bind(person.id_number.map(IdNumber::as_str))
            .bind(person.name)
            .bind(hash)
            .bind(status::ACTIVE)
            .bind(unit_id)
            .bind(person.department_id)
            .bind(gender)
            .bind(birth_date)
            .bind(now)
            .fetch_one(&mut **tx)
            .await?;
            sqlx::query("INSERT INTO user_roles (user_id, role, scope_id) VALUES ($1, 'trainee', 0)")
                .bind(user_id)
                .execute(&mut **tx)
                .await?;
            let text = format!(
                "“{unit_name}”已为您创建学时平台账号，登录账号为本手机号，初始密码{password}，首次登录须修改密码。"
            );
            state.messenger.sms(tx, person.phone, &text).await?;
            Ok(Ok(ImportOutcome::Created))
        }
    }
}

pub async fn add_by_phone(
    cx: &Ctx,
    unit_id: i64,
    phone: &str,
    name: &str,
    department_id: Option<i64>,
) -> AppResult<ImportOutcome> {
    let phone = Phone::parse(phone).map_err(|e| AppError::invalid_field("phone", e))?;
    if let Some(department_id) = department_id
        && !directory::department_in_unit(cx.state.db.reader(), department_id, unit_id).await?
    {
        return Err(AppError::invalid_field("department_id", "请选择本单位的部门"));
    }
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE phone = $1")
        .bind(phone.as_str())
        .fetch_optional(cx.state.db.reader())
        .await?;
    if exists.is_none()
        && let Err(e) = check_real_name(name)
    {
        return Err(AppError::invalid_field("name", e));
    }
    let credentials = if exists.is_none() { Some(prepare_credentials(&cx.state).await) } else { None };
    let mut tx = cx.state.db.begin().await?;
    let unit_name: String =
        sqlx::query_scalar("SELECT name FROM units WHERE id = $1").bind(unit_id).fetch_one(&mut *tx).await?;
    let person =
        NewStaff { name: name.trim(), phone: phone.as_str(), id_number: None, department_id, credentials };
    let outcome = add_person(&cx.state, &mut tx, &cx.user, unit_id, &unit_name, person, cx.now).await?;
    let outcome = outcome.map_err(|note| AppError::invalid_field("phone", note))?;
    audit::record(
        &mut tx,
        cx.audit(
            if outcome == ImportOutcome::Created { "staff.create" } else { "staff.invite" },
            "unit",
            unit_id.to_string(),
            mask_phone(phone.as_str()),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(outcome)
}

pub const IMPORT_MAX_ROWS: usize = 2000;

/// 批量添加: each row on its own transaction, so a bad row never aborts the good ones
/// and never half-creates an account. Returns the stored report's id.
pub async fn import(cx: &Ctx, unit_id: i64, file: &[u8]) -> AppResult<i64> {
    let records =
        sheet::read_rows(file, IMPORT_MAX_ROWS + 1).map_err(|e| AppError::invalid_field("file", e))?;
    let departments = department_options(&directory::department_tree(&cx.state.db, unit_id).await?);
    let unit_name: String = sqlx::query_scalar("SELECT name FROM units WHERE id = $1")
        .bind(unit_id)
        .fetch_one(cx.state.db.reader())
        .await?;
    let mut rows = Vec::new();
    for (index, record) in records.iter().enumerate() {
        let fields: Vec<&str> = record.cells.iter().map(String::as_str).collect();
        let line = record.line;
        if index == 0 && is_header_row(&fields) {
            continue;
        }
        let name = fields.first().map(|f| f.trim().to_owned()).unwrap_or_default();
        let refuse =
            |note: String| ImportRow { line, name: name.clone(), outcome: ImportOutcome::Rejected, note };
        let row = match parse_staff_row(&fields) {
            Ok(row) => row,
            Err(note) => {
                rows.push(refuse(note));
                continue;
            }
        };
        let department_id = if row.department.is_empty() {
            None
        } else {
            let wanted = row.department.split('/').map(str::trim).collect::<Vec<_>>().join(" / ");
            match departments.iter().find(|(_, label)| *label == wanted) {
                Some((id, _)) => Some(*id),
                None => {
                    rows.push(refuse(format!("部门“{}”不存在", row.department)));
                    continue;
                }
            }
        };
        let credentials = if looks_new(&cx.state, row.phone.as_str(), Some(row.id_number.as_str())).await? {
            Some(prepare_credentials(&cx.state).await)
        } else {
            None
        };
        let mut tx = cx.state.db.begin().await?;
        let person = NewStaff {
            name: &row.name,
            phone: row.phone.as_str(),
            id_number: Some(&row.id_number),
            department_id,
            credentials,
        };
        match add_person(&cx.state, &mut tx, &cx.user, unit_id, &unit_name, person, cx.now).await {
            Ok(Ok(outcome)) => {
                tx.commit().await?;
                let note = match outcome {
                    ImportOutcome::Created => {
                        format!("登录账号 {}，初始密码已短信发送", mask_phone(row.phone.as_str()))
                    }
                    _ => "已有账号，已发出加入邀请".to_owned(),
                };
                rows.push(ImportRow { line, name: row.name.clone(), outcome, note });
            }
            Ok(Err(note)) => rows.push(refuse(note)),
            Err(err) => {
                // A failure inside this row's transaction rolls back this row only.
                rows.push(refuse(err.message));
            }
        }
    }
    if rows.is_empty() {
        return Err(AppError::invalid_field("file", "文件中没有数据行"));
    }
    let report = serde_json::to_string(&rows).map_err(AppError::internal)?;
    let mut tx = cx.state.db.begin().await?;
    let report_id: i64 = sqlx::query_scalar(
        "INSERT INTO staff_imports (unit_id, actor_id, report, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(unit_id)
    .bind(cx.user.id)
    .bind(report)
    .bind(cx.now)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        cx.audit("staff.import", "unit", unit_id.to_string(), format!("{} 行", rows.len())),
    )
    .await?;
    tx.commit().await?;
    Ok(report_id)
}

pub async fn import_report(state: &AppState, unit_id: i64, id: i64) -> AppResult<ImportReport> {
    let row: Option<ImportRecordRow> =
        sqlx::query_as("SELECT report, created_at FROM staff_imports WHERE id = $1 AND unit_id = $2")
            .bind(id)
            .bind(unit_id)
            .fetch_optional(state.db.reader())
            .await?;
    let Some(record) = row else {
        return Err(AppError::not_found("该导入记录不存在"));
    };
    let rows = serde_json::from_str(&record.report).map_err(AppError::internal)?;
    Ok(ImportReport { id, created_at: record.created_at, rows })
}

#[derive(sqlx::FromRow)]
struct ImportRecordRow {
    report: String,
    created_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_time_passwords_are_random() {
        let a = one_time_password();
        assert_eq!(a.len(), 10);
        assert_ne!(a, one_time_password());
    }
}
