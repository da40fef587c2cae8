#!/bin/bash
# rsguard keygen, authorize and lint against the real ssh-keygen and sshd
# (keygen MUST 1-3, authorize MUST 1-3, lint MUST 1-3).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CORPUS="$IT_ROOT/tests/data/authkeys"

# key_opts KEY: SSH_OPTS with the client key replaced by KEY.
key_opts() {
	local a prev=
	KOPTS=()
	for a in "${SSH_OPTS[@]}"; do
		if [ "$prev" = -i ]; then KOPTS+=("$1"); else KOPTS+=("$a"); fi
		prev=$a
	done
}
ssh_key() {
	local k=$1; shift
	key_opts "$k"
	ssh "${KOPTS[@]}" "$IT_HOST" "$@"
}
rsync_key() {
	local k=$1 a e=ssh; shift
	key_opts "$k"
	for a in "${KOPTS[@]}"; do e+=" '$a'"; done
	"$RSYNC" -e "$e" "$@" 2>"$LAST_ERR"
}
mode_of() { stat -c %a "$1"; }

new_key() {	# new_key NAME: keygen into $S/keys, K=private key path
	"$RSGUARD" keygen --dir "$S/keys" -C "it-$1" "$1" >"$S/keygen.out" \
	    2>"$LAST_ERR" || { fail "keygen $1 exit $?"; return 1; }
	K=$S/keys/$1
}

# keygen MUST 1 (no overwrite), MUST 2 (modes), MUST 3 (NAME).
t_keygen_modes_and_no_overwrite() {
	new_scratch
	new_key backup || return 1
	[ "$(mode_of "$S/keys")" = 700 ] || { fail "dir mode $(mode_of "$S/keys")"; return 1; }
	[ "$(mode_of "$K")" = 600 ] || { fail "key mode $(mode_of "$K")"; return 1; }
	ssh-keygen -y -f "$K" >/dev/null 2>&1 || { fail "key unreadable or has a passphrase"; return 1; }
	grep -q '^ssh-ed25519 .* it-backup$' "$K.pub" || { fail "pub: $(cat "$K.pub")"; return 1; }
	grep -qF "$(cut -d' ' -f2 "$K.pub")" "$S/keygen.out" || { fail "public key not printed"; return 1; }
	grep -q 'IdentitiesOnly=yes -o IdentityAgent=none' "$S/keygen.out" || { fail "no rsync -e line"; return 1; }
	grep -q 'rsguard authorize --key backup.pub' "$S/keygen.out" || { fail "no authorize step"; return 1; }
	local sum; sum=$(md5sum <"$K")
	"$RSGUARD" keygen --dir "$S/keys" backup >/dev/null 2>"$LAST_ERR" &&
	    { fail "overwrote an existing key"; return 1; }
	grep -q 'not overwriting' "$LAST_ERR" || { fail "no reason given"; return 1; }
	[ "$(md5sum <"$K")" = "$sum" ] || { fail "key changed"; return 1; }
	rm "$K"
	"$RSGUARD" keygen --dir "$S/keys" backup >/dev/null 2>"$LAST_ERR" &&
	    { fail "overwrote a lone .pub"; return 1; }
	local n
	for n in .hidden 'a/b' '' 'sp ace' "$(printf 'x%.0s' {1..65})"; do
		"$RSGUARD" keygen --dir "$S/keys" "$n" >/dev/null 2>&1 &&
		    { fail "bad NAME accepted: '$n'"; return 1; }
	done
	"$RSGUARD" keygen --dir "$S/keys" "$(printf 'x%.0s' {1..64})" >/dev/null 2>&1 ||
	    { fail "64-byte NAME refused"; return 1; }
	"$RSGUARD" keygen --dir "$S/keys" second >/dev/null 2>&1 || { fail "second key"; return 1; }
	"$RSGUARD" keygen -h | grep -q 'usage: rsguard keygen' || { fail "-h"; return 1; }
}

