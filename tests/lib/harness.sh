# shellcheck shell=bash
# tests/lib/harness.sh - the shell test library of the integration,
# security and sandbox suites (sourced by tests/integration/lib.sh,
# tests/security/run.sh and tests/sandbox/run.sh).  One of each:
#
#   result format  one line per case, grep-friendly, the case name first:
#                    ok    NAME
#                    FAIL  NAME          then "#     DETAIL" lines
#                    skip  NAME: WHY
#                  and one summary line "SUITE: N passed, M failed, K skipped"
#                  (h_summary, h_finish).
#   exit status    h_finish: 0 all passed, 1 a failure, 77 nothing could run
#                  (every case skipped: what tests/run-all.sh counts as a skip).
#   sandbox probe  h_probe_sandbox: the serve flag every case runs with.
#   sshd           h_sshd_setup: a private sshd reached per connection with
#                  ProxyCommand="sshd -i" (loopback only, no socket; its own
#                  host key, client key, authorized_keys and known_hosts),
#                  made runnable by tests/sshd-env.sh (/run/sshd etc.).
#   second run     h_user_dir + h_user_run: as root, the suite again as the
#                  unprivileged user H_USER (rsguard-test, created if missing),
#                  its summary added to this run's counters.
#
# Counters: H_PASS H_FAIL H_SKIP.  H_RESULTS, when set, names a file that
# also collects "pass|fail|skip NAME" lines (for suites whose cases run in
# several processes: tests/integration).

H_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
H_USER=${H_USER:-rsguard-test}
H_PASS=0 H_FAIL=0 H_SKIP=0

# _h_record RESULT NAME: one line in H_RESULTS (NAME's newlines as blanks).
_h_record() {
	[ -n "${H_RESULTS:-}" ] && printf '%s %s\n' "$1" "${2//$'\n'/ }" >>"$H_RESULTS"
	return 0
}

# h_ok NAME: one case passed.
h_ok() {
	H_PASS=$((H_PASS + 1))
	printf 'ok    %s\n' "$1"
	_h_record pass "$1"
}
# h_fail NAME [DETAIL...]: one case failed; each line of each DETAIL on
# a "#     " line.
# Returns 1.
h_fail() {
	local l
	H_FAIL=$((H_FAIL + 1))
	printf 'FAIL  %s\n' "$1"
	_h_record fail "$1"
	shift
	for l in "$@"; do printf '#     %s\n' "${l//$'\n'/$'\n'#     }"; done
	return 1
}
# h_skip NAME WHY: one case not run (never counted as passed).
h_skip() {
	H_SKIP=$((H_SKIP + 1))
	printf 'skip  %s: %s\n' "$1" "$2"
	_h_record skip "$1"
	return 0
}

# h_count FILE: the counters from an H_RESULTS file.
h_count() {
	H_PASS=$(grep -c '^pass ' "$1") H_FAIL=$(grep -c '^fail ' "$1")
	H_SKIP=$(grep -c '^skip ' "$1")
}

# h_summary LABEL: the line "LABEL: N passed, M failed, K skipped".
h_summary() {
	echo "$1: $H_PASS passed, $H_FAIL failed, $H_SKIP skipped"
}

# h_add_summary LABEL FILE: add FILE's last "LABEL: N passed, ..." line (a
# run in another process) to the counters; no such line is one failure.
h_add_summary() {
	local line
	line=$(grep -E "^$1: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped\$" "$2" | tail -1)
	if [ -z "$line" ]; then
		h_fail "$1: no summary line from that run"
		return 1
	fi
	# shellcheck disable=SC2086
	set -- $line
	H_PASS=$((H_PASS + $2)) H_FAIL=$((H_FAIL + $4)) H_SKIP=$((H_SKIP + $6))
}

# h_finish SUITE: the summary line, then exit 1 on any failure, 77 when
# every case was skipped (the suite could not run here), else 0.
h_finish() {
	h_summary "$1"
	[ "$H_FAIL" -eq 0 ] || exit 1
	[ "$H_PASS" -eq 0 ] && [ "$H_SKIP" -gt 0 ] && exit 77
	exit 0
}

# h_need SUITE FILE...: each FILE must be an executable; otherwise one
# failure, the summary, exit 1 (make builds them: not a skip).
h_need() {
	local suite=$1 f; shift
	for f; do
		[ -x "$f" ] && continue
		h_fail "$f not built (run make in $(cd "$H_LIB/../.." && pwd))"
		h_finish "$suite"
	done
}

# ---- the sandbox probe ------------------------------------------------------

# h_probe_sandbox RSGUARD: the probe of the sandbox interface, once per
# suite run (per user).  Exit 0: H_SANDBOX=--sandbox=require, for every
# serve the cases start.  The "sandbox required" refusal: H_SANDBOX stays
# empty and one "skip sandbox" is counted (no full Landlock: the suite
# runs, but not sandboxed).  Anything else (an rsguard without --sandbox):
# a failure, and the suite goes on without the option.
h_probe_sandbox() {
	local out err rc
	out=$(mktemp "${TMPDIR:-/tmp}/rsguard-probe.XXXXXX") &&
	    err=$(mktemp "${TMPDIR:-/tmp}/rsguard-probe.XXXXXX") || return 1
	SSH_ORIGINAL_COMMAND='rsync --server --sender -vlr . .' "$1" serve \
	    --log=none --explain --sandbox=require -ro /tmp >"$out" 2>"$err" </dev/null
	rc=$?
	H_SANDBOX=
	if [ "$rc" = 0 ]; then
		H_SANDBOX=--sandbox=require
		echo "# sandbox: every serve runs with $H_SANDBOX ($(grep -m1 '^sandbox: mode' "$out"))"
	elif [ "$rc" = 1 ] && grep -q '^rsguard: error: sandbox required' "$err"; then
		h_skip sandbox "no full Landlock, serve runs without --sandbox=require: $(head -1 "$err")"
	else
		h_fail "sandbox probe: exit $rc, not the \"sandbox required\" refusal; serve runs without --sandbox=require" \
		    "stderr: $(head -c 300 "$err")" "stdout: $(head -c 300 "$out")"
	fi
	rm -f "$out" "$err"
	return 0
}

