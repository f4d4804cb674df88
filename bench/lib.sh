# Shared by the bench scripts that load `serve --demo` with wrk (sourced, from the repository's
# root): the binary, PostgreSQL's admin URL, a scratch folder that goes (with the server) on exit,
# starting the demo server, and running a measurement on each backend asked for.
bin="${ABCRM_BIN:-target/release/abcrm}"
admin_url="${ABCRM_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
[ -x "$bin" ] || cargo build --release -p abcrm

# Starts `serve --demo` on DATABASE, logging to LOG, on a port from PORT_BASE up; waits until it
# listens and sets `server`, `bind` and `token` (the demo's admin API token).
serve_demo() {
  local database="$1" log="$2" port_base="$3"
  bind="127.0.0.1:$((port_base + RANDOM % 100))"
  "$bin" serve --demo --database "$database" --bind "$bind" >"$log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do grep -q "is listening" "$log" && break; sleep 1; done
  token=$(sed -n "s/.*Demo API token (admin): \(abcrm_[A-Za-z0-9]*\).*/\1/p" "$log" | head -n1)
  [ -n "$token" ] || { cat "$log"; echo "the demo server did not start"; exit 1; }
}

# Stops the server `serve_demo` started.
stop_server() {
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

# Calls MEASURE NAME DATABASE for each backend named after the first two arguments (default
# both): SQLite in the scratch folder, PostgreSQL in a fresh database named DBNAME.
each_backend() {
  local measure="$1" dbname="$2"; shift 2
  local backends=("$@")
  [ ${#backends[@]} -gt 0 ] || backends=(sqlite postgres)
  for b in "${backends[@]}"; do
    case "$b" in
      sqlite) "$measure" sqlite "sqlite://$work/$dbname.db" ;;
      postgres)
        psql "$admin_url" -qc "DROP DATABASE IF EXISTS $dbname" -c "CREATE DATABASE $dbname"
        "$measure" postgres "${admin_url%/*}/$dbname" ;;
      *) echo "unknown backend $b (sqlite or postgres)"; exit 1 ;;
    esac
  done
}
