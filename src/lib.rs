//! aboard: when a socially active passenger who complained before boards a flight, a person from the
//! airline comes to them — at the gate, in the cabin or over their network — and asks whether all is well now.
//!
//! The domain core (`domain`, `airports`, and the concerns that parse and decide) does no I/O; `store`, `web`
//! and the connectors sit at the edges. `run` starts the whole service on a listener, which is how both
//! `main` and the black-box tests start it.

pub mod airports;
pub mod app;
pub mod boarding;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod domain;
pub mod event_webhooks;
pub mod flightstatus;
pub mod i18n;
pub mod manifest;
pub mod matching;
pub mod messaging;
pub mod registry;
pub mod reports;
pub mod rules;
pub mod schedule;
pub mod scheduler;
pub mod store;
pub mod tasks;
pub mod telemetry;
pub mod web;

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;

use config::Config;
use store::{Store, StoreError};

/// What can stop the service from starting or running.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Scheduler(#[from] scheduler::SchedulerError),
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
    #[error("the rules do not check:\n{0}")]
    Rules(String),
    #[error("outbox: {0}")]
    Outbox(String),
    #[error(
        "the demo rebuilds its day from scratch in its own SQLite file in the data dir, so it does not run \
         on a configured database: unset --database-url (database.url, ABOARD_DATABASE_URL), or serve \
         that database with `aboard serve`"
    )]
    DemoOnConfiguredDatabase,
}

/// Opens and migrates the configured database.
pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>, AppError> {
    let target = config.database_target()?;
    Ok(store::open(&target, config.database.max_connections).await?)
}

/// The engine over the configured database and rules, for commands that board passengers or report
/// flight events without serving.
pub async fn engine(config: &Config) -> Result<app::Engine, AppError> {
    let (rules, _) =
        app::reload::initial_rules(config.rules.dir.as_deref()).map_err(AppError::Rules)?;
    let store = open_store(config).await?;
    Ok(app::Engine::new(store, rules, config.contact.clone()))
}

/// Serves aboard on `listener` until `shutdown` completes, then finishes in-flight requests and running
/// jobs and closes the database cleanly.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), AppError> {
    let store = open_store(&config).await?;
    serve(listener, store, &config, shutdown).await
}

/// Serves an already opened store, with the background work `config` sets up — the scheduler's jobs, the
/// rules watcher, the outbox; `run` and the demo both end here. Everything stops with the server.
pub async fn serve(
    listener: TcpListener,
    store: Arc<dyn Store>,
    config: &Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), AppError> {
    serve_with(listener, store, config, shutdown, None).await
}

/// Work the demo runs beside the service: given the engine and the stop signal, a task to spawn.
pub type Companion = Box<
    dyn FnOnce(Arc<app::Engine>, tokio::sync::watch::Receiver<bool>) -> tokio::task::JoinHandle<()>
        + Send,
>;

