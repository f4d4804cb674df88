//! A deterministic generator of person records with known truth, shaped like real CRM data
//! (the traits and shares of REAL-DATA.md), and the scorer that measures matching against it:
//! precision, recall and F1 of account assignment and of duplicates, in total and per kind of
//! person.
//!
//! The accounts are a CRM's: names that share common words, families of subsidiaries by
//! country (often without a domain of their own) and divisions sharing the parent's domain,
//! look-alike companies abroad, several domains on some accounts. Every person carries a
//! [`PersonKind`] saying which trait of real data it stands for.

use super::record::{AccountEntry, PersonRecord};
use crate::ids::AccountId;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, HashSet};
use std::fmt;

/// The trait of real data a generated person stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PersonKind {
    /// A corporate address at a domain the account lists.
    Corporate,
    /// A subdomain of the account's domain, or an alternate domain the account does not list.
    AltDomain,
    /// A free-mail or ISP address, with the company typed by hand (noisily).
    FreeMail,
    /// Works at a subsidiary, writes the parent's domain and names the subsidiary.
    ParentDomain,
    /// Works at a subsidiary, at its own country domain or a free-mail address.
    Subsidiary,
    /// Works at a division that shares its parent's domain.
    Division,
    /// Works at a different company abroad with (nearly) the name of an account: no account.
    LookAlike,
    /// A corporate domain no account lists: an account without a domain, or a new company.
    UnlistedDomain,
    /// A known domain, typed wrong.
    TypoDomain,
    /// A name, maybe an address and a phone, and no company.
    NoCompany,
    /// A throwaway address.
    Disposable,
    /// A person already seen, again: another address, a nickname, a typo, a new title.
    Repeat,
    /// A different person with the name of one already seen at the same company.
    Namesake,
}

impl PersonKind {
    /// Every kind, in the order of reports.
    pub const ALL: [PersonKind; 13] = [
        PersonKind::Corporate,
        PersonKind::AltDomain,
        PersonKind::FreeMail,
        PersonKind::ParentDomain,
        PersonKind::Subsidiary,
        PersonKind::Division,
        PersonKind::LookAlike,
        PersonKind::UnlistedDomain,
        PersonKind::TypoDomain,
        PersonKind::NoCompany,
        PersonKind::Disposable,
        PersonKind::Repeat,
        PersonKind::Namesake,
    ];

    /// The kind's name in reports and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            PersonKind::Corporate => "corporate",
            PersonKind::AltDomain => "alt_domain",
            PersonKind::FreeMail => "free_mail",
            PersonKind::ParentDomain => "parent_domain",
            PersonKind::Subsidiary => "subsidiary",
            PersonKind::Division => "division",
            PersonKind::LookAlike => "look_alike",
            PersonKind::UnlistedDomain => "unlisted_domain",
            PersonKind::TypoDomain => "typo_domain",
            PersonKind::NoCompany => "no_company",
            PersonKind::Disposable => "disposable",
            PersonKind::Repeat => "repeat",
            PersonKind::Namesake => "namesake",
        }
    }

    /// The share of generated people of this kind (REAL-DATA.md's proportions; the kinds sum
    /// to one, so the overlapping traits of the table are split among them).
    pub fn share(self) -> f64 {
        match self {
            PersonKind::Corporate => 0.41,
            PersonKind::AltDomain => 0.035,
            PersonKind::FreeMail => 0.24,
            PersonKind::ParentDomain => 0.03,
            PersonKind::Subsidiary => 0.02,
            PersonKind::Division => 0.015,
            PersonKind::LookAlike => 0.02,
            PersonKind::UnlistedDomain => 0.07,
            PersonKind::TypoDomain => 0.005,
            PersonKind::NoCompany => 0.04,
            PersonKind::Disposable => 0.01,
            PersonKind::Repeat => 0.10,
            PersonKind::Namesake => 0.005,
        }
    }
}

impl fmt::Display for PersonKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A generated person and what is true of them.
#[derive(Debug, Clone)]
pub struct SynthPerson {
    pub id: String,
    pub record: PersonRecord,
    /// The account this person works at, when it exists.
    pub account: Option<AccountId>,
    /// The first record of the same person, when this one repeats it.
    pub duplicate_of: Option<String>,
    /// The trait of real data this record stands for.
    pub kind: PersonKind,
}

/// A generated world.
#[derive(Debug, Clone, Default)]
pub struct SynthData {
    pub accounts: Vec<AccountEntry>,
    pub people: Vec<SynthPerson>,
}

impl SynthData {
    /// A match index holding the generated accounts, as a run against them starts.
    pub fn index(&self) -> super::MatchIndex {
        let mut index = super::MatchIndex::new();
        for a in &self.accounts {
            index.insert_account(a.clone());
        }
        index
    }
}

/// A region of a country: its code and name as people write them, and its cities.
struct Region {
    code: &'static str,
    name: &'static str,
    cities: &'static [&'static str],
}

/// What a country lends a generated company or person.
struct Country {
    /// The ways its name is written (ISO code first).
    written: &'static [&'static str],
    regions: &'static [Region],
    /// The country calling code, and the national trunk prefix.
    dial: &'static str,
    trunk: &'static str,
    /// Digits of a national significant number, and how mobile numbers begin.
    nsn: usize,
    leads: &'static [&'static str],
    tld: &'static str,
    /// Families of [`LEGAL`] its companies use.
    legal: &'static [usize],
    /// Its name in a subsidiary's ("Acme Japan K.K.").
    local: &'static str,
    /// Its free-mail and ISP providers (beside the global ones).
    free: &'static [&'static str],
}

const US: usize = 0;
const COUNTRIES: &[Country] = &[
    Country {
        written: &[
            "US",
            "USA",
            "United States",
            "U.S.",
            "United States of America",
        ],
        regions: &[
            Region {
                code: "CA",
                name: "California",
                cities: &["San Francisco", "Los Angeles", "San Diego", "San Jose"],
            },
            Region {
                code: "NY",
                name: "New York",
                cities: &["New York", "Buffalo", "Rochester"],
            },
            Region {
                code: "TX",
                name: "Texas",
                cities: &["Austin", "Houston", "Dallas"],
            },
            Region {
                code: "WA",
                name: "Washington",
                cities: &["Seattle", "Spokane"],
            },
            Region {
                code: "MA",
                name: "Massachusetts",
                cities: &["Boston", "Cambridge"],
            },
            Region {
                code: "IL",
                name: "Illinois",
                cities: &["Chicago"],
            },
            Region {
                code: "GA",
                name: "Georgia",
                cities: &["Atlanta"],
            },
            Region {
                code: "CO",
                name: "Colorado",
                cities: &["Denver", "Boulder"],
            },
            Region {
                code: "FL",
                name: "Florida",
                cities: &["Miami", "Tampa", "Orlando"],
            },
            Region {
                code: "OH",
                name: "Ohio",
                cities: &["Columbus", "Cleveland"],
            },
            Region {
                code: "PA",
                name: "Pennsylvania",
                cities: &["Philadelphia", "Pittsburgh"],
            },
            Region {
                code: "NC",
                name: "North Carolina",
                cities: &["Charlotte", "Raleigh"],
            },
            Region {
                code: "MN",
                name: "Minnesota",
                cities: &["Minneapolis"],
            },
            Region {
                code: "AZ",
                name: "Arizona",
                cities: &["Phoenix"],
            },
            Region {
                code: "MI",
                name: "Michigan",
                cities: &["Detroit"],
            },
            Region {
                code: "OR",
                name: "Oregon",
                cities: &["Portland"],
            },
        ],
        dial: "1",
        trunk: "",
        nsn: 10,
        leads: &[
            "212", "415", "312", "617", "206", "512", "303", "404", "305", "614", "215", "704",
        ],
        tld: "com",
        legal: &[INC, INC, LLC, CORP, CO],
        local: "USA",
        free: &["comcast.net", "att.net", "verizon.net", "sbcglobal.net"],
    },
    Country {
        written: &["GB", "UK", "United Kingdom", "England", "Great Britain"],
        regions: &[Region {
            code: "",
            name: "",
            cities: &[
                "London",
                "Manchester",
                "Birmingham",
                "Leeds",
                "Edinburgh",
                "Bristol",
            ],
        }],
        dial: "44",
        trunk: "0",
        nsn: 10,
        leads: &["7700", "7911", "7444", "20", "161"],
        tld: "co.uk",
        legal: &[LTD, LTD, PLC],
        local: "UK",
        free: &[
            "btinternet.com",
            "sky.com",
            "yahoo.co.uk",
            "hotmail.co.uk",
            "virginmedia.com",
        ],
    },
    Country {
        written: &["DE", "Germany", "Deutschland", "DEU"],
        regions: &[Region {
            code: "",
            name: "",
            cities: &[
                "Berlin",
                "München",
                "Munich",
                "Hamburg",
                "Frankfurt",
                "Stuttgart",
                "Köln",
            ],
        }],
        dial: "49",
        trunk: "0",
        nsn: 11,
        leads: &["151", "160", "171", "30", "89"],
        tld: "de",
        legal: &[GMBH, GMBH, AG],
        local: "Deutschland",
        free: &["gmx.de", "web.de", "t-online.de", "gmx.net"],
    },
    Country {
        written: &["FR", "France", "FRA"],
        regions: &[Region {
            code: "",
            name: "",
            cities: &["Paris", "Lyon", "Marseille", "Toulouse", "Lille"],
        }],
        dial: "33",
        trunk: "0",
        nsn: 9,
        leads: &["6", "7", "1"],
        tld: "fr",
        legal: &[SAS, SA, SARL],
        local: "France",
        free: &[
            "free.fr",
            "orange.fr",
            "wanadoo.fr",
            "laposte.net",
            "sfr.fr",
        ],
    },
    Country {
        written: &[
            "NL",
            "Netherlands",
            "Nederland",
            "The Netherlands",
            "Holland",
        ],
        regions: &[Region {
            code: "",
            name: "",
            cities: &["Amsterdam", "Rotterdam", "Utrecht", "Eindhoven"],
        }],
        dial: "31",
        trunk: "0",
        nsn: 9,
        leads: &["6", "20", "10"],
        tld: "nl",
        legal: &[BV, BV, NV],
        local: "Nederland",
        free: &["ziggo.nl", "kpnmail.nl", "planet.nl"],
    },
    Country {
        written: &["IT", "Italy", "Italia"],
        regions: &[Region {
            code: "",
            name: "",
            cities: &["Milano", "Roma", "Torino", "Bologna"],
        }],
        dial: "39",
        trunk: "",
        nsn: 10,
        leads: &["3", "02", "06", "011"],
        tld: "it",
        legal: &[SPA, SRL],
        local: "Italia",
        free: &["libero.it", "virgilio.it", "alice.it", "tiscali.it"],
    },
    Country {
        written: &["ES", "Spain", "España", "Espana"],
        regions: &[Region {
            code: "",
            name: "",
            cities: &["Madrid", "Barcelona", "Valencia", "Sevilla"],
        }],
        dial: "34",
        trunk: "",
        nsn: 9,
        leads: &["6", "91", "93"],
        tld: "es",
        legal: &[SL, SA],
        local: "España",
        free: &["hotmail.es", "yahoo.es"],
    },
    Country {
        written: &["JP", "Japan"],
        regions: &[Region {
            code: "",
            name: "",
            cities: &["Tokyo", "Osaka", "Nagoya", "Yokohama"],
        }],
        dial: "81",
        trunk: "0",
        nsn: 10,
        leads: &["90", "80", "3", "6"],
        tld: "co.jp",
        legal: &[KK, KK],
        local: "Japan",
        free: &["yahoo.co.jp"],
    },
    Country {
        written: &["IN", "India"],
        regions: &[Region {
            code: "",
            name: "",
            cities: &[
                "Mumbai",
                "Bangalore",
                "Bengaluru",
                "Delhi",
                "Pune",
                "Chennai",
            ],
        }],
        dial: "91",
        trunk: "0",
        nsn: 10,
        leads: &["98", "99", "90", "22", "80"],
        tld: "co.in",
        legal: &[PVT],
        local: "India",
        free: &["rediffmail.com", "yahoo.co.in"],
    },
    Country {
        written: &["AU", "Australia"],
        regions: &[
            Region {
                code: "NSW",
                name: "New South Wales",
                cities: &["Sydney", "Newcastle"],
            },
            Region {
                code: "VIC",
                name: "Victoria",
                cities: &["Melbourne", "Geelong"],
            },
            Region {
                code: "QLD",
                name: "Queensland",
                cities: &["Brisbane"],
            },
        ],
        dial: "61",
        trunk: "0",
        nsn: 9,
        leads: &["4", "2", "3"],
        tld: "com.au",
        legal: &[PTY],
        local: "Australia",
        free: &["optusnet.com.au", "bigpond.com"],
    },
    Country {
        written: &["CA", "Canada", "CAN"],
        regions: &[
            Region {
                code: "ON",
                name: "Ontario",
                cities: &["Toronto", "Ottawa"],
            },
            Region {
                code: "BC",
                name: "British Columbia",
                cities: &["Vancouver"],
            },
            Region {
                code: "QC",
                name: "Quebec",
                cities: &["Montreal", "Québec"],
            },
            Region {
                code: "AB",
                name: "Alberta",
                cities: &["Calgary"],
            },
        ],
        dial: "1",
        trunk: "",
        nsn: 10,
        leads: &["416", "604", "514", "403"],
        tld: "ca",
        legal: &[INC, LTD],
        local: "Canada",
        free: &["shaw.ca", "rogers.com", "sympatico.ca"],
    },
    Country {
        written: &["BR", "Brazil", "Brasil"],
        regions: &[Region {
            code: "",
            name: "",
            cities: &["São Paulo", "Rio de Janeiro", "Curitiba"],
        }],
        dial: "55",
        trunk: "0",
        nsn: 11,
        leads: &["11", "21", "41"],
        tld: "com.br",
        legal: &[LTDA, SA],
        local: "Brasil",
        free: &["uol.com.br", "terra.com.br", "bol.com.br"],
    },
    Country {
        written: &["SE", "Sweden", "Sverige"],
        regions: &[Region {
            code: "",
            name: "",
            cities: &["Stockholm", "Göteborg", "Malmö"],
        }],
        dial: "46",
        trunk: "0",
        nsn: 9,
        leads: &["70", "73", "8"],
        tld: "se",
        legal: &[AB],
        local: "Sverige",
        free: &["telia.com"],
    },
    Country {
        written: &["SG", "Singapore"],
        regions: &[Region {
            code: "",
            name: "",
            cities: &["Singapore"],
        }],
        dial: "65",
        trunk: "",
        nsn: 8,
        leads: &["9", "8", "6"],
        tld: "com.sg",
        legal: &[PTE],
        local: "Singapore",
        free: &[],
    },
    Country {
        written: &["MX", "Mexico", "México"],
        regions: &[Region {
            code: "",
            name: "",
            cities: &["Ciudad de México", "Monterrey", "Guadalajara"],
        }],
        dial: "52",
        trunk: "",
        nsn: 10,
        leads: &["55", "81", "33"],
        tld: "com.mx",
        legal: &[SADECV],
        local: "Mexico",
        free: &[],
    },
];
/// How often a top-level account is in each country of [`COUNTRIES`], in percent.
const COUNTRY_WEIGHTS: &[u32] = &[70, 6, 4, 3, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 0];

