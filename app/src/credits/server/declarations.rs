//! 继续教育记录申报 in the database: the trainee's drafts and their sending to the unit,
//! the unit's review (通过 credits the ledger in the same transaction), and the hours a
//! unit declares for its staff. Every read starts from the caller: the trainee's own
//! records, or the records sent to the admin's own unit.

use super::repo::{self, Credited, NewEntry};
use crate::{
    catalogue::domain::{Category, Hours},
    credits::domain::{
        Source,
        declarations::{CheckedDeclaration, DeclarationStatus, DeclarationType, FieldSpec},
        unit_declaration::{IMPORT_MAX_PEOPLE, describe_problems, parse_import},
    },
    error::{AppError, AppResult},
    messages::{domain::Outgoing, server::service as messages},
    platform::{
        paging::{Page, limit_offset},
        server::{
            audit,
            db::{Db, Tx},
            files::{self, NewFile},
        },
    },
    state::Ctx,
};
use crate::{
    credits::domain::declarations::{DeclarationInput, FieldKind, check},
    error::FieldError,
    platform::{
        server::{
            multipart::{MultipartForm, Upload},
            sheet,
            storage::FileKind,
        },
        time::year_of,
    },
};
use sqlx::{Any, Executor};
use std::collections::BTreeMap;

#[derive(sqlx::FromRow)]
struct TypeRow {
    code: String,
    name: String,
    fields: String,
    per_item_tenths: Option<i64>,
}

impl TypeRow {
    fn into_type(self) -> AppResult<DeclarationType> {
        let fields: Vec<FieldSpec> = serde_json::from_str(&self.fields)
            .map_err(|e| AppError::internal(format!("declaration type {}: fields: {e}", self.code)))?;
        Ok(DeclarationType {
            code: self.code,
            name: self.name,
            fields,
            per_item: self.per_item_tenths.map(Hours),
        })
    }
}

/// The kinds a trainee may declare, in their order.
pub async fn types<'e>(executor: impl Executor<'e, Database = Any>) -> AppResult<Vec<DeclarationType>> {
    let rows: Vec<TypeRow> = sqlx::query_as(
        "SELECT code, name, fields, per_item_tenths FROM declaration_types WHERE active = 1 ORDER BY position, code",
    )
    .fetch_all(executor)
    .await?;
    rows.into_iter().map(TypeRow::into_type).collect()
}

pub async fn find_type<'e>(
    executor: impl Executor<'e, Database = Any>,
    code: &str,
) -> AppResult<DeclarationType> {
    let row: Option<TypeRow> = sqlx::query_as(
        "SELECT code, name, fields, per_item_tenths FROM declaration_types WHERE code = $1 AND active = 1",
    )
    .bind(code)
    .fetch_optional(executor)
    .await?;
    row.ok_or_else(|| AppError::invalid_field("type", "请选择继续教育类型"))?.into_type()
}

#[derive(sqlx::FromRow)]
struct TypeAdminRow {
    #[sqlx(flatten)]
    kind: TypeRow,
    active: i64,
}

/// Every kind, active or not, for the editor.
pub async fn all_types<'e>(
    executor: impl Executor<'e, Database = Any>,
) -> AppResult<Vec<(DeclarationType, bool)>> {
    let rows: Vec<TypeAdminRow> = sqlx::query_as(
        "SELECT code, name, fields, per_item_tenths, active FROM declaration_types ORDER BY position, code",
    )
    .fetch_all(executor)
    .await?;
    rows.into_iter().map(|r| Ok((r.kind.into_type()?, r.active != 0))).collect()
}

