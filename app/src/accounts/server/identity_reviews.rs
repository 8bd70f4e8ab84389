//! 实名审核: the queue of 实名认证 submissions the identity provider left to a person,
//! the decision (通过, or 驳回 with a reason the trainee sees), revoking a verification,
//! and what the trainee's 实名认证 page shows. The platform admin reviews every
//! submission; an authority those whose ID number was issued in its region or whose
//! trainee belongs to a unit there.

use super::verification::apply_identity;
use crate::platform::text::mask_phone;
use crate::state::{AppState, Ctx};
use crate::{
    accounts::{
        api::{IdentityReviewDetail, IdentityReviewLine, VerificationState},
        domain::identity::{IdNumber, mask_stored_id_number},
        domain::review_status::ReviewStatus,
        domain::roles::{CurrentUser, Role},
    },
    error::{AppError, AppResult},
    messages::server as messages,
    platform::{
        paging::{Page, limit_offset},
        server::audit,
    },
    units::domain::region_prefix,
};

/// The `LIKE` pattern of the reviewer's region (`%` for the platform admin), or `None`
/// for someone who reviews nothing.
fn scope_pattern(reviewer: &CurrentUser) -> Option<String> {
    if reviewer.has_role(Role::PlatformAdmin) {
        return Some("%".to_owned());
    }
    let scope = reviewer.grants.iter().find(|g| g.role == Role::Authority).and_then(|g| g.scope_id)?;
    let scope = format!("{scope:06}");
    let prefix = region_prefix(&scope);
    // An authority without a real region reviews nothing (an empty prefix would match all).
    (!prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit())).then(|| format!("{prefix}%"))
}

/// `r` is the submission, `p` its account; `$2` the scope pattern.
const IN_SCOPE: &str = "(r.id_number LIKE $2 OR EXISTS (
        SELECT 1 FROM units un WHERE un.id = p.unit_id AND p.unit_status = 'approved' AND un.region_code LIKE $2))";

#[derive(sqlx::FromRow)]
struct LineRow {
    id: i64,
    name: String,
    id_number: String,
    phone: Option<String>,
    #[sqlx(try_from = "String")]
    status: ReviewStatus,
    submitted_at: i64,
}

fn masked_id(id_number: &str) -> String {
    mask_stored_id_number(Some(id_number))
}

pub async fn list(
    state: &AppState,
    reviewer: &CurrentUser,
    status: ReviewStatus,
    page: u32,
) -> AppResult<Page<IdentityReviewLine>> {
    let pattern = scope_pattern(reviewer).ok_or_else(AppError::forbidden)?;
    let per_page = 20;
    let (limit, offset) = limit_offset(page, per_page);
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM identity_reviews r JOIN users p ON p.id = r.user_id WHERE r.status = $1 AND {IN_SCOPE}"
    ))
    .bind(status.code())
    .bind(&pattern)
    .fetch_one(state.db.reader())
    .await?;
    // The queue oldest first (first come, first served); decisions newest first.
    let order = if status == ReviewStatus::Pending { "ASC" } else { "DESC" };
    let rows: Vec<LineRow> = sqlx::query_as(&format!(
        "SELECT r.id, r.name, r.id_number, p.phone, r.status, r.submitted_at
         FROM identity_reviews r JOIN users p ON p.id = r.user_id
         WHERE r.status = $1 AND {IN_SCOPE}
         ORDER BY r.submitted_at {order}, r.id {order} LIMIT $3 OFFSET $4"
    ))
    .bind(status.code())
    .bind(&pattern)
    .bind(limit)
    .bind(offset)
    .fetch_all(state.db.reader())
    .await?;
    let items = rows
        .into_iter()
        .map(|row| IdentityReviewLine {
            id: row.id,
            name: row.name,
            id_number_masked: masked_id(&row.id_number),
            phone_masked: row.phone.as_deref().map(mask_phone).unwrap_or_default(),
            status: row.status,
            submitted_at: row.submitted_at,
        })
        .collect();
    Ok(Page { items, page, per_page, total })
}

#[derive(sqlx::FromRow)]
struct ReviewRow {
    id: i64,
    user_id: i64,
    id_number: String,
    name: String,
    front_file_id: String,
    back_file_id: String,
    provider: String,
    #[sqlx(try_from = "String")]
    status: ReviewStatus,
    reason: String,
    submitted_at: i64,
    decided_at: Option<i64>,
    revoked_at: Option<i64>,
    phone: Option<String>,
}