/// Legal forms, each a family of the ways it is written (the first is the account's own).
const LEGAL: &[&[&str]] = &[
    &["Inc.", "Inc", "Incorporated", ", Inc."],
    &["LLC", "L.L.C.", ", LLC"],
    &["Corp.", "Corp", "Corporation"],
    &["Co.", "Co", "Company", "& Co."],
    &["Ltd", "Ltd.", "Limited"],
    &["PLC", "plc", "Public Limited Company"],
    &["GmbH", "Gmbh", "G.m.b.H."],
    &["AG", "A.G."],
    &["SAS", "S.A.S."],
    &["S.A.", "SA"],
    &["SARL", "S.A.R.L.", "Sarl"],
    &["B.V.", "BV", "bv"],
    &["N.V.", "NV"],
    &["S.p.A.", "SpA", "S.P.A."],
    &["S.r.l.", "Srl", "S.R.L."],
    &["S.L.", "SL"],
    &["K.K.", "KK", "Kabushiki Kaisha", "Co., Ltd."],
    &["Pvt Ltd", "Pvt. Ltd.", "Private Limited"],
    &["Pty Ltd", "Pty. Ltd.", "Pty Limited"],
    &["AB", "Aktiebolag"],
    &["Ltda", "Ltda."],
    &["Pte Ltd", "Pte. Ltd."],
    &["S.A. de C.V.", "SA de CV"],
];
const INC: usize = 0;
const LLC: usize = 1;
const CORP: usize = 2;
const CO: usize = 3;
const LTD: usize = 4;
const PLC: usize = 5;
const GMBH: usize = 6;
const AG: usize = 7;
const SAS: usize = 8;
const SA: usize = 9;
const SARL: usize = 10;
const BV: usize = 11;
const NV: usize = 12;
const SPA: usize = 13;
const SRL: usize = 14;
const SL: usize = 15;
const KK: usize = 16;
const PVT: usize = 17;
const PTY: usize = 18;
const AB: usize = 19;
const LTDA: usize = 20;
const PTE: usize = 21;
const SADECV: usize = 22;

/// First words many real company names share.
const COMMON: &[&str] = &[
    "American",
    "United",
    "First",
    "Global",
    "National",
    "General",
    "International",
    "Pacific",
    "Atlantic",
    "Continental",
    "Universal",
    "Premier",
    "Advanced",
    "Allied",
    "Standard",
    "Central",
    "Northern",
    "Southern",
    "Western",
    "Eastern",
    "Metro",
    "Royal",
    "Golden",
    "Blue",
    "Green",
    "New",
    "Great",
    "Midwest",
    "Coastal",
    "Southwest",
    "Summit",
    "Pioneer",
    "Liberty",
    "Heritage",
    "Sterling",
];
/// First words that sound like a founder, a place or a brand.
const NAMED: &[&str] = &[
    "Harwell",
    "Lindqvist",
    "Fernhollow",
    "Bluequay",
    "Ostwald",
    "Ashford",
    "Brookfield",
    "Redwood",
    "Silverline",
    "Northgate",
    "Kingsley",
    "Whitmore",
    "Carver",
    "Hawthorne",
    "Granite",
    "Oakridge",
    "Riverside",
    "Lakeshore",
    "Westbrook",
    "Eastman",
    "Beacon",
    "Cedar",
    "Keystone",
    "Frontier",
    "Evergreen",
    "Maple",
    "Falcon",
    "Eagle",
    "Phoenix",
    "Atlas",
    "Titan",
    "Orion",
    "Vertex",
    "Nexus",
    "Zenith",
    "Apex",
    "Pinnacle",
    "Meridian",
    "Horizon",
    "Crestview",
    "Stonebridge",
    "Blackwood",
    "Ironwood",
    "Windsor",
    "Hamilton",
    "Franklin",
    "Jefferson",
    "Lincoln",
    "Madison",
    "Wellington",
    "Thornton",
    "Bradford",
    "Caldwell",
    "Dunmore",
    "Elmhurst",
    "Fairview",
    "Glenwood",
    "Highland",
    "Kensington",
    "Langley",
    "Marlow",
    "Norwood",
    "Prescott",
    "Quinton",
    "Rockwell",
    "Sheffield",
    "Trenton",
    "Waverly",
];
/// What companies do, as their names say it.
const INDUSTRY: &[&str] = &[
    "Logistics",
    "Textiles",
    "Paper",
    "Foods",
    "Steel",
    "Chemicals",
    "Insurance",
    "Bank",
    "Financial",
    "Health",
    "Medical",
    "Construction",
    "Engineering",
    "Consulting",
    "Technologies",
    "Software",
    "Systems",
    "Energy",
    "Power",
    "Water",
    "Telecom",
    "Media",
    "Pharma",
    "Labs",
    "Motors",
    "Brewing",
    "Retail",
    "Realty",
    "Properties",
    "Transport",
    "Freight",
    "Marine",
    "Aerospace",
    "Packaging",
    "Plastics",
    "Electric",
    "Instruments",
    "Supply",
    "Distribution",
    "Analytics",
    "Robotics",
    "Networks",
    "Devices",
    "Security",
    "Capital",
    "Materials",
    "Industries",
    "Manufacturing",
    "Airlines",
    "Hotels",
];
/// Words that end a company's name.
const TAIL: &[&str] = &[
    "Group",
    "Holdings",
    "Services",
    "Solutions",
    "Partners",
    "International",
    "Enterprises",
    "Worldwide",
];
/// Lines of business a division is named for.
const DIVISIONS: &[&str] = &[
    "Retail",
    "Health",
    "Capital",
    "Energy",
    "Digital",
    "Consumer",
    "Industrial",
    "Financial Services",
    "Healthcare",
    "Aerospace",
    "Defense",
    "Ventures",
    "Logistics",
    "Software",
    "Labs",
    "Commercial",
];

