//! File storage behind one interface. Objects live under keys the server makes up;
//! a client never chooses a path. Local disk is the default; the same
//! [`object_store::ObjectStore`] interface serves S3-compatible stores.

use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt, stream::BoxStream};
use object_store::{
    GetOptions, GetRange, GetResultPayload, ObjectStore, ObjectStoreExt, WriteMultipart,
    local::LocalFileSystem, path::Path as ObjectPath,
};
use sha2::{Digest, Sha256};
use std::{
    ops::Range,
    path::{Path, PathBuf},
    sync::Arc,
};

/// The store interface itself, for other backends (and the tests' wrappers) to implement.
pub use object_store;

/// How much of a streamed upload is read before its kind is decided (magic bytes).
const SNIFF_BYTES: usize = 8 * 1024;
/// Parts of a streamed upload: S3's minimum part size; at most two in flight, so an
/// upload holds about 10 MiB however large the file.
const PART_BYTES: usize = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT: usize = 2;
/// Chunks a download is read in from local disk.
const READ_CHUNK: usize = 64 * 1024;

/// The kinds of file the platform accepts, recognised by their magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
    Webm,
    Mp4,
    /// Several scans in one archive (a 继续教育记录's evidence).
    Zip,
}

impl FileKind {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webm => "video/webm",
            Self::Mp4 => "video/mp4",
            Self::Zip => "application/zip",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webm => "webm",
            Self::Mp4 => "mp4",
            Self::Zip => "zip",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pdf => "PDF",
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::Webm => "WebM",
            Self::Mp4 => "MP4",
            Self::Zip => "ZIP",
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
            "application/zip" => Some(Self::Zip),
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
    #[error("the upload ended early: {0}")]
    Incomplete(String),
    #[error("storage backend: {0}")]
    Backend(#[from] object_store::Error),
    #[error("reading a stored file: {0}")]
    Io(#[from] std::io::Error),
}

/// An object written by [`Storage::put_stream_checked`].
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub key: String,
    pub kind: FileKind,
    pub size: u64,
    pub sha256: String,
}

#[derive(Clone, Debug)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// The directory of a local-disk store, for what its listing does not show.
    local_root: Option<PathBuf>,
}

impl Storage {
    pub fn local(root: &Path) -> Result<Self, std::io::Error> {
        std::fs::create_dir_all(root)?;
        let store = LocalFileSystem::new_with_prefix(root).map_err(std::io::Error::other)?;
        Ok(Self { store: Arc::new(store), local_root: Some(root.to_path_buf()) })
    }

