use super::{
    identity_provider::{self, IdentityDecision, IdentitySubmission},
    throttle,
};
use crate::state::AppState;
use crate::{
    accounts::{
        domain::identity::IdNumber, domain::profile_rules::check_real_name,
        domain::review_status::ReviewStatus,
    },
    error::{AppError, AppResult, Validation},
    platform::server::{
        db::{Tx, is_unique_violation},
        files::{self, Upload},
        storage::FileKind,
    },
};
use bytes::Bytes;

pub const PHOTO_MAX_BYTES: usize = 5 * 1024 * 1024;

#[derive(Default)]
pub struct VerificationForm {
    pub id_number: String,
    pub name: String,
    pub front: Option<(String, Bytes)>,
    pub back: Option<(String, Bytes)>,
}

/// Tries per account and per client address: a submission that reaches the ID-number
/// check counts (the answer tells whether the number is taken), a recorded one gives
/// its try back.
pub const ACCOUNT_TRIES: i64 = 5;
pub const ADDRESS_TRIES: i64 = 20;

/// The answer for an ID number another account already holds: how to appeal, never
/// whose account it is.
pub const ID_NUMBER_TAKEN: &str =
    "该身份证号已被其他账号使用。如非本人操作，请携带本人身份证原件到当地人社部门，或联系平台客服申诉。";

pub fn account_key(user_id: i64) -> String {
    format!("verify:{user_id}")
}

pub fn address_key(ip: &str) -> String {
    format!("verify-ip:{ip}")
}

/// How a submission ended: verified at once, or waiting for 实名审核.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitted {
    Verified,
    InReview,
    Refused,
}

#[derive(sqlx::FromRow)]
struct AccountState {
    real_name_verified: i64,
    identity_locked: i64,
    pending: i64,
}

/// 实名认证: checks the form, counts the try, stores the two photos, asks the identity
/// provider (outside any transaction) and records the submission with the provider's
/// decision in one transaction; a verified decision updates the account in it. On any
/// failure nothing is recorded and the stored photos are removed.
pub async fn verify(
    state: &AppState,
    user_id: i64,
    form: VerificationForm,
    ip: &str,
    now: i64,
) -> AppResult<Submitted> {
    let mut v = Validation::new();
    let id_number = IdNumber::parse(&form.id_number);
    if let Err(e) = &id_number {
        v.add("id_number", e.message());
    }
    if let Err(e) = check_real_name(&form.name) {
        v.add("name", e);
    }
    v.check(form.front.is_some(), "front", "请上传身份证正面照片");
    v.check(form.back.is_some(), "back", "请上传身份证反面照片");
    v.finish()?;
    let id_number = id_number.expect("validated");
    let name = form.name.trim();
    check_account(state.db.reader(), user_id).await?;

    // Counted before the ID number is looked up (see `throttle::take`), so the tries
    // cannot be raced; only a recorded submission gives them back.
    let account_key = account_key(user_id);
    let address_key = address_key(ip);
    let too_many = |remaining_ms: i64| {
        AppError::too_many_requests(format!("提交次数过多，请{}分钟后再试", throttle::minutes(remaining_ms)))
    };
    let account_try = throttle::take(&state.db, &account_key, ACCOUNT_TRIES, now).await?;
    if let throttle::Attempt::Refused { remaining_ms } = account_try {
        return Err(too_many(remaining_ms));
    }
    let address_try = throttle::take(&state.db, &address_key, ADDRESS_TRIES, now).await?;
    if let throttle::Attempt::Refused { remaining_ms } = address_try {
        throttle::give_back(&state.db, &account_key, account_try, ACCOUNT_TRIES).await?;
        return Err(too_many(remaining_ms));
    }
    if id_number_taken(state.db.reader(), id_number.as_str(), user_id).await? {
        return Err(AppError::invalid_field("id_number", ID_NUMBER_TAKEN));
    }

    // The photos are stored before the transaction (the writer is not held while they
    // are written) and deleted again if it does not commit.
    let mut stored = Vec::new();
    for (field, upload) in [("front", form.front), ("back", form.back)] {
        let (filename, bytes) = upload.expect("validated");
        let photo = Upload {
            purpose: "id_card",
            filename: &filename,
            bytes,
            max_bytes: PHOTO_MAX_BYTES,
            accepted: &[FileKind::Jpeg, FileKind::Png],
            owner_user_id: user_id,
        };
        match files::put(&state.storage, photo).await {
            Ok(file) => stored.push(file),
            Err(mut err) => {
                // Name the side that was wrong.
                for f in &mut err.fields {
                    f.field = field.to_owned();
                }
                for file in &stored {
                    files::discard(&state.storage, &file.record).await;
                }
                return Err(err);
            }
        }
    }
    let provider = identity_provider::for_config(&state.config);
    let outcome = async {
        let submission = IdentitySubmission {
            user_id,
            id_number: &id_number,
            name,
            front_file_id: &stored[0].record.id,
            back_file_id: &stored[1].record.id,
        };
        let decision = provider.check(&submission).await?;
        let mut tx = state.db.begin().await?;
        check_account(&mut *tx, user_id).await?;
        if id_number_taken(&mut *tx, id_number.as_str(), user_id).await? {
            return Err(AppError::invalid_field("id_number", ID_NUMBER_TAKEN));
        }
        for file in &stored {
            files::record(&mut tx, file).await?;
        }
        let (status, reason, submitted) = match &decision {
            IdentityDecision::Verified => (ReviewStatus::Approved, "", Submitted::Verified),
            IdentityDecision::Refused(reason) => (ReviewStatus::Rejected, reason.as_str(), Submitted::Refused),
            IdentityDecision::Review => (ReviewStatus::Pending, "", Submitted::InReview),
        };
        let inserted = sqlx::query(
            "INSERT INTO identity_reviews (user_id, id_number, name, front_file_id, back_file_id, provider, status,
                                           reason, submitted_at, decided_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(user_id)
        .bind(id_number.as_str())
        .bind(name)
        .bind(&stored[0].record.id)
        .bind(&stored[1].record.id)
        .bind(provider.name())
        .bind(status.code())
        .bind(reason)
        .bind(now)
        .bind((submitted != Submitted::InReview).then_some(now))
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            // One pending submission per account (a second tab, a double click).
            Err(err) if is_unique_violation(&err) => return Err(AppError::conflict(IN_REVIEW)),
            Err(err) => return Err(err.into()),
        }
        if submitted == Submitted::Verified {
            apply_identity(&mut tx, user_id, &id_number, name, [&stored[0].record.id, &stored[1].record.id], now)
                .await?;
        }
        tx.commit().await?;
        AppResult::Ok(submitted)
    }
    .await;
    match &outcome {
        Ok(_) => {
            throttle::give_back(&state.db, &account_key, account_try, ACCOUNT_TRIES).await?;
            throttle::give_back(&state.db, &address_key, address_try, ADDRESS_TRIES).await?;
        }
        Err(_) => {
            for file in &stored {
                files::discard(&state.storage, &file.record).await;
            }
        }
    }
    outcome
}

