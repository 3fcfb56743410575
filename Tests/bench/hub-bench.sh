#!/bin/bash
# The hub benchmark of the README: plain runs at concurrency 1, 32 and 256 against a mock upstream, the
# hub's RSS, and the ledger invariant afterwards. Needs `swift build -c release` first.
set -u
cd "$(dirname "$0")/../.."   # the package root
R=$PWD/.build/release/aigne-hub
D=/tmp/bench; rm -rf $D /tmp/keys.txt
$R init --data-dir $D --mode service-provider >/dev/null
$R mock-upstream --port 18399 > /dev/null 2>&1 & MOCK=$!
sleep 1
$R admin providers add mock --kind openai-compatible --base-url http://127.0.0.1:18399/v1 --data-dir $D >/dev/null
CRED=sk-bench $R admin credentials add mock --name c0 --secret-env CRED --data-dir $D >/dev/null
$R admin rates set mock/mock-model --input 1 --output 2 --per 1M --cost-input 0.5 --cost-output 1 --data-dir $D >/dev/null
for u in b1 b2 b3 b4; do $R admin users add $u --data-dir $D >/dev/null; $R admin users grant $u 1000000 --reason bench --data-dir $D >/dev/null
  $R admin keys create $u --name bench --json --data-dir $D | python3 -c "import json,sys;print(json.load(sys.stdin)['secret'])" >> /tmp/keys.txt; done
$R serve --data-dir $D --port 18390 > /dev/null 2>&1 & HUB=$!
sleep 1
KEYS=$(sed 's/^/--key /' /tmp/keys.txt | tr '\n' ' ')
echo "== concurrency 1"; $R bench --url http://127.0.0.1:18390/v1 $KEYS --upstream-url http://127.0.0.1:18399/v1 --concurrency 1 --duration 10 --warmup 2
echo "== concurrency 32"; $R bench --url http://127.0.0.1:18390/v1 $KEYS --upstream-url http://127.0.0.1:18399/v1 --concurrency 32 --duration 10 --warmup 2
echo "== concurrency 256"; ( $R bench --url http://127.0.0.1:18390/v1 $KEYS --concurrency 256 --duration 10 --warmup 2 & B=$!; sleep 8; echo "hub RSS KB: $(ps -o rss= -p $HUB)"; wait $B )
echo "== invariant"; sqlite3 $D/hub.sqlite "SELECT COUNT(*) FROM users u WHERE u.balance != (SELECT COALESCE(SUM(amount),0) FROM ledger WHERE user_id=u.id); SELECT COUNT(*) FROM usage_events WHERE credits_charged > 0; SELECT COUNT(*) FROM ledger WHERE kind='usage';"
kill -TERM $HUB; sleep 2; kill -KILL $MOCK 2>/dev/null