/// Given names of many countries (with accents, as people write them).
const GIVEN: &[&str] = &[
    "Robert",
    "William",
    "James",
    "Michael",
    "Elizabeth",
    "Katherine",
    "Jennifer",
    "Thomas",
    "Richard",
    "Margaret",
    "Susan",
    "David",
    "Daniel",
    "Joseph",
    "Patricia",
    "Anna",
    "Wei",
    "Priya",
    "Carlos",
    "Sofia",
    "Lukas",
    "Ingrid",
    "Omar",
    "Fatima",
    "Hiroshi",
    "Mateo",
    "Chloe",
    "Noah",
    "Emma",
    "Olivia",
    "Tessa",
    "Alexander",
    "Christopher",
    "Nicholas",
    "Matthew",
    "Andrew",
    "Anthony",
    "Benjamin",
    "Samuel",
    "Jonathan",
    "Steven",
    "Edward",
    "Charles",
    "Timothy",
    "Gregory",
    "Jessica",
    "Rebecca",
    "Victoria",
    "Alexandra",
    "Deborah",
    "Kimberly",
    "Christine",
    "Samantha",
    "Abigail",
    "Nathaniel",
    "Frederick",
    "Jacqueline",
    "Theodore",
    "Peter",
    "Ronald",
    "Donald",
    "Kenneth",
    "Lawrence",
    "Raymond",
    "Douglas",
    "Pamela",
    "Cynthia",
    "Stephanie",
    "José",
    "François",
    "Jürgen",
    "Zoë",
    "Søren",
    "Ana",
    "Lucía",
    "Marco",
    "Giulia",
    "Pierre",
    "Camille",
    "Hans",
    "Katrin",
    "Sven",
    "Astrid",
    "Yuki",
    "Kenji",
    "Akiko",
    "Arjun",
    "Ananya",
    "Rahul",
    "Deepa",
    "Mei",
    "Jun",
    "Min-jun",
    "Seo-yeon",
    "Ahmed",
    "Leila",
    "Kwame",
    "Amara",
    "Liam",
    "Aoife",
    "Sean",
    "Siobhan",
    "Pedro",
    "Beatriz",
    "João",
    "Larissa",
    "Dmitri",
    "Olga",
    "Piotr",
    "Agnieszka",
    "Jan",
    "Eva",
    "Lars",
    "Maja",
    "Nils",
    "Freya",
];
/// Family names of many countries.
const FAMILY: &[&str] = &[
    "Smith",
    "Johnson",
    "Garcia",
    "Miller",
    "Davis",
    "Martinez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Moore",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "Patel",
    "Chen",
    "Kim",
    "Tanaka",
    "Müller",
    "Schmidt",
    "Dubois",
    "Rossi",
    "Novak",
    "Singh",
    "O'Brien",
    "Nguyen",
    "Kowalski",
    "Silva",
    "Okafor",
    "Vance",
    "Mori",
    "Lindqvist",
    "Fischer",
    "Weber",
    "Becker",
    "Hoffmann",
    "Lefèvre",
    "Moreau",
    "Laurent",
    "Bianchi",
    "Romano",
    "Ferrari",
    "Esposito",
    "Fernández",
    "González",
    "Rodríguez",
    "Sánchez",
    "Pérez",
    "Sato",
    "Suzuki",
    "Takahashi",
    "Watanabe",
    "Yamamoto",
    "Sharma",
    "Gupta",
    "Kumar",
    "Reddy",
    "Iyer",
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Park",
    "Choi",
    "Jung",
    "Santos",
    "Oliveira",
    "Souza",
    "Pereira",
    "Costa",
    "Jansen",
    "de Vries",
    "van Dijk",
    "Bakker",
    "Visser",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsen",
    "Hansen",
    "Nielsen",
    "Ivanov",
    "Petrov",
    "Nowak",
    "Wiśniewski",
    "Murphy",
    "Kelly",
    "O'Sullivan",
    "Walsh",
    "Byrne",
    "Mensah",
    "Adeyemi",
    "Haddad",
    "Khan",
    "Hussain",
    "Cohen",
    "Levi",
    "Friedman",
    "Rosen",
    "Baker",
    "Carter",
    "Mitchell",
    "Roberts",
    "Turner",
    "Phillips",
    "Campbell",
    "Parker",
    "Evans",
    "Edwards",
    "Collins",
    "Stewart",
    "Morris",
    "Rogers",
    "Reed",
    "Cook",
    "Morgan",
    "Bell",
    "Cooper",
    "Richardson",
    "Cox",
    "Howard",
    "Ward",
    "Torres",
    "Peterson",
    "Gray",
    "Ramirez",
    "Watson",
    "Brooks",
    "Sanders",
    "Price",
    "Bennett",
    "Wood",
    "Barnes",
    "Ross",
    "Henderson",
    "Coleman",
    "Jenkins",
    "Perry",
    "Powell",
    "Long",
    "Patterson",
    "Hughes",
    "Flores",
    "Washington",
    "Butler",
    "Simmons",
    "Foster",
    "Bryant",
    "Alexander",
    "Russell",
    "Griffin",
    "Hayes",
    "Myers",
    "Ford",
    "Hamilton",
    "Graham",
    "Sullivan",
    "Wallace",
    "Woods",
    "Cole",
    "West",
    "Jordan",
    "Owens",
    "Reynolds",
    "Ellis",
    "Harrison",
    "Gibson",
    "McDonald",
    "Cruz",
    "Marshall",
    "Ortiz",
    "Gomez",
    "Murray",
    "Freeman",
    "Wells",
    "Webb",
    "Simpson",
    "Stevens",
    "Tucker",
    "Porter",
    "Hunter",
    "Hicks",
    "Crawford",
    "Henry",
    "Boyd",
    "Mason",
    "Kennedy",
];
/// Given names and the short forms people also go by.
const NICKNAMES: &[(&str, &str)] = &[
    ("Robert", "Bob"),
    ("William", "Bill"),
    ("James", "Jim"),
    ("Michael", "Mike"),
    ("Elizabeth", "Liz"),
    ("Katherine", "Kate"),
    ("Jennifer", "Jen"),
    ("Thomas", "Tom"),
    ("Richard", "Rick"),
    ("Margaret", "Maggie"),
    ("Susan", "Sue"),
    ("David", "Dave"),
    ("Daniel", "Dan"),
    ("Joseph", "Joe"),
    ("Patricia", "Trish"),
    ("Tessa", "Tess"),
    ("Alexander", "Alex"),
    ("Christopher", "Chris"),
    ("Nicholas", "Nick"),
    ("Matthew", "Matt"),
    ("Andrew", "Andy"),
    ("Anthony", "Tony"),
    ("Benjamin", "Ben"),
    ("Samuel", "Sam"),
    ("Jonathan", "Jon"),
    ("Steven", "Steve"),
    ("Edward", "Ed"),
    ("Charles", "Charlie"),
    ("Timothy", "Tim"),
    ("Gregory", "Greg"),
    ("Jessica", "Jess"),
    ("Rebecca", "Becky"),
    ("Victoria", "Vicky"),
    ("Alexandra", "Sasha"),
    ("Deborah", "Deb"),
    ("Kimberly", "Kim"),
    ("Christine", "Chris"),
    ("Samantha", "Sam"),
    ("Abigail", "Abby"),
    ("Nathaniel", "Nate"),
    ("Frederick", "Fred"),
    ("Jacqueline", "Jackie"),
    ("Theodore", "Ted"),
    ("Peter", "Pete"),
    ("Ronald", "Ron"),
    ("Donald", "Don"),
    ("Kenneth", "Ken"),
    ("Lawrence", "Larry"),
    ("Raymond", "Ray"),
    ("Douglas", "Doug"),
    ("Pamela", "Pam"),
    ("Cynthia", "Cindy"),
    ("Stephanie", "Steph"),
];
const TITLES: &[&str] = &[
    "Manager",
    "Senior Manager",
    "Director",
    "VP Sales",
    "VP of Marketing",
    "Head of Procurement",
    "Procurement Manager",
    "CFO",
    "Chief Financial Officer",
    "CTO",
    "CEO",
    "Founder",
    "Software Engineer",
    "Senior Software Engineer",
    "Engineering Manager",
    "Account Executive",
    "Sales Representative",
    "Marketing Coordinator",
    "Operations Manager",
    "IT Director",
    "Head of IT",
    "Analyst",
    "Business Analyst",
    "Consultant",
    "Office Manager",
    "Buyer",
    "Purchasing Agent",
    "Project Manager",
    "Product Manager",
    "HR Generalist",
    "Controller",
    "General Counsel",
    "Plant Manager",
    "Supply Chain Lead",
    "Managing Director",
];
/// Global free-mail providers.
const GLOBAL_FREE: &[&str] = &[
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "yahoo.com",
    "icloud.com",
    "protonmail.com",
    "aol.com",
    "live.com",
    "me.com",
    "proton.me",
    "gmx.com",
];
const DISPOSABLE: &[&str] = &[
    "mailinator.com",
    "guerrillamail.com",
    "yopmail.com",
    "10minutemail.com",
    "sharklasers.com",
    "trashmail.com",
    "temp-mail.org",
    "maildrop.cc",
];
/// What people write in the company field when they have none to give.
const PLACEHOLDERS: &[&str] = &[
    "Self-employed",
    "N/A",
    "-",
    "none",
    "Freelance",
    "Retired",
    "Student",
    "Private",
    "Home",
    "na",
];

/// What a generated company is to the CRM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// An account without a parent.
    Top,
    /// An account abroad with the name (or nearly) of another account: a different company.
    Twin,
    /// A subsidiary account in another country than its parent.
    Subsidiary,
    /// A line of business of its parent, on the parent's domain.
    Division,
    /// A brand with its own domain under a parent.
    Brand,
    /// An office of its parent.
    Office,
    /// A company abroad named like an account, with no account.
    LookAlike,
    /// A company with no account.
    New,
}

/// A company of the generated world, with or without an account.
#[derive(Debug, Clone)]
struct Org {
    /// The name without "The" and legal form ("Harwell Logistics").
    base: String,
    the: bool,
    /// A family of [`LEGAL`].
    legal: Option<usize>,
    /// The domains the account lists.
    domains: Vec<String>,
    /// The domain its people write: the first listed, or one no account lists.
    web: Option<String>,
    /// A domain of the company that its account does not list (`acme.de` beside `acme.com`).
    alt: Option<String>,
    country: usize,
    region: usize,
    city: &'static str,
    account: Option<AccountId>,
    parent: Option<usize>,
    role: Role,
}

impl Org {
    /// The name as the account holds it.
    fn name(&self) -> String {
        let the = if self.the { "The " } else { "" };
        match self.legal {
            Some(l) => format!("{the}{}", with_legal(&self.base, LEGAL[l][0])),
            None => format!("{the}{}", self.base),
        }
    }
}

fn with_legal(base: &str, legal: &str) -> String {
    if legal.starts_with(',') {
        format!("{base}{legal}")
    } else {
        format!("{base} {legal}")
    }
}

/// Lower-case ASCII letters and digits of `s`, accents folded (`Müller` -> `muller`).
fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = c.to_lowercase().next().unwrap_or(c);
        let f = match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => "a",
            'ç' => "c",
            'è' | 'é' | 'ê' | 'ë' => "e",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'ñ' => "n",
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'ø' => "o",
            'ù' | 'ú' | 'û' | 'ü' => "u",
            'ý' | 'ÿ' => "y",
            'ß' => "ss",
            'ś' => "s",
            'ł' => "l",
            c if c.is_ascii_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => continue,
        };
        out.push_str(f);
    }
    out
}

/// The word a company abroad uses for an English industry word, if it translates it.
fn localized(word: &str, country: usize) -> Option<&'static str> {
    let code = COUNTRIES[country].written[0];
    let table: &[(&str, &[(&str, &str)])] = &[
        (
            "Logistics",
            &[
                ("IT", "Logistica"),
                ("DE", "Logistik"),
                ("FR", "Logistique"),
                ("ES", "Logística"),
                ("NL", "Logistiek"),
                ("BR", "Logística"),
                ("SE", "Logistik"),
            ],
        ),
        (
            "Systems",
            &[
                ("IT", "Sistemi"),
                ("DE", "Systeme"),
                ("FR", "Systèmes"),
                ("ES", "Sistemas"),
                ("BR", "Sistemas"),
                ("NL", "Systemen"),
            ],
        ),
        (
            "Foods",
            &[
                ("IT", "Alimentari"),
                ("FR", "Alimentaire"),
                ("ES", "Alimentos"),
                ("BR", "Alimentos"),
            ],
        ),
        (
            "Energy",
            &[
                ("IT", "Energia"),
                ("DE", "Energie"),
                ("FR", "Énergie"),
                ("ES", "Energía"),
                ("BR", "Energia"),
                ("NL", "Energie"),
            ],
        ),
        (
            "Textiles",
            &[
                ("IT", "Tessile"),
                ("DE", "Textil"),
                ("FR", "Textile"),
                ("ES", "Textil"),
                ("BR", "Têxtil"),
            ],
        ),
        (
            "Paper",
            &[
                ("DE", "Papier"),
                ("FR", "Papier"),
                ("IT", "Carta"),
                ("ES", "Papel"),
                ("SE", "Papper"),
            ],
        ),
        (
            "Motors",
            &[("DE", "Motoren"), ("IT", "Motori"), ("ES", "Motores")],
        ),
        (
            "Engineering",
            &[
                ("DE", "Technik"),
                ("IT", "Ingegneria"),
                ("ES", "Ingeniería"),
            ],
        ),
        (
            "Construction",
            &[
                ("IT", "Costruzioni"),
                ("ES", "Construcciones"),
                ("DE", "Bau"),
            ],
        ),
        (
            "Insurance",
            &[
                ("DE", "Versicherung"),
                ("IT", "Assicurazioni"),
                ("FR", "Assurances"),
                ("ES", "Seguros"),
            ],
        ),
        (
            "Chemicals",
            &[
                ("DE", "Chemie"),
                ("IT", "Chimica"),
                ("FR", "Chimie"),
                ("ES", "Química"),
            ],
        ),
        (
            "Steel",
            &[("DE", "Stahl"), ("IT", "Acciai"), ("ES", "Aceros")],
        ),
        (
            "Technologies",
            &[
                ("DE", "Technologie"),
                ("IT", "Tecnologie"),
                ("ES", "Tecnologías"),
            ],
        ),
        (
            "Transport",
            &[
                ("DE", "Transporte"),
                ("IT", "Trasporti"),
                ("FR", "Transports"),
                ("ES", "Transportes"),
            ],
        ),
        (
            "Medical",
            &[
                ("DE", "Medizin"),
                ("IT", "Medicale"),
                ("FR", "Médical"),
                ("ES", "Médica"),
            ],
        ),
    ];
    table
        .iter()
        .find(|(w, _)| *w == word)
        .and_then(|(_, by)| by.iter().find(|(c, _)| *c == code))
        .map(|(_, l)| *l)
}

/// One dropped, doubled or swapped letter (`Vance` -> `Vancce`).
fn typo(rng: &mut ChaCha8Rng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if chars.len() < 3 {
        return s.to_string();
    }
    let i = rng.gen_range(1..chars.len() - 1);
    match rng.gen_range(0..3) {
        0 if chars[i] != ' ' => {
            chars.remove(i);
        }
        1 => chars.insert(i, chars[i]),
        _ => chars.swap(i, i + 1),
    }
    chars.into_iter().collect()
}

/// A phone number: the national significant number and the style it is written in.
#[derive(Debug, Clone)]
struct Phone {
    country: usize,
    nsn: String,
    style: u8,
}

const PHONE_STYLES: u8 = 6;

