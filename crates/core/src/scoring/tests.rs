//! The scoring engine against the promises of the model: decay, breadth over one busy person,
//! the hierarchy roll-up rules, explanations that add up, and one answer whichever way it is
//! computed.

use super::*;
use crate::model::{
    Account, AccountStage, ActivityKind, BuyingRole, Contact, ContactStatus, Relationship,
    Seniority,
};
use crate::{AccountId, ActivityId, CampaignId, ContactId};
use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap()
}

fn account(id: i64, parent: Option<i64>) -> Account {
    Account {
        id: AccountId(id),
        name: format!("Account {id}"),
        domains: vec![],
        duns: None,
        parent_id: parent.map(AccountId),
        industry: Some("Software".into()),
        employees: Some(500),
        annual_revenue: None,
        country: Some("US".into()),
        state: Some("CA".into()),
        city: None,
        relationship: Relationship::Prospect,
        stage: AccountStage::Target,
        owner_id: None,
        target_tier: None,
        created_at: now(),
        updated_at: now(),
    }
}

fn contact(
    id: i64,
    account: i64,
    role: Option<BuyingRole>,
    seniority: Option<Seniority>,
) -> Contact {
    Contact {
        id: ContactId(id),
        account_id: AccountId(account),
        first_name: Some(format!("P{id}")),
        last_name: None,
        email: None,
        phone: None,
        title: None,
        seniority,
        department: None,
        buying_role: role,
        status: ContactStatus::Active,
        owner_id: None,
        source: None,
        created_at: now(),
        updated_at: now(),
    }
}

fn activity(id: i64, contact: Option<i64>, kind: ActivityKind, days_ago: f64) -> ActivityFact {
    ActivityFact {
        id: ActivityId(id),
        contact: contact.map(ContactId),
        kind,
        campaign: None,
        occurred_at: now().timestamp() - (days_ago * 86_400.0) as i64,
    }
}

/// Engagement only: no fit, no caps, breadth as given.
fn engagement_model(extra: &str) -> ScoringModel {
    parse_model(&format!(
        "name = \"t\"\n[contact]\nengaged_at = 1\n[account]\npoints_per_role = 8\npoints_per_seniority = 4\n{extra}\n\
         [[engagement]]\nname = \"Meeting\"\nkinds = [\"meeting\"]\npoints = 10\nhalf_life_days = 30\n"
    ))
    .unwrap()
}

fn score(model: &ScoringModel, facts: &AccountFacts<'_>) -> AccountScore {
    Scorer::new(model, &[], now()).score_account(facts).0
}

#[test]
fn decay_halves_a_contribution_after_its_half_life() {
    let m = engagement_model("");
    let a = account(1, None);
    let c = [contact(1, 1, None, None)];
    let at = |days: f64| {
        let acts = [activity(1, Some(1), ActivityKind::Meeting, days)];
        let facts = AccountFacts {
            account: &a,
            contacts: &c,
            activities: &acts,
            children: &[],
        };
        Scorer::new(&m, &[], now()).score_account(&facts).1[0].engagement
    };
    assert_eq!(at(0.0), Points::from_f64(10.0));
    assert_eq!(at(30.0), Points::from_f64(5.0));
    assert_eq!(at(60.0), Points::from_f64(2.5));
    assert_eq!(
        at(-5.0),
        Points::from_f64(10.0),
        "a future activity does not grow"
    );
}

#[test]
fn a_rule_window_and_cap_bound_engagement() {
    let m = parse_model(
        "name = \"t\"\n[contact]\nmax_engagement = 25\n\
         [[engagement]]\nname = \"Visit\"\nkinds = [\"web_visit\"]\npoints = 4\nwithin_days = 30\nmax_points = 10\n\
         [[engagement]]\nname = \"Call\"\nkinds = [\"call\"]\npoints = 20\n",
    )
    .unwrap();
    let s = Scorer::new(&m, &[], now());
    let mut tally = vec![0; s.tally_width()];
    for i in 0..5 {
        s.engage(
            &mut tally,
            &activity(i, Some(1), ActivityKind::WebVisit, 1.0),
        );
    }
    s.engage(
        &mut tally,
        &activity(9, Some(1), ActivityKind::WebVisit, 31.0),
    );
    assert_eq!(
        tally[0], 20_000,
        "the visit 31 days ago is outside the window"
    );
    assert_eq!(
        s.engagement(&tally),
        Points::from_f64(10.0),
        "the rule's cap"
    );
    s.engage(&mut tally, &activity(10, Some(1), ActivityKind::Call, 1.0));
    assert_eq!(
        s.engagement(&tally),
        Points::from_f64(25.0),
        "the contact maximum"
    );
}

