#!/bin/bash
# Exact-command pinning end to end: showcmd against what sshd really
# passes as SSH_ORIGINAL_COMMAND, serve --exact (every refusal path and
# its log record), and check on restricted and unrestricted keys.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ME=$(id -un)
PUB=$(cat "$IT_SSHDIR/client_ed25519.pub")

# showcmd ARGS...: rsguard showcmd -- rsync ARGS (with the harness's -e,
# which showcmd must replace); stdout in $OUT, exit status in $RC.
showcmd() {
	OUT=$("$RSGUARD" showcmd -- "$RSYNC" -e "$(rsync_e)" "$@" 2>"$LAST_ERR")
	RC=$?
}

# record ARGS...: run the real rsync through sshd to a forced command that
# saves $SSH_ORIGINAL_COMMAND; the string is left in $GOT.
record() {
	rm -f "$S/got"
	printf '#!/bin/sh\nprintf %%s "$SSH_ORIGINAL_COMMAND" >%s/got\nexit 1\n' \
		"$S" >"$S/rec.sh"
	chmod 755 "$S/rec.sh"
	printf 'restrict,command="%s/rec.sh" %s\n' "$S" "$PUB" \
		>"$IT_SSHDIR/authorized_keys"
	rsq "$@"
	GOT=$(cat "$S/got" 2>/dev/null) || GOT="(nothing recorded)"
}

# same ARGS...: showcmd's output equals what sshd passed on.
same() {
	showcmd "$@"
	[ "$RC" = 0 ] || { fail "showcmd $*: exit $RC"; return 1; }
	record "$@"
	[ "$OUT" = "$GOT" ] || { fail "showcmd $*: \"$OUT\" but sshd saw \"$GOT\""; return 1; }
	trace "same: $OUT"
}

t_showcmd_equals_sshd() {
	new_scratch
	mkdir "$S/src" "$S/dst"
	echo x >"$S/src/f"
	same -a "$IT_HOST:data/" "$S/dst/" || return 1
	same -a --delete "$S/src/" "$IT_HOST:dst/" || return 1
	same -a "$IT_HOST:a b" "$IT_HOST:c" "$S/dst/" || return 1
	same -a "$S/src/" "$ME@$IT_HOST:/abs/dst" || return 1
	same -az --rsync-path=/usr/bin/rsync -M--no-W "$S/src/" "$IT_HOST:x/" || return 1
	same -a --old-args "$IT_HOST:a b" "$S/dst/" || return 1
	same -a "$IT_HOST:it's" "$S/dst/" || return 1
	# (with -s showcmd prints the command serve checks, not sshd's:
	# t_showcmd_protect_args_note)
}

t_showcmd_protect_args_note() {
	new_scratch
	showcmd -as "$IT_HOST:x y" "$S/"
	[ "$RC" = 0 ] || { fail "exit $RC"; return 1; }
	# the command serve checks and pins: the arguments as words, no -s
	[ "$OUT" = 'rsync --server --sender -logDtpre.iLsfxCIvu . x\ y' ] ||
	    { fail "-s command: $OUT"; return 1; }
	grep -q "secluded args (-s) are on" "$LAST_ERR" || { fail "no -s note"; return 1; }
}

# A local-only command line is refused before rsync can copy anything.
t_showcmd_refuses_local() {
	new_scratch
	mkdir "$S/src"
	echo x >"$S/src/f"
	"$RSGUARD" showcmd -- "$RSYNC" -a --exclude a:b "$S/src/" "$S/dst/" \
		>/dev/null 2>"$LAST_ERR"
	expect_refused $? "rsync would copy locally" || return 1
	[ ! -e "$S/dst" ] || { fail "rsync copied locally"; return 1; }
	"$RSGUARD" showcmd -- "$RSYNC" --no-such-option "$IT_HOST:x" "$S/" \
		>/dev/null 2>"$LAST_ERR"
	expect_refused $? "did not start its remote shell" || return 1
	"$RSGUARD" showcmd --help | grep -q -- '--authorized-keys' ||
		{ fail "showcmd --help"; return 1; }
}

