//! Tasks: something someone has to do about an account, a contact or an opportunity, by a day.

use super::MAX_NAME;
use crate::ids::{AccountId, ContactId, OpportunityId, TaskId, UserId};
use crate::patch::Patch;
use crate::validation::{check_len, clean, require_text, ValidationErrors};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The longest note a task keeps, in characters.
pub const MAX_TASK_NOTES: usize = 10_000;
/// Due dates a task may have: what both databases store and a person could mean.
pub const TASK_YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

/// A task on a record. It always carries the account its record belongs to, so an account's
/// page lists every task about it and its people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Task {
    pub id: TaskId,
    pub title: String,
    pub notes: Option<String>,
    pub due_on: Option<NaiveDate>,
    /// Who has to do it; nobody yet when empty.
    pub assignee_id: Option<UserId>,
    pub account_id: AccountId,
    pub contact_id: Option<ContactId>,
    pub opportunity_id: Option<OpportunityId>,
    /// When it was marked done; open while empty.
    pub done_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Task {
    /// Whether the task is still to do and its day has passed.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.done_at.is_none() && self.due_on.is_some_and(|d| d < today)
    }
}

/// The fields of a new task. Give the record it is about: an opportunity, a contact or an
/// account (when more than one, they must agree).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
    #[serde(default)]
    pub assignee_id: Option<UserId>,
    #[serde(default)]
    pub account_id: Option<AccountId>,
    #[serde(default)]
    pub contact_id: Option<ContactId>,
    #[serde(default)]
    pub opportunity_id: Option<OpportunityId>,
}

fn check_due(errors: &mut ValidationErrors, due: Option<NaiveDate>) {
    if let Some(d) = due {
        if !TASK_YEARS.contains(&d.year()) {
            errors.push(
                "due_on",
                format!(
                    "{d} is not a day a task can be due; give one between {}-01-01 and {}-12-31",
                    TASK_YEARS.start(),
                    TASK_YEARS.end()
                ),
            );
        }
    }
}

impl NewTask {
    /// Checks the title, notes, due day, and that the task is about some record.
    pub fn validate(self) -> Result<NewTask, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        require_text(&mut errors, "title", &self.title, MAX_NAME);
        let notes = clean(self.notes);
        if let Some(n) = &notes {
            check_len(&mut errors, "notes", n, MAX_TASK_NOTES);
        }
        check_due(&mut errors, self.due_on);
        if self.account_id.is_none() && self.contact_id.is_none() && self.opportunity_id.is_none() {
            errors.push(
                "account_id",
                "a task is about a record: give an account_id, a contact_id or an opportunity_id",
            );
        }
        errors.into_result().map(|()| NewTask {
            title: self.title.trim().to_string(),
            notes,
            ..self
        })
    }
}

/// A partial update of a task. Its record does not change; `done` marks it done or open again.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TaskPatch {
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = r"\S")]
    pub title: Patch<String>,
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub notes: Patch<String>,
    #[schema(value_type = Option<NaiveDate>)]
    pub due_on: Patch<NaiveDate>,
    #[schema(value_type = Option<i64>)]
    pub assignee_id: Patch<UserId>,
    #[schema(value_type = bool)]
    pub done: Patch<bool>,
}

impl TaskPatch {
    /// Applies the patch to `current` at `now` and validates the result.
    pub fn apply(self, current: &Task, now: DateTime<Utc>) -> Result<Task, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut next = current.clone();
        match self.title {
            Patch::Set(t) => {
                require_text(&mut errors, "title", &t, MAX_NAME);
                next.title = t.trim().to_string();
            }
            Patch::Clear => errors.push("title", "cannot be cleared"),
            Patch::Keep => {}
        }
        next.notes = clean(self.notes.apply(next.notes));
        if let Some(n) = &next.notes {
            check_len(&mut errors, "notes", n, MAX_TASK_NOTES);
        }
        next.due_on = self.due_on.apply(next.due_on);
        check_due(&mut errors, next.due_on);
        next.assignee_id = self.assignee_id.apply(next.assignee_id);
        match self.done {
            // Done twice keeps the first time it was done.
            Patch::Set(true) => next.done_at = next.done_at.or(Some(now)),
            Patch::Set(false) => next.done_at = None,
            Patch::Clear => errors.push("done", "is true or false"),
            Patch::Keep => {}
        }
        errors.into_result().map(|()| next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(title: &str) -> NewTask {
        NewTask {
            title: title.into(),
            notes: None,
            due_on: None,
            assignee_id: None,
            account_id: Some(AccountId(1)),
            contact_id: None,
            opportunity_id: None,
        }
    }

    #[test]
    fn a_task_needs_a_title_a_record_and_a_sensible_day() {
        assert_eq!(new("  Call back  ").validate().unwrap().title, "Call back");
        let e = new(" ").validate().unwrap_err();
        assert_eq!(e.0[0].field, "title");
        let mut t = new("Call");
        t.account_id = None;
        assert_eq!(t.validate().unwrap_err().0[0].field, "account_id");
        let mut t = new("Call");
        t.due_on = NaiveDate::from_ymd_opt(20_000, 1, 1);
        let e = t.validate().unwrap_err();
        assert!(
            e.to_string().contains("between 1900-01-01 and 9999-12-31"),
            "{e}"
        );
        let mut t = new("Call");
        t.notes = Some("x".repeat(MAX_TASK_NOTES + 1));
        assert_eq!(t.validate().unwrap_err().0[0].field, "notes");
    }

    #[test]
    fn done_and_undone_keep_the_first_time_it_was_done() {
        let at = |h: i64| DateTime::<Utc>::from_timestamp(1_800_000_000 + h * 3600, 0).unwrap();
        let task = Task {
            id: TaskId(1),
            title: "Send the proposal".into(),
            notes: None,
            due_on: NaiveDate::from_ymd_opt(2026, 12, 1),
            assignee_id: None,
            account_id: AccountId(1),
            contact_id: None,
            opportunity_id: None,
            done_at: None,
            created_at: at(0),
            updated_at: at(0),
        };
        assert!(task.overdue(NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()));
        let done = |d| TaskPatch {
            done: Patch::Set(d),
            ..Default::default()
        };
        let once = done(true).apply(&task, at(1)).unwrap();
        assert_eq!(once.done_at, Some(at(1)));
        assert!(!once.overdue(NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()));
        assert_eq!(done(true).apply(&once, at(2)).unwrap().done_at, Some(at(1)));
        assert_eq!(done(false).apply(&once, at(3)).unwrap().done_at, None);
        let cleared = TaskPatch {
            title: Patch::Clear,
            ..Default::default()
        };
        assert_eq!(cleared.apply(&task, at(1)).unwrap_err().0[0].field, "title");
    }
}
