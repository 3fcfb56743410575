#!/usr/bin/env bash
# The cluster benchmark of docs/benchmarks.md ("Cluster: SQLite node, PostgreSQL node, two PostgreSQL
# nodes"): in ONE run, on the shared harness (wrk on loopback, bench.py, its mock upstream), billing on
# (service-provider mode, a priced model, a user with plenty of credits), concurrency 32:
#   mock    the mock upstream alone
#   sqlite  one node on its SQLite data directory
#   pg1     one node on PostgreSQL
#   pg2     two nodes on the same PostgreSQL database, each driven at c16 at the same time (sum of both)
# PostgreSQL is a throwaway server (Debian's /usr/lib/postgresql/15/bin, run as the `postgres` user
# when root) with pg_stat_statements, so each PostgreSQL run also reports the statements the hub sent
# (= database round trips: one statement, one round trip) and its transactions, per request served.
# After each run the money invariants are checked with SQL and printed.
#
# usage: Tests/bench/cluster-bench.sh [RESULT_DIR]      (after `swift build -c release`)
# env:   DUR=10 (s per run)  WARM=3  QUIET=20 (wait up to N s for an idle machine before each run)
#        HARNESS=/work/shared/bench  BIN=.build/release/aigne-hub  PGBIN=/usr/lib/postgresql/15/bin
#        PG_SYNC=off (synchronous_commit: off matches the SQLite node's `synchronous = NORMAL` in WAL
#        mode, no flush at commit; `on` flushes the WAL at every commit)  CONFIGS="mock sqlite pg1 pg2"
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/.build/release/aigne-hub}
HARNESS=${HARNESS:-/work/shared/bench}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
DUR=${DUR:-10} WARM=${WARM:-3} QUIET=${QUIET:-20} PG_SYNC=${PG_SYNC:-off}
CONFIGS=${CONFIGS:-"mock sqlite pg1 pg2"}
RESULTS=${1:-}
[ -x "$BIN" ] || { echo "no release build at $BIN: swift build -c release first" >&2; exit 1; }
[ -f "$HARNESS/bench.py" ] || { echo "no harness at $HARNESS (set HARNESS=)" >&2; exit 1; }
[ -x "$PGBIN/postgres" ] || { echo "no PostgreSQL in $PGBIN: apt-get install postgresql" >&2; exit 1; }
command -v wrk >/dev/null || { echo "no wrk: apt-get install wrk" >&2; exit 1; }

