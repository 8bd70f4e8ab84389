//! Issuing certificates on the rule (never by hand), their revocation, and what the
//! verification page and the PDF read. A certificate is issued the first time it is
//! asked for after it became due (我的证书, 打印培训证明, 继续教育证书打印, the unit's
//! 证书打印): the ledger is exact, so "due" is exact at that moment, and the unique
//! indexes make concurrent requests issue one. A revoked certificate is not issued
//! again by the rule: the holder sees it as revoked.

use super::{
    keys, pdf,
    repo::{self, CertificateRow, NewCertificate, Subject},
};
use crate::{
    accounts::domain::{
        identity::mask_stored_id_number,
        roles::{CurrentUser, Role},
    },
    catalogue::domain::Category,
    certificates::domain::{CertificateData, CertificateHours, Kind, QrPayload, Serial},
    credits::{
        domain::{Completion, declarable_years},
        server::service::{self as credits, covers},
    },
    enrolment::domain::Status,
    error::{AppError, AppResult},
    messages::{domain::Outgoing, server::service as messages},
    platform::{
        server::{audit, db::Db},
        time::{format_date, year_of},
    },
    state::{AppState, Ctx},
    units::domain::region_covers,
};
use rand::RngCore;

/// A fresh serial from the OS-seeded CSPRNG.
fn new_serial() -> Serial {
    let mut bytes = [0u8; 10];
    rand::rng().fill_bytes(&mut bytes);
    Serial::from_random(bytes)
}

#[derive(sqlx::FromRow)]
struct HolderRow {
    name: String,
    id_number: Option<String>,
}

