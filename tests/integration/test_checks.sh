#!/bin/bash
# Answers that must be right and retries that must not hammer (issue 11,
# items 3-6 and 11-13): rsguard check proves an rsync exchange and names
# the cause when there is none, trust fails when it could not compare,
# mirror checks its key before connecting, a policy refusal is not
# retried, the backoff never collapses, a stalled server is caught by
# io_timeout and a killed runner leaves nothing behind.  All through the
# real sshd; faults are real (closed port, SIGSTOP, SIGKILL).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ME=$(id -un)
PUB=$(cat "$IT_SSHDIR/client_ed25519.pub")

# A TCP port on 127.0.0.1 that nothing listens on (bound, then closed).
closed_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# setup push|pull [SERVE-OPTS]: scratch with src/ dst/ jobs/ state/, job j
# (short timeouts) and its pinned host key.
setup() {
	local dir=$1 sopts=${2:-}
	new_scratch
	mkdir -p "$S/src" "$S/dst" "$S/jobs" "$S/state"
	make_tree "$S/src"
	job_ends "$dir" "${sopts:-}"
	cat >"$S/jobs/j.conf" <<EOT
[job]
direction = $dir
source = $src
destination = $dst
key = $IT_SSHDIR/client_ed25519
timeout = ${TIMEOUT:-40}
io_timeout = ${IO_TIMEOUT:-30}
connect_timeout = 5s
retries = ${RETRIES:-2}
retry_delay = ${RETRY_DELAY:-0}
every = 1h
ssh_option = ProxyCommand=$SSHD -i -f $IT_SSHDIR/sshd_config
ssh_option = LogLevel=ERROR
EOT
	printf 'localhost %s\n' "$(cut -d' ' -f1,2 "$IT_SSHDIR/host_ed25519.pub")" \
	    >"$S/jobs/j.known_hosts"
	OPTS=(--jobs-dir "$S/jobs" --state-dir "$S/state")
}
mirror() { "$RSGUARD" mirror "${OPTS[@]}" j >"$S/out" 2>"$LAST_ERR"; RC=$?; }
json() { jq -r ".$1" "$S/state/j.json"; }
# A job that reaches 127.0.0.1:PORT directly (no ProxyCommand).
direct() {
	sed -i -e '/^ssh_option = ProxyCommand/d' \
	    -e "s|@$IT_HOST:|@${2:-127.0.0.1}:|" "$S/jobs/j.conf"
	echo "port = $1" >>"$S/jobs/j.conf"
}

CHECK_OPTS=(-o "ProxyCommand=$SSHD -i -f $IT_SSHDIR/sshd_config"
	-o "UserKnownHostsFile=$IT_SSHDIR/known_hosts"
	-o StrictHostKeyChecking=yes -o HostKeyAlias=rsguard-it
	-o GlobalKnownHostsFile=/dev/null)
# check [OPTS...]: output in $S/check, exit in RC.
check() {
	"$RSGUARD" check "$@" "$ME@$IT_HOST" >"$S/check" 2>"$LAST_ERR"
	RC=$?
	trace "$(cat "$S/check")"
}
has() { grep -qE -- "$1" "$S/check" || { fail "check output lacks /$1/: $(tr '\n' '|' <"$S/check")"; return 1; }; }
hasnt() { ! grep -qE -- "$1" "$S/check" || { fail "check output has /$1/: $(tr '\n' '|' <"$S/check")"; return 1; }; }

# ---- item 3: check proves an rsync exchange ----------------------------------

