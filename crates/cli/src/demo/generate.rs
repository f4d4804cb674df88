//! The demo dataset, generated from a seed and a date: the same inputs always give the same
//! records. Records refer to each other by their index in this dataset; the loader turns indexes
//! into the ids the store assigns.

use super::words::*;
use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;

/// How big a demo to make.
#[derive(Debug, Clone, Copy)]
pub struct DemoSize {
    /// Top-level companies; subsidiaries and regions come on top.
    pub root_accounts: usize,
    /// Top-level companies per slice: a large demo is made and loaded a slice at a time.
    pub roots_per_slice: usize,
}

impl Default for DemoSize {
    fn default() -> Self {
        // About 540 accounts and 6,700 contacts with the default distributions.
        DemoSize {
            root_accounts: 230,
            roots_per_slice: 500,
        }
    }
}

/// Accounts per top-level company, on average, in hundredths: the company itself, 0.99
/// subsidiaries and 0.30 regional offices (see `Generator::company`).
const ACCOUNTS_PER_ROOT_PERCENT: usize = 228;

impl DemoSize {
    /// A demo of about `accounts` accounts; everything else scales with them (per account about
    /// 12 contacts, 50 activities, 8 campaign memberships and 0.65 opportunities).
    pub fn for_accounts(accounts: usize) -> DemoSize {
        DemoSize {
            root_accounts: ((accounts * 100 + ACCOUNTS_PER_ROOT_PERCENT / 2)
                / ACCOUNTS_PER_ROOT_PERCENT)
                .max(1),
            ..DemoSize::default()
        }
    }
}

/// A whole demo dataset.
#[derive(Debug, Clone, Default)]
pub struct DemoData {
    pub users: Vec<NewUser>,
    pub accounts: Vec<DemoAccount>,
    pub contacts: Vec<DemoContact>,
    pub campaigns: Vec<NewCampaign>,
    pub members: Vec<DemoMember>,
    pub opportunities: Vec<DemoOpportunity>,
    pub activities: Vec<DemoActivity>,
}

/// An account, with its parent and the stage path it walked.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    /// `parent_id` and `owner_id` are left empty; see `parent` and `owner`.
    pub new: NewAccount,
    pub parent: Option<usize>,
    pub owner: usize,
    /// Stages in order, with when the account entered each.
    pub stages: Vec<(AccountStage, DateTime<Utc>)>,
    pub assets: Vec<(String, i64, f64, NaiveDate, NaiveDate)>,
}

/// A contact at `account`.
#[derive(Debug, Clone)]
pub struct DemoContact {
    pub account: usize,
    /// `account_id` is a placeholder until loading; `status` is the status the contact has now.
    pub new: NewContact,
    /// For a person who had another status first: that status (held from their creation), and
    /// when and why they moved to the one they have now.
    pub was: Option<StatusBefore>,
}

/// The status a demo contact held before the one it has now.
#[derive(Debug, Clone, Copy)]
pub struct StatusBefore {
    pub status: ContactStatus,
    pub until: DateTime<Utc>,
    pub reason: &'static str,
}

/// A campaign membership.
#[derive(Debug, Clone)]
pub struct DemoMember {
    pub campaign: usize,
    pub contact: usize,
    pub status: MemberStatus,
    pub joined_at: DateTime<Utc>,
}

/// An opportunity at `account`.
#[derive(Debug, Clone)]
pub struct DemoOpportunity {
    pub account: usize,
    pub owner: usize,
    pub name: String,
    pub stage: OpportunityStage,
    pub amount: f64,
    pub close_date: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub source_campaign: Option<usize>,
    pub roles: Vec<(usize, BuyingRole, bool)>,
}

/// An activity of `contact` (at the contact's account).
#[derive(Debug, Clone)]
pub struct DemoActivity {
    pub contact: usize,
    pub kind: ActivityKind,
    pub subject: String,
    pub occurred_at: DateTime<Utc>,
    pub campaign: Option<usize>,
}

/// Generates the dataset a slice of companies at a time. `now` anchors the 18 months of
/// history. The first slice carries the users and campaigns; in each slice, accounts and
/// contacts are indexed from the slice's start, while owners and campaigns index the users and
/// campaigns of the first. However it is sliced, the demo is the same.
pub fn generate(seed: u64, now: DateTime<Utc>, size: DemoSize) -> DemoSlices {
    let mut g = Generator {
        rng: ChaCha8Rng::seed_from_u64(seed),
        history_rng: ChaCha8Rng::seed_from_u64(seed ^ HISTORY_SEED),
        now,
        data: DemoData::default(),
        names: HashSet::new(),
        slugs: HashSet::new(),
        duns: HashSet::new(),
        emails: HashSet::new(),
    };
    g.users();
    g.campaigns();
    DemoSlices {
        g,
        size,
        made: 0,
        first: true,
    }
}

