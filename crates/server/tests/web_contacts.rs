//! The contact pages of the web UI: list, filter, contact page and merge, on both backends.

mod common;

use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use abcrm_core::{AccountId, ContactId};
use abcrm_store::StoreError;
use common::web::{self, Web};
use reqwest::StatusCode;

fn actor() -> Actor {
    Actor::system("test")
}

async fn account(w: &Web, name: &str) -> AccountId {
    w.store
        .create_account(
            &actor(),
            NewAccount {
                name: name.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id
}

async fn contact(
    w: &Web,
    account: AccountId,
    first: &str,
    last: &str,
    email: &str,
    title: Option<&str>,
) -> ContactId {
    let mut c = NewContact::at(account);
    c.first_name = Some(first.into());
    c.last_name = Some(last.into());
    c.email = Some(Email::parse(email).unwrap());
    c.title = title.map(Into::into);
    w.store.create_contact(&actor(), c).await.unwrap().id
}

/// The `<tr data-contact-id=...>` ids of a page, in order.
fn row_ids(page: &str) -> Vec<i64> {
    page.split("data-contact-id=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect()
}

#[tokio::test]
async fn the_list_sorts_by_any_column_each_way_with_missing_values_last_and_keeps_its_selection() {
    for w in web::each_backend(Role::Sales).await {
        let acme = account(&w, "Acme Corp").await;
        let zeta = account(&w, "Zeta Labs").await;
        let ann = contact(&w, acme, "Ann", "Lee", "ann@acme.com", Some("VP Sales")).await;
        let bob = contact(
            &w,
            zeta,
            "Bob",
            "Stone",
            "bob@zeta.io",
            Some("Sales Manager"),
        )
        .await;
        let cy = contact(&w, acme, "Cy", "abel", "cy@acme.com", None).await;
        w.store
            .create_activity(
                &actor(),
                NewActivity {
                    account_id: None,
                    contact_id: Some(bob),
                    body: None,
                    kind: ActivityKind::Call,
                    subject: None,
                    occurred_at: Some("2026-02-03T10:00:00Z".parse().unwrap()),
                    campaign_id: None,
                    opportunity_id: None,
                },
            )
            .await
            .unwrap();
        for (query, expected) in [
            ("sort=name", vec![cy, ann, bob]),
            ("sort=name&dir=desc", vec![bob, ann, cy]),
            ("sort=account", vec![ann, cy, bob]),
            ("sort=seniority", vec![ann, bob, cy]),
            ("sort=seniority&dir=desc", vec![bob, ann, cy]),
            ("sort=title", vec![bob, ann, cy]),
            ("sort=last_activity", vec![bob, cy, ann]),
            ("sort=email&dir=desc", vec![cy, bob, ann]),
            ("q=acme&sort=name&dir=desc", vec![ann, cy]),
            (
                "filter=account.name+%3D+%22Acme+Corp%22&sort=name",
                vec![cy, ann],
            ),
            ("sort=salary", vec![ann, bob, cy]),
        ] {
            let page = w.page(&format!("/contacts?{query}")).await;
            assert_eq!(
                row_ids(&page),
                expected.iter().map(|c| c.0).collect::<Vec<_>>(),
                "{}: {query}",
                w.name
            );
        }
        // Ampersands in links as askama writes them.
        let page = w
            .page("/contacts?q=acme&sort=name")
            .await
            .replace("&#38;", "&amp;");
        assert!(
            page.contains("aria-sort=\"ascending\" data-sort-key=\"name\"><a href=\"/contacts?q=acme&amp;sort=name&amp;dir=desc\""),
            "the sorted column's link turns the order round and keeps the search: {page}"
        );
        assert!(
            page.contains("name=\"sort\" value=\"name\""),
            "a new search keeps the order"
        );

        // Pages of a sorted list follow on without overlap.
        for i in 0..50 {
            contact(
                &w,
                zeta,
                "Zed",
                &format!("Z{i:02}"),
                &format!("z{i}@zeta.io"),
                None,
            )
            .await;
        }
        let first = w
            .page("/contacts?sort=name")
            .await
            .replace("&#38;", "&amp;");
        let ids = row_ids(&first);
        assert_eq!(ids.len(), 50);
        assert!(first.contains("Showing 1–50 of 53 contacts"), "{}", w.name);
        let next = first
            .split("href=\"/contacts?sort=name&amp;dir=asc&amp;page=2\"")
            .count();
        assert_eq!(next, 2, "{}: a next link", w.name);
        let second = w.page("/contacts?sort=name&dir=asc&page=2").await;
        let more = row_ids(&second);
        assert_eq!(more.len(), 3, "{}", w.name);
        assert!(more.iter().all(|id| !ids.contains(id)));
        assert!(second.contains("Showing 51–53 of 53"), "{second}");
    }
}

#[tokio::test]
async fn the_list_filters_by_segment_and_search_and_shows_a_bad_filter_beside_the_box() {
    for w in web::each_backend(Role::Sales).await {
        let acme = account(&w, "Acme Corp").await;
        let zeta = account(&w, "Zeta Labs").await;
        let ann = contact(&w, acme, "Ann", "Lee", "ann@acme.com", Some("VP Sales")).await;
        let bob = contact(
            &w,
            zeta,
            "Bob",
            "Stone",
            "bob@zeta.io",
            Some("Sales Manager"),
        )
        .await;
        w.store
            .create_activity(
                &actor(),
                NewActivity {
                    account_id: None,
                    contact_id: Some(ann),
                    body: None,
                    kind: ActivityKind::Meeting,
                    subject: Some("Kick-off".into()),
                    occurred_at: Some("2026-02-03T10:00:00Z".parse().unwrap()),
                    campaign_id: None,
                    opportunity_id: None,
                },
            )
            .await
            .unwrap();
        w.store
            .create_segment(
                &actor(),
                NewSegment {
                    name: "Sales VPs".into(),
                    target: Some(SegmentTarget::Contact),
                    expression: "contact.seniority = \"vp\"".into(),
                },
            )
            .await
            .unwrap();

        let page = w.page("/contacts").await;
        assert_eq!(row_ids(&page), vec![ann.0, bob.0], "{}", w.name);
        assert!(page.contains("id=\"contacts-table\""));
        assert!(page.contains("of 2 contacts"), "{}: {page}", w.name);
        assert!(page.contains(&format!("href=\"/accounts/{}\">Acme Corp</a>", acme)));
        assert!(page.contains("2026-02-03"), "last activity: {page}");
        assert!(page.contains("VP Sales") && page.contains("ann@acme.com"));
        assert!(
            page.contains("id=\"saved-view\"") && page.contains(">Sales VPs</option>"),
            "saved segments are quick picks"
        );

        let page = w
            .page("/contacts?filter=contact.seniority+%3D+%22vp%22")
            .await;
        assert_eq!(row_ids(&page), vec![ann.0], "{}", w.name);
        assert!(page.contains("of 1 contact "), "{page}");

        let page = w
            .page("/contacts?filter=account.name+%3D+%22Zeta+Labs%22")
            .await;
        assert_eq!(row_ids(&page), vec![bob.0], "{}", w.name);

        // A filter is a segment: a VP who left is out unless asked for.
        let mut gone = NewContact::at(zeta);
        gone.first_name = Some("Gil".into());
        gone.title = Some("VP Marketing".into());
        gone.status = Some(ContactStatus::LeftCompany);
        let gone = w.store.create_contact(&actor(), gone).await.unwrap().id;
        let page = w
            .page("/contacts?filter=contact.seniority+%3D+%22vp%22")
            .await;
        assert_eq!(row_ids(&page), vec![ann.0], "{}", w.name);
        assert!(
            page.contains("leaving out people who left or unsubscribed"),
            "{page}"
        );
        let page = w
            .page("/contacts?filter=contact.seniority+%3D+%22vp%22&everyone=1")
            .await;
        assert_eq!(row_ids(&page), vec![ann.0, gone.0], "{}", w.name);
        assert!(
            page.contains("name=\"everyone\" value=\"1\" checked"),
            "{page}"
        );

        let page = w.page("/contacts?q=STONE").await;
        assert_eq!(row_ids(&page), vec![bob.0], "{}", w.name);

        let (status, page) = w
            .get(
                "/contacts?filter=contact.seniority+%3D+%22vp%22%0A++and+contact.titel+%3D+%22x%22",
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", w.name);
        let error = page
            .split("id=\"filter-error\"")
            .nth(1)
            .expect("the error is beside the box");
        assert!(error.contains("Line 2, column 7"), "{error}");
        assert!(error.contains("did you mean `contact.title`"), "{error}");
        assert!(
            error.contains("  and contact.titel = &#34;x&#34;\n      ^"),
            "{error}"
        );
        assert!(page.contains("aria-describedby=\"filter-error\""));
        assert!(row_ids(&page).is_empty());
    }
}

#[tokio::test]
async fn the_contact_page_shows_the_timeline_and_opportunity_roles() {
    for w in web::each_backend(Role::ReadOnly).await {
        let acme = account(&w, "Acme Corp").await;
        let ann = contact(&w, acme, "Ann", "Lee", "ann@acme.com", Some("CFO")).await;
        w.store
            .create_activity(
                &actor(),
                NewActivity {
                    account_id: None,
                    contact_id: Some(ann),
                    body: None,
                    kind: ActivityKind::Webinar,
                    subject: Some("Pricing webinar".into()),
                    occurred_at: None,
                    campaign_id: None,
                    opportunity_id: None,
                },
            )
            .await
            .unwrap();
        let opp = w
            .store
            .create_opportunity(
                &actor(),
                NewOpportunity {
                    account_id: acme,
                    name: "Acme renewal".into(),
                    stage: Some(OpportunityStage::Proposal),
                    amount: Some(48000.0),
                    close_date: None,
                    source_campaign_id: None,
                    owner_id: None,
                    contact_roles: vec![ContactRole {
                        contact_id: ann,
                        role: BuyingRole::EconomicBuyer,
                        is_primary: true,
                    }],
                    created_at: None,
                },
            )
            .await
            .unwrap();

        let page = w.page(&format!("/contacts/{ann}")).await;
        assert!(
            page.contains("Ann Lee") && page.contains("CFO"),
            "{}",
            w.name
        );
        assert!(page.contains(&format!("href=\"/accounts/{acme}\"")));
        let timeline = page.split("id=\"timeline\"").nth(1).unwrap();
        assert!(timeline.contains("Pricing webinar") && timeline.contains("webinar"));
        let roles = page.split("id=\"opportunity-roles\"").nth(1).unwrap();
        let roles = roles.split("</section>").next().unwrap();
        assert!(
            roles.contains(&format!("href=\"/opportunities/{}\"", opp.id)),
            "{roles}"
        );
        assert!(roles.contains("Acme renewal") && roles.contains("proposal"));
        assert!(roles.contains("economic buyer") && roles.contains("primary"));
        assert!(
            !page.contains("id=\"merge-link\""),
            "a read-only user is not offered the merge"
        );

        let (status, _) = w.get("/contacts/999999").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", w.name);
        let (status, _) = w.get("/contacts/abc").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn merging_through_the_form_keeps_the_chosen_values_and_can_be_undone() {
    for w in web::each_backend(Role::Sales).await {
        let acme = account(&w, "Acme Corp").await;
        let ann = contact(&w, acme, "Ann", "Lee", "ann@acme.com", None).await;
        let dup = contact(&w, acme, "ANN", "lee", "ann.lee@acme.com", Some("CFO")).await;
        let other = contact(&w, acme, "Annie", "Lee", "annie@acme.com", None).await;
        w.store
            .update_contact(
                &actor(),
                other,
                ContactPatch {
                    phone: abcrm_core::patch::Patch::Set("555 0100".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();

        // The picker: a search over name/email and the likely duplicates at the account.
        let page = w.page(&format!("/contacts/{ann}/merge?q=annie")).await;
        let found = page.split("id=\"merge-candidates\"").nth(1).unwrap();
        assert!(
            found.contains(&format!("data-contact-id=\"{other}\"")),
            "{}",
            w.name
        );
        let suggested = page.split("id=\"merge-suggestions\"").nth(1).unwrap();
        assert!(suggested.contains(&format!("data-contact-id=\"{dup}\"")));
        assert!(!suggested.contains(&format!("data-contact-id=\"{other}\"")));

        // Side by side: only the fields that differ, the survivor's values checked.
        let page = w.page(&format!("/contacts/{ann}/merge?with={other}")).await;
        assert!(page.contains("id=\"merge-form\"") && page.contains("id=\"merge-submit\""));
        assert!(
            page.contains("data-field=\"first_name\"") && page.contains("data-field=\"phone\"")
        );
        assert!(
            !page.contains("data-field=\"last_name\""),
            "equal fields are not asked"
        );
        assert!(page.contains(&format!("name=\"first_name\" value=\"{ann}\" checked")));
        assert!(page.contains(&format!("name=\"phone\" value=\"{other}\" checked")));

        let (a, o) = (ann.to_string(), other.to_string());
        let res = w
            .post(
                &format!("/contacts/{ann}/merge"),
                &[
                    ("with", &o),
                    ("survivor", &a),
                    ("first_name", &o),
                    ("email", &a),
                    ("phone", &o),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let to = Web::location(&res);
        assert!(to.starts_with(&format!("/contacts/{ann}?done=")), "{to}");
        let merged = w.store.get_contact(ann).await.unwrap();
        assert_eq!(merged.first_name.as_deref(), Some("Annie"), "{}", w.name);
        assert_eq!(merged.email.unwrap().as_str(), "ann@acme.com");
        assert_eq!(merged.phone.as_deref(), Some("555 0100"));
        assert!(matches!(
            w.store.get_contact(other).await,
            Err(StoreError::NotFound { .. })
        ));

        let page = w.page(&to).await;
        assert!(page.contains("class=\"notice"), "{page}");
        assert!(page.contains("Merged Annie Lee into Ann Lee"), "{page}");
        let undo = web::attr_after(&page, "action=\"/contacts/merges/")
            .map(|rest| format!("/contacts/merges/{rest}"))
            .unwrap();
        assert!(
            undo.ends_with("/undo") && page.contains("id=\"undo-merge\""),
            "{undo}"
        );
        let res = w.post(&undo, &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let back = w.store.get_contact(other).await.unwrap();
        assert_eq!(back.first_name.as_deref(), Some("Annie"));
        assert_eq!(
            w.store
                .get_contact(ann)
                .await
                .unwrap()
                .first_name
                .as_deref(),
            Some("Ann")
        );

        // Itself, or a contact that is gone: the error is beside the field.
        let res = w
            .post(
                &format!("/contacts/{ann}/merge"),
                &[("with", &a), ("survivor", &a)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", w.name);
        let body = res.text().await.unwrap();
        assert!(body.contains("id=\"with-error\""), "{body}");
        assert!(body.contains("cannot be merged with itself"));
        let (status, body) = w.get(&format!("/contacts/{ann}/merge?with=999999")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"with-error\"") && body.contains("does not exist"));
        assert!(w.store.get_contact(ann).await.is_ok());

        // A namesake at another account: the form asks to be sure, and merges once ticked.
        let globex = account(&w, "Globex").await;
        let namesake = contact(&w, globex, "Ann", "Lee", "ann@globex.example", None).await;
        let page = w
            .page(&format!("/contacts/{ann}/merge?with={namesake}"))
            .await;
        assert!(page.contains("id=\"merge-confirm\""), "{}", w.name);
        let n = namesake.to_string();
        let fields = [("with", n.as_str()), ("survivor", a.as_str())];
        let res = w.post(&format!("/contacts/{ann}/merge"), &fields).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", w.name);
        assert!(res.text().await.unwrap().contains("two different accounts"));
        assert!(
            w.store.get_contact(namesake).await.is_ok(),
            "nothing merged"
        );
        let mut confirmed = fields.to_vec();
        confirmed.push(("confirm", "on"));
        let res = w.post(&format!("/contacts/{ann}/merge"), &confirmed).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        assert!(w.store.get_contact(namesake).await.is_err());
    }
}

/// A filtered list names the people waiting in review whom the filter would take once placed,
/// each linked to its record in the queue.
#[tokio::test]
async fn a_filtered_list_names_the_people_waiting_in_review_it_would_take() {
    use abcrm_core::intake::IntakeItem;
    use abcrm_core::matching::{MatchConfig, PersonRecord};
    use abcrm_store::intake::Intake;
    for w in web::each_backend(Role::Sales).await {
        let n = w.name;
        let acme = w
            .store
            .create_account(
                &actor(),
                NewAccount {
                    name: "Acme Corporation".into(),
                    domains: vec!["acme.com".into()],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let kim = PersonRecord {
            first_name: Some("Kim".into()),
            last_name: Some("Ng".into()),
            email: Some("kim@gmail.com".into()),
            company: Some("Acme Widgets".into()),
            title: Some("VP Engineering".into()),
            ..PersonRecord::default()
        };
        let report = Intake::new(w.store.clone(), MatchConfig::default())
            .submit(
                &actor(),
                "web-form",
                vec![IntakeItem {
                    source_key: "form-1".into(),
                    record: kim,
                    hints: Default::default(),
                }],
            )
            .await
            .unwrap();
        assert_eq!(report.needs_review, 1, "{n}: {report:?}");
        let record = report.record_ids[0];

        let page = w
            .page(&format!(
                "/contacts?filter=account.id+%3D+{}+and+contact.seniority+%3D+%22vp%22",
                acme.id
            ))
            .await;
        assert!(page.contains("id=\"waiting-in-review\""), "{n}: {page}");
        assert!(
            page.contains(&format!("href=\"/review/{record}\"")),
            "{n}: {page}"
        );
        assert!(
            page.contains("1 more person waits in review"),
            "{n}: {page}"
        );
        // A filter she does not pass says nothing of her.
        let page = w
            .page("/contacts?filter=contact.seniority+%3D+%22manager%22")
            .await;
        assert!(!page.contains("id=\"waiting-in-review\""), "{n}");
    }
}

/// A condition picked from lists joins the filter with `and`, and the list comes back with the
/// filter's text; a field that is not one is said beside the chip.
#[tokio::test]
async fn a_filter_chip_adds_a_condition_the_list_then_applies() {
    for w in web::each_backend(Role::Sales).await {
        let acme = account(&w, "Acme Corp").await;
        contact(&w, acme, "Ann", "Lee", "ann@acme.com", Some("VP Sales")).await;
        contact(&w, acme, "Bob", "Ray", "bob@acme.com", Some("Engineer")).await;
        let res = w
            .client
            .get(format!(
                "{}/contacts?filter=&add_field=contact.seniority&add_op=%3E%3D&add_value=vp",
                w.base
            ))
            .header(reqwest::header::COOKIE, &w.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let to = Web::location(&res);
        assert!(to.starts_with("/contacts?filter="), "{to}");
        let page = w.page(&to).await;
        assert!(
            page.contains("contact.seniority &#62;= &#34;vp&#34;"),
            "{}: {page}",
            w.name
        );
        assert!(
            page.contains("Ann Lee") && !page.contains("Bob Ray"),
            "{}",
            w.name
        );
        // A second chip is added with `and`, keeping the first.
        let second = format!("{to}&add_field=account.name&add_op=contains&add_value=acme");
        let res = w
            .client
            .get(format!("{}{second}", w.base))
            .header(reqwest::header::COOKIE, &w.cookie)
            .send()
            .await
            .unwrap();
        let page = w.page(&Web::location(&res)).await;
        assert!(
            page.contains("and account.name contains"),
            "{}: {page}",
            w.name
        );
        assert!(page.contains("Ann Lee"));
        // A field that is not one: said beside the chip, the list unchanged.
        let page = w
            .page("/contacts?add_field=contact.shoe_size&add_op=%3D&add_value=9")
            .await;
        assert!(
            page.contains("id=\"chip-error\"") && page.contains("not a field"),
            "{}",
            w.name
        );
        // The account list takes chips too, and lists what the filter selects.
        let (status, _) = w
            .get("/accounts?add_field=account.name&add_op=contains&add_value=acme")
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{}", w.name);
        let list = w
            .page("/accounts?filter=account.name+contains+%22acme%22")
            .await;
        assert!(
            list.contains(&format!("href=\"/accounts/{}\"", acme.0)),
            "{}",
            w.name
        );
    }
}

/// The people ticked, or everyone a filter selects, join a campaign in one go.
#[tokio::test]
async fn people_are_added_to_a_campaign_in_bulk_from_the_list() {
    for w in web::each_backend(Role::Marketing).await {
        let acme = account(&w, "Acme Corp").await;
        let ann = contact(&w, acme, "Ann", "Lee", "ann@acme.com", Some("VP Sales")).await;
        let bob = contact(&w, acme, "Bob", "Ray", "bob@acme.com", Some("VP Finance")).await;
        let cy = contact(&w, acme, "Cy", "Fox", "cy@acme.com", Some("Engineer")).await;
        let summit = w
            .store
            .create_campaign(
                &actor(),
                NewCampaign {
                    name: "Q3 Summit".into(),
                    kind: None,
                    starts_on: None,
                    ends_on: None,
                    budget: None,
                },
            )
            .await
            .unwrap();
        let filter = r#"contact.seniority = "vp""#;
        let page = w
            .page(&format!(
                "/contacts?filter={}",
                "contact.seniority+%3D+%22vp%22"
            ))
            .await;
        assert!(
            page.contains("id=\"bulk-form\"") && page.contains("id=\"bulk-all\""),
            "{}",
            w.name
        );
        let c = summit.id.0.to_string();
        let res = w
            .post(
                "/contacts/bulk/campaign",
                &[
                    ("campaign_id", &c),
                    ("status", "registered"),
                    ("scope", "all"),
                    ("filter", filter),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let to = Web::location(&res);
        assert!(
            w.page(&to)
                .await
                .contains("Added 2 people to Q3 Summit as registered"),
            "{}",
            w.name
        );
        let members = |w: &Web| {
            let store = w.store.clone();
            let id = summit.id;
            async move {
                store
                    .list_campaign_members(
                        id,
                        abcrm_store::PageRequest {
                            after: None,
                            limit: 100,
                        },
                    )
                    .await
                    .unwrap()
                    .items
            }
        };
        let now = members(&w).await;
        assert_eq!(now.len(), 2, "{}", w.name);
        assert!(now.iter().all(|m| m.status == MemberStatus::Registered));
        // The ticked ones: Ann attended, Cy is added.
        let (a, cyid) = (ann.to_string(), cy.to_string());
        let res = w
            .post(
                "/contacts/bulk/campaign",
                &[
                    ("campaign_id", &c),
                    ("status", "attended"),
                    ("scope", "selected"),
                    ("contact_id", &a),
                    ("contact_id", &cyid),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let now = members(&w).await;
        assert_eq!(now.len(), 3);
        assert_eq!(
            now.iter().find(|m| m.contact_id == ann).unwrap().status,
            MemberStatus::Attended
        );
        assert_eq!(
            now.iter().find(|m| m.contact_id == bob).unwrap().status,
            MemberStatus::Registered
        );
        // Refused: nobody ticked, everyone without a filter, a campaign that does not exist.
        for fields in [
            vec![("campaign_id", c.as_str()), ("scope", "selected")],
            vec![("campaign_id", c.as_str()), ("scope", "all")],
            vec![
                ("campaign_id", "999999"),
                ("scope", "selected"),
                ("contact_id", a.as_str()),
            ],
        ] {
            let res = w.post("/contacts/bulk/campaign", &fields).await;
            assert!(
                res.status().is_client_error(),
                "{}: {fields:?}: {}",
                w.name,
                res.status()
            );
        }
        assert_eq!(members(&w).await.len(), 3);
    }
    for w in web::each_backend(Role::ReadOnly).await {
        assert!(
            !w.page("/contacts").await.contains("id=\"bulk-form\""),
            "{}",
            w.name
        );
        let res = w
            .post(
                "/contacts/bulk/campaign",
                &[("campaign_id", "1"), ("scope", "all")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
}

/// The people ticked, or everyone a filter selects, get an owner or a status in one go, each
/// change audited as a single one would be.
#[tokio::test]
async fn people_get_an_owner_or_a_status_in_bulk_from_the_list() {
    for w in web::each_backend(Role::Sales).await {
        let acme = account(&w, "Acme Corp").await;
        let ann = contact(&w, acme, "Ann", "Lee", "ann@acme.com", Some("VP Sales")).await;
        let bob = contact(&w, acme, "Bob", "Ray", "bob@acme.com", Some("VP Finance")).await;
        let cy = contact(&w, acme, "Cy", "Fox", "cy@acme.com", Some("Engineer")).await;
        let page = w.page("/contacts").await;
        assert!(page.contains("id=\"bulk-update-selected\""), "{}", w.name);

        let me = w.user.to_string();
        let (a, b) = (ann.to_string(), bob.to_string());
        let res = w
            .post(
                "/contacts/bulk/update",
                &[
                    ("scope", "selected"),
                    ("contact_id", &a),
                    ("contact_id", &b),
                    ("owner_id", &me),
                    ("contact_status", ""),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        assert!(w
            .page(&Web::location(&res))
            .await
            .contains("Gave 2 people owner"));
        let owner = |id| {
            let store = w.store.clone();
            async move { store.get_contact(id).await.unwrap() }
        };
        assert_eq!(owner(ann).await.owner_id, Some(abcrm_core::UserId(w.user)));
        assert_eq!(owner(cy).await.owner_id, None, "{}: not ticked", w.name);

        let filter = r#"contact.seniority = "vp""#;
        let res = w
            .post(
                "/contacts/bulk/update",
                &[
                    ("scope", "all"),
                    ("filter", filter),
                    ("owner_id", ""),
                    ("contact_status", "nurture"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        assert_eq!(owner(bob).await.status, ContactStatus::Nurture);
        assert_eq!(owner(cy).await.status, ContactStatus::Active);
        assert_eq!(
            owner(bob).await.owner_id,
            Some(abcrm_core::UserId(w.user)),
            "kept"
        );

        for fields in [
            vec![("scope", "selected"), ("contact_id", a.as_str())],
            vec![
                ("scope", "selected"),
                ("contact_id", a.as_str()),
                ("contact_status", "gone"),
            ],
            vec![("scope", "all"), ("contact_status", "active")],
            vec![("scope", "selected"), ("owner_id", "none")],
        ] {
            let res = w.post("/contacts/bulk/update", &fields).await;
            assert_eq!(
                res.status(),
                StatusCode::BAD_REQUEST,
                "{}: {fields:?}",
                w.name
            );
        }
        let reader = w.another_user("reader@example.com", Role::ReadOnly).await;
        let res = reader
            .post(
                "/contacts/bulk/update",
                &[
                    ("scope", "selected"),
                    ("contact_id", &a),
                    ("contact_status", "active"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
}
