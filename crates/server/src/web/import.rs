//! `/import`: people from a CSV file into contacts under accounts, in four steps.
//!
//! 1. Upload (`POST /import?csrf=...`, multipart): the file is read, checked and kept in this
//!    process's memory under a random id ([`Imports`], a field of [`AppState`]).
//! 2. Mapping (`/import/{id}`): each column gets a person field, preselected from its header
//!    (Salesforce and HubSpot names are recognized by `person_column`).
//! 3. Preview (`/import/{id}/preview`): the first rows go through a dry-run intake service,
//!    which plans against the store's records and writes nothing.
//! 4. Run (`POST /import/{id}/run`): a background task gives every row to the process's intake
//!    service in batches (`Intake::stream`, as `abcrm import` does); `/import/{id}/run` shows
//!    its progress (htmx polls `/import/{id}/progress`; without JavaScript the page refreshes
//!    itself) and then the summary.
//!
//! The source of the records is `import:<file name>`, as for `abcrm import`: a row whose key
//! (its id column, or a hash of its content) the source gave before is skipped, so running the
//! same file again creates nothing twice.

use super::{render, Nav, SignedIn, WebError};
use crate::AppState;
use abcrm_core::intake::columns::{person_column, set_column, PersonColumn};
use abcrm_core::intake::{contact_from_record, IntakeItem};
use abcrm_core::matching::{MatchConfig, PersonRecord};
use abcrm_core::model::{Actor, IntakeOutcome};
use abcrm_core::normalize::Email;
use abcrm_core::{AccountId, ContactId, UserId};
use abcrm_store::intake::{content_key, Intake, IntakeBatchResult, IntakeReport};
use abcrm_store::IntakePlacement;
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The largest file accepted.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// The upload request may carry the file and a little multipart framing.
const UPLOAD_BODY_LIMIT: usize = MAX_FILE_BYTES + 64 * 1024;
/// Uploads kept at once (the oldest finished or idle one goes first).
const MAX_UPLOADS: usize = 16;
/// How long an upload is kept after it was made.
const UPLOAD_TTL: Duration = Duration::from_secs(2 * 3600);
/// Rows the preview plans.
pub const PREVIEW_ROWS: usize = 20;
/// Rows per intake batch of a run.
const BATCH: usize = 250;
/// Rejected and unreadable rows listed in the summary (all are counted).
const LIST_REJECTED: usize = 200;
/// Stand-in ids of a dry run start here (see `Intake::dry_run`).
const DRY_ID_FLOOR: i64 = 1 << 48;

/// The import routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/import",
            get(upload_form)
                .post(upload)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/import/{id}", get(mapping_form).post(save_mapping))
        .route("/import/{id}/preview", get(preview))
        .route("/import/{id}/run", get(run_page).post(run))
        .route("/import/{id}/progress", get(progress))
}

// ----- the uploads between steps -----

/// Uploaded files between the steps of an import, in memory, keyed by a random id.
///
/// Kept in [`AppState`] rather than a `static`, so each server (and each test server) has its
/// own and it goes with the application. At most [`MAX_UPLOADS`] are kept, each for
/// [`UPLOAD_TTL`]; a running import is never dropped.
#[derive(Default)]
pub struct Imports {
    uploads: Mutex<HashMap<String, Arc<Upload>>>,
}