# The seeds' classic mistake: the account's ~/.bashrc prints.  sshd's
# SetEnv points HOME (where bash finds ~/.bashrc) at a scratch home, so the
# real account is not touched.  "true" still exits 0; rsync cannot work.
t_check_unclean_shell_fails() {
	new_scratch
	mkdir -p "$S/srv" "$S/home"
	echo hi >"$S/srv/f"
	echo 'echo Welcome' >"$S/home/.bashrc"
	sed "\$aSetEnv HOME=$S/home" "$IT_SSHDIR/sshd_config" >"$S/sshd_config"
	printf 'restrict,command="%s --log=none -ro %s" %s\n' "$SERVE" "$S/srv" "$PUB" \
	    >"$IT_SSHDIR/authorized_keys"
	[ "$(getent passwd "$ME" | cut -d: -f7)" = /bin/bash ] ||
	    { skip "$ME's shell is not bash"; return 0; }
	check --key "$IT_SSHDIR/client_ed25519" -o "ProxyCommand=$SSHD -i -f $S/sshd_config" \
	    "${CHECK_OPTS[@]:2}"
	[ "$RC" = 1 ] || { fail "exit $RC, want 1"; return 1; }
	has '^FAIL  rsync .*protocol version mismatch' && has 'shell start-up' &&
	    has 'Welcome' && hasnt 'works and is restricted' || return 1
	# and the same key with a clean shell passes the rsync test
	: >"$S/home/.bashrc"
	check --key "$IT_SSHDIR/client_ed25519" -o "ProxyCommand=$SSHD -i -f $S/sshd_config" \
	    "${CHECK_OPTS[@]:2}"
	[ "$RC" = 0 ] || { fail "clean shell: exit $RC: $(tr '\n' '|' <"$S/check")"; return 1; }
	has '^PASS  rsync +an rsync exchange works' || return 1
}

# A -wo key: the exchange is a dry-run push (nothing is written).
t_check_rsync_wo_and_refused() {
	new_scratch
	mkdir -p "$S/srv"
	printf 'restrict,command="%s --log=none -wo %s" %s\n' "$SERVE" "$S/srv" "$PUB" \
	    >"$IT_SSHDIR/authorized_keys"
	check --key "$IT_SSHDIR/client_ed25519" "${CHECK_OPTS[@]}"
	[ "$RC" = 0 ] || { fail "-wo: exit $RC: $(tr '\n' '|' <"$S/check")"; return 1; }
	has '^PASS  rsync +an rsync exchange works.*dry-run push' || return 1
	[ -z "$(ls -A "$S/srv")" ] || { fail "the check wrote to DIR: $(ls -A "$S/srv")"; return 1; }
	# serve refuses every rsync command (--exact pins another one)
	printf 'restrict,command="%s --log=none --exact=%s -ro %s" %s\n' "$SERVE" \
	    "'rsync --server --sender -e.LsfxCIvu . x'" "$S/srv" "$PUB" >"$IT_SSHDIR/authorized_keys"
	check --key "$IT_SSHDIR/client_ed25519" "${CHECK_OPTS[@]}"
	[ "$RC" = 1 ] || { fail "--exact: exit $RC"; return 1; }
	has '^PASS  probe' && has '^FAIL  rsync +the server refused.*does not match the one this key is pinned to' ||
	    return 1
}

# Unreachable host, missing key: one clear cause, not a FAIL per test.
t_check_one_cause() {
	new_scratch
	local port; port=$(closed_port)
	"$RSGUARD" check --key "$IT_SSHDIR/client_ed25519" -p "$port" \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    "$ME@127.0.0.1" >"$S/check" 2>"$LAST_ERR"; RC=$?
	[ "$RC" = 1 ] || { fail "closed port: exit $RC"; return 1; }
	[ "$(grep -c '^FAIL' "$S/check")" = 1 ] || { fail "closed port: $(tr '\n' '|' <"$S/check")"; return 1; }
	has '^FAIL  probe +cannot reach the host: .*127.0.0.1.*Connection refused' && has 'not run' || return 1
	check --key "$S/nokey" "${CHECK_OPTS[@]}"
	[ "$RC" = 1 ] || { fail "missing key: exit $RC"; return 1; }
	[ "$(grep -c '^FAIL' "$S/check")" = 1 ] || { fail "missing key: $(tr '\n' '|' <"$S/check")"; return 1; }
	has "^FAIL  key +key file $S/nokey: No such file" || return 1
	cp "$IT_SSHDIR/client_ed25519" "$S/k"; chmod 644 "$S/k"
	check --key "$S/k" "${CHECK_OPTS[@]}"
	[ "$RC" = 1 ] && has '^FAIL  key .*mode 0644' || { fail "0644 key: $RC"; return 1; }
}

