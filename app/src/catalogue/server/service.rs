//! The catalogue's steps that write: a class created or changed with its lodgings, its
//! state moved, sessions added or deleted; each checks that the caller manages the
//! class and is written to the audit log in the same transaction.

use super::{
    super::domain::{ClassDraft, ClassState, Lodging, SessionForm},
    repo::{ManagedClass, managed_class},
};
use crate::{
    accounts::domain::roles::Role,
    error::{AppError, AppResult},
    platform::server::{audit, db::Tx},
    state::Ctx,
};

async fn replace_lodgings(tx: &mut Tx, class_id: i64, lodgings: &[Lodging]) -> AppResult<()> {
    sqlx::query("DELETE FROM class_lodgings WHERE class_id = $1").bind(class_id).execute(&mut **tx).await?;
    for (position, lodging) in lodgings.iter().enumerate() {
        sqlx::query(
            "INSERT INTO class_lodgings (class_id, name, price_fen, position) VALUES ($1, $2, $3, $4)",
        )
        .bind(class_id)
        .bind(&lodging.name)
        .bind(lodging.price_fen)
        .bind(position as i64)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn region_exists(tx: &mut Tx, code: &str) -> AppResult<()> {
    if code.is_empty() {
        return Ok(());
    }
    let found: Option<String> = sqlx::query_scalar("SELECT code FROM regions WHERE code = $1")
        .bind(code)
        .fetch_optional(&mut **tx)
        .await?;
    found.map(|_| ()).ok_or_else(|| AppError::invalid_field("region_code", "请选择地区"))
}

/// Binds a draft's class columns, in the order `title` … `notice` that both the
/// INSERT and the UPDATE list them.
macro_rules! bind_draft {
    ($query:expr, $d:expr) => {
        $query
            .bind(&$d.title)
            .bind(&$d.description)
            .bind($d.mode.code())
            .bind($d.year)
            .bind($d.hours[0].0)
            .bind($d.hours[1].0)
            .bind($d.hours[2].0)
            .bind($d.fee_fen)
            .bind($d.capacity)
            .bind(&$d.opens_on)
            .bind(&$d.closes_on)
            .bind(&$d.region_code)
            .bind(i64::from($d.needs_review))
            .bind(i64::from($d.needs_job_title))
            .bind(i64::from($d.needs_photo))
            .bind($d.exam_subjects.join("\n"))
            .bind($d.exam_types.join("\n"))
            .bind(&$d.notice)
    };
}

pub async fn create(cx: &Ctx, d: &ClassDraft) -> AppResult<i64> {
    let (state, user, now) = (&cx.state, &cx.user, cx.now);
    let provider_id =
        user.grants.iter().find(|g| g.role == Role::Provider).and_then(|g| g.scope_id).ok_or_else(|| {
            AppError::new(crate::error::ErrorKind::Forbidden, "请使用施教机构账号创建培训班")
        })?;
    let mut tx = state.db.begin().await?;
    region_exists(&mut tx, &d.region_code).await?;
    let insert = sqlx::query_scalar(
        "INSERT INTO classes (provider_id, title, description, mode, year, hours_public, hours_professional,
             hours_elective, fee_fen, capacity, opens_on, closes_on, region_code, needs_review, needs_job_title,
             needs_photo, exam_subjects, exam_types, notice, state, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $22, $20, $21, $21)
         RETURNING id",
    );
    let id: i64 = bind_draft!(insert.bind(provider_id), d)
        .bind(user.id)
        .bind(now)
        .bind(ClassState::Draft.code())
        .fetch_one(&mut *tx)
        .await?;
    replace_lodgings(&mut tx, id, &d.lodgings).await?;
    audit::record(&mut tx, cx.audit("创建培训班", "class", id.to_string(), d.title.clone())).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(cx: &Ctx, id: i64, d: &ClassDraft) -> AppResult<()> {
    let (state, user, now) = (&cx.state, &cx.user, cx.now);
    let mut tx = state.db.begin().await?;
    let ManagedClass { state: class_state, mode, seats_taken, .. } = managed_class(&mut tx, user, id).await?;
    if class_state == ClassState::Ended {
        return Err(AppError::conflict("培训已结束，不能再修改"));
    }
    if seats_taken > 0 && mode != d.mode {
        return Err(AppError::invalid_field("mode", "已有学员报名，不能更改培训方式"));
    }
    if d.capacity < seats_taken {
        return Err(AppError::invalid_field(
            "capacity",
            format!("已有{seats_taken}人报名，人数上限不能低于此数"),
        ));
    }
    region_exists(&mut tx, &d.region_code).await?;
    let update = sqlx::query(
        "UPDATE classes SET title = $1, description = $2, mode = $3, year = $4, hours_public = $5,
             hours_professional = $6, hours_elective = $7, fee_fen = $8, capacity = $9, opens_on = $10, closes_on = $11,
             region_code = $12, needs_review = $13, needs_job_title = $14, needs_photo = $15, exam_subjects = $16,
             exam_types = $17, notice = $18, updated_at = $19
         WHERE id = $20",
    );
    bind_draft!(update, d).bind(now).bind(id).execute(&mut *tx).await?;
    replace_lodgings(&mut tx, id, &d.lodgings).await?;
    audit::record(&mut tx, cx.audit("修改培训班", "class", id.to_string(), d.title.clone())).await?;
    tx.commit().await?;
    state.public_cache.clear();
    Ok(())
}

pub async fn change_state(cx: &Ctx, id: i64, next: ClassState) -> AppResult<()> {
    let (state, user, now) = (&cx.state, &cx.user, cx.now);
    let mut tx = state.db.begin().await?;
    let current = managed_class(&mut tx, user, id).await?.state;
    if !current.can_become(next) {
        return Err(AppError::conflict(format!(
            "培训班当前为“{}”，不能{}",
            current.label(),
            next.action_label()
        )));
    }
    if next == ClassState::Open {
        let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM class_sessions WHERE class_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if sessions == 0 {
            return Err(AppError::conflict("请先添加至少一个期次，再开放报名"));
        }
    }
    // Conditional on the state read above, so two concurrent changes cannot both win.
    let changed = sqlx::query("UPDATE classes SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4")
        .bind(next.code())
        .bind(now)
        .bind(id)
        .bind(current.code())
        .execute(&mut *tx)
        .await?;
    if changed.rows_affected() != 1 {
        return Err(AppError::conflict("培训班状态已被他人修改，请刷新后重试"));
    }
    audit::record(
        &mut tx,
        cx.audit(
            next.action_label(),
            "class",
            id.to_string(),
            format!("{} → {}", current.label(), next.label()),
        ),
    )
    .await?;
    tx.commit().await?;
    state.public_cache.clear();
    Ok(())
}

pub async fn add_session(cx: &Ctx, class_id: i64, form: &SessionForm) -> AppResult<()> {
    let (state, user, now) = (&cx.state, &cx.user, cx.now);
    let mut tx = state.db.begin().await?;
    let ManagedClass { state: class_state, mode, .. } = managed_class(&mut tx, user, class_id).await?;
    if class_state == ClassState::Ended {
        return Err(AppError::conflict("培训已结束，不能再添加期次"));
    }
    let d = form.check(mode)?;
    sqlx::query(
        "INSERT INTO class_sessions (class_id, name, starts_on, ends_on, place, checkin_opens, checkin_closes, capacity, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(class_id)
    .bind(&d.name)
    .bind(&d.starts_on)
    .bind(&d.ends_on)
    .bind(&d.place)
    .bind(&d.checkin_opens)
    .bind(&d.checkin_closes)
    .bind(d.capacity)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    audit::record(&mut tx, cx.audit("添加期次", "class", class_id.to_string(), d.name.clone())).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_session(cx: &Ctx, class_id: i64, session_id: i64) -> AppResult<()> {
    let (state, user) = (&cx.state, &cx.user);
    let mut tx = state.db.begin().await?;
    managed_class(&mut tx, user, class_id).await?;
    let used: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrations WHERE session_id = $1")
        .bind(session_id)
        .fetch_one(&mut *tx)
        .await?;
    if used > 0 {
        return Err(AppError::conflict("该期次已有报名记录，不能删除"));
    }
    let deleted = sqlx::query("DELETE FROM class_sessions WHERE id = $1 AND class_id = $2")
        .bind(session_id)
        .bind(class_id)
        .execute(&mut *tx)
        .await?;
    if deleted.rows_affected() != 1 {
        return Err(AppError::not_found("期次不存在"));
    }
    audit::record(&mut tx, cx.audit("删除期次", "class", class_id.to_string(), session_id.to_string()))
        .await?;
    tx.commit().await?;
    Ok(())
}
