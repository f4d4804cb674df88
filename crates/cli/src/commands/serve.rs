//! `abcrm serve`: the HTTP API on the configured database, or on a fresh demo one.

use crate::cli::ServeArgs;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// The demo's web login (an admin). A demo database holds only made-up data.
pub const DEMO_LOGIN: (&str, &str) = ("dana.fischer@abcrm.example", "demo-password");

/// Starts the server on the database at `url`, with `--demo` loading the demo into it first
/// when it is empty.
pub async fn run(url: &str, args: &ServeArgs) -> anyhow::Result<()> {
    let mut store = abcrm_store::open(url)
        .await
        .with_context(|| format!("opening {}", super::redact(url)))?;
    if args.demo && args.reset {
        store = reset_demo(store, url).await?;
    }
    let demo_kept = if args.demo {
        match what_the_database_holds(store.as_ref()).await? {
            Holds::Nothing => false,
            Holds::TheDemo { accounts } => {
                eprintln!(
                    "Serving the demo already in {} ({accounts} accounts, with whatever was added to it); `serve --demo --reset` loads it afresh.",
                    super::redact(url)
                );
                true
            }
            Holds::OtherData { accounts } => anyhow::bail!(
                "{} holds {accounts} accounts that are not the demo, and --demo never mixes its made-up data into real data: \
                 serve it without --demo, or give the demo a database of its own (--database sqlite://demo.db)",
                super::redact(url)
            ),
        }
    } else {
        false
    };
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
        if !demo_kept {
            super::demo::load_demo(&store, url, args.seed).await?;
            super::demo::add_tour(&store, args.seed).await?;
            super::user::create_with_password(
                store.as_ref(),
                DEMO_LOGIN.0,
                Some("Dana Fischer"),
                "admin",
                DEMO_LOGIN.1,
            )
            .await?;
        }
        // A token each start: the one printed last time is kept only as its hash.
        Some(super::token::create(store.as_ref(), DEMO_LOGIN.0, "demo", "admin").await?)
    } else {
        None
    };
    eprintln!(
        "abcrm is listening on http://{addr} (database: {})",
        super::redact(url)
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

/// What `serve --demo` finds in its database.
#[derive(Debug, PartialEq, Eq)]
enum Holds {
    /// No accounts: the demo loads into it.
    Nothing,
    /// The demo, maybe with records a person added: its admin login is there.
    TheDemo { accounts: i64 },
    /// Accounts without the demo's login: somebody's real data.
    OtherData { accounts: i64 },
}

async fn what_the_database_holds(store: &dyn abcrm_store::Store) -> anyhow::Result<Holds> {
    let accounts = store.counts().await?.accounts;
    if accounts == 0 {
        return Ok(Holds::Nothing);
    }
    let login = abcrm_core::normalize::Email::parse(DEMO_LOGIN.0)
        .map_err(|e| anyhow::anyhow!("the demo login {}: {e}", DEMO_LOGIN.0))?;
    Ok(match store.find_user_by_email(&login).await? {
        Some(_) => Holds::TheDemo { accounts },
        None => Holds::OtherData { accounts },
    })
}

/// `serve --demo --reset`: removes the SQLite file of a demo database (or of an empty one) and
/// answers a store on a new, empty file at the same place.
async fn reset_demo(
    store: std::sync::Arc<dyn abcrm_store::Store>,
    url: &str,
) -> anyhow::Result<std::sync::Arc<dyn abcrm_store::Store>> {
    let Some(file) = sqlite_file(url) else {
        anyhow::bail!(
            "--reset removes a SQLite file, and {} is not one: drop and create that database yourself, then `serve --demo`",
            super::redact(url)
        );
    };
    if let Holds::OtherData { accounts } = what_the_database_holds(store.as_ref()).await? {
        anyhow::bail!(
            "{} holds {accounts} accounts that are not the demo; --reset removes only a demo database",
            file.display()
        );
    }
    // Every connection closes first: one left open would write its log next to the new file.
    store.close().await;
    drop(store);
    ensure_no_other_process_has_open(&file).await?;
    for suffix in ["", "-wal", "-shm"] {
        let mut path = file.clone().into_os_string();
        path.push(suffix);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| format!("removing {}", Path::new(&path).display()))
            }
        }
    }
    eprintln!(
        "Removed the demo database {}; loading it afresh.",
        file.display()
    );
    abcrm_store::open(url)
        .await
        .with_context(|| format!("opening {}", super::redact(url)))
}

/// Refuses to go on while another process (a running `abcrm serve`, say) has the SQLite file
/// open: removing it under that process would let it write its log beside the new file when it
/// ends. In WAL mode every open connection holds a shared lock on the file, so an exclusive lock
/// is granted only to a connection that is alone.
async fn ensure_no_other_process_has_open(file: &Path) -> anyhow::Result<()> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteLockingMode};
    use sqlx::{ConnectOptions, Connection};
    let mut alone = SqliteConnectOptions::new()
        .filename(file)
        .locking_mode(SqliteLockingMode::Exclusive)
        // A lock let go a moment ago (our own pool closing, a server just stopped) is waited
        // for; a server still running holds its lock for good.
        .busy_timeout(std::time::Duration::from_secs(2))
        .connect()
        .await
        .with_context(|| format!("opening {}", file.display()))?;
    let locked = sqlx::query("BEGIN EXCLUSIVE").execute(&mut alone).await;
    alone.close().await.ok();
    locked.map(drop).map_err(|_| {
        anyhow::anyhow!(
            "{} is open in another process (a running `abcrm serve`?): stop it, then reset",
            file.display()
        )
    })
}

/// The file a SQLite URL names (`sqlite://PATH`, `sqlite:PATH` or a bare path, less any
/// `?options`); none for PostgreSQL or an in-memory database.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let url = url.trim();
    let path = if let Some(rest) = url.strip_prefix("sqlite://") {
        rest
    } else if let Some(rest) = url.strip_prefix("sqlite:") {
        rest
    } else if url.contains("://") {
        return None;
    } else {
        url
    };
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Some(PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::sqlite_file;
    use std::path::PathBuf;

    #[test]
    fn the_file_of_a_sqlite_url() {
        let file = |p: &str| Some(PathBuf::from(p));
        assert_eq!(sqlite_file("sqlite://abcrm.db"), file("abcrm.db"));
        assert_eq!(
            sqlite_file("sqlite:///tmp/a.db?mode=rwc"),
            file("/tmp/a.db")
        );
        assert_eq!(sqlite_file("sqlite:data/a.db"), file("data/a.db"));
        assert_eq!(sqlite_file("a.db"), file("a.db"));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://postgres@127.0.0.1/test"), None);
    }
}
