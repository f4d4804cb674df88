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
  // The comparison: the last period up to the same day as today is of this one.
  const toDate = page.locator("#cycles-last-to-date");
  const [tdFrom, tdTo] = [await toDate.getAttribute("data-from"), await toDate.getAttribute("data-to")];
  const partial = await server.api(`/api/v1/reports/sales-cycles?period=month&from=${tdFrom}&to=${tdTo}`);
  assert.equal(Number(await toDate.getAttribute("data-value")), partial.total_started);

  // The dashboard counts each family once.
  const funnel = await server.api("/api/v1/reports/funnel?family=true");
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

const SEED_SEGMENT = "CA software managers and directors, not customers";

test("the seed segment is found from the contact list and equals the segment API's count", async () => {
  await page.goto(server.base + "/contacts");
  const segments = await server.api("/api/v1/segments");
  const seed = segments.items.find((s) => s.name === SEED_SEGMENT);
  assert.ok(seed, "the demo saves the seed segment");
  const { count } = await server.api(`/api/v1/segments/${seed.id}/count`);
  await chooseSavedView(page, SEED_SEGMENT);
  await page.locator("#contacts-table").waitFor();
  assert.equal(await page.locator("#filter").inputValue(), seed.expression);
  assert.match(await page.locator("#result-count").innerText(), new RegExp(`\\b${count}\\b`));
  await screenshot(page, "contacts");
  // The same filter typed in with a mistake shows the error at its position, beside the box.
  await page.locator("#filter").fill('contact.senority = "manager"');
  await page.locator("#filter").press("Enter").catch(() => {});
  await submitFilter(page);
  await page.locator("#filter-error").waitFor();
  assert.match(await page.locator("#filter-error").innerText(), /seniority/);
});

/** Picks a saved view by name, whether the page offers them as a select or as links. */
async function chooseSavedView(page, name) {
  const select = page.locator("select#saved-view");
  if (await select.count()) {
    await Promise.all([page.waitForLoadState("load"), select.selectOption({ label: name })]);
    if (!(await page.locator("#result-count").count())) await select.evaluate((s) => s.form.requestSubmit());
    await page.waitForLoadState("load");
  } else {
    await page.getByRole("link", { name }).first().click();
    await page.waitForLoadState("load");
  }
}

async function submitFilter(page) {
  const form = page.locator("#filter").locator("xpath=ancestor::form[1]");
  await Promise.all([page.waitForLoadState("load"), form.evaluate((f) => f.requestSubmit())]);
}

test("an account 360 from the seed segment shows its buying center", async () => {
  const segments = await server.api("/api/v1/segments");
  const seed = segments.items.find((s) => s.name === SEED_SEGMENT);
  await page.goto(server.base + "/accounts?filter=" + encodeURIComponent(seed.expression));
  await page.locator("#accounts-table").waitFor();
  await screenshot(page, "accounts");
  const first = page.locator("#accounts-table [data-account-id]").first();
  const id = await first.getAttribute("data-account-id");
  await first.locator(`a[href="/accounts/${id}"]`).first().click();
  await page.waitForURL(`${server.base}/accounts/${id}`);
  const grid = page.locator("#buying-center");
  await grid.waitFor();
  const view = await server.api(`/api/v1/accounts/${id}/360`);
  // People who left the company are not part of the buying center any more.
  const present = (list) => (list || []).filter((c) => c.status !== "left_company");
  const people = present(Object.values(view.buying_center).flat());
  assert.ok(people.length > 0, "the account has contacts");
  for (const c of people) {
    const role = c.buying_role || "unassigned";
    const cell = grid.locator(`tr[data-role="${role}"] a[data-contact-id="${c.id}"]`);
    assert.equal(await cell.count(), 1, `contact ${c.id} is in the ${role} row of the grid`);
  }
  const hasEconomicBuyer = present(view.buying_center.economic_buyer).length > 0;
  assert.equal(await page.locator('[data-gap="no-economic-buyer"]').count() > 0, !hasEconomicBuyer);
  // The best-scored account (from the dashboard) has a family, opportunities and activity:
  // its 360 is the one pictured. Its hierarchy links to the other accounts of the family.
  await page.goto(server.base + "/");
  await page.locator("#top-accounts tbody a").first().click();
  await page.locator("#buying-center").waitFor();
  const family = page.locator("#hierarchy a");
  assert.ok((await family.count()) > 0, "the top account's family is linked");
  await screenshot(page, "account-360", { fullPage: false });
  await screenshot(page, "account-360-full", { fullPage: true });
  const other = await family.first().getAttribute("href");
  await family.first().click();
  await page.waitForURL(server.base + other);
  await page.locator("#buying-center").waitFor();
});

