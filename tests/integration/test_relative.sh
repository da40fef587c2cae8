#!/bin/bash
# -R sources spelled with "/./" markers, pulled over real ssh from
# rsguard serve with the sandbox off and on, against rsync 3.5.0's
# /usr/bin/rrsync through the same sshd: path confinement must hold
# without the sandbox (confine.c MUST 6), and rsguard must transfer what
# rrsync transfers.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RRSYNC=${RRSYNC:-/usr/bin/rrsync}
SECRET=OUTSIDE-SECRET-rel-5e1f

# key_cmd CMD: the one authorized_keys line runs CMD.
key_cmd() {
	printf 'restrict,command="%s" %s\n' "$1" \
		"$(cat "$IT_SSHDIR/client_ed25519.pub")" >"$IT_SSHDIR/authorized_keys"
	trace "authorized_keys: command=\"$1\""
}

# Client spellings of -R sources (the part after "host:"), N standing for
# a directory of their own.  rsync splits a source at its first "/./"
# (flist.c send_file_list); what precedes it is not transmitted.
SPELLINGS=(
	/./N/ /./N /././N/ .//./N/ //./N/ /./N/deep/ /./N/. /./N/./b/
	N/./b/ N/./b/./x.txt /./N/b/x.txt N//./deep/ N/./deep/ ./N/./deep
	N/./ N/. /./N/./deep/ N/b/./x.txt
)

