// A marketing ops person's day in the web UI, on the demo in headless chromium: build a segment
// with filter chips, download it as CSV, and add everyone in it to a campaign. A screenshot at
// each step goes to target/screenshots/marketing-*.png.
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

async function addChip(field, op, value) {
  await page.locator("#chip-field").selectOption(field);
  await page.locator("#chip-op").selectOption(op);
  await page.locator("#chip-value").fill(value);
  await Promise.all([page.waitForLoadState("load"), page.locator("#chip-add").click()]);
}

test("marketing builds a segment with chips, exports it and adds it to a campaign", async () => {
  // 1. Two chips make the filter; its text shows in the box.
  await page.goto(server.base + "/contacts");
  await addChip("contact.seniority", ">=", "director");
  await addChip("account.industry", "=", "Software");
  const filter = await page.locator("#filter").inputValue();
  assert.equal(filter, '(contact.seniority >= "director") and account.industry = "Software"');
  const count = await page.locator("#result-count").innerText();
  const total = Number((count.match(/of ([\d,]+) contact/) ?? [null, "0"])[1].replace(/,/g, ""));
  assert.ok(total > 0, `the demo has senior people in software: ${count}`);
  const api = await server.api(`/api/v1/contacts?filter=${encodeURIComponent(filter)}&limit=1000`);
  await screenshot(page, "marketing-1-chips");

  // 2. Download it as CSV: one row per person the list shows (people who left are left out).
  const query = await page.locator("#contacts-csv").evaluate((f) => new URLSearchParams(new FormData(f)).toString());
  const csv = await (await page.request.get(`${server.base}/contacts.csv?${query}`)).text();
  const rows = csv.trim().split("\n").length - 1;
  assert.equal(rows, total, "the CSV has every person the filter selects");
  assert.ok(api.items.length >= total, "the API's list (everyone) has at least as many");

  // 3. Add everyone the filter selects to a campaign, as registered.
  const campaigns = await server.api("/api/v1/campaigns");
  const campaign = campaigns.items[0];
  const before = (await server.api(`/api/v1/campaigns/${campaign.id}/members?limit=1000`)).items;
  await page.locator("#bulk-campaign").selectOption(String(campaign.id));
  await page.locator("#bulk-status").selectOption("registered");
  await screenshot(page, "marketing-2-bulk");
  await Promise.all([page.waitForLoadState("load"), page.locator("#bulk-all").click()]);
  assert.match(await page.locator("#contacts-notice").innerText(), new RegExp(`Added ${total} (person|people) to `));
  const after = (await server.api(`/api/v1/campaigns/${campaign.id}/members?limit=1000`)).items;
  const added = new Set(after.map((m) => m.contact_id));
  assert.ok(after.length >= before.length, "nobody was taken out");
  assert.ok(added.size >= total, `${added.size} members for ${total} people`);
  await screenshot(page, "marketing-3-added");
});
