//! Headless Chromium driven through chromedriver (started on a free port) with fantoccini, for the tests
//! of pages in a real browser. Without chromium and chromedriver installed a test is skipped with a
//! message, except under CI=true, where it fails.

use std::net::TcpListener as StdListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};

/// The programs the test drives, found through PATH as a shell would find them.
pub const CHROMIUM: &str = "chromium";
pub const CHROMEDRIVER: &str = "chromedriver";
pub const WAIT: Duration = Duration::from_secs(10);

/// chromedriver, stopped when dropped.
pub struct Driver {
    child: Child,
    url: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first executable file called `name` in a folder of PATH.
fn on_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| {
            path.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// Starts chromedriver and a headless Chromium session, or None (skip) when they are not installed.
pub async fn browser() -> Option<(Driver, Client)> {
    browser_speaking(None).await
}

/// Like `browser`, with the browser's languages (`Accept-Language`) set to `accept` when given.
pub async fn browser_speaking(accept: Option<&str>) -> Option<(Driver, Client)> {
    let (Some(chromium), Some(chromedriver)) = (on_path(CHROMIUM), on_path(CHROMEDRIVER)) else {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true but {CHROMIUM} or {CHROMEDRIVER} is not on PATH: install Debian's chromium and chromium-driver"
        );
        eprintln!("skipping the browser test: install chromium and chromium-driver to run it");
        return None;
    };
    let port = StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let profile = tempfile::tempdir().expect("a profile directory");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _profile: profile,
    };
    let args = vec![
        "--headless".to_string(),
        "--no-sandbox".to_string(),
        "--disable-gpu".to_string(),
        "--disable-dev-shm-usage".to_string(),
        "--no-first-run".to_string(),
        "--disable-background-networking".to_string(),
        "--disable-component-update".to_string(),
        "--disable-sync".to_string(),
        "--window-size=1280,800".to_string(),
        format!("--user-data-dir={}", driver._profile.path().display()),
    ];
    let mut args = args;
    if let Some(accept) = accept {
        args.push(format!("--lang={accept}"));
        args.push(format!("--accept-lang={accept}"));
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_string(),
        match accept {
            Some(accept) => serde_json::json!({
                "binary": chromium,
                "args": args,
                "prefs": { "intl.accept_languages": accept },
            }),
            None => serde_json::json!({ "binary": chromium, "args": args }),
        },
    );
    let started = Instant::now();
    loop {
        let attempt = ClientBuilder::rustls()
            .expect("a TLS-capable connector")
            .capabilities(capabilities.clone())
            .connect(&driver.url)
            .await;
        match attempt {
            Ok(client) => return Some((driver, client)),
            Err(e) if started.elapsed() > WAIT => panic!("chromedriver did not start: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}
