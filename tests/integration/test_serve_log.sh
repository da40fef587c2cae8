#!/bin/bash
# Issue 10 items 4 and 5: every serve failure is a refusal with its log
# record, the record says who asked, one program name in every message,
# and a record is never lost silently (no syslog socket: refuse).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PUSH='rsync --server -logDtpre.iLsfxCIvu'
PULL='rsync --server --sender -logDtpre.iLsfxCIvu'

serve_as() {	# serve_as PROG ARGS...: run PROG (rsguard serve or rrsync)
	local p=$1; shift
	SSH_CONNECTION='127.0.0.9 4711 127.0.0.1 22' SSH_ORIGINAL_COMMAND=$SOC \
	    $p "${SB[@]}" "$@" >"$S/out.txt" 2>"$LAST_ERR" </dev/null
	RC=$?
}
# refused_rec NAME MSG LOG: exit 1, "NAME: error: MSG" on stderr, and a
# refusal record with MSG and the client fields in LOG.
refused_rec() {
	[ "$RC" = 1 ] || { fail "exit $RC, want 1: $(cat "$LAST_ERR")"; return 1; }
	grep -qF "$1: error: $2" "$LAST_ERR" ||
		{ fail "stderr lacks \"$1: error: $2\": $(cat "$LAST_ERR")"; return 1; }
	! grep -q "error:" <(grep -vF "$1: error:" "$LAST_ERR") ||
		{ fail "another program name: $(cat "$LAST_ERR")"; return 1; }
	[ ! -s "$S/out.txt" ] || { fail "stdout not empty"; return 1; }
	grep -qF "refused from=127.0.0.9 user=$(id -un) key=-: $2" "$3" ||
		{ fail "no refusal record with from=/user=/key= for \"$2\": $(cat "$3" 2>&1)"; return 1; }
}
setup() {
	new_scratch
	mkdir "$S/srv"
	make_tree "$S/srv"
	ln -s "$RSGUARD" "$S/rrsync"
}

# A push naming 17 missing --link-dest dirs (MAX_DEFER 16) is refused and
# logged, as rsguard and as rrsync (fatal() before: no record, rrsync:).
t_too_many_dirs() {
	setup
	local i o=''
	for i in $(seq 1 17); do o="$o --link-dest=m$i"; done
	SOC="$PUSH$o . x"
	serve_as "$RSGUARD serve" --log="$S/l" "$S/srv"
	refused_rec rsguard "too many directories to create" "$S/l" || return 1
	serve_as "$S/rrsync" --log="$S/l2" "$S/srv"
	refused_rec rrsync "too many directories to create" "$S/l2" || return 1
	[ -z "$(ls "$S/srv" | grep '^m')" ] || { fail "created dirs"; return 1; }
}

# More than MAX_PINS (4096) distinct directories in one pull.
t_too_many_pins() {
	setup
	mkdir "$S/srv/p" && (cd "$S/srv/p" && mkdir $(seq 1 4100)) || return 1
	SOC="$PULL . p/{1..4100}/"
	serve_as "$RSGUARD serve" --log="$S/l" -ro "$S/srv"
	refused_rec rsguard "too many paths to pin" "$S/l" || return 1
}

# A name that is not there says so, without crying race.
t_missing_name() {
	setup
	SOC="$PULL . nosuch.txt"
	serve_as "$RSGUARD serve" --log="$S/l" -ro "$S/srv"
	refused_rec rsguard "nosuch.txt: no such file or directory in the restricted dir" "$S/l" || return 1
	! grep -q race "$LAST_ERR" "$S/l" || { fail "race wording: $(cat "$LAST_ERR")"; return 1; }
	SOC="$PULL . nodir/x.txt"
	serve_as "$RSGUARD serve" --log="$S/l" -ro "$S/srv"
	refused_rec rsguard "nodir/x.txt: no such file or directory in the restricted dir" "$S/l" || return 1
}

# Every refusal carries the client fields, rrsync's name when invoked as
# rrsync, and key=- without ExposeAuthInfo.
t_refusal_fields() {
	setup
	SOC='sh -c id'
	serve_as "$S/rrsync" --log="$S/l" -ro "$S/srv"
	refused_rec rrsync "SSH_ORIGINAL_COMMAND does not run rsync" "$S/l" || return 1
	SOC="$PUSH . x"
	serve_as "$S/rrsync" --log="$S/l" -ro "$S/srv"
	refused_rec rrsync "sending to read-only server is not allowed" "$S/l" || return 1
	# the sandbox child's message carries the name too
	SOC="$PULL . a.txt"
	serve_as "$S/rrsync" --log=none --rsync=/nonexistent --sandbox=off -ro "$S/srv"
	grep -q '^rrsync: error: cannot run rsync' "$LAST_ERR" ||
		{ fail "child message: $(cat "$LAST_ERR")"; return 1; }
}

