//! A seeded generator of the files a Salesforce or HubSpot org exports, messy as real exports
//! are, with the truth of where every person belongs: the test bed of `abcrm migrate`.
//!
//! Generation streams: every row goes to a callback as soon as it is made, and only what later
//! rows refer to is kept (the companies, a compact record of each contact, a window of recent
//! leads), so an org of 100,000 accounts, 300,000 contacts and 1,000,000 leads is made in
//! seconds with modest memory. The caller decides where rows go (files, memory, a hash).

use crate::matching::synth::{coined, messy_company, FIRST, FREE, LAST, NICK, STATES, WORDS};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashSet, VecDeque};
use std::hash::{Hash, Hasher};

/// The 18-character form of a 15-character Salesforce id (see [`super::sfid`]): ids written
/// here compare equal to ids a real org exports.
pub fn sf_id_18(id15: &str) -> String {
    super::sfid::to_18(id15).expect("the generator writes 15 letters and digits")
}

/// A Salesforce id in its 18-character form, whichever form it was written in; other ids
/// (HubSpot record ids, `new:` keys) unchanged. Reports export 15-character ids, the API
/// 18-character ones: compare ids only after this.
pub fn normalize_source_id(id: &str) -> String {
    let id = id.trim();
    let alnum = id.bytes().all(|b| b.is_ascii_alphanumeric());
    match id.len() {
        15 | 18 if alnum && !id.bytes().all(|b| b.is_ascii_digit()) => sf_id_18(&id[..15]),
        _ => id.to_string(),
    }
}

/// Which CRM's export to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Salesforce,
    Hubspot,
}

/// What to generate. For HubSpot, `contacts` are contacts associated with a company and `leads`
/// are contacts with none (the ones a migration has to place).
#[derive(Debug, Clone, Copy)]
pub struct ExportSpec {
    pub format: ExportFormat,
    pub seed: u64,
    pub accounts: usize,
    pub contacts: usize,
    pub leads: usize,
}

/// One file of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    User,
    Campaign,
    Account,
    Contact,
    Opportunity,
    OpportunityContactRole,
    Lead,
    CampaignMember,
    Task,
    Event,
    Companies,
    Contacts,
    Deals,
    /// Where every person truly belongs; not part of the export.
    Truth,
}

/// The header of truth.csv. `source_account` is the account the export itself already gives the
/// record (a Contact's AccountId, a HubSpot contact's first associated company, a converted
/// lead's ConvertedAccountId); `converted_contact` is a converted lead's ConvertedContactId.
/// Both empty means the record is one a migration must place.
pub const TRUTH_HEADER: &[&str] = &[
    "source_id",
    "source_object",
    "true_account",
    "true_person",
    "source_account",
    "converted_contact",
];

impl Table {
    /// The files of one format, truth last, in the order they are best written.
    pub fn of(format: ExportFormat) -> &'static [Table] {
        match format {
            ExportFormat::Salesforce => &[
                Table::User,
                Table::Campaign,
                Table::Account,
                Table::Contact,
                Table::Opportunity,
                Table::OpportunityContactRole,
                Table::Lead,
                Table::CampaignMember,
                Table::Task,
                Table::Event,
                Table::Truth,
            ],
            ExportFormat::Hubspot => &[
                Table::Companies,
                Table::Contacts,
                Table::Deals,
                Table::Truth,
            ],
        }
    }

    /// The file's name in the export folder.
    pub fn file_name(self) -> &'static str {
        match self {
            Table::User => "User.csv",
            Table::Campaign => "Campaign.csv",
            Table::Account => "Account.csv",
            Table::Contact => "Contact.csv",
            Table::Opportunity => "Opportunity.csv",
            Table::OpportunityContactRole => "OpportunityContactRole.csv",
            Table::Lead => "Lead.csv",
            Table::CampaignMember => "CampaignMember.csv",
            Table::Task => "Task.csv",
            Table::Event => "Event.csv",
            Table::Companies => "companies.csv",
            Table::Contacts => "contacts.csv",
            Table::Deals => "deals.csv",
            Table::Truth => "truth.csv",
        }
    }

    /// The header row: the real API field names (HubSpot: the export's column labels).
    pub fn header(self) -> &'static [&'static str] {
        match self {
            Table::User => &["Id", "FirstName", "LastName", "Email", "IsActive"],
            Table::Campaign => &["Id", "Name", "Type", "Status", "StartDate"],
            Table::Account => &[
                "Id",
                "Name",
                "ParentId",
                "Website",
                "Industry",
                "NumberOfEmployees",
                "AnnualRevenue",
                "BillingCountry",
                "BillingState",
                "BillingCity",
                "Type",
                "OwnerId",
                "DunsNumber",
                "CreatedDate",
                "Region__c",
            ],
            Table::Contact => &[
                "Id",
                "AccountId",
                "FirstName",
                "LastName",
                "Email",
                "Title",
                "Phone",
                "MailingCountry",
                "MailingState",
                "MailingCity",
                "LeadSource",
                "OwnerId",
                "CreatedDate",
                "HasOptedOutOfEmail",
                "Legacy_Id__c",
            ],
            Table::Opportunity => &[
                "Id",
                "AccountId",
                "Name",
                "StageName",
                "Amount",
                "CloseDate",
                "CreatedDate",
                "IsClosed",
                "IsWon",
                "OwnerId",
                "CampaignId",
            ],
            Table::OpportunityContactRole => {
                &["Id", "OpportunityId", "ContactId", "Role", "IsPrimary"]
            }
            Table::Lead => &[
                "Id",
                "FirstName",
                "LastName",
                "Email",
                "Company",
                "Title",
                "Phone",
                "Website",
                "Industry",
                "NumberOfEmployees",
                "AnnualRevenue",
                "Country",
                "State",
                "City",
                "Status",
                "LeadSource",
                "IsConverted",
                "ConvertedContactId",
                "ConvertedAccountId",
                "ConvertedDate",
                "CompanyDunsNumber",
                "OwnerId",
                "CreatedDate",
                "Description",
                "Score__c",
            ],
            Table::CampaignMember => &[
                "Id",
                "CampaignId",
                "LeadId",
                "ContactId",
                "Status",
                "CreatedDate",
            ],
            Table::Task => &[
                "Id",
                "WhoId",
                "WhatId",
                "AccountId",
                "Subject",
                "ActivityDate",
                "TaskSubtype",
            ],
            Table::Event => &[
                "Id",
                "WhoId",
                "WhatId",
                "AccountId",
                "Subject",
                "ActivityDateTime",
                "Type",
            ],
            Table::Companies => &[
                "Record ID",
                "Name",
                "Company Domain Name",
                "Website URL",
                "Industry",
                "Number of Employees",
                "Annual Revenue",
                "Country/Region",
                "State/Region",
                "City",
                "Parent Company",
                "Lifecycle Stage",
                "Create Date",
            ],
            Table::Contacts => &[
                "Record ID",
                "First Name",
                "Last Name",
                "Email",
                "Company Name",
                "Job Title",
                "Phone Number",
                "Associated Company IDs",
                "Lifecycle Stage",
                "Lead Status",
                "Original Source",
                "Create Date",
                "Country/Region",
                "State/Region",
                "City",
            ],
            Table::Deals => &[
                "Record ID",
                "Deal Name",
                "Deal Stage",
                "Amount",
                "Close Date",
                "Create Date",
                "Pipeline",
                "Associated Company IDs",
                "Associated Contact IDs",
            ],
            Table::Truth => TRUTH_HEADER,
        }
    }
}

