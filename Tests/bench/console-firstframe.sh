#!/bin/bash
# Usage: firstframe.sh BINARY DATA_DIR RUNS — starts the console in tmux RUNS times and prints, per run,
# the time from exec to the first frame with data and to all panes loaded (from --timing-log).
B=$1; D=$2; N=${3:-5}; LOG=$(mktemp); S=ff-$$
for i in $(seq 1 $N); do
  tmux kill-session -t $S 2>/dev/null
  tmux new-session -d -s $S -x 100 -y 30 "echo start \$(date +%s.%N) >> $LOG; exec env LANG=C.UTF-8 TERM=tmux-256color $B console --data-dir $D --timing-log $LOG"
  for j in $(seq 1 100); do [ "$(grep -c 'all panes' $LOG)" -ge $i ] && break; sleep 0.1; done
  tmux send-keys -t $S q; sleep 0.4
done
tmux kill-session -t $S 2>/dev/null
awk '/^start/ {s=$2} /first frame with data/ {f=$(NF)} /all panes loaded/ {a=$(NF); gsub(/\)/,"",f); gsub(/\)/,"",a); printf "exec→first data frame %.0f ms, exec→all panes %.0f ms\n", (f-s)*1000, (a-s)*1000}' $LOG
rm -f $LOG
