//! Server functions for certificates: 我的证书, 继续教育证书打印 and 打印培训证明 (the
//! holder), the public verification page, and the authority's 证书管理 (find, 撤销).

use super::domain::{BatchStatus, CertificateHours, Kind};
use crate::{credits::domain::Completion, error::AppResult};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::{
        domain::{Serial, verify_signature},
        server::{batches, keys, repo, service},
    },
    crate::{
        accounts::domain::{identity::IdNumber, roles::Role},
        credits::{
            domain::{YEAR_MAX, YEAR_MIN, declarable_years},
            server::service as credits,
        },
        error::AppError,
        platform::{server::respond, time::year_of},
        state::{Ctx, Visitor},
    },
};

/// A certificate as its holder, the authority or a verifier reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateView {
    /// As printed, in groups (`7K3Q-…`).
    pub serial: String,
    /// Without dashes, for links.
    pub serial_code: String,
    pub kind: Kind,
    pub title: String,
    pub year: i64,
    pub holder_name: String,
    /// Masked.
    pub holder_id_number: String,
    pub hours: CertificateHours,
    pub issuer: String,
    pub issued_on: String,
    pub revoked_at: Option<i64>,
    pub revoke_reason: String,
}

impl CertificateView {
    pub fn pdf_href(&self) -> String {
        format!("/certificates/{}.pdf", self.serial_code)
    }

    pub fn verify_href(&self) -> String {
        format!("/verify/{}", self.serial_code)
    }
}

#[cfg(feature = "ssr")]
impl From<&repo::CertificateRow> for CertificateView {
    fn from(row: &repo::CertificateRow) -> Self {
        let serial = Serial::parse(&row.serial).map(|s| s.display()).unwrap_or_else(|_| row.serial.clone());
        Self {
            serial,
            serial_code: row.serial.clone(),
            kind: row.kind,
            title: row.title.clone(),
            year: row.year,
            holder_name: row.holder_name.clone(),
            holder_id_number: row.holder_id_number.clone(),
            hours: CertificateHours {
                public: row.public_tenths,
                professional: row.professional_tenths,
                elective: row.elective_tenths,
                total: row.total_tenths,
            },
            issuer: row.issuer.clone(),
            issued_on: row.issued_on.clone(),
            revoked_at: row.revoked_at,
            revoke_reason: row.revoke_reason.clone(),
        }
    }
}

/// 我的证书: everything due is issued first, so the list is complete at this moment.
#[server(prefix = "/api", endpoint = "me/certificates")]
pub async fn my_certificates() -> AppResult<Vec<CertificateView>> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        let rows = service::holder_certificates(&cx.state, cx.user.id, cx.now).await?;
        Ok(rows.iter().map(CertificateView::from).collect())
    })
    .await
}

/// 继续教育证书打印: a year's certificate if due (issued now), else what is missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearlyCheck {
    /// The years one may ask about, newest first.
    pub years: Vec<i64>,
    pub year: i64,
    pub completion: Completion,
    pub certificate: Option<CertificateView>,
}

#[server(prefix = "/api", endpoint = "me/certificates/yearly")]
pub async fn yearly_certificate(year: Option<i64>) -> AppResult<YearlyCheck> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        let this_year = year_of(cx.now);
        let years: Vec<i64> = (0..5).map(|back| this_year - back).collect();
        let year = year.unwrap_or(declarable_years(this_year)[1]);
        if !(YEAR_MIN..=YEAR_MAX).contains(&year) || year > this_year {
            return Err(AppError::not_found("没有这个年度"));
        }
        let (certificate, completion) = match service::yearly(&cx.state, cx.user.id, year, cx.now).await? {
            Ok(row) => {
                (Some(CertificateView::from(&row)), credits::year(&cx.state.db, cx.user.id, year).await?.0)
            }
            Err(completion) => (None, completion),
        };
        Ok(YearlyCheck { years, year, completion, certificate })
    })
    .await
}

/// 打印培训证明 of a completed class.
#[server(prefix = "/api", endpoint = "me/certificates/training")]
pub async fn training_certificate(class_id: i64) -> AppResult<CertificateView> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        match service::training(&cx.state, cx.user.id, class_id, cx.now).await? {
            Ok(row) => Ok(CertificateView::from(&row)),
            Err(why) => Err(AppError::conflict(why)),
        }
    })
    .await
}

