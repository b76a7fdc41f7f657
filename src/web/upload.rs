//! Uploaded files kept on disk, not in memory: the bytes are written to a temporary file in the upload
//! folder (`server.upload_dir`) as they arrive, within the route's limit, and the importers read them
//! through a read-only mapping of that file, whose pages the kernel can drop and read again under
//! pressure. The file is removed when the upload is dropped, whatever became of the import.

use std::io::Write;
use std::ops::Deref;
use std::path::Path;

use axum::body::{Body, Bytes};
use axum::extract::multipart::Field;
use axum::http::StatusCode;
use futures::StreamExt;

/// Why an upload was not kept.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the file is larger than this route takes")]
    TooLarge,
    #[error("the upload could not be read: {0}")]
    Unreadable(String),
    #[error("the upload could not be stored")]
    Disk(#[source] std::io::Error),
}

impl UploadError {
    pub fn status(&self) -> StatusCode {
        match self {
            UploadError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            UploadError::Unreadable(_) => StatusCode::BAD_REQUEST,
            UploadError::Disk(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An upload written whole to its temporary file, its bytes readable as a slice.
#[derive(Debug)]
pub struct Upload {
    map: Mapping,
    // Dropped after the mapping (fields drop in order): the file is unlinked once nothing reads it.
    _file: tempfile::NamedTempFile,
}

impl Deref for Upload {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.map
    }
}

/// A temporary file being written, refusing to grow past `limit`.
struct Spool {
    file: tempfile::NamedTempFile,
    written: usize,
    limit: usize,
}

impl Spool {
    fn new(dir: &Path, limit: usize) -> Result<Spool, UploadError> {
        std::fs::create_dir_all(dir).map_err(UploadError::Disk)?;
        let file = tempfile::Builder::new()
            .prefix("upload-")
            .tempfile_in(dir)
            .map_err(UploadError::Disk)?;
        Ok(Spool {
            file,
            written: 0,
            limit,
        })
    }

    /// Appends a chunk. The chunks are a body's frames (a few KiB to a few hundred), which the page cache
    /// takes at once, so they are written from the request's task.
    fn push(&mut self, chunk: &[u8]) -> Result<(), UploadError> {
        self.written += chunk.len();
        if self.written > self.limit {
            return Err(UploadError::TooLarge);
        }
        self.file
            .as_file_mut()
            .write_all(chunk)
            .map_err(UploadError::Disk)
    }

    fn finish(self) -> Result<Upload, UploadError> {
        let map = Mapping::of(self.file.as_file(), self.written).map_err(UploadError::Disk)?;
        Ok(Upload {
            map,
            _file: self.file,
        })
    }
}

/// Writes a request's body to a temporary file in `dir`, up to `limit` bytes.
pub async fn body(dir: &Path, limit: usize, body: Body) -> Result<Upload, UploadError> {
    let mut spool = Spool::new(dir, limit)?;
    let mut frames = body.into_data_stream();
    while let Some(frame) = frames.next().await {
        spool.push(&frame.map_err(body_error)?)?;
    }
    spool.finish()
}

/// Writes one file of a multipart form to a temporary file in `dir`, up to `limit` bytes.
pub async fn field(dir: &Path, limit: usize, mut field: Field<'_>) -> Result<Upload, UploadError> {
    let mut spool = Spool::new(dir, limit)?;
    loop {
        let chunk: Option<Bytes> = field.chunk().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                UploadError::TooLarge
            } else {
                UploadError::Unreadable(e.body_text())
            }
        })?;
        match chunk {
            Some(chunk) => spool.push(&chunk)?,
            None => return spool.finish(),
        }
    }
}

/// The body limit's layer cuts off a body that announced no length at the route's limit; it says so by
/// its error's type.
fn body_error(e: axum::Error) -> UploadError {
    let inner = e.into_inner();
    if inner.is::<http_body_util::LengthLimitError>() {
        UploadError::TooLarge
    } else {
        UploadError::Unreadable(inner.to_string())
    }
}

/// A read-only shared mapping of a whole file.
#[derive(Debug)]
struct Mapping {
    ptr: *mut libc::c_void,
    len: usize,
}

// SAFETY: the mapping is read-only and owned by one value; reading it from any thread is sound.
unsafe impl Send for Mapping {}
unsafe impl Sync for Mapping {}

impl Mapping {
    fn of(file: &std::fs::File, len: usize) -> std::io::Result<Mapping> {
        use std::os::fd::AsRawFd;
        if len == 0 {
            // mmap refuses a length of 0; an empty file is an empty slice.
            return Ok(Mapping {
                ptr: std::ptr::null_mut(),
                len: 0,
            });
        }
        // SAFETY: a fresh read-only mapping of an open file; the kernel checks the descriptor and length.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Mapping { ptr, len })
    }
}

impl Deref for Mapping {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: `ptr` maps `len` readable bytes until drop. The file is this process's own temporary
        // file, written whole before it was mapped and never written again, so the bytes do not change.
        unsafe { std::slice::from_raw_parts(self.ptr.cast::<u8>(), self.len) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        if self.len > 0 {
            // SAFETY: `ptr` and `len` are the mapping made in `of`, unmapped once, here.
            unsafe {
                libc::munmap(self.ptr, self.len);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_body_is_read_back_from_its_file_which_goes_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let upload = body(
            dir.path(),
            100,
            Body::from("flight,date\nIB6401,2026-11-22\n"),
        )
        .await
        .unwrap();
        assert_eq!(&*upload, b"flight,date\nIB6401,2026-11-22\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        drop(upload);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let refused = body(dir.path(), 10, Body::from(vec![b'x'; 11])).await;
        assert!(matches!(refused, Err(UploadError::TooLarge)));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let empty = body(dir.path(), 10, Body::empty()).await.unwrap();
        assert!(empty.is_empty());
    }
}