/// Saves a kind: an existing one by its code, a new one (empty code) under the next
/// free `custom_<n>`. Records already declared keep their values by field key.
pub async fn save_type(cx: &Ctx, kind: &DeclarationType, active: bool) -> AppResult<String> {
    let fields = serde_json::to_string(&kind.fields).map_err(AppError::internal)?;
    let mut tx = cx.state.db.begin().await?;
    let code = if kind.code.is_empty() {
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM declaration_types").fetch_one(&mut *tx).await?;
        let code = format!("custom_{}", count + 1);
        sqlx::query(
            "INSERT INTO declaration_types (code, name, fields, per_item_tenths, position, active)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&code)
        .bind(&kind.name)
        .bind(&fields)
        .bind(kind.per_item.map(|h| h.0))
        .bind(count + 1)
        .bind(i64::from(active))
        .execute(&mut *tx)
        .await?;
        code
    } else {
        let changed = sqlx::query(
            "UPDATE declaration_types SET name = $1, fields = $2, per_item_tenths = $3, active = $4 WHERE code = $5",
        )
        .bind(&kind.name)
        .bind(&fields)
        .bind(kind.per_item.map(|h| h.0))
        .bind(i64::from(active))
        .bind(&kind.code)
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() != 1 {
            return Err(AppError::not_found("没有这个继续教育类型"));
        }
        kind.code.clone()
    };
    audit::record(
        &mut tx,
        cx.audit("declaration_type.save", "declaration_type", code.clone(), kind.name.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(code)
}

/// A declaration with its type's name and its attachments' ids.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeclarationRow {
    pub id: i64,
    pub user_id: i64,
    pub user_name: String,
    pub department: String,
    pub type_code: String,
    pub type_name: String,
    pub year: i64,
    #[sqlx(try_from = "String")]
    pub category: Category,
    pub title: String,
    pub claimed_tenths: i64,
    pub granted_tenths: Option<i64>,
    pub field_values: String,
    pub remark: String,
    #[sqlx(try_from = "String")]
    pub status: DeclarationStatus,
    pub review_note: String,
    pub reviewer: Option<String>,
    pub reviewed_at: Option<i64>,
    pub submitted_at: Option<i64>,
    pub created_at: i64,
}

impl DeclarationRow {
    pub fn values(&self) -> AppResult<BTreeMap<String, String>> {
        serde_json::from_str(&self.field_values)
            .map_err(|e| AppError::internal(format!("declaration {}: values: {e}", self.id)))
    }
}

const DECLARATION_SELECT: &str =
    "SELECT d.id, d.user_id, u.name AS user_name, COALESCE(dp.name, '') AS department,
        d.type_code, t.name AS type_name, d.year, d.category, d.title, d.claimed_tenths, d.granted_tenths,
        d.field_values, d.remark, d.status, d.review_note, r.name AS reviewer, d.reviewed_at, d.submitted_at,
        d.created_at
     FROM declarations d JOIN declaration_types t ON t.code = d.type_code JOIN users u ON u.id = d.user_id
     LEFT JOIN departments dp ON dp.id = u.department_id LEFT JOIN users r ON r.id = d.reviewed_by";

/// An attachment of a declaration.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttachmentRow {
    pub file_id: String,
    pub filename: String,
}

pub async fn attachments<'e>(
    executor: impl Executor<'e, Database = Any>,
    id: i64,
) -> AppResult<Vec<AttachmentRow>> {
    Ok(sqlx::query_as(
        "SELECT f.id AS file_id, f.filename FROM declaration_files df JOIN files f ON f.id = df.file_id
         WHERE df.declaration_id = $1 ORDER BY df.position",
    )
    .bind(id)
    .fetch_all(executor)
    .await?)
}

/// One of the caller's own declarations.
pub async fn own(db: &Db, user_id: i64, id: i64) -> AppResult<DeclarationRow> {
    let row: Option<DeclarationRow> =
        sqlx::query_as(&format!("{DECLARATION_SELECT} WHERE d.id = $1 AND d.user_id = $2"))
            .bind(id)
            .bind(user_id)
            .fetch_optional(db.reader())
            .await?;
    row.ok_or_else(|| AppError::not_found("没有找到这条继续教育记录"))
}

/// A declaration sent to `unit_id`; another unit's answers like one that does not exist.
pub async fn of_unit(db: &Db, unit_id: i64, id: i64) -> AppResult<DeclarationRow> {
    let row: Option<DeclarationRow> = sqlx::query_as(&format!(
        "{DECLARATION_SELECT} WHERE d.id = $1 AND d.unit_id = $2 AND d.status <> $3"
    ))
    .bind(id)
    .bind(unit_id)
    .bind(DeclarationStatus::Draft.code())
    .fetch_optional(db.reader())
    .await?;
    row.ok_or_else(|| AppError::not_found("没有找到这条继续教育记录"))
}

