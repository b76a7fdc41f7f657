//! Limits before work, over real HTTP against the real app: a caller without the route's role is refused
//! before the server reads its body or validates anything it sent, bodies are read only up to their
//! route's limit, and idle connections are closed so that they cannot starve `/healthz`.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use aboard::domain::Role;
use common::{TestApp, TestDb, token};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends `head` (and nothing after it) on a fresh connection and gives the status the server answers
/// within `wait`, or None when it answers nothing.
async fn status_after_head(address: SocketAddr, head: &str, wait: Duration) -> Option<u16> {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("send");
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    let read = tokio::time::timeout(wait, async {
        while !answer.windows(2).any(|w| w == b"\r\n") {
            let n = stream.read(&mut buffer).await.ok()?;
            if n == 0 {
                return None;
            }
            answer.extend_from_slice(&buffer[..n]);
        }
        Some(())
    })
    .await;
    read.ok().flatten()?;
    let line = String::from_utf8_lossy(&answer).into_owned();
    line.split(' ').nth(1)?.parse().ok()
}

#[tokio::test]
async fn a_role_that_may_not_post_is_refused_before_the_body_is_sent() {
    let db = TestDb::sqlite().await;
    let gate = token(db.store.as_ref(), Role::Gate, &["MAD"], &[]).await;
    let ops = token(db.store.as_ref(), Role::Ops, &[], &[]).await;
    let app = TestApp::spawn(db.config()).await;
    // 250 MB announced and none of it sent: the refusal cannot have waited for the body.
    for path in [
        "/api/manifests",
        "/api/schedules",
        "/api/registry",
        "/ops/import",
    ] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: aboard\r\nAuthorization: Bearer {gate}\r\n\
             Content-Type: text/plain\r\nContent-Length: 250000000\r\n\r\n"
        );
        let status = status_after_head(app.address, &head, Duration::from_secs(5)).await;
        assert_eq!(status, Some(403), "{path}");
    }
    // One entitled to post is told at once that the body is over the route's limit, unread.
    let head = format!(
        "POST /api/manifests HTTP/1.1\r\nHost: aboard\r\nAuthorization: Bearer {ops}\r\n\
         Content-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
        aboard::web::import::MAX_UPLOAD_BYTES + 1
    );
    let status = status_after_head(app.address, &head, Duration::from_secs(5)).await;
    assert_eq!(status, Some(413));
    // A JSON body is bounded far lower than an upload.
    let big = format!(
        "{{\"outcome\": \"no_show\", \"note\": \"{}\"}}",
        "x".repeat(aboard::web::BODY_LIMIT)
    );
    let closing = app
        .client
        .post(app.url(&format!("/api/tasks/{}/close", uuid::Uuid::now_v7())))
        .bearer_auth(&ops)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(closing.status(), StatusCode::PAYLOAD_TOO_LARGE);
    app.stop().await;
    db.finish().await;
}

#[tokio::test]
async fn a_caller_without_the_role_gets_403_whatever_it_sends() {
    let db = TestDb::sqlite().await;
    let store = db.store.as_ref();
    let gate = token(store, Role::Gate, &["MAD"], &[]).await;
    let advisor = token(store, Role::Advisor, &[], &["es"]).await;
    let admin = token(store, Role::Admin, &[], &[]).await;
    let ops = token(store, Role::Ops, &[], &[]).await;
    let app = TestApp::spawn(db.config()).await;
    let send = |method: reqwest::Method, path: &str, who: &str, body: &'static str| {
        app.client
            .request(method, app.url(path))
            .bearer_auth(who)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    use reqwest::Method as M;
    // Each with a body, path or query its handler would refuse as invalid (400 or 422).
    let cases = [
        (
            M::POST,
            "/api/tasks/not-a-task/close",
            advisor.as_str(),
            "{",
        ),
        (M::POST, "/api/tasks/not-a-task/claim", advisor.as_str(), ""),
        (M::GET, "/api/tasks?state=nonsense", advisor.as_str(), ""),
        (M::POST, "/api/boarding-scans", advisor.as_str(), "{"),
        (M::GET, "/api/boarding-scans?limit=x", advisor.as_str(), ""),
        (M::POST, "/api/flight-events", advisor.as_str(), "{"),
        (M::POST, "/api/tasks/x/messages", gate.as_str(), "{"),
        (M::GET, "/api/advisor/queue", gate.as_str(), ""),
        (M::POST, "/api/links/x/y", gate.as_str(), "decision=maybe"),
        (M::PUT, "/api/persons/P-1", gate.as_str(), "{"),
        (M::POST, "/api/inbound-messages", gate.as_str(), "{"),
        (
            M::POST,
            "/api/manifests?format=nonsense",
            gate.as_str(),
            "x",
        ),
        (M::POST, "/ops/import", gate.as_str(), "x"),
        (M::POST, "/gate/tasks/x/outcome", advisor.as_str(), "x"),
        (M::POST, "/advisor/tasks/x/messages", gate.as_str(), "x"),
        (M::POST, "/review/x/y", gate.as_str(), "x"),
        // Admin manages accounts and tokens, not registry persons.
        (M::GET, "/api/persons/P-1", admin.as_str(), ""),
        (M::PUT, "/api/persons/P-1", admin.as_str(), "{"),
        (M::DELETE, "/api/persons/P-1", admin.as_str(), ""),
        (M::POST, "/api/registry", admin.as_str(), "x"),
    ];
    for (method, path, who, body) in cases {
        let response = send(method.clone(), path, who, body).await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method} {path}");
    }
    // The same requests from a role that may make them reach validation.
    let close = send(M::POST, "/api/tasks/not-a-task/close", &ops, "{").await;
    assert_eq!(close.unwrap().status(), StatusCode::BAD_REQUEST);
    let person = send(M::GET, "/api/persons/P-1", &ops, "").await;
    assert_eq!(person.unwrap().status(), StatusCode::NOT_FOUND);
    app.stop().await;
    db.finish().await;
}

