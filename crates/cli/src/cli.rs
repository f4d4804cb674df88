//! The command line: every command, flag and environment variable, with its default.

use abcrm_server::Limits;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// abcrm: the account-based CRM with no leads object.
#[derive(Debug, Parser)]
#[command(name = "abcrm", version, about, long_about = None)]
pub struct Cli {
    /// Where the data lives: `sqlite://PATH` (the embedded default) or `postgres://...`.
    #[arg(long, global = true, env = "ABCRM_DATABASE_URL", default_value = abcrm_store::DEFAULT_DATABASE_URL)]
    pub database: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API.
    Serve(ServeArgs),
    /// Load the demo dataset (500+ accounts, 5,000+ contacts, 18 months of history).
    Demo(DemoArgs),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage the people who sign in to the web UI.
    #[command(subcommand)]
    User(UserCommand),
    /// List, show and merge accounts.
    #[command(subcommand, alias = "account")]
    Accounts(AccountCommand),
    /// List or show contacts.
    #[command(subcommand, alias = "contact")]
    Contacts(RecordCommand),
    /// List or show opportunities.
    #[command(subcommand, alias = "opportunity", alias = "opps")]
    Opportunities(RecordCommand),
    /// List or show campaigns.
    #[command(subcommand, alias = "campaign")]
    Campaigns(RecordCommand),
    /// List or show activities.
    #[command(subcommand, alias = "activity")]
    Activities(RecordCommand),
    /// Show the audit log, newest first.
    Audit(AuditArgs),
    /// Count the records in the database.
    Stats,
    /// Run, count, export, save and list segments: filters over contacts and their accounts,
    /// such as `contact.seniority in ("manager", "director") and account.state = "CA"`.
    #[command(subcommand, alias = "segments")]
    Segment(SegmentCommand),
    /// Revenue reports: sales cycles started, account funnel, pipeline, buying-center coverage,
    /// campaign influence and the nurture database; as a table or JSON.
    Report(ReportArgs),
    /// Scores and stages: recompute, explain an account's score, the top accounts, and the
    /// scoring model (show, check, set, list).
    #[command(subcommand)]
    Score(ScoreCommand),
    /// Import people from a CSV or vCard file: each becomes a contact under its account, or
    /// waits in review. Run it again to resume; nothing is imported twice.
    Import(ImportArgs),
    /// Move off Salesforce or HubSpot: accounts and their hierarchy, contacts under their
    /// accounts, every lead made a contact under the right account (or put in review),
    /// opportunities with their history, campaigns, activities. Writes a report of every
    /// decision; run it again to resume, nothing is written twice.
    Migrate(MigrateArgs),
    /// Append firmographics (industry, employees, revenue, location, parent) from a CSV file to
    /// the accounts its domains or DUNS numbers find. Values a person entered are kept unless
    /// --overwrite; conflicts, unknown keys and rejected rows are written to the report folder.
    Enrich(EnrichArgs),
    /// Match people to accounts and to each other, CSV in and out (no database).
    Match(MatchArgs),
    /// Write messy test files with known truth: accounts.csv, people.csv, truth.csv.
    #[command(hide = true)]
    Synth(SynthArgs),
    /// Time matching in memory: index build, throughput and single-match latency percentiles.
    #[command(hide = true)]
    BenchMatch {
        #[arg(long, default_value_t = 1_000_000)]
        accounts: usize,
        #[arg(long, default_value_t = 100_000)]
        people: usize,
        #[arg(long, default_value_t = 11)]
        seed: u64,
    },
    /// Time `abcrm import` end to end: generated messy people into a store holding their
    /// accounts; prints throughput and where intake put people against the truth.
    #[command(hide = true)]
    BenchImport {
        #[arg(long, default_value_t = 100_000)]
        accounts: usize,
        #[arg(long, default_value_t = 1_000_000)]
        people: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Records per committed batch.
        #[arg(long, default_value_t = 20000)]
        batch: usize,
    },
    /// Time the seed segment (against hand-written SQL for the same rows) and every report on
    /// the store, in process; prints medians.
    #[command(hide = true)]
    BenchSegments {
        #[arg(long, default_value_t = 10)]
        runs: usize,
    },
    /// Time the global search on the store, in process, for queries made from its own records,
    /// each beside the bare index lookup written by hand; prints medians.
    #[command(hide = true)]
    BenchSearch {
        #[arg(long, default_value_t = 10)]
        runs: usize,
    },
    /// Time scoring: a full recompute in memory over generated accounts, contacts and
    /// activities (throughput and peak memory), and with --incremental N, N activity writes
    /// through the store with their rescoring (latency percentiles).
    #[command(hide = true)]
    BenchScoring {
        #[arg(long, default_value_t = 100_000)]
        accounts: usize,
        #[arg(long, default_value_t = 1_000_000)]
        contacts: usize,
        #[arg(long, default_value_t = 5_000_000)]
        activities: usize,
        /// Instead: time this many single-activity writes against the database's own data.
        #[arg(long)]
        incremental: Option<usize>,
        #[arg(long, default_value_t = 5)]
        seed: u64,
    },
    /// Write a messy Salesforce or HubSpot export with known truth (truth.csv), the test bed of
    /// `abcrm migrate`.
    #[command(hide = true)]
    SynthExport(SynthExportArgs),
    /// Score a migration's people.csv against a truth.csv `synth-export` wrote: placement and
    /// duplicates (precision, recall, F1) and records not accounted for exactly once.
    #[command(hide = true)]
    MigrateScore {
        /// The people.csv of the migration's report.
        #[arg(long)]
        people: PathBuf,
        /// The truth.csv `abcrm synth-export` wrote.
        #[arg(long)]
        truth: PathBuf,
        #[arg(long, value_enum, default_value_t = TextFormat::Table)]
        format: TextFormat,
    },
    /// Score a matches.csv against a truth.csv: precision, recall and F1.
    #[command(hide = true)]
    MatchScore {
        /// The matches.csv `abcrm match` wrote.
        #[arg(long)]
        matches: PathBuf,
        /// The truth.csv `abcrm synth` wrote.
        #[arg(long)]
        truth: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A .csv (headers such as first_name, last_name, email, company, title, phone, city,
    /// state, country, website, id; Salesforce and HubSpot spellings work) or a .vcf file.
    pub file: PathBuf,
    /// Where the records come from, kept on each intake record; re-imports skip keys this
    /// source gave before. Defaults to `import:FILE_NAME` (`vcard:FILE_NAME` for .vcf).
    #[arg(long)]
    pub source: Option<String>,
    /// Records per committed batch.
    #[arg(long, default_value_t = 20000)]
    pub batch: usize,
    /// Fuzzy company scores at or above this are matches.
    #[arg(long, default_value_t = 0.90)]
    pub auto_accept: f64,
    /// Fuzzy company scores at or above this (and below --auto-accept) go to review.
    #[arg(long, default_value_t = 0.78)]
    pub review_floor: f64,
    /// The status of contacts the file creates: nurture (a list is not a raised hand) or
    /// active (people who asked, such as a form's export).
    #[arg(long, default_value = "nurture")]
    pub status: String,
    /// The campaign (its id) the file's people answered: each person placed gets a membership
    /// and an activity on it; people waiting in review get them when placed.
    #[arg(long)]
    pub campaign: Option<i64>,
    /// How far they went in the campaign: responded, registered or attended.
    #[arg(long, requires = "campaign", default_value = "responded")]
    pub response: String,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(subcommand)]
    pub from: MigrateFrom,
    /// Say what would happen (the same report), and write nothing to the database.
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// Where to write people.csv, rejected.csv and summary.md.
    #[arg(long, global = true, default_value = "migration-report")]
    pub report: PathBuf,
    /// The name the source's ids are kept under; resuming needs the same name, and a second org
    /// needs its own. Defaults to `salesforce` or `hubspot`.
    #[arg(long, global = true)]
    pub source: Option<String>,
    /// People per committed batch.
    #[arg(long, global = true, default_value_t = 20000)]
    pub batch: usize,
}

#[derive(Debug, Subcommand)]
pub enum MigrateFrom {
    /// A Salesforce data export (Account.csv, Contact.csv, Lead.csv, Opportunity.csv,
    /// OpportunityContactRole.csv, Campaign.csv, CampaignMember.csv, Task.csv, Event.csv; any
    /// may be missing).
    Salesforce { dir: PathBuf },
    /// A HubSpot export (companies.csv, contacts.csv, deals.csv).
    Hubspot { dir: PathBuf },
}

#[derive(Debug, Args)]
pub struct EnrichArgs {
    /// A .csv with a header line: domain (or website) or duns, and any of name, industry,
    /// employees (or "number of employees"), annual_revenue (or revenue), country, state, city,
    /// parent_domain, parent_duns. Case, spaces and punctuation in headers do not matter.
    pub file: PathBuf,
    /// Which column finds each row's account.
    #[arg(long, value_enum)]
    pub by: KeyArg,
    /// Also replace values a person entered (values an import or enrichment set are always
    /// refreshed).
    #[arg(long)]
    pub overwrite: bool,
    /// Create an account for a row whose key no account has (named by its name column, or
    /// after its domain).
    #[arg(long)]
    pub create_missing: bool,
    /// Plan and write the reports, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Folder for conflicts.csv, unknown.csv and rejected.csv.
    #[arg(long = "report", default_value = "enrich-report")]
    pub report_dir: PathBuf,
    /// Rows per committed batch.
    #[arg(long, default_value_t = 1000)]
    pub batch: usize,
}

/// The key an enrichment file's rows are found by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyArg {
    Domain,
    Duns,
}