# rel_tree: $S/srv holds one directory cN per spelling, each with a
# symlink out of DIR wherever a source split at the wrong "/./" would
# land (DIR/X/X for "/./X", DIR/X/b/X/b for "/./X/./b"), and
# $S/outside the secret under each name such a link reaches.  SPECS gets
# the spellings with N replaced, and DIR's path before each with "abs".
rel_tree() {
	local i n sp
	new_scratch
	mkdir -p "$S/outside/deep" "$S/outside/b"
	echo "$SECRET" >"$S/outside/secret.txt"
	echo "$SECRET" >"$S/outside/deep/secret.txt"
	echo "$SECRET" >"$S/outside/b/secret.txt"
	SRV=$S/srv
	mkdir "$SRV"
	SRV=$(cd "$SRV" && pwd -P)
	SPECS=()
	for i in "${!SPELLINGS[@]}"; do
		n=c$i
		mkdir -p "$SRV/$n/deep" "$SRV/$n/b"
		echo "in $n" >"$SRV/$n/in.txt"
		echo "deep $n" >"$SRV/$n/deep/d.txt"
		echo "x $n" >"$SRV/$n/b/x.txt"
		ln -s "$S/outside" "$SRV/$n/$n"
		ln -s "$S/outside" "$SRV/$n/deep/$n"
		ln -s "$S/outside" "$SRV/$n/b/$n"
		sp=${SPELLINGS[$i]//N/$n}
		[ "${1:-}" = abs ] && sp=$SRV/${sp#/}
		SPECS+=("$sp")
	done
}

# ref_pull DEST SPEC...: what rsync itself makes of the sources, pulled
# locally in DIR: a leading "./" and "/"s (and under -absolute DIR's
# path) mean DIR, as serve and rrsync read them.
ref_pull() {
	local dest=$1 sp srcs=() rc
	shift
	for sp; do
		case $sp in "$SRV"/*) sp=${sp#"$SRV"} ;; ./*) sp=${sp#.} ;; esac
		while [ "${sp#/}" != "$sp" ]; do sp=${sp#/}; done
		case /$sp in */./*) srcs+=("$SRV/$sp") ;; *) srcs+=("${sp:-.}") ;; esac
	done
	mkdir "$dest"
	(cd "$SRV" && "$RSYNC" -aR "${srcs[@]}" "$dest/") 2>"$IT_WORK/ref.err"
	rc=$?
	[ "$rc" = 0 ] || echo "reference: local rsync exit $rc: $(head -c 200 "$IT_WORK/ref.err")"
}

# pull_leg CMD DEST SPEC...: pull -aR host:SPEC... into DEST with the
# forced command CMD; prints a problem if it fails.
pull_leg() {
	local cmd=$1 dest=$2 sp srcs=() rc
	shift 2
	for sp; do srcs+=("$IT_HOST:$sp"); done
	key_cmd "$cmd"
	mkdir "$dest"
	rsq -aR "${srcs[@]}" "$dest/"
	rc=$?
	[ "$rc" = 0 ] ||
		echo "${dest##*/}: exit $rc: $(tr '\n' ' ' <"$LAST_ERR" | head -c 300)"
}

# same_pull REF DEST: DEST received REF's tree and not the secret.
same_pull() {
	local ref=$1 dest=$2 l
	l=$(basename "$dest")
	if grep -rlq -- "$SECRET" "$dest" 2>/dev/null; then
		echo "$l received the outside files: $(cd "$dest" && grep -rl -- "$SECRET" . | tr '\n' ' ')"
	fi
	diff -r --no-dereference "$ref" "$dest" >/dev/null 2>&1 ||
		echo "$l differs from rsync's own reading: $(diff <(cd "$ref" && find . | sort) <(cd "$dest" && find . | sort) | grep '^[<>]' | head -6 | tr '\n' ' ')"
}

# rel_pulls OPT [RRSYNC]: pull all SPECS from rsguard serve OPT with
# --sandbox=off and, where the kernel gives it, with the sandbox; with
# RRSYNC=1 also from rrsync OPT.  Each must match rsync's own reading.
rel_pulls() {
	local opt=$1 with_rr=${2:-} probs=() p legs=(off)
	ref_pull "$S/ref" "${SPECS[@]}" >"$S/probs"
	pull_leg "$RSGUARD serve --log=none --sandbox=off $opt $SRV" "$S/off" "${SPECS[@]}" >>"$S/probs"
	if [ -n "$IT_SANDBOX" ]; then
		legs+=(on)
		pull_leg "$RSGUARD serve --log=none $IT_SANDBOX $opt $SRV" "$S/on" "${SPECS[@]}" >>"$S/probs"
	fi
	if [ -n "$with_rr" ] && [ -x "$RRSYNC" ]; then
		legs+=(rrsync)
		pull_leg "$RRSYNC $opt $SRV" "$S/rrsync" "${SPECS[@]}" >>"$S/probs"
	fi
	for p in "${legs[@]}"; do same_pull "$S/ref" "$S/$p" >>"$S/probs"; done
	while IFS= read -r p; do probs+=("$p"); done <"$S/probs"
	[ ${#probs[@]} = 0 ] || { fail "$(printf '%s; ' "${probs[@]}")"; return 1; }
	[ -n "$(ls -A "$S/ref")" ] || { fail "reference pull is empty"; return 1; }
	pass "${#SPECS[@]} sources, legs: ${legs[*]}"
}

# The issue 10 item 2 reproduction: "/./sub/" with DIR/sub/sub a link out.
t_rel_leading_marker_sandbox_off() {
	rel_tree
	key_cmd "$RSGUARD serve --log=none --sandbox=off -ro $SRV"
	mkdir "$S/q"
	rs -aR "$IT_HOST:/./c0/" "$S/q/" || { fail "exit $?"; return 1; }
	! grep -rq -- "$SECRET" "$S/q" ||
		{ fail "received the outside files: $(cd "$S/q" && find . | tr '\n' ' ')"; return 1; }
	[ "$(cat "$S/q/c0/in.txt" 2>/dev/null)" = "in c0" ] && [ -L "$S/q/c0/c0" ] ||
		{ fail "wrong -R result: $(cd "$S/q" && find . | tr '\n' ' ')"; return 1; }
}

# Every spelling, the sandbox off and on, and rrsync: the same transfer.
t_rel_spellings() { rel_tree; rel_pulls -ro rrsync; }

# The same under -absolute, DIR named by its path.  NB. rrsync is no
# reference here: it strips DIR/ first and then splits "DIR/./a/./b" at
# the second marker, so the client refuses the names it is sent
# ("rejecting unrequested file-list name").
t_rel_spellings_absolute() { rel_tree abs; rel_pulls "-ro -absolute"; }

# "/./" alone is DIR itself, transmitted as "." (rrsync refuses it as an
# "unsafe arg", its realpath being DIR and not beneath DIR/).
t_rel_marker_dir_root() {
	local probs
	new_scratch
	mkdir -p "$S/srv/d" "$S/outside"
	echo "$SECRET" >"$S/outside/secret.txt"
	echo top >"$S/srv/top.txt"
	echo in >"$S/srv/d/in.txt"
	ln -s "$S/outside" "$S/srv/d/d"
	SRV=$(cd "$S/srv" && pwd -P)
	probs=$(
		ref_pull "$S/ref" /./
		pull_leg "$RSGUARD serve --log=none --sandbox=off -ro $SRV" "$S/off" /./
		pull_leg "$RSGUARD serve --log=none --sandbox=off -ro -absolute $SRV" "$S/offabs" "$SRV/./"
		same_pull "$S/ref" "$S/off"
		same_pull "$S/ref" "$S/offabs"
		if [ -n "$IT_SANDBOX" ]; then
			pull_leg "$RSGUARD serve --log=none $IT_SANDBOX -ro $SRV" "$S/on" /./
			same_pull "$S/ref" "$S/on"
		fi
	)
	[ -z "$probs" ] || { fail "$(echo "$probs" | tr '\n' ' ')"; return 1; }
	[ -f "$S/ref/d/in.txt" ] || { fail "reference pull lacks d/in.txt"; return 1; }
}

run_tests t_rel_leading_marker_sandbox_off t_rel_spellings \
	t_rel_spellings_absolute t_rel_marker_dir_root