    /// Over any object store (S3-compatible, or a test's wrapper).
    pub fn new(store: Arc<dyn ObjectStore>) -> Self {
        Self { store, local_root: None }
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

    /// Streams an upload into a fresh key (`<folder>/<uuid>.<ext>`) as multipart parts,
    /// never holding the whole file: the first bytes decide the kind before anything is
    /// written, the size is counted as it goes, and a body that fails or runs past
    /// `max_bytes` leaves nothing behind.
    pub async fn put_stream_checked<S, E>(
        &self,
        folder: &'static str,
        mut body: S,
        max_bytes: usize,
        accepted: &[FileKind],
    ) -> Result<StoredObject, StorageError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let mut head = Vec::new();
        let mut ended = false;
        while head.len() < SNIFF_BYTES {
            match body.next().await {
                Some(Ok(chunk)) => head.extend_from_slice(&chunk),
                Some(Err(err)) => return Err(StorageError::Incomplete(err.to_string())),
                None => {
                    ended = true;
                    break;
                }
            }
        }
        if head.is_empty() {
            return Err(StorageError::Empty);
        }
        if head.len() > max_bytes {
            return Err(StorageError::TooLarge { limit: max_bytes });
        }
        let kind =
            FileKind::sniff(&head).filter(|kind| accepted.contains(kind)).ok_or(StorageError::WrongKind)?;
        let key = format!("{folder}/{}.{}", uuid::Uuid::now_v7(), kind.extension());
        let upload = self.store.put_multipart(&ObjectPath::from(key.as_str())).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let copied = copy_body(&mut writer, Bytes::from(head), ended, &mut body, max_bytes).await;
        match copied {
            Ok((size, sha256)) => {
                writer.finish().await?;
                Ok(StoredObject { key, kind, size, sha256 })
            }
            Err(err) => {
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(key = %key, error = %abort, "could not abort a failed upload");
                }
                Err(err)
            }
        }
    }

    /// The object's bytes (`range`, or all of it) as a stream of chunks: a download
    /// never holds the whole object in memory.
    pub async fn open(
        &self,
        key: &str,
        range: Option<Range<u64>>,
    ) -> Result<BoxStream<'static, Result<Bytes, StorageError>>, StorageError> {
        let options = GetOptions { range: range.map(GetRange::Bounded), ..GetOptions::default() };
        let result = self.store.get_opts(&ObjectPath::from(key), options).await?;
        Ok(match result.payload {
            GetResultPayload::File(file, _) => file_chunks(file, result.range),
            GetResultPayload::Stream(stream) => stream.map_err(StorageError::from).boxed(),
        })
    }

    /// Keys under `folder/` last modified before `before_ms` (Unix milliseconds).
    pub fn list_older(
        &self,
        folder: &str,
        before_ms: i64,
    ) -> BoxStream<'static, Result<String, StorageError>> {
        self.store
            .list(Some(&ObjectPath::from(folder)))
            .map_err(StorageError::from)
            .try_filter_map(move |meta| async move {
                Ok((meta.last_modified.timestamp_millis() < before_ms).then(|| meta.location.to_string()))
            })
            .boxed()
    }

    /// Deletes the staging files of streamed uploads that never finished under
    /// `folder/`, last written before `before_ms`. On local disk a streamed upload is
    /// written to `<key>#<n>` and renamed when complete; a server killed mid-upload
    /// leaves that file behind, and the store's listing never shows it. (An S3 bucket
    /// drops incomplete multipart uploads by its lifecycle rule instead.) Returns how many.
    pub async fn sweep_staging(&self, folder: &str, before_ms: i64) -> Result<u64, StorageError> {
        let Some(root) = &self.local_root else { return Ok(0) };
        let dir = root.join(folder);
        let before =
            std::time::UNIX_EPOCH + std::time::Duration::from_millis(u64::try_from(before_ms).unwrap_or(0));
        Ok(tokio::task::spawn_blocking(move || sweep_staging_dir(&dir, before))
            .await
            .map_err(std::io::Error::other)??)
    }

    /// A whole object in memory: for small files only (the PDF a page draws from).
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

/// Writes the rest of an upload after its first bytes; returns the size and SHA-256.
async fn copy_body<S, E>(
    writer: &mut WriteMultipart,
    first: Bytes,
    ended: bool,
    body: &mut S,
    max_bytes: usize,
) -> Result<(u64, String), StorageError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut chunk = first;
    loop {
        size += chunk.len() as u64;
        if size > max_bytes as u64 {
            return Err(StorageError::TooLarge { limit: max_bytes });
        }
        hasher.update(&chunk);
        writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
        writer.put(chunk);
        if ended {
            break;
        }
        match body.next().await {
            Some(Ok(next)) => chunk = next,
            Some(Err(err)) => return Err(StorageError::Incomplete(err.to_string())),
            None => break,
        }
    }
    Ok((size, hex::encode(hasher.finalize())))
}

/// `<name>#<digits>`: how object_store's local store names an upload in progress.
fn is_staging_file(name: &str) -> bool {
    name.rsplit_once('#')
        .is_some_and(|(_, suffix)| !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit()))
}

fn sweep_staging_dir(dir: &Path, before: std::time::SystemTime) -> std::io::Result<u64> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(err) => return Err(err),
    };
    let mut swept = 0;
    for entry in entries {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_dir() {
            swept += sweep_staging_dir(&entry.path(), before)?;
        } else if entry.file_name().to_str().is_some_and(is_staging_file) && meta.modified()? < before {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => swept += 1,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => return Err(err),
            }
        }
    }
    Ok(swept)
}