# A client that hung up before the refusal (stderr a broken pipe, the
# write raises SIGPIPE) still gets its record.
t_hung_up() {
	setup
	SOC='sh -c id'
	( sleep 0.5; SSH_CONNECTION='127.0.0.9 4711 127.0.0.1 22' \
	    SSH_ORIGINAL_COMMAND=$SOC "$RSGUARD" serve "${SB[@]}" --log="$S/l" \
	    -ro "$S/srv" 2>&1 >/dev/null </dev/null ) | true
	grep -q 'refused from=127\.0\.0\.9 .*: SSH_ORIGINAL_COMMAND does not run rsync; ' "$S/l" ||
		{ fail "no record after a hang-up: $(cat "$S/l" 2>&1)"; return 1; }
}

# Through sshd (lib.sh sets ExposeAuthInfo yes): the refusal record
# names the address, the user and the key sshd accepted.
t_sshd_refusal_key() {
	setup
	local fp
	fp=$(ssh-keygen -lf "$IT_SSHDIR/client_ed25519.pub" | cut -d' ' -f2)
	printf 'restrict,command="%s --log=%s -ro %s" %s\n' "$SERVE" "$S/l" "$S/srv" \
	    "$(cat "$IT_SSHDIR/client_ed25519.pub")" >"$IT_SSHDIR/authorized_keys"
	ssh_host id >/dev/null 2>"$LAST_ERR" </dev/null && { fail "id accepted"; return 1; }
	grep -qF "refused from=UNKNOWN user=$(id -un) key=ssh-ed25519 $fp: SSH_ORIGINAL_COMMAND does not run rsync; command: id" "$S/l" ||
		{ fail "refusal record: $(cat "$S/l" 2>&1)"; return 1; }
}

# hide_syslog CMD...: run CMD in a private mount namespace where neither
# /dev/log nor the journal's sockets exist (a tmpfs over /run, /dev/null
# over a /dev/log socket).  Serve's socket paths are fixed at build time
# (log.c): this, not a variable a client could set, is how a test moves
# them.  Exit 97: the namespace could not be set up.
hide_syslog() {
	unshare -m --propagation private bash -c '
		mount -t tmpfs tmpfs /run || exit 97
		if [ -S /dev/log ] && [ ! -L /dev/log ]; then
			mount --bind /dev/null /dev/log || exit 97
		fi
		[ -S /dev/log ] && exit 97
		exec "$@"' hide "$@"
}

can_unshare() {
	[ "$(id -u)" = 0 ] && hide_syslog true 2>/dev/null
}

# No syslog socket: --log=syslog (the default) refuses and names --log=FILE.
t_no_syslog_refuses() {
	setup
	can_unshare || { skip "needs root and unshare -m"; return 0; }
	SOC="$PULL . a.txt"
	SSH_ORIGINAL_COMMAND=$SOC hide_syslog "$RSGUARD" serve "${SB[@]}" \
	    --rsync=/bin/true -ro "$S/srv" >"$S/out.txt" 2>"$LAST_ERR" </dev/null
	RC=$?
	[ "$RC" = 1 ] || { fail "default log, no socket: exit $RC"; return 1; }
	grep -q '^rsguard: error: .*syslog.*--log=FILE' "$LAST_ERR" ||
		{ fail "message: $(cat "$LAST_ERR")"; return 1; }
	SSH_ORIGINAL_COMMAND=$SOC hide_syslog "$RSGUARD" serve "${SB[@]}" \
	    --log=syslog --rsync=/bin/true -ro "$S/srv" >"$S/out.txt" 2>"$LAST_ERR" </dev/null
	RC=$?
	[ "$RC" = 1 ] && grep -q -- '--log=FILE' "$LAST_ERR" ||
		{ fail "--log=syslog, no socket: exit $RC $(cat "$LAST_ERR")"; return 1; }
	# the probe is refused too: it would be logged
	SSH_ORIGINAL_COMMAND=true hide_syslog "$RSGUARD" serve "${SB[@]}" -ro "$S/srv" \
	    >"$S/out.txt" 2>"$LAST_ERR" </dev/null
	[ "$?" = 1 ] || { fail "probe without syslog accepted"; return 1; }
}

# journal_sink SOCK OUT N: a stand-in journald, bound at SOCK (a datagram
# socket), that decodes N records of the native protocol (KEY=value lines,
# or KEY\n + 64-bit little-endian length + bytes) into one line each in
# OUT: "PRIORITY FACILITY IDENT PID|MESSAGE", then exits.  OUT.ready
# appears once it is bound.
journal_sink_py() {
	cat <<'PY'
import os, socket, struct, sys
path, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(os.path.dirname(path), exist_ok=True)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
open(out + ".ready", "w").close()
s.settimeout(20)
with open(out, "a") as f:
    for _ in range(n):
        d, fields = s.recv(65536), {}
        while d:
            nl = d.index(b"\n")
            line, d = d[:nl], d[nl + 1:]
            if b"=" in line:
                k, v = line.split(b"=", 1)
            else:
                k, (ln,) = line, struct.unpack("<Q", d[:8])
                v, d = d[8:8 + ln], d[8 + ln:]
                assert d[:1] == b"\n", "binary field not ended by a newline"
                d = d[1:]
            fields[k.decode()] = v.decode()
        f.write("%s %s %s %s|%s\n" % (fields.get("PRIORITY"),
            fields.get("SYSLOG_FACILITY"), fields.get("SYSLOG_IDENTIFIER"),
            fields.get("SYSLOG_PID"), fields.get("MESSAGE")))
        f.flush()
PY
}

