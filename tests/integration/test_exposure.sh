#!/bin/bash
# A writable DIR must not hold what the connection runs or trusts (serve
# MUST 6, exposure.c MUST 1-3): the forced command's own program, the
# --rsync binary, a PATH directory the shell searches.  Through the real
# sshd: the takeover today's code allowed (push a script over the program,
# then connect again) is refused before anything is written.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# evil_script DIR NAME: DIR/NAME a shell script that leaves $S/pwned.
evil_script() {
	mkdir -p "$(dirname "$1/$2")"
	printf '#!/bin/sh\nid -un >%s/pwned\necho PWNED-as-$(id -un)\n' "$S" >"$1/$2"
	chmod 755 "$1/$2"
}

# command="$S/tools/rrsync $S/tools", rrsync a link to rsguard.
t_program_in_dir_through_sshd() {
	new_scratch
	mkdir "$S/tools" "$S/evil"
	ln -s "$RSGUARD" "$S/tools/rrsync"
	evil_script "$S/evil" rrsync
	printf 'restrict,command="%s --log=none %s" %s\n' "$S/tools/rrsync" \
	    "$S/tools" "$(cat "$IT_SSHDIR/client_ed25519.pub")" >"$IT_SSHDIR/authorized_keys"
	rsq -a "$S/evil/" "$IT_HOST:/"
	expect_refused $? "is writable and holds $S/tools/rrsync" || return 1
	[ -L "$S/tools/rrsync" ] || { fail "the program was replaced"; return 1; }
	ssh_host x >"$S/out" 2>"$LAST_ERR"
	[ -e "$S/pwned" ] || grep -q PWNED "$S/out" && { fail "took the account over: $(cat "$S/out")"; return 1; }
	grep -q 'is writable and holds' "$LAST_ERR" || { fail "ssh x: no refusal"; return 1; }
	# -ro of the same DIR: nothing can be replaced, it is served
	printf 'restrict,command="%s --log=none -ro %s" %s\n' "$S/tools/rrsync" \
	    "$S/tools" "$(cat "$IT_SSHDIR/client_ed25519.pub")" >"$IT_SSHDIR/authorized_keys"
	mkdir "$S/q"
	rsq -a "$IT_HOST:/" "$S/q/" || { fail "-ro pull: exit $?"; return 1; }
}

# --rsync=PATH inside DIR: the next transfer would run the client's file.
t_rsync_in_dir_through_sshd() {
	new_scratch
	mkdir -p "$S/srv/bin" "$S/evil" "$S/q"
	ln -s "$RSYNC" "$S/srv/bin/rsync"
	evil_script "$S/evil" bin/rsync
	printf 'restrict,command="%s serve --log=none --rsync=%s %s" %s\n' "$RSGUARD" \
	    "$S/srv/bin/rsync" "$S/srv" "$(cat "$IT_SSHDIR/client_ed25519.pub")" \
	    >"$IT_SSHDIR/authorized_keys"
	rsq -a "$S/evil/" "$IT_HOST:/"
	expect_refused $? "is writable and holds $S/srv/bin/rsync" || return 1
	rsq -a "$IT_HOST:/" "$S/q/"
	[ -e "$S/pwned" ] && { fail "ran the client's rsync"; return 1; }
	[ -L "$S/srv/bin/rsync" ] || { fail "rsync was replaced"; return 1; }
	# --allow-home covers start-up files only, never what is executed
	printf 'restrict,command="%s serve --log=none --allow-home -wo --rsync=%s %s" %s\n' \
	    "$RSGUARD" "$S/srv/bin/rsync" "$S/srv" "$(cat "$IT_SSHDIR/client_ed25519.pub")" \
	    >"$IT_SSHDIR/authorized_keys"
	rsq -a "$S/evil/" "$IT_HOST:/"
	expect_refused $? "--allow-home does not change this" || return 1
	[ -L "$S/srv/bin/rsync" ] || { fail "rsync was replaced"; return 1; }
}