# keygen MUST 2: an existing --dir that is not private is refused, never
# changed; missing components are made 0700 whatever the umask.
t_keygen_dir_not_private_refused() {
	new_scratch
	local d
	# a sticky 1777 directory like /tmp (as root: owned by us, as /tmp is)
	mkdir "$S/tmp"; chmod 1777 "$S/tmp"
	"$RSGUARD" keygen --dir "$S/tmp" k >/dev/null 2>"$LAST_ERR" && { fail "1777 dir accepted"; return 1; }
	[ "$(mode_of "$S/tmp")" = 1777 ] || { fail "1777 dir changed to $(mode_of "$S/tmp")"; return 1; }
	# (a shared directory is not for closing: the fix is a new one beneath)
	grep -q "not private" "$LAST_ERR" && grep -qF -- "--dir a new directory beneath it, e.g. $S/tmp/rsguard-keys" "$LAST_ERR" ||
	    { fail "no reason or fix named: $(cat "$LAST_ERR")"; return 1; }
	grep -q "chmod" "$LAST_ERR" && { fail "suggests chmod for a shared dir"; return 1; }
	[ -e "$S/tmp/k" ] && { fail "key made in a shared dir"; return 1; }
	for d in 755 750 701 2770; do
		mkdir -p "$S/m$d"; chmod "$d" "$S/m$d"
		"$RSGUARD" keygen --dir "$S/m$d" k >/dev/null 2>"$LAST_ERR" && { fail "mode $d accepted"; return 1; }
		[ "$(mode_of "$S/m$d")" = "$d" ] || { fail "mode $d changed to $(mode_of "$S/m$d")"; return 1; }
		grep -qF "chmod 700 $S/m$d" "$LAST_ERR" || { fail "mode $d: no fix named: $(cat "$LAST_ERR")"; return 1; }
	done
	# a symlink to a private directory: refused, the target untouched
	mkdir -m 700 "$S/real"; ln -s "$S/real" "$S/link"
	"$RSGUARD" keygen --dir "$S/link" k >/dev/null 2>"$LAST_ERR" && { fail "symlink accepted"; return 1; }
	grep -q "symbolic link" "$LAST_ERR" || { fail "symlink: $(cat "$LAST_ERR")"; return 1; }
	[ -e "$S/real/k" ] && { fail "key made through a symlink"; return 1; }
	# not a directory
	: >"$S/file"
	"$RSGUARD" keygen --dir "$S/file" k >/dev/null 2>"$LAST_ERR" && { fail "file accepted"; return 1; }
	# owned by someone else (root only: chown)
	if [ "$(id -u)" = 0 ]; then
		mkdir -m 700 "$S/theirs"; chown nobody "$S/theirs"
		"$RSGUARD" keygen --dir "$S/theirs" k >/dev/null 2>"$LAST_ERR" && { fail "foreign dir accepted"; return 1; }
		grep -q "owned by uid" "$LAST_ERR" || { fail "owner: $(cat "$LAST_ERR")"; return 1; }
		[ "$(stat -c %U "$S/theirs")" = nobody ] || { fail "owner changed"; return 1; }
	fi
	# a private directory is used as it is
	"$RSGUARD" keygen --dir "$S/real" k >/dev/null 2>"$LAST_ERR" || { fail "0700 dir refused: $(cat "$LAST_ERR")"; return 1; }
	[ -f "$S/real/k" ] && [ "$(mode_of "$S/real/k")" = 600 ] || { fail "key in 0700 dir"; return 1; }
	# missing components: each made 0700, whatever the umask
	(umask 0777; "$RSGUARD" keygen --dir "$S/new/a/b" k >/dev/null 2>"$LAST_ERR") ||
	    { fail "nested create: $(cat "$LAST_ERR")"; return 1; }
	for d in "$S/new" "$S/new/a" "$S/new/a/b"; do
		[ "$(mode_of "$d")" = 700 ] || { fail "$d mode $(mode_of "$d")"; return 1; }
	done
	[ "$(mode_of "$S/new/a/b/k")" = 600 ] || { fail "key mode under umask 0777"; return 1; }
	(umask 0; "$RSGUARD" keygen --dir "$S/new2/x" k >/dev/null 2>&1) || { fail "umask 0 create"; return 1; }
	[ "$(mode_of "$S/new2")" = 700 ] && [ "$(mode_of "$S/new2/x")" = 700 ] || { fail "umask 0 modes"; return 1; }
	# a relative --dir, and a symlinked parent (as mkdir -p follows it)
	ln -s "$S/new" "$S/plink"
	(cd "$S" && "$RSGUARD" keygen --dir plink/c k >/dev/null 2>"$LAST_ERR") ||
	    { fail "symlinked parent: $(cat "$LAST_ERR")"; return 1; }
	[ -f "$S/new/c/k" ] || { fail "relative dir"; return 1; }
	"$RSGUARD" keygen -h | grep -q 'not private' || { fail "-h says nothing of the refusal"; return 1; }
}

# The next steps fit either direction: a pull (-ro) and a push (-wo) form.
t_keygen_next_steps() {
	new_scratch
	new_key nx || return 1
	grep -q -- '--install -ro /srv/DIR' "$S/keygen.out" || { fail "no pull (-ro) form"; return 1; }
	grep -q -- '--install -wo /srv/DIR' "$S/keygen.out" || { fail "no push (-wo) form"; return 1; }
	grep -q 'USER@SERVER:/ /local/mirror/' "$S/keygen.out" || { fail "no pull rsync line"; return 1; }
	grep -q '/local/data/ USER@SERVER:/' "$S/keygen.out" || { fail "no push rsync line"; return 1; }
}

# The default location when no --dir is given.
t_keygen_default_dir() {
	new_scratch
	if [ "$(id -u)" = 0 ]; then
		skip "root uses /etc/rsguard/keys; not touched by tests"; return 0
	fi
	XDG_CONFIG_HOME=$S/cfg "$RSGUARD" keygen k1 >/dev/null 2>"$LAST_ERR" || { fail "keygen"; return 1; }
	[ -f "$S/cfg/rsguard/keys/k1" ] && [ "$(mode_of "$S/cfg/rsguard/keys")" = 700 ] ||
	    { fail "not in XDG_CONFIG_HOME/rsguard/keys"; return 1; }
}

