//! What the import keeps between its steps (the uploads, in this process's memory) and the
//! background run that feeds an upload's rows to the intake service.

use super::*;
use crate::AppState;
use abcrm_core::intake::columns::PersonColumn;
use abcrm_core::intake::IntakeItem;
use abcrm_core::matching::{MatchConfig, PersonRecord};
use abcrm_core::model::{Actor, ContactStatus, IntakeOutcome, PersonContext};
use abcrm_core::UserId;
use abcrm_store::intake::{Intake, IntakeBatchResult, IntakeReport};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// Uploaded files between the steps of an import, in memory, keyed by a random id.
///
/// Kept in [`AppState`] rather than a `static`, so each server (and each test server) has its
/// own and it goes with the application. Each person has a few places ([`Limits::uploads_per_user`]),
/// and all uploads together a number of bytes ([`Limits::upload_bytes`]); each is kept for
/// [`UPLOAD_TTL`]. A new upload makes room only by dropping its owner's own idle ones, never
/// another person's, and is refused with the limit it met when that is not enough; a running
/// import is never dropped.
///
/// [`Limits::uploads_per_user`]: crate::Limits::uploads_per_user
/// [`Limits::upload_bytes`]: crate::Limits::upload_bytes
pub struct Imports {
    pub(super) uploads: Mutex<HashMap<String, Arc<Upload>>>,
    per_user: usize,
    total_bytes: usize,
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
    /// The readable rows with their line numbers, in file order, packed.
    pub(super) rows: Table,
    /// Lines that could not be read, and why.
    pub(super) unreadable: Vec<(u64, String)>,
    /// The mapping chosen in step 2: a field (or nothing) per column.
    pub(super) mapping: Mutex<Option<Vec<Option<PersonColumn>>>>,
    /// What becomes of the file's people, chosen with the mapping: their status (`nurture`
    /// unless said: a list is not a raised hand) and the campaign they answered.
    pub(super) person: Mutex<PersonContext>,
    pub(super) job: Mutex<Option<Arc<Job>>>,
    /// The dry-run intake service the next preview plans with, built (and its match index
    /// read) in the background while the person looks at the page before, so a preview does
    /// not wait for the index. Each preview uses one and starts the next: a dry run remembers
    /// what it pretended to create, and one preview must not see another's.
    pub(super) dry: Mutex<Option<Arc<Intake>>>,
}

