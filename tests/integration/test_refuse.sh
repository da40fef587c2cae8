#!/bin/bash
# Requests rsguard must refuse (or restrict), over real ssh.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

setup_rw() {
	new_scratch
	mkdir "$S/srv"
	make_tree "$S/src"
	authorize "$@" "$S/srv"
}

tree_list() { (cd "$1" && find . -printf '%P %y %s %T@\n' | sort); }

t_ro_refuses_push() {
	setup_rw -ro
	cp -a "$S/src" "$S/srv/dst"
	local before; before=$(tree_list "$S/srv")
	echo intruder >"$S/src/new.txt"
	rsq -a "$S/src/" "$IT_HOST:dst/"
	expect_refused $? "sending to read-only server is not allowed" || return 1
	[ "$before" = "$(tree_list "$S/srv")" ] || { fail "DIR changed under -ro"; return 1; }
	# reading still works
	rs -a "$IT_HOST:dst/" "$S/out/" || { fail "pull under -ro exit $?"; return 1; }
	[ -f "$S/out/a.txt" ] || { fail "pull under -ro delivered nothing"; return 1; }
}

t_wo_refuses_pull() {
	setup_rw -wo
	cp -a "$S/src" "$S/srv/dst"
	mkdir "$S/out"
	rsq -a "$IT_HOST:dst/" "$S/out/"
	expect_refused $? "rsguard: error:" || return 1
	grep -qF "reading from write-only server is not allowed" "$LAST_ERR" ||
		{ fail "unexpected message"; return 1; }
	[ -z "$(ls -A "$S/out")" ] || { fail "files were delivered under -wo"; return 1; }
	# writing still works
	rs -a "$S/src/" "$IT_HOST:dst2/" || { fail "push under -wo exit $?"; return 1; }
	same_tree "$S/src" "$S/srv/dst2" || return 1
}

t_shell_refused() {
	setup_rw
	local out rc
	out=$(ssh_host sh </dev/null 2>"$LAST_ERR"); rc=$?
	[ "$rc" != 0 ] || { fail "'ssh host sh' exited 0"; return 1; }
	grep -qF "rsguard: error:" "$LAST_ERR" || { fail "no rsguard error for sh"; return 1; }
	out=$(echo 'echo PWNED' | ssh_host sh 2>/dev/null)
	[[ $out != *PWNED* ]] || { fail "shell ran commands from stdin"; return 1; }
	out=$(ssh_host 'cat /etc/passwd' </dev/null 2>"$LAST_ERR"); rc=$?
	[ "$rc" != 0 ] || { fail "'cat /etc/passwd' exited 0"; return 1; }
	[[ $out != *root:* ]] || { fail "passwd content on stdout"; return 1; }
	[ -z "$out" ] || { fail "unexpected stdout: $out"; return 1; }
	grep -qF "rsguard: error:" "$LAST_ERR" || { fail "no rsguard error for cat"; return 1; }
}

t_true_ok() {
	setup_rw
	ssh_host true </dev/null 2>"$LAST_ERR" || { fail "'ssh host true' exit $?"; return 1; }
}