# ---- item 4: the probe takes no lock -------------------------------------------

# A transfer holds DIR's single-run lock (flock(1), as serve takes it).
t_check_probe_during_transfer() {
	new_scratch
	mkdir -p "$S/srv"
	printf 'restrict,command="%s --log=none -wo %s" %s\n' "$SERVE" "$S/srv" "$PUB" \
	    >"$IT_SSHDIR/authorized_keys"
	flock "$S/srv" sleep 30 &
	local holder=$!
	sleep 0.3
	check --key "$IT_SSHDIR/client_ed25519" "${CHECK_OPTS[@]}"
	kill "$holder"; wait "$holder" 2>/dev/null
	has '^PASS  probe' || return 1
	# not tested is neither a pass nor a failure: exit 2, never "works"
	has '^SKIP  rsync +cannot tell now: DIR is in use' || return 1
	[ "$RC" = 2 ] || { fail "DIR in use: exit $RC, want 2"; return 1; }
	has '^check: 4 passed, 0 failed, 1 not tested: run check again' || return 1
	grep -q 'works and is restricted' "$S/check" && { fail "says it works"; return 1; }
	return 0
}

# ---- item 5: trust fails when it could not compare --------------------------

t_trust_cannot_compare_fails() {
	setup push
	"$RSGUARD" trust --jobs-dir "$S/jobs" j >"$S/out" 2>"$LAST_ERR" ||
	    { fail "pinned and reachable: exit $?"; return 1; }
	grep -q 'already pinned .* and it matches' "$S/out" || { fail "no match: $(cat "$S/out")"; return 1; }
	direct "$(closed_port)"
	"$RSGUARD" trust --jobs-dir "$S/jobs" j >"$S/out" 2>"$LAST_ERR"; RC=$?
	[ "$RC" = 1 ] || { fail "closed port: exit $RC: $(cat "$S/out")"; return 1; }
	grep -q 'matches' "$S/out" && { fail "closed port: said it matches"; return 1; }
	grep -q 'could not compare.*Connection refused' "$LAST_ERR" || { fail "closed port: unclear"; return 1; }
	sed -i "s|@127.0.0.1:|@rsguard-no-such-host.invalid:|" "$S/jobs/j.conf"
	"$RSGUARD" trust --jobs-dir "$S/jobs" j >"$S/out" 2>"$LAST_ERR"; RC=$?
	[ "$RC" = 1 ] && ! grep -q matches "$S/out" ||
	    { fail "no such host: exit $RC: $(cat "$S/out")"; return 1; }
	grep -q 'could not compare.*resolve' "$LAST_ERR" || { fail "no such host: unclear"; return 1; }
}

# ---- item 6: the key is checked here, before connecting -----------------------

t_mirror_key_checked_locally() {
	setup push
	# a ProxyCommand that leaves a mark: nothing may connect
	printf '#!/bin/sh\n: >"%s/connected"\nexec %s -i -f %s/sshd_config\n' "$S" "$SSHD" \
	    "$IT_SSHDIR" >"$S/mark.sh"
	chmod +x "$S/mark.sh"
	sed -i "s|^ssh_option = ProxyCommand=.*|ssh_option = ProxyCommand=$S/mark.sh|" "$S/jobs/j.conf"
	sed -i "s|^key = .*|key = $S/nokey|" "$S/jobs/j.conf"
	mirror
	[ "$RC" = 1 ] || { fail "missing key: exit $RC"; return 1; }
	grep -q "key file $S/nokey: No such file" "$LAST_ERR" && ! grep -q 'refused' "$LAST_ERR" ||
	    { fail "missing key: unclear"; return 1; }
	[ "$(json attempts)" = 0 ] && [ "$(json result)" = failed ] ||
	    { fail "status: $(cat "$S/state/j.json")"; return 1; }
	cp "$IT_SSHDIR/client_ed25519" "$S/k"; chmod 644 "$S/k"
	sed -i "s|^key = .*|key = $S/k|" "$S/jobs/j.conf"
	mirror
	[ "$RC" = 1 ] && grep -q 'mode 0644 .*chmod 600' "$LAST_ERR" ||
	    { fail "0644 key: exit $RC"; return 1; }
	cp "$IT_SSHDIR/client_ed25519.pub" "$S/k"; chmod 600 "$S/k"
	mirror
	[ "$RC" = 1 ] && grep -q 'public key' "$LAST_ERR" || { fail "public key: exit $RC"; return 1; }
	[ ! -e "$S/connected" ] || { fail "connected with a bad key"; return 1; }
	cp "$IT_SSHDIR/client_ed25519" "$S/k"
	mirror
	[ "$RC" = 0 ] && [ -e "$S/connected" ] || { fail "good key: exit $RC"; return 1; }
}