/// What becomes of an uploaded file's people until the mapping form says otherwise: contacts
/// in nurture, answering no campaign. A list is not a raised hand.
pub(super) fn list_people() -> PersonContext {
    PersonContext {
        status: Some(ContactStatus::Nurture),
        ..PersonContext::default()
    }
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Upload {
    /// The memory this upload holds, counted against [`Imports`]' total.
    pub(super) fn stored_bytes(&self) -> usize {
        self.rows.stored_bytes()
            + self.headers.iter().map(|h| h.len() + 24).sum::<usize>()
            + self
                .unreadable
                .iter()
                .map(|(_, why)| why.len() + 32)
                .sum::<usize>()
            + self.file_name.len()
            + std::mem::size_of::<Upload>()
    }

    pub(super) fn source(&self) -> String {
        format!("import:{}", self.file_name)
    }

    pub(super) fn mapping(&self) -> Option<Vec<Option<PersonColumn>>> {
        lock(&self.mapping).clone()
    }

    pub(super) fn person(&self) -> PersonContext {
        lock(&self.person).clone()
    }

    pub(super) fn job(&self) -> Option<Arc<Job>> {
        lock(&self.job).clone()
    }

    pub(super) fn running(&self) -> bool {
        self.job().is_some_and(|j| !j.snapshot().finished)
    }

    /// Starts making the dry-run service of the next preview: a copy of the live service's
    /// match index, so a preview plans against every record without reading them all again.
    pub(super) fn prepare_dry_run(&self, state: &AppState) {
        let intake = Arc::new(Intake::dry_run(state.store.clone(), MatchConfig::default()));
        *lock(&self.dry) = Some(intake.clone());
        let live = state.intake.clone();
        tokio::spawn(async move {
            if let Err(e) = intake.seed_from(&live).await {
                tracing::warn!(error = %e, "could not copy the match index for an import preview");
            }
        });
    }

    /// The dry-run service prepared for this preview (or a new one), seeded from the live one.
    pub(super) async fn take_dry_run(
        &self,
        state: &AppState,
    ) -> Result<Arc<Intake>, abcrm_store::StoreError> {
        let dry = lock(&self.dry).take().unwrap_or_else(|| {
            Arc::new(Intake::dry_run(state.store.clone(), MatchConfig::default()))
        });
        dry.seed_from(&state.intake).await?;
        Ok(dry)
    }
}

impl Imports {
    /// No uploads yet; at most `per_user` a person and `total_bytes` of them in all.
    pub fn new(per_user: usize, total_bytes: usize) -> Imports {
        Imports {
            uploads: Mutex::default(),
            per_user: per_user.max(1),
            total_bytes,
        }
    }

    /// Keeps an upload, making room by dropping expired uploads and then its owner's own
    /// oldest idle ones; or why there is no room, naming the limit.
    pub(super) fn insert(&self, upload: Upload) -> Result<Arc<Upload>, String> {
        let mut uploads = lock(&self.uploads);
        uploads.retain(|_, u| u.created.elapsed() < UPLOAD_TTL || u.running());
        let size = upload.stored_bytes();
        let owner = upload.owner;
        let mut mine: Vec<Arc<Upload>> = uploads
            .values()
            .filter(|u| u.owner == owner)
            .cloned()
            .collect();
        let kept_by_others: usize = uploads
            .values()
            .filter(|u| u.owner != owner)
            .map(|u| u.stored_bytes())
            .sum();
        let running_mine: usize = mine
            .iter()
            .filter(|u| u.running())
            .map(|u| u.stored_bytes())
            .sum();
        if kept_by_others + running_mine + size > self.total_bytes {
            return Err(format!(
                "the server already keeps {} of uploaded files waiting to be imported, the most \
                 it keeps for everyone together; try again when other imports have finished \
                 (uploads are dropped after {} hours), or import the file with `abcrm import`",
                size_text(self.total_bytes),
                UPLOAD_TTL.as_secs() / 3600
            ));
        }
        // Oldest first: the one its owner has most likely left.
        mine.sort_by_key(|u| u.created);
        let mut idle = mine.iter().filter(|u| !u.running());
        let mut count = mine.len();
        let mut mine_bytes: usize = mine.iter().map(|u| u.stored_bytes()).sum();
        while count >= self.per_user || kept_by_others + mine_bytes + size > self.total_bytes {
            let Some(oldest) = idle.next() else {
                return Err(format!(
                    "{} imports of yours are running, the most one person may have at once; \
                     wait for one to finish and upload again",
                    self.per_user
                ));
            };
            uploads.remove(&oldest.id);
            count -= 1;
            mine_bytes -= oldest.stored_bytes();
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

    /// Counts batches the intake service answered: one answer per batch pushed, in order, so
    /// each comes with the first of the batches still waiting in `pending`.
    pub(super) fn record(&self, done: Vec<IntakeBatchResult>, pending: &mut VecDeque<RowIndex>) {
        let mut st = lock(&self.state);
        for (report, placements) in done {
            let rows = pending.pop_front();
            st.processed += report.taken + report.already_taken;
            st.report.add(&report);
            for p in placements
                .iter()
                .filter(|p| p.outcome == IntakeOutcome::Rejected)
            {
                if st.rejected.len() >= LIST_REJECTED {
                    break;
                }
                if let Some((line, record)) = rows.as_ref().and_then(|r| r.get(&p.key)) {
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
    /// The records of `rows` under `mapping`.
    pub(super) fn new<'a>(
        rows: impl Iterator<Item = (u64, Vec<&'a str>)>,
        mapping: &[Option<PersonColumn>],
        person: &PersonContext,
    ) -> RowIndex {
        let mut items = Vec::new();
        let mut lines = Vec::new();
        let mut by_key = HashMap::new();
        for (line, row) in rows {
            let item = item_of(&row, mapping, person);
            by_key.entry(item.source_key.clone()).or_insert(items.len());
            items.push(item);
            lines.push(line);
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

/// Gives every row of `upload` to the process's intake service, a batch at a time: only the
/// batches being planned and written are ever records in memory, not the whole file.
pub(super) async fn run_job(
    state: AppState,
    actor: Actor,
    upload: Arc<Upload>,
    mapping: Vec<Option<PersonColumn>>,
    job: Arc<Job>,
) {
    let started = Instant::now();
    let source = upload.source();
    let result: abcrm_store::Result<()> = async {
        let intake = state.intake.clone();
        let mut stream = intake.stream(&actor, &source).await?;
        let mut rows = upload.rows.rows();
        let mut pending = VecDeque::new();
        let person = upload.person();
        loop {
            let batch = RowIndex::new(rows.by_ref().take(BATCH), &mapping, &person);
            if batch.items.is_empty() {
                break;
            }
            let items = batch.items.clone();
            pending.push_back(batch);
            let done = stream.push(items).await?;
            job.record(done, &mut pending);
        }
        let done = stream.finish().await?;
        job.record(done, &mut pending);
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

/// A size for a person: whole megabytes, or kilobytes below one.
fn size_text(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MB", bytes / (1024 * 1024))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(owner: i64, rows: usize) -> Upload {
        let mut table = Table::new(1);
        for i in 0..rows {
            table.push(i as u64 + 2, [format!("p{i}@example.com").as_str()]);
        }
        Upload {
            id: crate::web::session::random_secret(24),
            owner: UserId(owner),
            file_name: "people.csv".into(),
            created: Instant::now(),
            encoding: "UTF-8",
            headers: vec!["email".into()],
            rows: table,
            unreadable: Vec::new(),
            mapping: Mutex::new(None),
            person: Mutex::new(list_people()),
            job: Mutex::new(None),
            dry: Mutex::new(None),
        }
    }

    fn start(upload: &Upload) {
        *lock(&upload.job) = Some(Arc::new(Job {
            total: upload.rows.len(),
            state: Mutex::new(JobState::default()),
        }));
    }

    #[test]
    fn a_person_with_every_place_running_is_refused_naming_the_limit() {
        let imports = Imports::new(2, usize::MAX);
        for _ in 0..2 {
            start(&imports.insert(upload(1, 3)).unwrap());
        }
        let refused = imports.insert(upload(1, 3)).err().unwrap();
        assert!(
            refused.contains("2 imports of yours are running"),
            "{refused}"
        );
        assert!(
            imports.insert(upload(2, 3)).is_ok(),
            "another person has places of their own"
        );
    }

    #[test]
    fn a_new_upload_makes_room_only_from_its_owners_idle_uploads() {
        let imports = Imports::new(2, usize::MAX);
        let kept = imports.insert(upload(1, 3)).unwrap();
        for _ in 0..5 {
            imports.insert(upload(2, 3)).unwrap();
        }
        assert!(imports.get(&kept.id, UserId(1)).is_ok());
        let theirs = lock(&imports.uploads)
            .values()
            .filter(|u| u.owner == UserId(2))
            .count();
        assert_eq!(theirs, 2);
    }
}
