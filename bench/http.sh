#!/usr/bin/env bash
# The HTTP rows of issue 20's table, each beside its reference measured in the same run, against
# `serve --demo` on SQLite and on PostgreSQL: wrk, 2 threads, 64 connections, HTTP_SECONDS each
# (default 10), loopback only. Prints one table row per measurement and its ratio.
#   bench/http.sh [sqlite|postgres]...      (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${HTTP_SECONDS:-10}"
source bench/lib.sh

# wrk's requests per second, p99 latency and timeouts for one path (extra wrk arguments after).
measure() {
  local path="$1"; shift
  wrk -t2 -c64 -d"${seconds}s" --timeout 5s --latency "$@" "http://$bind$path" >"$work/wrk.out" 2>&1 || true
  local rps p99 timeouts non2xx
  rps=$(awk '/Requests\/sec/ {printf "%d", $2}' "$work/wrk.out")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.out")
  timeouts=$(grep -o 'timeout [0-9]*' "$work/wrk.out" | awk '{print $2}' || true)
  non2xx=$(awk '/Non-2xx/ {print $5}' "$work/wrk.out")
  printf '%s %s %s %s\n' "${rps:-0}" "${p99:-?}" "${timeouts:-0}" "${non2xx:-0}"
}

row() { # name, rps, p99, timeouts, reference name, reference rps
  local ratio
  ratio=$(awk -v a="$2" -v b="$6" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "?" }')
  printf '| %s | %s | %s req/s, p99 %s, %s timeouts | %s: %s req/s | %sx |\n' \
    "$backend" "$1" "$2" "$3" "$4" "$5" "$6" "$ratio"
}

run() {
  backend="$1"; local database="$2" log="$work/serve-$1.log"
  serve_demo "$database" "$log" 18400
  local auth=(-H "Authorization: Bearer $token") bad=(-H "Authorization: Bearer abcrm_not_a_token")
  read -r health _ _ _ < <(measure /healthz)
  read -r rejected _ _ _ < <(measure /api/v1/accounts/1 "${bad[@]}")
  read -r one p99 to _ < <(measure /api/v1/accounts/1 "${auth[@]}")
  row "GET /api/v1/accounts/1" "$one" "$p99" "$to" "the same with a bad token (401)" "$rejected"
  read -r a360 p99 to _ < <(measure /api/v1/accounts/2/360 "${auth[@]}")
  row "GET /api/v1/accounts/2/360" "$a360" "$p99" "$to" "/healthz" "$health"
  read -r doc p99 to _ < <(measure /api/openapi.json)
  row "GET /api/openapi.json" "$doc" "$p99" "$to" "/healthz" "$health"
  local contacts
  contacts=$(curl -sf "${auth[@]}" "http://$bind/api/v1/contacts?limit=1000" \
    | python3 -c 'import json,sys; print(",".join(str(i["id"]) for i in json.load(sys.stdin)["items"]))')
  read -r post p99 to non < <(TOKEN="$token" CONTACTS="$contacts" measure / -s bench/post_activity.lua)
  row "POST /api/v1/activities ($non not 201)" "$post" "$p99" "$to" "/healthz" "$health"
  echo "server log errors: $(grep -ciE "panicked|database is locked| ERROR " "$log" || true)"
  stop_server
}

echo "| backend | request | measured | reference, same run | ratio |"
echo "|---|---|---|---|---|"
each_backend run abcrm_http "$@"
