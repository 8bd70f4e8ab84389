//! Roles and the signed-in user as every layer sees them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Trainee,
    UnitAdmin,
    Provider,
    Authority,
    Finance,
    PlatformAdmin,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Trainee, Role::UnitAdmin, Role::Provider, Role::Authority, Role::Finance, Role::PlatformAdmin];

    /// The name stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::Trainee => "trainee",
            Self::UnitAdmin => "unit_admin",
            Self::Provider => "provider",
            Self::Authority => "authority",
            Self::Finance => "finance",
            Self::PlatformAdmin => "platform_admin",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Trainee => "学员",
            Self::UnitAdmin => "单位管理员",
            Self::Provider => "施教机构",
            Self::Authority => "人社部门",
            Self::Finance => "财务",
            Self::PlatformAdmin => "平台管理员",
        }
    }

    /// Roles that work in the administration area (管理后台).
    pub fn is_staff(self) -> bool {
        !matches!(self, Self::Trainee)
    }
}

crate::stored_code!(Role);

/// A role held by a user; unit and provider roles name the unit or provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleGrant {
    pub role: Role,
    pub scope_id: Option<i64>,
}

/// The signed-in user, as the server establishes it from the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub name: String,
    pub grants: Vec<RoleGrant>,
    pub real_name_verified: bool,
    pub must_change_password: bool,
}

impl CurrentUser {
    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// The region an authority answers for: its scope as a six-digit code
    /// (GB/T 2260); None for a user who is no authority.
    pub fn authority_region(&self) -> Option<String> {
        self.grants
            .iter()
            .find(|g| g.role == Role::Authority)
            .and_then(|g| g.scope_id)
            .map(|scope| format!("{scope:06}"))
    }

    /// Whether the user holds `role` for this unit or provider.
    pub fn has_scoped_role(&self, role: Role, scope_id: i64) -> bool {
        self.grants.iter().any(|g| g.role == role && g.scope_id == Some(scope_id))
    }

    pub fn is_staff(&self) -> bool {
        self.grants.iter().any(|g| g.role.is_staff())
    }

    pub fn role_labels(&self) -> String {
        let mut labels: Vec<&str> = self.grants.iter().map(|g| g.role.label()).collect();
        labels.dedup();
        labels.join("、")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(grants: Vec<RoleGrant>) -> CurrentUser {
        CurrentUser {
            id: 1,
            name: "张三".into(),
            grants,
            real_name_verified: true,
            must_change_password: false,
        }
    }

    #[test]
    fn role_codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
        assert_eq!(Role::from_code("root"), None);
    }

    #[test]
    fn scoped_roles() {
        let u = user(vec![RoleGrant { role: Role::UnitAdmin, scope_id: Some(7) }]);
        assert!(u.has_role(Role::UnitAdmin));
        assert!(u.has_scoped_role(Role::UnitAdmin, 7));
        assert!(!u.has_scoped_role(Role::UnitAdmin, 8));
        assert!(u.is_staff());
        assert!(!user(vec![RoleGrant { role: Role::Trainee, scope_id: None }]).is_staff());
    }
}
