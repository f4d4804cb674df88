//! `abcrm synth-export` against the committed samples: the same seed writes the same bytes, and
//! every Salesforce id carries a valid case checksum.

use abcrm_core::migration::synth::sf_id_18;
use std::path::{Path, PathBuf};
use std::process::Command;

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(name)
}

/// Runs `abcrm synth-export` with the arguments the sample in `sample` was made with.
fn generate(sample: &str, out: &Path) {
    let args: Vec<String> = std::fs::read_to_string(testdata(sample).join("COMMAND"))
        .expect("the sample's command")
        .split_whitespace()
        .skip(1)
        .map(str::to_string)
        .collect();
    let out_at = args
        .iter()
        .position(|a| a == "--out")
        .expect("an --out argument");
    let mut args = args;
    args[out_at + 1] = out.display().to_string();
    let status = Command::new(env!("CARGO_BIN_EXE_abcrm"))
        .args(&args)
        .output()
        .expect("the abcrm binary runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("a folder")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    out.sort();
    out
}

#[test]
fn the_committed_samples_are_what_their_seed_generates() {
    for sample in ["salesforce-small", "hubspot-small"] {
        let dir = tempfile::tempdir().expect("temp dir");
        generate(sample, dir.path());
        let committed = files(&testdata(sample));
        assert!(committed.len() >= 4, "{sample}: {committed:?}");
        for file in committed {
            let fresh = dir.path().join(file.file_name().expect("a name"));
            assert!(
                std::fs::read(&file).expect("committed") == std::fs::read(&fresh).expect("fresh"),
                "{} differs from what its seed generates now: regenerate the sample with the command in testdata/{sample}/COMMAND",
                file.display()
            );
        }
    }
}

#[test]
fn every_salesforce_id_has_a_valid_checksum() {
    let mut checked = 0;
    for file in files(&testdata("salesforce-small")) {
        if file.ends_with("truth.csv") {
            continue;
        }
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(&file)
            .expect("readable");
        let header = reader.headers().expect("a header").clone();
        for row in reader.records() {
            let row = row.expect("a row");
            for (name, value) in header.iter().zip(row.iter()) {
                if !(name == "Id" || name.ends_with("Id")) || value.is_empty() {
                    continue;
                }
                match value.len() {
                    18 => assert_eq!(sf_id_18(&value[..15]), value, "{}", file.display()),
                    15 => {}
                    _ => panic!("{}: {name} {value:?} is no Salesforce id", file.display()),
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "only {checked} ids checked");
}

#[test]
fn excel_files_have_a_bom_crlf_and_quotes() {
    let contacts =
        std::fs::read(testdata("hubspot-small").join("contacts.csv")).expect("contacts.csv");
    assert!(contacts.starts_with(b"\xEF\xBB\xBF\"Record ID\",\"First Name\""));
    assert!(contacts.windows(3).any(|w| w == b"\"\r\n"));
}
