#!/bin/bash
# rsguard serve's own refusal paths and operator interface, run directly
# (as sshd would run the forced command), one test per refusal branch.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CMD_PULL='rsync --server --sender -logDtpre.iLsfxCIvu . a.txt'

# serve ARGS...: run rsguard serve with $SOC as SSH_ORIGINAL_COMMAND;
# stdout -> $S/out.txt, stderr -> $LAST_ERR, exit status in $RC.
serve() {
	SSH_ORIGINAL_COMMAND=$SOC "$RSGUARD" serve "${SB[@]}" "$@" >"$S/out.txt" \
	    2>"$LAST_ERR" </dev/null
	RC=$?
}
unset_serve() {
	env -u SSH_ORIGINAL_COMMAND "$RSGUARD" serve "${SB[@]}" "$@" >"$S/out.txt" \
	    2>"$LAST_ERR" </dev/null
	RC=$?
}
# refused MSG: exit 1, "rsguard: error:" + MSG on stderr, nothing on stdout.
refused() {
	[ "$RC" = 1 ] || { fail "exit $RC, want 1"; return 1; }
	grep -qF "${PROG:-rsguard}: error: " "$LAST_ERR" ||
		{ fail "no '${PROG:-rsguard}: error:' prefix"; return 1; }
	grep -qF -- "$1" "$LAST_ERR" || { fail "stderr lacks \"$1\""; return 1; }
	[ ! -s "$S/out.txt" ] || { fail "stdout not empty"; return 1; }
}
setup() {
	new_scratch
	mkdir "$S/srv"
	make_tree "$S/srv"
	SOC=$CMD_PULL
}

t_operator_arg_errors() {
	setup
	serve --log=none --bogus "$S/srv"; refused "unknown option --bogus" || return 1
	serve --log=none -ro -wo "$S/srv"; refused "not allowed with argument -ro" || return 1
	serve --log=none -ro; refused "required: DIR" || return 1
	serve --log=none -ro "$S/srv" "$S/srv"; refused "only one DIR" || return 1
	serve --log=none --rsync=rsync -ro "$S/srv"; refused "absolute path" || return 1
	serve --log=relative.log -ro "$S/srv"; refused "--log takes" || return 1
	serve --log=none -ro "$S/no-such-dir"; refused "Restricted directory does not exist!" || return 1
}

t_not_via_sshd_and_probe() {
	setup
	unset_serve --log=none -ro "$S/srv"; refused "Not invoked via sshd" || return 1
	SOC=true serve --log=none -ro "$S/srv"
	[ "$RC" = 0 ] && [ ! -s "$S/out.txt" ] || { fail "true probe: exit $RC"; return 1; }
	SOC="rsync --server --sender -e.Ls . a\\" serve --log=none -ro "$S/srv"
	refused "unterminated backslash" || return 1
	SOC=$(printf 'rsync --server --sender -e.Ls . a\tb') serve --log=none -ro "$S/srv"
	refused "control character" || return 1
}

t_help_and_version() {
	setup
	"$RSGUARD" serve --help >"$S/out.txt" 2>&1 || { fail "--help exit $?"; return 1; }
	grep -q -- '-no-overwrite' "$S/out.txt" || { fail "--help lacks options"; return 1; }
	"$RSGUARD" --version | grep -q '^rsguard ' || { fail "--version"; return 1; }
	"$RSGUARD" nosuchcommand 2>/dev/null && { fail "unknown command accepted"; return 1; }
	return 0
}

# An existing command="rrsync -ro DIR" line works through a symlink.
t_invoked_as_rrsync() {
	setup
	ln -s "$RSGUARD" "$S/rrsync"
	SSH_ORIGINAL_COMMAND='rsync --server -logDtpre.iLsfxCIvu . x' \
	    "$S/rrsync" --log=none "${SB[@]}" -ro "$S/srv" >"$S/out.txt" 2>"$LAST_ERR"
	RC=$?
	# one name in every message: the one it was invoked as, like rrsync
	PROG=rrsync refused "sending to read-only server is not allowed" || return 1
	! grep -q 'rsguard: ' "$LAST_ERR" || { fail "two names: $(cat "$LAST_ERR")"; return 1; }
	SSH_ORIGINAL_COMMAND=$CMD_PULL "$S/rrsync" --log=none "${SB[@]}" --dry-run -ro \
	    "$S/srv" >"$S/out.txt" 2>"$LAST_ERR" || { fail "dry-run via rrsync"; return 1; }
	grep -q '^decision: accept' "$S/out.txt" || { fail "no decision"; return 1; }
}