/// `aboard serve` in a child process that may open at most `files` file descriptors.
struct Server {
    child: Child,
    address: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(files: u32, header_read_timeout_seconds: u64) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -n {files} && exec \"$0\" serve --listen 127.0.0.1:{port}"
            ))
            .arg(env!("CARGO_BIN_EXE_aboard"))
            .env("ABOARD__DATA_DIR", dir.path())
            .env(
                "ABOARD__SERVER__HEADER_READ_TIMEOUT_SECONDS",
                header_read_timeout_seconds.to_string(),
            )
            .env("ABOARD__SCHEDULER__ENABLED", "false")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start aboard serve");
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let serving = lines
            .by_ref()
            .map_while(Result::ok)
            .any(|line| line.contains("aboard is serving"));
        assert!(serving, "aboard serve did not start");
        // The rest of its log is read and dropped, so that the child never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Server {
            child,
            address: SocketAddr::from(([127, 0, 0, 1], port)),
            _dir: dir,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn idle_connections_are_closed_and_cannot_starve_healthz() {
    // More idle connections than the server may hold open files; they send nothing at all.
    let server = Server::start(256, 1);
    let mut idle = Vec::new();
    for _ in 0..400 {
        idle.push(TcpStream::connect(server.address).await.expect("connect"));
    }
    let head = "GET /healthz HTTP/1.1\r\nHost: aboard\r\n\r\n";
    let status = status_after_head(server.address, head, Duration::from_secs(15)).await;
    assert_eq!(
        status,
        Some(200),
        "/healthz answers with the idle ones open"
    );
    // The server closed the idle connections it accepted: reading one ends.
    let mut closed = 0;
    for stream in idle.iter_mut().take(50) {
        let mut byte = [0u8; 1];
        if let Ok(Ok(0)) =
            tokio::time::timeout(Duration::from_secs(5), stream.read(&mut byte)).await
        {
            closed += 1;
        }
    }
    assert_eq!(closed, 50, "idle connections are closed");
    drop(server);
}

/// The `upload-*` files in the upload folder.
fn spooled(dir: &std::path::Path) -> Vec<Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
        .collect()
}

#[tokio::test]
async fn uploads_go_to_a_temporary_file_within_their_limit_and_leave_none() {
    let db = TestDb::sqlite().await;
    let ops = token(db.store.as_ref(), Role::Ops, &[], &[]).await;
    let uploads = tempfile::tempdir().unwrap();
    let mut config = db.config();
    config.scheduler.enabled = false;
    config.server.upload_dir = Some(uploads.path().to_path_buf());
    let app = TestApp::spawn(config).await;

    // A manifest sent in two halves: the first is on disk before the second is sent, and the file
    // imported from there is gone once the answer comes.
    let manifest = "flight,date,origin,destination,locator,surname,given\n\
                    IB3100,2026-11-22,MAD,BCN,ABC123,NUNEZ,ANA\n\
                    IB3100,2026-11-22,MAD,BCN,ABC123,NUNEZ,LUIS\n";
    let (first, second) = manifest.split_at(60);
    let mut stream = TcpStream::connect(app.address).await.unwrap();
    let head = format!(
        "POST /api/manifests?name=halves.csv HTTP/1.1\r\nHost: aboard\r\nAuthorization: Bearer {ops}\r\n\
         Content-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        manifest.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(first.as_bytes()).await.unwrap();
    let mut on_disk = Vec::new();
    for _ in 0..100 {
        on_disk = spooled(uploads.path());
        if on_disk.first().is_some_and(|f| f.len() == first.len()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        on_disk,
        vec![first.as_bytes().to_vec()],
        "the first half, on disk"
    );
    stream.write_all(second.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"rows\":2"), "{answer}");
    assert_eq!(db.store.counts().await.unwrap().passengers, 2);
    assert!(
        spooled(uploads.path()).is_empty(),
        "the upload's file is removed"
    );

    // A body without a length that never ends: refused at the route's limit (1 MiB for registry
    // exports) while it is still being sent, and nothing stays on disk.
    let stream = TcpStream::connect(app.address).await.unwrap();
    let (mut reading, mut writing) = stream.into_split();
    let head = format!(
        "POST /api/registry HTTP/1.1\r\nHost: aboard\r\nAuthorization: Bearer {ops}\r\n\
         Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    writing.write_all(head.as_bytes()).await.unwrap();
    let sender = tokio::spawn(async move {
        let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "x".repeat(64 * 1024));
        let mut sent = 0usize;
        while writing.write_all(chunk.as_bytes()).await.is_ok() {
            sent += 64 * 1024;
        }
        sent
    });
    let mut answer = [0u8; 12];
    tokio::time::timeout(Duration::from_secs(30), reading.read_exact(&mut answer))
        .await
        .expect("an answer while the body is still being sent")
        .unwrap();
    assert_eq!(&answer, b"HTTP/1.1 413");
    drop(reading);
    let sent = tokio::time::timeout(Duration::from_secs(30), sender)
        .await
        .expect("the server stops reading")
        .unwrap();
    assert!(
        sent < 64 * 1024 * 1024,
        "{sent} bytes went before the server stopped reading"
    );
    assert!(
        spooled(uploads.path()).is_empty(),
        "no file is left of a refused upload"
    );
    app.stop().await;
    db.finish().await;
}