impl Phone {
    /// The number as someone typed it (`+44 7700 900 123`, `447700900123`, `07700-900123`).
    fn text(&self) -> String {
        let c = &COUNTRIES[self.country];
        let n = &self.nsn;
        let nanp = c.dial == "1";
        let grouped = || {
            if nanp {
                format!("{} {} {}", &n[..3], &n[3..6], &n[6..])
            } else {
                let k = if n.len() <= 9 { 3 } else { 4 };
                let mut out = n[..k].to_string();
                let mut rest = &n[k..];
                while !rest.is_empty() {
                    let t = rest.len().min(3);
                    out.push(' ');
                    out.push_str(&rest[..t]);
                    rest = &rest[t..];
                }
                out
            }
        };
        match self.style {
            0 => format!("+{} {}", c.dial, grouped()),
            1 => format!("+{}{n}", c.dial),
            2 => format!("{}{n}", c.dial),
            3 if nanp => format!("({}) {}-{}", &n[..3], &n[3..6], &n[6..]),
            3 => {
                let k = if n.len() <= 9 { 3 } else { 4 };
                format!("{}{}-{}", c.trunk, &n[..k], &n[k..])
            }
            4 if nanp => format!("{}-{}-{}", &n[..3], &n[3..6], &n[6..]),
            4 => format!("{}{}", c.trunk, grouped()),
            _ if nanp => format!("{}.{}.{}", &n[..3], &n[3..6], &n[6..]),
            _ => format!("00{} {n}", c.dial),
        }
    }
}

/// What is remembered of a generated person, to make repeats and namesakes of them.
#[derive(Debug, Clone)]
struct Seen {
    /// The company the person names (with or without an account).
    org: Option<usize>,
    country: usize,
    phone: Option<Phone>,
    /// Whether the address is at a work domain.
    work: bool,
    /// The domain a work address of this person is at.
    work_host: Option<String>,
}

/// A person being made.
struct Draft {
    record: PersonRecord,
    account: Option<AccountId>,
    seen: Seen,
}

/// The companies people are drawn from, by what they are.
#[derive(Default)]
struct Pools {
    /// Accounts with a domain of their own.
    corporate: Vec<usize>,
    /// Every account but offices.
    any: Vec<usize>,
    /// Parentless accounts with a domain (and an unlisted alternate).
    top: Vec<usize>,
    /// Parentless accounts with no domain listed (their people write one anyway).
    hidden: Vec<usize>,
    /// Subsidiaries whose parent has a domain.
    subsidiary_of_domain: Vec<usize>,
    subsidiary: Vec<usize>,
    /// Divisions whose parent has a domain.
    division: Vec<usize>,
    look_alike: Vec<usize>,
    new: Vec<usize>,
}

struct World {
    rng: ChaCha8Rng,
    orgs: Vec<Org>,
    bases: HashSet<String>,
    /// Every domain any company owns, lists or uses.
    domains: HashSet<String>,
    duns: HashSet<u64>,
    accounts: Vec<AccountEntry>,
    /// Every mailbox given out, lower case: one mailbox is one person.
    mailboxes: HashSet<String>,
    pools: Pools,
    /// Indices of the corporate people made so far (namesakes are made of them).
    corporate_people: Vec<usize>,
}

/// Generates `accounts` accounts (families, look-alikes, several domains) and `people` person
/// records of every [`PersonKind`] in about its [`PersonKind::share`].
pub fn generate(seed: u64, accounts: usize, people: usize) -> SynthData {
    let mut w = World {
        rng: ChaCha8Rng::seed_from_u64(seed),
        orgs: Vec::with_capacity(accounts + accounts / 5),
        bases: HashSet::with_capacity(accounts + accounts / 5),
        domains: HashSet::with_capacity(accounts * 2),
        duns: HashSet::new(),
        accounts: Vec::with_capacity(accounts),
        mailboxes: HashSet::with_capacity(people),
        pools: Pools::default(),
        corporate_people: Vec::new(),
    };
    w.make_accounts(accounts);
    w.make_unlisted(accounts);
    w.fill_pools();
    let mut data = SynthData {
        accounts: Vec::new(),
        people: Vec::with_capacity(people),
    };
    let mut seen: Vec<Seen> = Vec::with_capacity(people);
    for n in 1..=people {
        let kind = w.kind(&data.people);
        let (draft, duplicate_of) = match kind {
            PersonKind::Repeat => {
                let (d, of) = w.repeat(&data.people, &seen);
                (d, Some(of))
            }
            PersonKind::Namesake => (w.namesake(&data.people, &seen), None),
            k => (w.person(k), None),
        };
        if kind == PersonKind::Corporate {
            w.corporate_people.push(data.people.len());
        }
        data.people.push(SynthPerson {
            id: format!("p{n}"),
            record: draft.record,
            account: draft.account,
            duplicate_of,
            kind,
        });
        seen.push(draft.seen);
    }
    data.accounts = w.accounts;
    data
}