const IN_REVIEW: &str = "您的实名认证正在审核中，请耐心等待审核结果";

/// Whether the account may submit: not verified yet, and nothing waiting for review.
async fn check_account<'e, E>(executor: E, user_id: i64) -> AppResult<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let current: Option<AccountState> = sqlx::query_as(
        "SELECT u.real_name_verified, u.identity_locked,
                (SELECT COUNT(*) FROM identity_reviews r WHERE r.user_id = u.id AND r.status = $2) AS pending
         FROM users u WHERE u.id = $1",
    )
    .bind(user_id)
    .bind(ReviewStatus::Pending.code())
    .fetch_optional(executor)
    .await?;
    match current {
        Some(AccountState { real_name_verified: 0, identity_locked: 0, pending: 0 }) => Ok(()),
        Some(AccountState { real_name_verified: 0, identity_locked: 0, .. }) => {
            Err(AppError::conflict(IN_REVIEW))
        }
        Some(_) => Err(AppError::conflict("您已完成实名认证，身份信息不能修改")),
        None => Err(AppError::unauthenticated()),
    }
}

/// Whether another account holds this ID number (verified or not: the answer is the
/// same, so it does not tell which).
async fn id_number_taken<'e, E>(executor: E, id_number: &str, user_id: i64) -> AppResult<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id_number = $1 AND id <> $2")
        .bind(id_number)
        .bind(user_id)
        .fetch_optional(executor)
        .await?;
    Ok(taken.is_some())
}

/// Makes the account verified with this identity, inside the caller's transaction
/// (the provider's or a reviewer's decision). The unique index on `users.id_number`
/// refuses a number another account took meanwhile.
pub(crate) async fn apply_identity(
    tx: &mut Tx,
    user_id: i64,
    id_number: &IdNumber,
    name: &str,
    [front, back]: [&str; 2],
    now: i64,
) -> AppResult<()> {
    let updated = sqlx::query(
        "UPDATE users SET id_number = $1, name = $2, gender = $3, birth_date = $4, id_card_front_file_id = $5,
             id_card_back_file_id = $6, real_name_verified = 1, verified_at = $7, updated_at = $7
         WHERE id = $8 AND real_name_verified = 0 AND identity_locked = 0",
    )
    .bind(id_number.as_str())
    .bind(name)
    .bind(if id_number.is_male() { "male" } else { "female" })
    .bind(id_number.birth_date().to_string())
    .bind(front)
    .bind(back)
    .bind(now)
    .bind(user_id)
    .execute(&mut **tx)
    .await;
    match updated {
        Ok(done) if done.rows_affected() == 1 => Ok(()),
        Ok(_) => Err(AppError::conflict("该账号已完成实名认证，身份信息不能修改")),
        Err(err) if is_unique_violation(&err) => Err(AppError::invalid_field("id_number", ID_NUMBER_TAKEN)),
        Err(err) => Err(err.into()),
    }
}