#[derive(Debug, Args)]
pub struct MatchArgs {
    /// id,name,domain,duns,country,state,city,parent_id (domain may list several, `;`-separated).
    #[arg(long)]
    pub accounts: PathBuf,
    /// id,first_name,last_name,email,company,title,country,state,city,phone
    #[arg(long)]
    pub people: PathBuf,
    /// Where to write person_id,account_id,duplicate_of,rule,confidence,status.
    #[arg(long, default_value = "matches.csv")]
    pub out: PathBuf,
    /// Fuzzy company scores at or above this are matches.
    #[arg(long, default_value_t = 0.90)]
    pub auto_accept: f64,
    /// Fuzzy company scores at or above this (and below --auto-accept) go to review.
    #[arg(long, default_value_t = 0.78)]
    pub review_floor: f64,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Folder to write the files into.
    #[arg(long, default_value = "synth")]
    pub out: PathBuf,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, default_value_t = 10_000)]
    pub accounts: usize,
    #[arg(long, default_value_t = 50_000)]
    pub people: usize,
}

/// Which CRM's export `synth-export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// Account.csv, Contact.csv, Lead.csv and the other objects, with API field names.
    Salesforce,
    /// companies.csv, contacts.csv and deals.csv, with the export's column labels.
    Hubspot,
}

