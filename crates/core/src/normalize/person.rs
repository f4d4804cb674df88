//! Person names: folded, with common English nicknames mapped to one canonical first name, so
//! `Bob Smith` and `Robert Smith` can be recognized as the same person.

use super::text::fold;

/// (nickname, canonical name), folded.
const NICKNAMES: &[(&str, &str)] = &[
    ("bob", "robert"),
    ("bobby", "robert"),
    ("rob", "robert"),
    ("robbie", "robert"),
    ("bert", "robert"),
    ("bill", "william"),
    ("billy", "william"),
    ("will", "william"),
    ("willy", "william"),
    ("liam", "william"),
    ("jim", "james"),
    ("jimmy", "james"),
    ("jamie", "james"),
    ("mike", "michael"),
    ("mikey", "michael"),
    ("mick", "michael"),
    ("tom", "thomas"),
    ("tommy", "thomas"),
    ("dick", "richard"),
    ("rick", "richard"),
    ("ricky", "richard"),
    ("rich", "richard"),
    ("richie", "richard"),
    ("joe", "joseph"),
    ("joey", "joseph"),
    ("dave", "david"),
    ("davy", "david"),
    ("dan", "daniel"),
    ("danny", "daniel"),
    ("chris", "christopher"),
    ("kit", "christopher"),
    ("matt", "matthew"),
    ("tony", "anthony"),
    ("andy", "andrew"),
    ("drew", "andrew"),
    ("steve", "stephen"),
    ("stevie", "stephen"),
    ("steven", "stephen"),
    ("ed", "edward"),
    ("eddie", "edward"),
    ("ted", "edward"),
    ("ken", "kenneth"),
    ("kenny", "kenneth"),
    ("ron", "ronald"),
    ("ronnie", "ronald"),
    ("don", "donald"),
    ("donnie", "donald"),
    ("greg", "gregory"),
    ("jeff", "jeffrey"),
    ("geoff", "jeffrey"),
    ("geoffrey", "jeffrey"),
    ("larry", "lawrence"),
    ("laurence", "lawrence"),
    ("sam", "samuel"),
    ("sammy", "samuel"),
    ("ben", "benjamin"),
    ("benny", "benjamin"),
    ("nick", "nicholas"),
    ("nicky", "nicholas"),
    ("pat", "patrick"),
    ("paddy", "patrick"),
    ("pete", "peter"),
    ("fred", "frederick"),
    ("freddy", "frederick"),
    ("frank", "francis"),
    ("frankie", "francis"),
    ("charlie", "charles"),
    ("chuck", "charles"),
    ("hank", "henry"),
    ("harry", "henry"),
    ("jack", "john"),
    ("johnny", "john"),
    ("jon", "john"),
    ("jonathan", "john"),
    ("nate", "nathan"),
    ("nathaniel", "nathan"),
    ("alex", "alexander"),
    ("al", "albert"),
    ("abe", "abraham"),
    ("gene", "eugene"),
    ("jerry", "gerald"),
    ("gerry", "gerald"),
    ("doug", "douglas"),
    ("phil", "philip"),
    ("phillip", "philip"),
    ("vince", "vincent"),
    ("walt", "walter"),
    ("zach", "zachary"),
    ("zack", "zachary"),
    ("tim", "timothy"),
    ("timmy", "timothy"),
    ("josh", "joshua"),
    ("jake", "jacob"),
    ("brad", "bradley"),
    ("russ", "russell"),
    ("ray", "raymond"),
    ("ralph", "raphael"),
    ("stan", "stanley"),
    ("len", "leonard"),
    ("lenny", "leonard"),
    ("leo", "leonard"),
    ("marty", "martin"),
    ("terry", "terence"),
    ("liz", "elizabeth"),
    ("lizzie", "elizabeth"),
    ("beth", "elizabeth"),
    ("betty", "elizabeth"),
    ("betsy", "elizabeth"),
    ("eliza", "elizabeth"),
    ("lisa", "elizabeth"),
    ("kate", "katherine"),
    ("katie", "katherine"),
    ("kathy", "katherine"),
    ("cathy", "katherine"),
    ("catherine", "katherine"),
    ("kathryn", "katherine"),
    ("kat", "katherine"),
    ("kitty", "katherine"),
    ("maggie", "margaret"),
    ("meg", "margaret"),
    ("peggy", "margaret"),
    ("marge", "margaret"),
    ("jenny", "jennifer"),
    ("jen", "jennifer"),
    ("jenn", "jennifer"),
    ("sue", "susan"),
    ("susie", "susan"),
    ("suzanne", "susan"),
    ("patty", "patricia"),
    ("pattie", "patricia"),
    ("trish", "patricia"),
    ("tricia", "patricia"),
    ("becky", "rebecca"),
    ("becca", "rebecca"),
    ("debbie", "deborah"),
    ("deb", "deborah"),
    ("debra", "deborah"),
    ("mandy", "amanda"),
    ("abby", "abigail"),
    ("alex", "alexandra"),
    ("sandy", "sandra"),
    ("cindy", "cynthia"),
    ("vicky", "victoria"),
    ("vicki", "victoria"),
    ("tori", "victoria"),
    ("val", "valerie"),
    ("barb", "barbara"),
    ("barbie", "barbara"),
    ("chris", "christine"),
    ("christy", "christine"),
    ("tina", "christina"),
    ("jess", "jessica"),
    ("jessie", "jessica"),
    ("steph", "stephanie"),
    ("nikki", "nicole"),
    ("sam", "samantha"),
    ("pam", "pamela"),
    ("manny", "manuel"),
    ("nacho", "ignacio"),
    ("pepe", "jose"),
    ("paco", "francisco"),
    ("pancho", "francisco"),
    ("sasha", "alexander"),
    ("misha", "mikhail"),
    ("dima", "dmitry"),
    ("kostya", "konstantin"),
    ("tess", "tessa"),
    ("tessie", "tessa"),
    ("terri", "theresa"),
    ("teresa", "theresa"),
    ("tess", "theresa"),
    ("katy", "katherine"),
    ("katharine", "katherine"),
    ("chrissy", "christine"),
    ("kris", "kristen"),
    ("kristin", "kristen"),
    ("ally", "allison"),
    ("allie", "allison"),
    ("alison", "allison"),
    ("ellie", "eleanor"),
    ("nell", "eleanor"),
    ("nellie", "eleanor"),
    ("gabe", "gabriel"),
    ("gabby", "gabrielle"),
    ("julie", "julia"),
    ("jules", "julia"),
    ("annie", "anne"),
    ("ann", "anne"),
    ("kim", "kimberly"),
    ("kimmy", "kimberly"),
    ("mel", "melissa"),
    ("missy", "melissa"),
    ("molly", "mary"),
    ("polly", "mary"),
    ("sally", "sarah"),
    ("sadie", "sarah"),
    ("sara", "sarah"),
    ("emmy", "emily"),
    ("em", "emily"),
    ("josie", "josephine"),
    ("dottie", "dorothy"),
    ("dot", "dorothy"),
    ("connie", "constance"),
    ("izzy", "isabel"),
    ("isabelle", "isabel"),
    ("fran", "frances"),
    ("nat", "natalie"),
    ("toni", "antonia"),
    ("vic", "victor"),
    ("max", "maximilian"),
    ("ollie", "oliver"),
    ("theo", "theodore"),
    ("teddy", "theodore"),
    ("ted", "theodore"),
    ("jackie", "jacqueline"),
    ("jacqui", "jacqueline"),
    ("sasha", "alexandra"),
    ("wes", "wesley"),
    ("cam", "cameron"),
    ("nico", "nicholas"),
    ("matty", "matthew"),
    ("mitch", "mitchell"),
    ("ash", "ashley"),
];