# ---- item 11: a policy refusal is permanent -------------------------------------

t_policy_refusal_not_retried() {
	RETRIES=3 RETRY_DELAY=8 setup push "-no-del"
	local t0=$SECONDS
	mirror
	[ "$RC" = 12 ] || { fail "exit $RC, want 12"; return 1; }
	[ "$(json attempts)" = 1 ] || { fail "attempts $(json attempts), want 1"; return 1; }
	[ $((SECONDS - t0)) -lt 8 ] || { fail "took $((SECONDS - t0))s"; return 1; }
	grep -q 'the server refused option --delete-delay' "$LAST_ERR" &&
	    grep -q 'set options = -a' "$LAST_ERR" || { fail "unclear message"; return 1; }
	grep -q 'refused' "$S/state/j.json" || { fail "status: $(cat "$S/state/j.json")"; return 1; }
	# the fixes it names work: -no-del also refuses --delay-updates
	echo 'options = -a' >>"$S/jobs/j.conf"
	mirror
	[ "$RC" = 12 ] && [ "$(json attempts)" = 1 ] &&
	    grep -q 'refused option --delay-updates.*set atomic = no' "$LAST_ERR" ||
	    { fail "options = -a: exit $RC"; return 1; }
	echo 'atomic = no' >>"$S/jobs/j.conf"
	mirror
	[ "$RC" = 0 ] || { fail "after the fixes: exit $RC"; return 1; }
}

# Serve invoked as rrsync (the drop-in: rrsync a link to rsguard) says
# "rrsync: error:"; mirror and check read that refusal as they do rsguard's.
t_policy_refusal_as_rrsync() {
	RETRIES=3 RETRY_DELAY=8 setup push "-no-del"
	mkdir -p "$S/bin" && ln -s "$RSGUARD" "$S/bin/rrsync" || return 1
	printf 'restrict,command="%s/bin/rrsync --log=none %s -no-del %s" %s\n' \
	    "$S" "${IT_SANDBOX:-}" "$S/dst" "$PUB" >"$IT_SSHDIR/authorized_keys"
	local t0=$SECONDS
	mirror
	[ "$RC" = 12 ] && [ "$(json attempts)" = 1 ] ||
	    { fail "as rrsync: exit $RC, attempts $(json attempts), want 12 and 1"; return 1; }
	[ $((SECONDS - t0)) -lt 8 ] || { fail "took $((SECONDS - t0))s"; return 1; }
	grep -q 'the server refused option --delete-delay' "$LAST_ERR" ||
	    { fail "unclear message: $(cat "$LAST_ERR")"; return 1; }
	printf 'restrict,command="%s/bin/rrsync --log=none %s --exact=%s -ro %s" %s\n' \
	    "$S" "${IT_SANDBOX:-}" "'rsync --server --sender -e.LsfxCIvu . x'" "$S/src" \
	    "$PUB" >"$IT_SSHDIR/authorized_keys"
	check --key "$IT_SSHDIR/client_ed25519" "${CHECK_OPTS[@]}"
	[ "$RC" = 1 ] || { fail "check --exact as rrsync: exit $RC"; return 1; }
	has '^FAIL  rsync +the server refused.*does not match the one this key is pinned to' ||
	    return 1
}