#[derive(Debug, Args)]
pub struct SynthExportArgs {
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Folder to write the files into (created if needed).
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 2_000)]
    pub accounts: usize,
    /// Contacts (HubSpot: contacts associated with a company).
    #[arg(long, default_value_t = 6_000)]
    pub contacts: usize,
    /// Leads (HubSpot: contacts with no associated company).
    #[arg(long, default_value_t = 20_000)]
    pub leads: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write the files as Excel re-saves them: UTF-8 BOM, CRLF line ends, every field quoted.
    #[arg(long)]
    pub excel: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ABCRM_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Serve the demo: load it into the database (`./abcrm.db` unless --database names another)
    /// when that is empty, and keep it, with whatever you added, on later starts. Prints the web
    /// login and a fresh API token to try it with.
    #[arg(long)]
    pub demo: bool,
    /// With --demo: throw away the demo database (and what was added to it) and load it afresh.
    /// Only a SQLite file that holds the demo, or nothing, is ever removed.
    #[arg(long, requires = "demo")]
    pub reset: bool,
    /// Seed of the demo dataset (with --demo).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// How much the server takes on at once and how long it waits (defaults from
/// `abcrm_server::Limits`).
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Connections served at once; more wait in the operating system's queue.
    #[arg(long, env = "ABCRM_MAX_CONNECTIONS", default_value_t = Limits::default().max_connections)]
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers, and a kept-alive connection may idle.
    #[arg(long, env = "ABCRM_HEADER_TIMEOUT", value_parser = clap::value_parser!(u64).range(1..), default_value_t = Limits::default().header_read_timeout.as_secs())]
    pub header_timeout: u64,
    /// Seconds a request may take before it is answered 408.
    #[arg(long, env = "ABCRM_REQUEST_TIMEOUT", value_parser = clap::value_parser!(u64).range(1..), default_value_t = Limits::default().request_timeout.as_secs())]
    pub request_timeout: u64,
    /// Seconds the web import's upload and a full score recompute may take.
    #[arg(long, env = "ABCRM_LONG_REQUEST_TIMEOUT", value_parser = clap::value_parser!(u64).range(1..), default_value_t = Limits::default().long_request_timeout.as_secs())]
    pub long_request_timeout: u64,
    /// Sign-in password checks run at once (argon2 takes 19 MiB each).
    #[arg(long, env = "ABCRM_PASSWORD_CHECKS", default_value_t = Limits::default().password_checks)]
    pub password_checks: usize,
    /// Sign-ins that may wait for a password check; more are answered 503.
    #[arg(long, env = "ABCRM_PASSWORD_QUEUE", default_value_t = Limits::default().password_queue)]
    pub password_queue: usize,
    /// Web import uploads one person may keep at once.
    #[arg(long, env = "ABCRM_UPLOADS_PER_USER", default_value_t = Limits::default().uploads_per_user)]
    pub uploads_per_user: usize,
    /// Megabytes all kept web import uploads may take together.
    #[arg(long, env = "ABCRM_UPLOAD_MB", default_value_t = Limits::default().upload_bytes / (1024 * 1024))]
    pub upload_mb: usize,
}

