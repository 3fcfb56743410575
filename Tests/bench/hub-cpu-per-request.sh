#!/bin/bash
# CPU the hub spends per request (user + system time of the hub process, all threads, from
# /proc/PID/stat), for chat non-streamed and streamed in service-provider mode (key check, hold,
# ledger charge and usage event per request) against the built-in mock upstream, under wrk.
# CPU time per request is far less sensitive to other load on the machine than throughput (it
# still grows a little with cache contention). Includes the usage writer's batched commits.
# Needs `swift build -c release` first and wrk. (valgrind 3.19 cannot run the Swift 6.3 binary and
# this VM has no hardware counters, so instructions are not counted.)
#
#   Tests/bench/hub-cpu-per-request.sh
#   HUB_BINARY=/path/to/aigne-hub CONNECTIONS=32 SECONDS_PER_RUN=20 Tests/bench/hub-cpu-per-request.sh
set -u
cd "$(dirname "$0")/../.."   # the package root
R=${HUB_BINARY:-$PWD/.build/release/aigne-hub}
RUN=${SECONDS_PER_RUN:-15}; CONNS=${CONNECTIONS:-32}
W=$(mktemp -d /tmp/hub-cpu.XXXXXX); D=$W/data
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MOCK_PORT=$(free_port); HUB_PORT=$(free_port)
$R init --data-dir $D --mode service-provider >/dev/null
$R mock-upstream --port $MOCK_PORT > $W/mock.log 2>&1 & MOCK=$!
trap 'kill $MOCK $HUB 2>/dev/null; wait 2>/dev/null' EXIT
for i in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$MOCK_PORT/mock/stats" && break; sleep 0.1; done
$R admin providers add mock --kind openai-compatible --base-url http://127.0.0.1:$MOCK_PORT/v1 --data-dir $D >/dev/null
CRED=sk-bench $R admin credentials add mock --name c0 --secret-env CRED --data-dir $D >/dev/null
$R admin rates set mock/mock-model --input 1 --output 2 --per 1M --cost-input 0.5 --cost-output 1 --data-dir $D >/dev/null
$R admin users add bench --data-dir $D >/dev/null
$R admin users grant bench 1000000 --reason bench --data-dir $D >/dev/null
KEY=$($R admin keys create bench --name bench --json --data-dir $D | python3 -c "import json,sys;print(json.load(sys.stdin)['secret'])")

$R serve --data-dir $D --port $HUB_PORT --log-level error > $W/hub.out 2> $W/hub.err & HUB=$!
for i in $(seq 1 100); do grep -q listening $W/hub.out 2>/dev/null && break; sleep 0.2; done
grep -q listening $W/hub.out || { echo "the hub did not start: $(cat $W/hub.err)"; exit 1; }

script() {   # $1: stream true|false
  cat > $W/post-$1.lua <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
wrk.body = '{"model":"mock-model","max_tokens":16,"stream":$1,"messages":[{"role":"user","content":"say something short please"}]}'
LUA
}
requests() { curl -s "http://127.0.0.1:$MOCK_PORT/mock/stats" | python3 -c "import json,sys;print(json.load(sys.stdin)['requests'])"; }
cpu_ticks() { awk '{print $14 + $15}' /proc/$HUB/stat; }
events() { sqlite3 "file:$D/hub.sqlite?mode=ro" "SELECT COUNT(*) FROM usage_events" 2>/dev/null || echo 0; }
script false; script true
# Warm-up (connections, pools, caches), not counted.
wrk -t1 -c$CONNS -d5s -s $W/post-false.lua http://127.0.0.1:$HUB_PORT/v1/chat/completions >/dev/null
wrk -t1 -c$CONNS -d3s -s $W/post-true.lua http://127.0.0.1:$HUB_PORT/v1/chat/completions >/dev/null
for mode in false true; do
  # Let the usage writer catch up, then count from zero.
  for i in $(seq 1 100); do [ "$(events)" = "$(requests)" ] && break; sleep 0.2; done
  ticks0=$(cpu_ticks)
  before=$(requests)
  wrk -t2 -c$CONNS -d${RUN}s -s $W/post-$mode.lua http://127.0.0.1:$HUB_PORT/v1/chat/completions > $W/wrk-$mode.txt
  after=$(requests)
  for i in $(seq 1 100); do [ "$(events)" = "$after" ] && break; sleep 0.2; done
  ticks1=$(cpu_ticks)
  n=$((after - before)); hz=$(getconf CLK_TCK)
  label=$([ $mode = true ] && echo "streamed" || echo "non-streamed")
  python3 -c "t=($ticks1-$ticks0)/$hz; print(f'$label chat at concurrency $CONNS: {$n} requests in ${RUN} s ({$n/$RUN:.0f} req/s), hub CPU {t:.2f} s, {t*1000/max($n,1):.3f} ms CPU per request')"
done