# Port forwarding must be refused (restrict); check that no byte from a
# loopback listener comes back through the local end of the forward.
t_port_forward_refused() {
	setup_rw
	local tport lport rc got
	command -v python3 >/dev/null || { skip "python3 needed for the marker listener"; return 0; }
	# marker listener on a loopback high port; prints its port
	python3 - "$S/tport" <<'EOF' &
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(15)
try:
    while True:
        c, _ = s.accept(); c.sendall(b"FORWARD-MARKER\n"); c.close()
except Exception:
    pass
EOF
	local lpid=$!
	for _ in $(seq 50); do [ -s "$S/tport" ] && break; sleep 0.1; done
	tport=$(cat "$S/tport" 2>/dev/null)
	[ -n "$tport" ] || { kill "$lpid" 2>/dev/null; fail "marker listener did not start"; return 1; }
	# a loopback high port that is free right now
	lport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	timeout 10 ssh "${SSH_OPTS[@]}" -o ExitOnForwardFailure=yes -N \
		-L "127.0.0.1:$lport:127.0.0.1:$tport" "$IT_HOST" </dev/null 2>"$LAST_ERR" &
	local spid=$!
	# wait until the client listens on lport (or has exited), then probe once
	for _ in $(seq 80); do
		kill -0 "$spid" 2>/dev/null || break
		ss -ltn 2>/dev/null | grep -q "127.0.0.1:$lport " && break
		sleep 0.1
	done
	got=$(timeout 5 python3 -c '
import socket, sys
try:
    c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
    c.settimeout(3)
    print(c.recv(100).decode(errors="replace"), end="")
except Exception:
    pass' "$lport")
	# ssh -N never ends by itself; let timeout end it (124) unless the
	# server made it fail first.  (Killing it early can make ssh exit 0.)
	wait "$spid"; rc=$?
	kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null
	[[ $got != *FORWARD-MARKER* ]] || { fail "port forward carried data"; return 1; }
	[ "$rc" != 0 ] || { fail "ssh -N -L exited 0"; return 1; }
}

t_no_del_refuses_delete() {
	setup_rw -no-del
	mkdir "$S/srv/dst"; echo keep >"$S/srv/dst/extra"
	rsq -a --delete "$S/src/" "$IT_HOST:dst/"
	expect_refused $? "has been disabled on this server" || return 1
	[ -f "$S/srv/dst/extra" ] || { fail "extra was deleted"; return 1; }
	[ ! -e "$S/srv/dst/a.txt" ] || { fail "transfer ran despite refusal"; return 1; }
	# without --delete it works
	rs -a "$S/src/" "$IT_HOST:dst/" || { fail "plain push exit $?"; return 1; }
	[ -f "$S/srv/dst/extra" ] && cmp -s "$S/src/a.txt" "$S/srv/dst/a.txt" ||
		{ fail "plain push under -no-del wrong"; return 1; }
}

t_no_overwrite_keeps_existing() {
	setup_rw -no-overwrite
	mkdir -p "$S/srv/dst/sub"
	echo original >"$S/srv/dst/a.txt"
	touch -d '2001-01-01' "$S/srv/dst/a.txt"
	local ino; ino=$(stat -c %i "$S/srv/dst/a.txt")
	rs -a "$S/src/" "$IT_HOST:dst/" || { fail "exit $?"; return 1; }
	[ "$(cat "$S/srv/dst/a.txt")" = original ] || { fail "existing a.txt overwritten"; return 1; }
	[ "$(stat -c %i "$S/srv/dst/a.txt")" = "$ino" ] || { fail "a.txt replaced (new inode)"; return 1; }
	cmp -s "$S/src/sub/b.txt" "$S/srv/dst/sub/b.txt" || { fail "new file not written"; return 1; }
}

t_unknown_option_refused() {
	setup_rw
	local out
	out=$(ssh_host 'rsync --server --sender --no-such-option -logDtpre.iLsfxCIvu . dst/' \
		</dev/null 2>"$LAST_ERR")
	expect_refused $? "invalid rsync-command syntax or options" || return 1
	# also through the real client
	rsq -a -M--no-such-option "$S/src/" "$IT_HOST:dst/"
	expect_refused $? "invalid rsync-command syntax or options" || return 1
	[ ! -e "$S/srv/dst" ] || { fail "dst created"; return 1; }
}

# rsync -s is served now (its arguments are read and checked:
# test_secluded.sh); a -s word the client never sends stays disabled.
t_protect_args_refused() {
	setup_rw
	cp -a "$S/src" "$S/srv/dst"
	mkdir "$S/out"
	rsq -s -a "$IT_HOST:dst/" "$S/out/" || { fail "-s pull exit $?"; return 1; }
	same_tree "$S/srv/dst" "$S/out" || return 1
	rm -rf "${S:?}/out"; mkdir "$S/out"
	rsq -a -M-s "$IT_HOST:dst/" "$S/out/"
	expect_refused $? "has been disabled" || return 1
	[ -z "$(ls -A "$S/out")" ] || { fail "files delivered with a stray -s"; return 1; }
}

t_debug_all_refused() {
	setup_rw
	cp -a "$S/src" "$S/srv/dst"
	mkdir "$S/out"
	rsq -a -M--debug=ALL "$IT_HOST:dst/" "$S/out/"
	expect_refused $? "option --debug has been disabled on this server" || return 1
	ssh_host 'rsync --server --sender --debug=ALL -logDtpre.iLsfxCIvu . dst/' \
		</dev/null >/dev/null 2>"$LAST_ERR"
	expect_refused $? "option --debug has been disabled on this server" || return 1
	[ -z "$(ls -A "$S/out")" ] || { fail "files delivered"; return 1; }
}

run_tests t_ro_refuses_push t_wo_refuses_pull t_shell_refused t_true_ok \
	t_port_forward_refused t_no_del_refuses_delete t_no_overwrite_keeps_existing \
	t_unknown_option_refused t_protect_args_refused t_debug_all_refused
