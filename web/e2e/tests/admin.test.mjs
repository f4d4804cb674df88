// A RevOps admin's day in the web UI, on the demo in headless chromium: invite a person, change a
// role, revoke a token, edit the scoring model (a mistake first). A screenshot at each step goes
// to target/screenshots/admin-*.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launchBrowser, signedInPage, screenshot } from "../lib.mjs";

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

async function submit(locator) {
  await Promise.all([page.waitForLoadState("load"), locator.click()]);
}

test("an admin invites a person, changes a role, revokes a token and edits the model", async () => {
  await page.getByRole("link", { name: "Admin" }).click();
  await page.locator("#users-table").waitFor();

  // 1. Invite a person: a link is shown once; following it, they choose a password and are in.
  await page.locator("#new-email").fill("sam.rivera@abcrm.example");
  await page.locator("#new-name").fill("Sam Rivera");
  await page.locator("#new-role").selectOption("sales");
  await submit(page.locator("#add-user-submit"));
  const link = await page.locator("#invite-link-url").innerText();
  assert.match(link, /\/invite\/[A-Za-z0-9]+$/, "an invitation link is shown");
  await screenshot(page, "admin-1-person-invited");
  const context = await browser.newContext();
  const sam = await context.newPage();
  await sam.goto(link);
  assert.match(await sam.locator("h1").innerText(), /Welcome, Sam Rivera/);
  await sam.locator("#password").fill("sam's own long password");
  await sam.locator("#again").fill("sam's own long password");
  await screenshot(sam, "admin-1b-invite-accepted");
  await Promise.all([sam.waitForURL(server.base + "/"), sam.locator("#invite-submit").click()]);
  await sam.goto(link);
  await sam.locator("#invite-gone").waitFor();
  await context.close();

  // 2. Make Sam marketing.
  const row = page.locator("#users-table tr").filter({ hasText: "sam.rivera@abcrm.example" });
  await row.locator("select[name=role]").selectOption("marketing");
  await submit(row.getByRole("button", { name: "Set" }));
  assert.match(await page.locator("#admin-notice").innerText(), /Sam Rivera is now marketing/);
  await screenshot(page, "admin-2-role-changed");

  // 3. Make a token for Sam, then revoke it: it stops working.
  await page.getByRole("link", { name: "API tokens →" }).click();
  await page.locator("#token-name").fill("zapier");
  const samOption = page.locator("#token-user option").filter({ hasText: "sam.rivera@abcrm.example" });
  await page.locator("#token-user").selectOption(await samOption.getAttribute("value"));
  await submit(page.locator("#add-token-submit"));
  const secret = await page.locator("#new-token-secret").innerText();
  const call = () => fetch(server.base + "/api/v1/accounts?limit=1", { headers: { authorization: `Bearer ${secret}` } });
  assert.equal((await call()).status, 200);
  const tokenRow = page.locator("#tokens-table tr").filter({ hasText: "zapier" });
  await submit(tokenRow.getByRole("button", { name: "Revoke" }));
  assert.match(await page.locator("#admin-notice").innerText(), /revoked/);
  assert.equal((await call()).status, 401, "a revoked token opens nothing");
  await screenshot(page, "admin-3-token-revoked");

  // 4. Edit the model: a typo is shown on its line, then a good save makes version 1.
  await page.goto(server.base + "/admin/model");
  const body = await page.locator("#model-body").inputValue();
  await page.locator("#model-body").fill(body.replace("account.employees", "account.employes"));
  await submit(page.locator("#model-save"));
  await page.locator("#model-error").waitFor();
  assert.match(await page.locator("#model-error").innerText(), /line \d+/);
  await screenshot(page, "admin-4-model-mistake");
  // A lower qualified threshold, previewed first: which accounts would move, nothing saved.
  const eager = body.replace(/^qualified_at = 60$/m, "qualified_at = 15");
  assert.notEqual(eager, body, "the shipped model has the threshold");
  await page.locator("#model-body").fill(eager);
  await submit(page.locator("#model-preview"));
  await page.locator("#model-preview-result").waitFor();
  assert.match(await page.locator("#model-preview-result").innerText(), /would score [\d,]+ accounts and move/);
  assert.ok(await page.locator("#preview-shifts tbody tr").count() >= 1, "some stage would move");
  assert.equal((await server.api("/api/v1/scoring/model")).version, 0, "nothing saved by a preview");
  await screenshot(page, "admin-5-model-preview", { fullPage: true });
  await page.locator("#model-body").fill(body.replace("account.employes", "account.employees"));
  await submit(page.locator("#model-save"));
  assert.match(await page.locator("#model-notice").innerText(), /version 1/);
  const model = await server.api("/api/v1/scoring/model");
  assert.equal(model.version, 1);
  await screenshot(page, "admin-6-model-saved");
});
