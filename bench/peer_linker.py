#!/usr/bin/env python3
"""A hand-rolled lead-to-account linker: the peer `abcrm import` is compared against.

What a team writes in an afternoon: people are linked to accounts by their email's domain, else by the
lower-cased company name with a few legal suffixes stripped, and inserted as contacts in one
transaction (duplicate emails skipped); everyone else is left unlinked. No fuzzy matching, no
free-mail list, no review queue, no audit, no intake records.

    python3 bench/peer_linker.py DATABASE people.csv [accounts.csv matches.csv]

With the generator's accounts.csv (as `abcrm bench-import` loaded them: parents first, in file order)
it also writes its decisions as `abcrm match` does, for `abcrm match-score`.
"""
import csv
import re
import sqlite3
import sys

SUFFIXES = re.compile(r"[\s,.]+(inc|incorporated|llc|ltd|limited|corp|corporation|co|gmbh|sa|ag|plc)\.?$")


def key(name):
    name = name.strip().lower()
    for _ in range(3):
        name = SUFFIXES.sub("", name)
    return name


def main(db_path, people_path):
    db = sqlite3.connect(db_path)
    by_domain = dict(db.execute("SELECT domain, account_id FROM account_domains"))
    by_name = {key(n): i for i, n in db.execute("SELECT id, name FROM accounts")}
    rows, unlinked, decisions = [], 0, []
    seen = set()
    with open(people_path, newline="", encoding="utf-8-sig") as f:
        for p in csv.DictReader(f):
            email = (p.get("email") or "").strip().lower() or None
            domain = email.rsplit("@", 1)[-1] if email and "@" in email else None
            account = by_domain.get(domain) if domain else None
            if account is None and p.get("company"):
                account = by_name.get(key(p["company"]))
            if account is None or (email and email in seen):
                unlinked += 1
                decisions.append((p["id"], None))
                continue
            decisions.append((p["id"], account))
            if email:
                seen.add(email)
            rows.append((account, p.get("first_name") or None, p.get("last_name") or None, email,
                         p.get("phone") or None, p.get("title") or None))
    with db:
        db.executemany(
            "INSERT INTO contacts (account_id, first_name, last_name, email, phone, title, status, source,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'active', 'peer', datetime('now'), datetime('now'))",
            rows,
        )
    print(f"linked {len(rows)}, unlinked {unlinked}")
    if len(sys.argv) > 4:
        write_matches(sys.argv[3], sys.argv[4], decisions)


def write_matches(accounts_path, out_path, decisions):
    with open(accounts_path, newline="", encoding="utf-8") as f:
        accounts = list(csv.DictReader(f))
    order = [a["id"] for a in accounts if not a["parent_id"]] + [a["id"] for a in accounts if a["parent_id"]]
    external = {i + 1: ext for i, ext in enumerate(order)}
    with open(out_path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["person_id", "account_id", "duplicate_of", "rule", "confidence", "status"])
        for person, account in decisions:
            if account is None:
                w.writerow([person, "", "", "none", "0", "review"])
            else:
                w.writerow([person, external.get(account, ""), "", "linked", "1", "matched"])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