/// Reads `range` of a local file in chunks on the blocking pool.
fn file_chunks(file: std::fs::File, range: Range<u64>) -> BoxStream<'static, Result<Bytes, StorageError>> {
    futures::stream::try_unfold((file, range.start, range.end), |(mut file, at, end)| async move {
        if at >= end {
            return Ok(None);
        }
        let len = usize::try_from((end - at).min(READ_CHUNK as u64)).unwrap_or(READ_CHUNK);
        let (file, buffer) = tokio::task::spawn_blocking(move || {
            use std::io::{Read, Seek, SeekFrom};
            file.seek(SeekFrom::Start(at))?;
            let mut buffer = vec![0; len];
            file.read_exact(&mut buffer)?;
            Ok::<_, std::io::Error>((file, buffer))
        })
        .await
        .map_err(std::io::Error::other)??;
        Ok(Some((Bytes::from(buffer), (file, at + len as u64, end))))
    })
    .boxed()
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
    fn staging_files_are_named_with_a_hash_and_digits() {
        assert!(is_staging_file("0190.mp4#1"));
        assert!(is_staging_file("0190.mp4#12"));
        assert!(!is_staging_file("0190.mp4"));
        assert!(!is_staging_file("0190.mp4#"));
        assert!(!is_staging_file("a#b.png"));
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

    fn chunks(bytes: &[u8], size: usize) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
        let pieces: Vec<Result<Bytes, std::io::Error>> =
            bytes.chunks(size).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        futures::stream::iter(pieces)
    }

    #[tokio::test]
    async fn streams_uploads_in_and_downloads_out() {
        let dir = std::env::temp_dir().join(format!("xueshi-storage-{}", uuid::Uuid::new_v4()));
        let storage = Storage::local(&dir).unwrap();
        let mut file = PNG.to_vec();
        file.extend((0..(6 * 1024 * 1024 + 3)).map(|i| (i % 253) as u8));
        let stored = storage
            .put_stream_checked("test", chunks(&file, 1000), 16 << 20, &[FileKind::Png])
            .await
            .unwrap();
        assert_eq!((stored.kind, stored.size), (FileKind::Png, file.len() as u64));
        assert_eq!(stored.sha256, hex::encode(Sha256::digest(&file)));
        let whole: Vec<Bytes> = storage.open(&stored.key, None).await.unwrap().try_collect().await.unwrap();
        assert!(whole.len() > 1 && whole.iter().all(|c| c.len() <= READ_CHUNK));
        assert!(whole.concat() == file);
        let part: Vec<Bytes> =
            storage.open(&stored.key, Some(100_000..300_001)).await.unwrap().try_collect().await.unwrap();
        assert!(part.concat() == file[100_000..300_001]);

        // Refused uploads leave nothing behind: wrong kind (nothing written at all), too
        // large (stopped part-way), and a body that broke off.
        assert!(matches!(
            storage.put_stream_checked("refused", chunks(&file, 1000), 16 << 20, &[FileKind::Pdf]).await,
            Err(StorageError::WrongKind)
        ));
        assert!(matches!(
            storage.put_stream_checked("refused", chunks(&file, 1000), 1 << 20, &[FileKind::Png]).await,
            Err(StorageError::TooLarge { .. })
        ));
        let broken =
            chunks(&file[..20_000], 1000).chain(futures::stream::iter([Err(std::io::Error::other("gone"))]));
        assert!(matches!(
            storage.put_stream_checked("refused", broken, 16 << 20, &[FileKind::Png]).await,
            Err(StorageError::Incomplete(_))
        ));
        let empty = futures::stream::iter(Vec::<Result<Bytes, std::io::Error>>::new());
        assert!(matches!(
            storage.put_stream_checked("refused", empty, 1024, &[FileKind::Png]).await,
            Err(StorageError::Empty)
        ));
        // Give the aborted staging files' removal (on the blocking pool) a moment.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let left = std::fs::read_dir(dir.join("refused")).map_or(0, |d| d.count());
        assert_eq!(left, 0);
        let listed: Vec<String> = storage.list_older("test", i64::MAX).try_collect().await.unwrap();
        assert_eq!(listed, std::slice::from_ref(&stored.key));
        // A server killed mid-upload leaves a staging file the listing does not show;
        // the sweep removes it once old enough, and never a finished object.
        let staging = dir.join("test").join("0190-killed.png#3");
        std::fs::write(&staging, b"half").unwrap();
        assert_eq!(storage.sweep_staging("test", 0).await.unwrap(), 0);
        assert!(staging.exists());
        assert_eq!(storage.sweep_staging("test", i64::MAX).await.unwrap(), 1);
        assert!(!staging.exists());
        assert_eq!(storage.list_older("test", i64::MAX).try_collect::<Vec<_>>().await.unwrap().len(), 1);
        assert!(storage.list_older("test", 0).try_collect::<Vec<_>>().await.unwrap().is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
