// The web UI end to end: the real binary on the demo data, in headless chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launchBrowser, signedInPage, screenshot, DEMO_EMAIL } from "../lib.mjs";

let server, browser, page;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await signedInPage(browser, server.base);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("sign-in shows the dashboard and a wrong password shows the error beside the field", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const fresh = await context.newPage();
  await fresh.goto(server.base + "/accounts");
  await fresh.waitForURL(/\/login\?next=%2Faccounts/);
  await screenshot(fresh, "login");
  await fresh.getByLabel("Email").fill(DEMO_EMAIL);
  await fresh.getByLabel("Password").fill("not the password");
  await fresh.getByRole("button", { name: "Sign in" }).click();
  await fresh.locator("#password-error").waitFor();
  assert.match(await fresh.locator("#password-error").innerText(), /email or password is not right/);
  await context.close();
  assert.equal(await page.locator("h1").innerText(), "Dashboard");
});

test("the dashboard's figures equal the report API's", async () => {
  await page.goto(server.base + "/?period=month");
  await screenshot(page, "dashboard", { fullPage: true });
  const from = await page.locator("#sales-cycles code").innerText();
  const query = from.slice(from.indexOf("?"));
  const cycles = await server.api("/api/v1/reports/sales-cycles" + query);
  const rows = cycles.rows;
  assert.ok(rows.length >= 2, "two periods in the report");
  assert.equal(Number(await page.locator("#cycles-this").getAttribute("data-value")), rows.at(-1).started);
  assert.equal(Number(await page.locator("#cycles-last").getAttribute("data-value")), rows.at(-2).started);

  const funnel = await server.api("/api/v1/reports/funnel");
  for (const stage of funnel.stages) {
    const row = page.locator(`#funnel-table tr[data-stage="${stage.stage}"]`);
    assert.equal(Number(await row.getAttribute("data-reached")), stage.reached, `funnel ${stage.stage}`);
  }
  const pipeline = await server.api("/api/v1/reports/pipeline?period=month");
  assert.equal(Number(await page.locator("#pipeline-total").getAttribute("data-count")), pipeline.opportunities);
  for (const stage of pipeline.by_stage) {
    const row = page.locator(`#pipeline-table tr[data-stage="${stage.stage}"]`);
    assert.equal(Number(await row.getAttribute("data-count")), stage.opportunities, `pipeline ${stage.stage}`);
    assert.equal(Number(await row.getAttribute("data-amount")), stage.amount, `pipeline amount ${stage.stage}`);
  }
});
