//! `abcrm import` reads the files people have: UTF-16 and Windows-1252 exports as the web import
//! does, and says what is wrong with a file it cannot use (an unclosed quote, a header of
//! megabytes, a .vcf with no vCard in it) instead of importing nothing or everything wrongly.

use std::process::{Command, Output};

fn abcrm(database: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_abcrm"))
        .arg("--database")
        .arg(database)
        .args(args)
        .env_remove("ABCRM_DATABASE_URL")
        .output()
        .expect("the abcrm binary runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn imported(bytes: &[u8], name: &str) -> (Output, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, bytes).unwrap();
    let db = format!("sqlite://{}", dir.path().join("abcrm.db").display());
    let out = abcrm(&db, &["import", file.to_str().unwrap()]);
    (out, db, dir)
}

#[test]
fn utf16_and_windows_1252_exports_import_with_their_accents() {
    let csv = "first_name,last_name,email,company\nJürgen,Müller,jm@bosch.de,Bosch GmbH\n";
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(csv.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let (windows_1252, _, _) = encoding_rs::WINDOWS_1252.encode(csv);
    for (name, bytes) in [
        ("utf16.csv", utf16),
        ("excel.csv", windows_1252.into_owned()),
    ] {
        let (out, db, _dir) = imported(&bytes, name);
        assert!(out.status.success(), "{name}: {}", text(&out));
        let listed = abcrm(&db, &["contacts", "list", "--search", "Müller"]);
        assert!(
            text(&listed).contains("Jürgen"),
            "{name}: {}",
            text(&listed)
        );
    }
}

#[test]
fn an_unclosed_quote_is_named_with_the_lines_it_swallowed() {
    let csv = "first_name,last_name,email,company\n\
               Ann,Doe,ann@initech.io,\"Initech\n\
               Bob,Doe,bob@globex.io,Globex\n\
               Cy,Doe,cy@umbrella.io,Umbrella\n";
    let (out, _, _dir) = imported(csv.as_bytes(), "people.csv");
    let said = text(&out);
    assert!(said.contains("quote opened here is not closed"), "{said}");
    assert!(said.contains("line 2"), "{said}");
}

#[test]
fn a_header_of_megabytes_is_not_echoed_whole() {
    let csv = format!("{}\nx\n", "nobody,".repeat(200_000));
    let (out, _, _dir) = imported(csv.as_bytes(), "wide.csv");
    assert!(!out.status.success());
    let said = text(&out);
    assert!(
        said.contains("no column names a person"),
        "{}",
        &said[..said.len().min(500)]
    );
    assert!(said.len() < 2_000, "{} bytes said", said.len());
}

#[test]
fn a_vcf_without_a_vcard_is_refused_naming_what_a_vcard_looks_like() {
    let (out, _, _dir) = imported(b"this is not a card\nat all\n", "cards.vcf");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("BEGIN:VCARD"), "{}", text(&out));
}