const REVIEW_COLUMNS: &str =
    "r.id, r.user_id, r.id_number, r.name, r.front_file_id, r.back_file_id, r.provider,
     r.status, r.reason, r.submitted_at, r.decided_at, r.revoked_at, p.phone";

/// The submission, if it exists in the reviewer's region (otherwise 404: ids cannot be
/// probed).
async fn find<'e, E>(executor: E, reviewer: &CurrentUser, id: i64) -> AppResult<ReviewRow>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let pattern = scope_pattern(reviewer).ok_or_else(AppError::forbidden)?;
    let row: Option<ReviewRow> = sqlx::query_as(&format!(
        "SELECT {REVIEW_COLUMNS} FROM identity_reviews r JOIN users p ON p.id = r.user_id
         WHERE r.id = $1 AND {IN_SCOPE}"
    ))
    .bind(id)
    .bind(&pattern)
    .fetch_optional(executor)
    .await?;
    row.ok_or_else(|| AppError::not_found("没有这条实名认证申请"))
}

pub async fn detail(state: &AppState, reviewer: &CurrentUser, id: i64) -> AppResult<IdentityReviewDetail> {
    let row = find(state.db.reader(), reviewer, id).await?;
    // The reviewer is told when another account holds the number (approving would fail).
    let held_elsewhere: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE id_number = $1 AND id <> $2")
            .bind(&row.id_number)
            .bind(row.user_id)
            .fetch_one(state.db.reader())
            .await?;
    let earlier: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM identity_reviews WHERE user_id = $1 AND id < $2")
            .bind(row.user_id)
            .bind(row.id)
            .fetch_one(state.db.reader())
            .await?;
    let parsed = IdNumber::parse(&row.id_number).ok();
    Ok(IdentityReviewDetail {
        id: row.id,
        name: row.name,
        birth_date: parsed.as_ref().map(|id| id.birth_date().to_string()).unwrap_or_default(),
        gender: parsed
            .as_ref()
            .map(|id| if id.is_male() { "男" } else { "女" })
            .unwrap_or_default()
            .to_owned(),
        id_number: row.id_number,
        phone_masked: row.phone.as_deref().map(mask_phone).unwrap_or_default(),
        front_url: format!("/files/{}", row.front_file_id),
        back_url: format!("/files/{}", row.back_file_id),
        provider: row.provider,
        status: row.status,
        reason: row.reason,
        submitted_at: row.submitted_at,
        decided_at: row.revoked_at.or(row.decided_at),
        id_number_held_elsewhere: held_elsewhere > 0,
        earlier_submissions: earlier,
    })
}

fn check_reason<'a>(reason: &'a str, required: &'static str) -> AppResult<&'a str> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid_field("reason", required));
    }
    if reason.chars().count() > 500 {
        return Err(AppError::invalid_field("reason", "原因不能超过500个字"));
    }
    if reason.contains('\0') {
        return Err(AppError::invalid_field("reason", "含有无法识别的字符"));
    }
    Ok(reason)
}

