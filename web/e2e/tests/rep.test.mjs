// A sales rep's day in the web UI, on the demo in headless chromium: find an account by searching,
// log a call, add the missing economic buyer, open an opportunity with them, move it on, and
// plan the next step as a task that My work lists.
// A screenshot at each step goes to target/screenshots/rep-*.png.
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

/** An account of the demo whose buying center has nobody as economic buyer. */
async function accountWithoutEconomicBuyer() {
  const accounts = await server.api("/api/v1/accounts?limit=100");
  for (const a of accounts.items) {
    const view = await server.api(`/api/v1/accounts/${a.id}/360`);
    const buyers = view.buying_center?.economic_buyer ?? [];
    const people = Object.values(view.buying_center ?? {}).flat().length;
    if (buyers.length === 0 && people > 0 && !/["\\]/.test(a.name)) return a;
  }
  throw new Error("the demo has no account without an economic buyer among its first 100");
}

async function submit(locator) {
  await Promise.all([page.waitForLoadState("load"), locator.click()]);
}

test("a rep finds an account, logs a call, adds the economic buyer, opens a deal and moves it", async () => {
  const account = await accountWithoutEconomicBuyer();

  // 1. Find the account from any page: Ctrl+K to the search box, type part of its name, pick it
  //    from the suggestions that appear as one types.
  await page.goto(server.base + "/");
  await page.keyboard.press("Control+k");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "global-search");
  const words = account.name.split(/\s+/).filter((w) => w.length >= 3).slice(0, 2).join(" ");
  await page.keyboard.type(words.slice(0, Math.max(4, words.length - 1)), { delay: 20 });
  const suggestion = page.locator(`#search-suggest a[href="/accounts/${account.id}"]`);
  await suggestion.waitFor();
  await screenshot(page, "rep-1-find-account");
  await submit(suggestion);
  assert.equal(new URL(page.url()).pathname, `/accounts/${account.id}`);
  await page.locator('[data-gap="no-economic-buyer"]').waitFor();

  // 2. Log a call with notes on the account.
  await page.locator("#log-kind").selectOption("call");
  await page.locator("#log-subject").fill("Discovery call");
  await page.locator("#log-body").fill("Budget is set in Q3.\nThe CFO signs; ask for an intro.");
  await submit(page.locator("#log-submit"));
  await page.locator(".notice").waitFor();
  assert.match(await page.locator(".notice").innerText(), /Logged the call “Discovery call”/);
  const logged = page.locator("#timeline .timeline li").filter({ hasText: "Discovery call" }).first();
  assert.match(await logged.innerText(), /The CFO signs; ask for an intro\./);
  await screenshot(page, "rep-2-call-logged");

  // 3. Add the missing economic buyer, from the gap itself.
  await submit(page.locator('[data-gap="no-economic-buyer"] a.gap-action'));
  await page.locator("#cf-first_name").fill("Grace");
  await page.locator("#cf-last_name").fill("Hopper");
  await page.locator("#cf-email").fill(`grace.hopper.${account.id}@example.com`);
  await page.locator("#cf-title").fill("Chief Financial Officer");
  await page.locator("#cf-buying_role").selectOption("economic_buyer");
  await screenshot(page, "rep-3-add-economic-buyer");
  await submit(page.locator("#contact-save"));
  assert.match(new URL(page.url()).pathname, /^\/contacts\/\d+$/);
  const graceId = Number(new URL(page.url()).pathname.split("/").pop());
  assert.match(await page.locator(".notice").innerText(), /Added Grace Hopper/);
  const grace = await server.api(`/api/v1/contacts/${graceId}`);
  assert.equal(grace.buying_role, "economic_buyer");
  assert.equal(grace.account_id, account.id);
  await page.goto(`${server.base}/accounts/${account.id}`);
  assert.equal(await page.locator('[data-gap="no-economic-buyer"]').count(), 0, "the gap is closed");

  // 4. Open an opportunity with her as the economic buyer.
  await submit(page.locator("#new-opportunity"));
  await page.locator("#of-name").fill(`${account.name}: platform rollout`);
  await page.locator("#of-amount").fill("84,000");
  await page.locator("#of-close").fill("2027-06-30");
  await page.locator("#rf-contact").selectOption(String(graceId));
  await page.locator("#rf-role").selectOption("economic_buyer");
  await page.locator("#rf-primary").check();
  await screenshot(page, "rep-4-new-opportunity");
  await submit(page.locator("#opportunity-create"));
  assert.match(new URL(page.url()).pathname, /^\/opportunities\/\d+$/);
  const oppId = Number(new URL(page.url()).pathname.split("/").pop());
  let opp = await server.api(`/api/v1/opportunities/${oppId}`);
  assert.equal(opp.amount, 84000);
  assert.deepEqual(opp.contact_roles, [{ contact_id: graceId, role: "economic_buyer", is_primary: true }]);

  // 5. Move it on: a mistyped amount comes back beside its field, then the stage moves.
  await page.locator("#of-amount").fill("eighty");
  await page.locator("#of-stage").selectOption("proposal");
  await submit(page.locator("#edit-save"));
  await page.locator("#of-amount-error").waitFor();
  assert.equal(await page.locator("#of-stage").inputValue(), "proposal", "what was typed is kept");
  await screenshot(page, "rep-5-refused-amount");
  await page.locator("#of-amount").fill("90000");
  await submit(page.locator("#edit-save"));
  assert.match(await page.locator(".notice").innerText(), /Saved/);
  opp = await server.api(`/api/v1/opportunities/${oppId}`);
  assert.equal(opp.stage, "proposal");
  assert.equal(opp.amount, 90000);
  assert.match(await page.locator("#audit-trail").innerText(), /stage: prospecting → proposal/);
  await screenshot(page, "rep-6-moved", { fullPage: true });

  // 6b. And on to negotiation in place: the stage saves as it is picked, the page stays.
  const at = page.url();
  await page.locator("#quick-stage-value").selectOption("negotiation");
  await page.locator("#quick-stage .saved").waitFor();
  assert.equal(page.url(), at, "no page load");
  opp = await server.api(`/api/v1/opportunities/${oppId}`);
  assert.equal(opp.stage, "negotiation");
  assert.equal(opp.amount, 90000, "nothing else written");
  // htmx runs the page's script on the answer (htmx:load) a moment after it shows "Saved".
  await page.waitForFunction(() => document.querySelector("#of-stage")?.value === "negotiation");
  assert.equal(await page.locator("#of-stage").inputValue(), "negotiation", "the full form keeps in step");
  await screenshot(page, "rep-6b-stage-in-place");

  // 6c. The full form saved after that goes through: the save in place handed it the deal's new
  // version, so it is not refused as if someone else had changed the deal.
  await page.locator("#of-amount").fill("95000");
  await submit(page.locator("#edit-save"));
  assert.match(await page.locator(".notice").innerText(), /Saved/);
  opp = await server.api(`/api/v1/opportunities/${oppId}`);
  assert.equal(opp.stage, "negotiation", "the stage saved in place is kept");
  assert.equal(opp.amount, 95000);

  // 7. A task on the deal for Monday, found on My work and ticked off there.
  await page.locator("#task-title").fill("Send Grace the proposal");
  await page.locator("#task-due").fill("2027-01-04");
  await submit(page.locator("#task-submit"));
  assert.match(await page.locator(".notice").innerText(), /Added the task “Send Grace the proposal”/);
  await page.getByRole("link", { name: "My work" }).click();
  const mine = page.locator("#my-tasks li").filter({ hasText: "Send Grace the proposal" });
  await mine.waitFor();
  await screenshot(page, "rep-7-my-tasks");
  await submit(mine.locator("button.task-done"));
  assert.match(await page.locator(".notice").innerText(), /Done: “Send Grace the proposal”/);
  assert.equal(await page.locator("#my-tasks li").filter({ hasText: "Send Grace the proposal" }).count(), 0);
});

test("the new forms fit a 390 px phone without sideways scrolling", async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const phone = await context.newPage();
  await phone.goto(server.base + "/login");
  await phone.getByLabel("Email").fill("dana.fischer@abcrm.example");
  await phone.getByLabel("Password").fill("demo-password");
  await Promise.all([phone.waitForURL(server.base + "/"), phone.getByRole("button", { name: "Sign in" }).click()]);
  const accounts = await server.api("/api/v1/accounts?limit=1");
  const id = accounts.items[0].id;
  for (const path of ["/accounts/new", `/accounts/${id}/edit`, `/accounts/${id}/contacts/new`, `/accounts/${id}/opportunities/new`]) {
    await phone.goto(server.base + path);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${path} overflows by ${overflow}px at 390 px`);
  }
  await screenshot(phone, "rep-phone-new-opportunity");
  await context.close();
});