/// The slices of a demo, in order; see [`generate`].
pub struct DemoSlices {
    g: Generator,
    size: DemoSize,
    /// Top-level companies made so far.
    made: usize,
    first: bool,
}

impl DemoSlices {
    /// Top-level companies still to come.
    pub fn remaining_roots(&self) -> usize {
        self.size.root_accounts - self.made
    }
}

impl Iterator for DemoSlices {
    type Item = DemoData;

    fn next(&mut self) -> Option<DemoData> {
        let n = self.remaining_roots().min(self.size.roots_per_slice.max(1));
        if n == 0 && !self.first {
            return None;
        }
        for _ in 0..n {
            self.g.company();
        }
        self.made += n;
        let data = &mut self.g.data;
        let first = std::mem::replace(&mut self.first, false);
        Some(DemoData {
            users: if first {
                data.users.clone()
            } else {
                Vec::new()
            },
            campaigns: if first {
                data.campaigns.clone()
            } else {
                Vec::new()
            },
            accounts: std::mem::take(&mut data.accounts),
            contacts: std::mem::take(&mut data.contacts),
            members: std::mem::take(&mut data.members),
            opportunities: std::mem::take(&mut data.opportunities),
            activities: std::mem::take(&mut data.activities),
        })
    }
}

/// Mixed into the seed of the nurture history's own generator.
const HISTORY_SEED: u64 = 0x6e75_7274_7572_6521;
/// How far back the nurture history reaches: three years, so an 18-month wait shows.
const HISTORY_DAYS: i64 = 1095;

struct Generator {
    rng: ChaCha8Rng,
    /// Draws for the nurture history only (see `nurture_history`).
    history_rng: ChaCha8Rng,
    now: DateTime<Utc>,
    /// Users and campaigns, and the slice being made.
    data: DemoData,
    /// Company names and their domain slugs, taken.
    names: HashSet<String>,
    slugs: HashSet<String>,
    duns: HashSet<u64>,
    /// Emails taken at the current company (its domains are its own).
    emails: HashSet<String>,
}

/// Draws of two or three name parts before a company takes a numbered name.
const NAME_DRAWS: usize = 32;

const REPS: &[(&str, &str, Role)] = &[
    ("Avery Brooks", "avery.brooks", Role::Sales),
    ("Jordan Reyes", "jordan.reyes", Role::Sales),
    ("Morgan Lee", "morgan.lee", Role::Sales),
    ("Casey Nakamura", "casey.nakamura", Role::Sales),
    ("Riley Okafor", "riley.okafor", Role::Marketing),
    ("Dana Fischer", "dana.fischer", Role::Admin),
];

impl Generator {
    fn users(&mut self) {
        for (name, local, role) in REPS {
            self.data.users.push(NewUser {
                email: Email::parse(&format!("{local}@abcrm.example")).expect("valid demo email"),
                name: name.to_string(),
                role: *role,
            });
        }
    }

    fn campaigns(&mut self) {
        for (name, kind, days_ago) in CAMPAIGNS {
            let starts = (self.now - Duration::days(*days_ago)).date_naive();
            let length = if *kind == "email" {
                60
            } else {
                1 + (days_ago % 3)
            };
            self.data.campaigns.push(NewCampaign {
                name: name.to_string(),
                kind: Some(kind.parse().expect("known campaign kind")),
                starts_on: Some(starts),
                ends_on: Some(starts + Duration::days(length)),
                budget: Some(5_000.0 + (*days_ago as f64 * 37.0) % 40_000.0),
            });
        }
    }

