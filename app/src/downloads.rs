//! Who may read an uploaded file, by the purpose it was uploaded for. `/files/{id}`
//! asks here; the answer is no unless a rule says yes.

use crate::state::AppState;
use crate::{
    accounts::domain::roles::{CurrentUser, Role},
    announcements::server::repo as announcements,
    error::AppResult,
    platform::server::files::FileRecord,
    units::domain::region_covers,
};

/// Whether anyone, signed in or not, may read the file.
pub async fn is_public(state: &AppState, record: &FileRecord) -> AppResult<bool> {
    Ok(match record.purpose.as_str() {
        "announcement" => announcements::file_is_public(&state.db, &record.id).await?,
        // Course covers show in 在线选课 and the console.
        "course_cover" => true,
        _ => false,
    })
}

/// Whether this signed-in user may read the file.
pub async fn may_read(state: &AppState, record: &FileRecord, viewer: &CurrentUser) -> AppResult<bool> {
    // 证书打印's PDF: every admin of the unit now, not whoever asked for it once.
    if record.purpose == "certificate_batch" {
        let unit: Option<i64> =
            sqlx::query_scalar("SELECT unit_id FROM certificate_batches WHERE file_id = $1")
                .bind(&record.id)
                .fetch_optional(state.db.reader())
                .await?;
        return Ok(viewer.has_role(Role::PlatformAdmin)
            || unit.is_some_and(|unit_id| viewer.has_scoped_role(Role::UnitAdmin, unit_id)));
    }
    if record.owner_user_id == Some(viewer.id) || viewer.has_role(Role::PlatformAdmin) {
        return Ok(true);
    }
    Ok(match record.purpose.as_str() {
        // ID card photos: the admins of the owner's unit, and the authority reviewing
        // the submission (实名审核).
        "id_card" => {
            let unit: Option<Option<i64>> = sqlx::query_scalar("SELECT unit_id FROM users WHERE id = $1")
                .bind(record.owner_user_id)
                .fetch_optional(state.db.reader())
                .await?;
            unit.flatten().is_some_and(|unit_id| viewer.has_scoped_role(Role::UnitAdmin, unit_id))
                || crate::accounts::server::identity_reviews::reviewer_may_read(state, viewer, &record.id)
                    .await?
        }
        // A unit's licence: the authority of the unit's region.
        "licence" => {
            let region: Option<String> =
                sqlx::query_scalar("SELECT region_code FROM units WHERE licence_file_id = $1")
                    .bind(&record.id)
                    .fetch_optional(state.db.reader())
                    .await?;
            region.is_some_and(|region| {
                viewer.grants.iter().any(|g| {
                    g.role == Role::Authority
                        && g.scope_id.is_some_and(|scope| region_covers(&format!("{scope:06}"), &region))
                })
            })
        }
        // A registration's 1-inch photo: the provider reviewing that registration.
        "registration_photo" => {
            let providers: Vec<i64> = sqlx::query_scalar(
                "SELECT c.provider_id FROM registrations r JOIN classes c ON c.id = r.class_id
                 WHERE r.photo_file_id = $1",
            )
            .bind(&record.id)
            .fetch_all(state.db.reader())
            .await?;
            providers.into_iter().any(|provider| viewer.has_scoped_role(Role::Provider, provider))
        }
        // A chapter's video: whoever studies the course (paid class, confirmed selection)
        // and whoever manages it.
        "chapter_video" => crate::learning::server::courses::may_watch(state, viewer, &record.id).await?,
        // An issued invoice: finance, and every trainee whose order it covers.
        "invoice" => {
            viewer.has_role(Role::Finance)
                || crate::invoices::server::covers_file(&state.db, viewer.id, &record.id).await?
        }
        // A 继续教育记录's evidence: the admins of the unit it was sent to.
        "declaration" => {
            let units: Vec<i64> = sqlx::query_scalar(
                "SELECT d.unit_id FROM declarations d
                 WHERE d.unit_id IS NOT NULL AND (EXISTS (SELECT 1 FROM declaration_files f
                        WHERE f.declaration_id = d.id AND f.file_id = $1) OR d.field_values LIKE $2)",
            )
            .bind(&record.id)
            .bind(format!("%\"{}\"%", record.id))
            .fetch_all(state.db.reader())
            .await?;
            units.into_iter().any(|unit| viewer.has_scoped_role(Role::UnitAdmin, unit))
        }
        _ => false,
    })
}