/// One uploaded file, read into rows.
pub struct Upload {
    id: String,
    owner: UserId,
    file_name: String,
    created: Instant,
    headers: Vec<String>,
    /// The readable rows with their line numbers, in file order.
    rows: Vec<(u64, Vec<String>)>,
    /// Lines that could not be read, and why.
    unreadable: Vec<(u64, String)>,
    /// The mapping chosen in step 2: a field (or nothing) per column.
    mapping: Mutex<Option<Vec<Option<PersonColumn>>>>,
    job: Mutex<Option<Arc<Job>>>,
    /// The dry-run intake service the next preview plans with, built (and its match index
    /// read) in the background while the person looks at the page before, so a preview does
    /// not wait for the index. Each preview uses one and starts the next: a dry run remembers
    /// what it pretended to create, and one preview must not see another's.
    dry: Mutex<Option<Arc<Intake>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Upload {
    fn source(&self) -> String {
        format!("import:{}", self.file_name)
    }

    fn mapping(&self) -> Option<Vec<Option<PersonColumn>>> {
        lock(&self.mapping).clone()
    }

    fn job(&self) -> Option<Arc<Job>> {
        lock(&self.job).clone()
    }

    fn running(&self) -> bool {
        self.job().is_some_and(|j| !j.snapshot().finished)
    }

    /// Starts building the dry-run service of the next preview.
    fn prepare_dry_run(&self, state: &AppState) {
        let intake = Arc::new(Intake::dry_run(state.store.clone(), MatchConfig::default()));
        *lock(&self.dry) = Some(intake.clone());
        tokio::spawn(async move {
            if let Err(e) = intake.warm().await {
                tracing::warn!(error = %e, "could not read the match index for an import preview");
            }
        });
    }

    /// The dry-run service prepared for this preview (or a new one).
    fn take_dry_run(&self, state: &AppState) -> Arc<Intake> {
        lock(&self.dry).take().unwrap_or_else(|| {
            Arc::new(Intake::dry_run(state.store.clone(), MatchConfig::default()))
        })
    }
}

impl Imports {
    /// Keeps an upload, making room by dropping expired and then the oldest idle ones.
    fn insert(&self, upload: Upload) -> Result<Arc<Upload>, String> {
        let mut uploads = lock(&self.uploads);
        uploads.retain(|_, u| u.created.elapsed() < UPLOAD_TTL || u.running());
        while uploads.len() >= MAX_UPLOADS {
            let oldest = uploads
                .values()
                .filter(|u| !u.running())
                .min_by_key(|u| u.created)
                .map(|u| u.id.clone());
            match oldest {
                Some(id) => {
                    uploads.remove(&id);
                }
                None => {
                    return Err(format!(
                        "{MAX_UPLOADS} imports are running; wait for one to finish and upload again"
                    ))
                }
            }
        }
        let upload = Arc::new(upload);
        uploads.insert(upload.id.clone(), upload.clone());
        Ok(upload)
    }

    /// The upload `id` of `owner` (another user's is as good as absent).
    fn get(&self, id: &str, owner: UserId) -> Result<Arc<Upload>, WebError> {
        lock(&self.uploads)
            .get(id)
            .filter(|u| u.owner == owner)
            .cloned()
            .ok_or_else(|| {
                WebError::NotFound(format!(
                    "there is no upload {id} (uploads are kept for {} hours, and not across a \
                     server restart); upload the file again",
                    UPLOAD_TTL.as_secs() / 3600
                ))
            })
    }
}

// ----- reading the file -----

/// A CSV file read into rows.
#[derive(Debug, PartialEq)]
pub struct ParsedCsv {
    pub headers: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
    pub unreadable: Vec<(u64, String)>,
}

/// The field separator of a CSV file: the one of `,` `;` and tab that appears most in its
/// header line (outside quotes); a comma when there is none.
pub fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for ch in first.chars() {
        match ch {
            '"' => quoted = !quoted,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        [b',', b';', b'\t'][best]
    }
}

/// Reads an uploaded file as CSV: UTF-8 (a byte order mark is skipped), separated by commas,
/// semicolons or tabs. A row with another number of fields than the header is set aside with
/// its line; a file that is not text, has no header or no rows is refused with why.
pub fn parse_csv(bytes: &[u8]) -> Result<ParsedCsv, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err("the file is empty; choose a CSV file with a header line and rows".into());
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err(
            "this is a spreadsheet workbook, not a CSV file; save it as \"CSV UTF-8\" and upload that"
                .into(),
        );
    }
    if bytes.contains(&0) {
        return Err("the file is not text (it holds binary data); choose a CSV file".into());
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "the file is not UTF-8 text (byte {} cannot be read); save it as \"CSV UTF-8\" and upload that",
            e.valid_up_to() + 1
        )
    })?;
    let text = text.replace("\r\n", "\n");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(&text))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("the header line cannot be read: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    if headers.iter().all(|h| h.is_empty()) {
        return Err(
            "the first line has no column names; the first line of the file must name its columns"
                .into(),
        );
    }
    let width = headers.len();
    let mut rows = Vec::new();
    let mut unreadable = Vec::new();
    let mut record = csv::StringRecord::new();
    // The reader does not count blank lines; count them from the byte offsets, in one pass.
    let (mut counted_to, mut lines_before) = (0usize, 0u64);
    let mut line_at = |byte: u64| -> u64 {
        let mut byte = (byte as usize).clamp(counted_to, text.len());
        // A record after blank lines starts where they do.
        while text.as_bytes().get(byte) == Some(&b'\n') {
            byte += 1;
        }
        lines_before += text.as_bytes()[counted_to..byte]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        counted_to = byte;
        lines_before + 1
    };
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = line_at(record.position().map_or(0, |p| p.byte()));
                if record.iter().all(str::is_empty) {
                    continue;
                }
                if record.len() != width {
                    unreadable.push((
                        line,
                        format!(
                            "has {} fields, the header has {width}; skipped",
                            record.len()
                        ),
                    ));
                    continue;
                }
                rows.push((line, record.iter().map(str::to_string).collect()));
            }
            Err(e) => {
                let line = line_at(e.position().map_or(0, |p| p.byte()));
                unreadable.push((line, format!("{e}; skipped")));
                if !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. }) {
                    break;
                }
            }
        }
    }
    if rows.is_empty() {
        return Err("the file has a header line but no rows to import".into());
    }
    Ok(ParsedCsv {
        headers,
        rows,
        unreadable,
    })
}