impl LimitArgs {
    /// The server's limits from these flags.
    pub fn limits(&self) -> Limits {
        Limits {
            max_connections: self.max_connections,
            header_read_timeout: Duration::from_secs(self.header_timeout),
            request_timeout: Duration::from_secs(self.request_timeout),
            long_request_timeout: Duration::from_secs(self.long_request_timeout),
            password_checks: self.password_checks,
            password_queue: self.password_queue,
            uploads_per_user: self.uploads_per_user,
            upload_bytes: self.upload_mb.saturating_mul(1024 * 1024),
        }
    }
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Seed of the generator: the same seed on the same day gives the same data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// About how many accounts to make (default: about 540); contacts, opportunities,
    /// campaign members and activities scale with them, e.g. `--accounts 100000` makes about
    /// 1.2 million contacts and 5 million activities.
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10_000_000))]
    pub accounts: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token (and its user, if new) and print the secret once.
    Create {
        /// The user the token acts as; created if it does not exist.
        #[arg(long, default_value = "admin@abcrm.local")]
        user: String,
        /// A label to tell tokens apart.
        #[arg(long, default_value = "cli")]
        name: String,
        /// The role of a user created now (ignored for an existing user).
        #[arg(long, default_value = "admin")]
        role: String,
    },
    /// Revoke a token by id.
    Revoke {
        /// The token's id, as printed by `token create`.
        id: i64,
    },
    /// Every token, newest first: whose, its name and prefix, when last used, whether revoked.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user who signs in to the web UI. The password is read from stdin with
    /// --password-stdin, or else made up and printed once.
    Create {
        /// Their email, which they sign in with.
        #[arg(long)]
        email: String,
        /// Their name as the UI shows it (default: the email's local part).
        #[arg(long)]
        name: Option<String>,
        /// admin, sales, marketing or read_only.
        #[arg(long, default_value = "sales")]
        role: String,
        /// Read the password from the first line of stdin (at least 10 characters).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password for a user (signing out their sessions).
    Password {
        /// The user's email.
        #[arg(long)]
        email: String,
        /// Read the password from the first line of stdin (at least 10 characters).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Every user: role, whether they can sign in, how many live tokens they hold.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Give a user another role (admin, sales, marketing or read_only), at once for their
    /// sessions and tokens. The last admin keeps the role.
    Role {
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
    },
    /// End a user's access: their password, tokens and sessions go; what they own stays theirs.
    Deactivate {
        #[arg(long)]
        email: String,
    },
}

/// How to print records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// JSON for programs.
    Json,
    /// CSV for spreadsheets: the table's columns, every cell safe to open.
    Csv,
}