# Serve's lock refusal is transient: retried until the lock is free.
t_lock_refusal_is_retried() {
	RETRIES=3 RETRY_DELAY=2 setup push
	flock "$S/dst" sleep 4 &
	local holder=$!
	sleep 0.3
	mirror
	wait "$holder"
	[ "$RC" = 0 ] || { fail "exit $RC"; return 1; }
	[ "$(json attempts)" -ge 2 ] || { fail "attempts $(json attempts)"; return 1; }
	same_tree "$S/src" "$S/dst" || return 1
}

# ---- item 12: the backoff does not collapse -------------------------------------

# timeout 5s, retry_delay 1s against a closed port: attempts at 0, 1, 3 s;
# the next delay (4 s) does not fit, so no burst of back-to-back attempts.
t_backoff_never_collapses() {
	TIMEOUT=5 RETRIES=20 RETRY_DELAY=1 setup push
	direct "$(closed_port)"
	local t0=$SECONDS
	mirror
	[ "$RC" = 255 ] || [ "$RC" = 12 ] || { fail "exit $RC, want 255 or 12"; return 1; }
	[ "$(json attempts)" -le 4 ] || { fail "$(json attempts) attempts in $((SECONDS - t0))s"; return 1; }
	[ "$(json attempts)" -ge 3 ] || { fail "only $(json attempts) attempts"; return 1; }
	grep -q 'timeout' "$LAST_ERR" || { fail "no reason given"; return 1; }
}

# ---- item 13: stalls and a killed runner ----------------------------------------

# server_rsync: the pid of the server rsync serving $S/src (none: empty).
server_rsync() { pgrep -f -- "rsync --server.*--confine-root=$S/src" | head -1; }
# client_left: processes of this job's transfer still running.
client_left() { pgrep -f -- "$S/jobs/j.known_hosts"; }
wait_for() { local i=0; while [ $i -lt 100 ]; do eval "$1" && return 0; sleep 0.1; i=$((i + 1)); done; return 1; }
unstop() { local p; for p in $(pgrep -f -- "--confine-root=$S/src"); do kill -CONT "$p"; kill "$p"; done 2>/dev/null; }

# The server rsync is SIGSTOPped mid-transfer: io_timeout ends the attempt
# and the retry completes the transfer.
t_stall_detected_and_retried() {
	TIMEOUT=25 IO_TIMEOUT=3 RETRIES=2 RETRY_DELAY=1 setup pull
	head -c 1500000 /dev/urandom >"$S/src/large.bin"
	echo 'bwlimit = 300' >>"$S/jobs/j.conf"
	local t0=$SECONDS pid p
	"$RSGUARD" mirror "${OPTS[@]}" j >"$S/out" 2>"$LAST_ERR" &
	pid=$!
	wait_for '[ -n "$(server_rsync)" ]' || { fail "no server rsync"; kill "$pid"; return 1; }
	sleep 0.5
	p=$(server_rsync)
	[ -n "$p" ] || { fail "the server rsync ended before the stall"; wait "$pid"; return 1; }
	kill -STOP "$p"
	trace "stopped $p: $(ps -o pid,stat,args -p "$p" | tail -1 | cut -c1-60)"
	wait "$pid"; RC=$?
	unstop
	[ "$RC" = 0 ] || { fail "exit $RC after $((SECONDS - t0))s"; return 1; }
	[ "$(json attempts)" = 2 ] || { fail "attempts $(json attempts)"; return 1; }
	[ $((SECONDS - t0)) -lt 30 ] || { fail "took $((SECONDS - t0))s"; return 1; }
	same_tree "$S/src" "$S/dst" || return 1
}