# authorize MUST 2.  A line made by authorize is accepted by sshd; rsync pulls through it;
# a shell, another command and another source address are refused.
t_authorize_line_works_with_sshd() {
	new_scratch
	new_key pull || return 1
	mkdir "$S/srv" "$S/dst"; make_tree "$S/srv"
	"$RSGUARD" authorize --log "$S/serve.log" --key "$K.pub" --from UNKNOWN "${SB[@]}" -ro "$S/srv" \
	    >"$S/line" 2>"$LAST_ERR" || { fail "authorize exit $?"; return 1; }
	grep -q WARNING "$LAST_ERR" && { fail "warned despite --from"; return 1; }
	grep -q "^restrict,from=\"UNKNOWN\",command=\"$RSGUARD serve --log=$S/serve.log${IT_SANDBOX:+ $IT_SANDBOX} -ro $S/srv\" ssh-ed25519 " "$S/line" ||
	    { fail "line: $(cat "$S/line")"; return 1; }
	cp "$S/line" "$IT_SSHDIR/authorized_keys"
	rsync_key "$K" -a "$IT_HOST:/" "$S/dst/" || { fail "rsync pull exit $?"; return 1; }
	same_tree "$S/srv" "$S/dst" || return 1
	ssh_key "$K" </dev/null >"$S/out" 2>&1 && { fail "shell allowed"; return 1; }
	ssh_key "$K" id >"$S/out" 2>&1 && { fail "id allowed"; return 1; }
	grep -q 'uid=' "$S/out" && { fail "id ran"; return 1; }
	ssh_key "$K" true || { fail "true probe refused"; return 1; }
	# the line printed for another address is refused by sshd
	"$RSGUARD" authorize --log "$S/serve.log" --key "$K.pub" --from 192.0.2.7 "${SB[@]}" -ro "$S/srv" \
	    >"$IT_SSHDIR/authorized_keys" 2>/dev/null
	ssh_key "$K" true 2>/dev/null && { fail "from= not enforced"; return 1; }
	# without --from: a loud warning, and still a working line
	"$RSGUARD" authorize --log "$S/serve.log" --key "$K.pub" "${SB[@]}" -ro "$S/srv" >"$IT_SSHDIR/authorized_keys" 2>"$LAST_ERR"
	grep -q 'WARNING: no --from' "$LAST_ERR" || { fail "no warning without --from"; return 1; }
	ssh_key "$K" true || { fail "line without from= refused"; return 1; }
	# --legacy-no-opts: every no-* option, also accepted by sshd
	"$RSGUARD" authorize --log "$S/serve.log" --key "$K.pub" --legacy-no-opts --from UNKNOWN "${SB[@]}" -ro "$S/srv" \
	    >"$IT_SSHDIR/authorized_keys" 2>/dev/null
	grep -q '^no-agent-forwarding,no-port-forwarding,no-pty,no-user-rc,no-X11-forwarding,from=' \
	    "$IT_SSHDIR/authorized_keys" || { fail "legacy: $(cat "$IT_SSHDIR/authorized_keys")"; return 1; }
	ssh_key "$K" true || { fail "legacy line refused"; return 1; }
	timeout 60 ssh "${KOPTS[@]}" -o ExitOnForwardFailure=yes \
	    -R 127.0.0.1:0:127.0.0.1:1 "$IT_HOST" true </dev/null 2>/dev/null &&
	    { fail "remote port forward allowed"; return 1; }
	return 0
}

t_authorize_refusals() {
	new_scratch
	new_key r || return 1
	mkdir "$S/srv"
	"$RSGUARD" authorize --key "$K.pub" -ro -wo "$S/srv" 2>/dev/null && { fail "-ro -wo"; return 1; }
	"$RSGUARD" authorize --key "$K.pub" "$S/nope" 2>/dev/null && { fail "missing DIR"; return 1; }
	"$RSGUARD" authorize --key "$K" "$S/srv" 2>/dev/null && { fail "private key as --key"; return 1; }
	"$RSGUARD" authorize --key "$K.pub" --from 'a b' "$S/srv" 2>/dev/null && { fail "blank in --from"; return 1; }
	"$RSGUARD" authorize --key "$K.pub" --exact "$(printf 'a\nb')" "$S/srv" 2>/dev/null &&
	    { fail "newline in --exact"; return 1; }
	"$RSGUARD" authorize --key "$K.pub" --file x "$S/srv" 2>/dev/null && { fail "--file without --install"; return 1; }
	"$RSGUARD" authorize --key "$K.pub" --sandbox=bogus "$S/srv" 2>/dev/null && { fail "--sandbox=bogus"; return 1; }
	"$RSGUARD" authorize -h | grep -q -- '--legacy-no-opts' || { fail "-h"; return 1; }
}

