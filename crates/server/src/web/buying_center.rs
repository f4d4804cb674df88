//! The buying center of an account as a grid: buying roles down, seniority bands across, and the
//! gaps a rep should close (no economic buyer, nobody above manager). Pure: the account 360 page
//! renders what [`grid`] returns.

use abcrm_core::model::{BuyingRole, Contact, ContactStatus, Seniority};
use abcrm_core::ContactId;

/// A column of the grid: seniorities grouped the way a rep reads an org chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    /// C-level and VPs.
    Executive,
    Director,
    Manager,
    /// Individual contributors and people whose seniority is not known.
    Other,
}

impl Band {
    /// The columns, most senior first.
    pub const ALL: [Band; 4] = [Band::Executive, Band::Director, Band::Manager, Band::Other];

    /// The band a seniority falls in.
    pub fn of(seniority: Option<Seniority>) -> Band {
        match seniority {
            Some(Seniority::CLevel | Seniority::Vp) => Band::Executive,
            Some(Seniority::Director) => Band::Director,
            Some(Seniority::Manager) => Band::Manager,
            Some(Seniority::IndividualContributor) | None => Band::Other,
        }
    }

    /// The column heading.
    pub fn label(self) -> &'static str {
        match self {
            Band::Executive => "Executive / VP",
            Band::Director => "Director",
            Band::Manager => "Manager",
            Band::Other => "Individual contributor / unknown",
        }
    }

    /// The stable key of the column (`data-band`).
    pub fn key(self) -> &'static str {
        match self {
            Band::Executive => "executive",
            Band::Director => "director",
            Band::Manager => "manager",
            Band::Other => "other",
        }
    }

    /// Whether the band is above manager.
    pub fn above_manager(self) -> bool {
        matches!(self, Band::Executive | Band::Director)
    }
}

/// Something missing from a buying center.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// Nobody holds the budget.
    NoEconomicBuyer,
    /// Nobody at director level or above.
    NoOneAboveManager,
}

impl Gap {
    /// The stable key the page marks the gap with (`data-gap`).
    pub fn key(self) -> &'static str {
        match self {
            Gap::NoEconomicBuyer => "no-economic-buyer",
            Gap::NoOneAboveManager => "no-one-above-manager",
        }
    }

    /// What is missing and what to do about it.
    pub fn message(self) -> &'static str {
        match self {
            Gap::NoEconomicBuyer => {
                "No economic buyer: nobody here is known to hold the budget. Find who signs and set their buying role."
            }
            Gap::NoOneAboveManager => {
                "No one above manager: every contact is a manager or below. Reach a director, VP or executive."
            }
        }
    }
}

/// A person in a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: ContactId,
    pub name: String,
    pub title: Option<String>,
}

/// One buying role (or the unassigned row) across the bands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// `None` for contacts without a buying role.
    pub role: Option<BuyingRole>,
    /// One cell per [`Band::ALL`], in that order.
    pub cells: Vec<Vec<Person>>,
}

impl Row {
    /// The row heading.
    pub fn label(&self) -> &'static str {
        match self.role {
            Some(BuyingRole::EconomicBuyer) => "Economic buyer",
            Some(BuyingRole::Champion) => "Champion",
            Some(BuyingRole::Influencer) => "Influencer",
            Some(BuyingRole::Evaluator) => "Evaluator",
            Some(BuyingRole::User) => "User",
            Some(BuyingRole::Blocker) => "Blocker",
            None => "Unassigned",
        }
    }

    /// The stable key of the row (`data-role`).
    pub fn key(&self) -> &'static str {
        self.role.map_or("unassigned", BuyingRole::as_str)
    }
}

/// The grid and its gaps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    /// Every buying role in the model's order, then the unassigned row.
    pub rows: Vec<Row>,
    pub gaps: Vec<Gap>,
    /// People in the grid (contacts who left the company are not).
    pub people: usize,
}

impl Grid {
    /// Whether the grid has this gap.
    pub fn has(&self, gap: Gap) -> bool {
        self.gaps.contains(&gap)
    }

    /// Whether a cell sits where a gap is: the economic buyer row when there is none, the bands
    /// above manager when nobody is there.
    pub fn is_gap_cell(&self, row: &Row, band: &Band) -> bool {
        (row.role == Some(BuyingRole::EconomicBuyer) && self.has(Gap::NoEconomicBuyer))
            || (band.above_manager() && self.has(Gap::NoOneAboveManager))
    }
}

