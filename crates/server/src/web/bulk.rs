//! Lists in bulk: the people ticked on the contact list, or every person its filter selects,
//! added to a campaign with a response status in one go (`POST /contacts/bulk/campaign`), or
//! given an owner or a status (`POST /contacts/bulk/update`). Memberships are written through the
//! store's `add_campaign_members`, a thousand per transaction, as a bulk load does; a person
//! already a member gets the new status. Owners and statuses go through `update_contact`, one
//! audited change per person, so a bulk change is as traceable and rescored as a single one.

use super::form::{filled, pair, ticked_ids};
use super::{urlencode, SignedIn, WebError};
use crate::routes::segments::today;
use crate::AppState;
use abcrm_core::model::{
    audience, compile, ContactPatch, ContactStatus, MemberStatus, NewCampaignMember, SegmentTarget,
};
use abcrm_core::patch::Patch;
use abcrm_core::{CampaignId, ContactId, UserId};
use abcrm_store::{PageRequest, StoreError};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};

/// Memberships written per transaction.
const CHUNK: usize = 1_000;
/// The most people one bulk action adds: a campaign list, not the whole database by mistake.
pub const MAX_BULK: usize = 100_000;
/// The most people one bulk change of owner or status touches: a book of business. Each is its
/// own audited change, so more belongs in the API (`PATCH /contacts/{id}`) or an import.
pub const MAX_BULK_UPDATE: usize = 5_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/contacts/bulk/campaign", post(add_to_campaign))
        .route("/contacts/bulk/update", post(update_people))
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

/// What the campaign action asks, read from the form's repeated fields.
struct Asked {
    campaign: CampaignId,
    status: MemberStatus,
    who: Who,
}

/// Whom a bulk action takes.
struct Who {
    /// `selected`: the ticked people; `all`: everyone the filter selects.
    all: bool,
    selected: Vec<ContactId>,
    filter: String,
    everyone: bool,
}

fn read(pairs: &[(String, String)]) -> Result<Asked, WebError> {
    let one = |name: &str| pair(pairs, name);
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
    Ok(Asked {
        campaign,
        status,
        who: read_who(pairs)?,
    })
}

fn read_who(pairs: &[(String, String)]) -> Result<Who, WebError> {
    let one = |name: &str| pair(pairs, name);
    let all = one("scope").as_deref() == Some("all");
    let selected = ticked_ids(pairs, "contact_id", "contact", MAX_BULK)?
        .into_iter()
        .map(ContactId)
        .collect();
    Ok(Who {
        all,
        selected,
        filter: one("filter").unwrap_or_default(),
        everyone: one("everyone").is_some(),
    })
}

/// The people a bulk action takes, at most `max`.
async fn people(state: &AppState, who: &Who, max: usize) -> Result<Vec<ContactId>, WebError> {
    let people: Vec<ContactId> = if who.all {
        if who.filter.is_empty() {
            return Err(WebError::BadRequest(
                "filter: acting on everyone needs a filter; without one it would be the whole database".into(),
            ));
        }
        let checked = compile(&who.filter, SegmentTarget::Contact)
            .map_err(|e| WebError::BadRequest(format!("filter: {}", e.message)))?;
        let checked = audience(checked, SegmentTarget::Contact, who.everyone);
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page = state
                .store
                .segment_contacts(&checked, today(), PageRequest { after, limit: 1000 })
                .await?;
            out.extend(page.items.iter().map(|c| c.id));
            if out.len() > max {
                return Err(WebError::BadRequest(format!(
                    "filter: it selects more than {max} people; narrow it, or use the API in batches"
                )));
            }
            match page.next_after {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        out
    } else {
        if who.selected.len() > max {
            return Err(WebError::BadRequest(format!(
                "contact_id: at most {max} people at once"
            )));
        }
        who.selected.clone()
    };
    if people.is_empty() {
        return Err(WebError::BadRequest(
            "contact_id: tick the people to change, or act on everyone the filter selects".into(),
        ));
    }
    Ok(people)
}

/// Back to the contact list, on the same filter, saying what was done.
fn back_to_list(who: &Who, done: &str) -> Response {
    let mut to = format!("/contacts?done={}", urlencode(done));
    if let Some(f) = filled(&Some(who.filter.clone())) {
        to.push_str(&format!("&filter={}", urlencode(&f)));
    }
    if who.everyone {
        to.push_str("&everyone=1");
    }
    Redirect::to(&to).into_response()
}

async fn add_to_campaign(
    State(state): State<AppState>,
    me: SignedIn,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    super::form::require_write(&me, "add people to a campaign")?;
    let asked = read(&pairs)?;
    let campaign = state.store.get_campaign(asked.campaign).await?;
    let people = people(&state, &asked.who, MAX_BULK).await?;
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
    Ok(back_to_list(&asked.who, &done))
}

/// What a bulk change sets: an owner (or none), a status; blank keeps each as it is.
fn read_change(pairs: &[(String, String)]) -> Result<ContactPatch, WebError> {
    let owner_id = match pair(pairs, "owner_id").as_deref() {
        None => Patch::Keep,
        Some("none") => Patch::Clear,
        Some(v) => Patch::Set(UserId(
            v.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
                WebError::BadRequest(format!("owner_id: “{v}” is not a user's id"))
            })?,
        )),
    };
    let status = match pair(pairs, "contact_status") {
        None => Patch::Keep,
        Some(v) => Patch::Set(v.parse::<ContactStatus>().map_err(|_| {
            WebError::BadRequest(format!(
                "contact_status: “{v}” is not a status; choose active, nurture, unsubscribed or left_company"
            ))
        })?),
    };
    if owner_id.is_keep() && status.is_keep() {
        return Err(WebError::BadRequest(
            "choose an owner or a status to set for the people".into(),
        ));
    }
    Ok(ContactPatch {
        owner_id,
        status,
        ..ContactPatch::default()
    })
}

