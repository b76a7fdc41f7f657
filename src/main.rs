use anyhow::Context;
use clap::Parser;
use tokio::net::TcpListener;

use aboard::cli::{Cli, Command, RulesCommand};

/// Imports and scans churn through small strings, where mimalloc is markedly faster than glibc's
/// allocator. The binary chooses it; the library leaves the choice to whoever links it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = cli.config()?;
    aboard::telemetry::init(config.log.format, &config.log.filter);
    match cli.command {
        Command::Serve => {
            let listener = bind(&config).await?;
            aboard::run(listener, config, shutdown_signal()).await?;
        }
        Command::Demo { seed } => {
            let listener = bind(&config).await?;
            aboard::demo::run(listener, config, seed, shutdown_signal()).await?;
        }
        Command::Rules {
            command: RulesCommand::Check { dir },
        } => {
            let report = aboard::rules::check_dir(&dir);
            println!("{report}");
            if report.has_errors() {
                std::process::exit(1);
            }
        }
        Command::Staff { command } => {
            let store = aboard::open_store(&config).await?;
            let result = command.run(store.as_ref()).await;
            store.close().await;
            println!("{}", result?);
        }
        Command::Token { command } => {
            let store = aboard::open_store(&config).await?;
            let result = command.run(store.as_ref()).await;
            store.close().await;
            println!("{}", result?);
        }
        Command::Migrate => {
            let store = aboard::open_store(&config).await?;
            store.close().await;
            println!("database is up to date ({})", store.backend().as_str());
        }
        Command::Bcbp { command } => match command.run() {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        },
        Command::Boarded { command } => {
            let engine = aboard::engine(&config).await?;
            let result = command.run(&engine).await;
            engine.store.close().await;
            match result {
                Ok(report) => println!("{report}"),
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(1);
                }
            }
        }
        Command::FlightEvent(args) => {
            let engine = aboard::engine(&config).await?;
            let result = args.run(&engine).await;
            engine.store.close().await;
            match result {
                Ok(report) => println!("{report}"),
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(1);
                }
            }
        }
        Command::Station { command } => {
            let store = aboard::open_store(&config).await?;
            let result = command.run(store.as_ref()).await;
            store.close().await;
            println!("{}", result?);
        }
        Command::Registry { command } => {
            let store = aboard::open_store(&config).await?;
            let result = command
                .run(store.as_ref(), config.import.default_region.as_deref())
                .await;
            store.close().await;
            println!("{}", result?);
        }
        Command::Import { what } => {
            // The engine reacts to the times a schedule or an MVT message changes, as to flight events.
            let engine = aboard::engine(&config).await?;
            let all_in = what
                .run_with(engine.store.as_ref(), Some(&engine), config.import.region())
                .await;
            engine.store.close().await;
            if !all_in {
                std::process::exit(1);
            }
        }
        Command::Erase { external_id } => {
            let store = aboard::open_store(&config).await?;
            let result = aboard::cli::erase_person(store.as_ref(), &external_id).await;
            store.close().await;
            println!("{}", result?);
        }
        Command::Match {
            registry,
            manifest,
            out,
        } => {
            println!(
                "{}",
                aboard::cli::offline_match(&registry, &manifest, out.as_deref())?
            );
        }
    }
    Ok(())
}

async fn bind(config: &aboard::config::Config) -> anyhow::Result<TcpListener> {
    TcpListener::bind(config.server.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.server.listen))
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM, whichever comes first.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown requested");
}
