//! Plain rules of the admin area: the names of audit actions, and what the outbox shows
//! in production mode.

/// What a production-mode outbox shows instead of a body.
pub const BODY_HIDDEN: &str = "（生产环境不显示内容）";

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