/// Generates the export of `spec`, handing every row (without the header, which is
/// [`Table::header`]) to `emit` as it is made. Rows of different tables interleave. The same
/// spec always yields the same rows. Stops at the first error `emit` returns.
pub fn generate<E>(
    spec: &ExportSpec,
    emit: impl FnMut(Table, &[String]) -> Result<(), E>,
) -> Result<(), E> {
    let mut g = Gen::new(spec, emit);
    match spec.format {
        ExportFormat::Salesforce => g.salesforce(),
        ExportFormat::Hubspot => g.hubspot(),
    }
}

/// Salesforce objects, for their id key prefixes.
#[derive(Debug, Clone, Copy)]
enum Obj {
    Account,
    Contact,
    Lead,
    Opportunity,
    Campaign,
    CampaignMember,
    Task,
    Event,
    User,
    ContactRole,
}

impl Obj {
    fn prefix(self) -> &'static str {
        match self {
            Obj::Account => "001",
            Obj::Contact => "003",
            Obj::Lead => "00Q",
            Obj::Opportunity => "006",
            Obj::Campaign => "701",
            Obj::CampaignMember => "00v",
            Obj::Task => "00T",
            Obj::Event => "00U",
            Obj::User => "005",
            Obj::ContactRole => "00K",
        }
    }
}

/// Where a person truly belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Home {
    /// An account in the export, by index.
    Account(u32),
    /// A company with no account, by index: the migration should create one.
    New(u32),
    /// Nothing in the record says: review.
    Unknown,
}

/// A company: an account of the export, or one people work at that has none.
struct Company {
    name: String,
    base: String,
    domain: String,
    duns: Option<String>,
    place: u8,
    industry: u8,
}

/// What later rows need of a person already written.
#[derive(Clone)]
struct Person {
    first: String,
    last: String,
    email: String,
    company: String,
    home: Home,
    /// Whether the record itself names its account (a Contact's AccountId).
    attached: bool,
    person: u64,
}

/// How a file writes booleans: exports differ, one style per file.
#[derive(Clone, Copy)]
enum Bools {
    TrueFalse,
    OneZero,
    YesNo,
}

impl Bools {
    fn write(self, v: bool) -> String {
        let (t, f) = match self {
            Bools::TrueFalse => ("true", "false"),
            Bools::OneZero => ("1", "0"),
            Bools::YesNo => ("yes", "no"),
        };
        (if v { t } else { f }).to_string()
    }
}

const INDUSTRIES: &[&str] = &[
    "Technology",
    "Manufacturing",
    "Healthcare",
    "Finance",
    "Retail",
    "Energy",
    "Education",
    "Media",
    "",
];
const TITLES: &[&str] = &[
    "CEO",
    "CTO",
    "VP Sales",
    "Director of IT",
    "Head of Marketing",
    "Procurement Manager",
    "Software Engineer",
    "Operations Manager",
    "CFO",
    "",
];
const LEAD_SOURCES: &[&str] = &[
    "Web",
    "Phone Inquiry",
    "Partner Referral",
    "Trade Show",
    "Webinar",
    "Purchased List",
    "",
];
/// Names beyond ASCII, with the letters their owners use in an email address.
const FIRST_INTL: &[(&str, &str)] = &[
    ("José", "jose"),
    ("Zoë", "zoe"),
    ("Søren", "soren"),
    ("Łukasz", "lukasz"),
    ("François", "francois"),
    ("伟", "wei"),
];
const LAST_INTL: &[(&str, &str)] = &[
    ("Müller", "mueller"),
    ("Núñez", "nunez"),
    ("Ødegaard", "odegaard"),
    ("李", "li"),
    ("Çelik", "celik"),
    ("García", "garcia"),
];
/// Company names with letters beyond ASCII, and their ASCII folding for domains.
const BASES_INTL: &[(&str, &str)] = &[
    ("Øresund", "oresund"),
    ("Müller", "mueller"),
    ("Société Lumière", "societelumiere"),
    ("Zürich", "zurich"),
    ("Malmö", "malmo"),
    ("São Paulo", "saopaulo"),
    ("Kraków", "krakow"),
];
/// Shortenings people type for a word of a company's name.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("Systems", "Sys."),
    ("Software", "SW"),
    ("Materials", "Matls"),
    ("Insurance", "Ins."),
    ("Partners", "Ptnrs"),
    ("Pharma", "Pharm."),
    ("Capital", "Cap."),
    ("Security", "Sec."),
    ("Logistics", "Log."),
    ("Networks", "Netw."),
    ("Analytics", "Analyt."),
];
const LEGAL: &[&str] = &[
    "Inc.", "Inc", "LLC", "Corp.", "Ltd", "GmbH", "Co.", "S.A.", "",
];
/// What people type as a company when they have none to give.
const NO_COMPANY: &[&str] = &["", "n/a", "[not provided]", "Self-employed", "-", "none"];
/// Leads kept for lead-lead duplicates: duplicates are entered close together.
const RECENT: usize = 4096;
/// New companies taking members at once: colleagues trickle in among other leads.
const OPEN_GROUPS: usize = 32;

struct Gen<F> {
    rng: ChaCha8Rng,
    spec: ExportSpec,
    emit: F,
    /// Lowercased company bases taken, so every company is a different name.
    bases: HashSet<String>,
    /// Hashes of every mailbox handed out: one address is one person.
    mailboxes: HashSet<u64>,
    accounts: Vec<Company>,
    new_companies: Vec<Company>,
    /// New companies still taking members, with how many more they take.
    /// Companies with no account that more people will name: (company, people to come, whether
    /// one of them has written from the company's domain yet).
    open_groups: Vec<(u32, u8, bool)>,
    contacts: Vec<Person>,
    /// A contact of each account, for opportunity roles and deals.
    contact_of: Vec<Option<u32>>,
    recent: VecDeque<Person>,
    next_person: u64,
    /// Per-object id offsets, so ids look like a real org's (letters and digits).
    id_base: u64,
    counters: [u64; 10],
    users: u64,
    /// OwnerIds written so far.
    owners: u64,
    campaigns: u64,
    bools: [Bools; 5],
}