/// How a command that prints one report or outcome shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextFormat {
    /// Text and aligned columns for people.
    Table,
    /// JSON for programs.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum RecordCommand {
    /// List records: accounts, contacts, opportunities and campaigns oldest first, activities
    /// newest first.
    List(ListArgs),
    /// Show one record (for an account: its 360 view).
    Show {
        /// The record's id.
        id: i64,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// `abcrm accounts ...`: the record commands, and merging two accounts for one company.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    #[command(flatten)]
    Record(RecordCommand),
    /// Merge account MERGED into account SURVIVOR: the survivor keeps its values (its empty
    /// fields take the merged account's), takes the merged account's domains, people,
    /// opportunities, activities, assets, subsidiaries and external ids; the merged account is
    /// deleted. Prints the merge id, which `undo-merge` takes.
    Merge {
        /// The account that stays.
        survivor: i64,
        /// The duplicate, merged into the survivor and deleted.
        merged: i64,
        /// Take the merged account's value of this field even where the survivor has one
        /// (name, duns, parent_id, industry, employees, annual_revenue, country, state, city,
        /// owner_id, target_tier, stage); repeat for more.
        #[arg(long = "take", value_name = "FIELD")]
        take: Vec<String>,
        /// Keep the survivor's value of this field even where it is empty; repeat for more.
        #[arg(long = "keep", value_name = "FIELD")]
        keep: Vec<String>,
        #[arg(long, value_enum, default_value_t = TextFormat::Table)]
        format: TextFormat,
    },
    /// Undo an account merge: the merged account comes back with the rows the merge moved.
    UndoMerge {
        /// The merge's id, as `merge` printed it.
        id: i64,
        #[arg(long, value_enum, default_value_t = TextFormat::Table)]
        format: TextFormat,
    },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only records of this account.
    #[arg(long)]
    pub account: Option<i64>,
    /// Only records of this contact (activities).
    #[arg(long)]
    pub contact: Option<i64>,
    /// Text to look for: in account names, or contact names and emails.
    #[arg(long)]
    pub search: Option<String>,
    /// Only open opportunities.
    #[arg(long)]
    pub open: bool,
    /// How many records.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// Start after this cursor (printed at the end of the previous page).
    #[arg(long)]
    pub after: Option<i64>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only entries for this kind of record (account, contact, ...).
    #[arg(long)]
    pub entity: Option<String>,
    /// Only entries for this record id.
    #[arg(long)]
    pub id: Option<i64>,
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Who a segment selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TargetArg {
    Contact,
    Account,
}

/// How segment rows are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RowsFormat {
    /// Aligned columns (the first --limit rows).
    Table,
    /// Every row as CSV, with --columns' names.
    Csv,
    /// Every row as a JSON array of records.
    Json,
}

/// Whose column names a CSV uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColumnsArg {
    Abcrm,
    Salesforce,
    Hubspot,
}

#[derive(Debug, Subcommand)]
pub enum SegmentCommand {
    /// Run a filter expression, or a saved segment by name, and print what it selects.
    Run {
        /// A filter expression, or the name of a saved segment.
        segment: String,
        /// Select accounts instead of contacts (an expression only; a saved segment knows).
        #[arg(long, value_enum, default_value_t = TargetArg::Contact)]
        target: TargetArg,
        #[arg(long, value_enum, default_value_t = RowsFormat::Table)]
        format: RowsFormat,
        /// Column names of the CSV.
        #[arg(long, value_enum, default_value_t = ColumnsArg::Abcrm)]
        columns: ColumnsArg,
        /// Rows in a table (CSV and JSON print every row).
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Take people who left their company or unsubscribed too: by default a segment of
        /// people holds only those who can be contacted, unless it names `contact.status`.
        #[arg(long)]
        everyone: bool,
    },
    /// Count what a filter expression or saved segment selects.
    Count {
        segment: String,
        #[arg(long, value_enum, default_value_t = TargetArg::Contact)]
        target: TargetArg,
        /// Count people who left their company or unsubscribed too (see `run --everyone`).
        #[arg(long)]
        everyone: bool,
    },
    /// Save a segment under a name (checked first).
    Save {
        name: String,
        expression: String,
        #[arg(long, value_enum, default_value_t = TargetArg::Contact)]
        target: TargetArg,
    },
    /// List saved segments.
    List,
    /// Delete a saved segment by name.
    Delete { name: String },
}