/// 通过, or 驳回 with a reason: one conditional transition from pending, so two
/// reviewers cannot both decide; approving verifies the account in the same transaction.
pub async fn decide(cx: &Ctx, id: i64, approve: bool, reason: &str) -> AppResult<()> {
    let reason = if approve { "" } else { check_reason(reason, "驳回时请填写不通过原因")? };
    let mut tx = cx.state.db.begin().await?;
    let row = find(&mut *tx, &cx.user, id).await?;
    let moved = sqlx::query(
        "UPDATE identity_reviews SET status = $1, reason = $2, decided_by = $3, decided_at = $4
         WHERE id = $5 AND status = $6",
    )
    .bind(if approve { ReviewStatus::Approved.code() } else { ReviewStatus::Rejected.code() })
    .bind(reason)
    .bind(cx.user.id)
    .bind(cx.now)
    .bind(id)
    .bind(ReviewStatus::Pending.code())
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(AppError::conflict("该申请已审核，请刷新页面"));
    }
    let text = if approve {
        let id_number = IdNumber::parse(&row.id_number)
            .map_err(|_| AppError::conflict("该申请的身份证号无效，请驳回"))?;
        let files = [row.front_file_id.as_str(), row.back_file_id.as_str()];
        if let Err(err) = apply_identity(&mut tx, row.user_id, &id_number, &row.name, files, cx.now).await {
            return Err(if err.field("id_number").is_some() {
                AppError::conflict("该身份证号已被其他账号使用，不能通过。请驳回，并在原因中说明申诉方式。")
            } else {
                err
            });
        }
        "您的实名认证已审核通过，现在可以报名和缴费了。".to_owned()
    } else {
        format!("您的实名认证未通过审核，原因：{reason}。请在“实名认证”页面重新提交。")
    };
    messages::send(
        &mut tx,
        &cx.state,
        messages::Outgoing {
            user_id: row.user_id,
            phone: row.phone.as_deref(),
            title: "实名认证审核结果",
            body: &text,
            link: "/me/verify",
            at: cx.now,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        cx.audit(
            if approve { "identity.approve" } else { "identity.reject" },
            "identity_review",
            id.to_string(),
            if approve { row.name } else { format!("{}：{reason}", row.name) },
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 撤销认证: the account is no longer verified and its ID number is released (so the
/// number's owner can verify it), with a reason the trainee sees; audited.
pub async fn revoke(cx: &Ctx, id: i64, reason: &str) -> AppResult<()> {
    let reason = check_reason(reason, "撤销时请填写原因")?;
    let mut tx = cx.state.db.begin().await?;
    let row = find(&mut *tx, &cx.user, id).await?;
    let moved = sqlx::query(
        "UPDATE identity_reviews SET status = $5, reason = $1, revoked_by = $2, revoked_at = $3
         WHERE id = $4 AND status = $6",
    )
    .bind(reason)
    .bind(cx.user.id)
    .bind(cx.now)
    .bind(id)
    .bind(ReviewStatus::Revoked.code())
    .bind(ReviewStatus::Approved.code())
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(AppError::conflict("只能撤销已通过的实名认证，请刷新页面"));
    }
    let released = sqlx::query(
        "UPDATE users SET real_name_verified = 0, verified_at = NULL, id_number = NULL, identity_locked = 0,
             updated_at = $1
         WHERE id = $2 AND real_name_verified = 1 AND id_number = $3",
    )
    .bind(cx.now)
    .bind(row.user_id)
    .bind(&row.id_number)
    .execute(&mut *tx)
    .await?;
    if released.rows_affected() != 1 {
        return Err(AppError::conflict("该账号的实名信息已变更，请刷新页面"));
    }
    let text =
        format!("您的实名认证已被撤销，原因：{reason}。如有疑问请联系平台客服，也可重新提交实名认证。");
    messages::send(
        &mut tx,
        &cx.state,
        messages::Outgoing {
            user_id: row.user_id,
            phone: row.phone.as_deref(),
            title: "实名认证已撤销",
            body: &text,
            link: "/me/verify",
            at: cx.now,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        cx.audit("identity.revoke", "identity_review", id.to_string(), format!("{}：{reason}", row.name)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct LatestRow {
    name: String,
    id_number: String,
    #[sqlx(try_from = "String")]
    status: ReviewStatus,
    reason: String,
    submitted_at: i64,
}

/// What the trainee's 实名认证 page shows.
pub async fn state_of(state: &AppState, user_id: i64) -> AppResult<VerificationState> {
    let verified: Option<i64> = sqlx::query_scalar("SELECT real_name_verified FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(state.db.reader())
        .await?;
    if verified.unwrap_or(0) != 0 {
        return Ok(VerificationState::Verified);
    }
    let latest: Option<LatestRow> = sqlx::query_as(
        "SELECT name, id_number, status, reason, submitted_at FROM identity_reviews
         WHERE user_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(state.db.reader())
    .await?;
    Ok(match latest {
        Some(row) => match row.status {
            ReviewStatus::Pending => VerificationState::Pending {
                name: row.name,
                id_number_masked: masked_id(&row.id_number),
                submitted_at: row.submitted_at,
            },
            ReviewStatus::Rejected => VerificationState::Rejected { reason: row.reason },
            ReviewStatus::Revoked => VerificationState::Revoked { reason: row.reason },
            ReviewStatus::Approved => VerificationState::NotSubmitted,
        },
        None => VerificationState::NotSubmitted,
    })
}

/// Whether an authority may see these ID photos: they belong to a submission in its
/// region (the platform admin and the owner are allowed by `downloads`).
pub async fn reviewer_may_read(state: &AppState, viewer: &CurrentUser, file_id: &str) -> AppResult<bool> {
    if !viewer.has_role(Role::Authority) {
        return Ok(false);
    }
    let Some(pattern) = scope_pattern(viewer) else {
        return Ok(false);
    };
    let found: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT r.id FROM identity_reviews r JOIN users p ON p.id = r.user_id
         WHERE (r.front_file_id = $1 OR r.back_file_id = $1) AND {IN_SCOPE} LIMIT 1"
    ))
    .bind(file_id)
    .bind(&pattern)
    .fetch_optional(state.db.reader())
    .await?;
    Ok(found.is_some())
}
