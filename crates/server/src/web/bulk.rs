//! Lists in bulk: the people ticked on the contact list, or every person its filter selects,
//! added to a campaign with a response status in one go (`POST /contacts/bulk/campaign`).
//! Memberships are written through the store's `add_campaign_members`, a thousand per
//! transaction, as a bulk load does; a person already a member gets the new status.

use super::form::filled;
use super::{urlencode, SignedIn, WebError};
use crate::routes::segments::today;
use crate::AppState;
use abcrm_core::model::{audience, compile, MemberStatus, NewCampaignMember, SegmentTarget};
use abcrm_core::{CampaignId, ContactId};
use abcrm_store::PageRequest;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};

/// Memberships written per transaction.
const CHUNK: usize = 1_000;
/// The most people one bulk action adds: a campaign list, not the whole database by mistake.
pub const MAX_BULK: usize = 100_000;

pub fn routes() -> Router<AppState> {
    Router::new().route("/contacts/bulk/campaign", post(add_to_campaign))
}

/// The campaigns a bulk form offers: id and name.
pub async fn campaign_choices(state: &AppState) -> Result<Vec<(i64, String)>, WebError> {
    Ok(state
        .store
        .list_campaigns(PageRequest {
            after: None,
            limit: 1000,
        })
        .await?
        .items
        .into_iter()
        .map(|c| (c.id.0, c.name))
        .collect())
}

/// Who the action takes, read from the form's repeated fields.
struct Asked {
    campaign: CampaignId,
    status: MemberStatus,
    /// `selected`: the ticked people; `all`: everyone the filter selects.
    all: bool,
    selected: Vec<ContactId>,
    filter: String,
    everyone: bool,
}

fn read(pairs: &[(String, String)]) -> Result<Asked, WebError> {
    let one = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let campaign = one("campaign_id")
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|id| *id > 0)
        .map(CampaignId)
        .ok_or_else(|| {
            WebError::BadRequest("campaign_id: choose the campaign to add them to".into())
        })?;
    let status = match one("status") {
        None => MemberStatus::Sent,
        Some(v) => v.parse().map_err(|_| {
            WebError::BadRequest(format!(
                "status: “{v}” is not a response; choose sent, registered, attended or responded"
            ))
        })?,
    };
    let all = one("scope").as_deref() == Some("all");
    let mut selected = Vec::new();
    for (k, v) in pairs.iter().filter(|(k, _)| k == "contact_id") {
        let id = v
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| WebError::BadRequest(format!("{k}: “{v}” is not a contact's id")))?;
        selected.push(ContactId(id));
        if selected.len() > MAX_BULK {
            return Err(WebError::BadRequest(format!(
                "contact_id: at most {MAX_BULK} people at once"
            )));
        }
    }
    Ok(Asked {
        campaign,
        status,
        all,
        selected,
        filter: one("filter").unwrap_or_default(),
        everyone: one("everyone").is_some(),
    })
}

async fn add_to_campaign(
    State(state): State<AppState>,
    me: SignedIn,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let asked = read(&pairs)?;
    let campaign = state.store.get_campaign(asked.campaign).await?;
    let people: Vec<ContactId> = if asked.all {
        if asked.filter.is_empty() {
            return Err(WebError::BadRequest(
                "filter: adding everyone needs a filter; without one it would be the whole database".into(),
            ));
        }
        let checked = compile(&asked.filter, SegmentTarget::Contact)
            .map_err(|e| WebError::BadRequest(format!("filter: {}", e.message)))?;
        let checked = audience(checked, SegmentTarget::Contact, asked.everyone);
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page = state
                .store
                .segment_contacts(&checked, today(), PageRequest { after, limit: 1000 })
                .await?;
            out.extend(page.items.iter().map(|c| c.id));
            if out.len() > MAX_BULK {
                return Err(WebError::BadRequest(format!(
                    "filter: it selects more than {MAX_BULK} people; narrow it, or add them with the API in batches"
                )));
            }
            match page.next_after {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        out
    } else {
        asked.selected.clone()
    };
    if people.is_empty() {
        return Err(WebError::BadRequest(
            "contact_id: tick the people to add, or add everyone the filter selects".into(),
        ));
    }
    let mut written = 0;
    for chunk in people.chunks(CHUNK) {
        let members = chunk
            .iter()
            .map(|&contact_id| NewCampaignMember {
                contact_id,
                status: Some(asked.status),
                joined_at: None,
            })
            .collect();
        written += state
            .store
            .add_campaign_members(&me.actor, asked.campaign, members)
            .await?;
    }
    let done = format!(
        "Added {written} {} to {} as {}",
        if written == 1 { "person" } else { "people" },
        campaign.name,
        asked.status.as_str()
    );
    let mut to = format!("/contacts?done={}", urlencode(&done));
    if let Some(f) = filled(&Some(asked.filter)) {
        to.push_str(&format!("&filter={}", urlencode(&f)));
    }
    if asked.everyone {
        to.push_str("&everyone=1");
    }
    Ok(Redirect::to(&to).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_form_is_read_strictly() {
        let a = read(&pairs(&[
            ("campaign_id", "3"),
            ("status", "attended"),
            ("contact_id", "7"),
            ("contact_id", "9"),
        ]))
        .unwrap();
        assert_eq!(
            (a.campaign, a.status, a.all),
            (CampaignId(3), MemberStatus::Attended, false)
        );
        assert_eq!(a.selected, vec![ContactId(7), ContactId(9)]);
        for bad in [
            vec![("status", "sent")],
            vec![("campaign_id", "x")],
            vec![("campaign_id", "3"), ("status", "maybe")],
            vec![("campaign_id", "3"), ("contact_id", "-1")],
        ] {
            assert!(read(&pairs(&bad)).is_err(), "{bad:?}");
        }
    }
}
