#!/usr/bin/env python3
"""Splink (4.x, DuckDB backend) deduplication of the generator's people.csv, scored as `abcrm match-score`.

    python bench/splink/dedupe.py --people DIR/people.csv --truth DIR/truth.csv [--out DIR/splink_matches.csv]
        [--threshold 0.9] [--seed 7]

People are deduplicated (link_type dedupe_only) with Fellegi-Sunter comparisons on first and last name
(Jaro-Winkler levels), email (exact, local part, domain), phone digits, company name and city. u
probabilities come from random sampling, m probabilities from EM on two blocking rules. Pairs at or
above the match probability threshold are clustered (connected components); every record but the
earliest of its cluster, in file order, gets `duplicate_of` = that earliest record's id, which is what
the generator's truth.csv says of a repeat.

Scoring mirrors `abcrm match-score` (crates/cli/src/commands/matching.rs `run_score` and
crates/core/src/matching/synth.rs `Score::add`), for the duplicate column only: per truth row, with
predicted and true `duplicate_of` (blank = none): both set and equal is a true positive; both set and
different is a false positive and a false negative; predicted only is a false positive; true only is
a false negative. Precision or recall with an empty denominator is 1.0.

--out writes the decisions in matches.csv's shape (person_id,account_id,duplicate_of with account_id
left empty: Splink does not place people at accounts), so `abcrm match-score` can score them too.
"""
import argparse
import csv
import sys
import time

import duckdb
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

# Legal suffixes dropped from the end of a company name (after dots are removed and the rest of the
# punctuation becomes spaces), so "Teboustu Devices B.V." and "Teboustu Devices" compare equal.
SUFFIXES = (
    "inc|incorporated|llc|ltd|limited|corp|corporation|co|company|gmbh|sa|ag|plc|bv|nv|srl|spa|"
    "sarl|kk|oy|ab|as|pty|lp|llp"
)

PREPARE = f"""
create or replace table people as
with raw as (
    select * from read_csv(?, header = true, all_varchar = true, quote = '"', escape = '"')
),
clean as (
    select
        row_number() over () as unique_id,
        id,
        nullif(regexp_replace(lower(strip_accents(trim(coalesce(first_name, '')))), '[^a-z]', '', 'g'), '')
            as first_name,
        nullif(regexp_replace(lower(strip_accents(trim(coalesce(last_name, '')))), '[^a-z]', '', 'g'), '')
            as last_name,
        nullif(lower(trim(coalesce(email, ''))), '') as email,
        nullif(trim(regexp_replace(regexp_replace(
            regexp_replace(lower(strip_accents(coalesce(company, ''))), '[.]', '', 'g'),
            '[^a-z0-9]+', ' ', 'g'), '(\\s({SUFFIXES}))+\\s*$', '', 'g')), '') as company,
        nullif(lower(strip_accents(trim(coalesce(city, '')))), '') as city,
        regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g') as phone_all
    from raw
)
select
    unique_id, id, first_name, last_name, email, company, city,
    left(first_name, 1) as first_initial,
    case when email like '%@%' then nullif(split_part(email, '@', 1), '') end as email_local,
    case when email like '%@%' then nullif(split_part(email, '@', 2), '') end as email_domain,
    -- the last nine digits: "+1 212 605 2700", "212.605.2700" and "12126052700" agree
    case when length(phone_all) >= 7 then right(phone_all, 9) end as phone_digits
from clean
order by unique_id
"""


