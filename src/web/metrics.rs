//! Prometheus metrics: requests by route and status, request durations, the database pool and build info,
//! and the business figures read from the database at each scrape: open tasks by channel and station, the
//! outbox's backlog, its oldest message's age and how long each network holds the airline's sends, the
//! review queue and incomplete Type B messages.
//! One registry per running app, so tests that start several apps in one process do not mix figures.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

use crate::store::Store;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub route: String,
    pub method: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TaskLabels {
    pub channel: String,
    pub station: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct NetworkLabels {
    network: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: String,
    backend: String,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram>,
    pool_size: Gauge,
    pool_idle: Gauge,
    open_tasks: Family<TaskLabels, Gauge>,
    outbox_backlog: Gauge,
    outbox_oldest_age: Gauge,
    outbox_held: Family<NetworkLabels, Gauge>,
    review_queue: Gauge,
    incomplete_typeb: Gauge,
    event_deliveries: Family<DeliveryLabels, Gauge>,
}

impl Metrics {
    pub fn new(backend: &str) -> Metrics {
        let mut registry = Registry::with_prefix("aboard");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route, method and status",
            requests.clone(),
        );
        let durations = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        registry.register(
            "http_request_duration_seconds",
            "HTTP request durations by route",
            durations.clone(),
        );
        let pool_size = Gauge::default();
        registry.register(
            "db_pool_connections",
            "Connections the database pool holds",
            pool_size.clone(),
        );
        let pool_idle = Gauge::default();
        registry.register(
            "db_pool_idle_connections",
            "Idle connections in the database pool",
            pool_idle.clone(),
        );
        let open_tasks = Family::<TaskLabels, Gauge>::default();
        registry.register(
            "open_tasks",
            "Open and claimed tasks by channel and station",
            open_tasks.clone(),
        );
        let outbox_backlog = Gauge::default();
        registry.register(
            "outbox_backlog_messages",
            "Messages queued, sending or waiting for the network's confirmation",
            outbox_backlog.clone(),
        );
        let outbox_oldest_age = Gauge::default();
        registry.register(
            "outbox_oldest_message_age_seconds",
            "How long the oldest message of the backlog has waited (0 when there is none)",
            outbox_oldest_age.clone(),
        );
        let outbox_held = Family::<NetworkLabels, Gauge>::default();
        registry.register(
            "outbox_held_seconds",
            "How long from now each network's messages wait before the next may go: a hold the network asked for (429, Retry-After, a spent quota) or its pace; 0 when one may go now",
            outbox_held.clone(),
        );
        let review_queue = Gauge::default();
        registry.register(
            "review_queue_links",
            "Identity links waiting for staff review",
            review_queue.clone(),
        );
        let incomplete_typeb = Gauge::default();
        registry.register(
            "incomplete_typeb_messages",
            "Type B messages held incomplete: parts missing, or waiting for their flight's PNL",
            incomplete_typeb.clone(),
        );
        let event_deliveries = Family::<DeliveryLabels, Gauge>::default();
        registry.register(
            "event_webhook_deliveries",
            "Events for the outgoing event webhook by state: queued (backlog), delivered, failed, unknown (no answer)",
            event_deliveries.clone(),
        );
        registry.register(
            "build",
            "The running build",
            Info::new(BuildLabels {
                version: env!("CARGO_PKG_VERSION").to_string(),
                backend: backend.to_string(),
            }),
        );
        Metrics {
            registry,
            requests,
            durations,
            pool_size,
            pool_idle,
            open_tasks,
            outbox_backlog,
            outbox_oldest_age,
            outbox_held,
            review_queue,
            incomplete_typeb,
            event_deliveries,
        }
    }

    /// The registry for other concerns (scheduler, outbox) to add their metrics to before serving starts.
    pub fn registry_mut(&mut self) -> &mut Registry {
        &mut self.registry
    }

    /// The metrics as Prometheus text, the business figures read from the database now; when it does
    /// not answer they keep their last values (readiness says the database is down).
    pub async fn render(&self, store: &dyn Store) -> String {
        let stats = store.pool_stats();
        self.pool_size.set(i64::from(stats.size));
        self.pool_idle.set(i64::from(stats.idle));
        match store.business_figures().await {
            Ok(figures) => {
                // A station whose last open task closed drops out rather than keep its last count.
                self.open_tasks.clear();
                for (channel, station, count) in figures.open_tasks {
                    self.open_tasks
                        .get_or_create(&TaskLabels { channel, station })
                        .set(count);
                }
                self.outbox_backlog.set(figures.outbox_backlog);
                let age = figures
                    .outbox_oldest
                    .map_or(0, |t| (crate::clock::now() - t).num_seconds().max(0));
                self.outbox_oldest_age.set(age);
                let now = crate::clock::now();
                for (network, next_at) in figures.outbox_held {
                    // Whole seconds, rounded up: a hold of half a second still holds.
                    let millis = (next_at - now).num_milliseconds().max(0);
                    self.outbox_held
                        .get_or_create(&NetworkLabels { network })
                        .set((millis + 999) / 1000);
                }
                self.review_queue.set(figures.review_queue);
                self.incomplete_typeb.set(figures.incomplete_typeb);
            }
            Err(e) => tracing::warn!(error = %e, "business figures for /metrics could not be read"),
        }
        match store.event_delivery_counts().await {
            Ok(counts) => {
                for (state, count) in [
                    ("queued", counts.queued),
                    ("delivered", counts.delivered),
                    ("failed", counts.failed),
                    ("unknown", counts.unknown),
                ] {
                    self.event_deliveries
                        .get_or_create(&DeliveryLabels { state })
                        .set(count);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "event webhook figures for /metrics could not be read")
            }
        }
        let mut text = String::new();
        // Encoding into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    fn observe(&self, route: String, method: String, status: u16, seconds: f64) {
        self.durations
            .get_or_create(&RouteLabels {
                route: route.clone(),
            })
            .observe(seconds);
        self.requests
            .get_or_create(&RequestLabels {
                route,
                method,
                status,
            })
            .inc();
    }
}

/// Counts every request under its route template (`/api/tasks/{id}`), never its raw path, so that ids do
/// not explode the label set; unmatched paths count as `unmatched`.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.observe(
        route,
        method,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}
