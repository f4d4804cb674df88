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

mod jobs;
mod rows;
mod table;

use super::{render, Nav, SignedIn, WebError};
use crate::AppState;
use abcrm_core::intake::columns::PersonColumn;
use abcrm_core::matching::PersonRecord;
use abcrm_core::model::{
    CampaignResponse, ContactStatus, IntakeOutcome, MemberStatus, PersonContext,
};
use abcrm_core::{AccountId, CampaignId, ContactId};
use abcrm_store::IntakePlacement;
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
pub use jobs::Imports;
use jobs::*;
use rows::*;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use table::Table;

/// The largest file accepted.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// The upload request may carry the file and a little multipart framing.
const UPLOAD_BODY_LIMIT: usize = MAX_FILE_BYTES + 64 * 1024;
/// Where the upload form posts (the one request with a longer deadline).
pub const UPLOAD_PATH: &str = "/import";
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
            UPLOAD_PATH,
            get(upload_form)
                .post(upload)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/import/{id}", get(mapping_form).post(save_mapping))
        .route("/import/{id}/preview", get(preview))
        .route("/import/{id}/run", get(run_page).post(run))
        .route("/import/{id}/progress", get(progress))
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
    // Rows go straight into a packed table: a `String` per cell made 5 MB of tiny cells 220 MB.
    let mut rows = None::<Table>;
    let read = read_csv(&bytes, |line, record| {
        rows.get_or_insert_with(|| Table::new(record.len()))
            .push(line, record.iter());
    });
    drop(bytes);
    let shape = match read {
        Ok(shape) => shape,
        Err(message) => {
            return upload_refused(
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{file_name}: {message}"),
            )
        }
    };
    let mut rows = rows.unwrap_or_else(|| Table::new(shape.headers.len()));
    rows.shrink_to_fit();
    let mapping = default_mapping(&shape.headers);
    let upload = Upload {
        id: super::session::random_secret(24),
        owner: me.user.id,
        file_name,
        created: Instant::now(),
        encoding: shape.encoding,
        headers: shape.headers,
        rows,
        unreadable: shape.unreadable,
        mapping: Mutex::new(Some(mapping)),
        person: Mutex::new(list_people()),
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
    /// The file's encoding, when it is not UTF-8 (said on the page, for a person to check).
    legacy_encoding: Option<&'static str>,
    columns: Vec<ColumnRow>,
    fields: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    /// What becomes of the people: the status of new contacts, and the campaign answered.
    person: PersonChoices,
}

/// The choices of what becomes of a file's people, as the mapping form shows them.
struct PersonChoices {
    /// (value, label, selected)
    statuses: Vec<(&'static str, &'static str, bool)>,
    /// (id, name, selected); the first campaigns by id.
    campaigns: Vec<(i64, String, bool)>,
    responses: Vec<(&'static str, bool)>,
}

/// Campaigns the mapping form lists; a file for an older one goes through the API or CLI.
const LISTED_CAMPAIGNS: u32 = 200;

impl PersonChoices {
    async fn new(state: &AppState, chosen: &PersonContext) -> Result<PersonChoices, WebError> {
        let campaign = chosen.response.map(|r| r.campaign_id);
        let response = chosen
            .response
            .map_or(MemberStatus::Responded, |r| r.status);
        let campaigns = state
            .store
            .list_campaigns(abcrm_store::PageRequest {
                after: None,
                limit: LISTED_CAMPAIGNS,
            })
            .await?
            .items
            .into_iter()
            .map(|c| (c.id.0, c.name, Some(c.id) == campaign))
            .collect();
        Ok(PersonChoices {
            statuses: [
                (
                    ContactStatus::Nurture,
                    "Nurture: a list of people who did not ask (the default)",
                ),
                (
                    ContactStatus::Active,
                    "Active: people who asked to hear from you",
                ),
            ]
            .into_iter()
            .map(|(s, label)| (s.as_str(), label, chosen.status == Some(s)))
            .collect(),
            campaigns,
            responses: RESPONSES
                .iter()
                .map(|r| (r.as_str(), *r == response))
                .collect(),
        })
    }
}

/// The campaign statuses a file's people can have answered with (a send is not an answer).
const RESPONSES: [MemberStatus; 3] = [
    MemberStatus::Responded,
    MemberStatus::Registered,
    MemberStatus::Attended,
];

/// The choice itself, or why its campaign cannot be chosen (deleted since the form was shown).
async fn known_campaign(
    state: &AppState,
    person: PersonContext,
) -> Result<Result<PersonContext, String>, WebError> {
    let Some(r) = person.response else {
        return Ok(Ok(person));
    };
    match state.store.get_campaign(r.campaign_id).await {
        Ok(_) => Ok(Ok(person)),
        Err(abcrm_store::StoreError::NotFound { .. }) => Ok(Err(format!(
            "campaign: campaign {} no longer exists; choose another",
            r.campaign_id
        ))),
        Err(e) => Err(e.into()),
    }
}

/// What the mapping form says becomes of the people, or what is wrong with it.
fn person_from_form(fields: &[(String, String)]) -> Result<PersonContext, String> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let status = match field("status") {
        None => ContactStatus::Nurture,
        Some(s) => s
            .parse::<ContactStatus>()
            .map_err(|e| format!("status: {e}"))?,
    };
    let response = match field("campaign") {
        None => None,
        Some(c) => {
            let id: i64 = c.parse().map_err(|_| {
                format!("campaign: \"{c}\" is not a campaign; choose one from the list")
            })?;
            let status = match field("response") {
                None => MemberStatus::Responded,
                Some(r) => r
                    .parse::<MemberStatus>()
                    .ok()
                    .filter(|r| RESPONSES.contains(r))
                    .ok_or_else(|| format!("response: \"{r}\" is not an answer to a campaign; choose responded, registered or attended"))?,
            };
            Some(CampaignResponse {
                campaign_id: CampaignId(id),
                status,
            })
        }
    };
    Ok(PersonContext {
        status: Some(status),
        response,
        ..PersonContext::default()
    })
}