/// `serve`, with a companion task that stops with the server (the demo's boarding driver).
pub async fn serve_with(
    listener: TcpListener,
    store: Arc<dyn Store>,
    config: &Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
    companion: Option<Companion>,
) -> Result<(), AppError> {
    let started = start_services(store.clone(), config);
    let services = match started {
        Ok(services) => services,
        Err(e) => {
            store.close().await;
            return Err(e);
        }
    };
    let Services {
        engine,
        rules_status,
        scheduler,
        outbox,
    } = services;
    let mut metrics = web::metrics::Metrics::new(store.backend().as_str());
    scheduler.register_metrics(metrics.registry_mut());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let state = web::AppState {
        store: store.clone(),
        metrics: Arc::new(metrics),
        engine: engine.clone(),
        rules_status: rules_status.clone(),
        scheduler: scheduler.clone(),
        cookies: web::auth::CookiePolicy {
            secure: config.server.secure_cookies,
        },
        messaging: Arc::new(config.messaging.clone()),
        tokens: Arc::default(),
        default_region: config.import.region(),
        outbox: Arc::new(config.outbox.clone()),
        stopping: stopped.clone(),
        signin: web::auth::SigninLimits::of(&config.server),
        upload_dir: Arc::new(
            config
                .server
                .upload_dir
                .clone()
                .unwrap_or_else(std::env::temp_dir),
        ),
    };
    let app = web::router(state);
    let mut background = Vec::new();
    if config.scheduler.enabled {
        background.push(scheduler.clone().spawn(stopped.clone()));
    }
    if let Some(companion) = companion {
        background.push(companion(engine.clone(), stopped.clone()));
    }
    if let Some(dir) = config.rules.dir.clone() {
        background.push(tokio::spawn(app::reload::watch(
            engine,
            rules_status,
            dir,
            Duration::from_secs(config.rules.reload_seconds.max(1)),
            stopped.clone(),
        )));
    }
    // Events are queued for the webhook only while one is configured (the last instance started says).
    let hooks = event_webhooks::EventWebhooks::new(
        store.clone(),
        &config.event_webhook,
        scheduler.instance().to_string(),
    );
    if let Err(e) = store.set_event_webhooks(hooks.is_some()).await {
        tracing::error!(error = %e, "could not record whether event webhooks are on");
    }
    if let Some(hooks) = hooks {
        background.push(tokio::spawn(hooks.run(stopped.clone())));
    }
    background.push(tokio::spawn(outbox.run(stopped)));
    // Persons filed under an earlier matcher's blocking keys are filed anew; then lists an earlier run
    // stored but did not screen (it was stopped between the two) are matched now, not at the scheduler's
    // next tick.
    let waiting = store.clone();
    background.push(tokio::spawn(async move {
        match app::matching::rekey_registry(waiting.as_ref()).await {
            Ok(0) => {}
            Ok(filed) => tracing::info!(persons = filed, "registry filed under new blocking keys"),
            Err(e) => {
                tracing::warn!(error = %e, "filing the registry under new blocking keys failed")
            }
        }
        app::screening::screen_at_start(waiting.as_ref(), clock::now()).await
    }));
    tracing::info!(address = %listener.local_addr()?, backend = store.backend().as_str(),
        instance = scheduler.instance(), "aboard is serving");
    web::server::serve(
        listener,
        app,
        web::server::Limits::of(&config.server),
        async move {
            shutdown.await;
            let _ = stop.send(true);
        },
    )
    .await;
    for task in background {
        if let Err(e) = task.await {
            tracing::error!(error = %e, "a background task stopped abnormally");
        }
    }
    store.close().await;
    tracing::info!("aboard stopped");
    Ok(())
}

struct Services {
    engine: Arc<app::Engine>,
    rules_status: Arc<Mutex<app::reload::RulesStatus>>,
    scheduler: Arc<scheduler::Scheduler>,
    outbox: Arc<messaging::outbox::Outbox>,
}

fn start_services(store: Arc<dyn Store>, config: &Config) -> Result<Services, AppError> {
    let (rules, rules_status) =
        app::reload::initial_rules(config.rules.dir.as_deref()).map_err(AppError::Rules)?;
    let engine = Arc::new(app::Engine::new(
        store.clone(),
        rules,
        config.contact.clone(),
    ));
    let scheduler = Arc::new(scheduler::from_config(
        config,
        store.clone(),
        engine.clone(),
    )?);
    let connector: Arc<dyn messaging::outbox::Connector> = match config.outbox.notice() {
        messaging::outbox::DeliveryNotice::Demo => {
            Arc::new(demo::network::DemoNetwork::new(store.clone()))
        }
        notice => {
            if notice == messaging::outbox::DeliveryNotice::NotDelivered {
                tracing::warn!(
                    "no connector is configured ([outbox] connector = \"webhook\" or [outbox.whatsapp], \
                     [outbox.messenger], [outbox.instagram], [outbox.x]): messages advisors send are recorded, NOT delivered"
                );
            }
            messaging::outbox::connector(&config.outbox).map_err(AppError::Outbox)?
        }
    };
    let outbox = Arc::new(messaging::outbox::Outbox::new(
        store,
        connector,
        config.outbox.clone(),
        scheduler.instance().to_string(),
    ));
    Ok(Services {
        engine,
        rules_status: Arc::new(Mutex::new(rules_status)),
        scheduler,
        outbox,
    })
}
