//! Announcements (信息中心): categories, what a list and a detail page show, and the
//! rules an edit must satisfy. Shared by the browser and the server.

use crate::error::{AppResult, Validation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Notice,
    Guide,
    Manual,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::Notice, Category::Guide, Category::Manual];

    pub fn code(self) -> &'static str {
        match self {
            Self::Notice => "notice",
            Self::Guide => "guide",
            Self::Manual => "manual",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Notice => "通知公告",
            Self::Guide => "办事指南",
            Self::Manual => "操作手册",
        }
    }
}

crate::stored_code!(Category);

/// A line in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnouncementSummary {
    pub id: i64,
    pub category: Category,
    pub title: String,
    /// Unix ms; `None` for a draft.
    pub published_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub file_id: String,
    pub filename: String,
    pub size_bytes: i64,
}

impl Attachment {
    pub fn url(&self) -> String {
        format!("/files/{}", self.file_id)
    }

    pub fn size_label(&self) -> String {
        let kib = self.size_bytes as f64 / 1024.0;
        if kib < 1024.0 { format!("{kib:.0} KB") } else { format!("{:.1} MB", kib / 1024.0) }
    }
}

/// What the detail page shows. `body_html` was rendered and sanitised on save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    pub id: i64,
    pub category: Category,
    pub title: String,
    pub body_html: String,
    pub published_at: Option<i64>,
    pub attachments: Vec<Attachment>,
}

/// The edit form's content as the admin area loads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnouncementForEdit {
    pub id: i64,
    pub category: Category,
    pub title: String,
    pub body_markdown: String,
    pub published: bool,
    pub attachments: Vec<Attachment>,
}

/// The home page's two columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeFeed {
    pub notices: Vec<AnnouncementSummary>,
    pub guides: Vec<AnnouncementSummary>,
}

pub const TITLE_MAX_CHARS: usize = 100;
pub const BODY_MAX_CHARS: usize = 20_000;
pub const PAGE_SIZE: u32 = 10;

/// An edit that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidDraft {
    pub category: Category,
    pub title: String,
    pub body_markdown: String,
    pub published: bool,
}

pub fn validate_draft(category: &str, title: &str, body: &str, published: bool) -> AppResult<ValidDraft> {
    let title = title.trim();
    let body = body.trim();
    let category = Category::from_code(category);
    let mut v = Validation::new();
    v.check(category.is_some(), "category", "请选择栏目");
    v.check(!title.is_empty(), "title", "请输入标题");
    v.check(title.chars().count() <= TITLE_MAX_CHARS, "title", "标题不能超过100个字");
    v.check(!body.is_empty(), "body", "请输入正文");
    v.check(body.chars().count() <= BODY_MAX_CHARS, "body", "正文不能超过20000个字");
    v.finish()?;
    Ok(ValidDraft {
        category: category.expect("checked above"),
        title: title.to_owned(),
        body_markdown: body.replace("\r\n", "\n"),
        published,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::from_code(c.code()), Some(c));
        }
        assert_eq!(Category::from_code("x"), None);
    }

    #[test]
    fn accepts_a_good_draft() {
        let d = validate_draft("guide", "  报名指南 ", "正文\r\n第二行", true).unwrap();
        assert_eq!(d.category, Category::Guide);
        assert_eq!(d.title, "报名指南");
        assert_eq!(d.body_markdown, "正文\n第二行");
    }

    #[test]
    fn reports_every_bad_field() {
        let err = validate_draft("x", " ", "", false).unwrap_err();
        assert_eq!(err.field("category"), Some("请选择栏目"));
        assert_eq!(err.field("title"), Some("请输入标题"));
        assert_eq!(err.field("body"), Some("请输入正文"));
        let long = "标".repeat(101);
        let err = validate_draft("notice", &long, "x", false).unwrap_err();
        assert_eq!(err.field("title"), Some("标题不能超过100个字"));
    }

    #[test]
    fn attachment_sizes() {
        let a = Attachment { file_id: "f".into(), filename: "a.pdf".into(), size_bytes: 2048 };
        assert_eq!(a.size_label(), "2 KB");
        let a = Attachment { size_bytes: 3 * 1024 * 1024 + 200_000, ..a };
        assert_eq!(a.size_label(), "3.2 MB");
        assert_eq!(a.url(), "/files/f");
    }
}
