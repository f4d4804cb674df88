//! Job titles to seniority and department, robust to abbreviations and word order.

use super::text::fold;
use crate::model::{Department, Seniority};

/// What a title says about a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedTitle {
    pub seniority: Option<Seniority>,
    pub department: Option<Department>,
}

/// Reads seniority and department from a job title.
pub fn parse_title(title: &str) -> ParsedTitle {
    let t = format!(" {} ", expand(&fold(title)));
    ParsedTitle {
        seniority: seniority(&t),
        department: department(&t),
    }
}

/// A title as a comparison key: folded, abbreviations spelled out (`Sr. Mktg Mgr` ->
/// `senior marketing manager`, `CFO` -> `chief financial officer`), so two spellings of one
/// title compare equal.
pub fn title_key(title: &str) -> String {
    let key = expand(&fold(title));
    match key.as_str() {
        "ceo" => "chief executive officer",
        "cfo" => "chief financial officer",
        "coo" => "chief operating officer",
        "cto" => "chief technology officer",
        "cio" => "chief information officer",
        "cmo" => "chief marketing officer",
        _ => return key,
    }
    .to_string()
}

/// Spells out the abbreviations titles use, so the rules below see words.
fn expand(folded: &str) -> String {
    let words: Vec<String> = folded
        .split(' ')
        .map(|w| {
            match w {
                "sr" | "snr" => "senior",
                "jr" | "jnr" => "junior",
                "mgr" | "mngr" => "manager",
                "dir" => "director",
                "svp" | "evp" | "avp" | "vp" => "vice president",
                "vicepresident" => "vice president",
                "eng" | "engr" => "engineer",
                "ops" => "operations",
                "mktg" => "marketing",
                "hr" => "human resources",
                "it" => "information technology",
                "r&d" => "research",
                "gm" => "general manager",
                "md" => "managing director",
                w => w,
            }
            .to_string()
        })
        .collect();
    words.join(" ")
}

/// True when `phrase` occurs in `t` as whole words (`t` is padded with spaces).
fn has(t: &str, phrase: &str) -> bool {
    // Titles are a few words and the rules ask for about a hundred phrases each: comparing at
    // each word start is cheaper than building a substring searcher per phrase.
    let bytes = t.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        b == b' '
            && bytes[i + 1..].starts_with(phrase.as_bytes())
            && bytes.get(i + 1 + phrase.len()) == Some(&b' ')
    })
}

fn seniority(t: &str) -> Option<Seniority> {
    // Assistants and advisors to an executive are not the executive.
    let assisting = [
        "assistant to",
        "executive assistant",
        "assistant",
        "advisor to",
        "office of the",
        "chief of staff",
    ]
    .iter()
    .any(|p| has(t, p));
    let c_level = [
        "ceo",
        "cfo",
        "cto",
        "cio",
        "coo",
        "cmo",
        "cro",
        "cso",
        "ciso",
        "cpo",
        "cdo",
        "chief",
        "president",
        "founder",
        "cofounder",
        "co founder",
        "owner",
        "managing director",
        "general manager",
        "partner",
        "principal",
        "chairman",
        "chairwoman",
        "chair",
        "geschaftsfuhrer",
        "directeur general",
        "presidente",
    ];
    if !assisting && c_level.iter().any(|p| has(t, p)) && !has(t, "vice president") {
        return Some(Seniority::CLevel);
    }
    if has(t, "vice president") || has(t, "head of") || has(t, "head") {
        return Some(if assisting {
            Seniority::IndividualContributor
        } else {
            Seniority::Vp
        });
    }
    if [
        "director",
        "directeur",
        "directora",
        "director of",
        "direktor",
    ]
    .iter()
    .any(|p| has(t, p))
    {
        return Some(Seniority::Director);
    }
    if [
        "manager",
        "lead",
        "team lead",
        "supervisor",
        "leiter",
        "leiterin",
        "responsable",
        "gerente",
        "superintendent",
        "foreman",
        "coordinator manager",
    ]
    .iter()
    .any(|p| has(t, p))
    {
        return Some(Seniority::Manager);
    }
    let ic = [
        "engineer",
        "developer",
        "analyst",
        "specialist",
        "associate",
        "consultant",
        "architect",
        "administrator",
        "representative",
        "rep",
        "executive",
        "coordinator",
        "accountant",
        "designer",
        "scientist",
        "technician",
        "assistant",
        "intern",
        "officer",
        "advisor",
        "agent",
        "clerk",
        "buyer",
        "planner",
        "strategist",
        "writer",
        "controller",
        "programmer",
        "recruiter",
        "generalist",
        "sdr",
        "bdr",
        "ae",
        "staff",
        "member",
        "ingenieur",
        "entwickler",
    ];
    if assisting || ic.iter().any(|p| has(t, p)) {
        return Some(Seniority::IndividualContributor);
    }
    None
}

