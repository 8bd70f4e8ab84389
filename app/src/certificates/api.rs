//! Server functions for certificates: 我的证书, 继续教育证书打印 and 打印培训证明 (the
//! holder), the public verification page, and the authority's 证书管理 (find, 撤销).

use super::domain::{CertificateHours, Kind};
use crate::{credits::domain::Completion, error::AppResult};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::{
        domain::{Serial, verify_signature},
        server::{keys, repo, service},
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