def settings() -> SettingsCreator:
    first_name = cl.CustomComparison(
        output_column_name="first_name",
        comparison_levels=[
            cll.NullLevel("first_name"),
            cll.ExactMatchLevel("first_name"),
            cll.JaroWinklerLevel("first_name", 0.92),
            cll.JaroWinklerLevel("first_name", 0.80),
            # "S." against "Steven": one side is just the other's initial
            cll.CustomLevel(
                "(length(first_name_l) = 1 or length(first_name_r) = 1) "
                "and first_initial_l = first_initial_r",
                label_for_charts="one side an initial, initials agree",
            ),
            cll.ElseLevel(),
        ],
    )
    last_name = cl.CustomComparison(
        output_column_name="last_name",
        comparison_levels=[
            cll.NullLevel("last_name"),
            cll.ExactMatchLevel("last_name").configure(tf_adjustment_column="last_name"),
            cll.JaroWinklerLevel("last_name", 0.92),
            cll.JaroWinklerLevel("last_name", 0.80),
            cll.ElseLevel(),
        ],
    )
    email = cl.CustomComparison(
        output_column_name="email",
        comparison_levels=[
            cll.NullLevel("email"),
            cll.ExactMatchLevel("email"),
            cll.ExactMatchLevel("email_local"),
            cll.ExactMatchLevel("email_domain"),
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            first_name,
            last_name,
            email,
            cl.ExactMatch("phone_digits"),
            cl.JaroWinklerAtThresholds("company", [0.95, 0.85]),
            cl.ExactMatch("city"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("last_name", "first_initial"),
            block_on("email"),
            block_on("phone_digits"),
            block_on("email_local"),
            # a misspelt last name at the same company
            block_on("first_name", "company"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


class Score:
    """`abcrm`'s synth::Score: one decision at a time."""

    def __init__(self):
        self.tp = self.fp = self.fn = 0

    def add(self, predicted, truth):
        if predicted is not None and truth is not None:
            if predicted == truth:
                self.tp += 1
            else:
                self.fp += 1
                self.fn += 1
        elif predicted is not None:
            self.fp += 1
        elif truth is not None:
            self.fn += 1

    @staticmethod
    def _ratio(a, b):
        return 1.0 if b == 0 else a / b

    def precision(self):
        return self._ratio(self.tp, self.tp + self.fp)

    def recall(self):
        return self._ratio(self.tp, self.tp + self.fn)

    def f1(self):
        p, r = self.precision(), self.recall()
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def blank(v):
    return v if v is not None and v.strip() != "" else None


def score(truth_path, duplicate_of):
    s = Score()
    with open(truth_path, newline="", encoding="utf-8-sig") as f:
        for t in csv.DictReader(f):
            s.add(blank(duplicate_of.get(t["person_id"])), blank(t["duplicate_of"]))
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", required=True)
    ap.add_argument("--truth")
    ap.add_argument("--out")
    ap.add_argument("--threshold", type=float, default=0.9)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--u-pairs", type=float, default=5e6, help="pairs sampled for the u probabilities")
    args = ap.parse_args()

    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute(PREPARE, [args.people])
    n = con.execute("select count(*) from people").fetchone()[0]
    db_api = DuckDBAPI(connection=con)
    linker = Linker("people", settings(), db_api)
    t_load = time.perf_counter()

    training = linker.training
    # prior: the share of matches among random pairs, from a deterministic rule and its assumed recall
    training.estimate_probability_two_random_records_match(
        [block_on("email"), block_on("last_name", "first_name", "phone_digits")], recall=0.6
    )
    training.estimate_u_using_random_sampling(max_pairs=args.u_pairs, seed=args.seed)
    # m by EM: blocking on the names trains email, phone, company and city; blocking on the phone
    # (and on the email's local part) trains the names
    training.estimate_parameters_using_expectation_maximisation(
        block_on("last_name", "first_name"), estimate_without_term_frequencies=True
    )
    training.estimate_parameters_using_expectation_maximisation(
        block_on("phone_digits"), estimate_without_term_frequencies=True
    )
    t_train = time.perf_counter()

    predictions = linker.inference.predict(threshold_match_probability=args.threshold)
    n_pairs = db_api._con.execute(f"select count(*) from {predictions.physical_name}").fetchone()[0]
    t_predict = time.perf_counter()

    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=args.threshold
    )
    # the earliest record of each cluster, in file order, is the one the others duplicate
    rows = db_api._con.execute(
        f"""
        select p.id, first_value(p.id) over (partition by c.cluster_id order by p.unique_id) as first_id
        from {clusters.physical_name} c join people p using (unique_id)
        """
    ).fetchall()
    duplicate_of = {pid: first for pid, first in rows if first != pid}
    t_cluster = time.perf_counter()

    print(
        f"splink {n} people: {n_pairs} pairs at p >= {args.threshold}, {len(duplicate_of)} marked duplicates",
        file=sys.stderr,
    )
    print(
        f"wall: load {t_load - t0:.2f}s, training {t_train - t_load:.2f}s, prediction {t_predict - t_train:.2f}s, "
        f"clustering {t_cluster - t_predict:.2f}s, total {t_cluster - t0:.2f}s"
    )
    if args.out:
        with open(args.out, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["person_id", "account_id", "duplicate_of"])
            for (pid,) in con.execute("select id from people order by unique_id").fetchall():
                w.writerow([pid, "", duplicate_of.get(pid, "")])
    if args.truth:
        s = score(args.truth, duplicate_of)
        print(
            f"duplicate detection: precision {s.precision():.4f} recall {s.recall():.4f} F1 {s.f1():.4f} "
            f"(tp {s.tp} fp {s.fp} fn {s.fn})"
        )


if __name__ == "__main__":
    main()