# ---- sshd -------------------------------------------------------------------

# h_sshd_setup PARENT: H_SSHDIR, a new dir under PARENT with a host key,
# a client key, an empty authorized_keys, sshd_config (checked by
# sshd_env: sshd -t, /run/sshd made where it is missing) and known_hosts
# for the alias rsguard-it; exports H_SSHDIR and RSGUARD_SSHD_CONFIG (lint's
# RSG019 judges the sshd the suite runs, not the host's); sets SSH_OPTS.
h_sshd_setup() {
	# shellcheck source=../sshd-env.sh
	. "$H_LIB/../sshd-env.sh"
	H_SSHDIR=$(mktemp -d "$1/sshd.XXXXXX") || return 1
	chmod 700 "$H_SSHDIR"
	ssh-keygen -q -t ed25519 -N '' -C it-host -f "$H_SSHDIR/host_ed25519" || return 1
	ssh-keygen -q -t ed25519 -N '' -C it-client -f "$H_SSHDIR/client_ed25519" || return 1
	: >"$H_SSHDIR/authorized_keys"
	chmod 600 "$H_SSHDIR/authorized_keys"
	cat >"$H_SSHDIR/sshd_config" <<EOF
HostKey $H_SSHDIR/host_ed25519
ListenAddress 127.0.0.1
AuthorizedKeysFile $H_SSHDIR/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PidFile none
LogLevel ERROR
ExposeAuthInfo yes
AllowTcpForwarding yes
X11Forwarding no
PrintMotd no
PrintLastLog no
Subsystem sftp internal-sftp
EOF
	sshd_env "$H_SSHDIR/sshd_config" || return 1
	export RSGUARD_SSHD_CONFIG=$H_SSHDIR/sshd_config
	printf 'rsguard-it %s\n' "$(cut -d' ' -f1,2 "$H_SSHDIR/host_ed25519.pub")" \
		>"$H_SSHDIR/known_hosts"
	export H_SSHDIR
	h_sshd_opts
}

# h_sshd_opts: SSH_OPTS, the ssh options for H_SSHDIR's sshd (again in
# each process: arrays are not exported).  Returns 1 without a set-up.
h_sshd_opts() {
	[ -n "${H_SSHDIR:-}" ] && [ -f "$H_SSHDIR/sshd_config" ] || return 1
	SSHD=${SSHD:-$(command -v sshd 2>/dev/null || echo /usr/sbin/sshd)}
	SSH_OPTS=(-F none
		-o "ProxyCommand=$SSHD -i -f $H_SSHDIR/sshd_config"
		-o "UserKnownHostsFile=$H_SSHDIR/known_hosts"
		-o StrictHostKeyChecking=yes
		-o HostKeyAlias=rsguard-it
		-o "GlobalKnownHostsFile=/dev/null"
		-i "$H_SSHDIR/client_ed25519"
		-o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes
		-o LogLevel=ERROR -o ConnectTimeout=20)
}

# ---- the run as the unprivileged user ----------------------------------------

# h_user_dir: as root, make sure H_USER exists (with a real home: sshd
# chdirs there) and make H_UDIR, a fresh root-owned 0755 dir for copies the
# user must read, holding H_UDIR/home, the user's own 0700 HOME and TMPDIR
# (ssh refuses a HOME it does not own).  No such user and none can be
# made: one skip, return 1.
h_user_dir() {
	if ! id "$H_USER" >/dev/null 2>&1; then
		useradd --system --create-home --home-dir "/home/$H_USER" \
		    --shell /bin/bash "$H_USER" 2>/dev/null ||
		    useradd -m -s /bin/bash "$H_USER"
	fi
	if ! id "$H_USER" >/dev/null 2>&1; then
		h_skip "unprivileged run" "cannot create $H_USER"
		return 1
	fi
	H_UDIR=$(mktemp -d /tmp/rsguard-user.XXXXXX) || return 1
	chmod 755 "$H_UDIR"
	install -d -o "$H_USER" -m 700 "$H_UDIR/home"
}

# h_user_run SCRIPT [NAME=VALUE...]: "bash SCRIPT --inner H_USER" as H_USER
# in a clean environment (PATH, HOME and TMPDIR H_UDIR/home, LANG=C.UTF-8,
# and NAME=VALUE...), its output shown as it comes and its summary line
# added to the counters (none: one failure).  The caller removes H_UDIR.
h_user_run() {
	local script=$1; shift
	runuser -u "$H_USER" -- env -i PATH="$PATH" HOME="$H_UDIR/home" \
	    TMPDIR="$H_UDIR/home" LANG=C.UTF-8 "$@" \
	    bash "$script" --inner "$H_USER" 2>&1 | tee "$H_UDIR/out"
	h_add_summary "$H_USER" "$H_UDIR/out"
}