/// The caller's declarations, newest first.
pub async fn list_own(db: &Db, user_id: i64) -> AppResult<Vec<DeclarationRow>> {
    Ok(sqlx::query_as(&format!(
        "{DECLARATION_SELECT} WHERE d.user_id = $1 ORDER BY d.created_at DESC, d.id DESC"
    ))
    .bind(user_id)
    .fetch_all(db.reader())
    .await?)
}

/// What the unit's queue is filtered by.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub status: Option<DeclarationStatus>,
    pub year: Option<i64>,
    pub type_code: Option<String>,
    pub department_id: Option<i64>,
}

/// One page of the declarations sent to a unit.
pub async fn unit_queue(
    db: &Db,
    unit_id: i64,
    filter: &QueueFilter,
    page: u32,
    per_page: u32,
) -> AppResult<Page<DeclarationRow>> {
    // Fixed placeholders; an absent filter binds NULL and matches everything.
    // (PostgreSQL must be told the types of parameters that may be NULL.)
    let condition = "d.unit_id = $1 AND d.status <> 'draft'
         AND (CAST($2 AS TEXT) IS NULL OR d.status = CAST($2 AS TEXT))
         AND (CAST($3 AS BIGINT) IS NULL OR d.year = CAST($3 AS BIGINT))
         AND (CAST($4 AS TEXT) IS NULL OR d.type_code = CAST($4 AS TEXT))
         AND (CAST($5 AS BIGINT) IS NULL OR u.department_id = CAST($5 AS BIGINT))";
    let status = filter.status.map(DeclarationStatus::code);
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM declarations d JOIN users u ON u.id = d.user_id WHERE {condition}"
    ))
    .bind(unit_id)
    .bind(status)
    .bind(filter.year)
    .bind(filter.type_code.as_deref())
    .bind(filter.department_id)
    .fetch_one(db.reader())
    .await?;
    let (limit, offset) = limit_offset(page, per_page);
    let items: Vec<DeclarationRow> = sqlx::query_as(&format!(
        "{DECLARATION_SELECT} WHERE {condition} ORDER BY d.submitted_at DESC, d.id DESC LIMIT $6 OFFSET $7"
    ))
    .bind(unit_id)
    .bind(status)
    .bind(filter.year)
    .bind(filter.type_code.as_deref())
    .bind(filter.department_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.reader())
    .await?;
    Ok(Page { items, page, per_page, total })
}

/// What 保存 or 确认送审 writes.
pub struct Draft<'a> {
    /// None for a new record.
    pub id: Option<i64>,
    pub kind: &'a DeclarationType,
    pub checked: &'a CheckedDeclaration,
    /// Newly uploaded attachments, stored already (their rows are written here).
    pub attachments: Vec<NewFile>,
    /// Files uploaded for `file` fields, by key.
    pub field_files: Vec<(String, NewFile)>,
    /// 确认送审: send it to the unit in the same transaction.
    pub send: bool,
}

