use super::*;
use proptest::prelude::*;

/// A record from `(field, value)` pairs.
fn rec(fields: &[(&str, &str)]) -> PersonRecord {
    let mut r = PersonRecord::default();
    for (k, v) in fields {
        let v = Some(v.to_string());
        match *k {
            "first" => r.first_name = v,
            "last" => r.last_name = v,
            "email" => r.email = v,
            "title" => r.title = v,
            "phone" => r.phone = v,
            "city" => r.city = v,
            "state" => r.state = v,
            "country" => r.country = v,
            other => panic!("no field {other}"),
        }
    }
    r
}

fn link(a: &[(&str, &str)], b: &[(&str, &str)]) -> Linkage {
    compare(&PersonFeatures::new(&rec(a)), &PersonFeatures::new(&rec(b)))
}

fn assert_decision(l: &Linkage, want: LinkDecision) {
    assert_eq!(l.decision, want, "weight {:.1}: {}", l.weight, l.explain());
}

const TESSA_WORK: &[(&str, &str)] = &[
    ("first", "Tessa"),
    ("last", "Vance"),
    ("email", "tessa.vance@orbitly.com"),
    ("title", "Sales Manager"),
    ("phone", "+44 7700 900 123"),
    ("city", "London"),
    ("country", "United Kingdom"),
];

#[test]
fn the_same_handle_at_work_and_at_home_is_the_same_person() {
    let l = link(
        &[
            ("first", "Tessa"),
            ("last", "Vance"),
            ("email", "tvance@orbitly.com"),
        ],
        &[
            ("first", "Tess"),
            ("last", "Vance"),
            ("email", "tvance@outlook.com"),
        ],
    );
    assert_decision(&l, LinkDecision::Same);
}

#[test]
fn a_work_address_and_a_personal_address_with_the_name_are_the_same_person() {
    let l = link(
        TESSA_WORK,
        &[
            ("first", "Tessa"),
            ("last", "Vance"),
            ("email", "tessav81@gmail.com"),
            ("city", "Brighton"),
        ],
    );
    assert_decision(&l, LinkDecision::Same);
}

#[test]
fn a_typo_in_the_last_name_is_the_same_person() {
    let l = link(
        TESSA_WORK,
        &[("first", "Tessa"), ("last", "Vancce"), ("city", "London")],
    );
    assert_decision(&l, LinkDecision::Same);
    assert!(l.explain().contains("last name typo"), "{}", l.explain());
}

#[test]
fn a_nickname_is_the_same_person() {
    let l = link(
        TESSA_WORK,
        &[
            ("first", "Tess"),
            ("last", "Vance"),
            ("title", "Sales Manager"),
        ],
    );
    assert_decision(&l, LinkDecision::Same);
    assert!(
        l.explain().contains("first name nickname"),
        "{}",
        l.explain()
    );
}

#[test]
fn one_phone_written_three_ways_is_the_same_person() {
    let spellings = [
        ("+44 7700 900 123", "UK"),
        ("447700900123", "United Kingdom"),
        ("07700-900123", "GB"),
    ];
    for (p1, c1) in spellings {
        for (p2, c2) in spellings {
            let l = link(
                &[
                    ("first", "T."),
                    ("last", "Vance"),
                    ("phone", p1),
                    ("country", c1),
                ],
                &[
                    ("first", "Tessa"),
                    ("last", "Vance"),
                    ("phone", p2),
                    ("country", c2),
                ],
            );
            assert_decision(&l, LinkDecision::Same);
            assert!(l.explain().contains("phone same"), "{}", l.explain());
        }
    }
}

#[test]
fn a_changed_title_is_still_the_same_person() {
    let mut promoted = TESSA_WORK.to_vec();
    promoted[3] = ("title", "VP Sales EMEA");
    let l = link(TESSA_WORK, &promoted);
    assert_decision(&l, LinkDecision::Same);
    assert!(l.explain().contains("title different"), "{}", l.explain());
}

#[test]
fn accents_and_swapped_name_order_are_the_same_person() {
    let l = link(
        &[("first", "José"), ("last", "Núñez"), ("title", "CFO")],
        &[("first", "NUNEZ"), ("last", "Jose"), ("title", "CFO")],
    );
    assert_decision(&l, LinkDecision::Same);
    assert!(
        l.explain().contains("name order swapped"),
        "{}",
        l.explain()
    );
}

#[test]
fn namesakes_with_different_phones_and_titles_are_not_the_same_person() {
    let l = link(
        &[
            ("first", "Wei"),
            ("last", "Wang"),
            ("email", "wei.wang@acme.com"),
            ("title", "Software Engineer"),
            ("phone", "+86 138 0013 8000"),
        ],
        &[
            ("first", "Wei"),
            ("last", "Wang"),
            ("email", "w.wang2@acme.com"),
            ("title", "Finance Director"),
            ("phone", "+86 139 1234 5678"),
        ],
    );
    assert_ne!(l.decision, LinkDecision::Same, "{}", l.explain());
}