# authorize MUST 3.  --install: once per key, other lines byte for byte,
# atomic, modes.
t_authorize_install() {
	new_scratch
	new_key inst || return 1
	mkdir "$S/srv" "$S/ssh"
	local ak=$S/ssh/authorized_keys other
	other=$(cat "$IT_SSHDIR/client_ed25519.pub")
	printf '# keep me  \n\n%s other\n  # odd\tspacing' "$other" >"$ak"
	cp "$ak" "$S/orig"
	chmod 644 "$ak"
	"$RSGUARD" authorize --log "$S/serve.log" --key "$K.pub" --from UNKNOWN "${SB[@]}" -ro --install --file "$ak" "$S/srv" \
	    >"$S/line" 2>"$LAST_ERR" || { fail "install exit $?"; return 1; }
	[ "$(mode_of "$ak")" = 600 ] || { fail "mode $(mode_of "$ak")"; return 1; }
	{ cat "$S/orig"; printf '\n'; cat "$S/line"; } | cmp -s - "$ak" ||
	    { fail "other lines not kept: $(diff "$S/orig" "$ak" | head -5)"; return 1; }
	cp "$ak" "$S/after1"
	"$RSGUARD" authorize --log "$S/serve.log" --key "$K.pub" --from UNKNOWN "${SB[@]}" -ro --install --file "$ak" "$S/srv" \
	    >/dev/null 2>"$LAST_ERR" || { fail "second install"; return 1; }
	cmp -s "$S/after1" "$ak" || { fail "second install changed the file"; return 1; }
	grep -q unchanged "$LAST_ERR" || { fail "not reported unchanged"; return 1; }
	[ "$(grep -c "$(cut -d' ' -f2 "$K.pub")" "$ak")" = 1 ] || { fail "key not once"; return 1; }
	# same key, other options: replaced in place
	"$RSGUARD" authorize --log "$S/serve.log" --key "$K.pub" --from UNKNOWN "${SB[@]}" -wo --install --file "$ak" "$S/srv" \
	    >"$S/line2" 2>"$LAST_ERR" || { fail "replace"; return 1; }
	grep -q replaced "$LAST_ERR" || { fail "not reported replaced"; return 1; }
	[ "$(grep -c "$(cut -d' ' -f2 "$K.pub")" "$ak")" = 1 ] || { fail "duplicated on replace"; return 1; }
	grep -qF -- "$RSGUARD serve --log=$S/serve.log${IT_SANDBOX:+ $IT_SANDBOX} -wo $S/srv" "$ak" || { fail "not replaced"; return 1; }
	head -c "$(stat -c %s "$S/orig")" "$ak" | cmp -s - "$S/orig" || { fail "other lines changed"; return 1; }
	# two stale lines for the key collapse into one
	cat "$S/line" "$S/line" >>"$ak"
	"$RSGUARD" authorize --log "$S/serve.log" --key "$K.pub" --from UNKNOWN "${SB[@]}" -ro --install --file "$ak" "$S/srv" \
	    >/dev/null 2>&1 || { fail "collapse"; return 1; }
	[ "$(grep -c "$(cut -d' ' -f2 "$K.pub")" "$ak")" = 1 ] || { fail "duplicates kept"; return 1; }
	ls -A "$S/ssh" | grep -qv '^authorized_keys$' && { fail "temp file left: $(ls -A "$S/ssh")"; return 1; }
	# sshd takes the installed file
	cp "$ak" "$IT_SSHDIR/authorized_keys"
	ssh_key "$K" true || { fail "sshd refused the installed line"; return 1; }
	ssh_host true || { fail "other key lost"; return 1; }
	# a symlink is not followed
	ln -s "$S/orig" "$S/ssh/link"
	"$RSGUARD" authorize --key "$K.pub" "${SB[@]}" --install --file "$S/ssh/link" "$S/srv" \
	    >/dev/null 2>&1 && { fail "installed through a symlink"; return 1; }
	return 0
}

# authorize MUST 3: concurrent installs of different keys lose none.
t_authorize_install_concurrent() {
	new_scratch
	mkdir "$S/srv" "$S/ssh"
	local i pids=()
	for i in 1 2 3 4 5 6; do new_key "c$i" || return 1; done
	for i in 1 2 3 4 5 6; do
		"$RSGUARD" authorize --key "$S/keys/c$i.pub" --from UNKNOWN "${SB[@]}" -ro \
		    --install --file "$S/ssh/authorized_keys" "$S/srv" >/dev/null 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || { fail "an install failed"; return 1; }; done
	[ "$(wc -l <"$S/ssh/authorized_keys")" = 6 ] || { fail "lines: $(wc -l <"$S/ssh/authorized_keys")"; return 1; }
	for i in 1 2 3 4 5 6; do
		grep -qF "$(cut -d' ' -f2 "$S/keys/c$i.pub")" "$S/ssh/authorized_keys" || { fail "key c$i lost"; return 1; }
	done
}

# The default --install target is ~/.ssh/authorized_keys (unprivileged
# run only: its home is a scratch dir made by run.sh).
t_authorize_install_default() {
	new_scratch
	if [ "$(id -u)" = 0 ]; then skip "would edit root's own authorized_keys"; return 0; fi
	local home; home=$(getent passwd "$(id -un)" | cut -d: -f6)
	[ -w "$home" ] || { skip "home $home not writable"; return 0; }
	[ -e "$home/.ssh" ] && { skip "$home/.ssh exists; not touched"; return 0; }
	new_key def || return 1
	mkdir "$S/srv"
	"$RSGUARD" authorize --key "$K.pub" --from UNKNOWN "${SB[@]}" -ro --install "$S/srv" >/dev/null 2>&1 ||
	    { fail "install"; rm -rf "$home/.ssh"; return 1; }
	local ok=1
	[ "$(mode_of "$home/.ssh")" = 700 ] && [ "$(mode_of "$home/.ssh/authorized_keys")" = 600 ] || ok=0
	rm -rf "$home/.ssh"
	[ $ok = 1 ] || { fail "modes"; return 1; }
}

