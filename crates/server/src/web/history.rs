//! A record's history on its page: the audit log's newest entries for it, each with who did
//! what and, for an update, the fields it changed (`stage: proposal → negotiation`).
//! `history.html` shows them.

use super::format::words;
use super::people::when;
use super::WebError;
use crate::AppState;
use abcrm_store::{AuditQuery, PageRequest};

/// How many entries a page shows, newest first.
const SHOWN: u32 = 20;

/// One audit entry as a page shows it.
pub struct HistoryItem {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub changes: String,
}

/// The newest entries of the audit log for `entity` (`account`, `contact`, ...) `id`.
pub async fn history(
    state: &AppState,
    entity: &str,
    id: i64,
) -> Result<Vec<HistoryItem>, WebError> {
    let entries = state
        .store
        .list_audit(
            &AuditQuery {
                entity: Some(entity.into()),
                entity_id: Some(id),
            },
            PageRequest {
                after: None,
                limit: SHOWN,
            },
        )
        .await?
        .items;
    Ok(entries
        .iter()
        .map(|e| HistoryItem {
            at: when(&e.at),
            actor: e.actor.clone(),
            action: words(&e.action),
            changes: changes(e.before.as_ref(), e.after.as_ref()),
        })
        .collect())
}

/// What an audit entry changed, as `stage: proposal → negotiation; amount: 10000 → 12000`
/// (the fields that differ; timestamps left out).
fn changes(before: Option<&serde_json::Value>, after: Option<&serde_json::Value>) -> String {
    let (Some(before), Some(after)) = (before, after) else {
        return String::new();
    };
    let shown = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "—".to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let Some(fields) = after.as_object() else {
        return String::new();
    };
    fields
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "updated_at" | "created_at" | "id"))
        .filter(|(k, v)| before.get(k.as_str()) != Some(*v))
        .map(|(k, v)| {
            format!(
                "{}: {} → {}",
                words(k),
                shown(before.get(k.as_str())),
                shown(Some(v))
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_audit_entry_reads_as_what_changed() {
        let before = serde_json::json!({"stage": "proposal", "amount": 10, "updated_at": "a"});
        let after = serde_json::json!({"stage": "negotiation", "amount": 10, "updated_at": "b"});
        assert_eq!(
            changes(Some(&before), Some(&after)),
            "stage: proposal → negotiation"
        );
        assert_eq!(changes(None, Some(&after)), "");
    }
}