impl<E, F: FnMut(Table, &[String]) -> Result<(), E>> Gen<F> {
    fn new(spec: &ExportSpec, emit: F) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let id_base = rng.gen_range(62u64.pow(6)..62u64.pow(7));
        let styles = [Bools::TrueFalse, Bools::OneZero, Bools::YesNo];
        let bools = [(); 5].map(|_| *styles.choose(&mut rng).expect("styles"));
        Gen {
            rng,
            spec: *spec,
            emit,
            bases: HashSet::new(),
            mailboxes: HashSet::new(),
            accounts: Vec::with_capacity(spec.accounts),
            new_companies: Vec::new(),
            open_groups: Vec::new(),
            contacts: Vec::with_capacity(spec.contacts),
            contact_of: vec![None; spec.accounts],
            recent: VecDeque::with_capacity(RECENT),
            next_person: 0,
            id_base,
            counters: [0; 10],
            users: (spec.accounts as u64 / 100).clamp(5, 500),
            owners: 0,
            campaigns: (spec.accounts as u64 / 200).clamp(3, 200),
            bools,
        }
    }

    fn out(&mut self, table: Table, row: Vec<String>) -> Result<(), E> {
        (self.emit)(table, &row)
    }

    // ---- ids ----

    /// The 15-character id of the `n`th record of `obj`: prefix, instance, and a base-62 number.
    fn sf15(&self, obj: Obj, n: u64) -> String {
        const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        // Each object numbers its records from its own point, as an org's do.
        let mut v = self.id_base + (obj as u64) * 6_388_733 + n;
        let mut num = [b'0'; 9];
        for d in num.iter_mut().rev() {
            *d = DIGITS[(v % 62) as usize];
            v /= 62;
        }
        format!(
            "{}5g0{}",
            obj.prefix(),
            std::str::from_utf8(&num).expect("ascii")
        )
    }

    fn sf(&self, obj: Obj, n: u64) -> String {
        sf_id_18(&self.sf15(obj, n))
    }

    /// A reference to a record as exports write them: mostly 18 characters, a fifth 15.
    fn sf_ref(&mut self, obj: Obj, n: u64) -> String {
        if self.rng.gen_bool(0.2) {
            self.sf15(obj, n)
        } else {
            self.sf(obj, n)
        }
    }

    /// The id of the next new record of `obj`.
    fn next(&mut self, obj: Obj) -> u64 {
        let c = &mut self.counters[obj as usize];
        *c += 1;
        *c - 1
    }

    fn hs_company(n: u64) -> String {
        (5_100_000_000 + n * 37).to_string()
    }

    /// HubSpot numbers contacts in steps of 50.
    fn hs_contact(n: u64) -> String {
        (51 + n * 50).to_string()
    }

    fn account_label(&self, a: u32) -> String {
        match self.spec.format {
            ExportFormat::Salesforce => self.sf(Obj::Account, a.into()),
            ExportFormat::Hubspot => Self::hs_company(a.into()),
        }
    }

    fn label(&self, home: Home) -> String {
        match home {
            Home::Account(a) => self.account_label(a),
            Home::New(c) => format!("new:C{c}"),
            Home::Unknown => String::new(),
        }
    }

    fn person_id(&mut self) -> u64 {
        self.next_person += 1;
        self.next_person
    }

    // ---- values ----

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        *from.choose(&mut self.rng).expect("a non-empty list")
    }

    /// Seconds since the epoch, from 2019 into 2025.
    fn moment(&mut self) -> i64 {
        self.rng.gen_range(1_546_300_800..1_751_328_000)
    }

    fn datetime(&mut self) -> String {
        let t = self.moment();
        chrono::DateTime::from_timestamp(t, 0)
            .expect("in range")
            .format("%Y-%m-%dT%H:%M:%S.000Z")
            .to_string()
    }

    fn date(&mut self) -> String {
        let t = self.moment();
        chrono::DateTime::from_timestamp(t, 0)
            .expect("in range")
            .format("%Y-%m-%d")
            .to_string()
    }

    /// The OwnerId of a record: a user of User.csv, every fifth reference in the 15-character
    /// form, and every 97th a user missing from User.csv (one removed from the export), which
    /// the migration keeps the record without and reports. The forms and the missing user are
    /// chosen by a count, not the random stream, so the rest of an export stays as it was.
    fn owner(&mut self) -> String {
        let n = self.rng.gen_range(0..self.users);
        self.owners += 1;
        let n = if self.owners.is_multiple_of(97) {
            self.users
        } else {
            n
        };
        if self.owners.is_multiple_of(5) {
            self.sf15(Obj::User, n)
        } else {
            self.sf(Obj::User, n)
        }
    }

    fn phone(&mut self) -> String {
        let (a, b) = (self.rng.gen_range(201..990), self.rng.gen_range(0..10_000));
        match self.rng.gen_range(0..5) {
            0 => format!("({a}) 555-{b:04}"),
            1 => format!("{a}.555.{b:04}"),
            2 => format!("+1 {a} 555 {b:04}"),
            3 => format!("+1-{a}-555-{b:04}"),
            _ => String::new(),
        }
    }

    fn country(&mut self) -> String {
        self.pick(&["US", "USA", "United States", "United States", ""])
            .to_string()
    }

    /// How a website is typed into a CRM.
    fn website(&mut self, domain: &str) -> String {
        match self.rng.gen_range(0..6) {
            0 => format!("https://www.{domain}/"),
            1 => domain.to_string(),
            2 => format!("www.{domain}"),
            3 => format!("http://{domain}/en"),
            4 => format!("https://{domain}"),
            _ => String::new(),
        }
    }

    fn employees(&mut self) -> String {
        if self.rng.gen_bool(0.2) {
            String::new()
        } else {
            self.rng.gen_range(5..50_000).to_string()
        }
    }

    fn revenue(&mut self) -> String {
        if self.rng.gen_bool(0.3) {
            String::new()
        } else {
            (self.rng.gen_range(1..5_000) * 100_000).to_string()
        }
    }

    /// A person's name as written and as it goes into an address.
    fn name(&mut self) -> (String, String, String, String) {
        let (first, f) = if self.rng.gen_bool(0.06) {
            self.pick(FIRST_INTL)
        } else {
            let n = self.pick(FIRST);
            (n, n)
        };
        let (last, l) = if self.rng.gen_bool(0.06) {
            self.pick(LAST_INTL)
        } else {
            let n = self.pick(LAST);
            (n, n)
        };
        (
            first.to_string(),
            last.to_string(),
            f.to_lowercase(),
            l.to_lowercase().replace('\'', ""),
        )
    }

    /// An address no one else has: `local@host`, with digits added until it is free.
    fn mailbox(&mut self, local: &str, host: &str) -> String {
        let mut local = local.to_string();
        loop {
            let email = format!("{local}@{host}");
            let mut h = DefaultHasher::new();
            email.hash(&mut h);
            if self.mailboxes.insert(h.finish()) {
                return email;
            }
            local.push(char::from(b'0' + self.rng.gen_range(0..10)));
        }
    }

    /// An address at a company's domain as people write it: sometimes at a subdomain, sometimes
    /// in capitals, the local part in one of the usual shapes.
    fn corporate_email(&mut self, f: &str, l: &str, domain: &str) -> String {
        let local = match self.rng.gen_range(0..4) {
            0 => format!("{}{l}", f.chars().next().unwrap_or('x')),
            1 => f.to_string(),
            _ => format!("{f}.{l}"),
        };
        let host = if self.rng.gen_bool(0.08) {
            format!("{}.{domain}", self.pick(&["mail", "eu", "us", "corp"]))
        } else {
            domain.to_string()
        };
        let e = self.mailbox(&local, &host);
        if self.rng.gen_bool(0.08) {
            e.to_uppercase()
        } else {
            e
        }
    }

    /// Another address of the owner of `email`: the same handle at a free-mail host.
    fn free_mailbox(&mut self, email: &str) -> String {
        let local = email.split('@').next().unwrap_or("x").split('+').next();
        let host = self.pick(FREE);
        self.mailbox(&local.unwrap_or("x").to_lowercase(), host)
    }

    fn free_email(&mut self, f: &str, l: &str) -> String {
        let host = self.pick(FREE);
        let local = if self.rng.gen_bool(0.5) {
            format!("{f}.{l}")
        } else {
            format!("{f}{l}{}", self.rng.gen_range(1..99))
        };
        self.mailbox(&local, host)
    }

    // ---- companies ----

    /// A company with a name no other company has.
    fn company(&mut self, tld: &str) -> Company {
        let (base, slug) = loop {
            let (base, slug) = if self.rng.gen_bool(0.03) {
                let (b, s) = self.pick(BASES_INTL);
                let word = self.pick(WORDS);
                (format!("{b} {word}"), format!("{s}{}", word.to_lowercase()))
            } else {
                let base = format!("{} {}", coined(&mut self.rng), self.pick(WORDS));
                let slug = base
                    .to_lowercase()
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect();
                (base, slug)
            };
            if self.bases.insert(base.to_lowercase()) && self.bases.insert(slug.clone()) {
                break (base, slug);
            }
        };
        let legal = self.pick(LEGAL);
        let name = if legal.is_empty() {
            base.clone()
        } else {
            format!("{base} {legal}")
        };
        Company {
            name,
            base,
            domain: format!("{slug}.{tld}"),
            duns: self
                .rng
                .gen_bool(0.3)
                .then(|| self.rng.gen_range(100_000_000..999_999_999u32).to_string()),
            place: self.rng.gen_range(0..STATES.len() as u8),
            industry: self.rng.gen_range(0..INDUSTRIES.len() as u8),
        }
    }

    /// A new company with no account, for `people` people to come.
    fn new_company(&mut self) -> u32 {
        let tld = self.pick(&["com", "io", "de", "co.uk", "net"]);
        let c = self.company(tld);
        self.new_companies.push(c);
        (self.new_companies.len() - 1) as u32
    }

    fn home_company(&self, home: Home) -> Option<&Company> {
        match home {
            Home::Account(a) => Some(&self.accounts[a as usize]),
            Home::New(c) => Some(&self.new_companies[c as usize]),
            Home::Unknown => None,
        }
    }

    /// An account, the early ones more often: a few accounts hold most people.
    fn some_account(&mut self) -> u32 {
        let u: f64 = self.rng.gen();
        ((u * u) * self.accounts.len() as f64) as u32
    }

    /// How a person types the name of the company `home` (which must be a company).
    fn company_variant(&mut self, home: Home) -> String {
        let c = self.home_company(home).expect("a company");
        let (name, base) = (c.name.clone(), c.base.clone());
        match self.rng.gen_range(0..12) {
            0..=2 => name,
            3 | 4 => messy_company(&mut self.rng, &base),
            5 => base,
            6 => {
                let legal = self.pick(&[", Inc.", " GmbH", " Ltd.", " Corporation", " LLC"]);
                format!("{base}{legal}")
            }
            7 => name.replace('.', "").replace(' ', "-"),
            8 => fold_accents(&name).to_uppercase(),
            9 => ABBREVIATIONS
                .iter()
                .find(|(w, _)| base.ends_with(w))
                .map(|(w, a)| format!("{}{a}", &base[..base.len() - w.len()]))
                .unwrap_or_else(|| name.to_lowercase()),
            10 => format!("  {name} "),
            _ => typo(&mut self.rng, &name),
        }
    }

    // ---- Salesforce ----

    fn salesforce(&mut self) -> Result<(), E> {
        for n in 0..self.users {
            let (first, last, f, l) = self.name();
            let row = vec![
                self.sf(Obj::User, n),
                first,
                last,
                format!("{f}.{l}@ourcrm.example"),
                self.bools[4].write(n == 0 || self.rng.gen_bool(0.9)),
            ];
            self.out(Table::User, row)?;
        }
        for n in 0..self.campaigns {
            let kind = self.pick(&[
                "Webinar",
                "Trade Show",
                "Email",
                "Conference",
                "Advertisement",
            ]);
            let row = vec![
                self.sf(Obj::Campaign, n),
                format!("{} Q{} {kind} {n}", 2019 + n % 7, 1 + n % 4),
                kind.to_string(),
                self.pick(&["Completed", "In Progress", "Planned", "Aborted"])
                    .to_string(),
                self.date(),
            ];
            self.out(Table::Campaign, row)?;
        }
        self.make_accounts();
        for i in 0..self.accounts.len() {
            self.sf_account(i as u32)?;
        }
        for _ in 0..self.spec.contacts {
            self.sf_contact()?;
        }
        for _ in 0..self.spec.accounts / 2 {
            self.sf_opportunity()?;
        }
        for i in 0..self.spec.leads {
            if i == self.spec.leads / 3 {
                self.bad_lead(true)?;
            }
            if i == 2 * self.spec.leads / 3 {
                self.bad_lead(false)?;
            }
            self.sf_lead()?;
        }
        Ok(())
    }

    fn make_accounts(&mut self) {
        for _ in 0..self.spec.accounts {
            let tld = self.pick(&["com", "com", "com", "io", "de", "co.uk", "net"]);
            let c = self.company(tld);
            self.accounts.push(c);
        }
    }

    /// The parent of account `i`: hierarchies three deep (every 49th account heads a group,
    /// every 7th a sub-group), the parent sometimes listed after its child. No cycles: a parent
    /// is always a multiple of a larger step.
    fn parent_of(&mut self, i: usize) -> Option<usize> {
        let n = self.accounts.len();
        let step = if i.is_multiple_of(49) {
            return None;
        } else if i.is_multiple_of(7) {
            49
        } else {
            7
        };
        if !self.rng.gen_bool(0.12) {
            return None;
        }
        let before = i - i % step;
        let after = before + step;
        Some(if after < n && self.rng.gen_bool(0.3) {
            after
        } else {
            before
        })
    }

    fn sf_account(&mut self, i: u32) -> Result<(), E> {
        let parent = match self.parent_of(i as usize) {
            Some(p) => self.sf_ref(Obj::Account, p as u64),
            None => String::new(),
        };
        let c = &self.accounts[i as usize];
        let (name, domain, duns) = (c.name.clone(), c.domain.clone(), c.duns.clone());
        let (state, city) = STATES[c.place as usize];
        let industry = INDUSTRIES[c.industry as usize];
        let row = vec![
            self.sf(Obj::Account, i.into()),
            name,
            parent,
            self.website(&domain),
            industry.to_string(),
            self.employees(),
            self.revenue(),
            self.country(),
            state.to_string(),
            city.to_string(),
            self.pick(&["Customer", "Prospect", "Partner", "Customer - Direct", ""])
                .to_string(),
            self.owner(),
            duns.unwrap_or_default(),
            self.datetime(),
            self.pick(&["NA", "EMEA", "APAC", ""]).to_string(),
        ];
        self.out(Table::Account, row)
    }

    /// A person of a contact record and where they belong: most under an account, some
    /// private (no account) with an address that may or may not say where they work.
    fn contact_person(&mut self) -> (Person, bool) {
        let (first, last, f, l) = self.name();
        let at_account = !self.accounts.is_empty() && self.rng.gen_bool(0.92);
        let roll: f64 = self.rng.gen();
        let home = if at_account || (!self.accounts.is_empty() && roll < 0.4) {
            Home::Account(self.some_account())
        } else if roll < 0.7 {
            let c = self.new_company();
            // This contact writes from the company's domain (below).
            self.open_groups.push((c, self.rng.gen_range(1..=5), true));
            Home::New(c)
        } else {
            Home::Unknown
        };
        let email = match self.home_company(home).map(|c| c.domain.clone()) {
            Some(domain) if !at_account || self.rng.gen_bool(0.9) => {
                self.corporate_email(&f, &l, &domain)
            }
            _ => self.free_email(&f, &l),
        };
        let person = self.person_id();
        (
            Person {
                first,
                last,
                email,
                company: String::new(),
                home,
                attached: at_account,
                person,
            },
            at_account,
        )
    }

    fn sf_contact(&mut self) -> Result<(), E> {
        let n = self.next(Obj::Contact);
        let (p, at_account) = self.contact_person();
        let account = match p.home {
            Home::Account(a) if at_account => {
                self.contact_of[a as usize] = Some(n as u32);
                Some(a)
            }
            _ => None,
        };
        let place = match self.home_company(p.home) {
            Some(c) => STATES[c.place as usize],
            None => ("", ""),
        };
        let account_ref = match account {
            Some(a) => self.sf_ref(Obj::Account, a.into()),
            None => String::new(),
        };
        let opted_out = self.bools[0].write(self.rng.gen_bool(0.05));
        let row = vec![
            self.sf(Obj::Contact, n),
            account_ref,
            p.first.clone(),
            p.last.clone(),
            p.email.clone(),
            self.pick(TITLES).to_string(),
            self.phone(),
            self.country(),
            place.0.to_string(),
            place.1.to_string(),
            self.pick(LEAD_SOURCES).to_string(),
            self.owner(),
            self.datetime(),
            opted_out,
            if self.rng.gen_bool(0.3) {
                format!("LEG-{n:07}")
            } else {
                String::new()
            },
        ];
        self.out(Table::Contact, row)?;
        let source_account = account.map(|a| self.sf(Obj::Account, a.into()));
        self.truth(
            self.sf(Obj::Contact, n),
            "contact",
            &p,
            source_account.unwrap_or_default(),
            String::new(),
        )?;
        let who = self.sf_ref(Obj::Contact, n);
        let what = match account {
            Some(a) => self.sf_ref(Obj::Account, a.into()),
            None => String::new(),
        };
        self.activities(&who, &what, &what, 0.3)?;
        if self.rng.gen_bool(0.1) {
            let campaign = self.rng.gen_range(0..self.campaigns);
            self.campaign_member(campaign, None, Some(n))?;
        }
        self.contacts.push(p);
        Ok(())
    }

    fn truth(
        &mut self,
        id: String,
        object: &str,
        p: &Person,
        source_account: String,
        converted: String,
    ) -> Result<(), E> {
        let row = vec![
            id,
            object.to_string(),
            self.label(p.home),
            format!("P{}", p.person),
            source_account,
            converted,
        ];
        self.out(Table::Truth, row)
    }

    /// A task and sometimes an event about `who`.
    fn activities(&mut self, who: &str, what: &str, account: &str, rate: f64) -> Result<(), E> {
        if self.rng.gen_bool(rate) {
            let n = self.next(Obj::Task);
            let kind = self.pick(&["Call", "Email", "Task", "ListEmail"]);
            let row = vec![
                self.sf(Obj::Task, n),
                who.to_string(),
                what.to_string(),
                account.to_string(),
                format!("{kind}: follow up"),
                self.date(),
                kind.to_string(),
            ];
            self.out(Table::Task, row)?;
        }
        if self.rng.gen_bool(rate / 3.0) {
            let n = self.next(Obj::Event);
            let kind = self.pick(&["Meeting", "Demo", "Call", ""]);
            let row = vec![
                self.sf(Obj::Event, n),
                who.to_string(),
                what.to_string(),
                account.to_string(),
                format!("{kind} with customer").trim().to_string(),
                self.datetime(),
                kind.to_string(),
            ];
            self.out(Table::Event, row)?;
        }
        Ok(())
    }

    fn campaign_member(
        &mut self,
        campaign: u64,
        lead: Option<u64>,
        contact: Option<u64>,
    ) -> Result<(), E> {
        let n = self.next(Obj::CampaignMember);
        let lead = lead.map(|l| self.sf_ref(Obj::Lead, l)).unwrap_or_default();
        let contact = contact
            .map(|c| self.sf_ref(Obj::Contact, c))
            .unwrap_or_default();
        let row = vec![
            self.sf(Obj::CampaignMember, n),
            self.sf_ref(Obj::Campaign, campaign),
            lead,
            contact,
            self.pick(&["Sent", "Responded", "Registered", "Attended"])
                .to_string(),
            self.datetime(),
        ];
        self.out(Table::CampaignMember, row)
    }

    fn sf_opportunity(&mut self) -> Result<(), E> {
        if self.accounts.is_empty() {
            return Ok(());
        }
        let n = self.next(Obj::Opportunity);
        let a = self.some_account();
        let (stage, closed, won) = self.pick(&[
            ("Prospecting", false, false),
            ("Qualification", false, false),
            ("Proposal/Price Quote", false, false),
            ("Negotiation/Review", false, false),
            ("Closed Won", true, true),
            ("Closed Lost", true, false),
        ]);
        let campaign = if self.rng.gen_bool(0.3) {
            let c = self.rng.gen_range(0..self.campaigns);
            self.sf_ref(Obj::Campaign, c)
        } else {
            String::new()
        };
        let b = self.bools[2];
        let product = self.pick(&["Platform", "Renewal", "Expansion", "Pilot"]);
        let row = vec![
            self.sf(Obj::Opportunity, n),
            self.sf_ref(Obj::Account, a.into()),
            format!(
                "{} - {product} {}",
                self.accounts[a as usize].base,
                2019 + n % 7
            ),
            stage.to_string(),
            (self.rng.gen_range(1..500) * 1000).to_string(),
            self.date(),
            self.datetime(),
            b.write(closed),
            b.write(won),
            self.owner(),
            campaign,
        ];
        self.out(Table::Opportunity, row)?;
        if let Some(c) = self.contact_of[a as usize] {
            // Report exports: every id of this file in 15 characters.
            let r = self.next(Obj::ContactRole);
            let row = vec![
                self.sf15(Obj::ContactRole, r),
                self.sf15(Obj::Opportunity, n),
                self.sf15(Obj::Contact, c.into()),
                self.pick(&[
                    "Decision Maker",
                    "Economic Buyer",
                    "Evaluator",
                    "Influencer",
                ])
                .to_string(),
                self.bools[3].write(true),
            ];
            self.out(Table::OpportunityContactRole, row)?;
            let (who, what, account) = (
                self.sf_ref(Obj::Contact, c.into()),
                self.sf_ref(Obj::Opportunity, n),
                self.sf_ref(Obj::Account, a.into()),
            );
            self.activities(&who, &what, &account, 0.5)?;
        }
        Ok(())
    }

    /// A person of a lead (HubSpot: a contact with no company) and, when the lead was converted,
    /// the contact it became. Every kind of mess a migration meets, each with its truth.
    fn lead_person(&mut self, may_convert: bool) -> (Person, Option<u32>) {
        let roll: f64 = self.rng.gen();
        let has_contacts = !self.contacts.is_empty();
        if roll < 0.10 && may_convert && has_contacts {
            if let Some(k) = self.contact_at_account() {
                let mut p = self.contacts[k as usize].clone();
                if self.rng.gen_bool(0.2) {
                    p.email = self.free_mailbox(&p.email);
                }
                p.company = self.company_variant(p.home);
                return (p, Some(k));
            }
        }
        if roll < 0.15 && has_contacts {
            let k = self.rng.gen_range(0..self.contacts.len());
            let p = self.contacts[k].clone();
            return (self.duplicate(p), None);
        }
        if roll < 0.21 && !self.recent.is_empty() {
            let k = self.rng.gen_range(0..self.recent.len());
            let p = self.recent[k].clone();
            return (self.duplicate(p), None);
        }
        let (first, last, f, l) = self.name();
        let (home, email, company) = if roll < 0.36 {
            // A colleague at a company with no account: corporate address or free mail, the
            // company name typed either way.
            if self.open_groups.len() < OPEN_GROUPS || self.rng.gen_bool(0.2) {
                let c = self.new_company();
                self.open_groups.push((c, self.rng.gen_range(3..=8), false));
            }
            let g = self.rng.gen_range(0..self.open_groups.len());
            let (c, left, seen_work) = self.open_groups[g];
            // The last of a group writes from the company's domain if nobody did: a company
            // known only from free-mail addresses is not one a migration can create (such people
            // are the free-mail case below).
            let work = self.rng.gen_bool(0.6) || (left == 1 && !seen_work);
            self.open_groups[g] = (c, left - 1, seen_work || work);
            if left == 1 {
                self.open_groups.swap_remove(g);
            }
            let home = Home::New(c);
            if work {
                let domain = self.new_companies[c as usize].domain.clone();
                let company = if self.rng.gen_bool(0.1) {
                    String::new()
                } else {
                    self.company_variant(home)
                };
                (home, self.corporate_email(&f, &l, &domain), company)
            } else {
                let c = &self.new_companies[c as usize];
                let company = if self.rng.gen_bool(0.5) {
                    c.name.clone()
                } else {
                    c.base.clone()
                };
                (home, self.free_email(&f, &l), company)
            }
        } else if roll < 0.40 {
            // Free mail, naming a company the org has no account for and nobody else names:
            // nothing to make an account from, so the truth is review.
            let c = self.new_company();
            let company = self.company_variant(Home::New(c));
            (Home::Unknown, self.free_email(&f, &l), company)
        } else if roll < 0.44 || self.accounts.is_empty() {
            // Free mail and nothing else to go on.
            let company = self.pick(NO_COMPANY).to_string();
            (Home::Unknown, self.free_email(&f, &l), company)
        } else {
            let home = Home::Account(self.some_account());
            let company = self.company_variant(home);
            let email = if self.rng.gen_bool(0.55) {
                let domain = self.home_company(home).expect("account").domain.clone();
                self.corporate_email(&f, &l, &domain)
            } else {
                self.free_email(&f, &l)
            };
            (home, email, company)
        };
        let person = self.person_id();
        (
            Person {
                first,
                last,
                email,
                company,
                home,
                attached: false,
                person,
            },
            None,
        )
    }

    /// A contact that has an account, if one is found in a few tries.
    fn contact_at_account(&mut self) -> Option<u32> {
        (0..8).find_map(|_| {
            let k = self.rng.gen_range(0..self.contacts.len());
            self.contacts[k].attached.then_some(k as u32)
        })
    }

    /// The same human entered again: the address in other capitals or with a plus tag, a typo
    /// or nickname in the name, or the same name at the same company with another address.
    fn duplicate(&mut self, mut p: Person) -> Person {
        let (local, host) = p.email.split_once('@').unwrap_or(("x", "example.com"));
        let (local, host) = (local.to_string(), host.to_string());
        match self.rng.gen_range(0..4) {
            0 => {
                p.email = if self.rng.gen_bool(0.5) {
                    p.email.to_uppercase()
                } else {
                    format!("{}@{}", capitalize(&local), capitalize(&host))
                }
            }
            1 => p.email = format!("{local}+{}@{host}", self.pick(&["news", "crm", "1"])),
            2 => {
                p.first = NICK
                    .iter()
                    .find(|(f, _)| *f == p.first)
                    .map(|(_, n)| n.to_string())
                    .unwrap_or_else(|| typo(&mut self.rng, &p.first));
            }
            _ => p.email = self.free_mailbox(&p.email),
        }
        if p.company.is_empty() && p.home != Home::Unknown {
            p.company = self.company_variant(p.home);
        }
        p
    }

    /// A lead row the migration must reject: one field short, or with no Id.
    fn bad_lead(&mut self, ragged: bool) -> Result<(), E> {
        let (first, last, f, l) = self.name();
        let id = if ragged {
            let n = self.next(Obj::Lead);
            self.sf(Obj::Lead, n)
        } else {
            String::new()
        };
        let mut row = vec![id, first, last, self.free_email(&f, &l)];
        row.resize(Table::Lead.header().len(), String::new());
        row[14] = "Open - Not Contacted".into();
        row[16] = self.bools[1].write(false);
        if ragged {
            row.pop();
        }
        self.out(Table::Lead, row)
    }

    fn sf_lead(&mut self) -> Result<(), E> {
        let n = self.next(Obj::Lead);
        let (p, converted) = self.lead_person(true);
        let company = self.home_company(p.home);
        let place = company
            .map(|c| STATES[c.place as usize])
            .unwrap_or(("", ""));
        let industry = company.map(|c| INDUSTRIES[c.industry as usize]);
        let domain = company.map(|c| c.domain.clone());
        let duns = company.and_then(|c| c.duns.clone());
        let duns = duns.filter(|_| self.rng.gen_bool(0.1));
        let b = self.bools[1];
        let (contact, account, date, status) = match converted {
            Some(k) => {
                let Home::Account(a) = p.home else {
                    unreachable!("converted leads are at accounts")
                };
                (
                    self.sf15(Obj::Contact, k.into()),
                    self.sf_ref(Obj::Account, a.into()),
                    self.date(),
                    "Closed - Converted".to_string(),
                )
            }
            None => (
                String::new(),
                String::new(),
                String::new(),
                self.pick(&[
                    "Open - Not Contacted",
                    "Working - Contacted",
                    "Closed - Not Converted",
                    "Nurturing",
                ])
                .to_string(),
            ),
        };
        let website = match domain {
            Some(d) if self.rng.gen_bool(0.2) => self.website(&d),
            _ => String::new(),
        };
        let description = match self.rng.gen_range(0..40) {
            0 => format!(
                "Met at the booth, asked about \"pricing\", SSO and SCIM.\nWants a call after Q{}, budget approved.",
                self.rng.gen_range(1..5)
            ),
            1 => "Downloaded the whitepaper, then the pricing sheet".to_string(),
            _ => String::new(),
        };
        let row = vec![
            self.sf(Obj::Lead, n),
            p.first.clone(),
            p.last.clone(),
            p.email.clone(),
            p.company.clone(),
            self.pick(TITLES).to_string(),
            self.phone(),
            website,
            industry.unwrap_or("").to_string(),
            self.employees(),
            self.revenue(),
            if place.0.is_empty() {
                String::new()
            } else {
                self.country()
            },
            place.0.to_string(),
            place.1.to_string(),
            status,
            self.pick(LEAD_SOURCES).to_string(),
            b.write(converted.is_some()),
            contact,
            account,
            date,
            duns.unwrap_or_default(),
            self.owner(),
            self.datetime(),
            description,
            self.rng.gen_range(0..100).to_string(),
        ];
        self.out(Table::Lead, row)?;
        let (source_account, converted_contact) = match (converted, p.home) {
            (Some(k), Home::Account(a)) => (
                self.sf(Obj::Account, a.into()),
                self.sf(Obj::Contact, k.into()),
            ),
            _ => (String::new(), String::new()),
        };
        self.truth(
            self.sf(Obj::Lead, n),
            "lead",
            &p,
            source_account,
            converted_contact,
        )?;
        let who = self.sf_ref(Obj::Lead, n);
        self.activities(&who, "", "", 0.15)?;
        if let Some(k) = converted {
            // A campaign reached the lead and, after conversion, its contact.
            if self.rng.gen_bool(0.5) {
                let campaign = self.rng.gen_range(0..self.campaigns);
                self.campaign_member(campaign, Some(n), None)?;
                self.campaign_member(campaign, None, Some(k.into()))?;
            }
        } else {
            if self.rng.gen_bool(0.2) {
                let campaign = self.rng.gen_range(0..self.campaigns);
                self.campaign_member(campaign, Some(n), None)?;
            }
            self.remember(p);
        }
        Ok(())
    }

    fn remember(&mut self, p: Person) {
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(p);
    }

    // ---- HubSpot ----

    fn hubspot(&mut self) -> Result<(), E> {
        self.make_accounts();
        for i in 0..self.accounts.len() {
            self.hs_company_row(i)?;
        }
        for _ in 0..self.spec.contacts {
            let (p, at_account) = self.contact_person();
            let companies = match p.home {
                Home::Account(a) if at_account => {
                    let mut ids = Self::hs_company(a.into());
                    if self.rng.gen_bool(0.08) {
                        // A second association; the first is the company the person works at.
                        let other = self.some_account();
                        if other != a {
                            ids = format!("{ids};{}", Self::hs_company(other.into()));
                        }
                    }
                    ids
                }
                _ => String::new(),
            };
            self.hs_contact_row(p, companies)?;
        }
        for i in 0..self.spec.leads {
            if i == self.spec.leads / 3 {
                self.bad_contact(true)?;
            }
            if i == 2 * self.spec.leads / 3 {
                self.bad_contact(false)?;
            }
            let (p, _) = self.lead_person(false);
            self.hs_contact_row(p.clone(), String::new())?;
            self.remember(p);
        }
        for n in 0..self.spec.accounts as u64 / 2 {
            let a = self.some_account();
            let (stage, pipeline) = self.pick(&[
                ("appointmentscheduled", "default"),
                ("qualifiedtobuy", "default"),
                ("contractsent", "default"),
                ("closedwon", "default"),
                ("closedlost", "Sales Pipeline"),
            ]);
            let contact = self.contact_of[a as usize]
                .map(|c| Self::hs_contact(c.into()))
                .unwrap_or_default();
            let row = vec![
                (9_000_000_000 + n * 13).to_string(),
                format!("{} - {}", self.accounts[a as usize].base, 2019 + n % 7),
                stage.to_string(),
                (self.rng.gen_range(1..500) * 1000).to_string(),
                self.date(),
                self.datetime(),
                pipeline.to_string(),
                Self::hs_company(a.into()),
                contact,
            ];
            self.out(Table::Deals, row)?;
        }
        Ok(())
    }

    fn hs_company_row(&mut self, i: usize) -> Result<(), E> {
        let parent = self
            .parent_of(i)
            .map(|p| Self::hs_company(p as u64))
            .unwrap_or_default();
        let c = &self.accounts[i];
        let (name, domain) = (c.name.clone(), c.domain.clone());
        let (state, city) = STATES[c.place as usize];
        let industry = INDUSTRIES[c.industry as usize];
        let row = vec![
            Self::hs_company(i as u64),
            name,
            if self.rng.gen_bool(0.9) {
                domain.clone()
            } else {
                String::new()
            },
            self.website(&domain),
            industry.to_uppercase(),
            self.employees(),
            self.revenue(),
            self.country(),
            state.to_string(),
            city.to_string(),
            parent,
            self.pick(&["customer", "opportunity", "lead", "salesqualifiedlead"])
                .to_string(),
            self.datetime(),
        ];
        self.out(Table::Companies, row)
    }

    fn hs_contact_row(&mut self, p: Person, companies: String) -> Result<(), E> {
        let n = self.next(Obj::Contact);
        if let (Home::Account(a), false) = (p.home, companies.is_empty()) {
            self.contact_of[a as usize] = Some(n as u32);
        }
        let place = self
            .home_company(p.home)
            .map(|c| STATES[c.place as usize])
            .unwrap_or(("", ""));
        let id = Self::hs_contact(n);
        let source_account = companies.split(';').next().unwrap_or_default().to_string();
        let row = vec![
            id.clone(),
            p.first.clone(),
            p.last.clone(),
            p.email.clone(),
            p.company.clone(),
            self.pick(TITLES).to_string(),
            self.phone(),
            companies,
            self.pick(&["lead", "subscriber", "marketingqualifiedlead", "customer"])
                .to_string(),
            self.pick(&["NEW", "OPEN", "IN_PROGRESS", "UNQUALIFIED", ""])
                .to_string(),
            self.pick(&["ORGANIC_SEARCH", "DIRECT_TRAFFIC", "OFFLINE", "PAID_SOCIAL"])
                .to_string(),
            self.datetime(),
            if place.0.is_empty() {
                String::new()
            } else {
                self.country()
            },
            place.0.to_string(),
            place.1.to_string(),
        ];
        self.out(Table::Contacts, row)?;
        self.truth(id, "contact", &p, source_account, String::new())?;
        if self.contacts.len() < self.spec.contacts {
            self.contacts.push(p);
        }
        Ok(())
    }

    /// A contacts.csv row the migration must reject: one field short, or with no Record ID.
    fn bad_contact(&mut self, ragged: bool) -> Result<(), E> {
        let (first, last, f, l) = self.name();
        let id = if ragged {
            Self::hs_contact(self.next(Obj::Contact))
        } else {
            String::new()
        };
        let mut row = vec![id, first, last, self.free_email(&f, &l)];
        row.resize(Table::Contacts.header().len(), String::new());
        if ragged {
            row.pop();
        }
        self.out(Table::Contacts, row)
    }
}