# showcmd's authorized_keys fragment admits exactly that transfer.
t_exact_fragment_admits() {
	local frag
	new_scratch
	mkdir "$S/srv"
	make_tree "$S/srv"
	frag=$("$RSGUARD" showcmd --authorized-keys="$S/srv" -- \
		"$RSYNC" -a "$IT_HOST:sub/" "$S/dst/" 2>"$LAST_ERR" | sed -n 2p)
	case $frag in 'restrict,command="'*"serve --exact="*" -ro '$S/srv'\"") ;;
	*) fail "fragment: $frag"; return 1;; esac
	# showcmd leaves the sandbox to serve's default (auto); the suite's
	# serves all run with IT_SANDBOX, and log to a file (no syslog here)
	frag=${frag/ serve / serve --log=$S/log${IT_SANDBOX:+ $IT_SANDBOX} }
	printf '%s %s\n' "$frag" "$PUB" >"$IT_SSHDIR/authorized_keys"
	rs -a "$IT_HOST:sub/" "$S/dst/" || { fail "pinned pull refused"; return 1; }
	same_tree "$S/srv/sub" "$S/dst" || return 1
	rsq -a "$IT_HOST:sub/deep/" "$S/dst2/"
	expect_refused $? "command does not match the one this key is pinned to" || return 1
	[ ! -e "$S/dst2" ] || { fail "changed pull created its destination"; return 1; }
}

# The pinned push works; a changed one (-z) is refused and the log shows
# both strings and the first difference.
t_exact_push_and_log() {
	local cmd changed
	new_scratch
	mkdir "$S/srv" "$S/src"
	make_tree "$S/src"
	showcmd -a "$S/src/" "$IT_HOST:in/"
	cmd=$OUT
	showcmd -az "$S/src/" "$IT_HOST:in/"
	changed=$OUT
	[ -n "$cmd" ] && [ "$cmd" != "$changed" ] || { fail "showcmd: \"$cmd\" \"$changed\""; return 1; }
	printf 'restrict,command="%s --log=%s/log --exact='\''%s'\'' -wo %s" %s\n' \
		"$SERVE" "$S" "$cmd" "$S/srv" "$PUB" >"$IT_SSHDIR/authorized_keys"
	rs -a "$S/src/" "$IT_HOST:in/" || { fail "pinned push refused"; return 1; }
	same_tree "$S/src" "$S/srv/in" || return 1
	rm -rf "$S/srv/in"
	rsq -az "$S/src/" "$IT_HOST:in/"
	expect_refused $? "command does not match the one this key is pinned to" || return 1
	[ ! -e "$S/srv/in" ] || { fail "refused push created files"; return 1; }
	grep -qF "first difference at byte" "$S/log" || { fail "log lacks the offset"; return 1; }
	grep -qF "pinned: $cmd; command: $changed" "$S/log" ||
		{ fail "log lacks both strings: $(tail -1 "$S/log")"; return 1; }
	# the pinned one is not shown to the client
	grep -qF -- "$cmd" "$LAST_ERR" && { fail "client saw the pinned command"; return 1; }
	return 0
}

# serve --exact run directly: match, probe, and each refusal path.
t_exact_cli() {
	local pin='rsync --server --sender -logDtpre.iLsfxCIvu . a.txt' d
	new_scratch
	mkdir "$S/srv"
	make_tree "$S/srv"
	d=$S/srv
	ex() {
		SSH_ORIGINAL_COMMAND=$SOC "$RSGUARD" serve "${SB[@]}" --log="$S/log" "$@" \
			>"$S/out" 2>"$LAST_ERR" </dev/null
	}
	SOC=$pin ex --dry-run --exact="$pin" -ro "$d" || { fail "match refused"; return 1; }
	grep -q '^decision: accept' "$S/out" || { fail "no decision"; return 1; }
	SOC=true ex --exact="$pin" -ro "$d" || { fail "probe refused"; return 1; }
	SOC="$pin " ex --dry-run --exact="$pin" -ro "$d"
	expect_refused $? "pinned to" || return 1
	grep -qF 'first difference at byte 51: pinned "...' "$S/log" ||
		{ fail "offset: $(tail -1 "$S/log")"; return 1; }
	SOC=id ex --exact="$pin" -ro "$d"
	expect_refused $? "pinned to" || return 1
	grep -qF 'first difference at byte 0: pinned "rsync' "$S/log" ||
		{ fail "offset 0: $(tail -1 "$S/log")"; return 1; }
	# --exact only narrows: a pinned command serve refuses stays refused
	SOC='rsync --server -logDtpre.iLsfxCIvu . x' \
		ex --exact='rsync --server -logDtpre.iLsfxCIvu . x' -ro "$d"
	expect_refused $? "sending to read-only server is not allowed" || return 1
	env -u SSH_ORIGINAL_COMMAND "$RSGUARD" serve "${SB[@]}" --log=none --exact="$pin" \
		-ro "$d" >"$S/out" 2>"$LAST_ERR"
	expect_refused $? "Not invoked via sshd" || return 1
	SOC=$pin ex --exact="$pin" --exact="$pin" -ro "$d"
	expect_refused $? "--exact may be given only once" || return 1
	SOC=$pin ex --exact= -ro "$d"
	expect_refused $? "--exact needs an rsync server command" || return 1
	SOC=$pin ex --exact='sh -c id' -ro "$d"
	expect_refused $? "--exact needs an rsync server command" || return 1
	"$RSGUARD" serve --help | grep -q -- '--exact=CMD' || { fail "serve --help"; return 1; }
}

