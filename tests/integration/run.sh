#!/bin/bash
# rsguard integration tests: real rsync client -> ssh -> sshd -i (private
# config, ProxyCommand, loopback only) -> rsguard serve forced command.
#
# Runs every tests/integration/test_*.sh.  As root, runs the whole suite a
# second time as an unprivileged user (rsguard-test, created if missing).
# Results and the second run: tests/lib/harness.sh.  Last line:
# "integration: N passed, M failed, K skipped"; exit 1 on failure.
#
#   IT_VERBOSE=1     trace ssh/rsync commands
#   IT_ONLY=PATTERN  only test files whose name contains PATTERN
#   IT_TESTS, IT_CASES  only those test functions (test_mirror_data.sh,
#                    test_checks.sh), passed on to the unprivileged run
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IT_ROOT=$(cd "$HERE/../.." && pwd)
export IT_ROOT
H_USER=${IT_USER:-rsguard-test}

# shellcheck source=../lib/harness.sh
. "$IT_ROOT/tests/lib/harness.sh"

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
		h_fail "$label: sshd set-up"
	else
		probe_sandbox	# exports IT_SANDBOX to the test files
		for t in "$HERE"/test_*.sh; do
			[ -n "${IT_ONLY:-}" ] && [[ $t != *"$IT_ONLY"* ]] && continue
			echo "== $label: $(basename "$t")"
			bash "$t" || h_fail "$label: $(basename "$t") exit $?"
		done
	fi
	h_count "$IT_RESULTS"
	grep '^fail ' "$IT_RESULTS" | sed "s/^fail /$label FAILED: /"
	h_summary "$label"
	rm -rf "$IT_WORK"
}

if [ "${1:-}" = --inner ]; then
	run_suite "${2:-user}"
	exit 0
fi

h_need integration "$IT_ROOT/rsguard"

LOG=$(mktemp "${TMPDIR:-/tmp}/rsguard-it-log.XXXXXX")
if [ "$(id -u)" = 0 ]; then
	run_suite root 2>&1 | tee "$LOG"
	h_add_summary root "$LOG"
	if h_user_dir; then
		# the build tree must be readable (and traversable) by the user
		if ! runuser -u "$H_USER" -- test -x "$IT_ROOT/rsguard" -a -r "$HERE/lib.sh" \
		    -a -r "$IT_ROOT/tests/lib/harness.sh"; then
			h_fail "integration: $IT_ROOT not readable by $H_USER"
		else
			h_user_run "$HERE/run.sh" IT_VERBOSE="${IT_VERBOSE:-}" \
			    IT_ONLY="${IT_ONLY:-}" IT_TESTS="${IT_TESTS:-}" \
			    IT_CASES="${IT_CASES:-}"
		fi
		rm -rf "$H_UDIR"
	fi
else
	run_suite "$(id -un)" 2>&1 | tee "$LOG"
	h_add_summary "$(id -un)" "$LOG"
fi
rm -f "$LOG"
h_finish integration