#[test]
fn a_note_earns_nothing_even_from_a_rule_for_every_kind() {
    let m = parse_model("name = \"t\"\n[[engagement]]\nname = \"Anything\"\npoints = 5\n").unwrap();
    let s = Scorer::new(&m, &[], now());
    let mut tally = vec![0; s.tally_width()];
    s.engage(&mut tally, &activity(1, Some(1), ActivityKind::Note, 0.0));
    assert_eq!(
        s.engagement(&tally),
        Points::ZERO,
        "a note is ours, not the person's"
    );
    s.engage(&mut tally, &activity(2, Some(1), ActivityKind::Call, 0.0));
    assert_eq!(s.engagement(&tally), Points::from_f64(5.0));
}

#[test]
fn campaign_rules_match_their_campaign_only() {
    let m = parse_model(
        "name = \"t\"\n[[engagement]]\nname = \"Launch webinar\"\nkinds = [\"webinar\"]\ncampaign = \"Q3 Launch\"\npoints = 30\n\
         [[engagement]]\nname = \"Missing\"\ncampaign = \"No such campaign\"\npoints = 99\n",
    )
    .unwrap();
    let s = Scorer::new(&m, &[(CampaignId(4), "q3 launch".into())], now());
    assert_eq!(s.missing_campaigns(), vec!["No such campaign"]);
    let mut tally = vec![0; s.tally_width()];
    let mut a = activity(1, Some(1), ActivityKind::Webinar, 0.0);
    s.engage(&mut tally, &a);
    assert_eq!(s.engagement(&tally), Points::ZERO);
    a.campaign = Some(CampaignId(4));
    s.engage(&mut tally, &a);
    assert_eq!(s.engagement(&tally), Points::from_f64(30.0));
}

#[test]
fn five_engaged_roles_outscore_one_contact_with_five_times_the_activity() {
    // The shipped model, where fit and caps apply as they would in use.
    let m = ScoringModel::default_model();
    let roles = [
        (BuyingRole::EconomicBuyer, Seniority::CLevel),
        (BuyingRole::Champion, Seniority::Director),
        (BuyingRole::Influencer, Seniority::Manager),
        (BuyingRole::Evaluator, Seniority::IndividualContributor),
        (BuyingRole::User, Seniority::IndividualContributor),
    ];
    let a = account(1, None);
    let team: Vec<Contact> = roles
        .iter()
        .enumerate()
        .map(|(i, (r, s))| contact(i as i64 + 1, 1, Some(*r), Some(*s)))
        .collect();
    let team_acts: Vec<ActivityFact> = (0..5)
        .flat_map(|c| {
            [
                activity(c * 10, Some(c + 1), ActivityKind::Meeting, 10.0),
                activity(c * 10 + 1, Some(c + 1), ActivityKind::Webinar, 20.0),
            ]
        })
        .collect();
    let busy = [contact(
        1,
        1,
        Some(BuyingRole::Champion),
        Some(Seniority::Director),
    )];
    let busy_acts: Vec<ActivityFact> = (0..5)
        .flat_map(|i| {
            [
                activity(i * 10, Some(1), ActivityKind::Meeting, 10.0),
                activity(i * 10 + 1, Some(1), ActivityKind::Webinar, 20.0),
            ]
        })
        .collect();
    let team_score = score(
        &m,
        &AccountFacts {
            account: &a,
            contacts: &team,
            activities: &team_acts,
            children: &[],
        },
    );
    let busy_score = score(
        &m,
        &AccountFacts {
            account: &a,
            contacts: &busy,
            activities: &busy_acts,
            children: &[],
        },
    );
    assert!(
        team_score.score > busy_score.score,
        "team {} vs one busy contact {}",
        team_score.score,
        busy_score.score
    );
    // And with engagement alone (no fit, no caps): breadth and diminishing returns still win.
    let m = engagement_model("next_contact_weight = 0.9");
    let team_score = score(
        &m,
        &AccountFacts {
            account: &a,
            contacts: &team,
            activities: &team_acts,
            children: &[],
        },
    );
    let busy_score = score(
        &m,
        &AccountFacts {
            account: &a,
            contacts: &busy,
            activities: &busy_acts,
            children: &[],
        },
    );
    assert!(
        team_score.score > busy_score.score,
        "{} vs {}",
        team_score.score,
        busy_score.score
    );
}