/// The canonical form of a first name: folded, and a known nickname replaced by its full name.
pub fn canonical_first_name(first: &str) -> String {
    let folded = fold(first);
    let head = folded.split(' ').next().unwrap_or("");
    NICKNAMES
        .iter()
        .find(|(nick, _)| *nick == head)
        .map(|(_, full)| full.to_string())
        .unwrap_or_else(|| head.to_string())
}

/// Every spelling of a first name the nickname table knows, folded: as written, its canonical
/// form and that form's nicknames ("Robert" -> robert, bob, rob, bobby, ...).
pub fn first_name_spellings(first: &str) -> Vec<String> {
    let folded = fold(first);
    let head = folded.split(' ').next().unwrap_or("").to_string();
    let canonical = canonical_first_name(first);
    let mut out = vec![head, canonical.clone()];
    for (nick, full) in NICKNAMES {
        if *full == canonical {
            out.push(nick.to_string());
        }
    }
    out.retain(|s| !s.is_empty());
    out.sort();
    out.dedup();
    out
}

/// A key that two spellings of one person's name share: canonical first name and folded last
/// name. `None` when either part is missing.
pub fn person_key(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let first = canonical_first_name(first?);
    let last = fold(last?).replace(' ', "");
    (!first.is_empty() && !last.is_empty()).then(|| format!("{first} {last}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nicknames_meet_their_full_names() {
        assert_eq!(
            person_key(Some("Bob"), Some("Smith")),
            person_key(Some("Robert"), Some("SMITH"))
        );
        assert_eq!(
            person_key(Some("Liz"), Some("O'Brien")),
            person_key(Some("Elizabeth"), Some("OBrien"))
        );
        assert_eq!(
            person_key(Some("José"), Some("García")),
            person_key(Some("Jose"), Some("Garcia"))
        );
        assert_ne!(
            person_key(Some("Bob"), Some("Smith")),
            person_key(Some("Bill"), Some("Smith"))
        );
        assert_eq!(person_key(None, Some("Smith")), None);
    }

    #[test]
    fn common_nicknames_of_women_meet_their_full_names_too() {
        for (nick, full) in [("Tess", "Tessa"), ("Kate", "Katherine"), ("Sally", "Sarah")] {
            assert_eq!(
                person_key(Some(nick), Some("Vance")),
                person_key(Some(full), Some("Vance")),
                "{nick} / {full}"
            );
        }
    }

    proptest! {
        #[test]
        fn never_panics(first in "\\PC{0,20}", last in "\\PC{0,20}") {
            let _ = person_key(Some(&first), Some(&last));
        }
    }
}
