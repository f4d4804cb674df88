//! The `abcrm` binary: the server, the CLI and the demo, over SQLite or PostgreSQL.

mod cli;
mod commands;
mod csv_rows;
mod demo;
mod output;

use clap::{CommandFactory, FromArgMatches};
use cli::{AccountCommand, Cli, Command, TokenCommand, UserCommand};
use commands::records::Kind;
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

// Imports and migrations allocate a few small strings per field of millions of rows, on two
// threads (the runtime and SQLite's worker). Profiled on a migration, glibc's allocator took
// about a fifth of all samples; with mimalloc's thread-local free lists, under a tenth.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("ABCRM_LOG")
                .unwrap_or_else(|_| EnvFilter::new("warn,abcrm=info,abcrm_server=info")),
        )
        .with_writer(std::io::stderr)
        // Colours for a person at a terminal; a log file or a pipe gets plain text.
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .init();
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    if !matches!(cli.command, Command::Serve(_)) {
        end_quietly_on_a_closed_pipe();
    }
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // `abcrm segment run ... | head` closes the pipe early: that is the reader's choice.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `abcrm accounts list | head` closes the pipe early, which is the reader's choice: the command
/// ends at its next write, as a Unix tool does, instead of panicking in `println!` (Rust ignores
/// SIGPIPE, so every write would fail with EPIPE). Not for `serve`, whose sockets must outlive a
/// client that hangs up.
fn end_quietly_on_a_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called once, at start-up, before any thread writes; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = cli.database.as_str();
    match &cli.command {
        Command::Serve(args) => commands::serve::run(url, args).await,
        Command::Demo(args) => commands::demo::run(url, args).await,
        Command::Token(TokenCommand::Create { user, name, role }) => {
            commands::token::run_create(url, user, name, role).await
        }
        Command::Token(TokenCommand::Revoke { id }) => commands::token::run_revoke(url, *id).await,
        Command::Token(TokenCommand::List { format }) => {
            commands::token::run_list(url, *format).await
        }
        Command::User(UserCommand::List { format }) => commands::user::run_list(url, *format).await,
        Command::User(UserCommand::Role { email, role }) => {
            commands::user::run_role(url, email, role).await
        }
        Command::User(UserCommand::Deactivate { email }) => {
            commands::user::run_deactivate(url, email).await
        }
        Command::User(UserCommand::Create {
            email,
            name,
            role,
            password_stdin,
        }) => commands::user::run_create(url, email, name.as_deref(), role, *password_stdin).await,
        Command::User(UserCommand::Password {
            email,
            password_stdin,
        }) => commands::user::run_password(url, email, *password_stdin).await,
        Command::Accounts(AccountCommand::Record(cmd)) => {
            commands::records::run(url, Kind::Accounts, cmd).await
        }
        Command::Accounts(AccountCommand::Merge {
            survivor,
            merged,
            take,
            keep,
            format,
        }) => commands::records::merge_accounts(url, *survivor, *merged, take, keep, *format).await,
        Command::Accounts(AccountCommand::UndoMerge { id, format }) => {
            commands::records::undo_account_merge(url, *id, *format).await
        }
        Command::Contacts(cmd) => commands::records::run(url, Kind::Contacts, cmd).await,
        Command::Opportunities(cmd) => commands::records::run(url, Kind::Opportunities, cmd).await,
        Command::Campaigns(cmd) => commands::records::run(url, Kind::Campaigns, cmd).await,
        Command::Activities(cmd) => commands::records::run(url, Kind::Activities, cmd).await,
        Command::Audit(args) => commands::records::audit(url, args).await,
        Command::Stats => commands::records::stats(url).await,
        Command::Segment(cmd) => commands::segment::run(url, cmd).await,
        Command::Report(args) => commands::report::run(url, args).await,
        Command::Score(cmd) => commands::score::run(url, cmd).await,
        Command::Migrate(args) => commands::migrate::run(url, args).await,
        Command::Import(args) => {
            commands::import::run(
                url,
                commands::import::ImportArgs {
                    file: &args.file,
                    source: args.source.as_deref(),
                    batch: args.batch,
                    config: match_config(args.auto_accept, args.review_floor)?,
                    person: import_person(args)?,
                },
            )
            .await
        }
        Command::Enrich(args) => {
            commands::enrich::run(
                url,
                commands::enrich::EnrichArgs {
                    file: &args.file,
                    by: match args.by {
                        cli::KeyArg::Domain => abcrm_core::enrich::EnrichKey::Domain,
                        cli::KeyArg::Duns => abcrm_core::enrich::EnrichKey::Duns,
                    },
                    options: abcrm_store::EnrichOptions {
                        overwrite: args.overwrite,
                        create_missing: args.create_missing,
                        dry_run: args.dry_run,
                        batch: args.batch.max(1),
                    },
                    report_dir: &args.report_dir,
                },
            )
            .await
        }
        Command::Match(args) => commands::matching::run_match(commands::matching::MatchArgs {
            accounts: &args.accounts,
            people: &args.people,
            out: &args.out,
            config: match_config(args.auto_accept, args.review_floor)?,
        }),
        Command::Synth(args) => {
            commands::matching::run_synth(&args.out, args.seed, args.accounts, args.people)
        }
        Command::BenchMatch {
            accounts,
            people,
            seed,
        } => commands::matching::run_bench(*seed, *accounts, *people),
        Command::BenchImport {
            accounts,
            people,
            seed,
            batch,
        } => {
            commands::bench_import::run(
                url,
                commands::bench_import::BenchImportArgs {
                    accounts: *accounts,
                    people: *people,
                    seed: *seed,
                    batch: *batch,
                },
            )
            .await
        }
        Command::BenchSegments { runs } => commands::bench_segments::run(url, (*runs).max(1)).await,
        Command::BenchSearch { runs } => commands::bench_search::run(url, (*runs).max(1)).await,
        Command::BenchScoring {
            accounts,
            contacts,
            activities,
            incremental,
            seed,
        } => match incremental {
            Some(n) => commands::bench_scoring::incremental(url, *n, *seed).await,
            None => commands::bench_scoring::in_memory(*accounts, *contacts, *activities, *seed),
        },
        Command::SynthExport(args) => commands::synth_export::run(args),
        Command::MigrateScore {
            people,
            truth,
            format,
        } => commands::migrate_score::run(people, truth, *format),
        Command::MatchScore { matches, truth } => commands::matching::run_score(matches, truth),
    }
}

