//! The drop folder (`[import] drop_dir`): a scheduler job imports every manifest, SSIM schedule or MVT
//! file left there (told apart by their content). A file
//! is claimed by renaming it into `processing/` — a rename succeeds for one instance only — then moved to
//! `processed/` when it went in, or to `rejected/` with `NAME.errors.txt` beside it saying why. Files still
//! being written (changed in the last two seconds, or named `*.tmp`, `*.part` or `.*`) wait for a later
//! tick. A store failure puts the file back for the next tick.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use super::import::ImportError;
use super::schedule;
use crate::flightstatus::FlightEventSink;
use crate::scheduler::{Job, JobContext, JobError, JobReport};

/// Who the event log names for drop-folder imports.
pub const DROP_FOLDER_ACTOR: &str = "drop-folder";

/// How long a file must stay unchanged before it is taken.
const SETTLE: Duration = Duration::from_secs(2);

pub struct DropFolderJob {
    pub dir: PathBuf,
    /// Reads a manifest phone written without its country code when the nationality does not say.
    pub default_region: Option<crate::domain::Region>,
    /// Reacts to the flight times an SSIM schedule or MVT message changes (the engine).
    pub flight_sink: Option<Arc<dyn FlightEventSink>>,
}

impl DropFolderJob {
    /// One file, as its content says: an SSIM schedule, MVT messages, or a manifest.
    async fn import(&self, ctx: &JobContext, name: &str, bytes: &[u8]) -> Result<(), ImportError> {
        let reading = crate::manifest::Reading {
            format: None,
            default_region: self.default_region,
        };
        schedule::import_flight_file(
            ctx.store.as_ref(),
            self.flight_sink.as_deref(),
            name,
            bytes,
            reading,
            DROP_FOLDER_ACTOR,
            ctx.now,
        )
        .await?;
        Ok(())
    }
}

#[async_trait]
impl Job for DropFolderJob {
    fn name(&self) -> &'static str {
        "import-drop-folder"
    }

    fn default_schedule(&self) -> &'static str {
        "*/10 * * * * *"
    }

    async fn run(&self, ctx: &JobContext) -> Result<JobReport, JobError> {
        let body = |e: std::io::Error| JobError::Body(Box::new(e));
        for sub in ["processing", "processed", "rejected"] {
            tokio::fs::create_dir_all(self.dir.join(sub))
                .await
                .map_err(body)?;
        }
        let mut imported = 0;
        let mut rejected = 0;
        let mut retry = Vec::new();
        for name in ready_files(&self.dir).await.map_err(body)? {
            let claimed = self.dir.join("processing").join(&name);
            // Another instance renamed it first: it is theirs.
            if tokio::fs::rename(self.dir.join(&name), &claimed)
                .await
                .is_err()
            {
                continue;
            }
            let bytes = tokio::fs::read(&claimed).await.map_err(body)?;
            let result = self.import(ctx, &name, &bytes).await;
            match result {
                Ok(_) => {
                    imported += 1;
                    move_unique(&claimed, &self.dir.join("processed"), &name)
                        .await
                        .map_err(body)?;
                }
                Err(ImportError::Store(e)) => {
                    retry.push(format!("{name}: {e}"));
                    tokio::fs::rename(&claimed, self.dir.join(&name))
                        .await
                        .map_err(body)?;
                }
                Err(error) => {
                    rejected += 1;
                    let target = move_unique(&claimed, &self.dir.join("rejected"), &name)
                        .await
                        .map_err(body)?;
                    let mut errors = target.into_os_string();
                    errors.push(".errors.txt");
                    tokio::fs::write(errors, format!("{error}\n"))
                        .await
                        .map_err(body)?;
                }
            }
        }
        let detail = format!("{imported} imported, {rejected} rejected");
        if retry.is_empty() {
            Ok(JobReport::ok(detail))
        } else {
            Ok(JobReport::partial(format!(
                "{detail}; left for the next run: {}",
                retry.join("; ")
            )))
        }
    }
}

/// Names of the regular files in `dir` that are not being written, oldest name first.
async fn ready_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut entries = tokio::fs::read_dir(dir).await?;
    let mut names = Vec::new();
    let now = SystemTime::now();
    while let Some(entry) = entries.next_entry().await? {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if name.starts_with('.') || name.ends_with(".tmp") || name.ends_with(".part") {
            continue;
        }
        let Ok(meta) = entry.metadata().await else {
            continue;
        };
        let settled = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age >= SETTLE);
        if meta.is_file() && settled {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// Moves `from` into `dir` as `name`, or as `name.N` when that name is taken (the same file name can be
/// dropped every day). Returns where it went.
async fn move_unique(from: &Path, dir: &Path, name: &str) -> std::io::Result<PathBuf> {
    let mut target = dir.join(name);
    let mut n = 1;
    while tokio::fs::try_exists(&target).await? {
        target = dir.join(format!("{name}.{n}"));
        n += 1;
    }
    tokio::fs::rename(from, &target).await?;
    Ok(target)
}