async fn holder(db: &Db, user_id: i64) -> AppResult<HolderRow> {
    sqlx::query_as("SELECT name, id_number FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(db.reader())
        .await?
        .ok_or_else(|| AppError::not_found("没有这个人员"))
}

/// Signs and writes a certificate, unless a live one exists (then nothing is written);
/// returns the live one either way.
async fn write(
    state: &AppState,
    user_id: i64,
    mut data: CertificateData,
    class_id: Option<i64>,
    requirement_version: Option<i64>,
    now: i64,
) -> AppResult<CertificateRow> {
    let signer = keys::signer(state.db.reader()).await?;
    data.serial = new_serial();
    let signature = signer.sign(&data.signed_text());
    let new = NewCertificate {
        data: &data,
        user_id,
        class_id,
        requirement_version,
        issued_at: now,
        key_id: &signer.id,
        signature: &signature,
    };
    repo::insert(state.db.writer(), &new).await?;
    let subject = match class_id {
        Some(class_id) => Subject::Class(class_id),
        None => Subject::Year(data.year),
    };
    repo::issued_for(state.db.writer(), user_id, subject)
        .await?
        .ok_or_else(|| AppError::internal("a certificate was written but cannot be read back"))
}

/// The yearly 继续教育证书: the one issued (live or revoked), or issued now when the
/// year is met; else the year's evaluation (what is missing).
pub async fn yearly(
    state: &AppState,
    user_id: i64,
    year: i64,
    now: i64,
) -> AppResult<Result<CertificateRow, Completion>> {
    if let Some(row) = repo::issued_for(state.db.reader(), user_id, Subject::Year(year)).await? {
        return Ok(Ok(row));
    }
    let (completion, _) = credits::year(&state.db, user_id, year).await?;
    let Some(requirement) = completion.requirement.as_ref().filter(|_| completion.met) else {
        return Ok(Err(completion));
    };
    let earned = |category| completion.category(category).map(|p| p.earned.0).unwrap_or_default();
    let person = holder(&state.db, user_id).await?;
    let data = CertificateData {
        serial: new_serial(),
        kind: Kind::Yearly,
        holder_name: person.name,
        holder_id_number: mask_stored_id_number(person.id_number.as_deref()),
        title: format!("{year}年度继续教育证书"),
        year,
        hours: CertificateHours {
            public: earned(Category::Public),
            professional: earned(Category::Professional),
            elective: earned(Category::Elective),
            total: completion.earned.0,
        },
        issuer: state.config.certificate_issuer.clone(),
        issued_on: format_date(now),
    };
    let version = Some(requirement.version);
    Ok(Ok(write(state, user_id, data, None, version, now).await?))
}

#[derive(sqlx::FromRow)]
struct CompletedClassRow {
    title: String,
    year: i64,
    status: String,
    hours_public: i64,
    hours_professional: i64,
    hours_elective: i64,
}

#[derive(sqlx::FromRow)]
struct CategorySumRow {
    #[sqlx(try_from = "String")]
    category: Category,
    tenths: i64,
}

/// Why a 培训证明 is not due yet.
pub const TRAINING_NOT_DUE: &str = "完成培训后才能打印培训证明";

/// The 培训证明 of a class: the one issued (live or revoked), or issued now when the
/// registration is 已完成; else why not.
pub async fn training(
    state: &AppState,
    user_id: i64,
    class_id: i64,
    now: i64,
) -> AppResult<Result<CertificateRow, &'static str>> {
    if let Some(row) = repo::issued_for(state.db.reader(), user_id, Subject::Class(class_id)).await? {
        return Ok(Ok(row));
    }
    let class: Option<CompletedClassRow> = sqlx::query_as(
        "SELECT c.title, c.year, r.status, c.hours_public, c.hours_professional, c.hours_elective
         FROM registrations r JOIN classes c ON c.id = r.class_id WHERE r.user_id = $1 AND r.class_id = $2
         ORDER BY CASE WHEN r.status = $3 THEN 0 ELSE 1 END, r.id DESC LIMIT 1",
    )
    .bind(user_id)
    .bind(class_id)
    .bind(Status::Completed.code())
    .fetch_optional(state.db.reader())
    .await?;
    let Some(class) = class else { return Ok(Err(TRAINING_NOT_DUE)) };
    if Status::try_from(class.status.as_str()).map_err(AppError::internal)? != Status::Completed {
        return Ok(Err(TRAINING_NOT_DUE));
    }
    // Online: the hours of the courses passed in it; offline: the class's own hours.
    let passed: Vec<CategorySumRow> = sqlx::query_as(
        "SELECT co.category, CAST(SUM(co.hours_tenths) AS BIGINT) AS tenths
         FROM course_selections s JOIN courses co ON co.id = s.course_id
         WHERE s.user_id = $1 AND s.class_id = $2 AND s.passed_at IS NOT NULL GROUP BY co.category",
    )
    .bind(user_id)
    .bind(class_id)
    .fetch_all(state.db.reader())
    .await?;
    let of = |category| passed.iter().filter(|r| r.category == category).map(|r| r.tenths).sum::<i64>();
    let (public, professional, elective) = if passed.is_empty() {
        (class.hours_public, class.hours_professional, class.hours_elective)
    } else {
        (of(Category::Public), of(Category::Professional), of(Category::Elective))
    };
    let person = holder(&state.db, user_id).await?;
    let data = CertificateData {
        serial: new_serial(),
        kind: Kind::Training,
        holder_name: person.name,
        holder_id_number: mask_stored_id_number(person.id_number.as_deref()),
        // One line of the signed text: a line break inside would shift the fields.
        title: class.title.chars().map(|c| if c.is_control() { ' ' } else { c }).collect(),
        year: class.year,
        hours: CertificateHours { public, professional, elective, total: public + professional + elective },
        issuer: state.config.certificate_issuer.clone(),
        issued_on: format_date(now),
    };
    Ok(Ok(write(state, user_id, data, Some(class_id), None, now).await?))
}

/// Issues whatever is due to a person (every completed class, this year and last
/// year), then lists their certificates, newest first.
pub async fn holder_certificates(state: &AppState, user_id: i64, now: i64) -> AppResult<Vec<CertificateRow>> {
    let completed: Vec<i64> = sqlx::query_scalar(
        "SELECT r.class_id FROM registrations r WHERE r.user_id = $1 AND r.status = $2
           AND NOT EXISTS (SELECT 1 FROM certificates c WHERE c.user_id = r.user_id AND c.class_id = r.class_id
                             AND c.kind = 'training')",
    )
    .bind(user_id)
    .bind(Status::Completed.code())
    .fetch_all(state.db.reader())
    .await?;
    for class_id in completed {
        training(state, user_id, class_id, now).await?.ok();
    }
    for year in declarable_years(year_of(now)) {
        yearly(state, user_id, year, now).await?.ok();
    }
    repo::of_holder(state.db.reader(), user_id).await
}