/// What the public verification page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub certificate: CertificateView,
    /// The stored data still carries the platform's signature.
    pub signature_valid: bool,
    /// A scanned code's signature (`?k=&s=`) is this certificate's: `None` when the
    /// serial was typed.
    pub code_matches: Option<bool>,
}

/// `/verify/{serial}`: anyone, no account. A revoked certificate answers as revoked.
#[server(prefix = "/api", endpoint = "public/verify")]
pub async fn verify_certificate(
    serial: String,
    #[server(default)] key_id: String,
    #[server(default)] signature: String,
) -> AppResult<Verification> {
    respond(async move {
        let Visitor { state, .. } = Visitor::current()?;
        let serial = Serial::parse(&serial).map_err(|message| AppError::invalid_field("serial", message))?;
        let row = repo::by_serial(state.db.reader(), serial.as_str())
            .await?
            .ok_or_else(|| AppError::not_found("没有这个编号的证书，请核对编号"))?;
        let data = row.data()?;
        let published: Vec<_> =
            keys::all(state.db.reader()).await?.iter().map(keys::KeyRow::public).collect();
        let signature_valid = verify_signature(&data, &row.key_id, &row.signature, &published).is_ok();
        let code_matches = (!signature.is_empty()).then(|| {
            key_id == row.key_id && verify_signature(&data, &key_id, &signature, &published).is_ok()
        });
        Ok(Verification { certificate: CertificateView::from(&row), signature_valid, code_matches })
    })
    .await
}

#[cfg(feature = "ssr")]
const CERTIFICATE_MANAGERS: &[Role] = &[Role::Authority, Role::PlatformAdmin];

/// 证书管理: a person of the caller's region by ID number, and their certificates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolderCertificates {
    pub name: String,
    pub unit_name: String,
    pub certificates: Vec<CertificateView>,
}

#[server(prefix = "/api", endpoint = "admin/certificates/person")]
pub async fn person_certificates(id_number: String) -> AppResult<HolderCertificates> {
    respond(async move {
        let cx = Ctx::require_any(CERTIFICATE_MANAGERS).await?;
        let id_number =
            IdNumber::parse(&id_number).map_err(|e| AppError::invalid_field("id_number", e.message()))?;
        let person = credits::person_in_scope(&cx, &id_number).await?;
        let rows = repo::of_holder(cx.state.db.reader(), person.id).await?;
        Ok(HolderCertificates {
            name: person.name,
            unit_name: person.unit_name,
            certificates: rows.iter().map(CertificateView::from).collect(),
        })
    })
    .await
}

/// 撤销 with a reason (required, at most 200 characters).
#[server(prefix = "/api", endpoint = "admin/certificates/revoke")]
pub async fn revoke_certificate(
    serial: String,
    reason: String,
    #[server(default)] id_number: String,
) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(CERTIFICATE_MANAGERS).await?;
        let serial = Serial::parse(&serial).map_err(|message| AppError::invalid_field("serial", message))?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 || reason.chars().any(char::is_control) {
            return Err(AppError::invalid_field("reason", "请填写撤销原因（不超过 200 字）"));
        }
        service::revoke(&cx, &serial, reason).await?;
        let back = match IdNumber::parse(&id_number) {
            Ok(id) => format!("/admin/certificates?id_number={}&revoked=1", id.as_str()),
            Err(_) => "/admin/certificates?revoked=1".to_owned(),
        };
        leptos_axum::redirect(&back);
        Ok(())
    })
    .await
}

// ---- the unit's 证书打印 ----

/// One member of the unit in 证书打印: their year and certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffCertificateLine {
    pub user_id: i64,
    pub name: String,
    /// Masked.
    pub id_number: String,
    pub department: String,
    pub met: bool,
    /// What is missing, in words ('' when met).
    pub shortfall: String,
    /// As printed, when issued.
    pub serial: Option<String>,
    pub revoked: bool,
}

