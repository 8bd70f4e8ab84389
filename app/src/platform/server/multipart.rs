//! Multipart forms (the forms with a file: 实名认证's ID photos, a unit's licence, an
//! invoice PDF, a registration photo, an attachment), read in one place. Videos are
//! not read here: they stream from their field into storage (`learning`).

use crate::error::{AppError, AppResult};
use bytes::Bytes;
use leptos::server_fn::codec::MultipartData;

/// A file from a form field: the name the browser gave it, and its bytes (bounded by
/// the body limit of upload endpoints).
#[derive(Clone)]
pub struct Upload {
    pub filename: String,
    pub bytes: Bytes,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload").field("filename", &self.filename).field("size", &self.bytes.len()).finish()
    }
}

/// A whole multipart form: its text fields in order (a repeated name keeps every
/// value) and its non-empty files.
#[derive(Debug, Default)]
pub struct MultipartForm {
    texts: Vec<(String, String)>,
    files: Vec<(String, Upload)>,
}

const INCOMPLETE: &str = "文件上传不完整，请重试";

impl MultipartForm {
    /// Reads every field; `file_fields` names the fields that carry files. A body that
    /// breaks off is refused (400) rather than read as a shorter form.
    pub async fn read(data: MultipartData, file_fields: &[&str]) -> AppResult<Self> {
        let mut data = data.into_inner().ok_or_else(|| AppError::bad_request("请求格式不正确"))?;
        let mut form = MultipartForm::default();
        while let Some(field) = data.next_field().await.map_err(|_| AppError::bad_request(INCOMPLETE))? {
            let name = field.name().unwrap_or_default().to_owned();
            if file_fields.contains(&name.as_str()) {
                let filename = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(|_| AppError::bad_request(INCOMPLETE))?;
                if !bytes.is_empty() {
                    form.files.push((name, Upload { filename, bytes }));
                }
            } else {
                let text = field.text().await.map_err(|_| AppError::bad_request(INCOMPLETE))?;
                form.texts.push((name, text));
            }
        }
        Ok(form)
    }

    /// The first value of a text field, or "" when the form has none.
    pub fn text(&self, name: &str) -> String {
        self.texts.iter().find(|(field, _)| field == name).map(|(_, text)| text.clone()).unwrap_or_default()
    }

    /// Every value of a text field (checkboxes sharing a name), in form order.
    pub fn texts(&self, name: &str) -> Vec<String> {
        self.texts.iter().filter(|(field, _)| field == name).map(|(_, text)| text.clone()).collect()
    }

    /// A text field holding an id, `None` when missing or not a number.
    pub fn id(&self, name: &str) -> Option<i64> {
        self.texts.iter().find(|(field, _)| field == name).and_then(|(_, text)| text.trim().parse().ok())
    }

    /// Every file of a field (taken out of the form), in form order.
    pub fn take_files(&mut self, name: &str) -> Vec<Upload> {
        let (taken, kept) = std::mem::take(&mut self.files).into_iter().partition(|(field, _)| field == name);
        self.files = kept;
        taken.into_iter().map(|(_, upload)| upload).collect()
    }

    /// The file of a field (taken out of the form), with `default_name` when the
    /// browser sent none; `None` when no file was chosen.
    pub fn take_file(&mut self, name: &str, default_name: &str) -> Option<Upload> {
        let at = self.files.iter().position(|(field, _)| field == name)?;
        let (_, mut upload) = self.files.remove(at);
        if upload.filename.is_empty() {
            default_name.clone_into(&mut upload.filename);
        }
        Some(upload)
    }
}