# authorize MUST 1.  --exact: what sshd hands the shell is split back into exactly the
# intended argv (an argv-echo program stands in for rsguard).
t_authorize_exact_roundtrip() {
	new_scratch
	new_key ex || return 1
	local dir="$S/d i'r \"q\" \\b \$HOME"
	local cmd="rsync --server --sender -logDtpre.iLsfxCIvu . it's/ \"x\" \\y \$(id) \`id\` ~/a"
	mkdir "$dir"
	"$RSGUARD" authorize --key "$K.pub" --from UNKNOWN "${SB[@]}" -ro --exact "$cmd" "$dir" \
	    >"$S/line" 2>"$LAST_ERR" || { fail "authorize exit $?"; return 1; }
	printf '#!/bin/sh\nfor a; do printf "[%%s]\\n" "$a"; done\n' >"$S/argv"
	chmod 755 "$S/argv"
	sed "s|command=\"$RSGUARD |command=\"$S/argv |" "$S/line" >"$IT_SSHDIR/authorized_keys"
	grep -qF "command=\"$S/argv " "$IT_SSHDIR/authorized_keys" || { fail "substitution"; return 1; }
	ssh_key "$K" true >"$S/got" 2>"$LAST_ERR" || { fail "ssh exit $?"; return 1; }
	printf '[%s]\n' serve "${SB[@]}" "--exact=$cmd" -ro "$dir" >"$S/want"
	cmp -s "$S/want" "$S/got" || { fail "argv differs: $(diff "$S/want" "$S/got" | head -6 | tr '\n' ' ')"; return 1; }
}

# run_lint FILE... : codes found (sorted, unique, one line) in CODES,
# exit status in RC.
run_lint() {
	"$RSGUARD" lint "$@" >"$S/lint.out" 2>"$LAST_ERR"
	RC=$?
	CODES=$(grep -o 'RSG[0-9]*' "$S/lint.out" | sort -u | tr '\n' ' ')
	CODES=${CODES% }
}
# fixture NAME: the corpus file with @RSG@ and @DIR@ filled in.
fixture() {
	sed -e "s|@RSG@|$RSGUARD|g" -e "s|@DIR@|$S/srv|g" "$CORPUS/$1" >"$S/$1"
}

# lint MUST 1 (codes) and MUST 2 (exit status) on the corpus.
t_lint_corpus() {
	new_scratch
	mkdir "$S/srv"
	local f n want codes_seen=
	for f in "$CORPUS"/*.keys; do
		n=$(basename "$f")
		fixture "$n"
		want=$(sed -n '1s/^# expect: //p' "$f")
		[ "$want" = none ] && want=
		run_lint --ignore RSG013,RSG014 "$S/$n"
		[ "$CODES" = "$want" ] || { fail "$n: got '$CODES', want '$want'"; cat "$S/lint.out"; return 1; }
		case $want in
		"") [ $RC = 0 ] || { fail "$n: exit $RC, want 0"; return 1; } ;;
		*) if grep -q ': error ' "$S/lint.out"; then
			[ $RC = 2 ] || { fail "$n: exit $RC, want 2"; return 1; }
		   else
			[ $RC = 1 ] || { fail "$n: exit $RC, want 1"; return 1; }
		   fi ;;
		esac
		codes_seen+=" $want"
	done
	# every code but the two tested below has a triggering fixture
	for n in 001 002 003 004 005 006 007 008 009 010 011 012 015 016 017 018; do
		[[ $codes_seen == *RSG$n* ]] || { fail "no fixture triggers RSG$n"; return 1; }
		[ -f "$CORPUS/rsg$n-no.keys" ] || { fail "no negative fixture for RSG$n"; return 1; }
	done
	# a shell escape around serve gives a shell: an error, never a warning
	for n in rsg015-yes.keys rsg015-ops.keys; do
		run_lint --ignore RSG013,RSG014 "$S/$n"
		[ $RC = 2 ] || { fail "$n: exit $RC, want 2 (error)"; return 1; }
		[ "$(grep -c 'error RSG015' "$S/lint.out")" = "$(grep -c '^restrict' "$S/$n")" ] ||
		    { fail "$n: not every line an RSG015 error"; cat "$S/lint.out"; return 1; }
	done
	run_lint --ignore RSG999 "$S/good.keys"; [ $RC = 3 ] || { fail "unknown --ignore: exit $RC"; return 1; }
	run_lint "$S/no-such-file"; [ $RC = 3 ] || { fail "missing file: exit $RC"; return 1; }
	"$RSGUARD" lint -h | grep -q RSG015 || { fail "-h lists no codes"; return 1; }
	# MUST 4: a program named in command= is looked at, never run
	printf '#!/bin/sh\ntouch %s/ran\n' "$S" >"$S/prog"; chmod 755 "$S/prog"
	printf 'restrict,command="%s" %s\n' "$S/prog" "$(cut -d' ' -f1,2 "$IT_SSHDIR/client_ed25519.pub")" >"$S/run.keys"
	run_lint "$S/run.keys"
	[ -e "$S/ran" ] && { fail "lint ran the command"; return 1; }
	[[ $CODES == *RSG008* ]] && { fail "executable reported missing"; return 1; }
	return 0
}

# lint MUST 3.
t_lint_json() {
	new_scratch
	mkdir "$S/srv"
	local f
	for f in "$CORPUS"/*.keys; do fixture "$(basename "$f")"; done
	# odd bytes in a message must still give valid JSON
	printf 'restrict,from="\001\xff\\",command="x" ssh-ed25519 AAAA\n' >"$S/odd.keys"
	"$RSGUARD" lint --json "$S"/*.keys >"$S/out.json" 2>"$LAST_ERR"
	[ $? = 2 ] || { fail "exit status"; return 1; }
	python3 -m json.tool "$S/out.json" >/dev/null 2>"$LAST_ERR" || { fail "invalid JSON"; return 1; }
	local nj nt
	nj=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["findings"]), d["errors"]+d["warnings"])' "$S/out.json")
	"$RSGUARD" lint "$S"/*.keys >"$S/out.txt" 2>/dev/null
	nt=$(grep -c ': \(error\|warning\) RSG' "$S/out.txt")
	[ "$nj" = "$nt $nt" ] || { fail "json '$nj' vs text $nt"; return 1; }
	"$RSGUARD" lint --json "$S/good.keys" --ignore RSG013 >/dev/null 2>&1
	"$RSGUARD" lint --json --ignore RSG013,RSG014 "$S/good.keys" | python3 -c \
	    'import json,sys; d=json.load(sys.stdin); sys.exit(d["findings"] != [] or d["files"] != 1)' ||
	    { fail "clean file JSON"; return 1; }
}

# StrictModes: a group/world-writable file or parent is reported.
t_lint_strict_modes() {
	new_scratch
	mkdir -m 700 "$S/p"
	sed -e "s|@RSG@|$RSGUARD|g" -e "s|@DIR@|$S|g" "$CORPUS/good.keys" >"$S/p/ak"
	chmod 666 "$S/p/ak"
	run_lint --ignore RSG014 "$S/p/ak"
	[[ $CODES == *RSG013* ]] && [ $RC = 2 ] || { fail "mode 666 not reported ($CODES, $RC)"; return 1; }
	chmod 600 "$S/p/ak"; chmod 777 "$S/p"
	run_lint --ignore RSG014 "$S/p/ak"
	[[ $CODES == *RSG013* ]] || { fail "world-writable parent not reported"; return 1; }
	grep -q "$S/p is group or world writable" "$S/lint.out" || { fail "wrong dir named: $(cat "$S/lint.out")"; return 1; }
	chmod 700 "$S/p"
	# negative: the corpus in the source tree when its parents are sound
	local d=$CORPUS bad=0
	while :; do
		[ $(( 0$(stat -c %a "$d") & 022 )) = 0 ] || bad=1
		case $(stat -c %u "$d") in 0|"$(id -u)") ;; *) bad=1 ;; esac
		[ "$d" = / ] && break
		d=$(dirname "$d")
	done
	if [ $bad = 1 ]; then skip "source tree has a loose parent directory"; return 0; fi
	run_lint --ignore RSG014 "$CORPUS/rsg005-yes.keys"
	[[ $CODES == *RSG013* ]] && { fail "RSG013 on a sound path: $(cat "$S/lint.out")"; return 1; }
	return 0
}

# A bash login shell is reported once per file with a forced command.
t_lint_login_shell() {
	new_scratch
	mkdir "$S/srv"
	fixture good.keys
	fixture rsg005-yes.keys
	local shell; shell=$(getent passwd "$(id -un)" | cut -d: -f7)
	run_lint --ignore RSG013 "$S/good.keys"
	if [ "${shell##*/}" = bash ]; then
		[ "$CODES" = RSG014 ] || { fail "bash shell: got '$CODES'"; return 1; }
		[ "$(grep -c RSG014 "$S/lint.out")" = 1 ] || { fail "reported more than once"; return 1; }
	else
		[ -z "$CODES" ] || { fail "shell $shell: got '$CODES'"; return 1; }
	fi
	run_lint --ignore RSG013,RSG005 "$S/rsg005-yes.keys"
	[[ $CODES == *RSG014* ]] && { fail "RSG014 without a forced command"; return 1; }
	return 0
}