W=$(mktemp -d /tmp/cluster-bench.XXXXXX); chmod 711 "$W"
H=$W/harness; cp -r "$HARNESS/." "$H"; rm -f "$H"/*.pid "$H"/*.jsonl
OUT=$W/results.jsonl STATS=$W/stats.jsonl; touch "$OUT" "$STATS"
HUBS=() PGPID="" MOCK=""

cleanup() {
  set +e
  for p in "${HUBS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${HUBS[@]}"; do wait "$p" 2>/dev/null; done
  [ -n "$MOCK" ] && kill "$MOCK" 2>/dev/null && wait "$MOCK" 2>/dev/null
  [ -n "$PGPID" ] && kill -QUIT "$PGPID" 2>/dev/null && wait "$PGPID" 2>/dev/null
  if [ -n "$RESULTS" ]; then mkdir -p "$RESULTS"; cp "$W"/*.jsonl "$W"/*.txt "$RESULTS"/ 2>/dev/null; fi
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
py_h() { python3 -c "import sys; sys.path.insert(0, '$H'); import bench; $1"; }
tree_ticks() { py_h "print(sum(bench.cpu_ticks(p) for p in bench.tree_pids($1)))"; }
# as the postgres user when root (setpriv execs in place: the pid started is the program's own)
ASPG=(); [ "$(id -u)" = 0 ] && ASPG=(setpriv --reuid=postgres --regid=postgres --init-groups)
note() { echo "# $*" | tee -a "$W/notes.txt"; }

echo "== cluster-bench $(date -u '+%F %T UTC') on $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores"
note "load at start: $(uptime)"

# --- the mock upstream (the harness's, on a free port)
MOCK_PORT=$(free_port); export MOCK_PORT
"$H/start_mock.sh" >/dev/null; MOCK=$(cat "$H/mock.pid")
MOCK_URL=http://127.0.0.1:$MOCK_PORT

# --- a throwaway PostgreSQL server
PGDIR=$W/pg; mkdir -m 700 "$PGDIR"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDIR"
PGPORT=$(free_port)
"${ASPG[@]}" "$PGBIN/initdb" -D "$PGDIR/data" -U postgres --auth-local=trust --auth-host=trust -E UTF8 \
  --locale=C.UTF-8 --no-sync >/dev/null
PRELOAD=(); STMTS=0
if [ -f "$("$PGBIN/pg_config" --pkglibdir)/pg_stat_statements.so" ]; then
  PRELOAD=(-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=top
           -c pg_stat_statements.track_utility=on -c pg_stat_statements.max=5000); STMTS=1
fi
"${ASPG[@]}" "$PGBIN/postgres" -D "$PGDIR/data" -p "$PGPORT" -h 127.0.0.1 -k "$PGDIR" -c max_connections=200 \
  -c synchronous_commit="$PG_SYNC" -c shared_buffers=256MB "${PRELOAD[@]}" > "$W/postgres.log" 2>&1 &
PGPID=$!
for i in $(seq 1 100); do "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT" -U postgres && break; sleep 0.2; done
"$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT" -U postgres || { cat "$W/postgres.log"; exit 1; }
# psql as another role, so that its own statements are told apart from the hubs' (role postgres)
sql() { "$PGBIN/psql" -h "$PGDIR" -p "$PGPORT" -U "${2:-bench}" -d postgres -XqAt -F '|' -v ON_ERROR_STOP=1 -c "$1"; }
sqldb() { "$PGBIN/psql" -h "$PGDIR" -p "$PGPORT" -U bench -d "$1" -XqAt -F '|' -v ON_ERROR_STOP=1 -c "$2"; }
sql "CREATE ROLE bench SUPERUSER LOGIN" postgres
[ "$STMTS" = 1 ] && sql "CREATE EXTENSION pg_stat_statements"
note "PostgreSQL $(sql 'SHOW server_version') on 127.0.0.1:$PGPORT, synchronous_commit=$PG_SYNC, pg_stat_statements: $([ "$STMTS" = 1 ] && echo on || echo 'not available (transactions only)')"

# --- a hub with billing on, as side_by_side.sh sets it up: setup DIR [--database URL]; prints its key
setup() {
  local HO=(--data-dir "$1"); shift; HO+=("$@")
  "$BIN" init "${HO[@]}" --mode service-provider >/dev/null
  "$BIN" admin providers add mock --kind openai-compatible --base-url "$MOCK_URL/v1" "${HO[@]}" >/dev/null
  echo sk-mock | "$BIN" admin credentials add mock --name main --secret-stdin "${HO[@]}" >/dev/null
  "$BIN" admin rates set mock/mock-gpt --input 1 --output 2 --per 1M "${HO[@]}" >/dev/null
  "$BIN" admin users add perf "${HO[@]}" >/dev/null
  "$BIN" admin users grant perf 1000000 --reason perf "${HO[@]}" >/dev/null
  "$BIN" admin keys create perf --name perf --json "${HO[@]}" | python3 -c 'import json,sys;print(json.load(sys.stdin)["secret"])'
}
# serve PORT DIR [--database URL]: starts a node, its pid in SERVED
serve() {
  local port=$1 dir=$2; shift 2
  "$BIN" serve --data-dir "$dir" "$@" --port "$port" --log-level error > "$dir.log" 2>&1 &
  SERVED=$!; HUBS+=("$SERVED")
  "$H/wait_ready.sh" "http://127.0.0.1:$port/healthz" 60 >/dev/null || { cat "$dir.log"; exit 1; }
}
stop_hubs() { for p in "${HUBS[@]}"; do kill -TERM "$p"; done; for p in "${HUBS[@]}"; do wait "$p" || true; done; HUBS=(); }
warm() { python3 "$H/bench.py" --label warmup --model mock/mock-gpt --url "$1" --key "$2" --conns 8 --duration "$WARM" --out "$W/warmup.jsonl" >/dev/null; }
quiet() {
  local q; q=$(py_h "print(*bench.wait_quiet($QUIET))")
  note "$1: before the run $(echo "$q" | cut -d' ' -f1) cores busy (waited $(echo "$q" | cut -d' ' -f2) s for quiet); $(uptime | sed 's/.*load/load/')"
}
# a snapshot of what the machine runs, half-way through a run
top_midway() { ( sleep $((DUR / 2)); top -b -n 1 -w 160 | head -22 > "$W/top-$1.txt" ) & TOPPID=$!; }
# bench LABEL URL KEY HUBPID CONNS [ALSO...]
bench() {
  local label=$1 url=$2 key=$3 pid=$4 conns=$5; shift 5
  local also=(); for p in "$@"; do also+=(--also-pid "$p"); done
  python3 "$H/bench.py" --label "$label" --model mock/mock-gpt --url "$url" --key "$key" --conns "$conns" \
    --duration "$DUR" --pid "$pid" "${also[@]}" --out "$OUT"
}

# PostgreSQL counters: requests recorded in the database, statements and transactions the hubs sent
pg_events() { sqldb "$1" "SELECT count(*) FROM usage_events"; }
pg_wait_settled() {   # until no hold is open and the event count stands still (the writer drained)
  local db=$1 last=-1 now
  for i in $(seq 1 60); do
    now=$(pg_events "$db")
    [ "$now" = "$last" ] && [ "$(sqldb "$db" 'SELECT count(*) FROM holds')" = 0 ] && return 0
    last=$now; sleep 0.5
  done
}
pg_counters() {   # db -> "statements|transactions|write_transactions" of role postgres in that database
  if [ "$STMTS" = 1 ]; then
    sql "SELECT coalesce(sum(calls),0), coalesce(sum(calls) FILTER (WHERE query ILIKE 'BEGIN%'),0),
                coalesce(sum(calls) FILTER (WHERE query ILIKE '%pg_advisory_xact_lock%'),0)
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid JOIN pg_roles r ON r.oid = s.userid
         WHERE d.datname = '$1' AND r.rolname = 'postgres'"
  else
    sql "SELECT 0, xact_commit + xact_rollback, 0 FROM pg_stat_database WHERE datname = '$1'"
  fi
}
pg_top_statements() {   # db requests -> the hubs' statements by calls per request
  [ "$STMTS" = 1 ] || return 0
  echo "   statements per request served ($2 requests), most frequent first (calls/request | mean execution ms in the server):"
  sql "SELECT to_char(sum(calls)::numeric / $2, '990.000'), to_char(sum(total_exec_time) / sum(calls), '990.0000'),
              regexp_replace(left(query, 100), '\s+', ' ', 'g')
       FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid JOIN pg_roles r ON r.oid = s.userid
       WHERE d.datname = '$1' AND r.rolname = 'postgres' GROUP BY query ORDER BY sum(calls) DESC LIMIT 18" |
    sed 's/^/     /' | tee "$W/statements-$1.txt"
  echo "   server execution time of all the hubs' statements: $(sql "SELECT round((sum(total_exec_time) / $2)::numeric, 3)
       FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid JOIN pg_roles r ON r.oid = s.userid
       WHERE d.datname = '$1' AND r.rolname = 'postgres'") ms per request"
}
INVARIANTS="SELECT
  (SELECT count(*) FROM usage_events WHERE status = 200),
  (SELECT count(*) FROM usage_events WHERE credits_charged > 0),
  (SELECT count(*) FROM ledger WHERE kind = 'usage'),
  (SELECT count(*) FROM users u WHERE balance != (SELECT coalesce(sum(amount), 0) FROM ledger l WHERE l.user_id = u.id)),
  (SELECT count(*) FROM users WHERE balance < 0),
  (SELECT count(*) FROM holds)"
print_invariants() {   # label "ok|charged|usage|off|negative|holds"
  IFS='|' read -r ok charged usage off neg holds <<< "$2"
  local verdict=OK; { [ "$charged" = "$usage" ] && [ "$off" = 0 ] && [ "$neg" = 0 ] && [ "$holds" = 0 ]; } || verdict=BROKEN
  echo "   invariants $1: $ok events 200, $charged charged events = $usage usage ledger entries, $off balances off their ledger, $neg negative balances, $holds open holds: $verdict"
  echo "{\"label\":\"$1\",\"invariants\":\"$verdict\"}" >> "$STATS"
}
pg_run_stats() {   # label db stmts0 req0 pgticks0 -> stats line
  local label=$1 db=$2 req0=$3 ticks0=$4 stm tx wtx req ticks
  pg_wait_settled "$db"
  ticks=$(tree_ticks "$PGPID")
  IFS='|' read -r stm tx wtx <<< "$(pg_counters "$db")"
  req=$(( $(pg_events "$db") - req0 ))
  python3 - "$label" "$req" "$stm" "$tx" "$wtx" "$((ticks - ticks0))" "$STMTS" >> "$STATS" <<'PY'
import json, os, sys
label, req, stm, tx, wtx, ticks, have = sys.argv[1], *map(int, sys.argv[2:])
print(json.dumps({"label": label, "db_requests": req, "statements": stm if have else None, "transactions": tx,
                  "write_transactions": wtx if have else None,
                  "pg_cpu_ms_per_req": round(1000 * ticks / os.sysconf("SC_CLK_TCK") / max(1, req), 3)}))
PY
  echo "   $label: $req requests recorded; $stm statements ($(python3 -c "print(round($stm/max(1,$req),2))")/request), $tx transactions ($(python3 -c "print(round($tx/max(1,$req),3))")/request, $wtx write)"
  pg_top_statements "$db" "$req"
}

for config in $CONFIGS; do
  case $config in
  mock)
    echo "== the mock upstream alone, c32"
    warm "$MOCK_URL/v1/chat/completions" sk-mock; quiet mock
    python3 "$H/bench.py" --label mock --model mock-gpt --url "$MOCK_URL/v1/chat/completions" --key sk-mock \
      --conns 32 --duration "$DUR" --pid "$MOCK" --out "$OUT" ;;
  sqlite)
    echo "== one node on SQLite, c32"
    D=$W/sqlite; KEY=$(setup "$D"); P=$(free_port); serve "$P" "$D"; HUB=$SERVED
    URL=http://127.0.0.1:$P/v1/chat/completions
    warm "$URL" "$KEY"; quiet sqlite; top_midway sqlite
    bench sqlite "$URL" "$KEY" "$HUB" 32 "$MOCK"
    wait "$TOPPID"; stop_hubs
    print_invariants sqlite "$(python3 - "$D/hub.sqlite" "$INVARIANTS" <<'PY'
import sqlite3, sys
print("|".join(str(v) for v in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()))
PY
)" ;;
  pg1)
    echo "== one node on PostgreSQL, c32"
    sql "CREATE DATABASE pg1"; DBURL="postgres://postgres@127.0.0.1:$PGPORT/pg1?sslmode=disable"
    D=$W/pg1-node1; KEY=$(setup "$D" --database "$DBURL"); P=$(free_port); serve "$P" "$D" --database "$DBURL"; HUB=$SERVED
    URL=http://127.0.0.1:$P/v1/chat/completions
    warm "$URL" "$KEY"; pg_wait_settled pg1; quiet pg1
    [ "$STMTS" = 1 ] && sql "SELECT pg_stat_statements_reset()" >/dev/null
    R0=$(pg_events pg1); T0=$(tree_ticks "$PGPID"); top_midway pg1
    bench pg1 "$URL" "$KEY" "$HUB" 32 "$MOCK" "$PGPID"
    wait "$TOPPID"; pg_run_stats pg1 pg1 "$R0" "$T0"
    stop_hubs; print_invariants pg1 "$(sqldb pg1 "$INVARIANTS")" ;;
  pg2)
    echo "== two nodes on one PostgreSQL, c16 each at the same time"
    sql "CREATE DATABASE pg2"; DBURL="postgres://postgres@127.0.0.1:$PGPORT/pg2?sslmode=disable"
    D1=$W/pg2-node1 D2=$W/pg2-node2; KEY=$(setup "$D1" --database "$DBURL")
    mkdir -m 700 "$D2"; cp "$D1/secret.key" "$D2/secret.key"; chmod 600 "$D2/secret.key"
    P1=$(free_port); serve "$P1" "$D1" --database "$DBURL"; HUB1=$SERVED
    P2=$(free_port); serve "$P2" "$D2" --database "$DBURL"; HUB2=$SERVED
    U1=http://127.0.0.1:$P1/v1/chat/completions U2=http://127.0.0.1:$P2/v1/chat/completions
    warm "$U1" "$KEY" & WP=$!; warm "$U2" "$KEY"; wait "$WP"; pg_wait_settled pg2; quiet pg2
    [ "$STMTS" = 1 ] && sql "SELECT pg_stat_statements_reset()" >/dev/null
    R0=$(pg_events pg2); T0=$(tree_ticks "$PGPID"); top_midway pg2
    bench pg2-node1 "$U1" "$KEY" "$HUB1" 16 "$MOCK" "$PGPID" & B1=$!
    bench pg2-node2 "$U2" "$KEY" "$HUB2" 16 "$MOCK" "$PGPID" & B2=$!
    wait "$B1"; wait "$B2"; wait "$TOPPID"
    pg_run_stats pg2 pg2 "$R0" "$T0"
    echo "   requests recorded per node: $(sqldb pg2 "SELECT string_agg(n::text, ' / ') FROM (SELECT count(*) n FROM usage_events GROUP BY node_id ORDER BY node_id) x")"
    stop_hubs; print_invariants pg2 "$(sqldb pg2 "$INVARIANTS")" ;;
  *) echo "unknown config $config" >&2; exit 2 ;;
  esac
  if [ -f "$W/top-$config.txt" ]; then echo "   top, half-way through the run:"; sed 's/^/     /' "$W/top-$config.txt"; fi
done
note "load at end: $(uptime)"

echo "== summary (DUR=$DUR s per run, c32 in all; pg2 = two nodes at c16 each, summed)"
python3 - "$OUT" "$STATS" <<'PY'
import json, sys
runs = {}
for line in open(sys.argv[1]):
    r = json.loads(line); runs[r["label"]] = r
stats = {}
for line in open(sys.argv[2]):
    s = json.loads(line); stats.setdefault(s["label"], {}).update(s)
rows = []
if "mock" in runs: rows.append(("mock alone", [runs["mock"]]))
for label, name in (("sqlite", "SQLite, 1 node"), ("pg1", "PostgreSQL, 1 node")):
    if label in runs: rows.append((label, [runs[label]]))
pg2 = [runs[k] for k in ("pg2-node1", "pg2-node2") if k in runs]
if pg2: rows.append(("pg2", pg2))
base = runs.get("sqlite", {}).get("rps")
names = {"mock alone": "mock alone", "sqlite": "SQLite, 1 node", "pg1": "PostgreSQL, 1 node",
         "pg2": "PostgreSQL, 2 nodes (c16+c16)"}
print("| config | req/s | p50 ms | p99 ms | hub CPU ms/req | PostgreSQL CPU ms/req | DB statements/req | "
      "transactions/req | % of SQLite | machine busy / foreign CPU cores | errors | invariants |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for label, rs in rows:
    rps = sum(r["rps"] for r in rs)
    p50 = " / ".join(f"{r['p50_ms']:.2f}" for r in rs)
    p99 = " / ".join(f"{r['p99_ms']:.2f}" for r in rs)
    req = sum(r["requests"] for r in rs)
    cpu = "-" if label == "mock alone" else f"{sum(r.get('target_cpu_s', 0) for r in rs) * 1000 / max(1, req):.3f}"
    s = stats.get(label, {})
    dbreq = s.get("db_requests") or 0
    stm = f"{s['statements'] / dbreq:.2f}" if s.get("statements") is not None and dbreq else "-"
    tx = f"{s['transactions'] / dbreq:.3f}" if dbreq else "-"
    pgcpu = f"{s['pg_cpu_ms_per_req']:.3f}" if "pg_cpu_ms_per_req" in s else "-"
    pct = f"{100 * rps / base:.0f} %" if base and label != "mock alone" else "-"
    foreign = " ; ".join(f"{r.get('machine_busy_cores', '-')} / {r.get('foreign_cpu_cores', '-')}" for r in rs)
    print(f"| {names[label]} | {rps:,.0f} | {p50} | {p99} | {cpu} | {pgcpu} | {stm} | {tx} | {pct} | {foreign} | "
          f"{sum(r['errors'] for r in rs)} | {s.get('invariants', '-')} |")
PY
