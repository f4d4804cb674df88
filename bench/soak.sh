#!/usr/bin/env bash
# Soak: mixed reads and writes (bench/soak.lua) at 64 connections against `serve --demo`, on SQLite
# and PostgreSQL, SOAK_SECONDS each (default 600). Prints wrk's figures, the errors, and the
# server's resident memory every 30 s; /healthz at the same 64 connections is the reference.
#   bench/soak.sh [sqlite|postgres]...      (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${SOAK_SECONDS:-600}"
source bench/lib.sh

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
  serve_demo "$database" "$log" 18300
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
  stop_server
}

each_backend soak abcrm_soak "$@"
