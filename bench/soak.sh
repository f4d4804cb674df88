#!/usr/bin/env bash
# Soak: mixed reads and writes (bench/soak.lua) at 64 connections against `serve --demo`, on SQLite
# and PostgreSQL, SOAK_SECONDS each (default 600). Prints wrk's figures, the errors, and the
# server's resident memory every 30 s; /healthz at the same 64 connections is the reference.
#   bench/soak.sh [sqlite|postgres]...      (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${SOAK_SECONDS:-600}"
bin="${ABCRM_BIN:-target/release/abcrm}"
admin_url="${ABCRM_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
[ -x "$bin" ] || cargo build --release -p abcrm

ids() { # ids of a list endpoint, as a Lua array
  local path="$1" cursor="" out=()
  while :; do
    page=$(curl -sf -H "Authorization: Bearer $token" "http://$bind$path?limit=1000${cursor:+&cursor=$cursor}")
    out+=($(printf '%s' "$page" | python3 -c 'import json,sys; print(" ".join(str(i["id"]) for i in json.load(sys.stdin)["items"]))'))
    cursor=$(printf '%s' "$page" | python3 -c 'import json,sys; print(json.load(sys.stdin)["next_cursor"] or "")')
    [ -n "$cursor" ] || break
  done
  local IFS=,; printf '{%s}' "${out[*]}"
}

soak() {
  local name="$1" database="$2" log="$work/serve-$1.log"
  bind="127.0.0.1:$((18300 + RANDOM % 100))"
  "$bin" serve --demo --database "$database" --bind "$bind" >"$log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do grep -q "is listening" "$log" && break; sleep 1; done
  token=$(sed -n "s/.*Demo API token (admin): \(abcrm_[A-Za-z0-9]*\).*/\1/p" "$log" | head -n1)
  printf 'account_ids = %s\ncontact_ids = %s\n' "$(ids /api/v1/accounts)" "$(ids /api/v1/contacts)" >"$work/ids.lua"
  echo "== $name: /healthz, 64 connections, 30 s (the reference)"
  wrk -t2 -c64 -d30s "http://$bind/healthz" | grep -E "Requests/sec|Latency"
  echo "== $name: the mix, 64 connections, ${seconds} s"
  (for _ in $(seq 0 30 "$seconds"); do
     printf 'rss %s s: %s MiB\n' "$SECONDS" "$(( $(awk '/VmRSS/ {print $2}' /proc/$server/status) / 1024 ))"
     sleep 30
   done) &
  local sampler=$!
  IDS_LUA="$work/ids.lua" TOKEN="$token" wrk -t2 -c64 -d"${seconds}s" --timeout 10s \
    -s bench/soak.lua "http://$bind/"
  kill "$sampler" 2>/dev/null || true
  echo "server log errors: $(grep -ciE "panicked|ERROR" "$log" || true)"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

backends=("$@")
[ ${#backends[@]} -gt 0 ] || backends=(sqlite postgres)
for backend in "${backends[@]}"; do
  case "$backend" in
    sqlite) soak sqlite "sqlite://$work/soak.db" ;;
    postgres)
      psql "$admin_url" -qc "DROP DATABASE IF EXISTS abcrm_soak" -c "CREATE DATABASE abcrm_soak"
      soak postgres "${admin_url%/*}/abcrm_soak" ;;
  esac
done
