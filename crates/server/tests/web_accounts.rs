//! The accounts section of the web UI: the list with its filter, sorting and saved views, and
//! the account 360, on both backends.

mod common;

use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use abcrm_core::{AccountId, ContactId};
use common::web::{self, Web};
use reqwest::StatusCode;

const SEED: &str = r#"contact.seniority in ("manager", "director") and account.state = "CA" and account.industry = "Software" and account.relationship not in ("customer", "former_customer")"#;

fn actor() -> Actor {
    Actor::system("test")
}

async fn account(w: &Web, new: NewAccount) -> AccountId {
    w.store.create_account(&actor(), new).await.unwrap().id
}

fn firm(name: &str, state: &str, industry: &str, employees: i64, rel: Relationship) -> NewAccount {
    NewAccount {
        name: name.into(),
        state: Some(state.into()),
        country: Some("US".into()),
        industry: Some(industry.into()),
        employees: Some(employees),
        relationship: Some(rel),
        ..Default::default()
    }
}

async fn contact(
    w: &Web,
    account: AccountId,
    first: &str,
    seniority: Option<Seniority>,
    role: Option<BuyingRole>,
) -> ContactId {
    w.store
        .create_contact(
            &actor(),
            NewContact {
                account_id: account,
                first_name: Some(first.into()),
                last_name: Some("Tester".into()),
                email: Some(
                    Email::parse(&format!(
                        "{}.{}@example.com",
                        first.to_lowercase(),
                        account.0
                    ))
                    .unwrap(),
                ),
                phone: None,
                title: None,
                seniority,
                department: None,
                buying_role: role,
                status: None,
                owner_id: None,
                source: None,
                created_at: None,
            },
        )
        .await
        .unwrap()
        .id
}

/// The account ids of the table's rows, in order.
fn row_ids(html: &str) -> Vec<i64> {
    let start = html.find("id=\"accounts-table\"").expect("the table");
    let body = &html[start..html[start..].find("</table>").unwrap() + start];
    body.split("<tr data-account-id=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
        .collect()
}

/// The text of the element with this id, tags and all, up to its closing tag.
fn element<'a>(html: &'a str, id: &str, close: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let end = html[start..].find(close).unwrap() + start;
    &html[start..end]
}

fn q(v: &str) -> String {
    abcrm_server::web::urlencode(v)
}

#[tokio::test]
async fn the_list_shows_accounts_and_their_count() {
    for w in web::each_backend(Role::Sales).await {
        let a = account(
            &w,
            firm("Acme Corp", "CA", "Software", 500, Relationship::Prospect),
        )
        .await;
        let b = account(
            &w,
            firm("Beta & Sons", "NY", "Retail", 50, Relationship::Customer),
        )
        .await;
        let page = w.page("/accounts").await;
        assert_eq!(row_ids(&page), [a.0, b.0], "{}: by name", w.name);
        assert!(page.contains(&format!("href=\"/accounts/{}\">Acme Corp</a>", a.0)));
        assert!(page.contains("Beta &amp; Sons") || page.contains("Beta &#38; Sons"));
        let count = element(&page, "result-count", "</p>");
        assert!(count.contains("2 accounts"), "{}: {count}", w.name);
        assert!(page.contains("aria-sort=\"ascending\" data-sort-key=\"name\""));
    }
}

