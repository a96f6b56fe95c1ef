#!/bin/bash
# How long `finwait run` takes from SIGINT to its exit, with one cell of N connections
# (default 5000) whose sockets stay (the server shuts down, the client froze after the
# FIN): the run is interrupted mid-cell and must tear everything down first. Prints each
# trial, then the median and the maximum. Not part of `make check` (about 5 s a trial).
#   tests/bench/sigint-latency.sh [N [TRIALS]]     (FINWAIT=path/to/finwait, as root)
set -eu
fw=${FINWAIT:-build/harness/finwait}
n=${1:-5000}
trials=${2:-10}
sc=$(mktemp --suffix=.ini)
trap 'rm -f "$sc"' EXIT
printf '[scenario]\nname = sigint-latency\nconnections = %s\nlimit = 60s\n\n[server]\nclose = shutdown\n\n[client]\nfault = freeze\nat = after-fin\n' "$n" >"$sc"
times=()
for i in $(seq "$trials"); do
	"$fw" run --quiet "$sc" >/dev/null 2>&1 &
	pid=$!
	# Mid-cell: every client process has reached its point and stopped itself (state T).
	until [ -n "$(pgrep -P "$pid" -x finwait-client)" ] &&
	      ! ps -o stat= -p "$(pgrep -d, -P "$pid" -x finwait-client)" | grep -qv '^T'; do
		sleep 0.01
	done
	t0=$(date +%s%N)
	kill -INT "$pid"
	rc=0
	wait "$pid" || rc=$?
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000 ))
	times+=("$ms")
	printf 'trial %d: exit %d, %d.%03d ms\n' "$i" "$rc" $((ms / 1000)) $((ms % 1000))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
med=${sorted[$(( (${#sorted[@]} - 1) / 2 ))]}
max=${sorted[$(( ${#sorted[@]} - 1 ))]}
printf 'SIGINT to exit, %d connections, %d trials: median %d.%03d ms, max %d.%03d ms\n' \
	"$n" "$trials" $((med / 1000)) $((med % 1000)) $((max / 1000)) $((max % 1000))