/// Places an account's contacts by buying role and seniority band, and finds the gaps. Contacts
/// who left the company are not part of the buying center; the order of `contacts` is kept
/// within a cell.
pub fn grid(contacts: &[Contact]) -> Grid {
    let mut roles: Vec<Option<BuyingRole>> = BuyingRole::ALL.iter().copied().map(Some).collect();
    roles.push(None);
    let mut rows: Vec<Row> = roles
        .into_iter()
        .map(|role| Row {
            role,
            cells: vec![Vec::new(); Band::ALL.len()],
        })
        .collect();
    let present: Vec<&Contact> = contacts
        .iter()
        .filter(|c| c.status != ContactStatus::LeftCompany)
        .collect();
    for c in &present {
        let band = Band::of(c.seniority);
        let column = Band::ALL.iter().position(|b| *b == band).unwrap_or(0);
        if let Some(row) = rows.iter_mut().find(|r| r.role == c.buying_role) {
            row.cells[column].push(Person {
                id: c.id,
                name: c.display_name(),
                title: c.title.clone(),
            });
        }
    }
    let mut gaps = Vec::new();
    if !present
        .iter()
        .any(|c| c.buying_role == Some(BuyingRole::EconomicBuyer))
    {
        gaps.push(Gap::NoEconomicBuyer);
    }
    if !present
        .iter()
        .any(|c| Band::of(c.seniority).above_manager())
    {
        gaps.push(Gap::NoOneAboveManager);
    }
    Grid {
        rows,
        gaps,
        people: present.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use abcrm_core::AccountId;
    use chrono::Utc;

    fn contact(
        id: i64,
        name: &str,
        role: Option<BuyingRole>,
        seniority: Option<Seniority>,
        status: ContactStatus,
    ) -> Contact {
        Contact {
            id: ContactId(id),
            account_id: AccountId(1),
            first_name: Some(name.into()),
            last_name: None,
            email: None,
            phone: None,
            title: None,
            seniority,
            department: None,
            buying_role: role,
            status,
            owner_id: None,
            source: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn cell(g: &Grid, role: Option<BuyingRole>, band: Band) -> Vec<&str> {
        let row = g.rows.iter().find(|r| r.role == role).unwrap();
        let i = Band::ALL.iter().position(|b| *b == band).unwrap();
        row.cells[i].iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn contacts_land_in_their_role_and_band() {
        use BuyingRole::*;
        let g = grid(&[
            contact(
                1,
                "Ceo",
                Some(EconomicBuyer),
                Some(Seniority::CLevel),
                ContactStatus::Active,
            ),
            contact(
                2,
                "Vp",
                Some(EconomicBuyer),
                Some(Seniority::Vp),
                ContactStatus::Active,
            ),
            contact(
                3,
                "Dir",
                Some(Champion),
                Some(Seniority::Director),
                ContactStatus::Active,
            ),
            contact(
                4,
                "Ic",
                Some(User),
                Some(Seniority::IndividualContributor),
                ContactStatus::Nurture,
            ),
            contact(5, "Nobody", None, None, ContactStatus::Active),
        ]);
        assert_eq!(
            cell(&g, Some(EconomicBuyer), Band::Executive),
            ["Ceo", "Vp"]
        );
        assert_eq!(cell(&g, Some(Champion), Band::Director), ["Dir"]);
        assert_eq!(cell(&g, Some(User), Band::Other), ["Ic"]);
        assert_eq!(cell(&g, None, Band::Other), ["Nobody"]);
        assert_eq!(g.rows.len(), 7, "six roles and the unassigned row");
        assert!(g.gaps.is_empty());
        assert_eq!(g.people, 5);
    }

    #[test]
    fn a_missing_economic_buyer_and_nobody_above_manager_are_gaps() {
        let g = grid(&[
            contact(
                1,
                "Mgr",
                Some(BuyingRole::Champion),
                Some(Seniority::Manager),
                ContactStatus::Active,
            ),
            contact(
                2,
                "Ic",
                None,
                Some(Seniority::IndividualContributor),
                ContactStatus::Active,
            ),
        ]);
        assert_eq!(g.gaps, [Gap::NoEconomicBuyer, Gap::NoOneAboveManager]);
        let eb = &g.rows[0];
        assert_eq!(eb.role, Some(BuyingRole::EconomicBuyer));
        assert!(Band::ALL.iter().all(|b| g.is_gap_cell(eb, b)));
        let champion = &g.rows[1];
        assert!(g.is_gap_cell(champion, &Band::Director));
        assert!(!g.is_gap_cell(champion, &Band::Manager));
    }

    #[test]
    fn people_who_left_do_not_fill_a_gap() {
        let g = grid(&[
            contact(
                1,
                "Gone",
                Some(BuyingRole::EconomicBuyer),
                Some(Seniority::CLevel),
                ContactStatus::LeftCompany,
            ),
            contact(
                2,
                "Dir",
                Some(BuyingRole::Evaluator),
                Some(Seniority::Director),
                ContactStatus::Active,
            ),
        ]);
        assert_eq!(g.gaps, [Gap::NoEconomicBuyer]);
        assert!(cell(&g, Some(BuyingRole::EconomicBuyer), Band::Executive).is_empty());
        assert_eq!(g.people, 1);
    }

    #[test]
    fn an_empty_account_has_both_gaps() {
        let g = grid(&[]);
        assert_eq!(g.gaps, [Gap::NoEconomicBuyer, Gap::NoOneAboveManager]);
        assert_eq!(g.people, 0);
    }
}
