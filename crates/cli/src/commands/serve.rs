//! `abcrm serve`: the HTTP API on the configured database, or on a fresh demo one.

use crate::cli::ServeArgs;
use anyhow::Context;
use std::path::Path;

/// Where `serve --demo` builds its database when none is named.
const DEMO_DATABASE_FILE: &str = "abcrm-demo.db";

/// The demo's web login (an admin). A demo database holds only made-up data.
pub const DEMO_LOGIN: (&str, &str) = ("dana.fischer@abcrm.example", "demo-password");

/// Starts the server. `database_named` says whether the user chose the database (flag or
/// environment) rather than taking the default.
pub async fn run(url: &str, database_named: bool, args: &ServeArgs) -> anyhow::Result<()> {
    let url = if args.demo && !database_named {
        // A fresh demo each time: yesterday's demo file is rebuilt, never appended to.
        for suffix in ["", "-wal", "-shm"] {
            let path = format!("{DEMO_DATABASE_FILE}{suffix}");
            if Path::new(&path).exists() {
                std::fs::remove_file(&path)
                    .with_context(|| format!("removing the old demo database {path}"))?;
            }
        }
        format!("sqlite://{DEMO_DATABASE_FILE}")
    } else {
        url.to_string()
    };
    let store = abcrm_store::open(&url)
        .await
        .with_context(|| format!("opening {}", super::redact(&url)))?;
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {}: is another server using it? choose another with --bind",
                args.bind
            )
        })?;
    let addr = listener.local_addr()?;
    let token = if args.demo {
        super::demo::load_demo(&store, &url, args.seed).await?;
        super::demo::add_tour(&store, args.seed).await?;
        super::user::create_with_password(
            store.as_ref(),
            DEMO_LOGIN.0,
            Some("Dana Fischer"),
            "admin",
            DEMO_LOGIN.1,
        )
        .await?;
        // The demo's admin user; the token is printed so the tour can start at once.
        Some(
            super::token::create(
                store.as_ref(),
                "dana.fischer@abcrm.example",
                "demo",
                "admin",
            )
            .await?,
        )
    } else {
        None
    };
    eprintln!(
        "abcrm is listening on http://{addr} (database: {})",
        super::redact(&url)
    );
    eprintln!("  OpenAPI document: http://{addr}/api/openapi.json");
    if args.demo {
        eprintln!(
            "  Web UI: http://{addr}/  demo login: {} / {}",
            DEMO_LOGIN.0, DEMO_LOGIN.1
        );
    } else {
        eprintln!("  Web UI: http://{addr}/  (create a login with `abcrm user create`)");
    }
    match token {
        Some(t) => {
            eprintln!("  Demo API token (admin): {t}");
            eprintln!(
                "  Try: curl -H 'Authorization: Bearer {t}' http://{addr}/api/v1/accounts?limit=5"
            );
        }
        None => eprintln!("  Create an API token with `abcrm token create` (same --database)."),
    }
    abcrm_server::serve_with(listener, store, args.limits.limits())
        .await
        .context("serving HTTP")?;
    Ok(())
}
