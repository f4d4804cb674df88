#!/usr/bin/env bash
# The bulk rows of issue 20's table, each beside its reference measured in the same run:
#   import    `abcrm import` of BULK_PEOPLE generated people into SQLite holding their BULK_ACCOUNTS
#             accounts, against `sqlite3 .import` of the same CSV (wall, peak memory, bytes written)
#   migrate   `abcrm migrate salesforce` of a generated export (MIGRATE_ACCOUNTS / 3x contacts /
#             10x leads) into PostgreSQL, against the same into SQLite
#   recompute `abcrm score recompute` of a `demo --accounts SCORE_ACCOUNTS` store, against the
#             engine alone (`abcrm bench-scoring`) on the same numbers of records
# Defaults are the issue's sizes (1,000,000 people; 10,000 accounts; 20,000 demo accounts, about
# 1,000,000 activities); smaller ones run in a minute:
#   BULK_PEOPLE=100000 BULK_ACCOUNTS=10000 MIGRATE_ACCOUNTS=1000 SCORE_ACCOUNTS=2000 bench/bulk.sh
#   bench/bulk.sh [import|migrate|recompute]...      (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(pwd)/${ABCRM_BIN:-target/release/abcrm}"
admin_url="${ABCRM_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"
people="${BULK_PEOPLE:-1000000}"
accounts="${BULK_ACCOUNTS:-100000}"
migrate_accounts="${MIGRATE_ACCOUNTS:-10000}"
score_accounts="${SCORE_ACCOUNTS:-20000}"
work=$(mktemp -d "${BENCH_DIR:-/tmp}/abcrm-bulk.XXXXXX")
trap 'rm -rf "$work"' EXIT
[ -x "$bin" ] || cargo build --release -p abcrm
command -v sqlite3 >/dev/null || { echo "needs sqlite3 (apt-get install sqlite3)"; exit 1; }

# Runs a command under /usr/bin/time; prints "wall_seconds peak_MiB written_MiB". Written bytes
# are the process's own writes to storage (/proc/PID/io write_bytes, sampled until it ends).
timed() {
  local out="$work/time.out" io="$work/io.out"
  /usr/bin/time -f '%e %M' -o "$out" "$@" >"$work/cmd.log" 2>&1 &
  local pid=$! child written=0
  while kill -0 "$pid" 2>/dev/null; do
    child=$(pgrep -P "$pid" | head -n1 || true)
    if [ -n "$child" ] && [ -r "/proc/$child/io" ]; then
      written=$(awk '/^write_bytes/ {print $2}' "/proc/$child/io" 2>/dev/null || echo "$written")
      echo "$written" >"$io"
    fi
    sleep 0.2
  done
  wait "$pid" || { cat "$work/cmd.log"; echo "failed: $*"; exit 1; }
  written=$(cat "$io" 2>/dev/null || echo 0)
  awk -v w="$written" '{printf "%s %d %d\n", $1, $2 / 1024, w / 1048576}' "$out"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }

import_row() {
  "$bin" synth --out "$work/s" --accounts "$accounts" --people "$people" --seed 7 >/dev/null 2>&1
  "$bin" --database "sqlite://$work/base.db" bench-import --accounts "$accounts" --people 0 >/dev/null 2>&1
  read -r floor floor_mem _ < <(timed sqlite3 "$work/floor.db" ".import --csv $work/s/people.csv people")
  cp "$work/base.db" "$work/import.db"
  read -r wall mem written < <(timed "$bin" --database "sqlite://$work/import.db" import "$work/s/people.csv")
  local size
  # The database as it stands: the file and what its write-ahead log holds.
  size=$(( $(cat "$work"/import.db "$work"/import.db-wal 2>/dev/null | wc -c) / 1048576 ))
  echo "| import $people people into SQLite ($accounts accounts) | ${wall} s, peak ${mem} MiB, wrote ${written} MiB for a ${size} MiB database | \`sqlite3 .import\` of the same CSV: ${floor} s, peak ${floor_mem} MiB | $(ratio "$wall" "$floor")x |"
  rm -f "$work"/*.db*; rm -rf "$work/s"
}

migrate_row() {
  local contacts=$((migrate_accounts * 3)) leads=$((migrate_accounts * 10))
  "$bin" synth-export --format salesforce --out "$work/sf" --accounts "$migrate_accounts" \
    --contacts "$contacts" --leads "$leads" --seed 11 >/dev/null 2>&1
  read -r lite _ _ < <(timed "$bin" --database "sqlite://$work/m.db" migrate salesforce "$work/sf" --report "$work/r1")
  psql "$admin_url" -qc "DROP DATABASE IF EXISTS abcrm_bulk" -c "CREATE DATABASE abcrm_bulk" 2>/dev/null
  read -r pg _ _ < <(timed "$bin" --database "${admin_url%/*}/abcrm_bulk" migrate salesforce "$work/sf" --report "$work/r2")
  echo "| migrate $migrate_accounts accounts, $contacts contacts, $leads leads into PostgreSQL | ${pg} s | the same into SQLite: ${lite} s | $(ratio "$pg" "$lite")x |"
  rm -rf "$work/sf" "$work/r1" "$work/r2" "$work"/m.db*
}

recompute_row() {
  "$bin" --database "sqlite://$work/score.db" demo --accounts "$score_accounts" >/dev/null 2>&1
  local counts a c x
  counts=$("$bin" --database "sqlite://$work/score.db" stats)
  a=$(printf '%s' "$counts" | python3 -c 'import json,sys; print(json.load(sys.stdin)["accounts"])')
  c=$(printf '%s' "$counts" | python3 -c 'import json,sys; print(json.load(sys.stdin)["contacts"])')
  x=$(printf '%s' "$counts" | python3 -c 'import json,sys; print(json.load(sys.stdin)["activities"])')
  read -r engine _ _ < <(timed "$bin" bench-scoring --accounts "$a" --contacts "$c" --activities "$x")
  read -r wall mem _ < <(timed "$bin" --database "sqlite://$work/score.db" score recompute)
  echo "| \`score recompute\`, SQLite, $a accounts, $c contacts, $x activities | ${wall} s, peak ${mem} MiB | the engine alone on the same numbers (\`bench-scoring\`, whole process): ${engine} s | $(ratio "$wall" "$engine")x |"
  rm -f "$work"/score.db*
}

echo "| what | measured | reference, same run | ratio |"
echo "|---|---|---|---|"
rows=("$@")
[ ${#rows[@]} -gt 0 ] || rows=(import migrate recompute)
for r in "${rows[@]}"; do
  case "$r" in
    import) import_row ;;
    migrate) migrate_row ;;
    recompute) recompute_row ;;
    *) echo "unknown row $r (import, migrate or recompute)"; exit 1 ;;
  esac
done
