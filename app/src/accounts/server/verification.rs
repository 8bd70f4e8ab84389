use crate::{
    accounts::{identity::IdNumber, profile_rules::check_real_name},
    error::{AppError, AppResult, Validation},
    platform::server::{
        AppState,
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

/// Marks the user verified with this identity; stores the two photos. One transaction:
/// on any failure nothing is recorded and the stored photos are removed.
pub async fn verify(state: &AppState, user_id: i64, form: VerificationForm, now: i64) -> AppResult<()> {
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

    let mut tx = state.db.begin().await?;
    let current: Option<(i64, i64)> =
        sqlx::query_as("SELECT real_name_verified, identity_locked FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
    match current {
        Some((0, 0)) => {}
        Some(_) => return Err(AppError::conflict("您已完成实名认证，身份信息不能修改")),
        None => return Err(AppError::unauthenticated()),
    }
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id_number = $1 AND id <> $2")
        .bind(id_number.as_str())
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(AppError::invalid_field("id_number", "该身份证号已被其他账号使用，请联系客服"));
    }
    let mut stored = Vec::new();
    let mut outcome = Ok(());
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
        match files::store(&state.storage, &mut tx, photo).await {
            Ok(record) => stored.push(record),
            Err(mut err) => {
                // Name the side that was wrong.
                for f in &mut err.fields {
                    f.field = field.to_owned();
                }
                outcome = Err(err);
                break;
            }
        }
    }
    if outcome.is_ok() {
        let (year, month, day) = id_number.birth_date();
        outcome = sqlx::query(
            "UPDATE users SET id_number = $1, name = $2, gender = $3, birth_date = $4, id_card_front_file_id = $5,
                 id_card_back_file_id = $6, real_name_verified = 1, verified_at = $7, updated_at = $7
             WHERE id = $8",
        )
        .bind(id_number.as_str())
        .bind(form.name.trim())
        .bind(if id_number.is_male() { "male" } else { "female" })
        .bind(format!("{year:04}-{month:02}-{day:02}"))
        .bind(&stored[0].id)
        .bind(&stored[1].id)
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map(|_| ())
        .map_err(AppError::from);
    }
    if outcome.is_ok() {
        outcome = tx.commit().await.map_err(AppError::from);
    }
    if outcome.is_err() {
        for record in &stored {
            files::discard(&state.storage, record).await;
        }
    }
    outcome
}
