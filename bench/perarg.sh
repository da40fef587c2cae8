#!/usr/bin/env bash
# bench/perarg.sh - what one path argument costs rsguard serve, counted
# rather than timed (run by bench/run.sh; alone: bench/perarg.sh after make).
# For a pull naming N files, serve alone (--rsync=/bin/true, --sandbox=off,
# --log=none) is run with N and with 1 argument; the difference / (N - 1)
# is the cost of one argument:
#   syscalls/arg      strace -f -c, every system call serve makes
#   instructions/arg  callgrind, serve's own instructions (not the kernel's)
# Workloads: N arguments on the command line; the same N sent with rsync -s
# (secluded, read from a pipe); the same N through --root (three roots, the
# names beginning "m/").  Prints one row per workload; a missing tool
# prints "n/a".  It never fails on the numbers.
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
RSGUARD=${RSGUARD:-$(dirname "$HERE")/rsguard}
N=${BENCH_MANY_FILES:-2000}
[ -x "$RSGUARD" ] || { echo "perarg: $RSGUARD not built" >&2; exit 1; }

T=$(mktemp -d /tmp/rgp.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/srv/many"
for ((i = 1; i <= N; i++)); do : >"$T/srv/many/$(printf 'f%04d' "$i")"; done
DIR=$(cd "$T/srv" && pwd -P)
OPTS=-vlogDtpre.iLsfxCIvu

names() { for ((i = 1; i <= $1; i++)); do printf ' many/f%04d' "$i"; done; }
# stream K: rsync -s's list for K names, NUL-separated, empty-terminated
stream() { printf 'rsync\0.\0'; for ((i = 1; i <= $1; i++)); do printf 'many/f%04d\0' "$i"; done; printf '\0'; }

# run KIND K TOOL...: serve for K names under TOOL, stdin as KIND needs
run() {
	local kind=$1 k=$2
	shift 2
	if [ "$kind" = args ]; then
		SSH_ORIGINAL_COMMAND="rsync --server --sender $OPTS .$(names "$k")" \
			"$@" "$RSGUARD" serve --rsync=/bin/true --sandbox=off --log=none -ro "$DIR" </dev/null
	elif [ "$kind" = roots ]; then
		SSH_ORIGINAL_COMMAND="rsync --server --sender $OPTS .$(names "$k" | sed 's| many/| m/many/|g')" \
			"$@" "$RSGUARD" serve --rsync=/bin/true --sandbox=off --log=none \
			--root "a=$T:ro" --root "m=$DIR:ro" --root "z=$DIR/many:ro" </dev/null
	else
		stream "$k" >"$T/stream"
		SSH_ORIGINAL_COMMAND="rsync --server --sender ${OPTS/-v/-s}" \
			"$@" "$RSGUARD" serve --rsync=/bin/true --sandbox=off --log=none -ro "$DIR" <"$T/stream"
	fi
}

syscalls() { # KIND K -> total system calls
	run "$1" "$2" strace -f -c -o "$T/st" >/dev/null 2>&1 || { echo n/a; return; }
	awk '$NF == "total" { print $(NF-2) + 0 }' "$T/st"
}
instructions() { # KIND K -> instructions (serve only, not rsync)
	run "$1" "$2" valgrind --tool=callgrind --callgrind-out-file="$T/cg.%p" 2>"$T/cg.err" >/dev/null ||
		{ echo n/a; return; }
	sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$T/cg.err" | head -n1
	rm -f "$T"/cg.[0-9]*
}
per() { awk -v a="$1" -v b="$2" -v n="$N" 'BEGIN{ if (a ~ /^[0-9]+$/ && b ~ /^[0-9]+$/) printf "%.1f", (b-a)/(n-1); else print "n/a" }'; }

for kind in args secluded roots; do
	# correctness first: serve must accept both
	run "$kind" "$N" >/dev/null 2>"$T/err" || { echo "perarg: serve refused the $kind workload: $(cat "$T/err")" >&2; exit 1; }
	s1=n/a s2=n/a i1=n/a i2=n/a
	if command -v strace >/dev/null; then s1=$(syscalls "$kind" 1); s2=$(syscalls "$kind" "$N"); fi
	if command -v valgrind >/dev/null; then i1=$(instructions "$kind" 1); i2=$(instructions "$kind" "$N"); fi
	label="command line"; [ "$kind" = secluded ] && label="rsync -s"
	[ "$kind" = roots ] && label="--root (3)"
	printf 'perarg %-12s syscalls/arg %6s (target <= 3)  instructions/arg %8s  (1 arg: %s syscalls, %s instructions)\n' \
		"$label" "$(per "$s1" "$s2")" "$(per "$i1" "$i2")" "$s1" "$i1"
done