/// A 证书打印 batch and its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchLine {
    pub id: i64,
    pub year: i64,
    pub total: i64,
    pub done: i64,
    pub printed: i64,
    pub status: BatchStatus,
    /// The PDF, once ready (`/files/{id}`).
    pub file_id: Option<String>,
    pub error: String,
    pub created_at: i64,
}

#[cfg(feature = "ssr")]
impl From<batches::BatchRow> for BatchLine {
    fn from(b: batches::BatchRow) -> Self {
        Self {
            id: b.id,
            year: b.year,
            total: b.total,
            done: b.done,
            printed: b.printed,
            status: b.status,
            file_id: b.file_id,
            error: b.error,
            created_at: b.created_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitCertificatesView {
    pub years: Vec<i64>,
    pub year: i64,
    pub departments: Vec<String>,
    pub department: String,
    pub staff: Vec<StaffCertificateLine>,
    pub batches: Vec<BatchLine>,
}

#[server(prefix = "/api", endpoint = "unit/certificates")]
pub async fn unit_certificates(
    year: Option<i64>,
    department: Option<String>,
) -> AppResult<UnitCertificatesView> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        let this_year = year_of(cx.now);
        let years: Vec<i64> = (0..5).map(|back| this_year - back).collect();
        let year = year.filter(|y| years.contains(y)).unwrap_or(declarable_years(this_year)[1]);
        let department = department.unwrap_or_default();
        let all = credits::unit_completions(&cx.state.db, unit_id, year).await?;
        let mut departments: Vec<String> =
            all.iter().map(|s| s.staff.department.clone()).filter(|d| !d.is_empty()).collect();
        departments.sort();
        departments.dedup();
        let issued: std::collections::HashMap<i64, repo::StaffCertificateRow> =
            repo::unit_yearly(cx.state.db.reader(), unit_id, year)
                .await?
                .into_iter()
                .map(|c| (c.user_id, c))
                .collect();
        let staff = all
            .into_iter()
            .filter(|s| department.is_empty() || s.staff.department == department)
            .map(|s| {
                let certificate = issued.get(&s.staff.id);
                StaffCertificateLine {
                    user_id: s.staff.id,
                    name: s.staff.name,
                    id_number: crate::accounts::domain::identity::mask_stored_id_number(
                        s.staff.id_number.as_deref(),
                    ),
                    department: s.staff.department,
                    met: s.completion.met,
                    shortfall: s.completion.shortfall(),
                    serial: certificate.and_then(|c| Serial::parse(&c.serial).ok()).map(|s| s.display()),
                    revoked: certificate.is_some_and(|c| c.revoked_at.is_some()),
                }
            })
            .collect();
        let batches = batches::recent(&cx.state, unit_id).await?.into_iter().map(BatchLine::from).collect();
        Ok(UnitCertificatesView { years, year, departments, department, staff, batches })
    })
    .await
}

/// 生成证书PDF: the ticked staff (`pick_<id>`), or with `all=1` every member who met the
/// year; queued for the background job, the page then shows its progress.
#[server(prefix = "/api", endpoint = "unit/certificates/print")]
pub async fn print_certificates(#[server(flatten)] form: crate::credits::api::FormPairs) -> AppResult<()> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        let this_year = year_of(cx.now);
        let year = form
            .pairs
            .get("year")
            .and_then(|y| y.trim().parse::<i64>().ok())
            .filter(|y| (this_year - 4..=this_year).contains(y))
            .ok_or_else(|| AppError::invalid_field("year", "请选择年度"))?;
        let user_ids: Vec<i64> = if form.pairs.get("all").map(String::as_str) == Some("1") {
            credits::unit_completions(&cx.state.db, unit_id, year)
                .await?
                .into_iter()
                .filter(|s| s.completion.met)
                .map(|s| s.staff.id)
                .collect()
        } else {
            crate::platform::text::ticked_ids(form.pairs.keys(), "pick_")
        };
        let id = batches::create(&cx, unit_id, year, &user_ids).await?;
        leptos_axum::redirect(&format!("/admin/unit/certificates/batches/{id}"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "unit/certificates/batch")]
pub async fn certificate_batch(id: i64) -> AppResult<BatchLine> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        Ok(batches::of_unit(&cx.state, unit_id, id).await?.into())
    })
    .await
}