# lint_one CMD FROM: one key line with command=CMD, from=FROM, linted.
lint_one() {
	printf 'restrict,from="%s",command="%s" %s\n' "$2" "$1" \
	    "$(cut -d' ' -f1,2 "$IT_SSHDIR/client_ed25519.pub")" >"$S/one.keys"
	run_lint --ignore RSG013,RSG014 "$S/one.keys"
}

# A shell escape around the forced command, arguments serve refuses, and
# from= patterns that match everything are errors (exit 2), never
# warnings; the plain forms stay clean.
t_lint_command_errors() {
	new_scratch
	mkdir "$S/srv"
	local c r=$RSGUARD d=$S/srv
	lint_one "$r serve -ro $d" 192.0.2.7
	[ -z "$CODES" ] && [ $RC = 0 ] || { fail "clean line: $CODES, exit $RC"; return 1; }
	# sshd runs "$SHELL -c COMMAND": each gives the client a shell
	for c in "$r serve -ro $d; sh" "$r serve -ro $d;sh" "$r serve -ro $d && sh" \
	    "$r serve -ro $d || sh" "$r serve -ro $d | sh" "$r serve -ro $d & sh" \
	    "$r serve -ro $d >/tmp/x" "$r serve -ro $d 2>/tmp/x" "$r serve -ro $d >>/tmp/x" \
	    "$r serve -ro $d </tmp/x" "$r serve -ro \$(sh)" "$r serve -ro \`sh\`" \
	    "$r serve -ro \${X}" "$r serve -ro \$X" "$r serve -ro $d/*" "$r serve -ro $d # c" \
	    "($r serve -ro $d)" "{ $r serve -ro $d; }" "LD_PRELOAD=/tmp/x.so $r serve -ro $d" \
	    "sh -c sh; $r serve -ro $d" "$r serve -ro $d{,}" "$r serve -ro ~root" \
	    "! $r serve -ro $d"; do
		lint_one "$c" 192.0.2.7
		[ "$CODES" = RSG015 ] && [ $RC = 2 ] || { fail "'$c': got '$CODES', exit $RC, want RSG015 and 2"; return 1; }
	done
	# serve refuses each at every connection
	for c in "$r serve -ro -wo $d" "$r serve -ro $d $d" "$r serve --exact='id' $d" \
	    "$r -ro $d" "$r serve --bogus $d" "$r serve -r $d" "$r serve --sandbox=maybe $d" \
	    "$r serve --help $d"; do
		lint_one "$c" 192.0.2.7
		[ "$CODES" = RSG017 ] && [ $RC = 2 ] || { fail "'$c': got '$CODES', exit $RC, want RSG017 and 2"; return 1; }
	done
	# from= that is no restriction
	for c in '*' '0.0.0.0/0' '::/0' '*,!10.0.0.1' '?*' '*.*,*:*' '10.0.0.0/00' '!10.0.0.1'; do
		lint_one "$r serve -ro $d" "$c"
		[ "$CODES" = RSG018 ] && [ $RC = 2 ] || { fail "from='$c': got '$CODES', exit $RC, want RSG018 and 2"; return 1; }
	done
	for c in 192.0.2.7 '192.0.2.0/24,!192.0.2.1' '*.example.org' '2001:db8::/32' '10.?.0.1'; do
		lint_one "$r serve -ro $d" "$c"
		[ -z "$CODES" ] || { fail "from='$c': got '$CODES'"; return 1; }
	done
	return 0
}