/// Which report, and for which accounts.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub report: ReportKind,
    /// Only the accounts of a saved segment (by name), or of a filter expression.
    #[arg(long, global = true)]
    pub segment: Option<String>,
    /// With --segment as an expression: it selects accounts, not contacts.
    #[arg(long, global = true, value_enum, default_value_t = TargetArg::Contact)]
    pub target: TargetArg,
    #[arg(long, global = true, value_enum, default_value_t = TextFormat::Table)]
    pub format: TextFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PeriodArg {
    Week,
    Month,
    Quarter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ByArg {
    Total,
    Campaign,
    Owner,
}

#[derive(Debug, Subcommand)]
pub enum ReportKind {
    /// Sales cycles started: opportunities created per period (the headline figure).
    SalesCycles {
        #[arg(long, value_enum, default_value_t = PeriodArg::Month)]
        period: PeriodArg,
        #[arg(long, value_enum, default_value_t = ByArg::Total)]
        by: ByArg,
        /// First day, YYYY-MM-DD (default: the start of the month eleven months ago).
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// The day after the last (default: tomorrow).
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
    },
    /// The account funnel: accounts per stage, conversion, median days, per cohort.
    Funnel {
        /// Only accounts that entered the funnel on or after this day.
        #[arg(long)]
        since: Option<chrono::NaiveDate>,
        /// Print the waterfall of every monthly cohort too.
        #[arg(long)]
        cohorts: bool,
        /// Count each family (an ultimate parent with its subsidiaries) once, as one company.
        #[arg(long)]
        family: bool,
    },
    /// Open opportunity amount by stage and expected close period.
    Pipeline {
        #[arg(long, value_enum, default_value_t = PeriodArg::Month)]
        period: PeriodArg,
        /// Count each family (an ultimate parent with its subsidiaries) once, as one company.
        #[arg(long)]
        family: bool,
    },
    /// Buying-center coverage per account, and accounts missing an economic buyer.
    Coverage {
        /// An activity within this many days makes a contact engaged.
        #[arg(long, default_value_t = 90)]
        engaged_days: u32,
        /// List only accounts with no economic buyer.
        #[arg(long)]
        missing_economic_buyer: bool,
        /// Accounts listed.
        #[arg(long, default_value_t = 25)]
        limit: usize,
        /// Make each family (an ultimate parent with its subsidiaries) one company: one row,
        /// its buying center the people of every member.
        #[arg(long)]
        family: bool,
    },
    /// Campaign influence on opportunities, at the account level.
    Influence {
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        /// Touches this many days before an opportunity was created count.
        #[arg(long, default_value_t = 90)]
        window_days: u32,
        /// Count touches anywhere in the account's hierarchy, not only at its own account.
        #[arg(long)]
        hierarchy: bool,
        /// Count every campaign touch, sends and opens too, not only responses.
        #[arg(long)]
        all_touches: bool,
    },
    /// Contacts in nurture by age, and how many converted after 6, 12, 18+ months.
    Nurture,
    /// Cost per sales cycle started: each campaign's budget over the opportunities created in
    /// range that it influenced (as `influence` counts them).
    CostPerCycle {
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        /// Touches this many days before an opportunity was created count.
        #[arg(long, default_value_t = 90)]
        window_days: u32,
        /// Count touches anywhere in the account's hierarchy, not only at its own account.
        #[arg(long)]
        hierarchy: bool,
        /// Count every campaign touch, sends and opens too, not only responses.
        #[arg(long)]
        all_touches: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ScoreCommand {
    /// Recompute every contact's and account's score and apply the stage rules.
    Recompute {
        /// Score as of this time (RFC 3339); defaults to now.
        #[arg(long)]
        at: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Every rule, contact and activity behind an account's score.
    Explain {
        /// The account's id or exact name.
        account: String,
        #[arg(long, value_enum, default_value_t = TextFormat::Table)]
        format: TextFormat,
        /// Explain the score as of this time (RFC 3339); defaults to now.
        #[arg(long)]
        at: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Accounts by score, best first.
    Top {
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The scoring model.
    #[command(subcommand)]
    Model(ModelCommand),
}

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Print the active model file.
    Show,
    /// Check a model file without saving it.
    Check { file: PathBuf },
    /// Check a model file and save it as the active model's next version.
    Set { file: PathBuf },
    /// List saved versions.
    List,
}