#[test]
fn namesakes_without_emails_are_not_the_same_person_either() {
    let l = link(
        &[
            ("first", "Wei"),
            ("last", "Wang"),
            ("title", "Software Engineer"),
            ("phone", "+1 415 555 0134"),
        ],
        &[
            ("first", "Wei"),
            ("last", "Wang"),
            ("title", "Finance Director"),
            ("phone", "+1 212 555 0199"),
        ],
    );
    assert_ne!(l.decision, LinkDecision::Same, "{}", l.explain());
}

#[test]
fn sharing_only_a_common_first_name_is_different_people() {
    let l = link(
        &[
            ("first", "Michael"),
            ("last", "Chen"),
            ("title", "Account Executive"),
            ("city", "Boston"),
        ],
        &[
            ("first", "Michael"),
            ("last", "Brooks"),
            ("title", "Account Executive"),
            ("city", "Boston"),
        ],
    );
    assert_decision(&l, LinkDecision::Different);
}

#[test]
fn bob_and_robert_with_one_phone_are_the_same_person() {
    let l = link(
        &[
            ("first", "Bob"),
            ("last", "Smith"),
            ("phone", "(415) 555-0134"),
            ("country", "USA"),
        ],
        &[
            ("first", "Robert"),
            ("last", "Smith"),
            ("phone", "+1 415 555 0134"),
        ],
    );
    assert_decision(&l, LinkDecision::Same);
}

/// Today one account's records with one canonical name and nothing else are one person, and
/// so they stay: an ordinary full name, even `John Smith`, is rare enough within one account
/// (u ~ 0.02 x 0.01) that it outweighs the 1-in-64 prior. Only the commonest name pairs of
/// their population (`Wei Wang`) fall short and go to review (next test).
#[test]
fn the_same_ordinary_name_with_nothing_else_is_the_same_person() {
    let l = link(
        &[("first", "John"), ("last", "Smith")],
        &[("first", "John"), ("last", "Smith")],
    );
    assert_decision(&l, LinkDecision::Same);
}

#[test]
fn the_commonest_name_with_nothing_else_goes_to_review() {
    let l = link(
        &[("first", "Wei"), ("last", "Wang")],
        &[("first", "Wei"), ("last", "Wang")],
    );
    assert_decision(&l, LinkDecision::Review);
}

#[test]
fn a_nameless_record_whose_handle_spells_the_name_goes_to_review() {
    let l = link(TESSA_WORK, &[("email", "tvance@outlook.com")]);
    assert_decision(&l, LinkDecision::Review);
    assert!(
        l.explain().contains("email spells the name"),
        "{}",
        l.explain()
    );
}

#[test]
fn another_mailbox_at_the_same_company_counts_against() {
    let l = link(
        &[
            ("first", "Sam"),
            ("last", "Lee"),
            ("email", "sam.lee@acme.com"),
        ],
        &[
            ("first", "Sam"),
            ("last", "Lee"),
            ("email", "slee7@acme.com"),
        ],
    );
    assert!(
        l.explain().contains("email other mailbox"),
        "{}",
        l.explain()
    );
}

#[test]
fn a_numbered_mailbox_at_the_same_company_is_a_namesake() {
    let l = link(
        &[
            ("first", "Chloe"),
            ("last", "Wilson"),
            ("email", "chloe.wilson@quuquimaex.com"),
        ],
        &[
            ("first", "Chloe"),
            ("last", "Wilson"),
            ("email", "chloe.wilson8@quuquimaex.com"),
        ],
    );
    assert_ne!(l.decision, LinkDecision::Same, "{}", l.explain());
}

#[test]
fn a_number_without_its_country_code_is_the_same_phone() {
    let l = link(
        &[("first", "Charles"), ("phone", "+16141357940")],
        &[("first", "Charles"), ("phone", "614-135-7940")],
    );
    assert!(l.explain().contains("phone same"), "{}", l.explain());
}

#[test]
fn a_state_written_as_its_code_is_the_same_state() {
    let l = link(
        &[("first", "Beatriz"), ("state", "MI")],
        &[("first", "Beatriz"), ("state", "Michigan")],
    );
    assert!(l.explain().contains("state same"), "{}", l.explain());
}

#[test]
fn a_hyphenated_given_name_is_one_name() {
    let l = link(
        &[
            ("first", "Seo-yeon"),
            ("last", "Howard"),
            ("email", "seoyeon_howard@quaistodai.io"),
        ],
        &[
            ("first", "Seo-yeon"),
            ("last", "Howard"),
            ("email", "seoyeon.n.howard@quaistodai.io"),
        ],
    );
    assert!(
        l.explain().contains("email other middle initial"),
        "{}",
        l.explain()
    );
}

#[test]
fn ted_is_a_theodore_as_well_as_an_edward() {
    for full in ["Theodore", "Edward"] {
        let l = link(
            &[("first", "Ted"), ("last", "Graham")],
            &[("first", full), ("last", "Graham")],
        );
        assert!(
            l.explain().contains("first name nickname"),
            "{}",
            l.explain()
        );
    }
}