/// Letters beyond ASCII replaced by their base letters, as people and old systems drop them.
fn fold_accents(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.chars()
        .flat_map(|c| match c {
            'Ø' => "O".chars().collect::<Vec<_>>(),
            'ø' => vec!['o'],
            'Ł' => vec!['L'],
            'ł' => vec!['l'],
            'ß' => vec!['s', 's'],
            c => c.nfd().filter(char::is_ascii).collect(),
        })
        .collect()
}

/// One typing slip: a dropped, doubled or swapped letter (never the first).
fn typo(rng: &mut ChaCha8Rng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if chars.len() < 3 {
        return s.to_string();
    }
    let i = rng.gen_range(1..chars.len() - 1);
    match rng.gen_range(0..3) {
        0 => {
            chars.remove(i);
        }
        1 => chars.insert(i, chars[i]),
        _ => chars.swap(i, i + 1),
    }
    chars.into_iter().collect()
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn rows(spec: &ExportSpec) -> HashMap<Table, Vec<Vec<String>>> {
        let mut out: HashMap<Table, Vec<Vec<String>>> = HashMap::new();
        generate(spec, |t, r| {
            out.entry(t).or_default().push(r.to_vec());
            Ok::<_, ()>(())
        })
        .expect("no errors");
        out
    }

    fn spec(format: ExportFormat) -> ExportSpec {
        ExportSpec {
            format,
            seed: 3,
            accounts: 200,
            contacts: 600,
            leads: 2000,
        }
    }

    #[test]
    fn the_18_character_id_matches_salesforce() {
        // Known pairs from Salesforce documentation and orgs.
        assert_eq!(sf_id_18("001A0000006Vm9r"), "001A0000006Vm9rIAC");
        assert_eq!(sf_id_18("003A0000005QB3A"), "003A0000005QB3AIAW");
    }

    #[test]
    fn ids_compare_in_either_form() {
        assert_eq!(
            normalize_source_id("001A0000006Vm9r"),
            normalize_source_id("001A0000006Vm9rIAC")
        );
        assert_eq!(normalize_source_id("5100000037"), "5100000037");
        assert_eq!(normalize_source_id("new:acme"), "new:acme");
    }

    #[test]
    fn every_person_has_one_truth_row() {
        let data = rows(&spec(ExportFormat::Salesforce));
        let truth = &data[&Table::Truth];
        // Two bad rows are written and have no truth.
        assert_eq!(truth.len(), 600 + 2000);
        assert_eq!(data[&Table::Lead].len(), 2000 + 2);
        let ids: HashSet<&String> = truth.iter().map(|r| &r[0]).collect();
        assert_eq!(ids.len(), truth.len());
    }

    #[test]
    fn rows_are_as_wide_as_their_header_except_the_ragged_one() {
        for format in [ExportFormat::Salesforce, ExportFormat::Hubspot] {
            let data = rows(&spec(format));
            let ragged: usize = data
                .iter()
                .map(|(t, rs)| rs.iter().filter(|r| r.len() != t.header().len()).count())
                .sum();
            assert_eq!(ragged, 1, "{format:?}");
        }
    }

    #[test]
    fn owner_ids_name_users_of_the_export_but_a_few_missing_ones() {
        let data = rows(&spec(ExportFormat::Salesforce));
        let users: HashSet<&str> = data[&Table::User].iter().map(|r| r[0].as_str()).collect();
        let mut owners = Vec::new();
        for (table, column) in [
            (Table::Account, 11),
            (Table::Contact, 11),
            (Table::Lead, 21),
            (Table::Opportunity, 9),
        ] {
            assert_eq!(table.header()[column], "OwnerId");
            owners.extend(
                data[&table]
                    .iter()
                    .filter_map(|r| r.get(column))
                    .filter(|o| !o.is_empty())
                    .map(|o| normalize_source_id(o)),
            );
        }
        let missing = owners
            .iter()
            .filter(|o| !users.contains(o.as_str()))
            .count();
        assert!(owners.len() > 2000, "{}", owners.len());
        assert!(
            missing > 0 && missing * 50 < owners.len(),
            "{missing} of {}",
            owners.len()
        );
    }

    #[test]
    fn converted_leads_point_at_their_contact_and_share_its_person() {
        let data = rows(&spec(ExportFormat::Salesforce));
        let truth: HashMap<&str, &Vec<String>> = data[&Table::Truth]
            .iter()
            .map(|r| (r[0].as_str(), r))
            .collect();
        let converted: Vec<&Vec<String>> = data[&Table::Truth]
            .iter()
            .filter(|r| !r[5].is_empty())
            .collect();
        assert!(converted.len() > 100, "{}", converted.len());
        assert!(converted.iter().all(|r| {
            let contact = truth[r[5].as_str()];
            contact[3] == r[3] && contact[2] == r[2] && r[4] == r[2]
        }));
    }

    #[test]
    fn hubspot_contacts_without_company_are_the_ones_to_place() {
        let data = rows(&spec(ExportFormat::Hubspot));
        let to_place = data[&Table::Truth]
            .iter()
            .filter(|r| r[4].is_empty())
            .count();
        // Private contacts among the 600 have no company either.
        assert!((2000..2100).contains(&to_place), "{to_place}");
    }

    proptest! {
        #[test]
        fn the_long_form_keeps_the_short_one(id in "[0-9A-Za-z]{15}") {
            let long = sf_id_18(&id);
            prop_assert_eq!(long.len(), 18);
            prop_assert!(long.starts_with(&id));
            prop_assert_eq!(normalize_source_id(&long), long.clone());
        }

        #[test]
        fn ids_differing_only_in_case_differ_case_insensitively_when_long(
            id in "[0-9A-Za-z]{15}",
            flip in 0usize..15,
        ) {
            let c = id.as_bytes()[flip];
            prop_assume!(c.is_ascii_alphabetic());
            let mut other = id.clone().into_bytes();
            other[flip] ^= 0x20;
            let other = String::from_utf8(other).expect("ascii");
            prop_assert!(!sf_id_18(&id).eq_ignore_ascii_case(&sf_id_18(&other)));
        }
    }
}