#[test]
fn each_further_contact_counts_less_and_left_company_not_at_all() {
    let m = engagement_model("next_contact_weight = 0.5\nmax_contacts = 2");
    let a = account(1, None);
    let mut people = vec![
        contact(1, 1, None, None),
        contact(2, 1, None, None),
        contact(3, 1, None, None),
        contact(4, 1, None, None),
    ];
    people[0].status = ContactStatus::LeftCompany;
    let acts: Vec<ActivityFact> = (1..=4)
        .map(|c| activity(c, Some(c), ActivityKind::Meeting, 0.0))
        .collect();
    let s = score(
        &m,
        &AccountFacts {
            account: &a,
            contacts: &people,
            activities: &acts,
            children: &[],
        },
    );
    // Contacts 2 and 3 count (10 + 5); 4 is beyond max_contacts; 1 left the company.
    assert_eq!(s.parts.people, Points::from_f64(15.0));
}

/// A model and an organisation to score with it: accounts, contacts, activities by account.
type Family = (
    ScoringModel,
    Vec<Account>,
    Vec<Contact>,
    Vec<(AccountId, ActivityFact)>,
);

fn family(rollup: &str) -> Family {
    let m = engagement_model(&format!("rollup = \"{rollup}\""));
    // 1 is the parent of 2 and 3; 3 is the parent of 4.
    let accounts = vec![
        account(1, None),
        account(2, Some(1)),
        account(3, Some(1)),
        account(4, Some(3)),
    ];
    let contacts = vec![
        contact(10, 1, None, None),
        contact(20, 2, None, None),
        contact(40, 4, None, None),
    ];
    let acts = vec![
        (
            AccountId(1),
            activity(1, Some(10), ActivityKind::Meeting, 0.0),
        ),
        (
            AccountId(2),
            activity(2, Some(20), ActivityKind::Meeting, 0.0),
        ),
        (
            AccountId(2),
            activity(3, Some(20), ActivityKind::Meeting, 0.0),
        ),
        (
            AccountId(4),
            activity(4, Some(40), ActivityKind::Meeting, 0.0),
        ),
        (
            AccountId(4),
            activity(5, Some(40), ActivityKind::Meeting, 0.0),
        ),
        (
            AccountId(4),
            activity(6, Some(40), ActivityKind::Meeting, 0.0),
        ),
    ];
    (m, accounts, contacts, acts)
}

fn recompute(
    m: &ScoringModel,
    accounts: &[Account],
    contacts: &[Contact],
    acts: &[(AccountId, ActivityFact)],
) -> Vec<(i64, f64)> {
    let s = Scorer::new(m, &[], now());
    let mut r = Recompute::new(&s);
    accounts.iter().for_each(|a| r.add_account(a));
    contacts.iter().for_each(|c| r.add_contact(c));
    acts.iter().for_each(|(a, f)| r.add_activity(*a, f));
    let (scores, _) = r.finish();
    scores
        .iter()
        .map(|s| (s.account_id.0, s.score.as_f64()))
        .collect()
}

#[test]
fn the_hierarchy_rolls_up_by_the_models_rule() {
    // Own scores: 1 -> 10, 2 -> 20, 3 -> 0, 4 -> 30.
    let (m, a, c, f) = family("own");
    assert_eq!(
        recompute(&m, &a, &c, &f),
        vec![(1, 10.0), (2, 20.0), (3, 0.0), (4, 30.0)]
    );
    let (m, a, c, f) = family("sum_children");
    assert_eq!(
        recompute(&m, &a, &c, &f),
        vec![(1, 60.0), (2, 20.0), (3, 30.0), (4, 30.0)]
    );
    let (m, a, c, f) = family("max_children");
    assert_eq!(
        recompute(&m, &a, &c, &f),
        vec![(1, 30.0), (2, 20.0), (3, 30.0), (4, 30.0)]
    );
}

