//! The three public queries and their labels.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryKind {
    Certificate,
    Score,
    Hours,
}

impl QueryKind {
    pub const ALL: [QueryKind; 3] = [Self::Certificate, Self::Score, Self::Hours];

    pub fn code(self) -> &'static str {
        match self {
            Self::Certificate => "certificate",
            Self::Score => "score",
            Self::Hours => "hours",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Certificate => "证书查询",
            Self::Score => "成绩查询",
            Self::Hours => "学时查询",
        }
    }
}

crate::stored_code!(QueryKind);
