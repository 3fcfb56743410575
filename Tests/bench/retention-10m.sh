#!/bin/bash
# Retention on a large database (docs/benchmarks.md, "Retention on 10 million usage events"): fills a hub
# with N raw usage events (default 10,000,000) spread over 120 days by SQL in batches, serves steady traffic
# through it, sets a 30-day retention and reports the pruning rate, the traffic's latency before and while
# the hub prunes, how long the incremental vacuum took, and the database file's size before and after.
#
#   Tests/bench/retention-10m.sh [EVENTS]
#
# AIGNE_HUB picks the binary (default .build/debug/aigne-hub; a release build gives lower latency figures),
# BENCH_DIR the data directory (default /tmp/bench-retention; it needs about 300 bytes per event).
# BENCH_REUSE=1 keeps the events of an earlier run in BENCH_DIR (retention off, hub stopped) instead of
# generating them again.
set -eu
cd "$(dirname "$0")/../.."   # the package root
R=${AIGNE_HUB:-$PWD/.build/debug/aigne-hub}
N=${1:-10000000}
D=${BENCH_DIR:-/tmp/bench-retention}
MOCK_PORT=18499; HUB_PORT=18490
cleanup() { kill -TERM ${HUB:-} 2>/dev/null || true; kill -KILL ${MOCK:-} ${LOAD:-} 2>/dev/null || true; }
trap cleanup EXIT
size() { du -b "$D/hub.sqlite" | cut -f1; }
now() { date +%s.%N; }

if [ "${BENCH_REUSE:-0}" != 1 ]; then
rm -rf "$D"
$R init --data-dir "$D" --mode service-provider >/dev/null
$R admin providers add mock --kind openai-compatible --base-url http://127.0.0.1:$MOCK_PORT/v1 --data-dir "$D" >/dev/null
CRED=sk-bench $R admin credentials add mock --name c0 --secret-env CRED --data-dir "$D" >/dev/null
$R admin rates set mock/mock-model --input 1 --output 2 --per 1M --cost-input 0.5 --cost-output 1 --data-dir "$D" >/dev/null
for u in u0 u1 u2; do $R admin users add $u --data-dir "$D" >/dev/null; done
$R admin users add load --data-dir "$D" >/dev/null
$R admin users grant load 1000000 --reason bench --data-dir "$D" >/dev/null
$R admin keys create load --name bench --json --data-dir "$D" | python3 -c "import json,sys;print(json.load(sys.stdin)['secret'])" > "$D/bench.key"
sqlite3 "$D/hub.sqlite" "INSERT INTO teams (name, created_at) VALUES ('t0', CURRENT_TIMESTAMP), ('t1', CURRENT_TIMESTAMP)"

# As a hub writes them: in time order (oldest first), with random request ids.
echo "== generating $N usage events over 120 days"
T0=$(now)
BATCH=200000
for ((start = 0; start < N; start += BATCH)); do
  end=$((start + BATCH < N ? start + BATCH : N))
  sqlite3 "$D/hub.sqlite" > /dev/null <<SQL
PRAGMA busy_timeout = 30000;
WITH RECURSIVE n(i) AS (SELECT $start UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $end)
INSERT INTO usage_events (request_id, user_id, team_id, provider_id, model, tokens_in, tokens_out, provider_cost,
                          credits_charged, latency_ms, status, usage_source, created_at)
SELECT 'req_' || lower(hex(randomblob(12))), 1 + i % 3, CASE WHEN i % 3 = 2 THEN NULL ELSE 1 + i % 2 END, 1,
       CASE WHEN i % 5 = 0 THEN 'other-model' ELSE 'mock-model' END, 10 + i % 100, 5 + i % 50, 1000003 * (1 + i % 7),
       2000017 * (1 + i % 11), 20 + i % 30, CASE WHEN i % 50 = 0 THEN 502 ELSE 200 END, 'upstream',
       strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || (120 * 86400.0 * ($N - i) / $N) || ' seconds')