async fn update_people(
    State(state): State<AppState>,
    me: SignedIn,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    super::form::require_write(&me, "change people in bulk")?;
    let change = read_change(&pairs)?;
    let who = read_who(&pairs)?;
    let people = people(&state, &who, MAX_BULK_UPDATE).await?;
    for &id in &people {
        match state
            .store
            .update_contact(&me.actor, id, change.clone())
            .await
        {
            Ok(_) => {}
            // Someone deleted or merged the person since the list was shown: nothing to change.
            Err(StoreError::NotFound { .. }) => {}
            Err(StoreError::Invalid(e)) => return Err(WebError::BadRequest(e.to_string())),
            Err(e) => return Err(e.into()),
        }
    }
    let mut what = Vec::new();
    if let Patch::Set(owner) = &change.owner_id {
        let name = state
            .store
            .get_users(&[*owner])
            .await?
            .into_iter()
            .next()
            .map(|u| u.name)
            .unwrap_or_else(|| format!("user {owner}"));
        what.push(format!("owner {name}"));
    } else if matches!(change.owner_id, Patch::Clear) {
        what.push("no owner".to_string());
    }
    if let Patch::Set(status) = &change.status {
        what.push(format!("status {}", status.as_str()));
    }
    let done = format!(
        "Gave {} {} {}",
        people.len(),
        if people.len() == 1 {
            "person"
        } else {
            "people"
        },
        what.join(" and ")
    );
    Ok(back_to_list(&who, &done))
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
            (a.campaign, a.status, a.who.all),
            (CampaignId(3), MemberStatus::Attended, false)
        );
        assert_eq!(a.who.selected, vec![ContactId(7), ContactId(9)]);
        for bad in [
            vec![("status", "sent")],
            vec![("campaign_id", "x")],
            vec![("campaign_id", "3"), ("status", "maybe")],
            vec![("campaign_id", "3"), ("contact_id", "-1")],
        ] {
            assert!(read(&pairs(&bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_bulk_change_sets_an_owner_or_a_status_and_needs_one() {
        let c = read_change(&pairs(&[("owner_id", "4"), ("contact_status", "")])).unwrap();
        assert_eq!(c.owner_id, Patch::Set(UserId(4)));
        assert!(c.status.is_keep());
        let c = read_change(&pairs(&[
            ("owner_id", "none"),
            ("contact_status", "nurture"),
        ]))
        .unwrap();
        assert!(matches!(c.owner_id, Patch::Clear));
        assert_eq!(c.status, Patch::Set(ContactStatus::Nurture));
        for bad in [
            vec![],
            vec![("owner_id", ""), ("contact_status", "")],
            vec![("owner_id", "x")],
            vec![("contact_status", "gone")],
        ] {
            assert!(read_change(&pairs(&bad)).is_err(), "{bad:?}");
        }
    }
}
