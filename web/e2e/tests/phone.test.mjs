// Every page on a phone: a real 390 px wide viewport (not `isMobile`, whose layout width grows to
// fit the content, so an overflowing page passes), signed in as the demo admin. No page may
// scroll sideways; wide tables scroll inside their own box or become cards. A screenshot of each
// goes to target/screenshots/phone-*.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launchBrowser, screenshot, DEMO_EMAIL, DEMO_PASSWORD } from "../lib.mjs";

let server, browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("no page scrolls sideways at 390 px", async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const phone = await context.newPage();
  await phone.goto(server.base + "/login");
  await phone.getByLabel("Email").fill(DEMO_EMAIL);
  await phone.getByLabel("Password").fill(DEMO_PASSWORD);
  await Promise.all([phone.waitForURL(server.base + "/"), phone.getByRole("button", { name: "Sign in" }).click()]);

  const account = (await server.api("/api/v1/accounts?limit=1")).items[0];
  const contact = (await server.api("/api/v1/contacts?limit=1")).items[0];
  const opportunity = (await server.api("/api/v1/opportunities?limit=1")).items[0];
  const review = (await server.api("/api/v1/review?limit=1")).items[0];
  const pages = [
    "/", "/my-work", "/accounts", "/accounts?sort=score&dir=desc", `/accounts/${account.id}`,
    `/accounts/${account.id}/edit`, "/accounts/new", `/accounts/${account.id}/contacts/new`,
    `/accounts/${account.id}/opportunities/new`, "/contacts", `/contacts/${contact.id}`, "/opportunities",
    `/opportunities/${opportunity.id}`, "/review", "/import", "/reports", "/reports/coverage",
    "/reports/influence", "/reports/sales-cycles", "/reports/cost-per-cycle", "/reports/nurture",
    `/search?q=${encodeURIComponent(account.name.split(" ")[0])}`,
    "/admin/users", "/admin/tokens", "/admin/model",
  ];
  if (review) pages.push(`/review/${review.id}`);
  const wide = [];
  for (const path of pages) {
    const res = await phone.goto(server.base + path);
    assert.ok(res.ok(), `${path} answered ${res.status()}`);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (overflow > 0) wide.push(`${path} (${overflow}px)`);
    const name = path.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "") || "dashboard";
    await screenshot(phone, `phone-${name.slice(0, 40)}`, { fullPage: false });
  }
  assert.deepEqual(wide, [], `pages wider than the phone: ${wide.join(", ")}`);
  await context.close();
});
