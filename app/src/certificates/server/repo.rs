//! Certificates in the database: a row is written once (its revocation aside), read by
//! serial, by holder, or by the live one of a (person, year) or (person, class).

use crate::{
    certificates::domain::{CertificateData, CertificateHours, Kind, Serial},
    error::{AppError, AppResult},
};
use sqlx::{Any, Executor};

/// One stored certificate.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CertificateRow {
    pub id: i64,
    pub serial: String,
    pub user_id: i64,
    #[sqlx(try_from = "String")]
    pub kind: Kind,
    pub year: i64,
    pub class_id: Option<i64>,
    pub title: String,
    pub holder_name: String,
    pub holder_id_number: String,
    pub public_tenths: i64,
    pub professional_tenths: i64,
    pub elective_tenths: i64,
    pub total_tenths: i64,
    pub requirement_version: Option<i64>,
    pub issuer: String,
    pub issued_on: String,
    pub issued_at: i64,
    pub key_id: String,
    pub signature: String,
    pub revoked_at: Option<i64>,
    pub revoke_reason: String,
}

impl CertificateRow {
    /// What was printed and signed.
    pub fn data(&self) -> AppResult<CertificateData> {
        Ok(CertificateData {
            serial: Serial::parse(&self.serial).map_err(AppError::internal)?,
            kind: self.kind,
            holder_name: self.holder_name.clone(),
            holder_id_number: self.holder_id_number.clone(),
            title: self.title.clone(),
            year: self.year,
            hours: CertificateHours {
                public: self.public_tenths,
                professional: self.professional_tenths,
                elective: self.elective_tenths,
                total: self.total_tenths,
            },
            issuer: self.issuer.clone(),
            issued_on: self.issued_on.clone(),
        })
    }
}

const COLUMNS: &str = "id, serial, user_id, kind, year, class_id, title, holder_name, holder_id_number,
     public_tenths, professional_tenths, elective_tenths, total_tenths, requirement_version, issuer, issued_on,
     issued_at, key_id, signature, revoked_at, revoke_reason";

/// A certificate to write.
pub struct NewCertificate<'a> {
    pub data: &'a CertificateData,
    pub user_id: i64,
    pub class_id: Option<i64>,
    pub requirement_version: Option<i64>,
    pub issued_at: i64,
    pub key_id: &'a str,
    pub signature: &'a str,
}

/// Writes a certificate unless a live one of the same person and year (yearly) or
/// class (training) exists; the unique indexes decide, so concurrent requests issue
/// one. Returns whether this one was written.
pub async fn insert<'e>(
    executor: impl Executor<'e, Database = Any>,
    new: &NewCertificate<'_>,
) -> AppResult<bool> {
    let d = new.data;
    let written = sqlx::query(
        "INSERT INTO certificates (serial, user_id, kind, year, class_id, title, holder_name, holder_id_number,
             public_tenths, professional_tenths, elective_tenths, total_tenths, requirement_version, issuer,
             issued_on, issued_at, key_id, signature)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
         ON CONFLICT DO NOTHING",
    )
    .bind(d.serial.as_str())
    .bind(new.user_id)
    .bind(d.kind.code())
    .bind(d.year)
    .bind(new.class_id)
    .bind(&d.title)
    .bind(&d.holder_name)
    .bind(&d.holder_id_number)
    .bind(d.hours.public)
    .bind(d.hours.professional)
    .bind(d.hours.elective)
    .bind(d.hours.total)
    .bind(new.requirement_version)
    .bind(&d.issuer)
    .bind(&d.issued_on)
    .bind(new.issued_at)
    .bind(new.key_id)
    .bind(new.signature)
    .execute(executor)
    .await?
    .rows_affected();
    Ok(written == 1)
}

pub async fn by_serial<'e>(
    executor: impl Executor<'e, Database = Any>,
    serial: &str,
) -> AppResult<Option<CertificateRow>> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM certificates WHERE serial = $1"))
        .bind(serial)
        .fetch_optional(executor)
        .await?)
}

/// What a certificate is for: a year (继续教育证书) or a class (培训证明).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Year(i64),
    Class(i64),
}

/// The certificate of a person for a year or a class: the live one, else the newest
/// revoked one (a revocation is not undone by issuing again).
pub async fn issued_for<'e>(
    executor: impl Executor<'e, Database = Any>,
    user_id: i64,
    subject: Subject,
) -> AppResult<Option<CertificateRow>> {
    let (column, kind, value) = match subject {
        Subject::Year(year) => ("year", Kind::Yearly, year),
        Subject::Class(class_id) => ("class_id", Kind::Training, class_id),
    };
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM certificates WHERE user_id = $1 AND {column} = $2 AND kind = $3
         ORDER BY CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, issued_at DESC, id DESC LIMIT 1"
    ))
    .bind(user_id)
    .bind(value)
    .bind(kind.code())
    .fetch_optional(executor)
    .await?)
}

/// Every certificate of a person, revoked ones included, newest first.
pub async fn of_holder<'e>(
    executor: impl Executor<'e, Database = Any>,
    user_id: i64,
) -> AppResult<Vec<CertificateRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM certificates WHERE user_id = $1 ORDER BY issued_at DESC, id DESC"
    ))
    .bind(user_id)
    .fetch_all(executor)
    .await?)
}

/// Revokes a live certificate; false when it was revoked already.
pub async fn revoke<'e>(
    executor: impl Executor<'e, Database = Any>,
    id: i64,
    by: i64,
    reason: &str,
    now: i64,
) -> AppResult<bool> {
    let done = sqlx::query(
        "UPDATE certificates SET revoked_at = $1, revoked_by = $2, revoke_reason = $3 WHERE id = $4 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(by)
    .bind(reason)
    .bind(id)
    .execute(executor)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// A unit member's yearly certificate for the unit's 证书打印 list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffCertificateRow {
    pub user_id: i64,
    pub serial: String,
    pub revoked_at: Option<i64>,
}

/// The yearly certificates of a unit's approved staff for a year (live ones last, so
/// a later `insert` into a map keeps the live one).
pub async fn unit_yearly<'e>(
    executor: impl Executor<'e, Database = Any>,
    unit_id: i64,
    year: i64,
) -> AppResult<Vec<StaffCertificateRow>> {
    Ok(sqlx::query_as(
        "SELECT c.user_id, c.serial, c.revoked_at FROM certificates c JOIN users u ON u.id = c.user_id
         WHERE u.unit_id = $1 AND u.unit_status = 'approved' AND c.kind = 'yearly' AND c.year = $2
         ORDER BY CASE WHEN c.revoked_at IS NULL THEN 1 ELSE 0 END, c.issued_at",
    )
    .bind(unit_id)
    .bind(year)
    .fetch_all(executor)
    .await?)
}
