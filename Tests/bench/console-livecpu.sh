#!/bin/sh
# The console's own CPU while its Live pane (120x40) shows 5,000 usage events/s, through the database
# and through a running hub's admin socket: a Python writer inserts the events into hub.sqlite in 50 ms
# batches (Tests/bench/console-livewriter.py); the console's utime+stime from /proc/PID/stat over 15 s.
#
#   Tests/bench/console-livecpu.sh .build-release/release/aigne-hub [RATE]
#
# The binary should be a release build (swift build -c release --product aigne-hub). Prints one line
# per connection: "<connection>: N.N % of one core (M events/s written)".
set -eu
bin=$1; rate=${2:-5000}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/console-livecpu-XXXXXX)
trap 'tmux -L livecpu kill-server 2>/dev/null || true; [ -n "${hub:-}" ] && kill $hub 2>/dev/null; rm -rf "$dir"' EXIT
"$bin" init --data-dir "$dir/hub" >/dev/null
for user in alice bob 王小明 carol dave; do "$bin" admin users add "$user" --data-dir "$dir/hub" >/dev/null; done
for p in openai anthropic deepseek; do
  "$bin" admin providers add $p --kind openai-compatible --base-url https://example.invalid/v1 --data-dir "$dir/hub" >/dev/null
done
ticks=$(getconf CLK_TCK)

measure() {  # $1: label, $2: extra console arguments
  tmux -L livecpu new-session -d -s lc -x 120 -y 40 "exec env LANG=C.UTF-8 TERM=tmux-256color $bin console --data-dir $dir/hub $2"
  pid=$(tmux -L livecpu list-panes -t lc -F '#{pane_pid}')
  until tmux -L livecpu capture-pane -p -t lc | grep -q '1 Mode'; do sleep 0.2; done
  tmux -L livecpu send-keys -t lc 5
  python3 "$here/console-livewriter.py" "$dir/hub/hub.sqlite" "$rate" 22 > "$dir/writer.txt" &
  writer=$!
  sleep 5   # the feed reaches its steady state
  a=$(awk '{print $14+$15}' /proc/$pid/stat); sleep 15; b=$(awk '{print $14+$15}' /proc/$pid/stat)
  wait $writer
  echo "$1: $(echo "$a $b $ticks" | awk '{printf "%.1f", ($2-$1)*100/(15*$3)}') % of one core ($(cat "$dir/writer.txt"))"
  tmux -L livecpu kill-server
}

measure "database connection" ""
"$bin" serve --data-dir "$dir/hub" --port 0 > "$dir/serve.log" 2>&1 &
hub=$!
until [ -S "$dir/hub/admin.sock" ]; do sleep 0.2; done
measure "admin socket (hub running)" ""