impl World {
    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.rng.gen_range(0..from.len())]
    }

    /// One of `pool`, the first ones far more often (a few accounts have most people).
    fn popular(&mut self, pool: &[usize]) -> usize {
        let u: f64 = self.rng.gen();
        pool[((u * u * pool.len() as f64) as usize).min(pool.len() - 1)]
    }

    fn country(&mut self) -> usize {
        let total: u32 = COUNTRY_WEIGHTS.iter().sum();
        let mut r = self.rng.gen_range(0..total);
        for (i, w) in COUNTRY_WEIGHTS.iter().enumerate() {
            if r < *w {
                return i;
            }
            r -= w;
        }
        US
    }

    fn country_other_than(&mut self, not: usize) -> usize {
        loop {
            let c = if not == US {
                self.rng.gen_range(1..COUNTRIES.len())
            } else {
                self.country()
            };
            if c != not {
                return c;
            }
        }
    }

    fn place(&mut self, country: usize) -> (usize, &'static str) {
        let regions = COUNTRIES[country].regions;
        let r = self.rng.gen_range(0..regions.len());
        (r, self.pick(regions[r].cities))
    }

    /// A company name not taken yet, without "The" and legal form; and whether "The" leads it.
    fn fresh_base(&mut self) -> (String, bool) {
        loop {
            let (first, tail_p) = match self.rng.gen_range(0..100) {
                // "First National Bank", "United Pacific Freight": common words come in pairs.
                0..=9 => {
                    let (a, b) = (self.pick(COMMON), self.pick(COMMON));
                    (format!("{a} {b}"), 0.2)
                }
                10..=29 => (self.pick(COMMON).to_string(), 0.5),
                30..=54 => (self.pick(NAMED).to_string(), 0.2),
                _ => (coined(&mut self.rng), 0.2),
            };
            let industry = self.pick(INDUSTRY);
            let mut base = format!("{first} {industry}");
            if self.chance(tail_p) {
                let tail = self.pick(TAIL);
                if tail != industry {
                    base = format!("{base} {tail}");
                }
            }
            if self.bases.insert(base.to_lowercase()) {
                let the = self.chance(0.05);
                return (base, the);
            }
        }
    }

    /// The names a company's domain could be made of, the likeliest first.
    fn labels(&mut self, base: &str) -> Vec<String> {
        let words: Vec<String> = base
            .split(' ')
            .map(fold)
            .filter(|w| !w.is_empty())
            .collect();
        let concat = words.concat();
        let first = words.first().cloned().unwrap_or_default();
        let initials: String = words.iter().filter_map(|w| w.chars().next()).collect();
        let mut labels = vec![
            concat.clone(),
            first.clone(),
            format!("{first}corp"),
            words.join("-"),
            format!("{initials}{}", words.last().cloned().unwrap_or_default()),
            format!("{concat}inc"),
            format!("{concat}group"),
        ];
        let lead = match self.rng.gen_range(0..100) {
            0..=64 => 0,
            65..=79 => 1,
            80..=89 => 2,
            _ => 3,
        };
        labels.swap(0, lead);
        labels
    }

    /// The first of `labels` at `tld` nobody has, claimed (a numbered one if all are taken).
    fn claim(&mut self, labels: &[String], tld: &str) -> String {
        for l in labels {
            let d = format!("{l}.{tld}");
            if !self.domains.contains(&d) {
                self.domains.insert(d.clone());
                return d;
            }
        }
        let mut n = 2;
        loop {
            let d = format!("{}{n}.{tld}", labels[0]);
            if self.domains.insert(d.clone()) {
                return d;
            }
            n += 1;
        }
    }

    /// Makes `org` an account (unless `limit` accounts exist) and returns its index.
    fn add_account(&mut self, mut org: Org, limit: usize) -> Option<usize> {
        if self.accounts.len() >= limit {
            return None;
        }
        let id = AccountId(self.accounts.len() as i64 + 1);
        org.account = Some(id);
        let c = &COUNTRIES[org.country];
        let region = &c.regions[org.region];
        let country = Some(self.pick(c.written).to_string());
        let state = match self.rng.gen_range(0..10) {
            _ if region.code.is_empty() => None,
            0..=5 => Some(region.code.to_string()),
            6..=8 => Some(region.name.to_string()),
            _ => None,
        };
        let city = self.chance(0.9).then(|| org.city.to_string());
        let duns = if self.chance(0.3) {
            let d = loop {
                let d = self.rng.gen_range(100_000_000..1_000_000_000u64);
                if self.duns.insert(d) {
                    break d.to_string();
                }
            };
            Some(match self.rng.gen_range(0..3) {
                0 => d,
                1 => format!("{}-{}-{}", &d[..2], &d[2..5], &d[5..]),
                _ => format!("{} {} {}", &d[..2], &d[2..5], &d[5..]),
            })
        } else {
            None
        };
        let parent_id = org.parent.and_then(|p| self.orgs[p].account);
        self.accounts.push(AccountEntry {
            id,
            name: org.name(),
            domains: org.domains.clone(),
            duns,
            country,
            state,
            city,
            parent_id,
        });
        self.orgs.push(org);
        Some(self.orgs.len() - 1)
    }

    fn make_accounts(&mut self, limit: usize) {
        while self.accounts.len() < limit {
            let country = self.country();
            let (base, the) = self.fresh_base();
            let (region, city) = self.place(country);
            let legal = if country == US && self.chance(0.2) {
                None
            } else {
                Some(self.pick(COUNTRIES[country].legal))
            };
            let tld = if country == US {
                match self.rng.gen_range(0..20) {
                    0 => "net",
                    1 => "io",
                    2 => "co",
                    _ => "com",
                }
            } else if self.chance(0.65) {
                COUNTRIES[country].tld
            } else {
                "com"
            };
            let labels = self.labels(&base);
            let web = self.claim(&labels, tld);
            let label = web.split('.').next().unwrap_or_default().to_string();
            let mut domains = Vec::new();
            if !self.chance(0.08) {
                domains.push(web.clone());
                if self.chance(0.1) {
                    for _ in 0..self.rng.gen_range(1..=2) {
                        let t = self.pick(&["net", "co.uk", "de", "eu", "io", "ca", "fr"]);
                        let d = self.claim(std::slice::from_ref(&label), t);
                        domains.push(d);
                    }
                }
            }
            let alt_tld = self.pick(&["de", "co.uk", "net", "eu", "fr", "ca", "com.au", "us"]);
            let alt = self.claim(
                &[
                    label.clone(),
                    format!("{label}group"),
                    format!("{label}-{alt_tld}"),
                ],
                alt_tld,
            );
            let top = Org {
                base: base.clone(),
                the,
                legal,
                domains,
                web: Some(web),
                alt: Some(alt),
                country,
                region,
                city,
                account: None,
                parent: None,
                role: Role::Top,
            };
            let Some(p) = self.add_account(top, limit) else {
                return;
            };
            if self.chance(0.03) {
                self.add_twin(p, limit);
            }
            if self.chance(0.05) {
                self.add_children(p, limit);
            }
        }
    }

    /// A company abroad with the name (or its local version) of `of`, with an own country
    /// domain: an account of its own, or (`limit` 0) a company with none.
    fn look_alike(&mut self, of: usize) -> Org {
        let o = self.orgs[of].clone();
        let country = self.country_other_than(o.country);
        let base = if self.chance(0.6) {
            let words: Vec<&str> = o.base.split(' ').collect();
            words
                .iter()
                .map(|w| localized(w, country).unwrap_or(w))
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            o.base.clone()
        };
        let labels = self.labels(&base);
        let tld = COUNTRIES[country].tld;
        let web = self.claim(&labels, tld);
        let (region, city) = self.place(country);
        Org {
            base,
            the: false,
            legal: Some(self.pick(COUNTRIES[country].legal)),
            domains: Vec::new(),
            web: Some(web),
            alt: None,
            country,
            region,
            city,
            account: None,
            parent: None,
            role: Role::LookAlike,
        }
    }

    fn add_twin(&mut self, of: usize, limit: usize) {
        let mut twin = self.look_alike(of);
        twin.domains = twin.web.iter().cloned().collect();
        twin.role = Role::Twin;
        self.add_account(twin, limit);
    }

    /// Subsidiaries by country, divisions, brands and offices of `parent`.
    fn add_children(&mut self, parent: usize, limit: usize) {
        let p = self.orgs[parent].clone();
        let label = p
            .web
            .as_deref()
            .and_then(|w| w.split('.').next())
            .unwrap_or_default()
            .to_string();
        let first_word = p.base.split(' ').next().unwrap_or_default().to_string();
        let mut countries = vec![p.country];
        let mut lines: Vec<&str> = vec![p.base.rsplit(' ').next().unwrap_or_default()];
        for k in 0..self.rng.gen_range(1..=5) {
            let roll = self.rng.gen_range(0..100);
            let child = if roll < 55 {
                let country = self.country_other_than(p.country);
                if countries.contains(&country) {
                    continue;
                }
                countries.push(country);
                let c = &COUNTRIES[country];
                let stem = if self.chance(0.7) {
                    &p.base
                } else {
                    &first_word
                };
                let base = format!("{stem} {}", c.local);
                let domains = match self.rng.gen_range(0..100) {
                    0..=44 => Vec::new(),
                    45..=84 => vec![self.claim(std::slice::from_ref(&label), c.tld)],
                    _ => {
                        let l = format!("{label}-{}", fold(c.local));
                        vec![self.claim(&[l], "com")]
                    }
                };
                let (region, city) = self.place(country);
                Org {
                    base,
                    the: false,
                    legal: Some(self.pick(c.legal)),
                    web: domains.first().cloned(),
                    domains,
                    alt: None,
                    country,
                    region,
                    city,
                    account: None,
                    parent: Some(parent),
                    role: Role::Subsidiary,
                }
            } else if roll < 85 {
                let line = self.pick(DIVISIONS);
                if lines.contains(&line) {
                    continue;
                }
                lines.push(line);
                let (region, city) = self.place(p.country);
                Org {
                    base: format!("{} {line}", p.base),
                    the: false,
                    legal: None,
                    domains: Vec::new(),
                    web: None,
                    alt: None,
                    country: p.country,
                    region,
                    city,
                    account: None,
                    parent: Some(parent),
                    role: Role::Division,
                }
            } else if roll < 95 {
                let (base, _) = self.fresh_base();
                let labels = self.labels(&base);
                let web = self.claim(&labels, "com");
                let (region, city) = self.place(p.country);
                Org {
                    base,
                    the: false,
                    legal: p.legal,
                    domains: vec![web.clone()],
                    web: Some(web),
                    alt: None,
                    country: p.country,
                    region,
                    city,
                    account: None,
                    parent: Some(parent),
                    role: Role::Brand,
                }
            } else {
                let (region, city) = self.place(p.country);
                Org {
                    base: format!("{} Office {}", p.base, k + 2),
                    the: false,
                    legal: None,
                    domains: Vec::new(),
                    web: None,
                    alt: None,
                    country: p.country,
                    region,
                    city,
                    account: None,
                    parent: Some(parent),
                    role: Role::Office,
                }
            };
            if self.add_account(child, limit).is_none() {
                return;
            }
        }
    }

    /// Companies with no account: look-alikes abroad of accounts, and new companies.
    fn make_unlisted(&mut self, accounts: usize) {
        let tops: Vec<usize> = (0..self.orgs.len())
            .filter(|&i| self.orgs[i].role == Role::Top)
            .collect();
        if !tops.is_empty() {
            for _ in 0..(accounts / 25).max(5) {
                let of = self.pick(&tops);
                let o = self.look_alike(of);
                self.orgs.push(o);
            }
        }
        for _ in 0..(accounts / 10).max(5) {
            let country = self.country();
            let (base, the) = self.fresh_base();
            let labels = self.labels(&base);
            let tld = if country == US || self.chance(0.4) {
                "com"
            } else {
                COUNTRIES[country].tld
            };
            let web = self.claim(&labels, tld);
            let (region, city) = self.place(country);
            let legal = Some(self.pick(COUNTRIES[country].legal));
            self.orgs.push(Org {
                base,
                the,
                legal,
                domains: Vec::new(),
                web: Some(web),
                alt: None,
                country,
                region,
                city,
                account: None,
                parent: None,
                role: Role::New,
            });
        }
    }

    fn fill_pools(&mut self) {
        let mut pools = Pools::default();
        for (i, o) in self.orgs.iter().enumerate() {
            let parent_web = o.parent.and_then(|p| self.orgs[p].domains.first());
            match o.role {
                Role::LookAlike => pools.look_alike.push(i),
                Role::New => pools.new.push(i),
                Role::Office => {}
                role => {
                    pools.any.push(i);
                    if !o.domains.is_empty() {
                        pools.corporate.push(i);
                    }
                    match role {
                        Role::Top | Role::Twin if !o.domains.is_empty() => pools.top.push(i),
                        Role::Top => pools.hidden.push(i),
                        Role::Subsidiary => {
                            pools.subsidiary.push(i);
                            if parent_web.is_some() {
                                pools.subsidiary_of_domain.push(i);
                            }
                        }
                        Role::Division if parent_web.is_some() => pools.division.push(i),
                        _ => {}
                    }
                }
            }
        }
        self.pools = pools;
    }

    /// The kind of the next person: drawn by share, or the nearest kind the world can make.
    fn kind(&mut self, people: &[SynthPerson]) -> PersonKind {
        let mut r: f64 = self.rng.gen();
        let mut kind = PersonKind::Corporate;
        for k in PersonKind::ALL {
            if r < k.share() {
                kind = k;
                break;
            }
            r -= k.share();
        }
        let p = &self.pools;
        let possible = match kind {
            PersonKind::Corporate | PersonKind::TypoDomain => !p.corporate.is_empty(),
            PersonKind::AltDomain => !p.top.is_empty(),
            PersonKind::FreeMail | PersonKind::Disposable => !p.any.is_empty(),
            PersonKind::ParentDomain => !p.subsidiary_of_domain.is_empty(),
            PersonKind::Subsidiary => !p.subsidiary.is_empty(),
            PersonKind::Division => !p.division.is_empty(),
            PersonKind::LookAlike => !p.look_alike.is_empty(),
            PersonKind::UnlistedDomain => !p.new.is_empty(),
            PersonKind::NoCompany => true,
            PersonKind::Repeat => !people.is_empty(),
            PersonKind::Namesake => !self.corporate_people.is_empty(),
        };
        match (possible, p.corporate.is_empty()) {
            (true, _) => kind,
            (false, false) => PersonKind::Corporate,
            (false, true) => PersonKind::NoCompany,
        }
    }

    fn human(&mut self) -> (String, String) {
        let first = self.pick(GIVEN).to_string();
        let last = if self.chance(0.8) {
            self.pick(FAMILY).to_string()
        } else {
            coined(&mut self.rng)
        };
        (first, last)
    }

    /// The part before the @ of a work address (`ann.lee`, `alee`, `ann`).
    fn work_local(&mut self, first: &str, last: &str) -> String {
        let (f, l) = (fold(first), fold(last));
        let i = f.chars().next().unwrap_or('x');
        match self.rng.gen_range(0..10) {
            0..=3 => format!("{f}.{l}"),
            4 | 5 => format!("{i}{l}"),
            6 => f.clone(),
            7 => format!("{f}_{l}"),
            8 => format!("{i}.{l}"),
            _ => format!("{f}{}", l.chars().next().unwrap_or('x')),
        }
    }

    /// The part before the @ of a personal address (`tessav81`, `tessa.vance`, `tvance42`).
    fn home_local(&mut self, first: &str, last: &str) -> String {
        let (f, l) = (fold(first), fold(last));
        let i = f.chars().next().unwrap_or('x');
        let n: u32 = self.rng.gen_range(1..100);
        match self.rng.gen_range(0..8) {
            0 | 1 => format!("{f}.{l}"),
            2 => format!("{f}{}{n}", l.chars().next().unwrap_or('x')),
            3 => format!("{i}{l}{n}"),
            4 => format!("{f}{l}{}", self.rng.gen_range(1950..2005)),
            5 => format!("{l}.{f}"),
            6 => format!("{f}_{l}{n}"),
            _ => format!("{}{n}", coined(&mut self.rng).to_lowercase()),
        }
    }

    /// A mailbox nobody has yet, made of `local` at `host`, written as people write it.
    fn mailbox(&mut self, local: &str, host: &str) -> String {
        let mut local = local.to_string();
        while !self.mailboxes.insert(format!("{local}@{host}")) {
            local = format!("{local}{}", self.rng.gen_range(0..10));
        }
        let e = format!("{local}@{host}");
        match self.rng.gen_range(0..100) {
            0..=5 => e.to_uppercase(),
            6..=8 => {
                let mut cs = e.chars();
                cs.next()
                    .map(|c| c.to_uppercase().chain(cs).collect())
                    .unwrap_or_default()
            }
            9 => format!(" {e} "),
            _ => e,
        }
    }

    fn free_host(&mut self, country: usize) -> String {
        let local = COUNTRIES[country].free;
        if local.is_empty() || self.chance(0.55) {
            self.pick(GLOBAL_FREE).to_string()
        } else {
            self.pick(local).to_string()
        }
    }

    fn phone(&mut self, country: usize) -> Phone {
        let c = &COUNTRIES[country];
        let mut nsn = self.pick(c.leads).to_string();
        while nsn.len() < c.nsn {
            nsn.push(char::from(b'0' + self.rng.gen_range(0..10u8)));
        }
        Phone {
            country,
            nsn,
            style: self.rng.gen_range(0..PHONE_STYLES),
        }
    }

    fn title(&mut self) -> Option<String> {
        self.chance(0.8).then(|| self.pick(TITLES).to_string())
    }

    /// Country, state and city as a person fills them in, some of each.
    fn locate(&mut self, r: &mut PersonRecord, country: usize, region: usize, city: &str) {
        let c = &COUNTRIES[country];
        let reg = &c.regions[region.min(c.regions.len() - 1)];
        if self.chance(0.45) {
            r.country = Some(self.pick(c.written).to_string());
        }
        if !reg.code.is_empty() && self.chance(0.4) {
            r.state = Some(if self.chance(0.6) { reg.code } else { reg.name }.to_string());
        }
        if self.chance(0.5) {
            r.city = Some(city.to_string());
        }
    }

    /// How someone types the company `org` works at. `by_hand` is the noise of a form filled
    /// with a personal address: capitals, `- HQ`, the website, doubled spaces, a dropped
    /// letter, initials; otherwise only legal forms, "The" and case vary.
    fn typed(&mut self, org: usize, by_hand: bool) -> String {
        let o = &self.orgs[org];
        let (the, legal, role) = (o.the, o.legal, o.role);
        if by_hand {
            let r = self.rng.gen_range(0..100);
            let o = &self.orgs[org];
            if r < 3 {
                if let Some(w) = o.web.clone().filter(|_| role != Role::Division) {
                    return match self.rng.gen_range(0..4) {
                        0 => format!("www.{w}"),
                        1 => w,
                        2 => format!("http://www.{w}"),
                        _ => format!("WWW.{}", w.to_uppercase()),
                    };
                }
            } else if r < 5 && o.base.contains(' ') {
                let initials: String = o
                    .base
                    .split(' ')
                    .filter_map(|w| w.chars().next())
                    .flat_map(char::to_uppercase)
                    .collect();
                return initials;
            }
        }
        let mut s = self.orgs[org].base.clone();
        if self.chance(0.5) {
            s = s.replace(" & ", " and ");
        }
        let legal_form = match (legal, self.rng.gen_range(0..10)) {
            (_, 0..=3) => None,
            (Some(l), 4..=6) => Some(LEGAL[l][0]),
            (Some(l), _) => Some(self.pick(LEGAL[l])),
            (None, 9) => Some(self.pick(&["Inc", "LLC", "Corp", "Ltd"])),
            (None, _) => None,
        };
        if let Some(l) = legal_form {
            s = with_legal(&s, l);
        }
        if (the && self.chance(0.5)) || (!the && self.chance(0.03)) {
            s = format!("The {s}");
        }
        let (typo_p, upper_p, lower_p) = if by_hand {
            (0.08, 0.10, 0.07)
        } else {
            (0.02, 0.04, 0.03)
        };
        if self.chance(typo_p) {
            s = typo(&mut self.rng, &s);
        }
        if by_hand {
            if self.chance(0.05) {
                let suffix =
                    self.pick(&[" - HQ", " HQ", " (HQ)", " - Head Office", " Headquarters"]);
                s.push_str(suffix);
            }
            if self.chance(0.05) {
                s = s.replacen(' ', "  ", 1);
            }
            if self.chance(0.03) {
                s = format!("{s} ");
            }
        }
        if self.chance(upper_p) {
            s = s.to_uppercase();
        } else if self.chance(lower_p) {
            s = s.to_lowercase();
        }
        s
    }

    /// A person of `kind` (not a repeat or namesake).
    fn person(&mut self, kind: PersonKind) -> Draft {
        let (first, last) = self.human();
        let mut r = PersonRecord {
            first_name: Some(first.clone()),
            last_name: Some(last.clone()),
            title: self.title(),
            ..Default::default()
        };
        let mut account = None;
        let mut org = None;
        let mut work = true;
        let mut work_host = None;
        let p = std::mem::take(&mut self.pools);
        match kind {
            PersonKind::Corporate => {
                let o = self.popular(&p.corporate);
                let n = self.orgs[o].domains.len();
                let j = if n > 1 && self.chance(0.3) {
                    self.rng.gen_range(0..n)
                } else {
                    0
                };
                let local = self.work_local(&first, &last);
                let host = std::mem::take(&mut self.orgs[o].domains[j]);
                r.email = Some(self.mailbox(&local, &host));
                self.orgs[o].domains[j] = host;
                if self.chance(0.7) {
                    r.company = Some(self.typed(o, false));
                }
                (account, org) = (self.orgs[o].account, Some(o));
                work_host = self.orgs[o].domains.first().cloned();
            }
            PersonKind::AltDomain => {
                let o = self.popular(&p.top);
                let web = self.orgs[o].domains[0].clone();
                let host = if self.chance(0.5) {
                    let sub = self.pick(&[
                        "eu", "us", "uk", "mail", "corp", "emea", "na", "apac", "de", "sales",
                        "global", "jp",
                    ]);
                    format!("{sub}.{web}")
                } else {
                    self.orgs[o].alt.clone().unwrap_or(web.clone())
                };
                let local = self.work_local(&first, &last);
                r.email = Some(self.mailbox(&local, &host));
                if self.chance(0.7) {
                    r.company = Some(self.typed(o, false));
                }
                (account, org, work_host) = (self.orgs[o].account, Some(o), Some(host));
            }
            PersonKind::FreeMail => {
                let o = self.popular(&p.any);
                let host = self.free_host(self.orgs[o].country);
                let local = self.home_local(&first, &last);
                r.email = Some(self.mailbox(&local, &host));
                r.company = Some(self.typed(o, true));
                work = false;
                (account, org) = (self.orgs[o].account, Some(o));
                work_host = self.work_host(o);
            }
            PersonKind::ParentDomain => {
                let o = self.pick(&p.subsidiary_of_domain);
                let parent = self.orgs[o].parent.expect("a subsidiary has a parent");
                let web = self.orgs[parent].domains[0].clone();
                let host = if self.chance(0.2) {
                    let cc = COUNTRIES[self.orgs[o].country].written[0].to_lowercase();
                    format!("{cc}.{web}")
                } else {
                    web
                };
                let local = self.work_local(&first, &last);
                r.email = Some(self.mailbox(&local, &host));
                if self.chance(0.9) {
                    let by_hand = self.chance(0.5);
                    r.company = Some(self.typed(o, by_hand));
                }
                (account, org, work_host) = (self.orgs[o].account, Some(o), Some(host));
            }
            PersonKind::Subsidiary => {
                let o = self.popular(&p.subsidiary);
                let own = self.orgs[o].domains.first().cloned();
                match own.filter(|_| self.chance(0.6)) {
                    Some(host) => {
                        let local = self.work_local(&first, &last);
                        r.email = Some(self.mailbox(&local, &host));
                        if self.chance(0.9) {
                            r.company = Some(self.typed(o, false));
                        }
                    }
                    None => {
                        let host = self.free_host(self.orgs[o].country);
                        let local = self.home_local(&first, &last);
                        r.email = Some(self.mailbox(&local, &host));
                        r.company = Some(self.typed(o, true));
                        work = false;
                    }
                }
                (account, org) = (self.orgs[o].account, Some(o));
                work_host = self.work_host(o);
            }
            PersonKind::Division => {
                let o = self.pick(&p.division);
                let parent = self.orgs[o].parent.expect("a division has a parent");
                let host = self.orgs[parent].domains[0].clone();
                let local = self.work_local(&first, &last);
                r.email = Some(self.mailbox(&local, &host));
                if self.chance(0.9) {
                    let mut c = self.typed(o, false);
                    if self.chance(0.15) {
                        c.push_str(self.pick(&[" Division", " Group", " Dept."]));
                    }
                    r.company = Some(c);
                }
                (account, org, work_host) = (self.orgs[o].account, Some(o), Some(host));
            }
            PersonKind::LookAlike => {
                let o = self.pick(&p.look_alike);
                let web = self.orgs[o].web.clone().expect("a look-alike has a domain");
                if self.chance(0.7) {
                    let local = self.work_local(&first, &last);
                    r.email = Some(self.mailbox(&local, &web));
                    if self.chance(0.9) {
                        r.company = Some(self.typed(o, false));
                    }
                } else {
                    let host = self.free_host(self.orgs[o].country);
                    let local = self.home_local(&first, &last);
                    r.email = Some(self.mailbox(&local, &host));
                    r.company = Some(self.typed(o, true));
                    work = false;
                }
                org = Some(o);
                work_host = Some(web);
            }
            PersonKind::UnlistedDomain => {
                // The same company as an account that lists no domain, or a new company.
                let o = if !p.hidden.is_empty() && self.chance(0.4) {
                    self.pick(&p.hidden)
                } else {
                    self.pick(&p.new)
                };
                let host = self.orgs[o].web.clone().expect("a company has a domain");
                let local = self.work_local(&first, &last);
                r.email = Some(self.mailbox(&local, &host));
                if self.chance(0.8) {
                    r.company = Some(self.typed(o, false));
                }
                (account, org, work_host) = (self.orgs[o].account, Some(o), Some(host));
            }
            PersonKind::TypoDomain => {
                let o = self.popular(&p.corporate);
                let web = self.orgs[o].domains[0].clone();
                let host = self.typo_domain(&web);
                let local = self.work_local(&first, &last);
                r.email = Some(self.mailbox(&local, &host));
                if self.chance(0.8) {
                    r.company = Some(self.typed(o, false));
                }
                (account, org, work_host) = (self.orgs[o].account, Some(o), Some(web));
            }
            PersonKind::Disposable => {
                let host = self.pick(DISPOSABLE);
                let local = if self.chance(0.5) {
                    self.home_local(&first, &last)
                } else {
                    let junk = self.pick(&["test", "asdf", "qwerty", "x", "spam", "nobody"]);
                    format!("{junk}{}", self.rng.gen_range(1..1000))
                };
                r.email = Some(self.mailbox(&local, host));
                work = false;
                match self.rng.gen_range(0..100) {
                    0..=44 => {
                        let o = self.popular(&p.any);
                        r.company = Some(self.typed(o, true));
                        (account, org) = (self.orgs[o].account, Some(o));
                    }
                    45..=64 => {
                        r.company = Some(self.pick(&["test", "asdf", "xxx", "none", "."]).into())
                    }
                    _ => {}
                }
            }
            PersonKind::NoCompany => {
                let mut country = self.country();
                match self.rng.gen_range(0..100) {
                    0..=54 => {
                        let host = self.free_host(country);
                        let local = self.home_local(&first, &last);
                        r.email = Some(self.mailbox(&local, &host));
                        work = false;
                    }
                    55..=87 => work = false,
                    _ if p.corporate.is_empty() => work = false,
                    _ => {
                        // A work address and nothing else: its domain says where.
                        let o = self.popular(&p.corporate);
                        let host = self.orgs[o].domains[0].clone();
                        let local = self.work_local(&first, &last);
                        r.email = Some(self.mailbox(&local, &host));
                        account = self.orgs[o].account;
                        country = self.orgs[o].country;
                        work_host = Some(host);
                    }
                }
                if self.chance(0.3) {
                    r.company = Some(self.pick(PLACEHOLDERS).to_string());
                }
                let (region, city) = self.place(country);
                self.locate(&mut r, country, region, city);
                let phone = self.chance(0.7).then(|| self.phone(country));
                r.phone = phone.as_ref().map(Phone::text);
                self.pools = p;
                return Draft {
                    record: r,
                    account,
                    seen: Seen {
                        org: None,
                        country,
                        phone,
                        work,
                        work_host,
                    },
                };
            }
            PersonKind::Repeat | PersonKind::Namesake => unreachable!("made from earlier people"),
        }
        self.pools = p;
        let country = org.map_or(US, |o| self.orgs[o].country);
        if let Some(o) = org {
            let (region, city) = (self.orgs[o].region, self.orgs[o].city);
            self.locate(&mut r, country, region, city);
        }
        let phone = self.chance(0.55).then(|| self.phone(country));
        r.phone = phone.as_ref().map(Phone::text);
        if self.chance(0.03) {
            r.last_name = r.last_name.map(|l| l.to_uppercase());
        }
        Draft {
            record: r,
            account,
            seen: Seen {
                org,
                country,
                phone,
                work,
                work_host,
            },
        }
    }

    /// The domain a work address at `org` would be at: its own, or its parent's.
    fn work_host(&self, org: usize) -> Option<String> {
        let o = &self.orgs[org];
        o.domains
            .first()
            .or_else(|| o.parent.and_then(|p| self.orgs[p].domains.first()))
            .or(o.web.as_ref())
            .cloned()
    }

    /// `domain` as someone mistyped it, owned by nobody (`acme.con`, `ostwaldde.com`).
    fn typo_domain(&mut self, domain: &str) -> String {
        let (label, tld) = domain.split_once('.').unwrap_or((domain, "com"));
        loop {
            let t = match self.rng.gen_range(0..4) {
                0 if tld == "com" => {
                    let t = self.pick(&["con", "cm", "co", "om", "comm", "cmo"]);
                    format!("{label}.{t}")
                }
                0 => format!("{label}.{}", tld.replacen("com", "con", 1)),
                1 if tld != "com" => format!("{label}{}.com", tld.replace('.', "")),
                1 => format!("{label}.con"),
                _ => format!("{}.{tld}", typo(&mut self.rng, label)),
            };
            if t != domain && !self.domains.contains(&t) {
                return t;
            }
        }
    }

    /// A person seen before, seen again: work vs home address, a nickname or typo, the phone
    /// written another way, a new title. Returns the record and the first record's id.
    fn repeat(&mut self, people: &[SynthPerson], seen: &[Seen]) -> (Draft, String) {
        let i = self.rng.gen_range(0..people.len());
        let o = &people[i];
        let s = seen[i].clone();
        let root = o.duplicate_of.clone().unwrap_or_else(|| o.id.clone());
        let first0 = o.record.first_name.clone().unwrap_or_default();
        let last0 = o.record.last_name.clone().unwrap_or_default();
        let (first, last) = match self.rng.gen_range(0..100) {
            0..=54 => (first0.clone(), last0.clone()),
            55..=69 => {
                let nick = NICKNAMES
                    .iter()
                    .find(|(f, _)| *f == first0)
                    .map(|(_, n)| n.to_string());
                (nick.unwrap_or(first0.clone()), last0.clone())
            }
            70..=79 => (first0.clone(), typo(&mut self.rng, &last0)),
            80..=87 => (first0.to_uppercase(), last0.to_uppercase()),
            88..=93 => {
                let i = first0.chars().next().unwrap_or('X');
                (format!("{i}."), last0.clone())
            }
            _ => (first0.to_lowercase(), last0.to_lowercase()),
        };
        let old = o.record.email.clone();
        let mut work = s.work;
        let email = match self.rng.gen_range(0..100) {
            0..=41 => {
                // Work vs home: the common case.
                if s.work || s.work_host.is_none() {
                    work = false;
                    let host = self.free_host(s.country);
                    let local = self.home_local(&first0, &last0);
                    Some(self.mailbox(&local, &host))
                } else {
                    work = true;
                    let host = s.work_host.clone().unwrap_or_default();
                    let local = self.work_local(&first0, &last0);
                    Some(self.mailbox(&local, &host))
                }
            }
            42..=61 => old.map(|e| match self.rng.gen_range(0..3) {
                0 => e.trim().to_lowercase(),
                1 => e.trim().to_uppercase(),
                _ => e,
            }),
            62..=69 => old.map(|e| {
                let e = e.trim().to_lowercase();
                let tag = self.pick(&["news", "crm", "events", "2024"]);
                match e.split_once('@') {
                    Some((l, h)) => format!("{l}+{tag}@{h}"),
                    None => e,
                }
            }),
            70..=81 => {
                // Another address of the same kind.
                let host = match (&old, s.work) {
                    (Some(e), true) => e.trim().rsplit('@').next().unwrap_or("").to_lowercase(),
                    _ => self.free_host(s.country),
                };
                let old_local = old.as_deref().and_then(|e| e.trim().split_once('@'));
                let old_local = old_local.map(|(l, _)| l.to_lowercase());
                let mut local = String::new();
                for _ in 0..4 {
                    local = if s.work {
                        self.work_local(&first0, &last0)
                    } else {
                        self.home_local(&first0, &last0)
                    };
                    if Some(&local) != old_local.as_ref() {
                        break;
                    }
                }
                Some(self.mailbox(&local, &host))
            }
            82..=91 => None,
            _ => old,
        };
        let mut r = PersonRecord {
            first_name: Some(first),
            last_name: Some(last),
            email,
            ..Default::default()
        };
        let by_hand = !work || r.email.is_none();
        match s.org {
            Some(k) if self.chance(if by_hand { 0.8 } else { 0.6 }) => {
                r.company = Some(self.typed(k, by_hand))
            }
            Some(_) => {}
            None => r.company = o.record.company.clone().filter(|_| self.chance(0.5)),
        }
        r.title = match self.rng.gen_range(0..100) {
            0..=34 => Some(self.pick(TITLES).to_string()),
            35..=74 => o.record.title.clone(),
            _ => None,
        };
        let phone = match (&s.phone, self.rng.gen_range(0..100)) {
            (Some(ph), 0..=59) => {
                let step = self.rng.gen_range(1..PHONE_STYLES);
                Some(Phone {
                    style: (ph.style + step) % PHONE_STYLES,
                    ..ph.clone()
                })
            }
            (Some(_), 60..=74) | (None, 0..=24) => Some(self.phone(s.country)),
            _ => None,
        };
        r.phone = phone.as_ref().map(Phone::text);
        match s.org {
            Some(k) => {
                let (region, city) = (self.orgs[k].region, self.orgs[k].city);
                self.locate(&mut r, s.country, region, city);
            }
            None => {
                r.city = o.record.city.clone().filter(|_| self.chance(0.5));
                r.country = o.record.country.clone().filter(|_| self.chance(0.5));
            }
        }
        let draft = Draft {
            record: r,
            account: o.account,
            seen: Seen { phone, work, ..s },
        };
        (draft, root)
    }

    /// Another person with the name of an earlier corporate person, at the same company: a
    /// different mailbox, phone, title and city.
    fn namesake(&mut self, people: &[SynthPerson], seen: &[Seen]) -> Draft {
        let i = self.corporate_people[self.rng.gen_range(0..self.corporate_people.len())];
        let o = &people[i];
        let s = seen[i].clone();
        let first = o.record.first_name.clone().unwrap_or_default();
        let last = o.record.last_name.clone().unwrap_or_default();
        let org = s.org.expect("a corporate person works somewhere");
        let mut r = PersonRecord {
            first_name: Some(first.clone()),
            last_name: Some(last.clone()),
            ..Default::default()
        };
        let by_hand = !self.chance(0.75);
        let host = match (&s.work_host, by_hand) {
            (Some(h), false) => h.clone(),
            _ => self.free_host(s.country),
        };
        let middle = char::from(b'a' + self.rng.gen_range(0..26u8));
        let local = format!("{}.{middle}.{}", fold(&first), fold(&last));
        r.email = Some(self.mailbox(&local, &host));
        if by_hand || self.chance(0.8) {
            r.company = Some(self.typed(org, by_hand));
        }
        r.title = loop {
            let t = self.pick(TITLES);
            if Some(t) != o.record.title.as_deref() {
                break Some(t.to_string());
            }
        };
        let (region, city) = self.place(s.country);
        self.locate(&mut r, s.country, region, city);
        if r.city == o.record.city {
            r.city = None;
        }
        let phone = self.chance(0.8).then(|| self.phone(s.country));
        r.phone = phone.as_ref().map(Phone::text);
        Draft {
            record: r,
            account: o.account,
            seen: Seen {
                phone,
                work: !by_hand,
                ..s
            },
        }
    }
}

