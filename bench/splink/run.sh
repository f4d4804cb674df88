#!/usr/bin/env bash
# abcrm's person matching against Splink's deduplication on the same generated files.
#
#   bash bench/splink/run.sh [PEOPLE [ACCOUNTS [RUNS]]]      # defaults: 200000 20000 3
#
# Makes the venv target/splink-venv from bench/splink/requirements.txt (PyPI, first run only), builds
# the release binary unless ABCRM points at one, generates target/splink-bench/<PEOPLE>/ with
# `abcrm synth --seed 7`, scores both tools' duplicates with `abcrm match-score`, then times each
# command RUNS times with /usr/bin/time -v and prints the median wall time, CPU time and peak memory.
# A manual bench: nothing here runs in CI.
set -euo pipefail
cd "$(dirname "$0")/../.."

PEOPLE=${1:-200000}
ACCOUNTS=${2:-$((PEOPLE / 10))}
RUNS=${3:-3}
SEED=${SEED:-7}
VENV=target/splink-venv
DIR=target/splink-bench/$PEOPLE

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r bench/splink/requirements.txt
fi
if [ -z "${ABCRM:-}" ]; then
    cargo build --release -q --bin abcrm
    ABCRM=target/release/abcrm
fi
PY="$VENV/bin/python"

mkdir -p "$DIR"
if [ ! -s "$DIR/truth.csv" ]; then
    "$ABCRM" synth --out "$DIR" --accounts "$ACCOUNTS" --people "$PEOPLE" --seed "$SEED"
fi

ABCRM_CMD=("$ABCRM" match --accounts "$DIR/accounts.csv" --people "$DIR/people.csv" --out "$DIR/abcrm_matches.csv")
SPLINK_CMD=("$PY" bench/splink/dedupe.py --people "$DIR/people.csv" --truth "$DIR/truth.csv"
    --out "$DIR/splink_matches.csv")

echo "== abcrm match ($PEOPLE people, $ACCOUNTS accounts)"
"${ABCRM_CMD[@]}" >/dev/null
"$ABCRM" match-score --matches "$DIR/abcrm_matches.csv" --truth "$DIR/truth.csv"
echo "== Splink dedupe ($PEOPLE people)"
"${SPLINK_CMD[@]}" 2>/dev/null
echo "(Splink's decisions scored by abcrm match-score; it places nobody at an account)"
"$ABCRM" match-score --matches "$DIR/splink_matches.csv" --truth "$DIR/truth.csv"

# median of RUNS whole-process runs (after the scoring runs above, which warm the page cache)
time_runs() {
    local name=$1
    shift
    local log
    log=$(mktemp)
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -v "$@" >/dev/null 2>>"$log"
    done
    python3 - "$name" "$log" <<'EOF'
import re, statistics, sys
name, text = sys.argv[1], open(sys.argv[2]).read()
def clock(s):
    parts = [float(p) for p in s.split(":")]
    return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
wall = [clock(m) for m in re.findall(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text)]
user = [float(m) for m in re.findall(r"User time \(seconds\): (\S+)", text)]
sys_ = [float(m) for m in re.findall(r"System time \(seconds\): (\S+)", text)]
rss = [int(m) for m in re.findall(r"Maximum resident set size \(kbytes\): (\d+)", text)]
cpu = [u + s for u, s in zip(user, sys_)]
print(f"{name}: median of {len(wall)} runs: wall {statistics.median(wall):.2f} s "
      f"(min {min(wall):.2f}, max {max(wall):.2f}), cpu {statistics.median(cpu):.2f} s, "
      f"peak RSS {statistics.median(rss) / 1024:.0f} MiB")
open(sys.argv[2] + ".wall", "w").write(str(statistics.median(wall)))
EOF
    cat "$log.wall" >"$DIR/$name.wall"
    rm -f "$log" "$log.wall"
}
echo "== timing, $RUNS runs each"
time_runs abcrm "${ABCRM_CMD[@]}"
time_runs splink "${SPLINK_CMD[@]}"
python3 -c "import sys; a, s = (float(open(f).read()) for f in sys.argv[1:]); print(f'Splink / abcrm median wall: {s / a:.2f}')" \
    "$DIR/abcrm.wall" "$DIR/splink.wall"