# A writable DIR that holds the user's home (~/.ssh) is refused.
t_home_refused() {
	setup
	local home
	home=$(getent passwd "$(id -u)" | cut -d: -f6)
	[ -n "$home" ] && [ -d "$home" ] || { skip "no home directory"; return 0; }
	serve --log=none -wo "$home"; refused "--allow-home" || return 1
	serve --log=none -wo "$(dirname "$home")"; refused "--allow-home" || return 1
	# A checkout under home holds the program itself: that --allow-home
	# never covers (test_exposure.sh), so run a copy kept outside home.
	local rsg=$RSGUARD
	case $(readlink -f "$RSGUARD") in
	"$home"/*)
		case $(readlink -f "$S") in
		"$home"/*) skip "rsguard and the scratch dir are both under home"
			return 0 ;;
		esac
		cp "$RSGUARD" "$S/rsguard" && rsg=$S/rsguard || return 1
		SOC=true serve --log=none --allow-home -wo "$home"
		refused "forced command's program" || return 1 ;;
	esac
	RSGUARD=$rsg SOC=true serve --log=none --allow-home -wo "$home"
	[ "$RC" = 0 ] || { fail "--allow-home: exit $RC"; return 1; }
	SOC=true serve --log=none -ro "$home"
	[ "$RC" = 0 ] || { fail "-ro of home: exit $RC"; return 1; }
}

# The single-run lock: a second writer is refused while one runs.
t_lock_busy() {
	setup
	command -v flock >/dev/null || { skip "no flock(1)"; return 0; }
	SOC='rsync --server -logDtpre.iLsfxCIvu . x'
	( flock -x 8 && sleep 2 ) 8<"$S/srv" &
	local pid=$!
	sleep 0.5
	serve --log=none --rsync=/bin/true "$S/srv"
	wait "$pid" 2>/dev/null
	refused "Another instance of rrsync is already accessing this directory." || return 1
	serve --log=none --rsync=/bin/true "$S/srv"
	[ "$RC" = 0 ] || { fail "after the lock was released: exit $RC"; return 1; }
	( flock -x 8 && sleep 2 ) 8<"$S/srv" &
	pid=$!
	sleep 0.5
	serve --log=none --rsync=/bin/true -no-lock "$S/srv"
	wait "$pid" 2>/dev/null
	[ "$RC" = 0 ] || { fail "-no-lock still locked: exit $RC"; return 1; }
}

# The log file: records for start, end and refusal; never through a link.
t_log_file() {
	setup
	local log="$S/serve.log"
	serve --log="$log" --rsync=/bin/true -ro "$S/srv"
	[ "$RC" = 0 ] || { fail "accepted run: exit $RC"; return 1; }
	grep -q 'start .*mode=ro .*command: rsync --server --sender' "$log" &&
	    grep -q 'end .*status=0 duration=' "$log" ||
		{ fail "start/end records: $(cat "$log")"; return 1; }
	SOC='sh -c id' serve --log="$log" -ro "$S/srv"
	refused "does not run rsync" || return 1
	grep -q 'refused from=unknown user=[^ ]* key=-: SSH_ORIGINAL_COMMAND does not run rsync; command: sh -c id' "$log" ||
		{ fail "refusal record: $(tail -1 "$log")"; return 1; }
	# untrusted text is escaped in the record
	SOC=$(printf 'rsync --server --sender -e.Ls . a\033[31mb') serve --log="$log" -ro "$S/srv"
	grep -q 'a\\x1b\[31mb' "$log" || { fail "escape missing: $(tail -1 "$log")"; return 1; }
	ln -s "$S/target" "$S/link.log"
	serve --log="$S/link.log" -ro "$S/srv"; refused "symlink" || return 1
	[ ! -e "$S/target" ] || { fail "wrote through the symlink"; return 1; }
	mkfifo "$S/fifo.log"
	serve --log="$S/fifo.log" -ro "$S/srv"; refused "not a regular file" || return 1
}

# The accepted key is logged by fingerprint (sshd's ExposeAuthInfo file).
t_log_fingerprint() {
	setup
	local fp
	ssh-keygen -q -t ed25519 -N '' -f "$S/k" || return 1
	printf 'publickey %s\n' "$(cut -d' ' -f1,2 "$S/k.pub")" >"$S/auth-info"
	fp=$(ssh-keygen -lf "$S/k.pub" | awk '{print $2}')
	SSH_USER_AUTH="$S/auth-info" serve --log="$S/l" --rsync=/bin/true -ro "$S/srv"
	grep -qF "key=ssh-ed25519 $fp" "$S/l" || { fail "fingerprint $fp not in: $(head -1 "$S/l")"; return 1; }
}

# rsync's environment is built by rsguard, never inherited (MUST 4), and
# only the pinned descriptors reach it (MUST 5).  The fake rsync is the
# security suite's recorder: it reports on stderr ("REC ..." lines), the
# only way out of the sandbox, where a script could neither run env/ls nor
# write outside DIR (and require refuses a #! script as --rsync).
t_clean_env_and_fds() {
	setup
	[ -x "$RECORDER" ] || { fail "$RECORDER not built (make tests/security/recorder)"; return 1; }
	SECRET_FROM_CLIENT=1 LC_ALL=C RSYNC_PARTIAL_DIR=/tmp HOME=/root \
	    serve --log=none --rsync="$RECORDER" -ro "$S/srv" 9>/dev/null
	[ "$RC" = 0 ] || { fail "exit $RC"; return 1; }
	grep -qx 'REC END' "$LAST_ERR" || { fail "no complete record from the recorder"; return 1; }
	sed -n 's/^REC ENV //p' "$LAST_ERR" >"$S/env"
	[ "$(grep -cv '^PATH=' "$S/env")" = 0 ] ||
		{ fail "inherited env: $(tr '\n' ' ' <"$S/env")"; return 1; }
	! grep -q '^REC FD 9 ' "$LAST_ERR" || { fail "fd 9 leaked"; return 1; }
	[ "$(sed -n 's/^REC CWD //p' "$LAST_ERR")" = "$(cd "$S/srv" && pwd -P)" ] ||
		{ fail "cwd $(sed -n 's/^REC CWD //p' "$LAST_ERR")"; return 1; }
}

# --dry-run prints the decision and argv, and runs and creates nothing.
t_dry_run() {
	setup
	SOC='rsync --server -logDtpre.iLsfxCIvu --partial-dir=.p --link-dest=nope --backup-dir=/ . x'
	serve --log=none --rsync=/bin/false --dry-run "$S/srv"
	[ "$RC" = 0 ] || { fail "exit $RC"; return 1; }
	grep -q '^decision: accept' "$S/out.txt" || { fail "no decision line"; return 1; }
	grep -qE -- '--backup-dir=/proc/self/fd/[0-9]+/ ' "$S/out.txt" || { fail "--backup-dir=/ not DIR: $(cat "$S/out.txt")"; return 1; }
	grep -q -- '--drop-D --confine-root=' "$S/out.txt" || { fail "forced options missing"; return 1; }
	[ ! -e "$S/srv/.p" ] && [ -z "$(ls -A "$S/srv" | grep rsguard)" ] ||
		{ fail "dry run created something: $(ls -A "$S/srv")"; return 1; }
}

# The options rsguard adds on its own (the policy the client cannot undo).
t_forced_options() {
	setup
	local push='rsync --server -logDtpre.iLsfxCIvu . x'
	argv() { SOC=$1; shift; serve --log=none --dry-run "$@"; grep '^argv:' "$S/out.txt"; }
	argv "$push" -wo "$S/srv" | grep -q -- ' --drop-D --confine-root=[^ ]* --whole-file -- \. ' ||
		{ fail "-wo push: $(cat "$S/out.txt")"; return 1; }
	argv "$push" -munge -no-overwrite "$S/srv" | grep -q -- ' --munge-links --ignore-existing -- ' ||
		{ fail "-munge -no-overwrite: $(cat "$S/out.txt")"; return 1; }
	argv "$CMD_PULL" -ro "$S/srv" | grep -q -- '--drop-D\|--whole-file\|--ignore-existing' &&
		{ fail "pull got receiver-only options: $(cat "$S/out.txt")"; return 1; }
	argv "$CMD_PULL" -ro "$S/srv" | grep -q -- ' --confine-root=' ||
		{ fail "pull lacks --confine-root"; return 1; }
	argv "$CMD_PULL" --allow-home -ro / | grep -q -- '--drop-D\|--confine-root' &&
		{ fail "DIR / got subdir options: $(cat "$S/out.txt")"; return 1; }
	return 0
}

run_tests t_forced_options t_operator_arg_errors t_not_via_sshd_and_probe t_help_and_version \
	t_invoked_as_rrsync t_home_refused t_lock_busy t_log_file \
	t_log_fingerprint t_clean_env_and_fds t_dry_run