/// The field each header names, as recognized from CRM exports (or none).
pub fn default_mapping(headers: &[String]) -> Vec<Option<PersonColumn>> {
    headers.iter().map(|h| person_column(h)).collect()
}

/// Why a mapping cannot import anyone, if it cannot.
pub fn check_mapping(mapping: &[Option<PersonColumn>]) -> Result<(), String> {
    if mapping.iter().flatten().any(|c| c.identifies()) {
        Ok(())
    } else {
        Err("map at least one column to Email, First name, Last name or Full name: without one no row can become a contact".into())
    }
}

/// A row as the intake service takes it: its fields by the mapping, and its key (the mapped
/// record id, or a hash of its content).
pub fn item_of(row: &[String], mapping: &[Option<PersonColumn>]) -> IntakeItem {
    let mut record = PersonRecord::default();
    let mut key = None;
    for (value, col) in row.iter().zip(mapping) {
        if let Some(col) = col {
            set_column(&mut record, &mut key, *col, value);
        }
    }
    IntakeItem {
        hints: Default::default(),
        source_key: key.unwrap_or_else(|| content_key(&record)),
        record,
    }
}

/// Why intake rejected a record, for a person: from the rule the planner named and the record.
pub fn rejection_reason(rule: &str, record: &PersonRecord) -> String {
    let bad_email = record
        .email
        .as_deref()
        .filter(|e| !e.trim().is_empty())
        .and_then(|e| Email::parse(e).err().map(|err| (e.trim().to_string(), err)));
    match rule {
        "no_identity" => match bad_email {
            Some((email, err)) => {
                format!("no name, and the email \"{email}\" is not valid ({err}); add a name or fix the email")
            }
            None => "no name and no email: nothing to make a contact from; add a name or an email"
                .into(),
        },
        "invalid" => match contact_from_record(record, AccountId(0), "import").validate() {
            Err(errors) => {
                format!("the row cannot be a contact: {errors}; fix it and import again")
            }
            Ok(_) => "the row cannot be a contact; check its fields and import again".into(),
        },
        other => format!("rejected by the rule {other}"),
    }
}

/// How far an import is, in whole percent (0 of 0 rows is done).
pub fn percent(done: usize, total: usize) -> u32 {
    if total == 0 {
        return 100;
    }
    ((done.min(total) as u128 * 100) / total as u128) as u32
}

// ----- the background run -----

/// An import running (or run) in the background.
pub struct Job {
    total: usize,
    state: Mutex<JobState>,
}

/// Where a run stands.
#[derive(Debug, Clone, Default)]
pub struct JobState {
    /// Rows handled so far (taken or skipped as taken before).
    pub processed: usize,
    pub report: IntakeReport,
    /// Rejected rows: line and reason (the first [`LIST_REJECTED`]).
    pub rejected: Vec<(u64, String)>,
    pub finished: bool,
    /// Why the run stopped early.
    pub failed: Option<String>,
    pub seconds: f64,
}

impl Job {
    fn snapshot(&self) -> JobState {
        lock(&self.state).clone()
    }

    /// Counts batches the intake service answered.
    fn record(&self, done: Vec<IntakeBatchResult>, rows: &RowIndex) {
        let mut st = lock(&self.state);
        for (report, placements) in done {
            st.processed += report.taken + report.already_taken;
            st.report.add(&report);
            for p in placements
                .iter()
                .filter(|p| p.outcome == IntakeOutcome::Rejected)
            {
                if st.rejected.len() >= LIST_REJECTED {
                    break;
                }
                if let Some((line, record)) = rows.get(&p.key) {
                    st.rejected.push((line, rejection_reason(&p.rule, record)));
                }
            }
        }
    }
}

/// The rows of a run by key: the first line with the key, and its record.
struct RowIndex {
    items: Vec<IntakeItem>,
    lines: Vec<u64>,
    by_key: HashMap<String, usize>,
}