#[tokio::test]
async fn sorting_changes_the_order_and_pages_keep_filter_and_sort() {
    for w in web::each_backend(Role::Sales).await {
        let small = account(
            &w,
            firm("Aardvark", "CA", "Software", 10, Relationship::Prospect),
        )
        .await;
        let big = account(
            &w,
            firm("Zebra", "CA", "Software", 9000, Relationship::Prospect),
        )
        .await;
        let mid = account(
            &w,
            firm("Moose", "CA", "Software", 300, Relationship::Prospect),
        )
        .await;
        let page = w.page("/accounts?sort=employees&dir=desc").await;
        assert_eq!(row_ids(&page), [big.0, mid.0, small.0], "{}", w.name);
        assert!(page.contains("aria-sort=\"descending\" data-sort-key=\"employees\""));
        // The sorted column's link turns the order round.
        assert!(
            page.contains("href=\"/accounts?sort=employees&#38;dir=asc\""),
            "{page}"
        );
        let page = w.page("/accounts?sort=employees&dir=asc").await;
        assert_eq!(row_ids(&page), [small.0, mid.0, big.0]);
        let page = w.page("/accounts?sort=name&dir=desc").await;
        assert_eq!(row_ids(&page), [big.0, mid.0, small.0]);

        // 55 more accounts: two pages of 50, the next link keeping the filter and the sort.
        let more: Vec<NewAccount> = (0..55)
            .map(|i| {
                firm(
                    &format!("Filler {i:02}"),
                    "TX",
                    "Software",
                    i,
                    Relationship::Prospect,
                )
            })
            .collect();
        w.store.create_accounts(&actor(), more).await.unwrap();
        let filter = r#"account.state = "TX""#;
        let page = w
            .page(&format!(
                "/accounts?filter={}&sort=employees&dir=asc",
                q(filter)
            ))
            .await;
        assert_eq!(row_ids(&page).len(), 50, "{}", w.name);
        let count = element(&page, "result-count", "</p>");
        assert!(count.contains("55 accounts"), "{count}");
        let next_href = page
            .split("<a href=\"")
            .filter_map(|s| s.split_once('"'))
            .find(|(_, rest)| rest.starts_with(" rel=\"next\""))
            .map(|(href, _)| href.replace("&#38;", "&"))
            .expect("a next link");
        assert!(next_href.contains("filter=account.state"), "{next_href}");
        assert!(
            next_href.contains("sort=employees&dir=asc&page=2"),
            "{next_href}"
        );
        let second = w.page(&next_href).await;
        assert_eq!(row_ids(&second).len(), 5);
        assert!(second.contains("rel=\"prev\""));
    }
}

#[tokio::test]
async fn a_bad_filter_shows_where_and_why_beside_the_box() {
    for w in web::each_backend(Role::Sales).await {
        account(
            &w,
            firm("Acme", "CA", "Software", 5, Relationship::Prospect),
        )
        .await;
        let filter = r#"account.state = "CA" and account.industy = "Software""#;
        let (status, page) = w.get(&format!("/accounts?filter={}", q(filter))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", w.name);
        assert!(page.contains("<p class=\"error filter-error\" id=\"filter-error\""));
        let error = element(&page, "filter-error", "</p>");
        assert!(error.contains("Column 26"), "{error}");
        assert!(
            error.contains("did you mean `account.industry`"),
            "the checker's suggestion: {error}"
        );
        assert!(
            error.contains(&format!("{}^", " ".repeat(25))),
            "a caret under the column: {error}"
        );
        // The box keeps the text and points at the error.
        let textarea = element(&page, "filter", "</textarea>");
        assert!(textarea.contains("account.industy"), "{textarea}");
        assert!(textarea.contains("aria-describedby=\"filter-error\""));
        assert!(row_ids(&page).is_empty());

        let (status, page) = w
            .get(&format!("/accounts?filter={}", q("account.state = ")))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("id=\"filter-error\""));
    }
}

