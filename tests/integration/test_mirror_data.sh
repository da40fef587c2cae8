#!/bin/bash
# rsguard mirror's data guarantees against the real sshd: a run killed
# mid-transfer leaves the destination as it was (atomic = yes, whatever
# the delete option's spelling); the status and exit codes tell the truth.
# IT_TESTS="t_a t_b" runs only those (run.sh --inner as the current user).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# setup pull|push [PROXYCMD]: scratch with src/ dst/ jobs/ state/, job "j"
# (retries = 0) and its pinned host key.  @S@ in PROXYCMD is the scratch.
setup() {
	local dir=$1 proxy=${2:-$SSHD -i -f $IT_SSHDIR/sshd_config}
	new_scratch
	proxy=${proxy//@S@/$S}
	mkdir -p "$S/src" "$S/dst" "$S/jobs" "$S/state"
	make_tree "$S/src"
	job_ends "$dir"
	cat >"$S/jobs/j.conf" <<EOT
[job]
direction = $dir
source = $src
destination = $dst
key = $IT_SSHDIR/client_ed25519
options = ${OPTIONS:--a --delete}
timeout = 60
retries = 0
retry_delay = 0
every = 1h
ssh_option = ProxyCommand=$proxy
ssh_option = LogLevel=ERROR
EOT
	[ -n "${EXTRA:-}" ] && printf '%s\n' "$EXTRA" >>"$S/jobs/j.conf"
	printf 'localhost %s\n' "$(cut -d' ' -f1,2 "$IT_SSHDIR/host_ed25519.pub")" \
	    >"$S/jobs/j.known_hosts"
	OPTS=(--jobs-dir "$S/jobs" --state-dir "$S/state")
}
mirror() { "$RSGUARD" mirror "${OPTS[@]}" "$@" j >"$S/out" 2>"$LAST_ERR"; RC=$?; }
json() { jq -r ".$1" "$S/state/j.json"; }

# The destination's regular files (name, size, sum), the partial dirs
# (.~tmp~) left out.  NB. rsync makes directories and symlinks as it goes,
# --delay-updates or not: only files wait for the end.
listing() { (cd "$1" && find . -name .~tmp~ -prune -o -type f -print0 |
    sort -z | xargs -0r md5sum); }

# kill_sshd PID: SIGKILL to the session's sshd processes (PID and the
# sshd children it forked: unprivileged, the child holds the connection).
kill_sshd() {
	local p pids=$1 all=
	while [ -n "$pids" ]; do
		all="$all $pids"
		# shellcheck disable=SC2086
		pids=$(for p in $pids; do ps -o pid=,comm= --ppid "$p"; done |
		    awk '$2 ~ /^sshd/ { print $1 }')
	done
	trace "kill -KILL$all"
	# shellcheck disable=SC2086
	kill -KILL $all
}

# A pull with stale files in the destination; the sshd of the session is
# killed (SIGKILL) while a large file is on its way (bwlimit keeps it on
# the wire for ~20 s).  Every spelling of --delete must leave the old tree
# as it was: stale files kept, no new file installed.  A second run
# completes it.
killed_pull() {
	local opt=$1 i pid before after
	OPTIONS="-a $opt" EXTRA="bwlimit = 200" setup pull "@S@/proxy.sh"
	head -c 4000000 /dev/urandom >"$S/src/sub/large.bin"
	cat >"$S/proxy.sh" <<EOT
#!/bin/sh
echo \$\$ >"$S/sshd.pid"
exec $SSHD -i -f $IT_SSHDIR/sshd_config
EOT
	chmod +x "$S/proxy.sh"
	mkdir -p "$S/dst/sub"
	echo stale >"$S/dst/stale1"
	echo stale >"$S/dst/sub/stale2"
	before=$(listing "$S/dst")
	"$RSGUARD" mirror "${OPTS[@]}" j >"$S/out" 2>"$LAST_ERR" &
	pid=$!
	# wait until part of large.bin has arrived (a temp file over 100 KB)
	for i in $(seq 300); do
		[ -n "$(find "$S/dst" -type f -size +100k 2>/dev/null)" ] && break
		sleep 0.1
	done
	[ -s "$S/sshd.pid" ] || { kill "$pid"; wait "$pid"; fail "$opt: no session"; return 1; }
	[ -n "$(find "$S/dst" -type f -size +100k)" ] ||
	    { kill "$pid"; wait "$pid"; fail "$opt: transfer never got under way"; return 1; }
	trace "killing sshd at $(find "$S/dst" -type f -size +100k -printf '%P %s ')"
	kill_sshd "$(cat "$S/sshd.pid")"
	wait "$pid"; RC=$?
	[ "$RC" != 0 ] || { fail "$opt: exit 0 after the session was killed"; return 1; }
	after=$(listing "$S/dst")
	[ "$before" = "$after" ] || { fail "$opt: destination changed by a failed run:" \
	    "$(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -6 | tr '\n' ' ')"; return 1; }
	[ "$(json result)" = failed ] || { fail "$opt: status $(json result)"; return 1; }
	sed -i '/^bwlimit/d' "$S/jobs/j.conf"
	mirror
	[ "$RC" = 0 ] || { fail "$opt: second run exit $RC"; return 1; }
	[ ! -e "$S/dst/stale1" ] && [ ! -e "$S/dst/sub/stale2" ] ||
	    { fail "$opt: stale files survived a good run"; return 1; }
	same_tree "$S/src" "$S/dst" || return 1
}

t_killed_pull_del() { killed_pull --del; }
t_killed_pull_delete_before() { killed_pull --delete-before; }
t_killed_pull_delete_during() { killed_pull --delete-during; }
t_killed_pull_delete_after() { killed_pull --delete-after; }
t_killed_pull_delete_excluded() { killed_pull --delete-excluded; }

# full_disk pull|push: the destination (local for a pull, serve's DIR for a
# push) is a 1 MB tmpfs that the update does not fit: the run fails,
# says why, leaves the destination as it was (the changed file old, the
# stale file kept, nothing new installed) and no process behind; once
# there is room, the next run completes it.
full_disk() {
	local dir=$1 before after
	[ "$(id -u)" = 0 ] || { skip "needs root (mount tmpfs)"; return 0; }
	setup "$dir"
	mount -t tmpfs -o size=1m,mode=0755 rsguard-it-full "$S/dst" ||
	    { skip "cannot mount a tmpfs"; return 0; }
	# shellcheck disable=SC2064
	trap "umount -l '$S/dst' 2>/dev/null" RETURN
	mirror
	[ "$RC" = 0 ] || { fail "$dir: first run exit $RC"; return 1; }
	echo stale >"$S/dst/stale"
	printf 'alpha, changed\n' >"$S/src/a.txt"
	head -c 3000000 /dev/urandom >"$S/src/sub/large.bin"
	before=$(listing "$S/dst")
	mirror
	[ "$RC" != 0 ] || { fail "$dir: exit 0 on a full disk"; return 1; }
	[ "$(json result)" = failed ] || { fail "$dir: status $(json result)"; return 1; }
	grep -q 'No space left on device' "$LAST_ERR" ||
	    { fail "$dir: the cause is not named: $(head -3 "$LAST_ERR" | tr '\n' '|')"; return 1; }
	after=$(listing "$S/dst")
	[ "$before" = "$after" ] || { fail "$dir: destination changed by a failed run:" \
	    "$(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -6 | tr '\n' ' ')"; return 1; }
	[ -z "$(pgrep -f -- "$S/jobs/j.known_hosts\|--confine-root=$S/")" ] ||
	    { fail "$dir: left behind: $(pgrep -a -f -- "$S/jobs/j.known_hosts\|--confine-root=$S/" | cut -c1-60)"; return 1; }
	mount -o remount,size=16m "$S/dst" || { fail "remount"; return 1; }
	mirror
	[ "$RC" = 0 ] && [ "$(json result)" = ok ] || { fail "$dir: run with room: exit $RC"; return 1; }
	[ ! -e "$S/dst/stale" ] || { fail "$dir: stale file survived a good run"; return 1; }
	same_tree "$S/src" "$S/dst" || return 1
}
t_full_disk_pull() { full_disk pull; }
t_full_disk_push() { full_disk push; }

# dir_synced TRACE PATH: in strace output TRACE, PATH was renamed into
# place and then its directory fsynced (through a descriptor opened on
# it, or the renameat's own directory descriptor).
dir_synced() {
	awk -v base="$(basename "$2")" -v dir="$(dirname "$2")" '
	!r && /rename/ && / = 0$/ &&
	    (index($0, "/" base "\"") || index($0, "\"" base "\"")) {
		r = 1
		if (match($0, /renameat2?\([0-9]+/)) {
			fd = substr($0, RSTART, RLENGTH); sub(/.*\(/, "", fd)
		}
		next
	}
	r && /openat\(/ && index($0, "\"" dir "\"") && /O_DIRECTORY/ {
		n = split($0, a, "= "); fd = a[n] + 0; next
	}
	r && fd != "" && index($0, "fsync(" fd ")") && / = 0$/ { ok = 1; exit }
	END { exit !ok }' "$1"
}

# Every file replaced atomically survives a power loss: after the rename
# the directory is fsynced too (the status file, the textfile, a pin).
t_replaced_files_are_durable() {
	command -v strace >/dev/null || { skip "no strace"; return 0; }
	setup push
	mkdir "$S/metrics"
	strace -o "$S/trace" -e trace=rename,renameat,renameat2,openat,fsync \
	    "$RSGUARD" mirror "${OPTS[@]}" --metrics-dir "$S/metrics" j \
	    >"$S/out" 2>"$LAST_ERR" || { fail "mirror exit $?"; return 1; }
	dir_synced "$S/trace" "$S/state/j.json" ||
	    { fail "state dir not fsynced after the rename of j.json"; return 1; }
	dir_synced "$S/trace" "$S/metrics/rsguard_j.prom" ||
	    { fail "metrics dir not fsynced after the rename"; return 1; }
	rm "$S/jobs/j.known_hosts"
	strace -o "$S/trace" -e trace=rename,renameat,renameat2,openat,fsync \
	    "$RSGUARD" trust --jobs-dir "$S/jobs" --yes j >"$S/out" 2>"$LAST_ERR" ||
	    { fail "trust exit $?"; return 1; }
	dir_synced "$S/trace" "$S/jobs/j.known_hosts" ||
	    { fail "jobs dir not fsynced after the pin's rename"; return 1; }
	mkdir -m 700 "$S/ak"
	strace -o "$S/trace" -e trace=rename,renameat,renameat2,openat,fsync \
	    "$RSGUARD" authorize --key "$IT_SSHDIR/client_ed25519.pub" --from 127.0.0.1 \
	    --install --file "$S/ak/authorized_keys" -ro "$S/src" >"$S/out" 2>"$LAST_ERR" ||
	    { fail "authorize exit $?"; return 1; }
	dir_synced "$S/trace" "$S/ak/authorized_keys" ||
	    { fail "authorized_keys dir not fsynced after the rename"; return 1; }
}

# fake_rsync CODE [STDERR]: the job runs a stand-in rsync that says
# STDERR and exits CODE (or kills itself when CODE is a signal name).
fake_rsync() {
	cat >"$S/fake-rsync" <<EOT
#!/bin/sh
echo "\$0 \$*" >>"$S/fake.calls"
printf '%s\n' "${2:-rsync error: some error (code $1)}" >&2
case $1 in [A-Z]*) kill -$1 \$\$ ;; esac
exit $1
EOT
	chmod 755 "$S/fake-rsync"
	: >"$S/fake.calls"
	sed -i "/^rsync = /d; s|^\\[job\\]\$|[job]\\nrsync = $S/fake-rsync|" "$S/jobs/j.conf"
}
retries() { sed -i "s/^retries = .*/retries = $1/" "$S/jobs/j.conf"; }
calls() { wc -l <"$S/fake.calls"; }

# The exit status is rsync's, but for the documented mapping, and the
# message says "retries exhausted" only when there were retries.
t_exit_status_mapping() {
	setup push
	fake_rsync 12
	mirror
	[ "$RC" = 12 ] && [ "$(json exit)" = 12 ] && [ "$(json rsync_exit)" = 12 ] ||
	    { fail "rsync 12: exit $RC, status $(json exit)/$(json rsync_exit)"; return 1; }
	[ "$(calls)" = 1 ] || { fail "retries = 0: $(calls) attempts"; return 1; }
	grep -q 'retries exhausted' "$LAST_ERR" &&
	    { fail "retries = 0 but \"retries exhausted\": $(head -1 "$LAST_ERR")"; return 1; }
	grep -q 'rsync failed with exit 12 (not retried: retries = 0)' "$LAST_ERR" ||
	    { fail "message: $(head -1 "$LAST_ERR")"; return 1; }
	retries 1
	mirror
	[ "$RC" = 12 ] && [ "$(calls)" = 3 ] || { fail "retries = 1: exit $RC, $(calls) calls"; return 1; }
	grep -q 'rsync failed with exit 12 (retries exhausted)' "$LAST_ERR" ||
	    { fail "message: $(head -1 "$LAST_ERR")"; return 1; }
	fake_rsync 23
	mirror
	[ "$RC" = 23 ] && [ "$(calls)" = 1 ] && [ "$(json exit)" = 23 ] ||
	    { fail "rsync 23: exit $RC, $(calls) calls"; return 1; }
	grep -q 'retries exhausted\|not retried: retries' "$LAST_ERR" &&
	    { fail "23 is not retryable: $(head -1 "$LAST_ERR")"; return 1; }
	# ssh refused the connection: 255 whether rsync said 12 or 255
	fake_rsync 12 "user@h: Permission denied (publickey)."
	mirror
	[ "$RC" = 255 ] && [ "$(json exit)" = 255 ] && [ "$(json rsync_exit)" = 12 ] &&
	    [ "$(calls)" = 1 ] || { fail "refused key: exit $RC, rsync_exit $(json rsync_exit)"; return 1; }
	fake_rsync KILL
	mirror
	[ "$RC" = 137 ] && [ "$(json rsync_exit)" = 137 ] || { fail "rsync killed: exit $RC"; return 1; }
	fake_rsync 24
	mirror
	[ "$RC" = 0 ] && [ "$(json result)" = warning ] || { fail "rsync 24: exit $RC"; return 1; }
	fake_rsync 0
	mirror
	[ "$RC" = 0 ] && [ "$(json result)" = ok ] || { fail "rsync 0: exit $RC"; return 1; }
}

# mirror -n prints a line that, pasted into sh, runs the very argv mirror
# runs (the -e value one word): a recorder stands in for rsync for both.
t_dry_run_pastes_into_a_shell() {
	setup push
	cat >"$S/rec-rsync" <<EOT
#!/bin/sh
printf '%s\\0' "\$@" >"\$ARGV_OUT"
EOT
	chmod 755 "$S/rec-rsync"
	sed -i "s|^\\[job\\]\$|[job]\\nrsync = $S/rec-rsync|" "$S/jobs/j.conf"
	echo 'exclude = *.tmp files' >>"$S/jobs/j.conf"
	ARGV_OUT=$S/argv.run mirror
	[ "$RC" = 0 ] || { fail "run exit $RC"; return 1; }
	mirror -n
	[ "$RC" = 0 ] || { fail "-n exit $RC"; return 1; }
	[ "$(wc -l <"$S/out")" = 1 ] || { fail "-n printed $(wc -l <"$S/out") lines"; return 1; }
	ARGV_OUT=$S/argv.paste sh -c "$(cat "$S/out")" || { fail "pasted line: exit $?"; return 1; }
	cmp -s "$S/argv.run" "$S/argv.paste" || { fail "pasted argv differs:" \
	    "$(diff <(tr '\0' '\n' <"$S/argv.run") <(tr '\0' '\n' <"$S/argv.paste") | head -6 | tr '\n' ' ')"; return 1; }
	grep -q "exclude=\*.tmp files" <(tr '\0' '\n' <"$S/argv.paste") ||
	    { fail "exclude with a blank not one word"; return 1; }
}

# state_job NAME RESULT EXIT END LAST_SUCCESS: a job file (every = 1h)
# and, unless RESULT is "-", the status file a run would have left.
state_job() {
	printf '[job]\ndirection = push\nsource = /srv\ndestination = u@h:/\nkey = /k\nevery = 1h\n' \
	    >"$S/jobs/$1.conf"
	[ "$2" = - ] && return 0
	printf '{\n  "job": "%s",\n  "result": "%s",\n  "start": %s,\n  "end": %s,\n  "duration": 1.0,\n  "exit": %s,\n  "rsync_exit": %s,\n  "attempts": 1,\n  "bytes": 0,\n  "files": 0,\n  "last_success": %s,\n  "message": ""\n}\n' \
	    "$1" "$2" "$(($4 - 1))" "$4" "$3" "$3" "$5" >"$S/state/$1.json"
}
status() { "$RSGUARD" status --jobs-dir "$S/jobs" --state-dir "$S/state" "$@" \
    >"$S/st" 2>"$LAST_ERR"; RC=$?; }

# status: a failed last run is not ok; each state has its exit status,
# and a list exits with the worst.
t_status_states() {
	new_scratch
	mkdir "$S/jobs" "$S/state"
	local now; now=$(date +%s)
	state_job a-ok ok 0 $((now - 60)) $((now - 60))
	state_job b-warn warning 0 $((now - 60)) $((now - 60))
	state_job c-fail failed 12 $((now - 60)) $((now - 1800))
	state_job d-old failed 12 $((now - 60)) $((now - 3 * 3600))
	state_job e-never -
	local job want state
	for job in a-ok:0:ok b-warn:1:warning c-fail:2:FAILED d-old:3:OVERDUE \
	    e-never:4:NEVER; do
		IFS=: read -r job want state <<<"$job"
		status "$job"
		[ "$RC" = "$want" ] || { fail "$job: exit $RC, want $want: $(tail -1 "$S/st")"; return 1; }
		[ "$(awk -v j="$job" '$1 == j { print $NF }' "$S/st")" = "$state" ] ||
		    { fail "$job: $(tail -1 "$S/st"), want $state"; return 1; }
	done
	status
	[ "$RC" = 4 ] || { fail "all: exit $RC, want 4 (never run)"; return 1; }
	[ "$(grep -c '^[a-e]-' "$S/st")" = 5 ] || { fail "rows: $(cat "$S/st")"; return 1; }
	status a-ok b-warn c-fail
	[ "$RC" = 2 ] || { fail "ok, warning, failed: exit $RC, want 2"; return 1; }
	status --max-age 1 a-ok
	[ "$RC" = 3 ] || { fail "--max-age 1: exit $RC, want 3"; return 1; }
	status --max-age 0 a-ok
	[ "$RC" = 5 ] || { fail "bad --max-age: exit $RC, want 5"; return 1; }
	printf '[job]\ncolour = red\n' >"$S/jobs/f-bad.conf"
	status
	[ "$RC" = 5 ] || { fail "a bad job file: exit $RC, want 5"; return 1; }
}

# A FIFO (or anything but a regular file) where a state file belongs is
# refused at once: status and mirror neither hang nor use it.
t_state_fifo_refused() {
	setup push
	fake_rsync 12
	mkfifo "$S/state/j.json"
	timeout 10 "$RSGUARD" status "${OPTS[@]}" j >"$S/st" 2>"$LAST_ERR"; RC=$?
	[ "$RC" != 124 ] || { fail "status hangs on a FIFO state file"; return 1; }
	[ "$RC" = 5 ] && grep -q '^j .*j.json: not a regular file' "$S/st" ||
	    { fail "status: exit $RC: $(cat "$S/st")"; return 1; }
	timeout 10 "$RSGUARD" mirror "${OPTS[@]}" j >"$S/out" 2>"$LAST_ERR"; RC=$?
	[ "$RC" != 124 ] || { fail "mirror hangs on a FIFO state file"; return 1; }
	[ "$RC" = 1 ] && grep -q 'j.json: not a regular file' "$LAST_ERR" ||
	    { fail "mirror: exit $RC"; return 1; }
	[ "$(calls)" = 0 ] || { fail "mirror ran rsync beside a FIFO state file"; return 1; }
	[ -p "$S/state/j.json" ] || { fail "FIFO replaced"; return 1; }
	rm "$S/state/j.json"
	ln -s /dev/null "$S/state/j.json"
	mirror
	[ "$RC" = 1 ] && [ "$(calls)" = 0 ] || { fail "symlink state file: exit $RC"; return 1; }
	rm "$S/state/j.json"
	mkfifo "$S/state/j.lock"
	timeout 10 "$RSGUARD" mirror "${OPTS[@]}" j >"$S/out" 2>"$LAST_ERR"; RC=$?
	[ "$RC" = 1 ] && grep -q 'j.lock: not a regular file' "$LAST_ERR" &&
	    [ "$(calls)" = 0 ] || { fail "FIFO lock: exit $RC, $(calls) calls"; return 1; }
	rm "$S/state/j.lock"
	mirror
	[ "$RC" = 12 ] && [ "$(calls)" = 1 ] && [ -f "$S/state/j.json" ] ||
	    { fail "after the FIFOs: exit $RC"; return 1; }
}

# Job files: the unknown key named with file:line, a 300-byte exclude
# line whole, --version, and rsguard-mirror(1)'s SYNOPSIS one form a line.
t_job_files() {
	setup push
	printf '[job]\ndirection = push\ncolour = red\n' >"$S/jobs/bad.conf"
	"$RSGUARD" mirror --jobs-dir "$S/jobs" bad 2>"$LAST_ERR"; RC=$?
	[ "$RC" = 1 ] && grep -q 'bad.conf:3: unknown key "colour"' "$LAST_ERR" ||
	    { fail "unknown key: exit $RC: $(cat "$LAST_ERR")"; return 1; }
	local long; long=$(head -c 290 /dev/zero | tr '\0' p)
	echo "exclude = /$long/*.tmp" >>"$S/jobs/j.conf"
	mirror -n
	[ "$RC" = 0 ] && grep -qF -- "--exclude=/$long/*.tmp" "$S/out" ||
	    { fail "300-byte line: exit $RC: $(head -c 300 "$LAST_ERR")"; return 1; }
	local c
	for c in mirror status; do
		"$RSGUARD" $c --version >"$S/out" 2>"$LAST_ERR" ||
		    { fail "$c --version: exit $?"; return 1; }
		[ "$(cat "$S/out")" = "$("$RSGUARD" --version)" ] ||
		    { fail "$c --version: $(cat "$S/out")"; return 1; }
	done
	command -v mandoc >/dev/null || { skip "no mandoc for the SYNOPSIS"; return 0; }
	mandoc -Tascii "$IT_ROOT/man/rsguard-mirror.1" | col -b |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' >"$S/syn"
	for c in "mirror \[-nq\]" "mirror \[--jobs-dir dir\] --new" trust status schedule; do
		grep -q "^     rsguard $c" "$S/syn" ||
		    { fail "SYNOPSIS: no line for rsguard $c: $(tr -s ' \n' ' ' <"$S/syn")"; return 1; }
	done
}

run_tests ${IT_TESTS:-t_killed_pull_del t_killed_pull_delete_before \
    t_killed_pull_delete_during t_killed_pull_delete_after \
    t_killed_pull_delete_excluded t_replaced_files_are_durable t_exit_status_mapping \
    t_dry_run_pastes_into_a_shell t_status_states \
    t_state_fifo_refused t_job_files t_full_disk_pull t_full_disk_push}