CHECK_OPTS=(-o "ProxyCommand=$SSHD -i -f $IT_SSHDIR/sshd_config"
	-o "UserKnownHostsFile=$IT_SSHDIR/known_hosts"
	-o StrictHostKeyChecking=yes -o HostKeyAlias=rsguard-it
	-o GlobalKnownHostsFile=/dev/null)

# check LINE-PREFIX: authorized_keys gets PREFIX KEY; output in $S/check.
run_check() {
	printf '%s%s\n' "$1" "$PUB" >"$IT_SSHDIR/authorized_keys"
	"$RSGUARD" check --key "$IT_SSHDIR/client_ed25519" "${CHECK_OPTS[@]}" \
		"$ME@$IT_HOST" >"$S/check" 2>"$LAST_ERR"
	RC=$?
	trace "$(cat "$S/check")"
}
has() { grep -qE "$1" "$S/check" || { fail "check output lacks /$1/: $(tr '\n' '|' <"$S/check")"; return 1; }; }

t_check_restricted_passes() {
	new_scratch
	mkdir "$S/srv"
	run_check "restrict,command=\"$SERVE --log=none -ro $S/srv\" "
	[ "$RC" = 0 ] || { fail "exit $RC: $(tr '\n' '|' <"$S/check")"; return 1; }
	has '^PASS  probe' && has '^PASS  rsync +an rsync exchange works' &&
		has '^PASS  shell' && has '^PASS  id' &&
		has '^PASS  forward .*administratively prohibited' &&
		has '^check: 5 passed, 0 failed' || return 1
}

t_check_unrestricted_fails() {
	new_scratch
	run_check ""
	[ "$RC" = 1 ] || { fail "exit $RC, want 1"; return 1; }
	has '^PASS  probe' && has '^PASS  rsync' &&
		has '^FAIL  shell +it ran: RSG-SHELL-[0-9]' &&
		has '^FAIL  id +it ran: uid=' && has '^FAIL  forward +allowed' &&
		has '^check: 2 passed, 3 failed' || return 1
}

# command= without restrict: nothing runs, but TCP forwarding is open.
t_check_forward_allowed_fails() {
	new_scratch
	mkdir "$S/srv"
	run_check "command=\"$SERVE --log=none -ro $S/srv\" "
	[ "$RC" = 1 ] || { fail "exit $RC, want 1"; return 1; }
	has '^PASS  shell' && has '^PASS  id' && has '^FAIL  forward +allowed' &&
		has '^check: 4 passed, 1 failed' || return 1
}

# A key sshd does not accept: one FAIL naming the cause, nothing passes by
# default, and the tests that need a connection are not run.
t_check_wrong_key_fails() {
	new_scratch
	ssh-keygen -q -t ed25519 -N '' -f "$S/other" || { fail "ssh-keygen"; return 1; }
	printf 'restrict,command="%s --log=none -ro %s" %s\n' "$SERVE" "$S" \
		"$(cat "$S/other.pub")" >"$IT_SSHDIR/authorized_keys"
	"$RSGUARD" check --key "$IT_SSHDIR/client_ed25519" "${CHECK_OPTS[@]}" \
		"$ME@$IT_HOST" >"$S/check" 2>"$LAST_ERR"
	RC=$?
	[ "$RC" = 1 ] || { fail "exit $RC, want 1"; return 1; }
	has '^FAIL  probe +the server refused the key: .*Permission denied' &&
		has '^check: 0 passed, 1 failed: the other tests were not run' || return 1
	[ "$(grep -c '^FAIL' "$S/check")" = 1 ] || { fail "more than one FAIL"; return 1; }
}

run_tests t_showcmd_equals_sshd t_showcmd_protect_args_note \
	t_showcmd_refuses_local t_exact_fragment_admits t_exact_push_and_log \
	t_exact_cli t_check_restricted_passes t_check_unrestricted_fails \
	t_check_forward_allowed_fails t_check_wrong_key_fails
