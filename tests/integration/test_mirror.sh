#!/bin/bash
# rsguard mirror, trust, status and schedule against the real sshd.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# setup [push|pull] [PROXYCMD]: scratch with src/ dst/ jobs/ state/ metrics/,
# a job "j" and its pinned host key.  $S/job holds the job file.
setup() {
	local dir=${1:-push} proxy=${2:-$SSHD -i -f $IT_SSHDIR/sshd_config}
	new_scratch
	proxy=${proxy//@S@/$S}
	mkdir -p "$S/src" "$S/dst" "$S/jobs" "$S/state" "$S/metrics"
	make_tree "$S/src"
	job_ends "$dir"
	cat >"$S/jobs/j.conf" <<EOT
[job]
direction = $dir
source = $src
destination = $dst
key = $IT_SSHDIR/client_ed25519
options = -a --delete
timeout = ${TIMEOUT:-40}
retries = 2
retry_delay = 0
every = 1h
ssh_option = ProxyCommand=$proxy
ssh_option = LogLevel=ERROR
EOT
	printf 'localhost %s\n' "$(cut -d' ' -f1,2 "$IT_SSHDIR/host_ed25519.pub")" \
	    >"$S/jobs/j.known_hosts"
	OPTS=(--jobs-dir "$S/jobs" --state-dir "$S/state")
}
mirror() { "$RSGUARD" mirror "${OPTS[@]}" --metrics-dir "$S/metrics" "$@" j \
    >"$S/out" 2>"$LAST_ERR"; RC=$?; }
json() { jq -r ".$1" "$S/state/j.json"; }
metric() { awk -v m="$1{job=\"j\"}" '$1 == m { print $2 }' "$S/metrics/rsguard_j.prom"; }

t_push_and_pull_identical() {
	setup push
	mirror; [ "$RC" = 0 ] || { fail "push exit $RC"; return 1; }
	same_tree "$S/src" "$S/dst" || return 1
	[ "$(json result)" = ok ] && [ "$(json attempts)" = 1 ] &&
	    [ "$(json files)" -ge 5 ] && [ "$(json bytes)" -gt 70000 ] ||
	    { fail "status: $(cat "$S/state/j.json")"; return 1; }
	[ "$(metric rsguard_last_run_success)" = 1 ] &&
	    [ "$(metric rsguard_bytes_transferred)" = "$(json bytes)" ] ||
	    { fail "metrics: $(cat "$S/metrics/rsguard_j.prom")"; return 1; }
	[ ! -s "$S/out" ] || { fail "not quiet off a terminal"; return 1; }
	cleanup_scratch
	setup pull
	echo extra >"$S/dst/stale"
	mirror; [ "$RC" = 0 ] || { fail "pull exit $RC"; return 1; }
	same_tree "$S/src" "$S/dst" || return 1
	"$RSGUARD" status "${OPTS[@]}" >"$S/st" || { fail "status exit $?"; return 1; }
	grep -q '^j  *ok  *0 .* ok$' "$S/st" || { fail "status: $(cat "$S/st")"; return 1; }
	"$RSGUARD" status "${OPTS[@]}" --max-age 1 >/dev/null 2>&1 &&
	    sleep 2 && "$RSGUARD" status "${OPTS[@]}" --max-age 1 >"$S/st" &&
	    { fail "not overdue past --max-age"; return 1; }
	grep -q OVERDUE "$S/st" || { fail "no OVERDUE: $(cat "$S/st")"; return 1; }
}

# A job whose remote side is a subpath of a serve --root root: the pull
# of www/sub and the push into up/in arrive; the rsync client sends
# those paths as they are, and serve maps the first component.
t_mirror_root_subpath() {
	setup pull
	mkdir -p "$S/up"
	authorize --root "www=$S/src:ro" --root "up=$S/up:wo"
	sed -i "s|^source = .*|source = $(id -un)@$IT_HOST:www/sub|" "$S/jobs/j.conf"
	mirror; [ "$RC" = 0 ] || { fail "pull of www/sub exit $RC: $(cat "$LAST_ERR")"; return 1; }
	same_tree "$S/src/sub" "$S/dst" || return 1
	[ "$(json result)" = ok ] && [ "$(json files)" -ge 3 ] ||
	    { fail "pull status: $(cat "$S/state/j.json")"; return 1; }
	sed -i -e "s|^direction = .*|direction = push|" \
	    -e "s|^source = .*|source = $S/src|" \
	    -e "s|^destination = .*|destination = $(id -un)@$IT_HOST:up/in|" \
	    "$S/jobs/j.conf"
	mirror; [ "$RC" = 0 ] || { fail "push into up/in exit $RC: $(cat "$LAST_ERR")"; return 1; }
	same_tree "$S/src" "$S/up/in" || return 1
	[ "$(json result)" = ok ] || { fail "push status: $(cat "$S/state/j.json")"; return 1; }
}

# A job naming a root the key does not have: serve's refusal is
# permanent (one attempt), the status says failed and why, never ok.
t_mirror_unknown_root_fails() {
	setup pull
	authorize --root "www=$S/src:ro"
	sed -i "s|^source = .*|source = $(id -un)@$IT_HOST:nope/sub|" "$S/jobs/j.conf"
	mirror
	[ "$RC" != 0 ] || { fail "exit 0"; return 1; }
	grep -q 'no root nope (this key has www)' "$LAST_ERR" ||
	    { fail "stderr lacks the refusal: $(head -3 "$LAST_ERR")"; return 1; }
	[ "$(json result)" = failed ] && [ "$(json attempts)" = 1 ] &&
	    [ "$(json last_success)" = 0 ] &&
	    json message | grep -q 'no root nope' ||
	    { fail "status $(cat "$S/state/j.json")"; return 1; }
	[ -z "$(ls -A "$S/dst")" ] || { fail "files arrived: $(ls "$S/dst")"; return 1; }
	"$RSGUARD" status "${OPTS[@]}" >"$S/st" && { fail "status exit 0"; return 1; }
	grep -q '^j  *failed ' "$S/st" && ! grep -qw ok "$S/st" ||
	    { fail "status: $(cat "$S/st")"; return 1; }
}

# A ProxyCommand that holds the connection until released: run 1 waits in
# it while run 2 finds the lock taken.
t_lock_refuses_second_run() {
	setup push "@S@/gate.sh"
	cat >"$S/gate.sh" <<EOT
#!/bin/sh
: >"$S/entered"
i=0; while [ ! -e "$S/release" ] && [ \$i -lt 200 ]; do sleep 0.1; i=\$((i+1)); done
exec $SSHD -i -f $IT_SSHDIR/sshd_config
EOT
	chmod +x "$S/gate.sh"
	"$RSGUARD" mirror "${OPTS[@]}" j >/dev/null 2>"$S/err1" &
	local pid=$! i=0
	while [ ! -e "$S/entered" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	mirror; local rc2=$RC
	touch "$S/release"; wait $pid; local rc1=$?
	[ "$rc2" = 75 ] || { fail "second run exit $rc2, want 75"; return 1; }
	grep -q 'already running' "$LAST_ERR" || { fail "no lock message"; return 1; }
	[ "$rc1" = 0 ] || { fail "first run exit $rc1: $(cat "$S/err1")"; return 1; }
	same_tree "$S/src" "$S/dst"
}

# First attempt: sshd dies (SIGPIPE) after 300 KB of a 3 MB pull.
t_killed_mid_transfer_retry_completes() {
	setup pull "@S@/cut.sh"
	head -c 3000000 /dev/urandom >"$S/src/large.bin"
	cat >"$S/cut.sh" <<EOT
#!/bin/bash
if [ ! -e "$S/cut-done" ]; then
	: >"$S/cut-done"
	$SSHD -i -f $IT_SSHDIR/sshd_config | head -c 300000
	exit 1
fi
exec $SSHD -i -f $IT_SSHDIR/sshd_config
EOT
	chmod +x "$S/cut.sh"
	mirror; [ "$RC" = 0 ] || { fail "exit $RC"; return 1; }
	same_tree "$S/src" "$S/dst" || return 1
	[ "$(json attempts)" = 2 ] || { fail "attempts $(json attempts), want 2"; return 1; }
	[ "$(metric rsguard_attempts)" = 2 ] || { fail "metric attempts"; return 1; }
}

t_stall_killed_at_timeout() {
	TIMEOUT=3 setup push "sleep 60"
	local t0=$SECONDS
	mirror
	[ "$RC" = 124 ] || { fail "exit $RC, want 124"; return 1; }
	[ $((SECONDS - t0)) -lt 15 ] || { fail "took $((SECONDS - t0))s"; return 1; }
	[ "$(json result)" = timeout ] || { fail "result $(json result)"; return 1; }
	grep -q 'time limit' "$LAST_ERR" || { fail "no timeout message"; return 1; }
	[ "$(metric rsguard_last_run_success)" = 0 ] || { fail "metric success"; return 1; }
}

# A runner stopped with SIGTERM (cron's timeout, an admin's kill) stops its
# rsync and ssh too, records the failure, and frees the lock at once.
t_sigterm_stops_the_transfer() {
	TIMEOUT=60 setup push "sleep 60"
	"$RSGUARD" mirror "${OPTS[@]}" j >"$S/out" 2>"$LAST_ERR" &
	local pid=$! t0=$SECONDS
	sleep 1.5
	kill -TERM "$pid"
	wait "$pid"; RC=$?
	[ "$RC" = 143 ] || { fail "exit $RC, want 143"; return 1; }
	[ $((SECONDS - t0)) -lt 15 ] || { fail "took $((SECONDS - t0))s"; return 1; }
	[ "$(json result)" = failed ] || { fail "result $(json result)"; return 1; }
	grep -q 'signal' "$LAST_ERR" || { fail "no message"; return 1; }
	# rsync and ssh inherit the lock: had they survived, it would be held.
	sed -i 's/^timeout = .*/timeout = 2/' "$S/jobs/j.conf"
	mirror
	[ "$RC" = 124 ] || { fail "second run: exit $RC (75: lock still held)"; return 1; }
}

t_changed_host_key_fails() {
	setup push
	ssh-keygen -q -t ed25519 -N '' -f "$S/otherkey"
	printf 'localhost %s\n' "$(cut -d' ' -f1,2 "$S/otherkey.pub")" >"$S/jobs/j.known_hosts"
	mirror
	[ "$RC" = 255 ] || { fail "exit $RC, want 255"; return 1; }
	grep -q 'HOST KEY MISMATCH' "$LAST_ERR" || { fail "not loud"; return 1; }
	[ "$(json attempts)" = 1 ] || { fail "retried a host key mismatch"; return 1; }
	[ -z "$(ls "$S/dst")" ] || { fail "destination touched"; return 1; }
	"$RSGUARD" trust --jobs-dir "$S/jobs" j >"$S/out" 2>"$LAST_ERR" &&
	    { fail "trust accepted a changed key"; return 1; }
	grep -q 'HOST KEY MISMATCH' "$LAST_ERR" || { fail "trust not loud"; return 1; }
}

t_trust_pins_on_first_use() {
	setup push
	rm -f "$S/jobs/j.known_hosts"
	mirror
	[ "$RC" = 1 ] && grep -q 'rsguard trust' "$LAST_ERR" || { fail "ran unpinned: $RC"; return 1; }
	"$RSGUARD" trust --jobs-dir "$S/jobs" j </dev/null >"$S/out" 2>"$LAST_ERR" &&
	    { fail "pinned without --yes off a terminal"; return 1; }
	"$RSGUARD" trust --jobs-dir "$S/jobs" --yes j >"$S/out" 2>"$LAST_ERR" ||
	    { fail "trust --yes exit $?"; return 1; }
	local fp; fp=$(ssh-keygen -l -f "$IT_SSHDIR/host_ed25519.pub" | cut -d' ' -f2)
	grep -qF "$fp" "$S/out" || { fail "fingerprint not shown"; return 1; }
	grep -q 'accepts the job.s key: yes' "$S/out" || { fail "no auth note"; return 1; }
	mirror; [ "$RC" = 0 ] || { fail "mirror after trust: $RC"; return 1; }
}

t_refused_key_fails_clearly() {
	setup push
	ssh-keygen -q -t ed25519 -N '' -f "$S/stranger"
	sed -i "s|^key = .*|key = $S/stranger|" "$S/jobs/j.conf"
	mirror
	[ "$RC" = 255 ] || { fail "exit $RC, want 255"; return 1; }
	grep -q 'refused the job.s key' "$LAST_ERR" || { fail "unclear message"; return 1; }
	[ "$(json result)" = failed ] && [ "$(json last_success)" = 0 ] ||
	    { fail "status $(cat "$S/state/j.json")"; return 1; }
	"$RSGUARD" status "${OPTS[@]}" >"$S/st" && { fail "status exit 0"; return 1; }
	grep -q 'failed .* OVERDUE' "$S/st" || { fail "status: $(cat "$S/st")"; return 1; }
}

# rsync's open() of "vanish-me" finds it gone: an LD_PRELOAD shim removes
# the file just before the sender opens it (deterministic rsync 24).
t_vanished_file_is_a_warning() {
	setup push
	echo bye >"$S/src/vanish-me"
	cat >"$S/shim.c" <<'EOT'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
static int gone(const char *p) {
	const char *b = strrchr(p, '/');
	if (strcmp(b ? b + 1 : p, "vanish-me") == 0) { unlink(p); return 1; }
	return 0;
}
int open(const char *p, int f, ...) {
	int (*o)(const char *, int, ...) = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	va_list ap; va_start(ap, f); int m = va_arg(ap, int); va_end(ap);
	if (!(f & O_DIRECTORY)) gone(p);
	return o(p, f, m);
}
int open64(const char *p, int f, ...) __attribute__((alias("open")));
int openat(int d, const char *p, int f, ...) {
	int (*o)(int, const char *, int, ...) = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
	va_list ap; va_start(ap, f); int m = va_arg(ap, int); va_end(ap);
	if (!(f & O_DIRECTORY)) gone(p);
	return o(d, p, f, m);
}
int openat64(int d, const char *p, int f, ...) __attribute__((alias("openat")));
EOT
	cc -shared -fPIC -o "$S/shim.so" "$S/shim.c" -ldl 2>"$LAST_ERR" || { skip "no cc for the shim"; return 0; }
	LD_PRELOAD=$S/shim.so mirror
	[ "$RC" = 0 ] || { fail "exit $RC, want 0"; return 1; }
	[ "$(json result)" = warning ] && [ "$(json rsync_exit)" = 24 ] ||
	    { fail "status $(cat "$S/state/j.json")"; return 1; }
	[ ! -e "$S/dst/vanish-me" ] && [ -e "$S/dst/a.txt" ] || { fail "tree"; return 1; }
	[ "$(metric rsguard_last_run_success)" = 1 ] || { fail "metric"; return 1; }
}

t_bad_job_file_line() {
	setup push
	printf '[job]\ndirection = push\ndirection = pull\n' >"$S/jobs/bad.conf"
	"$RSGUARD" mirror --jobs-dir "$S/jobs" bad 2>"$LAST_ERR"
	[ $? = 1 ] && grep -q "bad.conf:3: key given twice" "$LAST_ERR" || { fail "no file:line"; return 1; }
	printf '[job]\noptions = -a -e sh\n' >"$S/jobs/bad.conf"
	"$RSGUARD" mirror --jobs-dir "$S/jobs" bad 2>"$LAST_ERR"
	grep -q "bad.conf:2: options" "$LAST_ERR" || { fail "-e accepted"; return 1; }
	"$RSGUARD" mirror --jobs-dir "$S/jobs" --new fresh >"$S/out" || { fail "--new"; return 1; }
	grep -q '^direction = pull' "$S/jobs/fresh.conf" || { fail "template"; return 1; }
	"$RSGUARD" mirror --jobs-dir "$S/jobs" --new fresh 2>/dev/null && { fail "--new overwrote"; return 1; }
	"$RSGUARD" mirror -n --jobs-dir "$S/jobs" fresh >"$S/out" || { fail "template does not parse"; return 1; }
	grep -q -- "--delay-updates" "$S/out" && grep -q "StrictHostKeyChecking=yes" "$S/out" ||
	    { fail "dry run: $(cat "$S/out")"; return 1; }
	"$RSGUARD" mirror -h | grep -q usage && "$RSGUARD" trust -h | grep -q usage &&
	    "$RSGUARD" status -h | grep -q usage && "$RSGUARD" schedule -h | grep -q usage ||
	    { fail "-h"; return 1; }
}

# cron: five fields, each a number, *, a range or a step, in range.
valid_cron() {
	local f lo hi i=0 lim=(59 23 31 12 7)
	read -r -a f <<<"$1"
	[ "${#f[@]}" -ge 6 ] || return 1
	for i in 0 1 2 3 4; do
		[[ ${f[$i]} =~ ^(\*|[0-9]+(-[0-9]+)?)(/[0-9]+)?$ ]] || return 1
		for lo in $(tr -c '0-9' ' ' <<<"${f[$i]}"); do
			[ "$lo" -le "${lim[$i]}" ] || return 1
		done
	done
	[[ ${f[5]} == /* ]]
}

t_schedule_units_and_cron() {
	setup push
	local e line
	for e in 1m 15m 1h 6h 1d 7d; do
		line=$("$RSGUARD" schedule "${OPTS[@]}" --every $e --cron j | grep -v '^#')
		valid_cron "$line" || { fail "bad crontab line for $e: $line"; return 1; }
	done
	"$RSGUARD" schedule "${OPTS[@]}" --every 7m j 2>/dev/null && { fail "7m accepted"; return 1; }
	mkdir "$S/units"
	"$RSGUARD" schedule "${OPTS[@]}" --install --unit-dir "$S/units" j >"$S/out" || { fail "install"; return 1; }
	grep -q '^Persistent=true' "$S/units/rsguard-mirror-j.timer" &&
	    grep -q '^RandomizedDelaySec=360' "$S/units/rsguard-mirror-j.timer" &&
	    grep -q '^NoNewPrivileges=yes' "$S/units/rsguard-mirror-j.service" ||
	    { fail "units"; return 1; }
	if ! command -v systemd-analyze >/dev/null; then
		skip "systemd-analyze not installed"; return 0
	fi
	( cd "$S/units" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify \
	    --man=no rsguard-mirror-j.timer ) >"$LAST_ERR" 2>&1
	if grep -v 'Failed to connect\|bus\|Unit .* not found' "$LAST_ERR" | grep -qi 'rsguard-mirror'; then
		fail "systemd-analyze verify: $(head -5 "$LAST_ERR")"; return 1
	fi
}

run_tests t_push_and_pull_identical t_mirror_root_subpath \
    t_mirror_unknown_root_fails t_lock_refuses_second_run \
    t_killed_mid_transfer_retry_completes t_stall_killed_at_timeout \
    t_sigterm_stops_the_transfer t_changed_host_key_fails \
    t_trust_pins_on_first_use \
    t_refused_key_fails_clearly t_vanished_file_is_a_warning \
    t_bad_job_file_line t_schedule_units_and_cron