# No /dev/log but the journal's native socket (a stand-in listens there):
# the default --log=syslog sends the records to it, start, refusal and
# end, with from=/user=/key=.  When it goes away mid-transfer, the lost
# end record is said on stderr, never dropped silently.
t_journal_socket() {
	setup
	can_unshare || { skip "needs root and unshare -m"; return 0; }
	command -v python3 >/dev/null || { skip "no python3 for the listener"; return 0; }
	journal_sink_py >"$S/sink.py"
	printf '#!/bin/sh\nsleep 1\n' >"$S/slow" && chmod 755 "$S/slow"
	cat >"$S/run.sh" <<EOF2
J=/run/systemd/journal/socket
wait_ready() { for i in \$(seq 100); do [ -e "\$1.ready" ] && return 0; sleep 0.05; done; return 1; }
python3 "$S/sink.py" \$J "$S/got" 3 & wait_ready "$S/got" || exit 98
SSH_CONNECTION='127.0.0.9 1 127.0.0.1 22' SSH_ORIGINAL_COMMAND='$PULL . a.txt' \\
    "$RSGUARD" serve ${SB[*]} --rsync=/bin/true -ro "$S/srv" 2>"$S/err1" </dev/null
echo \$? >"$S/rc1"
SSH_CONNECTION='127.0.0.9 1 127.0.0.1 22' SSH_ORIGINAL_COMMAND='sh -c id' \\
    "$RSGUARD" serve ${SB[*]} -ro "$S/srv" 2>"$S/err2" </dev/null
echo \$? >"$S/rc2"
wait
rm -f \$J
python3 "$S/sink.py" \$J "$S/got2" 2 & wait_ready "$S/got2" || exit 98
SSH_CONNECTION='127.0.0.9 1 127.0.0.1 22' SSH_ORIGINAL_COMMAND='$PULL . a.txt' \\
    "$RSGUARD" serve --sandbox=off --rsync="$S/slow" -ro "$S/srv" 2>"$S/err3" </dev/null
echo \$? >"$S/rc3"
wait
EOF2
	hide_syslog bash "$S/run.sh" </dev/null >/dev/null 2>"$S/ns.err"
	[ "$(cat "$S/rc1" 2>/dev/null)" = 0 ] && [ ! -s "$S/err1" ] ||
		{ fail "accepted run: rc $(cat "$S/rc1" "$S/err1" "$S/ns.err" 2>&1)"; return 1; }
	[ "$(cat "$S/rc2" 2>/dev/null)" = 1 ] || { fail "refusal: rc $(cat "$S/rc2" "$S/ns.err" 2>&1)"; return 1; }
	# PRIORITY 6 (info) or 4 (warning), SYSLOG_FACILITY 4 (auth)
	grep -q '^6 4 rsguard [0-9]*|start from=127\.0\.0\.9 user=[^ ]* key=- mode=ro .*command: rsync --server' "$S/got" ||
		{ fail "no start record: $(cat "$S/got" "$S/ns.err" 2>&1)"; return 1; }
	grep -q '^6 4 rsguard [0-9]*|end from=127\.0\.0\.9 user=[^ ]* key=- status=0 ' "$S/got" ||
		{ fail "no end record: $(cat "$S/got" 2>&1)"; return 1; }
	grep -q '^4 4 rsguard [0-9]*|refused from=127\.0\.0\.9 user=[^ ]* key=-: SSH_ORIGINAL_COMMAND does not run rsync; command: sh -c id$' "$S/got" ||
		{ fail "no refusal record: $(cat "$S/got" 2>&1)"; return 1; }
	# the sink took two records (sandbox off, start) and left: the end record is lost, loudly
	grep -q '|start from=127\.0\.0\.9 ' "$S/got2" ||
		{ fail "second sink: no start record: $(cat "$S/got2" "$S/ns.err" 2>&1)"; return 1; }
	grep -q '^rsguard: error: the log record of the end of this transfer was lost' "$S/err3" ||
		{ fail "lost end record not reported (rc $(cat "$S/rc3" 2>&1)): $(cat "$S/err3" 2>&1)"; return 1; }
}

run_tests t_too_many_dirs t_too_many_pins t_missing_name t_refusal_fields t_hung_up \
	t_sshd_refusal_key \
	t_no_syslog_refuses t_journal_socket