    fn pick_weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut n = self.rng.gen_range(0..total);
        for (item, w) in items {
            if n < *w {
                return *item;
            }
            n -= w;
        }
        items[0].0
    }

    /// Two name parts, or three with the first two run together.
    fn company_base(&mut self) -> String {
        let a = *NAME_PARTS_A.choose(&mut self.rng).expect("non-empty");
        let b = *NAME_PARTS_B.choose(&mut self.rng).expect("non-empty");
        if self.rng.gen_bool(0.15) {
            let c = *NAME_PARTS_A.choose(&mut self.rng).expect("non-empty");
            format!("{a}{} {b}", c.to_lowercase())
        } else {
            format!("{a} {b}")
        }
    }

    /// A company name no other company has, nor its domain: drawn from the name parts, and
    /// once those run short (tens of thousands of companies) numbered: "Atlas Labs III".
    fn unique_company_base(&mut self) -> String {
        for _ in 0..NAME_DRAWS {
            let base = self.company_base();
            if self.claim_name(&base) {
                return base;
            }
        }
        let base = self.company_base();
        (2..)
            .map(|n| format!("{base} {}", roman(n)))
            .find(|name| self.claim_name(name))
            .expect("numbered names never run out")
    }

    /// Takes a company name if neither it nor its domain slug is taken.
    fn claim_name(&mut self, name: &str) -> bool {
        let slug = slug_of(name);
        if self.names.contains(name) || self.slugs.contains(&slug) {
            return false;
        }
        self.names.insert(name.to_string());
        self.slugs.insert(slug);
        true
    }

    /// A DUNS number no other company has.
    fn unique_duns(&mut self) -> String {
        loop {
            let n = self.rng.gen_range(10_000_000..999_999_999u64);
            if self.duns.insert(n) {
                return format!("{n:09}");
            }
        }
    }

    /// One top-level company, maybe with subsidiaries and regions, and everything at them.
    fn company(&mut self) {
        self.emails.clear();
        let base = self.unique_company_base();
        let slug = slug_of(&base);
        let suffix = *LEGAL_SUFFIXES.choose(&mut self.rng).expect("non-empty");
        let name = if suffix.is_empty() {
            base.clone()
        } else {
            format!("{base} {suffix}")
        };
        let industry = self.pick_weighted(INDUSTRIES);
        let weights: Vec<((&str, &str), u32)> = US_LOCATIONS
            .iter()
            .map(|(s, c, w)| ((*s, *c), *w))
            .collect();
        let (state, city) = self.pick_weighted(&weights);
        // Company size is heavy-tailed: most are mid-market, a few are enterprises.
        let employees = (10f64.powf(self.rng.gen_range(1.6..4.9))) as i64;
        let is_enterprise = employees > 5_000;
        let revenue_per_employee = self.rng.gen_range(120_000..400_000);
        let duns = self.rng.gen_bool(0.6).then(|| self.unique_duns());
        let tier = if is_enterprise {
            Some(1)
        } else {
            self.rng.gen_bool(0.3).then_some(2)
        };
        let root = self.account(
            NewAccount {
                name,
                domains: vec![format!("{slug}.com")],
                industry: Some(industry.to_string()),
                employees: Some(employees),
                annual_revenue: Some(employees * revenue_per_employee),
                country: Some("US".into()),
                state: Some(state.into()),
                city: Some(city.into()),
                duns,
                target_tier: tier,
                ..Default::default()
            },
            None,
        );
        let subsidiaries = if is_enterprise {
            self.rng.gen_range(1..=4)
        } else if self.rng.gen_bool(0.12) {
            1
        } else {
            0
        };
        let mut regions: Vec<usize> = (0..SUBSIDIARY_REGIONS.len()).collect();
        regions.shuffle(&mut self.rng);
        for &r in regions.iter().take(subsidiaries) {
            let (label, country, state, city, tld, legal) = SUBSIDIARY_REGIONS[r];
            let sub_employees = (employees / self.rng.gen_range(5..20)).max(12);
            let sub = self.account(
                NewAccount {
                    name: format!("{base} {label} {legal}"),
                    domains: vec![format!("{slug}.{tld}")],
                    industry: Some(industry.to_string()),
                    employees: Some(sub_employees),
                    annual_revenue: None,
                    country: Some(country.into()),
                    state: Some(state.into()),
                    city: Some(city.into()),
                    ..Default::default()
                },
                Some(root),
            );
            // Some regions have their own offices below them.
            if self.rng.gen_bool(0.3) {
                let office = self.rng.gen_range(1..=3);
                let office_employees = self.rng.gen_range(15..300);
                self.account(
                    NewAccount {
                        name: format!("{base} {label} Office {office}"),
                        domains: vec![],
                        industry: Some(industry.to_string()),
                        employees: Some(office_employees),
                        country: Some(country.into()),
                        state: Some(state.into()),
                        city: Some(city.into()),
                        ..Default::default()
                    },
                    Some(sub),
                );
            }
        }
    }

    /// Adds an account with its people, history, opportunities and activities; returns its index.
    fn account(&mut self, new: NewAccount, parent: Option<usize>) -> usize {
        let idx = self.data.accounts.len();
        let owner = parent
            .map(|p| self.data.accounts[p].owner)
            .unwrap_or_else(|| self.rng.gen_range(0..4));
        let domain =
            new.domains.first().cloned().or_else(|| {
                parent.and_then(|p| self.data.accounts[p].new.domains.first().cloned())
            });
        let employees = new.employees.unwrap_or(50);
        // Entered the funnel some time in the last 18 months (or earlier for old customers).
        let entered = self.now - Duration::days(self.rng.gen_range(20..640));
        let roll: f64 = self.rng.gen();
        let (path, relationship): (&[AccountStage], Relationship) = if roll < 0.16 {
            (
                &[
                    AccountStage::Target,
                    AccountStage::Engaged,
                    AccountStage::Qualified,
                    AccountStage::Opportunity,
                    AccountStage::Customer,
                ],
                Relationship::Customer,
            )
        } else if roll < 0.19 {
            (
                &[
                    AccountStage::Target,
                    AccountStage::Engaged,
                    AccountStage::Qualified,
                    AccountStage::Opportunity,
                    AccountStage::Customer,
                    AccountStage::FormerCustomer,
                ],
                Relationship::FormerCustomer,
            )
        } else if roll < 0.22 {
            (
                &[AccountStage::Target, AccountStage::Engaged],
                Relationship::Partner,
            )
        } else if roll < 0.40 {
            (
                &[
                    AccountStage::Target,
                    AccountStage::Engaged,
                    AccountStage::Qualified,
                    AccountStage::Opportunity,
                ],
                Relationship::Prospect,
            )
        } else if roll < 0.52 {
            (
                &[
                    AccountStage::Target,
                    AccountStage::Engaged,
                    AccountStage::Qualified,
                ],
                Relationship::Prospect,
            )
        } else if roll < 0.75 {
            (
                &[AccountStage::Target, AccountStage::Engaged],
                Relationship::Prospect,
            )
        } else {
            (&[AccountStage::Target], Relationship::Prospect)
        };
        let mut stages = Vec::new();
        let mut at = entered;
        for (i, s) in path.iter().enumerate() {
            if i > 0 {
                let remaining = (self.now - at).num_days().max(2);
                at += Duration::days(self.rng.gen_range(1..=remaining.min(120)));
            }
            stages.push((*s, at));
        }
        let stage = stages
            .last()
            .map(|(s, _)| *s)
            .unwrap_or(AccountStage::Target);
        let mut assets = Vec::new();
        if matches!(relationship, Relationship::Customer) {
            let bought = stages
                .last()
                .map(|(_, t)| t.date_naive())
                .unwrap_or(self.now.date_naive());
            // Subscriptions renew every year: in force until the next anniversary of the
            // purchase (a customer's assets have not lapsed; former customers have none).
            let today = self.now.date_naive();
            let mut renews = bought + Duration::days(365);
            while renews < today {
                renews += Duration::days(365);
            }
            for product in PRODUCTS.iter().take(self.rng.gen_range(1..=3)) {
                let qty = self.rng.gen_range(1..200);
                assets.push((product.to_string(), qty, qty as f64 * 480.0, bought, renews));
            }
        }
        self.data.accounts.push(DemoAccount {
            new: NewAccount {
                relationship: Some(relationship),
                stage: Some(stage),
                created_at: Some(entered),
                ..new
            },
            parent,
            owner,
            stages,
            assets,
        });
        // People: more at bigger companies, at least three everywhere.
        let people =
            (3.0 + (employees as f64).log10() * 2.6 + self.rng.gen_range(0.0..4.0)) as usize;
        let first_contact = self.data.contacts.len();
        for _ in 0..people {
            self.contact(idx, domain.as_deref(), entered);
        }
        let contacts: Vec<usize> = (first_contact..self.data.contacts.len()).collect();
        let first_opportunity = self.data.opportunities.len();
        self.opportunities(idx, owner, relationship, &contacts, entered);
        let first_cycle = self.data.opportunities[first_opportunity..]
            .iter()
            .map(|o| o.created_at)
            .min();
        self.nurture_history(&contacts, first_cycle);
        self.activities(&contacts, entered);
        idx
    }

    fn contact(&mut self, account: usize, domain: Option<&str>, entered: DateTime<Utc>) {
        let first = *FIRST_NAMES.choose(&mut self.rng).expect("non-empty");
        let last = *LAST_NAMES.choose(&mut self.rng).expect("non-empty");
        let (seniority, title) = self.title();
        let email = domain.and_then(|d| {
            let local: String = format!("{}.{}", first, last)
                .to_lowercase()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
                .collect();
            let mut candidate = format!("{local}@{d}");
            let mut n = 2;
            while !self.emails.insert(candidate.clone()) {
                candidate = format!("{local}{n}@{d}");
                n += 1;
            }
            Email::parse(&candidate).ok()
        });
        let buying_role = match seniority {
            Seniority::CLevel if self.rng.gen_bool(0.5) => Some(BuyingRole::EconomicBuyer),
            Seniority::Vp if self.rng.gen_bool(0.35) => Some(BuyingRole::EconomicBuyer),
            Seniority::Director if self.rng.gen_bool(0.4) => Some(BuyingRole::Champion),
            Seniority::Manager if self.rng.gen_bool(0.3) => Some(
                *[
                    BuyingRole::Influencer,
                    BuyingRole::Champion,
                    BuyingRole::Blocker,
                ]
                .choose(&mut self.rng)
                .expect("non-empty"),
            ),
            Seniority::IndividualContributor if self.rng.gen_bool(0.25) => Some(
                *[BuyingRole::Evaluator, BuyingRole::User]
                    .choose(&mut self.rng)
                    .expect("non-empty"),
            ),
            _ => None,
        };
        let status = match self.rng.gen_range(0..100) {
            0..=59 => ContactStatus::Active,
            60..=89 => ContactStatus::Nurture,
            90..=94 => ContactStatus::Unsubscribed,
            _ => ContactStatus::LeftCompany,
        };
        let source = *[
            "Web form",
            "List import",
            "Event",
            "Sales prospecting",
            "Webinar",
            "Referral",
        ]
        .choose(&mut self.rng)
        .expect("non-empty");
        let phone = self.rng.gen_bool(0.6).then(|| {
            format!(
                "+1 {:03}-{:03}-{:04}",
                self.rng.gen_range(201..989),
                self.rng.gen_range(200..999),
                self.rng.gen_range(0..10_000)
            )
        });
        self.data.contacts.push(DemoContact {
            account,
            was: None,
            new: NewContact {
                first_name: Some(first.to_string()),
                last_name: Some(last.to_string()),
                email,
                phone,
                seniority: Some(seniority),
                department: title.1.parse().ok(),
                title: Some(title.0),
                buying_role,
                status: Some(status),
                source: Some(source.to_string()),
                created_at: Some(
                    entered
                        + Duration::days(
                            self.rng
                                .gen_range(0..(self.now - entered).num_days().max(1)),
                        ),
                ),
                ..NewContact::at(abcrm_core::AccountId(0))
            },
        });
    }

    /// The nurture database's past, up to three years back. Half the people active at an
    /// account with a sales cycle waited in nurture until its first cycle started (most for
    /// months, some for years); some of the people in nurture now have waited since long before
    /// their account entered the funnel. Drawn from a generator of its own, so the rest of the
    /// demo is the same with or without this history.
    fn nurture_history(&mut self, contacts: &[usize], first_cycle: Option<DateTime<Utc>>) {
        let oldest = self.now - Duration::days(HISTORY_DAYS);
        for &c in contacts {
            let rng = &mut self.history_rng;
            let contact = &mut self.data.contacts[c];
            match (contact.new.status, first_cycle) {
                (Some(ContactStatus::Active), Some(first)) if rng.gen_bool(0.5) => {
                    let waited = if rng.gen_bool(0.7) {
                        rng.gen_range(20..400)
                    } else {
                        rng.gen_range(400..1000)
                    };
                    let entered = (first - Duration::days(waited)).max(oldest);
                    contact.new.created_at = Some(entered);
                    contact.was = Some(StatusBefore {
                        status: ContactStatus::Nurture,
                        until: (first + Duration::days(rng.gen_range(0..14))).min(self.now),
                        reason: "joined the account's sales cycle",
                    });
                }
                (Some(ContactStatus::Nurture), _) if rng.gen_bool(0.4) => {
                    contact.new.created_at =
                        Some(self.now - Duration::days(rng.gen_range(30..HISTORY_DAYS)));
                }
                _ => {}
            }
        }
    }

    /// A title and its seniority; the department name is returned with the title.
    fn title(&mut self) -> (Seniority, (String, &'static str)) {
        let (dept, function) = *DEPARTMENTS.choose(&mut self.rng).expect("non-empty");
        let seniority = self.pick_weighted(&[
            (Seniority::CLevel, 4),
            (Seniority::Vp, 8),
            (Seniority::Director, 16),
            (Seniority::Manager, 27),
            (Seniority::IndividualContributor, 45),
        ]);
        let title = match seniority {
            Seniority::CLevel => match dept {
                "engineering" => "Chief Technology Officer".to_string(),
                "finance" => "Chief Financial Officer".to_string(),
                "marketing" => "Chief Marketing Officer".to_string(),
                "it" => "Chief Information Officer".to_string(),
                "sales" => "Chief Revenue Officer".to_string(),
                "operations" => "Chief Operating Officer".to_string(),
                _ => {
                    return (
                        seniority,
                        ("Chief Executive Officer".to_string(), "executive"),
                    )
                }
            },
            Seniority::Vp => format!(
                "{} {function}",
                ["VP", "Vice President,", "SVP"]
                    .choose(&mut self.rng)
                    .expect("non-empty")
            ),
            Seniority::Director => format!(
                "{} {function}",
                ["Director of", "Senior Director,", "Director,"]
                    .choose(&mut self.rng)
                    .expect("non-empty")
            ),
            Seniority::Manager => format!(
                "{function} {}",
                ["Manager", "Team Lead", "Senior Manager"]
                    .choose(&mut self.rng)
                    .expect("non-empty")
            ),
            Seniority::IndividualContributor => {
                let role = match dept {
                    "engineering" => ["Software Engineer", "Senior Engineer", "Data Engineer"],
                    "it" => [
                        "Systems Administrator",
                        "IT Specialist",
                        "Solutions Architect",
                    ],
                    "finance" => ["Financial Analyst", "Accountant", "Controller"],
                    "sales" => [
                        "Account Executive",
                        "Sales Development Rep",
                        "Solutions Consultant",
                    ],
                    "marketing" => [
                        "Marketing Specialist",
                        "Content Strategist",
                        "Demand Gen Specialist",
                    ],
                    _ => ["Analyst", "Specialist", "Coordinator"],
                };
                role.choose(&mut self.rng).expect("non-empty").to_string()
            }
        };
        (seniority, (title, dept))
    }

    fn opportunities(
        &mut self,
        account: usize,
        owner: usize,
        relationship: Relationship,
        contacts: &[usize],
        entered: DateTime<Utc>,
    ) {
        let stage_reached = self.data.accounts[account]
            .new
            .stage
            .unwrap_or(AccountStage::Target);
        let count = match stage_reached {
            AccountStage::Customer | AccountStage::FormerCustomer => self.rng.gen_range(1..=3),
            AccountStage::Opportunity => self.rng.gen_range(1..=2),
            _ => 0,
        };
        let product = ["Platform", "Expansion", "Renewal", "Analytics", "Pilot"];
        for n in 0..count {
            let span = (self.now - entered).num_days().max(2);
            let created_at = entered
                + Duration::days(self.rng.gen_range(1..span))
                + Duration::minutes(self.rng.gen_range(0..1440));
            let age = (self.now - created_at).num_days();
            // Older cycles are more likely to be closed; customers won at least once.
            let stage = if n == 0
                && matches!(
                    relationship,
                    Relationship::Customer | Relationship::FormerCustomer
                ) {
                OpportunityStage::ClosedWon
            } else if age > 150 {
                *[
                    OpportunityStage::ClosedWon,
                    OpportunityStage::ClosedLost,
                    OpportunityStage::ClosedLost,
                ]
                .choose(&mut self.rng)
                .expect("non-empty")
            } else {
                *[
                    OpportunityStage::Prospecting,
                    OpportunityStage::Qualification,
                    OpportunityStage::Proposal,
                    OpportunityStage::Negotiation,
                ]
                .choose(&mut self.rng)
                .expect("non-empty")
            };
            let close_date = if stage.is_open() {
                (self.now + Duration::days(self.rng.gen_range(10..200))).date_naive()
            } else {
                (created_at + Duration::days(self.rng.gen_range(20..140).min(age.max(1))))
                    .date_naive()
            };
            // Most opportunities carry no contact role, as in real CRMs.
            let roles = if self.rng.gen_bool(0.35) && !contacts.is_empty() {
                let mut chosen = contacts.to_vec();
                chosen.shuffle(&mut self.rng);
                chosen.truncate(self.rng.gen_range(1..=3.min(contacts.len())));
                chosen
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| {
                        (
                            c,
                            self.data.contacts[c]
                                .new
                                .buying_role
                                .unwrap_or(BuyingRole::Influencer),
                            i == 0,
                        )
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let source_campaign = self
                .campaign_before(created_at)
                .filter(|_| self.rng.gen_bool(0.4));
            let base_name = self.data.accounts[account].new.name.clone();
            self.data.opportunities.push(DemoOpportunity {
                account,
                owner,
                name: format!("{base_name} - {}", product[(n + account) % product.len()]),
                stage,
                amount: (self.rng.gen_range(8..400) * 1_000) as f64,
                close_date,
                created_at,
                source_campaign,
                roles,
            });
        }
    }

    /// A campaign that started before `at`, if any.
    fn campaign_before(&mut self, at: DateTime<Utc>) -> Option<usize> {
        let started: Vec<usize> = self
            .data
            .campaigns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.starts_on.is_some_and(|s| s <= at.date_naive()))
            .map(|(i, _)| i)
            .collect();
        started.choose(&mut self.rng).copied()
    }

    fn activities(&mut self, contacts: &[usize], entered: DateTime<Utc>) {
        for &c in contacts {
            if self.data.contacts[c].new.email.is_none() {
                continue;
            }
            let n = self.rng.gen_range(0..9);
            for _ in 0..n {
                let span = (self.now - entered).num_days().max(2);
                let occurred_at = entered
                    + Duration::days(self.rng.gen_range(0..span))
                    + Duration::minutes(self.rng.gen_range(0..1440));
                let kind = self.pick_weighted(&[
                    (ActivityKind::Email, 35),
                    (ActivityKind::WebVisit, 30),
                    (ActivityKind::Form, 6),
                    (ActivityKind::Webinar, 8),
                    (ActivityKind::Event, 4),
                    (ActivityKind::Meeting, 9),
                    (ActivityKind::Call, 8),
                ]);
                let campaign = match kind {
                    ActivityKind::Webinar
                    | ActivityKind::Event
                    | ActivityKind::Form
                    | ActivityKind::Email => self.campaign_near(kind, occurred_at),
                    _ => None,
                };
                let subject = match (kind, campaign) {
                    (_, Some(ci)) => {
                        format!("{}: {}", kind_label(kind), self.data.campaigns[ci].name)
                    }
                    (ActivityKind::Meeting, _) => "Discovery meeting".to_string(),
                    (ActivityKind::Call, _) => "Follow-up call".to_string(),
                    (ActivityKind::WebVisit, _) => [
                        "Visited /pricing",
                        "Visited /product",
                        "Visited /customers",
                        "Read blog post",
                    ]
                    .choose(&mut self.rng)
                    .expect("non-empty")
                    .to_string(),
                    _ => kind_label(kind).to_string(),
                };
                if let Some(ci) = campaign {
                    let status = match kind {
                        ActivityKind::Webinar | ActivityKind::Event => MemberStatus::Attended,
                        ActivityKind::Form => MemberStatus::Responded,
                        _ => MemberStatus::Sent,
                    };
                    if !self
                        .data
                        .members
                        .iter()
                        .rev()
                        .take(64)
                        .any(|m| m.campaign == ci && m.contact == c)
                    {
                        self.data.members.push(DemoMember {
                            campaign: ci,
                            contact: c,
                            status,
                            joined_at: occurred_at,
                        });
                    }
                }
                self.data.activities.push(DemoActivity {
                    contact: c,
                    kind,
                    subject,
                    occurred_at,
                    campaign,
                });
            }
        }
    }

    /// The campaign of this kind that was running around `at`, if one was.
    fn campaign_near(&mut self, kind: ActivityKind, at: DateTime<Utc>) -> Option<usize> {
        let wanted = match kind {
            ActivityKind::Webinar => CampaignKind::Webinar,
            ActivityKind::Event => CampaignKind::Event,
            ActivityKind::Email => CampaignKind::Email,
            _ => CampaignKind::Content,
        };
        let day = at.date_naive();
        self.data.campaigns.iter().position(|c| {
            c.kind == Some(wanted)
                && c.starts_on.is_some_and(|s| s - Duration::days(30) <= day)
                && c.ends_on.is_some_and(|e| day <= e + Duration::days(30))
        })
    }
}

/// A company name as its domain has it: "Atlas Labs II" is atlaslabsii.
fn slug_of(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// `n` in Roman numerals.
fn roman(mut n: usize) -> String {
    const NUMERALS: &[(usize, &str)] = &[
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for &(value, numeral) in NUMERALS {
        while n >= value {
            out.push_str(numeral);
            n -= value;
        }
    }
    out
}

fn kind_label(kind: ActivityKind) -> &'static str {
    match kind {
        ActivityKind::Email => "Email",
        ActivityKind::WebVisit => "Web visit",
        ActivityKind::Form => "Form fill",
        ActivityKind::Webinar => "Webinar",
        ActivityKind::Event => "Event",
        ActivityKind::Meeting => "Meeting",
        ActivityKind::Call => "Call",
        ActivityKind::Note => "Note",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-25T00:00:00Z".parse().unwrap()
    }

    /// The whole demo as one slice.
    fn generate(seed: u64, now: DateTime<Utc>, size: DemoSize) -> DemoData {
        let whole = DemoSize {
            roots_per_slice: size.root_accounts,
            ..size
        };
        super::generate(seed, now, whole).next().unwrap()
    }

    #[test]
    fn the_same_seed_gives_the_same_dataset() {
        let a = generate(7, now(), DemoSize::default());
        let b = generate(7, now(), DemoSize::default());
        assert_eq!(
            a.accounts.iter().map(|x| &x.new.name).collect::<Vec<_>>(),
            b.accounts.iter().map(|x| &x.new.name).collect::<Vec<_>>()
        );
        assert_eq!(a.activities.len(), b.activities.len());
    }

    #[test]
    fn the_default_demo_is_as_large_as_promised() {
        let d = generate(1, now(), DemoSize::default());
        assert!(d.accounts.len() >= 500, "{} accounts", d.accounts.len());
        assert!(d.contacts.len() >= 5_000, "{} contacts", d.contacts.len());
        assert!(
            d.accounts
                .iter()
                .any(|a| a.parent.is_some_and(|p| d.accounts[p].parent.is_some())),
            "no three-level hierarchy"
        );
        let stages: HashSet<_> = d.opportunities.iter().map(|o| o.stage).collect();
        assert_eq!(
            stages.len(),
            OpportunityStage::ALL.len(),
            "every opportunity stage appears"
        );
        let oldest = d.opportunities.iter().map(|o| o.created_at).min().unwrap();
        assert!(
            now() - oldest > Duration::days(450),
            "history spans 18 months"
        );
    }

    #[test]
    fn the_nurture_history_shows_an_eighteen_month_tail() {
        let d = generate(1, now(), DemoSize::default());
        let waits: Vec<i64> = d
            .contacts
            .iter()
            .filter_map(|c| Some((c.new.created_at?, c.was?)))
            .map(|(entered, was)| (was.until - entered).num_days())
            .collect();
        let long = waits.iter().filter(|&&w| w >= 548).count();
        assert!(
            waits.len() >= 500,
            "{} people waited in nurture",
            waits.len()
        );
        assert!(
            long * 10 >= waits.len() && long * 2 <= waits.len(),
            "{long} of {} waited 18 months or more",
            waits.len()
        );
        let oldest = d
            .contacts
            .iter()
            .filter_map(|c| c.new.created_at)
            .min()
            .unwrap();
        assert!(
            now() - oldest > Duration::days(1000),
            "history spans three years"
        );
    }

    #[test]
    fn emails_are_unique() {
        let d = generate(3, now(), DemoSize::default());
        let emails: Vec<_> = d
            .contacts
            .iter()
            .filter_map(|c| c.new.email.clone())
            .collect();
        let unique: HashSet<_> = emails.iter().collect();
        assert_eq!(emails.len(), unique.len());
    }

    #[test]
    fn the_seed_segment_has_members() {
        // Managers or directors at California software companies that are not customers.
        let d = generate(1, now(), DemoSize::default());
        let n = d
            .contacts
            .iter()
            .filter(|c| {
                matches!(
                    c.new.seniority,
                    Some(Seniority::Manager | Seniority::Director)
                )
            })
            .filter(|c| {
                let a = &d.accounts[c.account].new;
                a.state.as_deref() == Some("CA")
                    && a.country.as_deref() == Some("US")
                    && a.industry.as_deref() == Some("Software")
                    && !matches!(
                        a.relationship,
                        Some(Relationship::Customer | Relationship::FormerCustomer)
                    )
            })
            .count();
        assert!(n >= 20, "only {n} contacts in the seed segment");
    }

    #[test]
    fn slicing_does_not_change_the_demo() {
        let whole = generate(5, now(), DemoSize::default());
        let slices: Vec<DemoData> = super::generate(
            5,
            now(),
            DemoSize {
                roots_per_slice: 37,
                ..DemoSize::default()
            },
        )
        .collect();
        assert_eq!(slices.len(), 7, "230 companies in slices of 37");
        assert_eq!(slices[0].campaigns.len(), whole.campaigns.len());
        assert!(slices[1..].iter().all(|s| s.users.is_empty()));
        let names = |d: &DemoData| -> Vec<String> {
            d.accounts.iter().map(|a| a.new.name.clone()).collect()
        };
        assert_eq!(
            slices.iter().flat_map(names).collect::<Vec<_>>(),
            names(&whole)
        );
        let emails = |d: &DemoData| -> Vec<Option<Email>> {
            d.contacts.iter().map(|c| c.new.email.clone()).collect()
        };
        assert_eq!(
            slices.iter().flat_map(emails).collect::<Vec<_>>(),
            emails(&whole)
        );
        let activities: usize = slices.iter().map(|s| s.activities.len()).sum();
        assert_eq!(activities, whole.activities.len());
    }

    #[test]
    fn company_names_and_domains_stay_unique_past_the_word_lists() {
        let mut slices = super::generate(2, now(), DemoSize::for_accounts(1));
        let names: Vec<String> = (0..100_000)
            .map(|_| slices.g.unique_company_base())
            .collect();
        let unique: HashSet<&String> = names.iter().collect();
        let slugs: HashSet<String> = names.iter().map(|n| slug_of(n)).collect();
        assert_eq!(unique.len(), names.len());
        assert_eq!(slugs.len(), names.len());
        assert!(names.iter().any(|n| n.ends_with(" II")), "numbered names");
    }

    #[test]
    fn a_larger_demo_scales_with_the_accounts_asked_for() {
        let size = DemoSize {
            roots_per_slice: 300,
            ..DemoSize::for_accounts(4_000)
        };
        let (mut accounts, mut contacts) = (0, 0);
        let (mut domains, mut duns, mut emails) = (HashSet::new(), HashSet::new(), HashSet::new());
        for slice in super::generate(9, now(), size) {
            accounts += slice.accounts.len();
            contacts += slice.contacts.len();
            for a in &slice.accounts {
                assert!(a.new.domains.iter().all(|d| domains.insert(d.clone())));
                assert!(a.new.duns.iter().all(|d| duns.insert(d.clone())));
            }
            for c in &slice.contacts {
                assert!(c.new.email.iter().all(|e| emails.insert(e.clone())));
            }
        }
        assert!((3_600..=4_400).contains(&accounts), "{accounts} accounts");
        assert!(contacts > 10 * accounts, "{contacts} contacts");
    }
}