impl RowIndex {
    fn new(upload: &Upload, mapping: &[Option<PersonColumn>], limit: usize) -> RowIndex {
        let mut items = Vec::new();
        let mut lines = Vec::new();
        let mut by_key = HashMap::new();
        for (line, row) in upload.rows.iter().take(limit) {
            let item = item_of(row, mapping);
            by_key.entry(item.source_key.clone()).or_insert(items.len());
            items.push(item);
            lines.push(*line);
        }
        RowIndex {
            items,
            lines,
            by_key,
        }
    }

    fn get(&self, key: &str) -> Option<(u64, &PersonRecord)> {
        self.by_key
            .get(key)
            .map(|&i| (self.lines[i], &self.items[i].record))
    }
}

async fn run_job(state: AppState, actor: Actor, source: String, rows: RowIndex, job: Arc<Job>) {
    let started = Instant::now();
    let result: abcrm_store::Result<()> = async {
        let intake = state.intake.clone();
        let mut stream = intake.stream(&actor, &source).await?;
        for batch in rows.items.chunks(BATCH) {
            let done = stream.push(batch.to_vec()).await?;
            job.record(done, &rows);
        }
        let done = stream.finish().await?;
        job.record(done, &rows);
        Ok(())
    }
    .await;
    let mut st = lock(&job.state);
    if let Err(e) = result {
        tracing::warn!(error = %e, source, "web import stopped");
        st.failed = Some(format!(
            "the import stopped after {} rows: {e}. The rows before are saved; run the import \
             again to continue (rows taken before are skipped)",
            st.processed
        ));
    }
    st.finished = true;
    st.seconds = started.elapsed().as_secs_f64();
}

// ----- step 1: upload -----

#[derive(Template)]
#[template(path = "import.html")]
struct UploadPage {
    nav: Nav,
    file_error: Option<String>,
    max_mb: usize,
}

async fn upload_form(me: SignedIn) -> Result<Response, WebError> {
    render(&UploadPage {
        nav: Nav::new(&me, "import"),
        file_error: None,
        max_mb: MAX_FILE_BYTES / (1024 * 1024),
    })
}

fn upload_refused(
    me: &SignedIn,
    status: StatusCode,
    message: String,
) -> Result<Response, WebError> {
    let mut res = render(&UploadPage {
        nav: Nav::new(me, "import"),
        file_error: Some(message),
        max_mb: MAX_FILE_BYTES / (1024 * 1024),
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// The uploaded file: its name and bytes, or why it was refused (and the status to answer).
async fn read_file(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(String, Vec<u8>), (StatusCode, String)> {
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the file is larger than {} MB; split it, or import it with `abcrm import`",
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        )
    };
    let unreadable = |e: String| {
        (
            StatusCode::BAD_REQUEST,
            format!("the upload could not be read ({e}); choose the file and send it again"),
        )
    };
    let mut multipart = multipart.map_err(|e| unreadable(e.body_text()))?;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(e) => return Err(unreadable(e.body_text())),
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = field
            .file_name()
            .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).trim().to_string())
            .unwrap_or_default();
        let mut field = field;
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                        return Err(too_large());
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
                Err(e) => return Err(unreadable(e.body_text())),
            }
        }
        if name.is_empty() && bytes.is_empty() {
            break; // the browser sends an empty part when no file was chosen
        }
        return Ok((
            if name.is_empty() {
                "upload.csv".into()
            } else {
                name
            },
            bytes,
        ));
    }
    Err((
        StatusCode::UNPROCESSABLE_ENTITY,
        "choose a CSV file to upload".into(),
    ))
}

async fn upload(
    State(state): State<AppState>,
    me: SignedIn,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    let (file_name, bytes) = match read_file(multipart).await {
        Ok(f) => f,
        Err((status, message)) => return upload_refused(&me, status, message),
    };
    let lower = file_name.to_ascii_lowercase();
    if [".xlsx", ".xls", ".numbers", ".ods", ".vcf", ".pdf"]
        .iter()
        .any(|ext| lower.ends_with(ext))
    {
        return upload_refused(
            &me,
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{file_name} is not a CSV file; save it as \"CSV UTF-8\" and upload that"),
        );
    }
    let parsed = match parse_csv(&bytes) {
        Ok(p) => p,
        Err(message) => {
            return upload_refused(
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{file_name}: {message}"),
            )
        }
    };
    let mapping = default_mapping(&parsed.headers);
    let upload = Upload {
        id: super::session::random_secret(24),
        owner: me.user.id,
        file_name,
        created: Instant::now(),
        headers: parsed.headers,
        rows: parsed.rows,
        unreadable: parsed.unreadable,
        mapping: Mutex::new(Some(mapping)),
        job: Mutex::new(None),
        dry: Mutex::new(None),
    };
    let upload = match state.imports.insert(upload) {
        Ok(u) => u,
        Err(message) => {
            return upload_refused(&me, StatusCode::SERVICE_UNAVAILABLE, message);
        }
    };
    upload.prepare_dry_run(&state);
    Ok(Redirect::to(&format!("/import/{}", upload.id)).into_response())
}

