use crate::error::AppResult;
#[cfg(feature = "ssr")]
use crate::state::app_state;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    accounts::{roles::Role, server::guard},
    platform::server::respond,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminOverview {
    pub roles: Vec<String>,
    /// Figures for the platform admin only.
    pub platform: Option<PlatformFigures>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformFigures {
    pub users: i64,
    pub published_announcements: i64,
    pub draft_announcements: i64,
    pub recent: Vec<AuditLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLine {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// A readable name for an audit action code.
pub fn action_label(code: &str) -> &str {
    match code {
        "announcement.create" => "新建公告",
        "announcement.update" => "修改公告",
        "announcement.attach" => "上传附件",
        "announcement.detach" => "删除附件",
        "unit.approve" => "单位注册审核通过",
        "unit.reject" => "单位注册驳回",
        "unit.manager.add" => "添加单位管理员",
        "unit.manager.remove" => "移除单位管理员",
        "staff.approve" => "注册账号审核通过",
        "staff.reject" => "注册账号驳回",
        "staff.create" => "新建人员账号",
        "staff.invite" => "邀请人员加入",
        "staff.import" => "批量添加人员",
        "department.create" => "新增部门",
        "department.rename" => "部门改名",
        "department.delete" => "删除部门",
        other => other,
    }
}

#[server(prefix = "/api", endpoint = "admin/overview")]
pub async fn load_admin_overview() -> AppResult<AdminOverview> {
    respond(async move {
        let user = guard::require_staff().await?;
        let mut roles: Vec<String> = user.grants.iter().map(|g| g.role.label().to_owned()).collect();
        roles.dedup();
        let platform = if user.has_role(Role::PlatformAdmin) {
            Some(super::server::platform_figures(&app_state()?.db).await?)
        } else {
            None
        };
        Ok(AdminOverview { roles, platform })
    })
    .await
}
