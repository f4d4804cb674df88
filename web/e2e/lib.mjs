// Shared by the browser tests: start the real abcrm binary on a fresh demo database, launch
// Debian's chromium through playwright-core, sign in, and take screenshots.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "..", "..");
export const DEMO_EMAIL = "dana.fischer@abcrm.example";
export const DEMO_PASSWORD = "demo-password";
/** Where the tests write a screenshot of each page at 1280 px (named in the README). */
export const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR || path.join(repoRoot, "target", "screenshots");

/** The server's environment: ours, less a database URL that would point it elsewhere. */
function serverEnv() {
  const env = { ...process.env, RUST_LOG: process.env.RUST_LOG || "warn" };
  delete env.ABCRM_DATABASE_URL;
  return env;
}

/** Starts `abcrm serve --demo` in a temporary folder; resolves when it listens. */
export async function startServer() {
  const bin = process.env.ABCRM_BIN || path.join(repoRoot, "target", "debug", "abcrm");
  const dir = mkdtempSync(path.join(tmpdir(), "abcrm-e2e-"));
  // ABCRM_DATABASE names an empty database to build the demo in (PostgreSQL, say).
  const database = process.env.ABCRM_DATABASE ? ["--database", process.env.ABCRM_DATABASE] : [];
  const child = spawn(bin, [...database, "serve", "--demo", "--bind", "127.0.0.1:0"], {
    cwd: dir,
    env: serverEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`abcrm did not start in 300 s:\n${log}`)), 300_000);
    const onData = (chunk) => {
      log += chunk.toString();
      const base = log.match(/listening on (http:\/\/[0-9.:]+)/);
      const token = log.match(/Demo API token \(admin\): (\S+)/);
      if (base && token) {
        clearTimeout(timer);
        resolve({ base: base[1], token: token[1] });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`abcrm exited with ${code} before listening:\n${log}`));
    });
  });
  const { base, token } = await ready;
  return {
    base,
    token,
    log: () => log,
    async stop() {
      child.kill("SIGINT");
      await new Promise((r) => (child.exitCode !== null ? r() : child.on("exit", r)));
      rmSync(dir, { recursive: true, force: true });
    },
    /** GET an API path with the demo token; the parsed JSON. */
    async api(p) {
      const res = await fetch(base + p, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${await res.text()}`);
      return res.json();
    },
  };
}

/** Debian's chromium, headless, with no network beyond localhost. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

/** A new page at 1280 × 860, signed in as the demo admin. */
export async function signedInPage(browser, base) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  await page.goto(base + "/");
  await page.waitForURL(/\/login/);
  await page.getByLabel("Email").fill(DEMO_EMAIL);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(base + "/");
  return page;
}

/** Saves a screenshot of the page as it is now. */
export async function screenshot(page, name, options = {}) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), ...options });
}