#[tokio::test]
async fn the_seed_segment_lists_only_the_accounts_of_matching_contacts() {
    for w in web::each_backend(Role::Sales).await {
        let hit = account(
            &w,
            firm("Hit Soft", "CA", "Software", 80, Relationship::Prospect),
        )
        .await;
        contact(&w, hit, "Mia", Some(Seniority::Manager), None).await;
        contact(&w, hit, "Dan", Some(Seniority::Director), None).await;
        let customer = account(
            &w,
            firm(
                "Customer Soft",
                "CA",
                "Software",
                80,
                Relationship::Customer,
            ),
        )
        .await;
        contact(&w, customer, "Cal", Some(Seniority::Manager), None).await;
        let only_vp = account(
            &w,
            firm("Vp Soft", "CA", "Software", 80, Relationship::Prospect),
        )
        .await;
        contact(&w, only_vp, "Val", Some(Seniority::Vp), None).await;
        let texas = account(
            &w,
            firm("Texas Soft", "TX", "Software", 80, Relationship::Prospect),
        )
        .await;
        contact(&w, texas, "Tex", Some(Seniority::Director), None).await;
        let empty = account(
            &w,
            firm("Empty Soft", "CA", "Software", 80, Relationship::Prospect),
        )
        .await;

        let page = w.page(&format!("/accounts?filter={}", q(SEED))).await;
        assert_eq!(row_ids(&page), [hit.0], "{}: one row per account", w.name);
        let count = element(&page, "result-count", "</p>");
        assert!(count.contains("1 account "), "{count}");
        assert!(
            count.contains("accounts of the matching contacts"),
            "{count}"
        );

        // Saved as a segment, the seed is a view to pick.
        let saved = w
            .store
            .create_segment(
                &Actor::system("test"),
                NewSegment {
                    name: "CA software managers and directors".into(),
                    target: Some(SegmentTarget::Contact),
                    expression: SEED.into(),
                },
            )
            .await
            .unwrap();
        let page = w.page("/accounts").await;
        let picker = element(&page, "saved-view", "</select>");
        assert!(
            picker.contains(&format!("value=\"{}\"", saved.id.0)),
            "{picker}"
        );
        let page = w.page(&format!("/accounts?view={}", saved.id.0)).await;
        assert_eq!(row_ids(&page), [hit.0]);
        assert!(element(&page, "saved-view", "</select>")
            .contains(&format!("value=\"{}\" selected", saved.id.0)));
        w.store
            .delete_segment(&Actor::system("test"), saved.id)
            .await
            .unwrap();

        // An account filter lists accounts, with or without contacts.
        let page = w
            .page(&format!(
                "/accounts?filter={}",
                q(r#"account.state = "CA" and account.relationship = "prospect""#)
            ))
            .await;
        let mut ids = row_ids(&page);
        ids.sort();
        let mut want = vec![hit.0, only_vp.0, empty.0];
        want.sort();
        assert_eq!(ids, want, "{}", w.name);
    }
}

#[tokio::test]
async fn saving_a_view_makes_a_segment_and_a_taken_name_is_refused_beside_the_field() {
    for w in web::each_backend(Role::Sales).await {
        let ca = account(
            &w,
            firm("Cali", "CA", "Software", 5, Relationship::Prospect),
        )
        .await;
        account(
            &w,
            firm("Newy", "NY", "Software", 5, Relationship::Prospect),
        )
        .await;
        let filter = r#"account.state = "CA""#;
        let res = w
            .post(
                "/accounts/views",
                &[("name", "California"), ("filter", filter), ("target", "")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let to = Web::location(&res);
        let seg = w
            .store
            .find_segment("california")
            .await
            .unwrap()
            .expect("saved");
        assert_eq!(seg.expression, filter);
        assert_eq!(seg.target, SegmentTarget::Account);
        assert_eq!(to, format!("/accounts?view={}&done=saved", seg.id.0));
        let page = w.page(&to).await;
        assert_eq!(row_ids(&page), [ca.0], "{}: the view runs", w.name);
        assert!(page.contains("class=\"notice\""));
        let picker = element(&page, "saved-view", "</select>");
        assert!(
            picker.contains(&format!(
                "value=\"{}\" selected>California</option>",
                seg.id.0
            )),
            "{picker}"
        );

        // A contact filter is saved as a contact segment.
        let res = w
            .post("/accounts/views", &[("name", "Seed"), ("filter", SEED)])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let seed = w.store.find_segment("Seed").await.unwrap().unwrap();
        assert_eq!(seed.target, SegmentTarget::Contact);

        let res = w
            .post(
                "/accounts/views",
                &[
                    ("name", "CALIFORNIA"),
                    ("filter", r#"account.state = "NY""#),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", w.name);
        let page = res.text().await.unwrap();
        let error = element(&page, "name-error", "</p>");
        assert!(error.contains("already exists"), "{error}");
        assert!(page.contains("aria-describedby=\"name-error\""));
        assert!(page.contains("value=\"CALIFORNIA\""), "the name is kept");

        let res = w
            .post("/accounts/views", &[("name", "  "), ("filter", filter)])
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.unwrap().contains("id=\"name-error\""));

        let res = w
            .post(
                "/accounts/views",
                &[("name", "Broken"), ("filter", "account.stat = 1")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = res.text().await.unwrap();
        assert!(element(&page, "filter-error", "</p>").contains("account.state"));
        assert!(w.store.find_segment("Broken").await.unwrap().is_none());
        let segments = w
            .store
            .list_segments(Default::default())
            .await
            .unwrap()
            .items;
        assert_eq!(segments.len(), 2, "{}", w.name);
    }
}

#[tokio::test]
async fn read_only_users_see_views_but_cannot_save_one() {
    for w in web::each_backend(Role::ReadOnly).await {
        let page = w.page("/accounts").await;
        assert!(page.contains("id=\"saved-view\""));
        assert!(!page.contains("action=\"/accounts/views\""), "{}", w.name);
        let res = w
            .post(
                "/accounts/views",
                &[("name", "Mine"), ("filter", r#"account.state = "CA""#)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(w.store.find_segment("Mine").await.unwrap().is_none());
    }
}

/// The cell of the buying center grid for a role and a band (executive, director, manager, other).
fn cell(page: &str, role: &str, band: &str) -> String {
    let grid = element(page, "buying-center", "</table>");
    let row = &grid[grid.find(&format!("data-role=\"{role}\"")).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    let start = row.find(&format!("data-band=\"{band}\"")).unwrap();
    let cell = &row[start..];
    cell[..cell.find("</td>").unwrap()].to_string()
}

#[tokio::test]
async fn the_360_places_contacts_by_role_and_seniority_and_marks_the_gaps() {
    for w in web::each_backend(Role::Sales).await {
        let a = account(
            &w,
            firm("Gapco", "CA", "Software", 120, Relationship::Prospect),
        )
        .await;
        let champ = contact(
            &w,
            a,
            "Chad",
            Some(Seniority::Manager),
            Some(BuyingRole::Champion),
        )
        .await;
        let user = contact(
            &w,
            a,
            "Una",
            Some(Seniority::IndividualContributor),
            Some(BuyingRole::User),
        )
        .await;
        let nobody = contact(&w, a, "Ned", None, None).await;
        let page = w.page(&format!("/accounts/{}", a.0)).await;
        assert!(
            cell(&page, "champion", "manager").contains(&format!("href=\"/contacts/{}\"", champ.0)),
            "{}",
            w.name
        );
        assert!(cell(&page, "user", "other").contains(&format!("href=\"/contacts/{}\"", user.0)));
        assert!(cell(&page, "unassigned", "other")
            .contains(&format!("href=\"/contacts/{}\"", nobody.0)));
        assert!(!cell(&page, "champion", "other").contains("/contacts/"));
        assert!(
            page.contains("data-gap=\"no-economic-buyer\""),
            "{}",
            w.name
        );
        assert!(page.contains("data-gap=\"no-one-above-manager\""));
        let eb = element(&page, "buying-center", "</table>");
        let eb = &eb[eb.find("data-role=\"economic_buyer\"").unwrap()..];
        assert!(eb[..eb.find("</tr>").unwrap()].contains("class=\"gap\""));
        // Every section is there; contacts link to their pages.
        for id in [
            "hierarchy",
            "score",
            "opportunities",
            "products",
            "timeline",
            "contacts",
        ] {
            assert!(
                page.contains(&format!("id=\"{id}\"")),
                "{}: no #{id}",
                w.name
            );
        }

        let eb = contact(
            &w,
            a,
            "Eve",
            Some(Seniority::Vp),
            Some(BuyingRole::EconomicBuyer),
        )
        .await;
        let page = w.page(&format!("/accounts/{}", a.0)).await;
        assert!(cell(&page, "economic_buyer", "executive")
            .contains(&format!("href=\"/contacts/{}\"", eb.0)));
        assert!(!page.contains("data-gap="), "{}: no gaps left", w.name);
    }
}

#[tokio::test]
async fn the_360_shows_opportunities_renewals_and_the_timeline() {
    for w in web::each_backend(Role::Sales).await {
        let a = account(
            &w,
            firm("Dealco", "CA", "Software", 120, Relationship::Customer),
        )
        .await;
        let c = contact(
            &w,
            a,
            "Tim",
            Some(Seniority::Director),
            Some(BuyingRole::EconomicBuyer),
        )
        .await;
        let today = chrono::Utc::now().date_naive();
        w.store
            .create_opportunity(
                &actor(),
                NewOpportunity {
                    account_id: a,
                    name: "Expansion deal".into(),
                    stage: Some(OpportunityStage::Proposal),
                    amount: Some(42_000.0),
                    close_date: Some(today + chrono::Days::new(30)),
                    source_campaign_id: None,
                    owner_id: None,
                    contact_roles: vec![],
                    created_at: None,
                },
            )
            .await
            .unwrap();
        for (product, days) in [("Soon Suite", 20), ("Later Suite", 200)] {
            w.store
                .create_asset(
                    &actor(),
                    NewAsset {
                        account_id: a,
                        product: product.into(),
                        quantity: 3,
                        annual_value: Some(1000.0),
                        purchased_on: None,
                        renews_on: Some(today + chrono::Days::new(days)),
                    },
                )
                .await
                .unwrap();
        }
        w.store
            .create_activity(
                &actor(),
                NewActivity {
                    account_id: None,
                    contact_id: Some(c),
                    body: None,
                    kind: ActivityKind::Meeting,
                    subject: Some("Quarterly review".into()),
                    occurred_at: None,
                    campaign_id: None,
                    opportunity_id: None,
                },
            )
            .await
            .unwrap();
        let page = w.page(&format!("/accounts/{}", a.0)).await;
        let opps = element(&page, "opportunities", "</section>");
        assert!(
            opps.contains("Expansion deal") && opps.contains("$42,000"),
            "{opps}"
        );
        assert!(opps.contains("href=\"/opportunities\""));
        let products = element(&page, "products", "</section>");
        let soon = &products[..products.find("Soon Suite").unwrap()];
        assert!(
            soon.ends_with("data-renewal-soon=\"true\">\n          <td>"),
            "{products}"
        );
        let later = &products[products.find("Soon Suite").unwrap()..];
        assert!(
            !later.contains("data-renewal-soon"),
            "{}: 200 days is not soon",
            w.name
        );
        let timeline = element(&page, "timeline", "</section>");
        assert!(timeline.contains("Quarterly review"));
        assert!(timeline.contains(&format!("href=\"/contacts/{}\"", c.0)));
        let score = element(&page, "score", "</section>");
        assert!(score.contains("Own score"), "{score}");
    }
}

#[tokio::test]
async fn the_hierarchy_links_up_and_down_and_marks_the_account() {
    for w in web::each_backend(Role::Sales).await {
        let parent = account(
            &w,
            firm(
                "Group Holdings",
                "CA",
                "Software",
                9000,
                Relationship::Prospect,
            ),
        )
        .await;
        let mut mid = firm(
            "Group Europe",
            "CA",
            "Software",
            900,
            Relationship::Prospect,
        );
        mid.parent_id = Some(parent);
        let mid = account(&w, mid).await;
        let mut leaf = firm(
            "Group Germany",
            "CA",
            "Software",
            90,
            Relationship::Prospect,
        );
        leaf.parent_id = Some(mid);
        let leaf = account(&w, leaf).await;
        let mut sibling = firm("Group Asia", "CA", "Software", 90, Relationship::Prospect);
        sibling.parent_id = Some(parent);
        let sibling = account(&w, sibling).await;

        let page = w.page(&format!("/accounts/{}", mid.0)).await;
        let tree = element(&page, "hierarchy", "</section>");
        assert!(
            tree.contains(&format!(
                "href=\"/accounts/{}\">Group Holdings</a>",
                parent.0
            )),
            "{tree}"
        );
        assert!(tree.contains(&format!("href=\"/accounts/{}\">Group Germany</a>", leaf.0)));
        assert!(tree.contains(&format!("href=\"/accounts/{}\">Group Asia</a>", sibling.0)));
        assert!(tree.contains("<strong aria-current=\"page\">Group Europe</strong>"));
        assert!(!tree.contains(&format!("href=\"/accounts/{}\"", mid.0)));
        // Nested: Germany sits inside Europe's list.
        let europe = &tree[tree.find("Group Europe").unwrap()..];
        assert!(europe.find("Group Germany").unwrap() < europe.find("</li>").unwrap());
        assert!(page.contains(&format!(
            "href=\"/accounts/{}\" id=\"parent-link\">Group Holdings",
            parent.0
        )));
    }
}

/// A parent's 360 shows its family's open deals beside its own, each under its member.
#[tokio::test]
async fn a_parents_360_shows_the_familys_open_opportunities() {
    for w in web::each_backend(Role::Sales).await {
        let parent = account(
            &w,
            firm(
                "Orbit Group",
                "CA",
                "Software",
                9000,
                Relationship::Prospect,
            ),
        )
        .await;
        let mut child = firm("Orbit Japan", "CA", "Software", 900, Relationship::Prospect);
        child.parent_id = Some(parent);
        let child = account(&w, child).await;
        let mut grandchild = firm("Orbit Osaka", "CA", "Software", 90, Relationship::Prospect);
        grandchild.parent_id = Some(child);
        let grandchild = account(&w, grandchild).await;
        let deal = |account: AccountId, name: &str, stage: OpportunityStage| NewOpportunity {
            account_id: account,
            name: name.into(),
            stage: Some(stage),
            amount: Some(1000.0),
            close_date: None,
            source_campaign_id: None,
            owner_id: None,
            contact_roles: Vec::new(),
            created_at: None,
        };
        for (a, name, stage) in [
            (grandchild, "Osaka rollout", OpportunityStage::Negotiation),
            (child, "Japan pilot", OpportunityStage::ClosedLost),
        ] {
            w.store
                .create_opportunity(&actor(), deal(a, name, stage))
                .await
                .unwrap();
        }
        let page = w.page(&format!("/accounts/{}", parent.0)).await;
        assert!(
            page.contains("0 open, 0 closed"),
            "{}: the parent's own",
            w.name
        );
        let family = element(&page, "family-opportunities", "</table>");
        assert!(
            family.contains(&format!(
                "href=\"/accounts/{}\">Orbit Osaka</a>",
                grandchild.0
            )),
            "{family}"
        );
        assert!(
            family.contains("Osaka rollout") && !family.contains("Japan pilot"),
            "{}: open deals only: {family}",
            w.name
        );
        assert!(page.contains("1 open at its 2 subsidiaries"), "{}", w.name);

        // The family's people and products, each under its member; the roles nobody holds.
        let mut buyer = NewContact::at(grandchild);
        buyer.email = Some(abcrm_core::normalize::Email::parse("kenji@orbit.jp").unwrap());
        buyer.buying_role = Some(BuyingRole::EconomicBuyer);
        w.store.create_contact(&actor(), buyer).await.unwrap();
        w.store
            .create_asset(
                &actor(),
                NewAsset {
                    account_id: child,
                    product: "Platform".into(),
                    quantity: 1,
                    annual_value: None,
                    purchased_on: None,
                    renews_on: None,
                },
            )
            .await
            .unwrap();
        let page = w.page(&format!("/accounts/{}", parent.0)).await;
        let members = element(&page, "family-members", "</table>");
        assert!(
            members.contains(&format!("href=\"/accounts/{}\">Orbit Osaka</a></td><td class=\"num\">1</td><td>economic buyer</td>", grandchild.0)),
            "{}: {members}",
            w.name
        );
        assert!(members.contains("Platform"), "{}: {members}", w.name);
        let coverage = element(&page, "family-coverage", "</p>");
        assert!(
            coverage.contains("nobody is champion") && !coverage.contains("economic buyer"),
            "{}: {coverage}",
            w.name
        );
        let leaf = w.page(&format!("/accounts/{}", grandchild.0)).await;
        assert!(
            !leaf.contains("family-opportunities") && !leaf.contains("family-members"),
            "a leaf has no family pipeline"
        );
    }
}

#[tokio::test]
async fn an_unknown_account_is_a_404_page() {
    for w in web::each_backend(Role::Sales).await {
        let (status, page) = w.get("/accounts/999999").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", w.name);
        assert!(page.contains("account 999999 does not exist"), "{page}");
        let (status, _) = w.get("/accounts/not-a-number").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

/// A place typed in another form than the account keeps it shows how it was typed.
#[tokio::test]
async fn the_360_shows_a_place_as_it_was_typed_beside_its_code() {
    for w in web::each_backend(Role::Sales).await {
        let id = account(
            &w,
            NewAccount {
                name: "Acme".into(),
                country: Some("United States".into()),
                state: Some("California".into()),
                ..Default::default()
            },
        )
        .await;
        let page = w.page(&format!("/accounts/{}", id.0)).await;
        assert!(
            page.contains("typed as “California”, “United States”"),
            "{}: {page}",
            w.name
        );
    }
}
