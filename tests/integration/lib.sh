# shellcheck shell=bash
# Integration-test helpers for rsguard: the suite's use of the shared
# tests/lib/harness.sh (results, the private sshd reached per connection
# through ProxyCommand="sshd -i", the sandbox probe) and its own helpers.
#
# Environment shared between run.sh and the test_*.sh files:
#   IT_ROOT     absolute path of the source tree (holds ./rsguard)
#   IT_WORK     scratch dir owned by the running user
#   IT_SSHDIR   per-run sshd dir (host key, config, client key, known_hosts)
#   IT_RESULTS  file that collects "pass|fail|skip NAME" lines
#   IT_SANDBOX  "--sandbox=require" where the kernel gives serve the full
#               Landlock sandbox, else empty (set by probe_sandbox)

IT_ROOT=${IT_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
RSGUARD="$IT_ROOT/rsguard"
SSHD=${SSHD:-/usr/sbin/sshd}
RSYNC=${RSYNC:-$(command -v rsync)}
RECORDER="$IT_ROOT/tests/security/recorder"	# fake rsync (recorder.c)

CUR_TEST=""
# the result lines, counters and sshd of tests/lib/harness.sh; H_RESULTS
# collects every test file's results for run.sh
# shellcheck source=../lib/harness.sh
. "$IT_ROOT/tests/lib/harness.sh"
H_RESULTS=${IT_RESULTS:-}

trace() { [ -n "${IT_VERBOSE:-}" ] && printf '    + %s\n' "$*" >&2; return 0; }

# shellcheck disable=SC2120
pass() { h_ok "$CUR_TEST${1:+ ($1)}"; }
# fail MSG...: records the failure (with the saved stderr of the last rs
# or rsq); the test function should `return 1`.
fail() {
	local err=()
	if [ -n "${LAST_ERR:-}" ] && [ -s "$LAST_ERR" ]; then
		mapfile -t err < <(sed 's/^/stderr: /' "$LAST_ERR" | head -15)
	fi
	h_fail "$CUR_TEST: $*" "${err[@]}"
}
skip() { h_skip "$CUR_TEST" "$*"; }

# ---- sshd -------------------------------------------------------------------

# setup_sshd: the suite's sshd (h_sshd_setup) under IT_WORK; exports
# IT_SSHDIR (host key, config, client key, known_hosts).
setup_sshd() {
	h_sshd_setup "${IT_WORK:-/tmp}" || return 1
	IT_SSHDIR=$H_SSHDIR
	export IT_SSHDIR
}

# Re-derive SSH_OPTS in a test process (arrays don't survive export).
load_sshd() {
	H_SSHDIR=${IT_SSHDIR:-}
	h_sshd_opts
}

# The "host" is only a name; ProxyCommand never opens a socket.
IT_HOST=localhost

# ---- sandbox -----------------------------------------------------------------

# probe_sandbox: once per suite run (per user), h_probe_sandbox: exports
# IT_SANDBOX, "--sandbox=require" or empty (then one "skip sandbox").
probe_sandbox() {
	h_probe_sandbox "$RSGUARD"
	IT_SANDBOX=$H_SANDBOX
	export IT_SANDBOX
}

# SB: IT_SANDBOX as words for an argv ("$RSGUARD" serve "${SB[@]}" ...);
# SERVE: the start of a command= string.
SB=(${IT_SANDBOX:+"$IT_SANDBOX"})
SERVE="$RSGUARD serve${IT_SANDBOX:+ $IT_SANDBOX}"

# authorize [SERVE-OPTS...] DIR: replace authorized_keys with one forced
# command line running rsguard serve --log=none [IT_SANDBOX] SERVE-OPTS DIR.
authorize() {
	local line
	line="restrict,command=\"$SERVE --log=none $*\" $(cat "$IT_SSHDIR/client_ed25519.pub")"
	printf '%s\n' "$line" >"$IT_SSHDIR/authorized_keys"
	trace "authorized_keys: command=\"$SERVE --log=none $*\""
}

# job_ends pull|push [SERVE-OPTS]: authorize the client key for a pull of
# $S/src (serve -ro) or a push into $S/dst (serve -wo), SERVE-OPTS in their
# place when given, and set $src and $dst for a job file.
job_ends() {
	if [ "$1" = push ]; then
		# shellcheck disable=SC2086
		authorize ${2:--wo} "$S/dst"
		src=$S/src dst="$(id -un)@$IT_HOST:/"
	else
		# shellcheck disable=SC2086
		authorize ${2:--ro} "$S/src"
		src="$(id -un)@$IT_HOST:/" dst=$S/dst
	fi
}

# ssh_host ARGS...: plain ssh to the forced command.
ssh_host() {
	trace "ssh host $*"
	ssh "${SSH_OPTS[@]}" "$IT_HOST" "$@"
}

# rsync_e: the -e string; rsync splits it on blanks honouring '...' quotes
# (not backslashes), so every word is single-quoted.
rsync_e() {
	local a out=ssh
	for a in "${SSH_OPTS[@]}"; do out+=" '$a'"; done
	printf '%s' "$out"
}

# rs ARGS...: the real rsync client over ssh.  stderr is also saved to
# $LAST_ERR (echoed by fail).
rs() {
	local e
	e=$(rsync_e)
	trace "rsync $*"
	"$RSYNC" -e "$e" "$@" 2> >(tee "$LAST_ERR" >&2)
}

# rsq ARGS...: like rs but stderr only to $LAST_ERR.
rsq() {
	local e
	e=$(rsync_e)
	trace "rsync $*"
	"$RSYNC" -e "$e" "$@" 2>"$LAST_ERR"
}

# ---- scratch + tree helpers -------------------------------------------------

# scratch: new empty dir under IT_WORK, printed; removed by cleanup_scratch.
SCRATCH_DIRS=()
new_scratch() {
	local d
	d=$(mktemp -d "$IT_WORK/t.XXXXXX") || return 1
	chmod 755 "$d"
	SCRATCH_DIRS+=("$d")
	# shellcheck disable=SC2034 # S is used by the tests
	S=$d
}
cleanup_scratch() {
	local d
	for d in "${SCRATCH_DIRS[@]}"; do
		[ -n "$d" ] && [ -d "$d" ] && { chmod -R u+rwx "$d" 2>/dev/null; rm -rf "$d"; }
	done
	SCRATCH_DIRS=()
}

# make_tree DIR: a small tree with subdirs, modes, a symlink, an empty dir.
make_tree() {
	local d=$1
	mkdir -p "$d/sub/deep" "$d/empty"
	printf 'alpha\n' >"$d/a.txt"
	printf 'beta\n' >"$d/sub/b.txt"
	printf 'gamma\n' >"$d/sub/deep/c.txt"
	head -c 70000 /dev/urandom >"$d/sub/big.bin"
	printf '#!/bin/sh\necho hi\n' >"$d/run.sh"; chmod 755 "$d/run.sh"
	printf 'secret\n' >"$d/priv"; chmod 600 "$d/priv"
	ln -s sub/b.txt "$d/link-to-b"
	touch -d '2020-01-02 03:04:05' "$d/a.txt"
}

# same_tree A B: diff -r plus file types and permission bits.
same_tree() {
	local a=$1 b=$2 la lb
	if ! diff -r --no-dereference "$a" "$b" >"$IT_WORK/diff.out" 2>&1; then
		fail "trees differ: $a $b: $(head -5 "$IT_WORK/diff.out")"
		return 1
	fi
	la=$(cd "$a" && find . -mindepth 1 -printf '%P %y %m\n' | sort)
	lb=$(cd "$b" && find . -mindepth 1 -printf '%P %y %m\n' | sort)
	if [ "$la" != "$lb" ]; then
		fail "types/modes differ: $(diff <(echo "$la") <(echo "$lb") | head -6 | tr '\n' ' ')"
		return 1
	fi
	return 0
}

# expect_refused MSG: last command failed and $LAST_ERR contains MSG.
# usage: cmd; expect_refused $? "text"
expect_refused() {
	local rc=$1 msg=$2
	if [ "$rc" = 0 ]; then fail "expected refusal (\"$msg\"), got exit 0"; return 1; fi
	if ! grep -qF -- "$msg" "$LAST_ERR"; then
		fail "exit $rc but stderr lacks \"$msg\""; return 1
	fi
	return 0
}

# run_tests FN...: run each test function with fresh scratch + cleanup.
run_tests() {
	local fn
	load_sshd || { echo "lib: no sshd setup (run via run.sh)" >&2; exit 2; }
	LAST_ERR="$IT_WORK/last.err.$$"
	for fn in "$@"; do
		CUR_TEST=$fn
		: >"$LAST_ERR"
		local before=$((H_PASS + H_FAIL + H_SKIP))
		"$fn"
		local rc=$?
		cleanup_scratch
		if [ $((H_PASS + H_FAIL + H_SKIP)) = "$before" ]; then
			if [ "$rc" = 0 ]; then pass; else fail "returned $rc without reporting"; fi
		fi
	done
	rm -f "$LAST_ERR"
}