test("a parent's 360 shows its family's members with their people, roles and products", async () => {
  const accounts = (await server.api("/api/v1/accounts?limit=1000")).items;
  const childrenOf = (id) => accounts.filter((a) => a.parent_id === id);
  const below = (id) => childrenOf(id).flatMap((c) => [c, ...below(c.id)]);
  const parent = accounts.find((a) => a.parent_id === null && below(a.id).length >= 2);
  assert.ok(parent, "the demo has a parent with two subsidiaries or more");
  await page.goto(`${server.base}/accounts/${parent.id}`);
  const members = page.locator("#family-members tbody tr");
  await members.first().waitFor();
  assert.equal(await members.count(), below(parent.id).length, "a row per subsidiary, at any depth");
  for (const m of below(parent.id)) {
    assert.equal(await page.locator(`#family-members a[href="/accounts/${m.id}"]`).count(), 1, `${m.name} is listed`);
  }
  assert.ok((await page.locator("#family-coverage").textContent()).includes("family"));
  await page.locator("#family").scrollIntoViewIfNeeded();
  await screenshot(page, "account-family", { fullPage: false });
});

test("two contacts are merged side by side, choosing the surviving values", async () => {
  const account = (await server.api("/api/v1/accounts?limit=20")).items[3];
  const people = (await server.api(`/api/v1/contacts?account_id=${account.id}&limit=5`)).items;
  assert.ok(people.length >= 2, "an account with two contacts");
  const [keep, gone] = people;
  await page.goto(`${server.base}/contacts/${keep.id}`);
  await page.locator("#timeline").waitFor();
  await screenshot(page, "contact", { fullPage: true });
  await page.locator("#merge-link").click();
  await page.locator("#merge-search").fill(gone.email);
  await Promise.all([page.waitForLoadState("load"), page.locator("#merge-search").press("Enter")]);
  await page.locator(`#merge-candidates li[data-contact-id="${gone.id}"] a`).click();
  await page.locator("#merge-form").waitFor();
  await screenshot(page, "contact-merge", { fullPage: true });
  // Keep the other contact's title, where the two differ.
  const title = page.locator(`#merge-fields tr[data-field="title"] input[value="${gone.id}"]`);
  if (gone.title && gone.title !== keep.title) await title.check();
  await Promise.all([page.waitForLoadState("load"), page.locator("#merge-submit").click()]);
  await page.locator(".notice").waitFor();
  const merged = await server.api(`/api/v1/contacts/${keep.id}`);
  if (gone.title && gone.title !== keep.title) assert.equal(merged.title, gone.title);
  const res = await fetch(`${server.base}/api/v1/contacts/${gone.id}`, { headers: { authorization: `Bearer ${server.token}` } });
  assert.equal(res.status, 404, "the merged-away contact is gone");
});

test("two accounts are merged field by field from the 360, and the merge is undone", async () => {
  // Two top-level accounts: neither can be above the other, so the merge is allowed.
  const roots = (await server.api("/api/v1/accounts?limit=60")).items.filter((a) => a.parent_id === null);
  assert.ok(roots.length >= 12, "the demo has top-level accounts");
  const [keep, gone] = [roots[10], roots[11]];
  const people = async (id) => (await server.api(`/api/v1/contacts?account_id=${id}&limit=1000`)).items.length;
  const [keepPeople, gonePeople] = [await people(keep.id), await people(gone.id)];
  await page.goto(`${server.base}/accounts/${keep.id}`);
  await page.locator("#buying-center").waitFor();
  await page.locator("#account-merge-link").click();
  await page.locator("#account-merge-search").fill(gone.name);
  await Promise.all([page.waitForLoadState("load"), page.locator("#account-merge-search").press("Enter")]);
  await page.locator(`#account-merge-candidates li[data-account-id="${gone.id}"] a`).click();
  await page.locator("#account-merge-form").waitFor();
  await screenshot(page, "account-merge", { fullPage: true });
  // Take the other account's industry, where the two differ.
  const industry = page.locator(`#account-merge-fields tr[data-field="industry"] input[value="${gone.id}"]`);
  const takeIndustry = gone.industry && gone.industry !== keep.industry;
  if (takeIndustry) await industry.check();
  await Promise.all([page.waitForLoadState("load"), page.locator("#account-merge-submit").click()]);
  await page.locator("#account-notice").waitFor();
  assert.match(await page.locator("#account-notice").innerText(), /Merged .* into /);
  const merged = await server.api(`/api/v1/accounts/${keep.id}`);
  if (takeIndustry) assert.equal(merged.industry, gone.industry);
  for (const d of gone.domains) assert.ok(merged.domains.includes(d), `the survivor has ${d}`);
  assert.equal(await people(keep.id), keepPeople + gonePeople, "the people moved to the survivor");
  const res = await fetch(`${server.base}/api/v1/accounts/${gone.id}`, { headers: { authorization: `Bearer ${server.token}` } });
  assert.equal(res.status, 404, "the merged-away account is gone");
  await screenshot(page, "account-merged", { fullPage: false });
  await Promise.all([page.waitForLoadState("load"), page.locator("#undo-account-merge").click()]);
  await page.locator("#account-notice").waitFor();
  assert.match(await page.locator("#account-notice").innerText(), /Undid the merge/);
  const back = await server.api(`/api/v1/accounts/${gone.id}`);
  assert.deepEqual(back.domains, gone.domains);
  assert.equal(back.industry, gone.industry);
  assert.equal(await people(gone.id), gonePeople, "the people went back");
  assert.equal((await server.api(`/api/v1/accounts/${keep.id}`)).industry, keep.industry);
});

