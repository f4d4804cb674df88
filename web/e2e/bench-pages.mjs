// Times every page of the web UI at the server on the demo data: starts `abcrm serve --demo`,
// signs in, requests each page RUNS times and prints the median and the slowest of the
// server's own time (its Server-Timing header), as a Markdown table for BENCHMARKS.md.
//
//   ABCRM_BIN=target/release/abcrm node web/e2e/bench-pages.mjs [RUNS]
//   ABCRM_DATABASE=postgres://postgres@127.0.0.1:5432/abcrm_pages ... (an empty database)
import { startServer, DEMO_EMAIL, DEMO_PASSWORD } from "./lib.mjs";

const RUNS = Number(process.argv[2] || 30);
const server = await startServer();
try {
  const base = server.base;
  // Sign in as a browser would: the form's token and its cookie, then the session cookie.
  const form = await fetch(base + "/login");
  const loginCookie = form.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const token = (await form.text()).match(/name="form_token" value="([^"]+)"/)[1];
  const signIn = await fetch(base + "/login", {
    method: "POST",
    redirect: "manual",
    headers: { cookie: loginCookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email: DEMO_EMAIL, password: DEMO_PASSWORD, next: "/", form_token: token }),
  });
  const cookie = signIn.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.startsWith("abcrm_session="));
  if (!cookie) throw new Error("sign-in failed");

  const seed = 'contact.seniority in ("manager", "director") and account.state = "CA" and account.industry = "Software" and account.relationship != "customer"';
  const top = (await server.api("/api/v1/accounts?limit=200")).items;
  const account = top.find((a) => a.parent_id) || top[0];
  const contact = (await server.api(`/api/v1/contacts?limit=1&account_id=${account.id}`)).items[0]
    || (await server.api("/api/v1/contacts?limit=1")).items[0];
  const review = (await server.api("/api/v1/review?limit=1").catch(() => ({ items: [] }))).items?.[0];
  // An upload of 200 people, for the import's mapping and preview pages.
  const csrf = (await (await fetch(base + "/import", { headers: { cookie } })).text()).match(/data-csrf="([^"]+)"/)[1];
  const lines = ["First Name,Last Name,Email,Company,Title,State"];
  for (let i = 0; i < 200; i++) lines.push(`P${i},Bench,p${i}@bench${i % 20}.example,Bench ${i % 20} Inc,Manager,CA`);
  const upload = new FormData();
  upload.append("file", new Blob([lines.join("\n")], { type: "text/csv" }), "bench.csv");
  const uploaded = await fetch(`${base}/import?csrf=${csrf}`, { method: "POST", headers: { cookie }, body: upload, redirect: "manual" });
  const importPath = uploaded.headers.get("location");
  if (!importPath) throw new Error(`upload failed: ${uploaded.status} ${await uploaded.text()}`);
  const pages = [
    ["Dashboard", "/"],
    ["Dashboard, by quarter", "/?period=quarter"],
    ["Accounts", "/accounts"],
    ["Accounts by score", "/accounts?sort=score&dir=desc"],
    ["Accounts, seed segment", "/accounts?filter=" + encodeURIComponent(seed)],
    ["Account 360", `/accounts/${account.id}`],
    ["Contacts", "/contacts"],
    ["Contacts, seed segment", "/contacts?filter=" + encodeURIComponent(seed)],
    ["Contacts by account", "/contacts?sort=account"],
    ["Contacts by last activity, page 3", "/contacts?sort=last_activity&dir=desc&page=3"],
    ["Contact", `/contacts/${contact.id}`],
    ["Opportunities board", "/opportunities"],
    ["Opportunity", `/opportunities/${(await server.api("/api/v1/opportunities?limit=1")).items[0].id}`],
    ["My work", "/my-work"],
    ["Search", "/search?q=" + encodeURIComponent(account.name.split(" ")[0])],
    ["Search suggestions", "/search/suggest?q=" + encodeURIComponent(account.name.split(" ")[0].slice(0, 4))],
    ["Admin: users", "/admin/users"],
    ["Review queue", "/review"],
    ...(review ? [["Review item", `/review/${review.id}`]] : []),
    ["Import", "/import"],
    ["Import: mapping", importPath],
    ["Import: preview of 20 rows", importPath + "/preview"],
  ];
  const rows = [];
  for (const [name, path] of pages) {
    const times = [];
    let status = 0;
    for (let i = 0; i < RUNS; i++) {
      const res = await fetch(base + path, { headers: { cookie }, redirect: "manual" });
      await res.arrayBuffer();
      status = res.status;
      const timing = res.headers.get("server-timing") || "";
      const ms = Number((timing.match(/dur=([0-9.]+)/) || [])[1]);
      times.push(ms);
    }
    times.sort((a, b) => a - b);
    rows.push({ name, path, status, median: times[Math.floor(times.length / 2)], max: times.at(-1) });
  }
  console.log(`| page | path | status | median ms | slowest ms (of ${RUNS}) |`);
  console.log("|---|---|---|---|---|");
  for (const r of rows) {
    const shown = r.path.length > 40 ? r.path.slice(0, 37) + "..." : r.path;
    console.log(`| ${r.name} | \`${shown}\` | ${r.status} | ${r.median.toFixed(1)} | ${r.max.toFixed(1)} |`);
  }
  const worst = Math.max(...rows.map((r) => r.max));
  console.log(`\nslowest page answer: ${worst.toFixed(1)} ms`);
  if (rows.some((r) => r.status !== 200)) process.exitCode = 1;
} finally {
  await server.stop();
}