pub(crate) const WORDS: &[&str] = &[
    "Systems",
    "Foods",
    "Logistics",
    "Health",
    "Analytics",
    "Energy",
    "Robotics",
    "Media",
    "Capital",
    "Materials",
    "Labs",
    "Networks",
    "Software",
    "Devices",
    "Partners",
    "Pharma",
    "Security",
    "Retail",
    "Motors",
    "Insurance",
];
pub(crate) const STATES: &[(&str, &str)] = &[
    ("CA", "San Francisco"),
    ("CA", "San Diego"),
    ("NY", "New York"),
    ("TX", "Austin"),
    ("WA", "Seattle"),
    ("MA", "Boston"),
    ("IL", "Chicago"),
    ("GA", "Atlanta"),
    ("CO", "Denver"),
    ("FL", "Miami"),
];
pub(crate) const FIRST: &[&str] = &[
    "Robert",
    "William",
    "James",
    "Michael",
    "Elizabeth",
    "Katherine",
    "Jennifer",
    "Thomas",
    "Richard",
    "Margaret",
    "Susan",
    "David",
    "Daniel",
    "Joseph",
    "Patricia",
    "Anna",
    "Wei",
    "Priya",
    "Carlos",
    "Sofia",
    "Lukas",
    "Ingrid",
    "Omar",
    "Fatima",
    "Hiroshi",
    "Mateo",
    "Chloe",
    "Noah",
    "Emma",
    "Olivia",
];
pub(crate) const NICK: &[(&str, &str)] = &[
    ("Robert", "Bob"),
    ("William", "Bill"),
    ("James", "Jim"),
    ("Michael", "Mike"),
    ("Elizabeth", "Liz"),
    ("Katherine", "Kate"),
    ("Jennifer", "Jen"),
    ("Thomas", "Tom"),
    ("Richard", "Rick"),
    ("Margaret", "Maggie"),
    ("Susan", "Sue"),
    ("David", "Dave"),
    ("Daniel", "Dan"),
    ("Joseph", "Joe"),
    ("Patricia", "Trish"),
];
pub(crate) const LAST: &[&str] = &[
    "Smith", "Johnson", "Garcia", "Miller", "Davis", "Martinez", "Lopez", "Wilson", "Anderson",
    "Taylor", "Moore", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker",
    "Young", "Patel", "Chen", "Kim", "Tanaka", "Muller", "Schmidt", "Dubois", "Rossi", "Novak",
    "Singh", "O'Brien", "Nguyen", "Kowalski", "Silva", "Okafor",
];
pub(crate) const FREE: &[&str] = &[
    "gmail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "icloud.com",
    "aol.com",
    "gmx.de",
    "protonmail.com",
];