# SIGKILL of the runner (cron, the OOM killer) mid-transfer, the server
# stalled so that nothing ends by itself: no rsync or ssh of the job lives
# on, and the next run is not locked out.
t_killed_runner_leaves_nothing() {
	TIMEOUT=25 IO_TIMEOUT=30 RETRIES=0 setup pull
	head -c 1500000 /dev/urandom >"$S/src/large.bin"
	echo 'bwlimit = 300' >>"$S/jobs/j.conf"
	local pid p
	"$RSGUARD" mirror "${OPTS[@]}" j >"$S/out" 2>"$LAST_ERR" &
	pid=$!
	wait_for '[ -n "$(server_rsync)" ]' || { fail "no server rsync"; kill "$pid"; return 1; }
	p=$(server_rsync)
	[ -n "$p" ] || { fail "the server rsync ended before the stall"; wait "$pid"; return 1; }
	kill -STOP "$p"
	sleep 0.3
	kill -KILL "$pid"; wait "$pid" 2>/dev/null
	if ! wait_for '[ -z "$(client_left)" ]'; then
		fail "left behind: $(pgrep -a -f -- "$S/jobs/j.known_hosts" | cut -c1-80 | tr '\n' '|')"
		# shellcheck disable=SC2046
		kill -KILL $(client_left) 2>/dev/null; unstop; return 1
	fi
	unstop
	mirror
	[ "$RC" = 0 ] || { fail "next run: exit $RC (75: the lock is still held)"; return 1; }
}

# On the server: the client's connection ends (here: the runner's stall
# detection) while serve's rsync is SIGSTOPped.  serve kills rsync
# 10 s after the client left, logs it, and so releases DIR's lock:
# the next push runs (before: serve waited for ever, every push after
# it was refused "Another instance").
t_server_stall_releases_lock() {
	TIMEOUT=40 IO_TIMEOUT=3 RETRIES=0 setup push
	authorize --log="$S/serve.log" -wo "$S/dst"
	head -c 1500000 /dev/urandom >"$S/src/large.bin"
	echo 'bwlimit = 300' >>"$S/jobs/j.conf"
	local pid p t0
	srv() { pgrep -f -- "--confine-root=$S/dst"; }
	"$RSGUARD" mirror "${OPTS[@]}" j >"$S/out" 2>"$LAST_ERR" &
	pid=$!
	wait_for '[ -n "$(srv)" ]' || { fail "no server rsync"; kill "$pid"; return 1; }
	sleep 0.5
	for p in $(srv); do kill -STOP "$p"; done
	wait "$pid"
	t0=$SECONDS
	wait_for '[ -z "$(srv)" ] || [ $((SECONDS - t0)) -gt 20 ]'
	while [ -n "$(srv)" ] && [ $((SECONDS - t0)) -lt 20 ]; do sleep 0.5; done
	if [ -n "$(srv)" ]; then
		fail "server rsync still there $((SECONDS - t0))s after the client left: $(pgrep -a -f -- "--confine-root=$S/dst" | cut -c1-60 | tr '\n' '|')"
		for p in $(srv); do kill -KILL "$p"; done; return 1
	fi
	grep -q "end from=.* status=137 .*killed: rsync still ran 10s after the client had gone" "$S/serve.log" ||
	    { fail "no record of the kill: $(tail -2 "$S/serve.log")"; return 1; }
	sed -i '/^bwlimit/d' "$S/jobs/j.conf"
	mirror
	[ "$RC" = 0 ] || { fail "next push: exit $RC ($(tail -1 "$LAST_ERR"))"; return 1; }
	same_tree "$S/src" "$S/dst" || return 1
}

# IT_CASES="t_a t_b": only those (for a quick rerun)
# shellcheck disable=SC2086
[ -n "${IT_CASES:-}" ] && { run_tests $IT_CASES; exit 0; }
run_tests t_check_unclean_shell_fails t_check_rsync_wo_and_refused t_check_one_cause \
	t_check_probe_during_transfer t_trust_cannot_compare_fails \
	t_mirror_key_checked_locally t_policy_refusal_not_retried t_policy_refusal_as_rrsync t_lock_refusal_is_retried \
	t_backoff_never_collapses t_stall_detected_and_retried t_killed_runner_leaves_nothing \
	t_server_stall_releases_lock
