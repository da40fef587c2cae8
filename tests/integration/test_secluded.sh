#!/bin/bash
# rsync -s (--secluded-args): the real client sends the arguments on the
# connection; serve reads them, checks them as command-line words and
# runs rsync with them on its command line.  rrsync refuses -s ("option
# -s has been disabled"), so lsyncd's and BackupPC's defaults fail there.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# odd_tree D: names no plain command line carries.
odd_tree() {
	mkdir -p "$1/with space/sub" "$1/quo'te\"s" "$1/été"
	echo a >"$1/with space/sub/f 1"
	echo b >"$1/quo'te\"s/\$(id)"
	echo c >"$1/été/ünï"
	echo d >"$1/semi;colon&amp"
}

t_secluded_pull() {
	new_scratch
	mkdir "$S/srv" "$S/dst"
	odd_tree "$S/srv"
	authorize -ro "$S/srv"
	rs -s -a "$IT_HOST:with space/" "$S/dst/ws/" || { fail "pull of 'with space/' exit $?"; return 1; }
	same_tree "$S/srv/with space" "$S/dst/ws" || return 1
	rs -s -a "$IT_HOST:/" "$S/dst/all/" || { fail "pull of / exit $?"; return 1; }
	same_tree "$S/srv" "$S/dst/all" || return 1
	# several sources, wildcards expanded beneath DIR as without -s
	rs -s -a "$IT_HOST:quo'te\"s" "$IT_HOST:été/ü*" "$S/dst/two/" || { fail "two sources exit $?"; return 1; }
	[ -f "$S/dst/two/quo'te\"s/\$(id)" ] && [ -f "$S/dst/two/ünï" ] || { fail "two sources: $(ls "$S/dst/two")"; return 1; }
}

# lsyncd's default (protect_args, -vlHogDtpr...) and BackupPC's
# (-slHogDtprcx...) shapes, pushing into a -wo DIR.
t_secluded_push() {
	new_scratch
	mkdir "$S/srv" "$S/src"
	odd_tree "$S/src"
	authorize -wo "$S/srv"
	rs -s -vlHogDtpr --delete "$S/src/" "$IT_HOST:/" >/dev/null || { fail "lsyncd-style push exit $?"; return 1; }
	same_tree "$S/src" "$S/srv" || return 1
}

# BackupPC's rsync_bpc pulls from the client it backs up: -ro there.
t_secluded_backuppc_pull() {
	new_scratch
	mkdir "$S/srv" "$S/dst"
	odd_tree "$S/srv"
	authorize -ro "$S/srv"
	rs -slHogDtprcx --numeric-ids "$IT_HOST:/" "$S/dst/" || { fail "BackupPC-style pull exit $?"; return 1; }
	same_tree "$S/srv" "$S/dst" || return 1
}

# The secluded arguments meet every rule the command line meets.
t_secluded_refusals() {
	new_scratch
	mkdir -p "$S/srv/in" "$S/dst" "$S/out"
	echo secret >"$S/out/secret"
	ln -s "$S/out" "$S/srv/in/link"
	authorize -ro "$S/srv"
	rsq -s -a "$IT_HOST:../out/" "$S/dst/"
	expect_refused $? "do not use .. in arg" || return 1
	[ ! -e "$S/dst/secret" ] || { fail "../ leaked"; return 1; }
	rsq -s -a "$IT_HOST:in/link/" "$S/dst/"
	[ ! -e "$S/dst/secret" ] || { fail "the symlink out leaked"; return 1; }
	rsq -s -a --iconv=utf8,latin1 "$IT_HOST:in/" "$S/dst/"
	expect_refused $? "rsync -s with --iconv" || return 1
	# a -ro key cannot push, -s or not
	rsq -s -a "$S/out/" "$IT_HOST:in/"
	[ $? != 0 ] && [ ! -e "$S/srv/in/secret" ] || { fail "-ro took a push under -s"; return 1; }
	# a newline in an argument: refused (for now), never split
	echo n >"$S/srv/in/a
b"
	rsq -s -a "$IT_HOST:in/a
b" "$S/dst/"
	expect_refused $? "control character" || return 1
	# in the file list (the protocol), such names travel as always
	mkdir "$S/nl"; echo n >"$S/nl/c
d"
	authorize -wo "$S/srv"
	rs -s -a "$S/nl/" "$IT_HOST:in/" || { fail "push of a newline name exit $?"; return 1; }
	[ -f "$S/srv/in/c
d" ] || { fail "newline name not pushed"; return 1; }
}

# --exact pins the whole command, secluded arguments included.
t_secluded_exact() {
	new_scratch
	mkdir -p "$S/srv/with space" "$S/dst"
	echo x >"$S/srv/with space/f"
	authorize -ro "--exact='rsync --server --sender -logDtpre.iLsfxCIvu . with\\ space/'" "$S/srv"
	rs -s -a "$IT_HOST:with space/" "$S/dst/" || { fail "pinned pull exit $?"; return 1; }
	[ -f "$S/dst/f" ] || { fail "nothing pulled"; return 1; }
	rsq -s -a "$IT_HOST:/" "$S/dst/"
	[ $? != 0 ] || { fail "another command passed the pin"; return 1; }
}

# showcmd pins what serve checks: the arguments are in the pin, the
# client's rsync -s passes it, another path does not.
t_secluded_showcmd_pin() {
	new_scratch
	mkdir -p "$S/srv/with space" "$S/srv/other" "$S/dst"
	echo x >"$S/srv/with space/f"
	local frag
	frag=$("$RSGUARD" showcmd --authorized-keys "$S/srv" -- rsync -s -a \
	    "$IT_HOST:with space/" "$S/dst/" 2>"$LAST_ERR" | tail -1)
	case $frag in
	*"--exact='rsync --server --sender -logDtpre.iLsfxCIvu . with\ space/'"*) ;;
	*) fail "fragment: $frag"; return 1 ;;
	esac
	grep -q "secluded args (-s) are on" "$LAST_ERR" || { fail "no note: $(cat "$LAST_ERR")"; return 1; }
	frag=${frag/ serve / serve --log=none }	# (no syslog here)
	printf '%s %s\n' "$frag" "$(cat "$IT_SSHDIR/client_ed25519.pub")" >"$IT_SSHDIR/authorized_keys"
	rs -s -a "$IT_HOST:with space/" "$S/dst/" || { fail "pinned -s pull exit $?"; return 1; }
	[ -f "$S/dst/f" ] || { fail "nothing pulled"; return 1; }
	rsq -s -a "$IT_HOST:other/" "$S/dst/"
	[ $? != 0 ] || { fail "another path passed the pin"; return 1; }
}

run_tests t_secluded_showcmd_pin t_secluded_pull t_secluded_push t_secluded_backuppc_pull t_secluded_refusals \
	t_secluded_exact