/// A made-up but pronounceable company word ("Zorvex", "Kalimo").
pub(crate) fn coined(rng: &mut ChaCha8Rng) -> String {
    let cons = [
        "b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "tr",
        "st", "pl", "qu",
    ];
    let vow = ["a", "e", "i", "o", "u", "ai", "ou"];
    let mut w = String::new();
    for _ in 0..rng.gen_range(2..=3) {
        w.push_str(cons.choose(rng).expect("c"));
        w.push_str(vow.choose(rng).expect("v"));
    }
    if rng.gen_bool(0.5) {
        w.push_str(
            ["x", "n", "r", "s", "l", "on", "ex", "ia"]
                .choose(rng)
                .expect("end"),
        );
    }
    let mut c = w.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// How people type a company's name: other legal forms, case, "The", typos, `&`.
pub(crate) fn messy_company(rng: &mut ChaCha8Rng, base: &str) -> String {
    let mut s = base.to_string();
    match rng.gen_range(0..10) {
        0 => s = s.to_uppercase(),
        1 => s = s.to_lowercase(),
        2 => s = format!("The {s}"),
        3 | 4 => {
            // One typo: a dropped, doubled or swapped letter.
            let mut chars: Vec<char> = s.chars().collect();
            let i = rng.gen_range(1..chars.len().saturating_sub(1).max(2));
            match rng.gen_range(0..3) {
                0 => {
                    chars.remove(i);
                }
                1 => chars.insert(i, chars[i]),
                _ if i + 1 < chars.len() => chars.swap(i, i + 1),
                _ => {}
            }
            s = chars.into_iter().collect();
        }
        _ => {}
    }
    let suffix = [
        "",
        " Inc",
        ", Inc.",
        " LLC",
        " Corp.",
        " Corporation",
        " Ltd",
        " Co",
        " GmbH",
    ]
    .choose(rng)
    .expect("suffix");
    format!("{s}{suffix}")
}

/// How matching did on one kind of person.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct KindScore {
    /// People of the kind.
    pub people: usize,
    /// Placing them under the right account (or under none).
    pub accounts: Score,
    /// Naming the earlier record they repeat.
    pub duplicates: Score,
}

/// How matching did on a generated world.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    /// Placing each person under the right account (or under none when theirs has no account).
    pub accounts: Score,
    /// Naming the earlier record a person repeats.
    pub duplicates: Score,
    /// The same, by [`PersonKind::as_str`].
    pub per_kind: BTreeMap<&'static str, KindScore>,
}

/// Matches every person of `data` as one batch, as the batch command does, and scores the
/// result. Accounts the batch creates are no account of the truth's.
pub fn evaluate(data: &SynthData, config: &super::MatchConfig) -> Evaluation {
    let index = data.index();
    let records: Vec<PersonRecord> = data.people.iter().map(|p| p.record.clone()).collect();
    let first_new = data.accounts.iter().map(|a| a.id.0).max().unwrap_or(0) + 1;
    let decisions = super::match_batch(&index, &records, config, first_new);
    let mut out = Evaluation::default();
    for (p, d) in data.people.iter().zip(decisions) {
        let predicted = d.account.filter(|a| a.0 < first_new);
        let dup = d.duplicate_of.map(|i| data.people[i].id.clone());
        let kind = out.per_kind.entry(p.kind.as_str()).or_default();
        kind.people += 1;
        kind.accounts.add(predicted, p.account);
        kind.duplicates.add(dup.clone(), p.duplicate_of.clone());
        out.accounts.add(predicted, p.account);
        out.duplicates.add(dup, p.duplicate_of.clone());
    }
    out
}

impl fmt::Display for Evaluation {
    /// A table: per kind and in total, precision, recall and F1 of accounts and duplicates.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<16} {:>7} | {:>6} {:>6} {:>6} {:>11} | {:>6} {:>6} {:>6} {:>11}",
            "kind",
            "people",
            "acc P",
            "acc R",
            "acc F1",
            "fp/fn",
            "dup P",
            "dup R",
            "dup F1",
            "fp/fn"
        )?;
        let row = |f: &mut fmt::Formatter<'_>, name: &str, n: usize, a: &Score, d: &Score| {
            writeln!(
                f,
                "{name:<16} {n:>7} | {:>6.4} {:>6.4} {:>6.4} {:>11} | {:>6.4} {:>6.4} {:>6.4} {:>11}",
                a.precision(),
                a.recall(),
                a.f1(),
                format!("{}/{}", a.false_positives, a.false_negatives),
                d.precision(),
                d.recall(),
                d.f1(),
                format!("{}/{}", d.false_positives, d.false_negatives)
            )
        };
        for kind in PersonKind::ALL {
            if let Some(k) = self.per_kind.get(kind.as_str()) {
                row(f, kind.as_str(), k.people, &k.accounts, &k.duplicates)?;
            }
        }
        let people = self.per_kind.values().map(|k| k.people).sum();
        row(f, "total", people, &self.accounts, &self.duplicates)
    }
}

