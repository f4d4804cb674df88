//! What the import keeps between its steps (the uploads, in this process's memory) and the
//! background run that feeds an upload's rows to the intake service.

use super::*;
use crate::AppState;
use abcrm_core::intake::columns::PersonColumn;
use abcrm_core::intake::IntakeItem;
use abcrm_core::matching::{MatchConfig, PersonRecord};
use abcrm_core::model::{Actor, IntakeOutcome};
use abcrm_core::UserId;
use abcrm_store::intake::{Intake, IntakeBatchResult, IntakeReport};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// Uploaded files between the steps of an import, in memory, keyed by a random id.
///
/// Kept in [`AppState`] rather than a `static`, so each server (and each test server) has its
/// own and it goes with the application. At most [`MAX_UPLOADS`] are kept, each for
/// [`UPLOAD_TTL`]; a running import is never dropped.
#[derive(Default)]
pub struct Imports {
    pub(super) uploads: Mutex<HashMap<String, Arc<Upload>>>,
}

/// One uploaded file, read into rows.
pub struct Upload {
    pub(super) id: String,
    pub(super) owner: UserId,
    pub(super) file_name: String,
    pub(super) created: Instant,
    /// What the file was read as (`UTF-8`, `windows-1252`, ...).
    pub(super) encoding: &'static str,
    pub(super) headers: Vec<String>,
    /// The readable rows with their line numbers, in file order.
    pub(super) rows: Vec<(u64, Vec<String>)>,
    /// Lines that could not be read, and why.
    pub(super) unreadable: Vec<(u64, String)>,
    /// The mapping chosen in step 2: a field (or nothing) per column.
    pub(super) mapping: Mutex<Option<Vec<Option<PersonColumn>>>>,
    pub(super) job: Mutex<Option<Arc<Job>>>,
    /// The dry-run intake service the next preview plans with, built (and its match index
    /// read) in the background while the person looks at the page before, so a preview does
    /// not wait for the index. Each preview uses one and starts the next: a dry run remembers
    /// what it pretended to create, and one preview must not see another's.
    pub(super) dry: Mutex<Option<Arc<Intake>>>,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Upload {
    pub(super) fn source(&self) -> String {
        format!("import:{}", self.file_name)
    }

    pub(super) fn mapping(&self) -> Option<Vec<Option<PersonColumn>>> {
        lock(&self.mapping).clone()
    }

    pub(super) fn job(&self) -> Option<Arc<Job>> {
        lock(&self.job).clone()
    }

    pub(super) fn running(&self) -> bool {
        self.job().is_some_and(|j| !j.snapshot().finished)
    }

    /// Starts building the dry-run service of the next preview.
    pub(super) fn prepare_dry_run(&self, state: &AppState) {
        let intake = Arc::new(Intake::dry_run(state.store.clone(), MatchConfig::default()));
        *lock(&self.dry) = Some(intake.clone());
        tokio::spawn(async move {
            if let Err(e) = intake.warm().await {
                tracing::warn!(error = %e, "could not read the match index for an import preview");
            }
        });
    }

    /// The dry-run service prepared for this preview (or a new one).
    pub(super) fn take_dry_run(&self, state: &AppState) -> Arc<Intake> {
        lock(&self.dry).take().unwrap_or_else(|| {
            Arc::new(Intake::dry_run(state.store.clone(), MatchConfig::default()))
        })
    }
}

impl Imports {
    /// Keeps an upload, making room by dropping expired and then the oldest idle ones.
    pub(super) fn insert(&self, upload: Upload) -> Result<Arc<Upload>, String> {
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
    pub(super) fn get(&self, id: &str, owner: UserId) -> Result<Arc<Upload>, WebError> {
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

/// An import running (or run) in the background.
pub struct Job {
    pub(super) total: usize,
    pub(super) state: Mutex<JobState>,
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
    pub(super) fn snapshot(&self) -> JobState {
        lock(&self.state).clone()
    }

    /// Counts batches the intake service answered.
    pub(super) fn record(&self, done: Vec<IntakeBatchResult>, rows: &RowIndex) {
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
pub(super) struct RowIndex {
    pub(super) items: Vec<IntakeItem>,
    pub(super) lines: Vec<u64>,
    pub(super) by_key: HashMap<String, usize>,
}

impl RowIndex {
    pub(super) fn new(upload: &Upload, mapping: &[Option<PersonColumn>], limit: usize) -> RowIndex {
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

    pub(super) fn get(&self, key: &str) -> Option<(u64, &PersonRecord)> {
        self.by_key
            .get(key)
            .map(|&i| (self.lines[i], &self.items[i].record))
    }
}

pub(super) async fn run_job(
    state: AppState,
    actor: Actor,
    source: String,
    rows: RowIndex,
    job: Arc<Job>,
) {
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
