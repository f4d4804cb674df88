//! The web UI end to end: runs the Playwright tests in web/e2e (node's test runner driving
//! Debian's headless chromium through playwright-core) against this very binary on a fresh
//! demo database. They write a screenshot of each page at 1280 px to target/screenshots.
//!
//! Needs node, `npm ci` in web/e2e, and /usr/bin/chromium (`.ci/run` installs them), so a plain
//! `cargo test` lists it as ignored rather than passing it untried; run it with
//! `cargo test --workspace --test web_e2e -- --include-ignored`. Once asked for, a missing tool fails
//! it, naming what to install.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What is missing to run the browser tests, if anything.
fn missing_tools(e2e: &Path) -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is not installed (apt-get install nodejs npm)".into());
    }
    if !e2e.join("node_modules/playwright-core").is_dir() {
        return Some("playwright-core is not installed: run `npm ci` in web/e2e".into());
    }
    if !Path::new(&chromium).exists() {
        return Some(format!("{chromium} is missing (apt-get install chromium)"));
    }
    None
}

#[test]
#[ignore = "needs chromium, node and `npm ci` in web/e2e: run with --include-ignored"]
fn the_web_ui_works_in_a_real_browser() {
    let root = repo_root();
    let e2e = root.join("web/e2e");
    if let Some(missing) = missing_tools(&e2e) {
        panic!("the browser tests cannot run: {missing}");
    }
    let out = Command::new("node")
        .args(["--test", "--test-concurrency=1", "tests/"])
        .current_dir(&e2e)
        .env("ABCRM_BIN", env!("CARGO_BIN_EXE_abcrm"))
        .env("SCREENSHOT_DIR", root.join("target/screenshots"))
        .output()
        .expect("node runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{report}");
    assert!(out.status.success(), "the browser tests failed:\n{report}");
}
