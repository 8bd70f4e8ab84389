//! File storage behind one interface. Objects live under keys the server makes up;
//! a client never chooses a path. Local disk is the default; the same
//! [`object_store::ObjectStore`] interface serves S3-compatible stores.

use bytes::Bytes;
use object_store::{ObjectStore, ObjectStoreExt, local::LocalFileSystem, path::Path as ObjectPath};
use std::{path::Path, sync::Arc};

/// The kinds of file the platform accepts, recognised by their magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
    Webm,
    Mp4,
}

impl FileKind {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webm => "video/webm",
            Self::Mp4 => "video/mp4",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webm => "webm",
            Self::Mp4 => "mp4",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pdf => "PDF",
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::Webm => "WebM",
            Self::Mp4 => "MP4",
        }
    }

    /// The kind the content really is, whatever the name or the declared type says.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        match infer::get(bytes)?.mime_type() {
            "application/pdf" => Some(Self::Pdf),
            "image/jpeg" => Some(Self::Jpeg),
            "image/png" => Some(Self::Png),
            "video/webm" => Some(Self::Webm),
            "video/mp4" => Some(Self::Mp4),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("file is empty")]
    Empty,
    #[error("file is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("file content is not an accepted kind")]
    WrongKind,
    #[error("storage backend: {0}")]
    Backend(#[from] object_store::Error),
}

#[derive(Clone, Debug)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
}

impl Storage {
    pub fn local(root: &Path) -> Result<Self, std::io::Error> {
        std::fs::create_dir_all(root)?;
        let store = LocalFileSystem::new_with_prefix(root).map_err(std::io::Error::other)?;
        Ok(Self { store: Arc::new(store) })
    }

    /// Checks size and content, then stores under a fresh key of the form
    /// `<folder>/<uuid>.<ext>`. Returns the key and the recognised kind.
    pub async fn put_checked(
        &self,
        folder: &'static str,
        bytes: Bytes,
        max_bytes: usize,
        accepted: &[FileKind],
    ) -> Result<(String, FileKind), StorageError> {
        if bytes.is_empty() {
            return Err(StorageError::Empty);
        }
        if bytes.len() > max_bytes {
            return Err(StorageError::TooLarge { limit: max_bytes });
        }
        let kind =
            FileKind::sniff(&bytes).filter(|kind| accepted.contains(kind)).ok_or(StorageError::WrongKind)?;
        let key = format!("{folder}/{}.{}", uuid::Uuid::now_v7(), kind.extension());
        self.store.put(&ObjectPath::from(key.as_str()), bytes.into()).await?;
        Ok((key, kind))
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        Ok(self.store.get(&ObjectPath::from(key)).await?.bytes().await?)
    }

    /// Bytes `start..end` of an object (for HTTP range requests: video seeking).
    pub async fn get_range(&self, key: &str, range: std::ops::Range<u64>) -> Result<Bytes, StorageError> {
        Ok(self.store.get_range(&ObjectPath::from(key), range).await?)
    }

    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        Ok(self.store.delete(&ObjectPath::from(key)).await?)
    }
}

/// A file name safe to show and to put in a Content-Disposition header: the last path
/// segment, without control characters or quotes, at most 100 characters.
pub fn display_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '*' | '?' | '|' | ':'))
        .take(100)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.');
    if cleaned.is_empty() { "附件".to_owned() } else { cleaned.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R'];

    #[test]
    fn sniffs_by_content() {
        assert_eq!(FileKind::sniff(PNG), Some(FileKind::Png));
        assert_eq!(FileKind::sniff(b"%PDF-1.7\n%..."), Some(FileKind::Pdf));
        assert_eq!(
            FileKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F']),
            Some(FileKind::Jpeg)
        );
        assert_eq!(FileKind::sniff(b"<html><script>alert(1)</script>"), None);
        assert_eq!(FileKind::sniff(b"MZ\x90\x00"), None);
    }

    #[test]
    fn cleans_file_names() {
        assert_eq!(display_filename("../../etc/passwd"), "passwd");
        assert_eq!(display_filename("C:\\Users\\a\\操作手册.pdf"), "操作手册.pdf");
        assert_eq!(display_filename("a\"b\n.pdf"), "ab.pdf");
        assert_eq!(display_filename("..."), "附件");
    }

    #[tokio::test]
    async fn stores_under_server_keys_and_checks_content() {
        let dir = std::env::temp_dir().join(format!("xueshi-storage-{}", uuid::Uuid::new_v4()));
        let storage = Storage::local(&dir).unwrap();
        let (key, kind) =
            storage.put_checked("test", Bytes::from_static(PNG), 1024, &[FileKind::Png]).await.unwrap();
        assert_eq!(kind, FileKind::Png);
        assert!(key.starts_with("test/") && key.ends_with(".png"));
        assert_eq!(storage.get(&key).await.unwrap().as_ref(), PNG);
        assert!(matches!(
            storage.put_checked("test", Bytes::from_static(PNG), 4, &[FileKind::Png]).await,
            Err(StorageError::TooLarge { .. })
        ));
        assert!(matches!(
            storage.put_checked("test", Bytes::from_static(PNG), 1024, &[FileKind::Pdf]).await,
            Err(StorageError::WrongKind)
        ));
        assert!(matches!(
            storage.put_checked("test", Bytes::new(), 1024, &[FileKind::Png]).await,
            Err(StorageError::Empty)
        ));
        storage.delete(&key).await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }
}