FROM n;
SQL
done
printf "generated in %.0f s\n" "$(echo "$(now) - $T0" | bc)"
else
$R admin retention set off --data-dir "$D" >/dev/null
fi
rm -f "$D/.pruning"
KEY=$(cat "$D/bench.key")
sqlite3 "$D/hub.sqlite" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
$R mock-upstream --port $MOCK_PORT > /dev/null 2>&1 & MOCK=$!
OLD=$(sqlite3 "$D/hub.sqlite" "SELECT COUNT(*) FROM usage_events WHERE created_at < strftime('%Y-%m-%d %H:%M:%f', 'now', '-30 days')")
BEFORE=$(size)
printf "hub.sqlite %d bytes (%.0f bytes/event); %d events older than 30 days\n" \
  "$BEFORE" "$(echo "$BEFORE / $(sqlite3 "$D/hub.sqlite" 'SELECT COUNT(*) FROM usage_events')" | bc -l)" "$OLD"
REPORT_BEFORE=$($R admin report chargeback --month "$(date -u -d '-45 days' +%Y-%m)" --by team --format csv --data-dir "$D")

$R serve --data-dir "$D" --port $HUB_PORT --prune-interval 1 > "$D/serve.out" 2> "$D/serve.log" & HUB=$!
until grep -q "listening" "$D/serve.out" 2>/dev/null; do sleep 0.2; done
BENCH="$R bench --url http://127.0.0.1:$HUB_PORT/v1 --key $KEY --rate 100"
echo "== traffic before pruning (open loop, 100 requests/s)"
$BENCH --duration 15 --warmup 2 | grep -E "^hub"

echo "== retention set 30: pruning $OLD events"
P0=$(sqlite3 "$D/hub.sqlite" 'PRAGMA busy_timeout = 5000; SELECT pruned_total FROM retention' | tail -1)
T1=$(now)
$R admin retention set 30 --data-dir "$D" >/dev/null
touch "$D/.pruning"
( while [ -f "$D/.pruning" ]; do $BENCH --duration 15 --warmup 0 | grep -E "^hub" | sed 's/^/while pruning: /'; done ) & LOAD=$!
while [ "$(sqlite3 "$D/hub.sqlite" 'PRAGMA busy_timeout = 5000; SELECT pruned_total FROM retention' | tail -1)" -lt "$((P0 + OLD))" ]; do sleep 1; done
T2=$(now)
while [ "$(sqlite3 "$D/hub.sqlite" 'PRAGMA busy_timeout = 5000; PRAGMA freelist_count' | tail -1)" -gt 1000 ]; do sleep 1; done
T3=$(now)
rm -f "$D/.pruning"; wait $LOAD
printf "pruned %d events in %.1f s: %.0f events/s; incremental vacuum done %.1f s later\n" \
  "$OLD" "$(echo "$T2 - $T1" | bc)" "$(echo "$OLD / ($T2 - $T1)" | bc -l)" "$(echo "$T3 - $T2" | bc)"
grep -E "pruned [0-9]+ usage events" "$D/serve.log" | head -1 || true
REPORT_AFTER=$($R admin report chargeback --month "$(date -u -d '-45 days' +%Y-%m)" --by team --format csv --data-dir "$D")
[ "$REPORT_BEFORE" = "$REPORT_AFTER" ] && echo "chargeback of $(date -u -d '-45 days' +%Y-%m) by team: unchanged" \
  || { echo "chargeback CHANGED:"; echo "$REPORT_BEFORE"; echo "$REPORT_AFTER"; }
kill -TERM $HUB; wait $HUB || true; HUB=
AFTER=$(size)
printf "hub.sqlite: %d bytes before, %d after (%.0f%%); %d events kept\n" "$BEFORE" "$AFTER" \
  "$(echo "100 * $AFTER / $BEFORE" | bc -l)" "$(sqlite3 "$D/hub.sqlite" 'SELECT COUNT(*) FROM usage_events')"
