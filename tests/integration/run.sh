#!/bin/bash
# rsguard integration tests: real rsync client -> ssh -> sshd -i (private
# config, ProxyCommand, loopback only) -> rsguard serve forced command.
#
# Runs every tests/integration/test_*.sh.  As root, runs the whole suite a
# second time as an unprivileged user (rsguard-test, created if missing).
# Last line: "integration: N passed, M failed, K skipped"; exit 1 on failure.
#
#   IT_VERBOSE=1     trace ssh/rsync commands
#   IT_ONLY=PATTERN  only test files whose name contains PATTERN
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IT_ROOT=$(cd "$HERE/../.." && pwd)
export IT_ROOT
IT_USER=${IT_USER:-rsguard-test}

# run_suite LABEL: run all test files as the current user; prints the
# per-user summary line "LABEL: N passed, M failed, K skipped".
run_suite() {
	local label=$1 t
	IT_WORK=$(mktemp -d "${TMPDIR:-/tmp}/rsguard-it.XXXXXX") || exit 2
	chmod 755 "$IT_WORK"
	IT_RESULTS="$IT_WORK/results"
	: >"$IT_RESULTS"
	export IT_WORK IT_RESULTS
	# shellcheck source=lib.sh
	. "$HERE/lib.sh"
	if ! setup_sshd; then
		echo "$label: sshd setup failed"
		echo "fail sshd-setup" >>"$IT_RESULTS"
	else
		probe_sandbox	# exports IT_SANDBOX to the test files
		for t in "$HERE"/test_*.sh; do
			[ -n "${IT_ONLY:-}" ] && [[ $t != *"$IT_ONLY"* ]] && continue
			echo "== $label: $(basename "$t")"
			bash "$t" || echo "fail $(basename "$t")-exit$?" >>"$IT_RESULTS"
		done
	fi
	local p f s
	p=$(grep -c '^pass ' "$IT_RESULTS")
	f=$(grep -c '^fail ' "$IT_RESULTS")
	s=$(grep -c '^skip ' "$IT_RESULTS")
	grep '^fail ' "$IT_RESULTS" | sed "s/^fail /$label FAILED: /"
	echo "$label: $p passed, $f failed, $s skipped"
	rm -rf "$IT_WORK"
}

if [ "${1:-}" = --inner ]; then
	run_suite "${2:-user}"
	exit 0
fi

[ -x "$IT_ROOT/rsguard" ] || { echo "integration: $IT_ROOT/rsguard not built (run make)" >&2; exit 2; }

LOG=$(mktemp "${TMPDIR:-/tmp}/rsguard-it-log.XXXXXX")
chmod 644 "$LOG"
tot_p=0 tot_f=0 tot_s=0
add_totals() {
	local line
	line=$(grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$LOG" | tail -1)
	if [ -z "$line" ]; then
		echo "integration: no summary from $1 run"; tot_f=$((tot_f + 1)); return
	fi
	# shellcheck disable=SC2086
	set -- $line
	tot_p=$((tot_p + $2)) tot_f=$((tot_f + $4)) tot_s=$((tot_s + $6))
}

if [ "$(id -u)" = 0 ]; then
	run_suite root 2>&1 | tee "$LOG"
	add_totals root
	if ! id "$IT_USER" >/dev/null 2>&1; then
		# with a real home: sshd chdirs there and complains otherwise
		useradd --system --create-home --home-dir "/home/$IT_USER" \
			--shell /bin/bash "$IT_USER" 2>/dev/null ||
			useradd -m -s /bin/bash "$IT_USER"
	fi
	if id "$IT_USER" >/dev/null 2>&1; then
		# the build tree must be readable (and traversable) by the user
		if ! runuser -u "$IT_USER" -- test -x "$IT_ROOT/rsguard" -a -r "$HERE/lib.sh"; then
			echo "integration: $IT_ROOT not readable by $IT_USER"; tot_f=$((tot_f + 1))
		else
			udir=$(mktemp -d /tmp/rsguard-it-user.XXXXXX)
			chown "$IT_USER": "$udir"
			: >"$LOG"
			# HOME must be owned by the user (ssh refuses otherwise)
			runuser -u "$IT_USER" -- env -i PATH="$PATH" HOME="$udir" \
				TMPDIR="$udir" IT_VERBOSE="${IT_VERBOSE:-}" \
				IT_ONLY="${IT_ONLY:-}" LANG=C.UTF-8 \
				bash "$HERE/run.sh" --inner "$IT_USER" 2>&1 | tee "$LOG"
			add_totals "$IT_USER"
			rm -rf "$udir"
		fi
	else
		echo "integration: cannot create $IT_USER; unprivileged run skipped"
		tot_s=$((tot_s + 1))
	fi
else
	run_suite "$(id -un)" 2>&1 | tee "$LOG"
	add_totals "$(id -un)"
fi
rm -f "$LOG"
echo "integration: $tot_p passed, $tot_f failed, $tot_s skipped"
[ "$tot_f" = 0 ]