fn department(t: &str) -> Option<Department> {
    let rules: &[(Department, &[&str])] = &[
        (
            Department::Sales,
            &[
                "sales",
                "account executive",
                "business development",
                "revenue",
                "ae",
                "sdr",
                "bdr",
                "account manager",
                "vertrieb",
                "ventes",
                "ventas",
                "cro",
            ],
        ),
        (
            Department::Marketing,
            &[
                "marketing",
                "demand gen",
                "demand generation",
                "brand",
                "content",
                "communications",
                "pr",
                "growth",
                "seo",
                "cmo",
                "events",
            ],
        ),
        (
            Department::Finance,
            &[
                "finance",
                "financial",
                "cfo",
                "accounting",
                "accountant",
                "controller",
                "treasury",
                "tax",
                "audit",
                "fp a",
                "payroll",
                "finanzen",
            ],
        ),
        (
            Department::HumanResources,
            &[
                "human resources",
                "people",
                "talent",
                "recruiting",
                "recruiter",
                "chro",
                "hr business partner",
                "personal",
            ],
        ),
        (
            Department::Legal,
            &[
                "legal",
                "counsel",
                "attorney",
                "lawyer",
                "compliance",
                "privacy",
                "clo",
                "paralegal",
            ],
        ),
        (
            Department::Procurement,
            &[
                "procurement",
                "purchasing",
                "buyer",
                "sourcing",
                "supply chain",
                "vendor management",
                "einkauf",
            ],
        ),
        (
            Department::Support,
            &[
                "support",
                "customer success",
                "customer service",
                "help desk",
                "service desk",
            ],
        ),
        (
            Department::Product,
            &["product", "cpo", "ux", "user experience"],
        ),
        (
            Department::It,
            &[
                "information technology",
                "cio",
                "ciso",
                "systems administrator",
                "infrastructure",
                "network",
                "security",
                "helpdesk",
                "sysadmin",
                "devops",
                "database administrator",
            ],
        ),
        (
            Department::Engineering,
            &[
                "engineering",
                "engineer",
                "developer",
                "software",
                "cto",
                "architect",
                "r d",
                "research",
                "data",
                "scientist",
                "programmer",
                "qa",
                "quality assurance",
            ],
        ),
        (
            Department::Operations,
            &[
                "operations",
                "coo",
                "logistics",
                "facilities",
                "supply",
                "plant",
                "production",
                "manufacturing",
            ],
        ),
        (
            Department::Executive,
            &[
                "ceo",
                "president",
                "founder",
                "cofounder",
                "owner",
                "managing director",
                "general manager",
                "chairman",
                "board",
                "chief executive",
            ],
        ),
    ];
    rules
        .iter()
        .find(|(_, words)| words.iter().any(|w| has(t, w)))
        .map(|(d, _)| *d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn s(title: &str) -> Option<Seniority> {
        parse_title(title).seniority
    }

    fn d(title: &str) -> Option<Department> {
        parse_title(title).department
    }

    #[test]
    fn abbreviated_and_spelled_out_titles_share_a_key() {
        assert_eq!(
            title_key("Sr. Mktg Mgr"),
            title_key("Senior Marketing Manager")
        );
    }

    #[test]
    fn a_c_level_acronym_is_the_title_spelled_out() {
        assert_eq!(title_key("CFO"), title_key("Chief Financial Officer"));
    }

    #[test]
    fn seniority_comes_from_the_title() {
        assert_eq!(s("CEO"), Some(Seniority::CLevel));
        assert_eq!(s("Chief Revenue Officer"), Some(Seniority::CLevel));
        assert_eq!(s("Co-Founder & CTO"), Some(Seniority::CLevel));
        assert_eq!(s("SVP, Sales"), Some(Seniority::Vp));
        assert_eq!(s("Vice-President Marketing"), Some(Seniority::Vp));
        assert_eq!(s("Head of Data"), Some(Seniority::Vp));
        assert_eq!(s("Sr. Director, Product"), Some(Seniority::Director));
        assert_eq!(s("Marketing Mgr"), Some(Seniority::Manager));
        assert_eq!(s("Team Lead, Platform"), Some(Seniority::Manager));
        assert_eq!(
            s("Senior Software Engineer"),
            Some(Seniority::IndividualContributor)
        );
        assert_eq!(
            s("Assistant to the CEO"),
            Some(Seniority::IndividualContributor)
        );
        assert_eq!(
            s("Executive Assistant to the President"),
            Some(Seniority::IndividualContributor)
        );
        assert_eq!(s(""), None);
    }

    #[test]
    fn department_comes_from_the_function_words() {
        assert_eq!(d("Director of Sales Operations"), Some(Department::Sales));
        assert_eq!(d("VP Engineering"), Some(Department::Engineering));
        assert_eq!(d("CFO"), Some(Department::Finance));
        assert_eq!(d("IT Manager"), Some(Department::It));
        assert_eq!(d("HR Business Partner"), Some(Department::HumanResources));
        assert_eq!(d("Chief Executive Officer"), Some(Department::Executive));
        assert_eq!(d("Demand Gen Specialist"), Some(Department::Marketing));
    }

    proptest! {
        #[test]
        fn never_panics(t in "\\PC{0,60}") {
            let _ = parse_title(&t);
        }
    }
}
