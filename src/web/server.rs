//! Serving the router on a listener within limits that idle or slow clients cannot get round: a connection
//! that does not send a whole request head in time is closed (an idle keep-alive connection too), and at
//! most `max_connections` are served at once, so idle connections cannot exhaust the file descriptors that
//! `/healthz` and real requests need. At the limit a new client is not kept waiting behind idle ones: the
//! oldest connection is asked to close, which an idle one does at once and a busy one after its answer.
//! HTTP/1.1, as `axum::serve` served it; stops gracefully like it.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tower::ServiceExt;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
}

impl Limits {
    pub fn of(config: &crate::config::ServerConfig) -> Limits {
        Limits {
            header_read_timeout: Duration::from_secs(config.header_read_timeout_seconds.max(1)),
            max_connections: config.max_connections.max(1),
        }
    }
}

/// Serves `app` until `shutdown` completes, then lets the open requests finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut open = OpenConnections::new(limits.max_connections);
    let (stopping, stop) = watch::channel(false);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    refused_accept(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let permit = tokio::select! {
            permit = open.make_room(&permits) => permit,
            () = &mut shutdown => break,
        };
        // The peer's address goes with each request, as axum's `ConnectInfo`.
        let service = app
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            });
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let asked_to_close = open.add();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            // The server stops only once (`stopping` goes true and stays so).
            let close_asked = async {
                tokio::select! {
                    () = asked_to_close.notified() => {}
                    _ = stop.changed() => {}
                }
            };
            // A client that goes away or times out ends its connection; nothing to report.
            tokio::select! {
                _ = connection.as_mut() => {}
                () = close_asked => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    // Every connection holds a permit until it has ended.
    let _ = permits.acquire_many(limits.max_connections as u32).await;
}

/// The connections being served, oldest first, each with the signal that asks it to close.
struct OpenConnections {
    oldest_first: VecDeque<Weak<Notify>>,
    limit: usize,
}

/// How long a connection asked to close is given before the next oldest is asked too (it may be busy
/// answering).
const CLOSING_GRACE: Duration = Duration::from_millis(20);

impl OpenConnections {
    fn new(limit: usize) -> OpenConnections {
        OpenConnections {
            oldest_first: VecDeque::new(),
            limit,
        }
    }

    fn add(&mut self) -> Arc<Notify> {
        let asked_to_close = Arc::new(Notify::new());
        self.oldest_first.push_back(Arc::downgrade(&asked_to_close));
        // Ended connections leave their entries behind; at most `limit` are live, so this runs seldom.
        if self.oldest_first.len() > 2 * self.limit {
            self.oldest_first.retain(|entry| entry.strong_count() > 0);
        }
        asked_to_close
    }

    /// A permit for one more connection; at the limit, the oldest connections are asked to close, one
    /// at a time, until one has.
    async fn make_room(&mut self, permits: &Arc<Semaphore>) -> OwnedSemaphorePermit {
        loop {
            if let Ok(permit) = permits.clone().try_acquire_owned() {
                return permit;
            }
            let Some(oldest) = self.oldest_first.pop_front() else {
                return permits
                    .clone()
                    .acquire_owned()
                    .await
                    .expect("the semaphore is never closed");
            };
            let Some(oldest) = oldest.upgrade() else {
                continue;
            };
            oldest.notify_one();
            drop(oldest);
            if let Ok(Ok(permit)) =
                tokio::time::timeout(CLOSING_GRACE, permits.clone().acquire_owned()).await
            {
                return permit;
            }
        }
    }
}

/// A connection reset before it was accepted is the client's business; running out of file descriptors
/// is not, and accepting again at once would spin, so it waits a moment (as `axum::serve` does).
async fn refused_accept(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::warn!(error = %e, "cannot accept a connection");
    tokio::time::sleep(Duration::from_millis(200)).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    async fn started(
        max_connections: usize,
    ) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
        let app = Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    "slow answer"
                }),
            );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let limits = Limits {
            header_read_timeout: Duration::from_secs(60),
            max_connections,
        };
        tokio::spawn(serve(listener, app, limits, async {
            let _ = stopped.await;
        }));
        (address, stop)
    }

    async fn get_path(address: std::net::SocketAddr, path: &str) -> String {
        let mut stream = TcpStream::connect(address).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: aboard\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer
    }

    /// Idle connections filling the limit do not keep a new client waiting for their header timeout.
    #[tokio::test]
    async fn at_the_limit_idle_connections_make_room_for_a_new_client() {
        let (address, _stop) = started(4).await;
        let mut idle = Vec::new();
        for _ in 0..8 {
            idle.push(TcpStream::connect(address).await.unwrap());
        }
        let answer = tokio::time::timeout(Duration::from_secs(5), get_path(address, "/healthz"))
            .await
            .expect("/healthz answered behind idle connections, not after their 60 s timeout");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("ok"), "{answer}");
    }

    /// A connection asked to close while it answers finishes its answer first.
    #[tokio::test]
    async fn a_busy_connection_asked_to_close_finishes_its_answer() {
        let (address, _stop) = started(1).await;
        let slow = tokio::spawn(get_path(address, "/slow"));
        tokio::time::sleep(Duration::from_millis(100)).await;
        let quick = tokio::time::timeout(Duration::from_secs(5), get_path(address, "/healthz"))
            .await
            .unwrap();
        assert!(quick.ends_with("ok"), "{quick}");
        let slow = slow.await.unwrap();
        assert!(slow.starts_with("HTTP/1.1 200"), "{slow}");
        assert!(slow.ends_with("slow answer"), "{slow}");
    }
}