test("a review-queue item is resolved by accepting a ranked candidate", async () => {
  await page.goto(server.base + "/review");
  const row = page.locator("#review-table [data-record-id]").first();
  await row.waitFor();
  const id = await row.getAttribute("data-record-id");
  await screenshot(page, "review-queue");
  await row.locator("a").first().click();
  await page.waitForURL(new RegExp(`/review/${id}$`));
  const candidate = page.locator("#candidates [data-account-id]").first();
  const accountId = await candidate.getAttribute("data-account-id");
  await screenshot(page, "review-item", { fullPage: true });
  await candidate.locator("button.accept").click();
  await page.locator(".notice").waitFor();
  const record = await server.api(`/api/v1/intake/${id}`);
  assert.equal(String(record.account_id), accountId, "the record was placed at the chosen account");
  assert.notEqual(record.outcome, "needs_review");
});

test("a small CSV is imported through mapping, preview and run", async () => {
  const before = await server.api("/api/v1/contacts?limit=1&search=e2e-import.example");
  assert.equal(before.items.length, 0);
  await page.goto(server.base + "/import");
  await screenshot(page, "import");
  const csv = [
    "First Name,Last Name,Email Address,Company / Account,Job Title,Mailing State",
    "Ada,Lovelace,ada@e2e-import.example,E2E Import Works,VP Engineering,CA",
    "Grace,Hopper,grace@e2e-import.example,E2E Import Works,Director of IT,CA",
    " Alan , Turing ,ALAN@E2E-IMPORT.EXAMPLE,E2E Import Works,Engineer,CA",
    "Nobody,Known,,Someone Else Entirely,,",
  ].join("\r\n");
  await page.locator("#import-file").setInputFiles({ name: "people.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await Promise.all([page.waitForURL(/\/import\/.+/), page.locator("#import-file").evaluate((i) => i.form.requestSubmit())]);
  await page.locator("#mapping-form").waitFor();
  assert.equal(await page.locator('select[name="map_2"]').inputValue(), "email");
  await screenshot(page, "import-mapping", { fullPage: true });
  await Promise.all([page.waitForLoadState("load"), page.locator("#mapping-form").evaluate((f) => f.requestSubmit())]);
  await page.locator("#import-preview").waitFor();
  await page.locator("#import-run").click();
  await page.locator("#import-summary").waitFor({ timeout: 60_000 });
  await screenshot(page, "import-summary", { fullPage: true });
  const after = await server.api("/api/v1/contacts?limit=10&search=e2e-import.example");
  assert.equal(after.items.length, 3, "three people imported");
  const count = async (what) => parseInt(await page.locator(`#import-summary dd[data-count="${what}"]`).innerText(), 10);
  assert.equal(await count("created"), 3);
  assert.equal(await count("new_accounts"), 1);
  // The row with no email and an unknown company is not dropped: a person places it.
  assert.equal(await count("needs_review"), 1);
  assert.equal(new Set(after.items.map((c) => c.account_id)).size, 1, "under one new account");
});

test("an opportunity moves to another stage on the board", async () => {
  await page.goto(server.base + "/opportunities");
  await page.locator("#board").waitFor();
  await screenshot(page, "opportunities", { fullPage: false });
  const card = page.locator('#board [data-stage="prospecting"] [data-opportunity-id]').first();
  const id = await card.getAttribute("data-opportunity-id");
  await Promise.all([page.waitForLoadState("load"), card.locator("select.stage-select").selectOption("qualification")]);
  await page.locator(`#board [data-stage="qualification"] [data-opportunity-id="${id}"]`).waitFor();
  const opp = await server.api(`/api/v1/opportunities/${id}`);
  assert.equal(opp.stage, "qualification");

  // Dragged to the proposal column, it moves there without a reload and the totals follow.
  const proposal = page.locator('#board .column[data-stage="proposal"]');
  const before = Number((await proposal.locator(".col-count").innerText()).match(/\d+/)[0]);
  const dragged = page.locator(`#board [data-opportunity-id="${id}"]`);
  await dragged.dragTo(proposal);
  await proposal.locator(`[data-opportunity-id="${id}"]`).waitFor();
  assert.equal(Number((await proposal.locator(".col-count").innerText()).match(/\d+/)[0]), before + 1);
  for (let i = 0; i < 50 && (await server.api(`/api/v1/opportunities/${id}`)).stage !== "proposal"; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal((await server.api(`/api/v1/opportunities/${id}`)).stage, "proposal");
});

test("each report page draws its chart and table, agrees with the report API and downloads as CSV", async () => {
  const reports = [
    ["coverage", "/api/v1/reports/coverage?limit=100", (r) => r.rows.length],
    ["influence", "/api/v1/reports/campaign-influence", (r) => r.campaigns.length],
    ["sales-cycles", "/api/v1/reports/sales-cycles?by=owner", (r) => r.rows.length],
    ["cost-per-cycle", "/api/v1/reports/cost-per-cycle", (r) => r.campaigns.length],
    ["nurture", "/api/v1/reports/nurture", (r) => r.cohorts.length],
  ];
  await page.goto(server.base + "/reports");
  await screenshot(page, "reports");
  for (const [name, api, rowsOf] of reports) {
    await page.goto(`${server.base}/reports/${name}`);
    await page.locator("#report-chart rect.bar").first().waitFor({ state: "attached" });
    await screenshot(page, `report-${name}`, { fullPage: true });
    const expected = rowsOf(await server.api(api));
    assert.ok(expected > 0, `${name}: the demo has rows`);
    assert.equal(await page.locator("#report-table tbody tr").count(), expected, `${name}: a table row per report row`);
    const href = await page.locator("#csv-download").getAttribute("href");
    const res = await page.request.get(server.base + href);
    assert.equal(res.status(), 200, `${name} CSV`);
    assert.equal(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert.match(res.headers()["content-disposition"], /^attachment; filename=".+\.csv"$/);
    const lines = (await res.text()).trim().split("\n");
    assert.ok(lines.length >= expected + 1, `${name} CSV: a header and every row`);
  }
  // Grouped by campaign, the form keeps the choice.
  await page.goto(server.base + "/reports/sales-cycles");
  await page.locator("#f-by").selectOption("campaign");
  await page.getByRole("button", { name: "Show" }).click();
  await page.waitForURL(/by=campaign/);
  assert.equal(await page.locator("#f-by").inputValue(), "campaign");
  await screenshot(page, "report-sales-cycles-by-campaign", { fullPage: true });
});

test("the account list downloads the rows on screen as CSV under Salesforce names", async () => {
  await page.goto(server.base + "/accounts?sort=employees&dir=desc");
  const first = (await page.locator("#accounts-table tbody tr").first().locator("a").first().innerText()).trim();
  await page.locator("#accounts-columns").selectOption("salesforce");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.locator("#accounts-csv").getByRole("button", { name: "Download CSV" }).click(),
  ]);
  assert.equal(download.suggestedFilename(), "accounts.csv");
  const text = await (await import("node:fs/promises")).readFile(await download.path(), "utf8");
  const [header, row] = text.split("\n");
  assert.match(header, /^Id,Name,Website,/);
  assert.ok(row.includes(first.includes(",") ? `"${first}"` : first), `the first row is ${first}: ${row}`);
});

test("pages fit a phone's width and the skip link comes first for keyboard users", async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const phone = await context.newPage();
  for (const cookie of await page.context().cookies()) await context.addCookies([cookie]);
  for (const path of ["/", "/accounts", "/contacts", "/opportunities", "/review", "/import", "/reports",
    "/reports/coverage", "/reports/influence", "/reports/sales-cycles", "/reports/cost-per-cycle", "/reports/nurture"]) {
    await phone.goto(server.base + path);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${path} is ${overflow}px wider than the phone`);
  }
  await phone.goto(server.base + "/");
  await screenshot(phone, "dashboard-phone", { fullPage: false });
  await phone.keyboard.press("Tab");
  assert.equal(await phone.evaluate(() => document.activeElement.textContent.trim()), "Skip to content");
  await context.close();
});