/// What becomes of an imported file's people, from the command line, checked.
fn import_person(args: &cli::ImportArgs) -> anyhow::Result<abcrm_core::model::PersonContext> {
    use abcrm_core::model::{CampaignResponse, ContactStatus, MemberStatus, PersonContext};
    let status: ContactStatus = args
        .status
        .parse()
        .map_err(|e| anyhow::anyhow!("--status: {e}"))?;
    let response = match args.campaign {
        None => None,
        Some(id) => Some(CampaignResponse {
            campaign_id: abcrm_core::CampaignId(id),
            status: match args.response.parse::<MemberStatus>() {
                Ok(s) if s != MemberStatus::Sent => s,
                _ => anyhow::bail!(
                    "--response: {:?} is not an answer to a campaign; use responded, registered or attended",
                    args.response
                ),
            },
        }),
    };
    Ok(PersonContext {
        status: Some(status),
        response,
        ..PersonContext::default()
    })
}

/// Matching thresholds from the command line, checked.
fn match_config(
    auto_accept: f64,
    review_floor: f64,
) -> anyhow::Result<abcrm_core::matching::MatchConfig> {
    if !(0.0..=1.0).contains(&auto_accept) || !(0.0..=1.0).contains(&review_floor) {
        anyhow::bail!("--auto-accept and --review-floor are scores between 0 and 1 (got {auto_accept} and {review_floor})");
    }
    if review_floor > auto_accept {
        anyhow::bail!(
            "--review-floor ({review_floor}) must not be above --auto-accept ({auto_accept})"
        );
    }
    Ok(abcrm_core::matching::MatchConfig {
        auto_accept,
        review_floor,
        ..Default::default()
    })
}