/// Saves a draft (new or changed) and, with `send`, sends it; returns its id.
pub async fn save(cx: &Ctx, draft: Draft<'_>) -> AppResult<i64> {
    let mut values = draft.checked.values.clone();
    let mut tx = cx.state.db.begin().await?;
    for (key, file) in &draft.field_files {
        files::record(&mut tx, file).await?;
        values.insert(key.clone(), file.record.id.clone());
    }
    let values_json = serde_json::to_string(&values).map_err(AppError::internal)?;
    let c = draft.checked;
    let id = match draft.id {
        None => {
            sqlx::query_scalar(
                "INSERT INTO declarations (user_id, type_code, year, category, title, claimed_tenths, field_values,
                                           remark, status, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
            )
            .bind(cx.user.id)
            .bind(&draft.kind.code)
            .bind(c.year)
            .bind(c.category.code())
            .bind(&c.title)
            .bind(c.claimed.0)
            .bind(&values_json)
            .bind(&c.remark)
            .bind(DeclarationStatus::Draft.code())
            .bind(cx.now)
            .fetch_one(&mut *tx)
            .await?
        }
        Some(id) => {
            // Only a draft or a refused record changes; it becomes a draft again.
            let changed = sqlx::query(
                "UPDATE declarations SET type_code = $1, year = $2, category = $3, title = $4, claimed_tenths = $5,
                        field_values = $6, remark = $7, status = $8, updated_at = $9
                 WHERE id = $10 AND user_id = $11 AND status IN ($12, $13)",
            )
            .bind(&draft.kind.code)
            .bind(c.year)
            .bind(c.category.code())
            .bind(&c.title)
            .bind(c.claimed.0)
            .bind(&values_json)
            .bind(&c.remark)
            .bind(DeclarationStatus::Draft.code())
            .bind(cx.now)
            .bind(id)
            .bind(cx.user.id)
            .bind(DeclarationStatus::Draft.code())
            .bind(DeclarationStatus::Rejected.code())
            .execute(&mut *tx)
            .await?;
            if changed.rows_affected() != 1 {
                return Err(AppError::conflict("这条记录已送审或已审核，不能再修改"));
            }
            id
        }
    };
    let first: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(position), 0) FROM declaration_files WHERE declaration_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    for (i, file) in draft.attachments.iter().enumerate() {
        files::record(&mut tx, file).await?;
        sqlx::query("INSERT INTO declaration_files (declaration_id, file_id, position) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(&file.record.id)
            .bind(first + i64::try_from(i).unwrap_or_default() + 1)
            .execute(&mut *tx)
            .await?;
    }
    if draft.send {
        send_in(&mut tx, cx, id).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// 确认送审 of a saved draft.
pub async fn send(cx: &Ctx, id: i64) -> AppResult<()> {
    let mut tx = cx.state.db.begin().await?;
    send_in(&mut tx, cx, id).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct SendingRow {
    title: String,
    year: i64,
    type_code: String,
}

#[derive(sqlx::FromRow)]
struct HeldTitleRow {
    title: String,
    year: i64,
    #[sqlx(try_from = "String")]
    source: Source,
}

/// No double counting: the same thing already in the person's ledger (a class, a
/// course, an approved record), or already sent, is refused by name.
async fn refuse_double(tx: &mut Tx, user_id: i64, id: i64, title: &str, type_code: &str) -> AppResult<()> {
    let held: Option<HeldTitleRow> = sqlx::query_as(
        "SELECT l.title, l.year, l.source FROM credit_claims c JOIN credit_ledger l ON l.id = c.ledger_id
         WHERE c.user_id = $1 AND l.title = $2 AND NOT (l.source = 'declaration' AND l.source_id = $3) LIMIT 1",
    )
    .bind(user_id)
    .bind(title)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(held) = held {
        return Err(AppError::conflict(format!(
            "《{}》已计入{}年度学时（{}），不能重复申报",
            held.title,
            held.year,
            held.source.label()
        )));
    }
    let sent: Option<i64> = sqlx::query_scalar(
        "SELECT year FROM declarations WHERE user_id = $1 AND title = $2 AND type_code = $3 AND id <> $4
         AND status IN ($5, $6) LIMIT 1",
    )
    .bind(user_id)
    .bind(title)
    .bind(type_code)
    .bind(id)
    .bind(DeclarationStatus::Pending.code())
    .bind(DeclarationStatus::Approved.code())
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(year) = sent {
        return Err(AppError::conflict(format!("《{title}》已申报过（{year}年度），不能重复申报")));
    }
    Ok(())
}

async fn send_in(tx: &mut Tx, cx: &Ctx, id: i64) -> AppResult<()> {
    let unit_id: Option<i64> =
        sqlx::query_scalar("SELECT unit_id FROM users WHERE id = $1 AND unit_status = 'approved'")
            .bind(cx.user.id)
            .fetch_optional(&mut **tx)
            .await?
            .flatten();
    let Some(unit_id) = unit_id else {
        return Err(AppError::conflict(
            "您还没有加入工作单位（或单位尚未审核通过），请先在我的信息中选择单位",
        ));
    };
    let row: Option<SendingRow> =
        sqlx::query_as("SELECT title, year, type_code FROM declarations WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(cx.user.id)
            .fetch_optional(&mut **tx)
            .await?;
    let row = row.ok_or_else(|| AppError::not_found("没有找到这条继续教育记录"))?;
    refuse_double(tx, cx.user.id, id, &row.title, &row.type_code).await?;
    let sent = sqlx::query(
        "UPDATE declarations SET status = $1, unit_id = $2, submitted_at = $3, updated_at = $3
         WHERE id = $4 AND user_id = $5 AND status IN ($6, $7)",
    )
    .bind(DeclarationStatus::Pending.code())
    .bind(unit_id)
    .bind(cx.now)
    .bind(id)
    .bind(cx.user.id)
    .bind(DeclarationStatus::Draft.code())
    .bind(DeclarationStatus::Rejected.code())
    .execute(&mut **tx)
    .await?;
    if sent.rows_affected() != 1 {
        return Err(AppError::conflict("这条记录已送审，请等待单位审核"));
    }
    audit::record(
        tx,
        cx.audit(
            "declaration.send",
            "declaration",
            id.to_string(),
            format!("{}年度 {}", row.year, row.title),
        ),
    )
    .await?;
    Ok(())
}

/// Deletes a draft or a refused record of the caller's.
pub async fn delete(cx: &Ctx, id: i64) -> AppResult<()> {
    let deletable = [DeclarationStatus::Draft.code(), DeclarationStatus::Rejected.code()];
    let mut tx = cx.state.db.begin().await?;
    sqlx::query(
        "DELETE FROM declaration_files WHERE declaration_id IN
             (SELECT id FROM declarations WHERE id = $1 AND user_id = $2 AND status IN ($3, $4))",
    )
    .bind(id)
    .bind(cx.user.id)
    .bind(deletable[0])
    .bind(deletable[1])
    .execute(&mut *tx)
    .await?;
    let deleted =
        sqlx::query("DELETE FROM declarations WHERE id = $1 AND user_id = $2 AND status IN ($3, $4)")
            .bind(id)
            .bind(cx.user.id)
            .bind(deletable[0])
            .bind(deletable[1])
            .execute(&mut *tx)
            .await?;
    if deleted.rows_affected() != 1 {
        return Err(AppError::conflict("只能删除草稿或审核不通过的记录"));
    }
    tx.commit().await?;
    Ok(())
}

/// The unit's decision on one record.
#[derive(Debug, Clone)]
pub enum Decision {
    /// 通过, granting `granted` (at most what was claimed), with a note.
    Approve { granted: Option<Hours>, note: String },
    /// 不通过, with the reason the trainee reads.
    Reject { reason: String },
}

#[derive(sqlx::FromRow)]
struct ReviewedRow {
    user_id: i64,
    phone: Option<String>,
    type_code: String,
    year: i64,
    category: String,
    title: String,
    claimed_tenths: i64,
}

/// Reviews a pending record sent to `unit_id`: one transaction that changes its status
/// (conditionally, so a second review of the same record is refused) and, on 通过,
/// credits the ledger and tells the trainee.
pub async fn review(cx: &Ctx, unit_id: i64, id: i64, decision: &Decision) -> AppResult<()> {
    let mut tx = cx.state.db.begin().await?;
    let row: Option<ReviewedRow> = sqlx::query_as(
        "SELECT d.user_id, u.phone, d.type_code, d.year, d.category, d.title, d.claimed_tenths
         FROM declarations d JOIN users u ON u.id = d.user_id
         WHERE d.id = $1 AND d.unit_id = $2 AND d.status = $3",
    )
    .bind(id)
    .bind(unit_id)
    .bind(DeclarationStatus::Pending.code())
    .fetch_optional(&mut *tx)
    .await?;
    let row = row.ok_or_else(|| AppError::conflict("这条记录已审核或不在本单位的待审列表中"))?;
    // A unit admin is staff too: their own record is for another admin of the unit.
    if row.user_id == cx.user.id {
        return Err(AppError::conflict("不能审核本人的申报，请由本单位其他管理员审核"));
    }
    let category = Category::try_from(row.category.as_str()).map_err(AppError::internal)?;
    let (status, granted, note) = match decision {
        Decision::Approve { granted, note } => {
            let granted = granted.unwrap_or(Hours(row.claimed_tenths));
            if granted.0 <= 0 || granted.0 > row.claimed_tenths {
                return Err(AppError::invalid_field("granted", "核定学时应大于 0 且不超过申报学时"));
            }
            (DeclarationStatus::Approved, Some(granted.0), note.clone())
        }
        Decision::Reject { reason } => (DeclarationStatus::Rejected, None, reason.clone()),
    };
    let changed = sqlx::query(
        "UPDATE declarations SET status = $1, granted_tenths = $2, review_note = $3, reviewed_by = $4,
                reviewed_at = $5, updated_at = $5
         WHERE id = $6 AND unit_id = $7 AND status = $8",
    )
    .bind(status.code())
    .bind(granted)
    .bind(&note)
    .bind(cx.user.id)
    .bind(cx.now)
    .bind(id)
    .bind(unit_id)
    .bind(DeclarationStatus::Pending.code())
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() != 1 {
        return Err(AppError::conflict("这条记录已审核"));
    }
    let body = match granted {
        Some(tenths) => {
            refuse_double(&mut tx, row.user_id, id, &row.title, &row.type_code).await?;
            let entry = NewEntry {
                user_id: row.user_id,
                year: row.year,
                category,
                tenths,
                source: Source::Declaration,
                source_id: id,
                kind: row.type_code.clone(),
                title: row.title.clone(),
                evidence: format!("/me/records/{id}"),
                note: note.clone(),
                approved_by: Some(cx.user.id),
                created_at: cx.now,
            };
            if let Credited::AlreadyHeld { .. } = repo::credit(&mut tx, &entry).await? {
                return Err(AppError::conflict("这条记录的学时已计入"));
            }
            format!(
                "您申报的《{}》已审核通过，计入{}年度{}学时 {} 学时。",
                row.title,
                row.year,
                category.label(),
                Hours(tenths)
            )
        }
        None => format!("您申报的《{}》审核不通过：{note}。可修改后重新送审。", row.title),
    };
    messages::send(
        &mut tx,
        &cx.state,
        Outgoing {
            user_id: row.user_id,
            phone: row.phone.as_deref(),
            title: "继续教育记录审核结果",
            body: &body,
            link: &format!("/me/records/{id}"),
            at: cx.now,
        },
    )
    .await?;
    audit::record(&mut tx, cx.audit("declaration.review", "declaration", id.to_string(), status.code()))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// What a unit declares for its staff (其它继续教育形式申报): the same hours for ticked
/// people, or each row of an imported file.
pub struct UnitDeclaration<'a> {
    pub year: i64,
    pub category: Category,
    /// The declaration's 培训内容 (for an import, each person's row has its own).
    pub title: &'a str,
    /// The imported file's name; '' for the form.
    pub file_name: &'a str,
    pub people: Vec<StaffHours>,
}

/// One person of a unit declaration.
pub struct StaffHours {
    pub user_id: i64,
    pub hours: Hours,
    pub title: String,
}

/// Declares hours for staff of the unit: one declaration, and one ledger row per
/// person, in one transaction; someone not (or no longer) approved staff of the unit
/// refuses the whole declaration. Returns how many were credited.
pub async fn declare_for_staff(
    cx: &Ctx,
    unit_id: i64,
    declaration: &UnitDeclaration<'_>,
) -> AppResult<usize> {
    let mut tx = cx.state.db.begin().await?;
    for person in &declaration.people {
        if staff_member(&mut tx, unit_id, StaffKey::Id(person.user_id)).await?.is_none() {
            return Err(AppError::invalid_field("user_ids", "所选人员不属于本单位"));
        }
    }
    let credited = insert_unit_declaration(cx, &mut tx, unit_id, declaration).await?;
    tx.commit().await?;
    Ok(credited)
}

/// 导入表格: reads the file, finds each row's person among the unit's approved staff
/// (by ID number; a 姓名 given must match), and declares them all in one transaction,
/// or refuses the file naming every problem by its line.
pub async fn import_for_staff(
    cx: &Ctx,
    unit_id: i64,
    year: i64,
    category: Category,
    file: &Upload,
) -> AppResult<usize> {
    let refuse = |problems: &[String]| AppError::invalid_field("file", describe_problems(problems));
    let sheet = sheet::read_rows(&file.bytes, IMPORT_MAX_PEOPLE + 1)
        .map_err(|e| AppError::invalid_field("file", e))?;
    let rows: Vec<(u32, Vec<&str>)> =
        sheet.iter().map(|row| (row.line, row.cells.iter().map(String::as_str).collect())).collect();
    let lines = parse_import(&rows).map_err(|problems| refuse(&problems))?;
    let mut tx = cx.state.db.begin().await?;
    let mut problems = Vec::new();
    let mut people = Vec::with_capacity(lines.len());
    for line in &lines {
        match staff_member(&mut tx, unit_id, StaffKey::IdNumber(line.id_number.as_str())).await? {
            None => problems.push(format!(
                "第 {} 行：{} 不是本单位审核通过的人员",
                line.line,
                line.id_number.masked()
            )),
            Some(staff) if !line.name.is_empty() && staff.name != line.name => {
                problems.push(format!("第 {} 行：姓名与身份证号不符", line.line));
            }
            Some(staff) => {
                people.push(StaffHours { user_id: staff.id, hours: line.hours, title: line.title.clone() })
            }
        }
    }
    if !problems.is_empty() {
        return Err(refuse(&problems));
    }
    // The name as the browser sent it: the last path part, printable, at most 100 characters.
    let file_name: String = file
        .filename
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    // An import is known by its file name, so it is never empty.
    let file_name = if file_name.trim().is_empty() { "导入.xlsx".to_owned() } else { file_name };
    let title = format!("表格导入：{file_name}");
    let declaration = UnitDeclaration { year, category, title: &title, file_name: &file_name, people };
    let credited = insert_unit_declaration(cx, &mut tx, unit_id, &declaration).await?;
    tx.commit().await?;
    Ok(credited)
}

#[derive(sqlx::FromRow)]
struct StaffMember {
    id: i64,
    name: String,
}

enum StaffKey<'a> {
    Id(i64),
    IdNumber(&'a str),
}

/// An approved member of the unit's staff, found by account or by ID number.
async fn staff_member(tx: &mut Tx, unit_id: i64, key: StaffKey<'_>) -> AppResult<Option<StaffMember>> {
    let query = match key {
        StaffKey::Id(id) => sqlx::query_as(
            "SELECT id, name FROM users WHERE id = $1 AND unit_id = $2 AND unit_status = 'approved'",
        )
        .bind(id),
        StaffKey::IdNumber(id_number) => sqlx::query_as(
            "SELECT id, name FROM users WHERE id_number = $1 AND unit_id = $2 AND unit_status = 'approved'",
        )
        .bind(id_number.to_owned()),
    };
    Ok(query.bind(unit_id).fetch_optional(&mut **tx).await?)
}

/// The declaration row and one ledger row per person. For the form `tenths` is each
/// person's hours; for an import (people's hours differ) it is their total.
async fn insert_unit_declaration(
    cx: &Ctx,
    tx: &mut Tx,
    unit_id: i64,
    declaration: &UnitDeclaration<'_>,
) -> AppResult<usize> {
    let tenths = if declaration.file_name.is_empty() {
        declaration.people.first().map(|p| p.hours.0).unwrap_or_default()
    } else {
        declaration.people.iter().map(|p| p.hours.0).sum()
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO unit_declarations (unit_id, year, category, title, tenths, people, file_name, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(unit_id)
    .bind(declaration.year)
    .bind(declaration.category.code())
    .bind(declaration.title)
    .bind(tenths)
    .bind(i64::try_from(declaration.people.len()).unwrap_or(i64::MAX))
    .bind(declaration.file_name)
    .bind(cx.user.id)
    .bind(cx.now)
    .fetch_one(&mut **tx)
    .await?;
    let mut credited = 0;
    for person in &declaration.people {
        let entry = NewEntry {
            user_id: person.user_id,
            year: declaration.year,
            category: declaration.category,
            tenths: person.hours.0,
            source: Source::UnitDeclared,
            source_id: id,
            kind: String::new(),
            title: person.title.clone(),
            evidence: String::new(),
            note: String::new(),
            approved_by: Some(cx.user.id),
            created_at: cx.now,
        };
        if let Credited::Entered { .. } = repo::credit(tx, &entry).await? {
            credited += 1;
        }
    }
    audit::record(
        tx,
        cx.audit(
            "unit_declaration.create",
            "unit_declaration",
            id.to_string(),
            format!("{} · {} 人", declaration.title, credited),
        ),
    )
    .await?;
    Ok(credited)
}

/// The most attachments one record carries.
pub const MAX_ATTACHMENTS: usize = 10;
/// Each attachment (a scan, a PDF, or one zip of several) at most this large.
pub const ATTACHMENT_MAX_BYTES: usize = 10 * 1024 * 1024;
const ATTACHMENT_KINDS: [FileKind; 4] = [FileKind::Pdf, FileKind::Jpeg, FileKind::Png, FileKind::Zip];

/// The multipart names of every file field of every kind, and the attachments.
pub async fn file_inputs(db: &Db) -> AppResult<Vec<String>> {
    let mut names: Vec<String> = types(db.reader())
        .await?
        .iter()
        .flat_map(|t| t.fields.iter().filter(|f| f.kind == FieldKind::File).map(FieldSpec::input_name))
        .collect();
    names.push("attachments".to_owned());
    Ok(names)
}

/// 保存 or 确认送审 from the 申报 form: checks every field, stores the files (before the
/// transaction, and deletes them again if it does not commit), saves. Returns the
/// record's id and whether it was sent.
pub async fn save_form(cx: &Ctx, mut form: MultipartForm) -> AppResult<(i64, bool)> {
    let kind = find_type(cx.state.db.reader(), form.text("type").trim()).await?;
    let id = match form.text("id").trim() {
        "" => None,
        id => Some(id.parse::<i64>().map_err(|_| AppError::not_found("没有找到这条继续教育记录"))?),
    };
    // A changed record keeps the files of its file fields unless new ones come.
    let kept = match id {
        Some(id) => own(&cx.state.db, cx.user.id, id).await?.values()?,
        None => BTreeMap::new(),
    };
    let mut input = DeclarationInput {
        year: form.text("year"),
        category: form.text("category"),
        hours: form.text("hours"),
        remark: form.text("remark"),
        values: BTreeMap::new(),
    };
    let mut field_uploads = Vec::new();
    for spec in &kind.fields {
        if spec.kind == FieldKind::File {
            if let Some(upload) = form.take_file(&spec.input_name(), "附件") {
                // Stands in for the file's id until it is stored.
                input.values.insert(spec.key.clone(), "new".to_owned());
                field_uploads.push((spec.clone(), upload));
            } else if let Some(file_id) = kept.get(&spec.key) {
                input.values.insert(spec.key.clone(), file_id.clone());
            }
        } else {
            input.values.insert(spec.key.clone(), form.text(&spec.input_name()));
        }
    }
    let uploads = form.take_files("attachments");
    let checked = check(&kind, &input, year_of(cx.now));
    let mut errors = checked.as_ref().err().cloned().unwrap_or_default();
    if uploads.len() > MAX_ATTACHMENTS {
        errors.push(FieldError {
            field: "attachments".into(),
            message: format!("附件最多 {MAX_ATTACHMENTS} 个，多个文件可打包为一个 zip"),
        });
    }
    let checked = match checked {
        Ok(checked) if errors.is_empty() => checked,
        _ => return Err(AppError::invalid_fields(errors)),
    };
    let send = form.text("action") == "send";
    // Cheap checks passed: now store the files.
    let mut stored: Vec<NewFile> = Vec::new();
    let mut field_files = Vec::new();
    let outcome = async {
        for (spec, upload) in field_uploads {
            let file = put_attachment(cx, &upload, &spec.input_name()).await?;
            stored.push(file.clone());
            field_files.push((spec.key.clone(), file));
        }
        let mut attachments = Vec::new();
        for upload in &uploads {
            let file = put_attachment(cx, upload, "attachments").await?;
            stored.push(file.clone());
            attachments.push(file);
        }
        // `save` puts the stored files' ids in place of the "new" stand-ins.
        let draft = Draft { id, kind: &kind, checked: &checked, attachments, field_files, send };
        save(cx, draft).await
    }
    .await;
    match outcome {
        Ok(id) => Ok((id, send)),
        Err(error) => {
            for file in &stored {
                files::discard(&cx.state.storage, &file.record).await;
            }
            Err(error)
        }
    }
}

async fn put_attachment(cx: &Ctx, upload: &Upload, field: &str) -> AppResult<NewFile> {
    files::put(
        &cx.state.storage,
        files::Upload {
            purpose: "declaration",
            filename: &upload.filename,
            bytes: upload.bytes.clone(),
            max_bytes: ATTACHMENT_MAX_BYTES,
            accepted: &ATTACHMENT_KINDS,
            owner_user_id: cx.user.id,
        },
    )
    .await
    .map_err(|mut error| {
        for f in &mut error.fields {
            f.field = field.to_owned();
            f.message = format!("{}：{}", upload.filename, f.message);
        }
        error.message = error.fields.first().map(|f| f.message.clone()).unwrap_or(error.message);
        error
    })
}