# from="": sshd matches no address; lint says so (RSG018), if the
# parser takes the line at all (else RSG001).
t_lint_from_empty() {
	new_scratch
	mkdir "$S/srv"
	lint_one "$RSGUARD serve -ro $S/srv" ""
	[ $RC = 2 ] && [[ $CODES == RSG018 || $CODES == RSG001 ]] || { fail "from=\"\": got '$CODES', exit $RC"; return 1; }
}

# RSG014 and ~ are judged for the account owning the file, not for the
# user running lint (root here).
t_lint_owner_account() {
	new_scratch
	[ "$(id -u)" = 0 ] || { skip "needs root"; return 0; }
	local u=nobody ush uhome
	ush=$(getent passwd $u | cut -d: -f7); uhome=$(getent passwd $u | cut -d: -f6)
	[ "${ush##*/}" != bash ] || { skip "$u has bash"; return 0; }
	[ "$(getent passwd root | cut -d: -f7 | sed 's|.*/||')" = bash ] || { skip "root's shell is not bash"; return 0; }
	mkdir "$S/srv"
	lint_one "$RSGUARD serve -ro $S/srv" 192.0.2.7
	chown $u "$S/one.keys"
	"$RSGUARD" lint --ignore RSG013 "$S/one.keys" >"$S/lint.out" 2>&1
	grep -q RSG014 "$S/lint.out" && { fail "RSG014 from root's shell on $u's file"; return 1; }
	# ~ is the owner's home: a missing ~/x DIR names $uhome
	lint_one "$RSGUARD serve -ro ~/no-such-rsguard-dir" 192.0.2.7
	chown $u "$S/one.keys"
	"$RSGUARD" lint --ignore RSG013 "$S/one.keys" >"$S/lint.out" 2>&1
	grep -q "DIR $uhome/no-such-rsguard-dir" "$S/lint.out" || { fail "~ not $u's home: $(cat "$S/lint.out")"; return 1; }
	# root's own file: root's shell, root's home
	chown 0 "$S/one.keys"
	"$RSGUARD" lint --ignore RSG013 "$S/one.keys" >"$S/lint.out" 2>&1
	grep -q RSG014 "$S/lint.out" || { fail "no RSG014 for root's bash"; return 1; }
	return 0
}

# Debian's sshd takes a group-writable file or ~/.ssh whose group holds
# only the owner; other sshds (and other groups) do not.
t_lint_debian_group_write() {
	new_scratch
	[ "$(id -u)" = 0 ] || { skip "needs root (chgrp)"; return 0; }
	local g
	# (a loose /tmp above $S is reported too: look for $S/p only)
	mkdir -m 700 "$S/p"
	sed -e "s|@RSG@|$RSGUARD|g" -e "s|@DIR@|$S|g" "$CORPUS/good.keys" >"$S/p/ak"
	chmod 620 "$S/p/ak"; chgrp 0 "$S/p/ak"
	printf 'x OpenSSH_9.2p1 Debian-2+deb12u3 y' >"$S/sshd-debian"
	printf 'x OpenSSH_9.6p1 y' >"$S/sshd-other"
	RSGUARD_LINT_SSHD=$S/sshd-debian run_lint --ignore RSG014 "$S/p/ak"
	grep -q "RSG013: $S/p" "$S/lint.out" && { fail "Debian sshd: owner-only group write reported: $(cat "$S/lint.out")"; return 1; }
	chmod 770 "$S/p"; chgrp 0 "$S/p"
	RSGUARD_LINT_SSHD=$S/sshd-debian run_lint --ignore RSG014 "$S/p/ak"
	grep -q "RSG013: $S/p" "$S/lint.out" && { fail "Debian sshd: owner-only group-writable dir reported"; return 1; }
	chmod 700 "$S/p"
	RSGUARD_LINT_SSHD=$S/sshd-other run_lint --ignore RSG014 "$S/p/ak"
	grep -q "RSG013: $S/p" "$S/lint.out" || { fail "upstream sshd: group write not reported"; return 1; }
	# a group with another member is refused by Debian's sshd too
	g=$(getent group | awk -F: '$4 != "" && $3 != 0 {print $1; exit}')
	if [ -n "$g" ]; then
		chgrp "$g" "$S/p/ak"
		RSGUARD_LINT_SSHD=$S/sshd-debian run_lint --ignore RSG014 "$S/p/ak"
		grep -q "RSG013: $S/p" "$S/lint.out" || { fail "Debian sshd: group $g with other members not reported"; return 1; }
	fi
	chgrp 0 "$S/p/ak"; chmod 602 "$S/p/ak"
	RSGUARD_LINT_SSHD=$S/sshd-debian run_lint --ignore RSG014 "$S/p/ak"
	grep -q "RSG013: $S/p" "$S/lint.out" || { fail "Debian sshd: world write not reported"; return 1; }
	return 0
}