#[test]
fn a_mailbox_with_a_middle_initial_at_the_same_company_is_a_namesake() {
    let l = link(
        &[
            ("first", "Donald"),
            ("last", "Tromena"),
            ("email", "d.tromena@blackwood-foods.com"),
        ],
        &[
            ("first", "Donald"),
            ("last", "Tromena"),
            ("email", "donald.a.tromena@blackwood-foods.com"),
        ],
    );
    assert!(l.tells_apart(), "{}", l.explain());
    assert_ne!(l.decision, LinkDecision::Same, "{}", l.explain());
}

#[test]
fn the_explanation_lists_each_field_with_its_weight() {
    let l = link(
        &[
            ("first", "Tess"),
            ("last", "Vancce"),
            ("phone", "+44 7911 123456"),
            ("title", "Sales Manager"),
        ],
        &[
            ("first", "Tessa"),
            ("last", "Vance"),
            ("phone", "07911 123456"),
            ("country", "UK"),
            ("title", "CRO"),
        ],
    );
    assert_eq!(
        l.explain(),
        "first name nickname (+4.0), last name typo (+5.3), phone same (+10.0), title different (-0.9)"
    );
}

proptest! {
    #[test]
    fn the_similarity_bound_never_rules_out_a_similar_pair(x in "[a-e]{1,8}", y in "[a-e ]{1,8}") {
        use rapidfuzz::distance::jaro_winkler::normalized_similarity;
        let exact = normalized_similarity(x.bytes(), y.bytes());
        prop_assert!(jaro_winkler_bound(x.as_bytes(), y.as_bytes()) >= exact - 1e-9);
    }
}

#[test]
fn names_one_typo_apart_are_similar_and_others_are_not() {
    assert!(similar("vance", "vancce"));
    assert!(similar("katherine", "katharine"));
    assert!(!similar("doe", "roe"));
    assert!(!similar("chen", "brooks"));
}

#[test]
fn every_weight_is_the_log_ratio_of_its_m_and_u() {
    for (label, l) in LEVELS {
        assert!((l.w - (l.m / l.u).log2()).abs() < 0.01, "{label}: {l:?}");
    }
    let penalty = (FIRST_EXACT_M / 0.08f64).log2();
    assert!((FIRST_NICKNAME_PENALTY - penalty).abs() < 0.05);
}

fn any_record() -> impl Strategy<Value = PersonRecord> {
    let field = || proptest::option::of("\\PC{0,40}");
    let phone = proptest::option::of("[+0-9() x.-]{0,24}");
    (
        field(),
        field(),
        field(),
        field(),
        phone,
        field(),
        field(),
        field(),
    )
        .prop_map(
            |(first_name, last_name, email, title, phone, city, state, country)| PersonRecord {
                first_name,
                last_name,
                email,
                title,
                phone,
                city,
                state,
                country,
                ..PersonRecord::default()
            },
        )
}

/// Small alphabets so names, handles and phones often agree in part.
fn near_record() -> impl Strategy<Value = PersonRecord> {
    let name = || proptest::option::of("[A-Za-z .éø]{0,8}");
    (
        name(),
        name(),
        proptest::option::of("[a-c.]{1,5}@(acme|gmail)\\.com"),
        proptest::option::of("(VP|Sr|Sales|Manager|CFO| ){0,3}"),
        proptest::option::of("(\\+44 |0)7700 90012[0-3]"),
        proptest::option::of("(London|Paris)"),
        proptest::option::of("(UK|GB|FR)"),
    )
        .prop_map(
            |(first_name, last_name, email, title, phone, city, country)| PersonRecord {
                first_name,
                last_name,
                email,
                title,
                phone,
                city,
                country,
                ..PersonRecord::default()
            },
        )
}

proptest! {
    #[test]
    fn features_never_panic_on_any_text(r in any_record()) {
        let _ = PersonFeatures::new(&r);
    }

    #[test]
    fn compare_is_symmetric_and_finite(a in any_record(), b in any_record()) {
        let (fa, fb) = (PersonFeatures::new(&a), PersonFeatures::new(&b));
        let (ab, ba) = (compare(&fa, &fb), compare(&fb, &fa));
        prop_assert!(ab.weight.is_finite());
        prop_assert_eq!(ab.weight.to_bits(), ba.weight.to_bits());
        prop_assert_eq!(ab.decision, ba.decision);
    }

    #[test]
    fn compare_is_symmetric_on_near_records(a in near_record(), b in near_record()) {
        let (fa, fb) = (PersonFeatures::new(&a), PersonFeatures::new(&b));
        let (ab, ba) = (compare(&fa, &fb), compare(&fb, &fa));
        prop_assert!(ab.weight.is_finite());
        prop_assert_eq!(ab.weight.to_bits(), ba.weight.to_bits(), "{} / {}", ab.explain(), ba.explain());
        prop_assert_eq!(ab.fields, ba.fields);
    }

    #[test]
    fn a_record_never_counts_against_itself(r in near_record()) {
        let f = PersonFeatures::new(&r);
        let l = compare(&f, &f);
        prop_assert!(l.weight >= 0.0, "{}", l.explain());
    }
}