/// Who may download a certificate's PDF: its holder, an admin of the unit the holder
/// is approved staff of, and the authority of that unit's region.
async fn may_download(state: &AppState, user: &CurrentUser, row: &CertificateRow) -> AppResult<bool> {
    if row.user_id == user.id || user.has_role(Role::PlatformAdmin) {
        return Ok(true);
    }
    let unit: Option<UnitOfRow> = sqlx::query_as(
        "SELECT n.id AS unit_id, n.region_code FROM users u JOIN units n ON n.id = u.unit_id
         WHERE u.id = $1 AND u.unit_status = 'approved'",
    )
    .bind(row.user_id)
    .fetch_optional(state.db.reader())
    .await?;
    Ok(unit.is_some_and(|u| {
        user.has_scoped_role(Role::UnitAdmin, u.unit_id)
            || user.authority_region().is_some_and(|scope| region_covers(&scope, &u.region_code))
    }))
}

/// The PDF of a certificate for someone allowed to have it, and its file name; anyone
/// else is answered as if it did not exist.
pub async fn pdf(state: &AppState, user: &CurrentUser, serial: &str) -> AppResult<(Vec<u8>, String)> {
    let not_found = || AppError::not_found("没有这个编号的证书");
    let serial = Serial::parse(serial).map_err(|_| not_found())?;
    let row = repo::by_serial(state.db.reader(), serial.as_str()).await?.ok_or_else(not_found)?;
    if !may_download(state, user, &row).await? {
        return Err(not_found());
    }
    let bytes = pdf::render(&state.pdf_font, vec![printable(state, &row)?]).await?;
    Ok((bytes, format!("{}-{}.pdf", row.kind.label(), serial.as_str())))
}

/// A stored certificate as its page is printed.
pub fn printable(state: &AppState, row: &CertificateRow) -> AppResult<pdf::Printable> {
    let data = row.data()?;
    let payload = QrPayload {
        serial: data.serial.clone(),
        key_id: row.key_id.clone(),
        signature: row.signature.clone(),
    };
    Ok(pdf::Printable {
        qr_url: payload.url(&AppState::base_url(&state.config)),
        data,
        revoked: row.revoked_at.is_some(),
    })
}

#[derive(sqlx::FromRow)]
struct UnitOfRow {
    unit_id: i64,
    region_code: String,
}

/// 撤销 by the authority of the holder's region, with a reason; the holder is told.
/// A certificate revoked already is refused (409).
pub async fn revoke(cx: &Ctx, serial: &Serial, reason: &str) -> AppResult<CertificateRow> {
    let row = repo::by_serial(cx.state.db.reader(), serial.as_str())
        .await?
        .ok_or_else(|| AppError::not_found("没有这个编号的证书"))?;
    let region: Option<String> = sqlx::query_scalar(
        "SELECT n.region_code FROM users u JOIN units n ON n.id = u.unit_id WHERE u.id = $1 AND u.unit_status = 'approved'",
    )
    .bind(row.user_id)
    .fetch_optional(cx.state.db.reader())
    .await?;
    if !covers(cx, region.as_deref().unwrap_or_default()) {
        return Err(AppError::not_found("没有这个编号的证书"));
    }
    let mut tx = cx.state.db.begin().await?;
    if !repo::revoke(&mut *tx, row.id, cx.user.id, reason, cx.now).await? {
        return Err(AppError::conflict("该证书已撤销"));
    }
    let phone: Option<String> = sqlx::query_scalar("SELECT phone FROM users WHERE id = $1")
        .bind(row.user_id)
        .fetch_one(&mut *tx)
        .await?;
    let body =
        format!("您的{}（{}，编号 {}）已被撤销：{reason}。", row.kind.label(), row.title, serial.display());
    messages::send(
        &mut tx,
        &cx.state,
        Outgoing {
            user_id: row.user_id,
            phone: phone.as_deref(),
            title: "证书撤销",
            body: &body,
            link: "/me/certificates",
            at: cx.now,
        },
    )
    .await?;
    audit::record(&mut tx, cx.audit("certificate.revoke", "certificate", row.serial.clone(), reason)).await?;
    tx.commit().await?;
    repo::by_serial(cx.state.db.reader(), serial.as_str())
        .await?
        .ok_or_else(|| AppError::internal("revoked certificate vanished"))
}