fn mapping_page(
    me: &SignedIn,
    upload: &Upload,
    mapping: &[Option<PersonColumn>],
    person: PersonChoices,
    error: Option<String>,
) -> MappingPage {
    let recognized = default_mapping(&upload.headers);
    let mut samples = column_samples(&upload.rows, upload.headers.len());
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
            samples: std::mem::take(&mut samples[i]).join(" · "),
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
        legacy_encoding: (upload.encoding != "UTF-8").then_some(upload.encoding),
        columns,
        fields: PersonColumn::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        error,
        person,
    }
}

/// The first three values of each column that are not empty (40 characters of each), read in
/// one pass over the rows.
fn column_samples(rows: &Table, width: usize) -> Vec<Vec<String>> {
    let mut samples = vec![Vec::new(); width];
    let mut wanting = width;
    for (_, row) in rows.rows() {
        for (i, value) in row.iter().enumerate() {
            let kept = &mut samples[i];
            if kept.len() < 3 && !value.is_empty() {
                kept.push(value.chars().take(40).collect());
                if kept.len() == 3 {
                    wanting -= 1;
                }
            }
        }
        if wanting == 0 {
            break;
        }
    }
    samples
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
    let person = PersonChoices::new(&state, &upload.person()).await?;
    render(&mapping_page(&me, &upload, &mapping, person, None))
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
    let person = match person_from_form(&fields) {
        Ok(p) => known_campaign(&state, p).await?,
        Err(e) => Err(e),
    };
    let checked = mapping_from_form(&fields, width)
        .and_then(|m| check_mapping(&m).map(|()| m))
        .and_then(|m| person.clone().map(|p| (m, p)));
    match checked {
        Ok((mapping, person)) => {
            *lock(&upload.mapping) = Some(mapping);
            *lock(&upload.person) = person;
            Ok(Redirect::to(&format!("/import/{id}/preview")).into_response())
        }
        Err(message) => {
            let shown = mapping_from_form(&fields, width).unwrap_or_else(|_| vec![None; width]);
            let choices =
                PersonChoices::new(&state, &person.unwrap_or_else(|_| upload.person())).await?;
            let mut res = render(&mapping_page(&me, &upload, &shown, choices, Some(message)))?;
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
    let rows = RowIndex::new(
        upload.rows.rows().take(PREVIEW_ROWS),
        &mapping,
        &upload.person(),
    );
    // A service of its own that plans against the store and writes nothing.
    let dry = upload.take_dry_run(&state).await?;
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
        let job = Arc::new(Job {
            total: upload.rows.len(),
            state: Mutex::new(JobState::default()),
        });
        *slot = Some(job.clone());
        tokio::spawn(run_job(
            state.clone(),
            me.actor.clone(),
            upload.clone(),
            mapping,
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