// ----- step 2: mapping -----

/// One column of the mapping form.
struct ColumnRow {
    index: usize,
    header: String,
    samples: String,
    chosen: Option<PersonColumn>,
    recognized: bool,
}

impl ColumnRow {
    /// Whether the field named `value` is the one chosen.
    fn selected<S: AsRef<str> + ?Sized>(&self, value: &S) -> bool {
        self.chosen.map(PersonColumn::as_str) == Some(value.as_ref())
    }
}

#[derive(Template)]
#[template(path = "import_mapping.html")]
struct MappingPage {
    nav: Nav,
    id: String,
    file_name: String,
    rows: usize,
    /// The first unreadable lines, and how many there are.
    unreadable: Vec<(u64, String)>,
    unreadable_total: usize,
    columns: Vec<ColumnRow>,
    fields: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

fn mapping_page(
    me: &SignedIn,
    upload: &Upload,
    mapping: &[Option<PersonColumn>],
    error: Option<String>,
) -> MappingPage {
    let recognized = default_mapping(&upload.headers);
    let columns = upload
        .headers
        .iter()
        .enumerate()
        .map(|(i, header)| ColumnRow {
            index: i,
            header: if header.is_empty() {
                format!("(column {})", i + 1)
            } else {
                header.clone()
            },
            samples: upload
                .rows
                .iter()
                .filter_map(|(_, r)| r.get(i).filter(|v| !v.is_empty()))
                .take(3)
                .map(|v| v.chars().take(40).collect::<String>())
                .collect::<Vec<_>>()
                .join(" · "),
            chosen: mapping.get(i).copied().flatten(),
            recognized: recognized.get(i).copied().flatten().is_some(),
        })
        .collect();
    MappingPage {
        nav: Nav::new(me, "import"),
        id: upload.id.clone(),
        file_name: upload.file_name.clone(),
        rows: upload.rows.len(),
        unreadable: upload.unreadable.iter().take(20).cloned().collect(),
        unreadable_total: upload.unreadable.len(),
        columns,
        fields: PersonColumn::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        error,
    }
}

async fn mapping_form(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let upload = state.imports.get(&id, me.user.id)?;
    let mapping = upload
        .mapping()
        .unwrap_or_else(|| default_mapping(&upload.headers));
    render(&mapping_page(&me, &upload, &mapping, None))
}

/// Reads `map_<index>` fields into a mapping for `width` columns; an unknown field name is
/// an error.
pub fn mapping_from_form(
    fields: &[(String, String)],
    width: usize,
) -> Result<Vec<Option<PersonColumn>>, String> {
    let mut mapping = vec![None; width];
    for (name, value) in fields {
        let Some(index) = name
            .strip_prefix("map_")
            .and_then(|i| i.parse::<usize>().ok())
        else {
            continue;
        };
        if index >= width || value.is_empty() {
            continue;
        }
        mapping[index] = Some(PersonColumn::from_name(value).ok_or_else(|| {
            format!("\"{value}\" is not a person field; choose one from the list")
        })?);
    }
    Ok(mapping)
}

async fn save_mapping(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let upload = state.imports.get(&id, me.user.id)?;
    if upload.job().is_some() {
        return Ok(Redirect::to(&format!("/import/{id}/run")).into_response());
    }
    let width = upload.headers.len();
    let checked = mapping_from_form(&fields, width).and_then(|m| check_mapping(&m).map(|()| m));
    match checked {
        Ok(mapping) => {
            *lock(&upload.mapping) = Some(mapping);
            Ok(Redirect::to(&format!("/import/{id}/preview")).into_response())
        }
        Err(message) => {
            let shown = mapping_from_form(&fields, width).unwrap_or_else(|_| vec![None; width]);
            let mut res = render(&mapping_page(&me, &upload, &shown, Some(message)))?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
    }
}

// ----- step 3: preview -----

/// One previewed row.
struct PreviewRow {
    line: u64,
    person: String,
    company: String,
    /// `matched`, `created`, `review`, `rejected`, `skipped`.
    kind: &'static str,
    outcome: String,
    detail: String,
    link: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "import_preview.html")]
struct PreviewPage {
    nav: Nav,
    id: String,
    file_name: String,
    total_rows: usize,
    mapped: Vec<(String, &'static str)>,
    ignored: Vec<String>,
    rows: Vec<PreviewRow>,
    counts: Vec<(&'static str, usize)>,
}

fn person_of(r: &PersonRecord) -> String {
    let name = [r.first_name.as_deref(), r.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    match (&r.email, name.is_empty()) {
        (Some(e), false) => format!("{name} <{e}>"),
        (Some(e), true) => e.clone(),
        (None, false) => name,
        (None, true) => "(no name, no email)".into(),
    }
}

async fn preview(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let upload = state.imports.get(&id, me.user.id)?;
    if upload.job().is_some() {
        return Ok(Redirect::to(&format!("/import/{id}/run")).into_response());
    }
    let Some(mapping) = upload.mapping().filter(|m| check_mapping(m).is_ok()) else {
        return Ok(Redirect::to(&format!("/import/{id}")).into_response());
    };
    let rows = RowIndex::new(&upload, &mapping, PREVIEW_ROWS);
    // A service of its own that plans against the store and writes nothing.
    let dry = upload.take_dry_run(&state);
    let (_, placements) = dry
        .submit_placed(&me.actor, &upload.source(), rows.items.clone())
        .await?;
    let placed: HashMap<&str, &IntakePlacement> =
        placements.iter().map(|p| (p.key.as_str(), p)).collect();
    // The names of the existing accounts and contacts rows land on, in one read.
    let accounts: Vec<AccountId> = placements
        .iter()
        .filter_map(|p| p.account_id)
        .filter(|a| a.0 < DRY_ID_FLOOR)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let contacts: Vec<ContactId> = placements
        .iter()
        .filter_map(|p| p.contact_id)
        .filter(|c| c.0 < DRY_ID_FLOOR)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let (account_entries, contact_entries) =
        state.store.match_entries(&accounts, &contacts).await?;
    let account_names: HashMap<AccountId, String> = account_entries
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let contact_names: HashMap<ContactId, String> = contact_entries
        .into_iter()
        .map(|c| {
            let name = [c.first_name, c.last_name]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            let name = if name.is_empty() {
                c.email.unwrap_or_else(|| format!("contact {}", c.id))
            } else {
                name
            };
            (c.id, name)
        })
        .collect();
    // The line that planned each stand-in account or contact of this preview.
    let mut new_account_line: HashMap<AccountId, u64> = HashMap::new();
    let mut new_contact_line: HashMap<ContactId, u64> = HashMap::new();
    let mut seen: HashMap<&str, u64> = HashMap::new();
    let mut out = Vec::new();
    for (i, item) in rows.items.iter().enumerate() {
        let mut created_contacts = Vec::new();
        let line = rows.lines[i];
        let record = &item.record;
        let mut row = PreviewRow {
            line,
            person: person_of(record),
            company: record
                .company
                .clone()
                .or(record.website.clone())
                .unwrap_or_default(),
            kind: "skipped",
            outcome: String::new(),
            detail: String::new(),
            link: None,
        };
        let first = seen.get(item.source_key.as_str()).copied();
        let placement = placed
            .get(item.source_key.as_str())
            .filter(|_| first.is_none());
        seen.entry(item.source_key.as_str()).or_insert(line);
        let Some(p) = placement else {
            row.outcome = "Skipped".into();
            row.detail = match first {
                Some(l) => format!("the same row as line {l}"),
                None => "imported from this file before".into(),
            };
            out.push(row);
            continue;
        };
        if p.account_created {
            if let Some(a) = p.account_id {
                new_account_line.insert(a, line);
            }
        }
        let account_text = |a: AccountId| -> String {
            if a.0 >= DRY_ID_FLOOR {
                match new_account_line.get(&a) {
                    Some(l) if *l != line => format!("the new account of line {l}"),
                    _ => "a new account".into(),
                }
            } else {
                account_names
                    .get(&a)
                    .cloned()
                    .unwrap_or_else(|| format!("account {a}"))
            }
        };
        match p.outcome {
            IntakeOutcome::Matched => {
                row.kind = "matched";
                row.outcome = "Matched contact".into();
                let c = p.contact_id.unwrap_or(ContactId(0));
                let who = if c.0 >= DRY_ID_FLOOR {
                    match new_contact_line.get(&c) {
                        Some(l) => format!("the new contact of line {l}"),
                        None => "a contact new in this file".into(),
                    }
                } else {
                    row.link = Some((
                        format!("/contacts/{c}"),
                        contact_names
                            .get(&c)
                            .cloned()
                            .unwrap_or_else(|| format!("contact {c}")),
                    ));
                    "existing contact".into()
                };
                row.detail = match p.account_id {
                    Some(a) => format!("merged into {who} at {}", account_text(a)),
                    None => format!("merged into {who}"),
                };
            }
            IntakeOutcome::Created => {
                row.kind = "created";
                if let Some(c) = p.contact_id {
                    created_contacts.push((c, line));
                }
                match p.account_id {
                    Some(_) if p.account_created => {
                        row.outcome = "New contact, new account".into();
                        row.detail = format!(
                            "a new account is made for {}",
                            if row.company.is_empty() {
                                "the email's domain"
                            } else {
                                &row.company
                            }
                        );
                    }
                    Some(a) => {
                        row.outcome = "New contact".into();
                        row.detail = format!("at {}", account_text(a));
                        if a.0 < DRY_ID_FLOOR {
                            row.link = Some((format!("/accounts/{a}"), account_text(a)));
                        }
                    }
                    None => row.outcome = "New contact".into(),
                }
            }
            IntakeOutcome::NeedsReview => {
                row.kind = "review";
                row.outcome = "Review".into();
                row.detail = format!(
                    "no account is certain (rule {}, confidence {:.2}); a person chooses in the review queue",
                    p.rule, p.confidence
                );
            }
            IntakeOutcome::Rejected => {
                row.kind = "rejected";
                row.outcome = "Rejected".into();
                row.detail = rejection_reason(&p.rule, record);
            }
        }
        new_contact_line.extend(created_contacts);
        out.push(row);
    }
    let counts = ["created", "matched", "review", "rejected", "skipped"]
        .into_iter()
        .map(|k| (k, out.iter().filter(|r| r.kind == k).count()))
        .collect();
    let mapped = upload
        .headers
        .iter()
        .zip(&mapping)
        .filter_map(|(h, c)| c.map(|c| (h.clone(), c.label())))
        .collect();
    let ignored = upload
        .headers
        .iter()
        .zip(&mapping)
        .filter(|(_, c)| c.is_none())
        .map(|(h, _)| h.clone())
        .collect();
    let page = render(&PreviewPage {
        nav: Nav::new(&me, "import"),
        id: upload.id.clone(),
        file_name: upload.file_name.clone(),
        total_rows: upload.rows.len(),
        mapped,
        ignored,
        rows: out,
        counts,
    });
    upload.prepare_dry_run(&state);
    page
}

// ----- step 4: run, progress and summary -----

async fn run(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let upload = state.imports.get(&id, me.user.id)?;
    let Some(mapping) = upload.mapping().filter(|m| check_mapping(m).is_ok()) else {
        return Ok(Redirect::to(&format!("/import/{id}")).into_response());
    };
    let mut slot = lock(&upload.job);
    if slot.is_none() {
        let rows = RowIndex::new(&upload, &mapping, usize::MAX);
        let job = Arc::new(Job {
            total: rows.items.len(),
            state: Mutex::new(JobState::default()),
        });
        *slot = Some(job.clone());
        tokio::spawn(run_job(
            state.clone(),
            me.actor.clone(),
            upload.source(),
            rows,
            job,
        ));
    }
    drop(slot);
    Ok(Redirect::to(&format!("/import/{id}/run")).into_response())
}

/// What the progress fragment and the summary show.
struct JobView {
    id: String,
    total: usize,
    state: JobState,
    /// The first unreadable lines, and how many there are.
    unreadable: Vec<(u64, String)>,
    unreadable_total: usize,
}

impl JobView {
    fn percent(&self) -> u32 {
        percent(self.state.processed, self.total)
    }

    fn more_rejected(&self) -> usize {
        self.state
            .report
            .rejected
            .saturating_sub(self.state.rejected.len())
    }

    fn seconds(&self) -> String {
        format!("{:.1}", self.state.seconds)
    }
}

#[derive(Template)]
#[template(path = "import_run.html")]
struct RunPage {
    nav: Nav,
    file_name: String,
    view: JobView,
}

#[derive(Template)]
#[template(path = "import_progress.html")]
struct ProgressFragment {
    view: JobView,
}

fn job_view(upload: &Upload) -> Option<JobView> {
    let job = upload.job()?;
    Some(JobView {
        id: upload.id.clone(),
        total: job.total,
        state: job.snapshot(),
        unreadable: upload
            .unreadable
            .iter()
            .take(LIST_REJECTED)
            .cloned()
            .collect(),
        unreadable_total: upload.unreadable.len(),
    })
}

async fn run_page(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let upload = state.imports.get(&id, me.user.id)?;
    let Some(view) = job_view(&upload) else {
        return Ok(Redirect::to(&format!("/import/{id}/preview")).into_response());
    };
    render(&RunPage {
        nav: Nav::new(&me, "import"),
        file_name: upload.file_name.clone(),
        view,
    })
}

async fn progress(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let upload = state.imports.get(&id, me.user.id)?;
    let Some(view) = job_view(&upload) else {
        return Err(WebError::NotFound(format!(
            "the import {id} has not been started; run it from its preview"
        )));
    };
    let html = ProgressFragment { view }
        .render()
        .map_err(|e| WebError::Internal(format!("the progress could not be rendered: {e}")))?;
    Ok(Html(html).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delimiter_is_the_commonest_separator_of_the_header() {
        assert_eq!(sniff_delimiter("a,b,c\n1;2,3"), b',');
        assert_eq!(sniff_delimiter("Vorname;Nachname;E-Mail\n"), b';');
        assert_eq!(sniff_delimiter("first\tlast\n"), b'\t');
        assert_eq!(sniff_delimiter("\"Last, First\";Email\n"), b';');
        assert_eq!(sniff_delimiter("email\n"), b',');
    }

    #[test]
    fn a_csv_is_read_with_its_lines_and_bad_rows_set_aside() {
        let file = b"\xEF\xBB\xBFFirst Name,Email\r\nAda,ada@example.com\r\n\r\nBob\r\n\"Lovelace, A\",x@y.z\r\n";
        let p = parse_csv(file).unwrap();
        assert_eq!(p.headers, ["First Name", "Email"]);
        assert_eq!(
            p.rows,
            [
                (2, vec!["Ada".to_string(), "ada@example.com".to_string()]),
                (5, vec!["Lovelace, A".to_string(), "x@y.z".to_string()])
            ]
        );
        assert_eq!(p.unreadable.len(), 1);
        assert_eq!(p.unreadable[0].0, 4);
        assert!(p.unreadable[0].1.contains("has 1 fields, the header has 2"));
    }

    #[test]
    fn files_that_are_not_csv_are_refused_with_why() {
        assert!(parse_csv(b"").unwrap_err().contains("empty"));
        assert!(parse_csv(b"PK\x03\x04rest")
            .unwrap_err()
            .contains("workbook"));
        assert!(parse_csv(b"a,b\n\xff\xfe,1\n")
            .unwrap_err()
            .contains("not UTF-8"));
        assert!(parse_csv(b"a\0b").unwrap_err().contains("not text"));
        assert!(parse_csv(b"email\n").unwrap_err().contains("no rows"));
    }

    #[test]
    fn the_mapping_needs_an_email_or_a_name_column() {
        use PersonColumn::*;
        let headers: Vec<String> = [
            "Lead ID",
            "Company / Account",
            "Lead Source",
            "Email Address",
        ]
        .map(String::from)
        .to_vec();
        let m = default_mapping(&headers);
        assert_eq!(m, [Some(Key), Some(Company), None, Some(Email)]);
        assert!(check_mapping(&m).is_ok());
        assert!(check_mapping(&[Some(Company), None])
            .unwrap_err()
            .contains("Email, First name"));
        let form = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            mapping_from_form(
                &form(&[
                    ("csrf", "t"),
                    ("map_0", "full_name"),
                    ("map_1", ""),
                    ("map_9", "email")
                ]),
                2
            ),
            Ok(vec![Some(FullName), None])
        );
        assert!(mapping_from_form(&form(&[("map_0", "zip")]), 1).is_err());
    }

    #[test]
    fn a_row_becomes_a_keyed_record() {
        use PersonColumn::*;
        let row: Vec<String> = ["00Q1", "Ada Lovelace", "ADA@example.com"]
            .map(String::from)
            .to_vec();
        let item = item_of(&row, &[Some(Key), Some(FullName), Some(Email)]);
        assert_eq!(item.source_key, "00Q1");
        assert_eq!(item.record.last_name.as_deref(), Some("Lovelace"));
        let unkeyed = item_of(&row, &[None, Some(FullName), Some(Email)]);
        assert!(unkeyed.source_key.starts_with("sha256:"));
    }

    #[test]
    fn rejections_say_what_to_fix() {
        let mut r = PersonRecord::default();
        assert!(rejection_reason("no_identity", &r).contains("no name and no email"));
        r.email = Some("not-an-email".into());
        let why = rejection_reason("no_identity", &r);
        assert!(why.contains("\"not-an-email\" is not valid"), "{why}");
        r.first_name = Some("x".repeat(500));
        assert!(rejection_reason("invalid", &r).contains("cannot be a contact"));
    }

    #[test]
    fn progress_is_a_whole_percent_that_never_passes_100() {
        assert_eq!(percent(0, 200), 0);
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(199, 200), 99);
        assert_eq!(percent(200, 200), 100);
        assert_eq!(percent(250, 200), 100);
        assert_eq!(percent(0, 0), 100);
    }
}