#[test]
fn rollup_order_puts_subsidiaries_first() {
    let parents = [None, Some(0), Some(0), Some(2), Some(9)];
    let order = rollup_order(&parents);
    let at = |i: usize| order.iter().position(|&x| x == i).unwrap();
    assert_eq!(order.len(), parents.len());
    assert!(at(1) < at(0) && at(2) < at(0) && at(3) < at(2));
    // A cycle is scored rather than lost.
    assert_eq!(rollup_order(&[Some(1), Some(0)]).len(), 2);
}

#[test]
fn an_explanation_names_every_line_and_adds_up() {
    let (m, accounts, mut contacts, acts) = family("sum_children");
    contacts.push(contact(
        11,
        1,
        Some(BuyingRole::Champion),
        Some(Seniority::Vp),
    ));
    let mine: Vec<ActivityFact> = acts
        .iter()
        .filter(|(a, _)| *a == AccountId(1))
        .map(|(_, f)| *f)
        .chain([
            activity(7, Some(11), ActivityKind::Meeting, 45.0),
            activity(8, None, ActivityKind::Meeting, 3.0),
        ])
        .collect();
    let s = Scorer::new(&m, &[], now());
    let people: Vec<Contact> = contacts
        .iter()
        .filter(|c| c.account_id == AccountId(1))
        .cloned()
        .collect();
    let children = [
        (AccountId(2), Points::from_f64(20.0)),
        (AccountId(3), Points::from_f64(30.0)),
    ];
    let facts = AccountFacts {
        account: &accounts[0],
        contacts: &people,
        activities: &mine,
        children: &children,
    };
    let e = s.explain_account(&facts);
    assert_eq!(e.total(), e.score);
    assert_eq!(e.score, s.score_account(&facts).0.score);
    for line in &e.lines {
        if let Line::Contact(c) = line {
            let inner: Points = c
                .fit
                .iter()
                .map(|l| l.points)
                .chain(c.engagement.iter().map(|l| l.points))
                .chain(c.caps.iter().map(|l| l.points))
                .sum();
            assert_eq!(inner, c.score, "contact {} adds up", c.contact_id);
        }
    }
    let text = serde_json::to_string(&e).unwrap();
    for needle in [
        "\"kind\":\"contact\"",
        "\"kind\":\"subsidiary\"",
        "\"kind\":\"account_engagement\"",
        "\"kind\":\"breadth\"",
        "\"factor\":0.35355",
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
}

prop_compose! {
    fn arb_contact(account: i64)(id in 1i64..40, role in proptest::option::of(0usize..6), sen in proptest::option::of(0usize..5), left in proptest::bool::weighted(0.1)) -> Contact {
        let mut c = contact(account * 100 + id, account, role.map(|r| BuyingRole::ALL[r]), sen.map(|s| Seniority::ALL[s]));
        if left { c.status = ContactStatus::LeftCompany; }
        c
    }
}

proptest! {
    /// The three ways of computing a score agree to the thousandth of a point, and explanations
    /// add up, for any people, activities and roll-up rule.
    #[test]
    fn every_path_gives_the_same_score(
        rollup in 0usize..3,
        contacts in proptest::collection::vec(arb_contact(1), 0..12),
        acts in proptest::collection::vec((0usize..14, 0usize..7, 0.0f64..400.0), 0..60),
        child_meetings in proptest::collection::vec(0i64..5, 0..3),
    ) {
        let rollup = ["own", "sum_children", "max_children"][rollup];
        let mut m = ScoringModel::default_model();
        m.account.rollup = match rollup { "own" => Rollup::Own, "sum_children" => Rollup::SumChildren, _ => Rollup::MaxChildren };
        let mut contacts = contacts;
        contacts.sort_by_key(|c| c.id);
        contacts.dedup_by_key(|c| c.id);
        let facts: Vec<ActivityFact> = acts.iter().enumerate().map(|(i, (c, k, d))| {
            let who = contacts.get(*c).map(|c| c.id.0);
            activity(i as i64, who, ActivityKind::ALL[*k], *d)
        }).collect();
        let parent = account(1, None);
        // Children as whole accounts for the recompute, and as rolled scores for the one-account path.
        let kids: Vec<(Account, Vec<Contact>, Vec<ActivityFact>)> = child_meetings.iter().enumerate().map(|(i, n)| {
            let id = 2 + i as i64;
            let c = contact(id * 1000, id, None, None);
            let meetings = (0..*n).map(|k| activity(10_000 + id * 10 + k, Some(c.id.0), ActivityKind::Meeting, k as f64)).collect();
            (account(id, Some(1)), vec![c], meetings)
        }).collect();
        let s = Scorer::new(&m, &[], now());
        let children: Vec<(AccountId, Points)> = kids.iter().map(|(a, c, f)| {
            let facts = AccountFacts { account: a, contacts: c, activities: f, children: &[] };
            (a.id, s.score_account(&facts).0.score)
        }).collect();
        let one = AccountFacts { account: &parent, contacts: &contacts, activities: &facts, children: &children };
        let (direct, contact_scores) = s.score_account(&one);
        let explained = s.explain_account(&one);
        prop_assert_eq!(explained.total(), explained.score);
        prop_assert_eq!(explained.score, direct.score);

        let mut r = Recompute::new(&s);
        r.add_account(&parent);
        for (a, _, _) in &kids { r.add_account(a); }
        for c in &contacts { r.add_contact(c); }
        for (_, c, _) in &kids { for c in c { r.add_contact(c); } }
        for f in facts.iter().rev() { r.add_activity(AccountId(1), f); }
        for (a, _, f) in &kids { for f in f { r.add_activity(a.id, f); } }
        let (all, all_contacts) = r.finish();
        prop_assert_eq!(all[0], direct);
        for c in &contact_scores {
            prop_assert_eq!(all_contacts.iter().find(|x| x.contact_id == c.contact_id), Some(c));
        }
    }
}

proptest! {
    /// Any text is a model or an error on a line of the text; never a panic.
    #[test]
    fn any_model_text_parses_or_errs_on_one_of_its_lines(s in "\\PC{0,200}") {
        if let Err(e) = parse_model(&s) {
            prop_assert!(e.line >= 1 && e.line <= s.lines().count().max(1) + 1, "{e}");
        }
    }

    /// Model-shaped text: every mutation of the shipped model parses or errs with a line.
    #[test]
    fn mutated_models_parse_or_err_with_a_line(cut in 0usize..3000, insert in "[a-z_\\[\\]=\"'0-9. \n-]{0,12}") {
        let base = DEFAULT_MODEL;
        let at = (0..=cut.min(base.len())).rev().find(|i| base.is_char_boundary(*i)).unwrap_or(0);
        let text = format!("{}{insert}{}", &base[..at], &base[at..]);
        if let Err(e) = parse_model(&text) {
            prop_assert!(e.line >= 1 && e.line <= text.lines().count() + 1, "{e}");
        }
    }
}

#[test]
fn each_level_of_subsidiaries_counts_its_weight_in_the_parent() {
    let m = engagement_model("rollup = \"sum_children\"\nsubsidiary_weight = 0.5");
    let scorer = Scorer::new(&m, &[], now());
    let p = Points::from_f64;
    // A grandchild's 40 is 20 in its parent's rolled score, which counts half again above.
    let child = scorer.rollup(p(10.0), &[(AccountId(4), p(40.0))]);
    assert_eq!(child, p(30.0));
    let parent = scorer.rollup(p(5.0), &[(AccountId(3), child), (AccountId(2), p(8.0))]);
    assert_eq!(parent, p(5.0 + 15.0 + 4.0));
}

#[test]
fn the_shipped_model_scores_a_company_as_a_family() {
    let m = ScoringModel::default_model();
    assert_eq!(m.account.rollup, Rollup::SumChildren);
    assert!(m.account.subsidiary_weight > 0.0 && m.account.subsidiary_weight < 1.0);
}
