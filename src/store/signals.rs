//! Word that a station's task list changed, for the pages that show it live. The store sends a station's
//! code after it commits a change to that station's tasks, or `ANYWHERE` after a change it does not trace
//! to stations (batches: expiry, escalation, cancellations); a listener re-reads what it shows.
//!
//! Within one process the word goes through a tokio broadcast, one per SQLite file (every store opened on
//! the file in the process shares it; another process writing the file, such as the CLI, is caught up by
//! the pages' periodic re-read). Across instances on one PostgreSQL, a
//! trigger on `tasks` (migration 0017) sends it with NOTIFY when the change commits, and each instance's
//! listener (`listen_postgres`) passes it on to its own broadcast; after the listener lost its connection
//! it sends `ANYWHERE`, since notices sent meanwhile are gone.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::broadcast;

/// What a change the store cannot trace to stations says.
pub const ANYWHERE: &str = "*";

/// The PostgreSQL channel the trigger on `tasks` notifies.
pub const CHANNEL: &str = "aboard_tasks";

/// A slow listener loses the oldest words first and is told it lagged; it then re-reads everything.
const CAPACITY: usize = 4096;

#[derive(Clone)]
pub struct TaskSignals {
    sender: broadcast::Sender<String>,
}

impl Default for TaskSignals {
    fn default() -> Self {
        TaskSignals {
            sender: broadcast::channel(CAPACITY).0,
        }
    }
}

impl TaskSignals {
    /// The signals of every store this process opens on the SQLite file at `path`.
    pub fn for_file(path: &std::path::Path) -> TaskSignals {
        static FILES: LazyLock<Mutex<HashMap<PathBuf, TaskSignals>>> =
            LazyLock::new(Default::default);
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let mut files = FILES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        files.entry(key).or_default().clone()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.sender.subscribe()
    }

    /// `station`'s tasks changed; no listener is no error.
    pub fn changed(&self, station: &str) {
        let _ = self.sender.send(station.to_string());
    }

    pub fn changed_anywhere(&self) {
        self.changed(ANYWHERE);
    }
}

/// Passes the trigger's notices from every instance to `signals` until the pool closes.
pub async fn listen_postgres(pool: PgPool, signals: TaskSignals) {
    let mut listener = loop {
        if pool.is_closed() {
            return;
        }
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => match listener.listen(CHANNEL).await {
                Ok(()) => break listener,
                Err(e) => tracing::warn!(error = %e, "could not listen for task changes; retrying"),
            },
            Err(e) => tracing::warn!(error = %e, "could not listen for task changes; retrying"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    };
    loop {
        match listener.try_recv().await {
            Ok(Some(notice)) => signals.changed(notice.payload()),
            // The connection was lost and made again: what was said meanwhile is lost.
            Ok(None) => signals.changed_anywhere(),
            Err(_) if pool.is_closed() => return,
            Err(e) => {
                tracing::warn!(error = %e, "listening for task changes failed; retrying");
                signals.changed_anywhere();
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    }
}