# RSG019: serve's records name the key only with ExposeAuthInfo yes;
# lint reads sshd_config as sshd does and never stays silent on what it
# could not read.
t_lint_expose_auth_info() {
	new_scratch
	mkdir "$S/srv" "$S/conf.d"
	local c=$S/sshd_config
	lint_cfg() { run_lint --ignore RSG013,RSG014 --sshd-config "$c" "$S/one.keys"; }
	lint_one "$RSGUARD serve -ro $S/srv" 192.0.2.7
	printf 'Port 22\nExposeAuthInfo yes\n' >"$c"; lint_cfg
	[ -z "$CODES" ] && [ $RC = 0 ] || { fail "yes: $CODES, exit $RC"; return 1; }
	printf 'Port 22\n' >"$c"; lint_cfg
	[ "$CODES" = RSG019 ] && [ $RC = 1 ] && grep -q "not set" "$S/lint.out" || { fail "unset: '$CODES', exit $RC"; return 1; }
	printf 'Port 22\nexposeauthinfo=no\nExposeAuthInfo yes\n' >"$c"; lint_cfg
	[ "$CODES" = RSG019 ] && grep -q "^$c:2:0: warning RSG019: ExposeAuthInfo no" "$S/lint.out" || { fail "first value no: $(cat "$S/lint.out")"; return 1; }
	printf 'Match User backup\n\tExposeAuthInfo yes\n' >"$c"; lint_cfg
	[ "$CODES" = RSG019 ] && grep -q "Match" "$S/lint.out" || { fail "Match only: $(cat "$S/lint.out")"; return 1; }
	printf 'Match User backup\n\tPermitTTY no\nMatch all\nExposeAuthInfo yes\n' >"$c"; lint_cfg
	[ -z "$CODES" ] || { fail "after Match all: $CODES"; return 1; }
	printf 'Include %s/conf.d/*.conf\nExposeAuthInfo no\n' "$S" >"$c"
	printf 'ExposeAuthInfo "yes"\n' >"$S/conf.d/10-rsguard.conf"; lint_cfg
	[ -z "$CODES" ] || { fail "yes from an Include: $(cat "$S/lint.out")"; return 1; }
	rm "$S/conf.d/10-rsguard.conf"; lint_cfg
	[ "$CODES" = RSG019 ] || { fail "Include matching nothing: $CODES"; return 1; }
	printf 'Include %s/conf.d/*.conf\n' "$S" >"$c"
	printf 'Include %s\n' "$c" >"$S/conf.d/loop.conf"; lint_cfg
	[ "$CODES" = RSG019 ] && grep -q "cannot tell" "$S/lint.out" || { fail "Include loop: $(cat "$S/lint.out")"; return 1; }
	rm -f "$c"; lint_cfg
	[ "$CODES" = RSG019 ] && grep -q "cannot tell.*No such file" "$S/lint.out" || { fail "missing config: $(cat "$S/lint.out")"; return 1; }
	# the environment names the file when no option does
	printf 'ExposeAuthInfo yes\n' >"$c"
	RSGUARD_SSHD_CONFIG=$c run_lint --ignore RSG013,RSG014 "$S/one.keys"
	[ -z "$CODES" ] || { fail "RSGUARD_SSHD_CONFIG: $CODES"; return 1; }
	RSGUARD_SSHD_CONFIG=$S/none run_lint --ignore RSG013,RSG014 "$S/one.keys"
	[ "$CODES" = RSG019 ] || { fail "RSGUARD_SSHD_CONFIG missing file: $CODES"; return 1; }
	# no command= runs serve: the records do not matter, nothing said
	cut -d' ' -f1,2 "$IT_SSHDIR/client_ed25519.pub" | sed 's/^/from="192.0.2.7",restrict,command="true" /' >"$S/one.keys"
	rm -f "$c"; lint_cfg
	[[ $CODES != *RSG019* ]] || { fail "RSG019 with no serve line"; return 1; }
	return 0
}

run_tests t_keygen_modes_and_no_overwrite t_keygen_default_dir \
	t_keygen_dir_not_private_refused t_keygen_next_steps \
	t_authorize_line_works_with_sshd t_authorize_refusals \
	t_authorize_install t_authorize_install_concurrent \
	t_authorize_install_default \
	t_authorize_exact_roundtrip t_lint_corpus t_lint_json \
	t_lint_strict_modes t_lint_login_shell t_lint_command_errors \
	t_lint_from_empty t_lint_owner_account t_lint_debian_group_write \
	t_lint_expose_auth_info