# A symlink along the path into DIR, and a PATH dir in DIR for a bare
# name, run directly as sshd's shell would (sh -c).
t_serve_direct() {
	new_scratch
	mkdir -p "$S/srv/bin" "$S/srv/data" "$S/log"
	ln -s "$RSGUARD" "$S/srv/bin/rrsync"
	# the program's path goes through a link to a directory in DIR
	ln -s srv/bin "$S/bin"
	SSH_ORIGINAL_COMMAND=true "$S/bin/rrsync" --log="$S/log/l" -wo "$S/srv" \
	    >"$S/out" 2>"$LAST_ERR"
	expect_refused $? "is writable and holds $S/bin/rrsync" || return 1
	grep -q "refused from=.*: restricted dir $S/srv is writable and holds $S/bin/rrsync" "$S/log/l" ||
	    { fail "no log record: $(cat "$S/log/l")"; return 1; }
	# a bare name the shell finds through PATH, in DIR
	SSH_ORIGINAL_COMMAND=true PATH="$S/srv/bin:/usr/bin:/bin" sh -c \
	    "rrsync --log=none -wo $S/srv" >"$S/out" 2>"$LAST_ERR"
	expect_refused $? "is writable and holds $S/srv/bin/rrsync" || return 1
	# ... or a PATH dir in DIR searched before the one that has it
	SSH_ORIGINAL_COMMAND=true PATH="$S/srv/data:$S/bin2:/usr/bin:/bin" \
	    sh -c "mkdir -p $S/bin2 && ln -sf $RSGUARD $S/bin2/rrsync && rrsync --log=none -wo $S/srv" \
	    >"$S/out" 2>"$LAST_ERR"
	expect_refused $? "is writable and holds $S/srv/data/rrsync" || return 1
	# the same DIR read-only, or a DIR beside the program: served
	SSH_ORIGINAL_COMMAND=true "$S/bin/rrsync" --log=none -ro "$S/srv" >"$S/out" 2>"$LAST_ERR" ||
	    { fail "-ro refused: $(cat "$LAST_ERR")"; return 1; }
	SSH_ORIGINAL_COMMAND=true "$S/bin/rrsync" --log=none -wo "$S/srv/data" >"$S/out" 2>"$LAST_ERR" ||
	    { fail "DIR beside the program refused: $(cat "$LAST_ERR")"; return 1; }
	# nothing was created in DIR (no lock file, no temp file)
	[ -z "$(ls -A "$S/srv/data")" ] || { fail "DIR touched: $(ls -A "$S/srv/data")"; return 1; }
}

# authorize refuses to print or install such a line; lint calls it an error.
t_authorize_and_lint() {
	new_scratch
	local pub=$IT_SSHDIR/client_ed25519.pub real
	real=$(readlink -f "$RSGUARD")
	mkdir -p "$S/srv" "$S/ssh"
	# authorize's program is this rsguard: a DIR that holds it
	"$RSGUARD" authorize --key "$pub" --from 192.0.2.7 -wo \
	    --install --file "$S/ssh/authorized_keys" "$(dirname "$real")" >"$S/out" 2>"$LAST_ERR"
	expect_refused $? "is writable and holds $real" || return 1
	[ -s "$S/out" ] && { fail "printed the line: $(cat "$S/out")"; return 1; }
	[ -e "$S/ssh/authorized_keys" ] && { fail "installed the line"; return 1; }
	# the authorized_keys file it installs into, in DIR
	"$RSGUARD" authorize --key "$pub" --from 192.0.2.7 -wo --install \
	    --file "$S/srv/authorized_keys" "$S/srv" >"$S/out" 2>"$LAST_ERR"
	expect_refused $? "holds $S/srv/authorized_keys" || return 1
	[ -e "$S/srv/authorized_keys" ] && { fail "installed into DIR"; return 1; }
	"$RSGUARD" authorize --key "$pub" --from 192.0.2.7 -ro \
	    "$(dirname "$real")" >"$S/out" 2>"$LAST_ERR" || { fail "-ro refused"; return 1; }
	# lint: the program, the --rsync and the linted file itself
	mkdir -p "$S/tools"
	ln -s "$RSGUARD" "$S/tools/rrsync"
	{
		printf 'restrict,from="192.0.2.7",command="%s %s" %s\n' "$S/tools/rrsync" "$S/tools" "$(cat "$pub")"
		printf 'restrict,from="192.0.2.7",command="%s serve --rsync=%s/bin/rsync %s" %s\n' \
		    "$RSGUARD" "$S/srv" "$S/srv" "$(cut -d' ' -f1,2 "$pub") k2"
		# (invoked as rrsync there is no "serve" word: that is RSG017)
		printf 'restrict,from="192.0.2.7",command="%s -ro %s" %s\n' "$S/tools/rrsync" \
		    "$S/tools" "$(cut -d' ' -f1,2 "$pub") k3"
	} >"$S/keys"
	"$RSGUARD" lint --ignore RSG011,RSG013,RSG014 "$S/keys" >"$S/out" 2>"$LAST_ERR"
	[ $? = 2 ] || { fail "lint exit $?: $(cat "$S/out")"; return 1; }
	grep -q "^$S/keys:1: error RSG010: .*holds $S/tools/rrsync" "$S/out" &&
	    grep -q "^$S/keys:2: error RSG010: .*holds $S/srv/bin/rsync" "$S/out" ||
	    { fail "lint: $(cat "$S/out")"; return 1; }
	grep -q "^$S/keys:3:" "$S/out" && { fail "lint: -ro flagged: $(cat "$S/out")"; return 1; }
	printf 'restrict,from="192.0.2.7",command="%s serve %s" %s\n' "$RSGUARD" "$S/srv" \
	    "$(cat "$pub")" >"$S/srv/keys"
	"$RSGUARD" lint --ignore RSG013,RSG014 "$S/srv/keys" >"$S/out" 2>"$LAST_ERR"
	grep -q "error RSG010: .*holds $S/srv/keys" "$S/out" || { fail "lint of a file in DIR: $(cat "$S/out")"; return 1; }
}

run_tests t_program_in_dir_through_sshd t_rsync_in_dir_through_sshd t_serve_direct \
	t_authorize_and_lint