/// Precision, recall and F1 of one kind of decision.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Score {
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
}

impl Score {
    /// Share of the decisions made that were right.
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    /// Share of the true answers that were found.
    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    /// The harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    /// Adds one decision: `predicted` against `truth`.
    pub fn add<T: PartialEq>(&mut self, predicted: Option<T>, truth: Option<T>) {
        match (predicted, truth) {
            (Some(p), Some(t)) if p == t => self.true_positives += 1,
            (Some(_), Some(_)) => {
                self.false_positives += 1;
                self.false_negatives += 1;
            }
            (Some(_), None) => self.false_positives += 1,
            (None, Some(_)) => self.false_negatives += 1,
            (None, None) => {}
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{personal_domain, registrable_domain, PersonalDomain};
    use std::collections::HashMap;

    fn world() -> SynthData {
        generate(11, 3_000, 30_000)
    }

    fn account_of(data: &SynthData, id: AccountId) -> &AccountEntry {
        &data.accounts[id.0 as usize - 1]
    }

    fn host(p: &SynthPerson) -> String {
        let e = p
            .record
            .email
            .as_deref()
            .unwrap_or("")
            .trim()
            .to_lowercase();
        e.rsplit('@').next().unwrap_or("").to_string()
    }

    fn of_kind(data: &SynthData, kind: PersonKind) -> impl Iterator<Item = &SynthPerson> {
        data.people.iter().filter(move |p| p.kind == kind)
    }

    #[test]
    fn generation_is_deterministic() {
        let (a, b) = (generate(5, 200, 500), generate(5, 200, 500));
        assert_eq!(a.accounts, b.accounts);
        assert_eq!(
            a.people
                .iter()
                .map(|p| (&p.record, p.account, &p.duplicate_of, p.kind))
                .collect::<Vec<_>>(),
            b.people
                .iter()
                .map(|p| (&p.record, p.account, &p.duplicate_of, p.kind))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn every_kind_comes_in_about_its_share() {
        let data = world();
        let total: f64 = PersonKind::ALL.iter().map(|k| k.share()).sum();
        assert!((total - 1.0).abs() < 1e-9, "shares sum to {total}");
        for kind in PersonKind::ALL {
            let n = of_kind(&data, kind).count() as f64 / data.people.len() as f64;
            let want = kind.share();
            assert!(
                (n - want).abs() <= (want * 0.25).max(0.002),
                "{kind}: {n:.4} of people, want about {want}"
            );
        }
    }

    #[test]
    fn accounts_look_like_a_crm() {
        let data = generate(3, 20_000, 0);
        let a = &data.accounts;
        assert_eq!(a.len(), 20_000);
        assert!(a.iter().all(|x| x.name.chars().count() <= 200));
        let with_parent = a.iter().filter(|x| x.parent_id.is_some()).count() as f64;
        let share = with_parent / a.len() as f64;
        assert!((0.09..0.16).contains(&share), "{share} have a parent");
        let mut first_words: HashMap<&str, usize> = HashMap::new();
        for x in a {
            let w = x
                .name
                .trim_start_matches("The ")
                .split(' ')
                .next()
                .unwrap_or("");
            *first_words.entry(w).or_default() += 1;
        }
        let crowded = first_words.values().filter(|&&n| n >= 100).count();
        assert!(
            crowded >= 30,
            "{crowded} first words are shared by 100 accounts"
        );
        assert!(a.iter().any(|x| x.name.ends_with(" Japan K.K.")));
        assert!(a.iter().filter(|x| x.domains.len() > 1).count() > 1_000);
        assert!(a.iter().filter(|x| x.domains.is_empty()).count() > 1_000);
        assert!(a.iter().filter(|x| x.duns.is_some()).count() > 4_000);
        let countries: HashSet<&str> = a.iter().filter_map(|x| x.country.as_deref()).collect();
        for c in ["US", "USA", "United States", "U.S."] {
            assert!(countries.contains(c), "no account in {c}");
        }
        let states: HashSet<&str> = a.iter().filter_map(|x| x.state.as_deref()).collect();
        assert!(states.contains("CA") && states.contains("California"));
    }

    #[test]
    fn a_parent_domain_person_writes_the_parent_domain_and_belongs_to_the_child() {
        let data = world();
        for p in of_kind(&data, PersonKind::ParentDomain) {
            let child = account_of(&data, p.account.expect("a subsidiary account"));
            let parent = account_of(&data, child.parent_id.expect("with a parent"));
            assert_eq!(registrable_domain(&host(p)), parent.domains[0], "{p:?}");
            let first = parent.name.trim_start_matches("The ").split(' ').next();
            assert!(child.name.starts_with(first.unwrap_or("")), "{p:?}");
            assert_ne!(child.country, parent.country);
        }
    }

    #[test]
    fn a_division_person_writes_the_parent_domain_and_belongs_to_the_division() {
        let data = world();
        for p in of_kind(&data, PersonKind::Division) {
            let division = account_of(&data, p.account.expect("a division account"));
            let parent = account_of(&data, division.parent_id.expect("with a parent"));
            assert!(division.domains.is_empty());
            assert_eq!(host(p), parent.domains[0], "{p:?}");
        }
    }

    #[test]
    fn a_look_alike_is_named_like_an_account_abroad_and_has_no_account() {
        let data = world();
        let listed: HashSet<&str> = data
            .accounts
            .iter()
            .flat_map(|a| a.domains.iter().map(String::as_str))
            .collect();
        let first_words: HashSet<&str> = data
            .accounts
            .iter()
            .filter_map(|a| a.name.split(' ').next())
            .collect();
        let mut named = 0;
        for p in of_kind(&data, PersonKind::LookAlike) {
            assert_eq!(p.account, None);
            assert!(!listed.contains(host(p).as_str()), "{p:?}");
            if let Some(c) = &p.record.company {
                let w = c.split(' ').next().unwrap_or("");
                named += usize::from(first_words.iter().any(|f| f.eq_ignore_ascii_case(w)));
            }
        }
        assert!(named > 300, "{named} look-alikes start like an account");
    }

    #[test]
    fn unlisted_and_typo_domains_are_on_no_account() {
        let data = world();
        let listed: HashSet<&str> = data
            .accounts
            .iter()
            .flat_map(|a| a.domains.iter().map(String::as_str))
            .collect();
        let (mut known, mut new) = (0, 0);
        for p in of_kind(&data, PersonKind::UnlistedDomain) {
            assert!(!listed.contains(host(p).as_str()), "{p:?}");
            match p.account {
                Some(a) => {
                    assert!(account_of(&data, a).domains.is_empty());
                    known += 1;
                }
                None => new += 1,
            }
        }
        assert!(known > 300 && new > 300, "{known} known, {new} new");
        for p in of_kind(&data, PersonKind::TypoDomain) {
            assert!(!listed.contains(host(p).as_str()), "{p:?}");
            assert!(p.account.is_some());
        }
    }

    #[test]
    fn a_repeat_names_the_first_record_and_its_account() {
        let data = world();
        let by_id: HashMap<&str, &SynthPerson> =
            data.people.iter().map(|p| (p.id.as_str(), p)).collect();
        let mut home_vs_work = 0;
        for p in of_kind(&data, PersonKind::Repeat) {
            let first = by_id[p.duplicate_of.as_deref().expect("a repeat repeats")];
            assert_eq!(first.duplicate_of, None);
            assert_eq!(first.account, p.account);
            let free = |h: &str| personal_domain(&registrable_domain(h)).is_some();
            let (a, b) = (host(first), host(p));
            if !a.is_empty() && !b.is_empty() && free(&a) != free(&b) {
                home_vs_work += 1;
            }
        }
        assert!(
            home_vs_work > 600,
            "{home_vs_work} repeats switch work and home"
        );
        assert!(data
            .people
            .iter()
            .filter(|p| p.kind != PersonKind::Repeat)
            .all(|p| p.duplicate_of.is_none()));
    }

    #[test]
    fn a_namesake_shares_name_and_account_but_is_another_person() {
        let data = world();
        let mut by_name: HashMap<(&str, &str), Vec<&SynthPerson>> = HashMap::new();
        for p in &data.people {
            let name = (
                p.record.first_name.as_deref().unwrap_or(""),
                p.record.last_name.as_deref().unwrap_or(""),
            );
            if p.kind == PersonKind::Namesake {
                let earlier = by_name.get(&name).map(Vec::as_slice).unwrap_or_default();
                assert!(
                    earlier.iter().any(|e| e.account == p.account
                        && (p.record.phone.is_none() || e.record.phone != p.record.phone)),
                    "{p:?}"
                );
                assert_eq!(p.duplicate_of, None);
            }
            by_name.entry(name).or_default().push(p);
        }
    }

    #[test]
    fn personal_addresses_are_at_providers_the_normalizer_knows() {
        let data = world();
        for (kind, want) in [
            (PersonKind::FreeMail, PersonalDomain::FreeMail),
            (PersonKind::Disposable, PersonalDomain::Disposable),
        ] {
            for p in of_kind(&data, kind) {
                assert_eq!(personal_domain(&host(p)), Some(want), "{p:?}");
                if kind == PersonKind::FreeMail {
                    assert!(p.record.company.is_some() && p.account.is_some());
                }
            }
        }
    }

    #[test]
    fn many_people_have_a_phone_with_their_country_code() {
        let data = world();
        let phones: Vec<&str> = data
            .people
            .iter()
            .filter_map(|p| p.record.phone.as_deref())
            .collect();
        assert!(phones.len() > data.people.len() / 2);
        assert!(phones.iter().any(|p| p.starts_with("+44 7")));
        assert!(phones.iter().any(|p| p.starts_with('(')));
        assert!(phones.iter().any(|p| p.starts_with("07")));
    }

    /// What the engine reaches today on realistic data, so that no change loses it (issue 17
    /// measured it; BENCHMARKS.md has the table per kind).
    #[test]
    fn matching_keeps_its_measured_quality_on_realistic_data() {
        let data = generate(2026, 3_000, 12_000);
        let e = evaluate(&data, &super::super::MatchConfig::default());
        eprintln!("{e}");
        let (a, d) = (e.accounts, e.duplicates);
        assert!(a.f1() >= 0.969 && a.precision() >= 0.99, "accounts: {a:?}");
        assert!(
            d.f1() >= 0.947 && d.precision() >= 0.981,
            "duplicates: {d:?}"
        );
    }

    #[test]
    #[ignore = "issue 17's targets: duplicate F1 0.95 is not reached yet (0.948)"]
    fn matching_meets_its_quality_targets_on_messy_data() {
        let data = generate(2026, 3_000, 12_000);
        let e = evaluate(&data, &super::super::MatchConfig::default());
        eprintln!("{e}");
        let (a, d) = (e.accounts, e.duplicates);
        assert!(a.f1() >= 0.96, "account assignment F1 {:.4}: {a:?}", a.f1());
        assert!(
            d.f1() >= 0.95,
            "duplicate detection F1 {:.4}: {d:?}",
            d.f1()
        );
        assert!(
            a.precision() >= 0.98,
            "account assignment precision {:.4}",
            a.precision()
        );
        assert!(
            d.precision() >= 0.98,
            "duplicate detection precision {:.4}",
            d.precision()
        );
    }

    #[test]
    #[ignore = "a timing: run in release"]
    fn generating_200k_people_against_20k_accounts_is_fast() {
        let started = std::time::Instant::now();
        let data = generate(1, 20_000, 200_000);
        let took = started.elapsed();
        eprintln!(
            "{} people, {} accounts in {took:?}",
            data.people.len(),
            data.accounts.len()
        );
        assert!(took.as_secs_f64() < 2.0);
    }

    #[test]
    fn f1_of_a_perfect_run_is_one() {
        let mut s = Score::default();
        s.add(Some(1), Some(1));
        s.add(None::<i32>, None);
        assert_eq!(s.f1(), 1.0);
    }
}
