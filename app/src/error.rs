//! The one error type of the application. It carries a message in Chinese for the
//! user and, per field, messages to show next to form inputs. Internal detail is
//! logged where the error is made and never travels to the browser.

use serde::{Deserialize, Serialize};
use server_fn_error::{FromServerFnError, ServerFnErrorErr, codec::JsonEncoding};

// Re-exported through leptos so that the browser build needs no extra crate.
mod server_fn_error {
    pub use leptos::server_fn::{codec, error::*};
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    /// The request is malformed (missing or undecodable fields).
    BadRequest,
    /// The input was understood but breaks a rule; see `fields`.
    Invalid,
    /// Not signed in, or the session has ended.
    Unauthenticated,
    /// Signed in, but this role or this object is not yours.
    Forbidden,
    NotFound,
    /// The object changed or exists already.
    Conflict,
    TooManyRequests,
    /// Something failed inside the server; the detail is in the log.
    Internal,
    /// The request did not reach the server or its answer could not be read.
    Network,
}

impl ErrorKind {
    pub fn status(self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::Invalid => 422,
            Self::Unauthenticated => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::TooManyRequests => 429,
            Self::Internal => 500,
            Self::Network => 503,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub kind: ErrorKind,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), fields: Vec::new() }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, message)
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorKind::Unauthenticated, "请先登录")
    }

    pub fn forbidden() -> Self {
        Self::new(ErrorKind::Forbidden, "您没有权限进行此操作")
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }

    pub fn too_many_requests(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::TooManyRequests, message)
    }

    /// A rule broken by one field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            kind: ErrorKind::Invalid,
            message: message.clone(),
            fields: vec![FieldError { field: field.to_owned(), message }],
        }
    }

    /// Several broken rules at once; the first is the headline.
    pub fn invalid_fields(fields: Vec<FieldError>) -> Self {
        let message = fields
            .first()
            .map(|f| f.message.clone())
            .unwrap_or_else(|| "提交的内容有误，请检查后重试".to_owned());
        Self { kind: ErrorKind::Invalid, message, fields }
    }

    /// The message for one field, if that field is at fault.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|f| f.field == name).map(|f| f.message.as_str())
    }

    /// An internal failure: the detail goes to the log, the user reads a plain sentence.
    #[cfg(feature = "ssr")]
    #[track_caller]
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        let location = std::panic::Location::caller();
        tracing::error!(%detail, at = %location, "internal error");
        Self::new(ErrorKind::Internal, "系统繁忙，请稍后再试")
    }
}

/// Collects field errors for a form, then turns them into one error if any.
#[derive(Debug, Default)]
pub struct Validation(Vec<FieldError>);

impl Validation {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn check(&mut self, ok: bool, field: &str, message: &str) -> &mut Self {
        if !ok {
            self.add(field, message);
        }
        self
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) -> &mut Self {
        self.0.push(FieldError { field: field.to_owned(), message: message.into() });
        self
    }

    pub fn finish(self) -> AppResult<()> {
        if self.0.is_empty() { Ok(()) } else { Err(AppError::invalid_fields(self.0)) }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let error = Self::from_transport(value);
        // Arguments that fail to decode never reach the function body, so the status
        // is set here (a request error is a 400, not the default 500).
        #[cfg(feature = "ssr")]
        crate::platform::server::request::set_error_status(&error);
        error
    }
}

impl AppError {
    fn from_transport(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_)
            | ServerFnErrorErr::UnsupportedRequestMethod(_) => {
                #[cfg(feature = "ssr")]
                tracing::info!(error = %value, "malformed server function request");
                Self::bad_request("请求格式不正确，请刷新页面后重试")
            }
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => {
                Self::new(ErrorKind::Network, "网络连接异常，请检查网络后重试")
            }
            other => {
                #[cfg(feature = "ssr")]
                tracing::error!(error = %other, "server function failure");
                #[cfg(not(feature = "ssr"))]
                let _ = other;
                Self::new(ErrorKind::Internal, "系统繁忙，请稍后再试")
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<crate::platform::codes::UnknownCode> for AppError {
    #[track_caller]
    fn from(error: crate::platform::codes::UnknownCode) -> Self {
        AppError::internal(error)
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    #[track_caller]
    fn from(err: sqlx::Error) -> Self {
        Self::internal(format!("database: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_collects_fields() {
        let mut v = Validation::new();
        v.check(true, "title", "标题不能为空").check(false, "body", "正文不能为空");
        let err = v.finish().unwrap_err();
        assert_eq!(err.kind, ErrorKind::Invalid);
        assert_eq!(err.message, "正文不能为空");
        assert_eq!(err.field("body"), Some("正文不能为空"));
        assert_eq!(err.field("title"), None);
    }

    #[test]
    fn statuses() {
        assert_eq!(AppError::forbidden().kind.status(), 403);
        assert_eq!(AppError::invalid_field("x", "y").kind.status(), 422);
    }

    #[test]
    fn transport_errors_read_as_chinese() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::MissingArg("title".into()));
        assert_eq!(err.kind, ErrorKind::BadRequest);
        assert!(err.message.contains("请求格式不正确"));
    }
}
