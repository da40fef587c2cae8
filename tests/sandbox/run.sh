#!/bin/bash
# tests/sandbox/run.sh - the kernel sandbox of "rsguard serve" (Landlock +
# seccomp), proved with a hijacked rsync: tests/sandbox/hijack.c, handed
# to serve as --rsync, tries to get out of DIR and reports each try.
#
# Usage: make sandbox                 (builds rsguard and the stand-in)
#        RSGUARD=... HIJACK=... tests/sandbox/run.sh
#        VERBOSE=1        print every per-try result of every run
#        SB_TABLE=FILE    append "user run KIND name result" lines to FILE
#
# Every run of the stand-in is checked for:
#   attempts   each ATTEMPT is BLOCKED where the sandbox must stop it and
#              ALLOWED where it cannot (no sandbox, or an older ABI given
#              with --landlock-abi): the unsandboxed runs prove that each
#              try really works and the test can fail;
#   legit      each LEGIT try (what rsync needs in its role) is ALLOWED;
#   uncovered  each UNCOVERED try is ALLOWED, as rsguard(1) documents
#              (if one becomes BLOCKED, fix the man page, then this);
#   extra      a --sandbox-read path is readable, never writable;
#   info       rsync's environment: PATH only, cwd DIR, fds 0-2,
#              no_new_privs in every mode, no core dumps when sandboxed;
#   tree       DIR and the outside dir are unchanged (names, types, sizes,
#              modes, owners, link targets, contents);
#   log        the start record's sandbox= field and the warning records.
# Plus: refusals (require on a weaker ABI, bad option values: exit 1, the
# stand-in never runs), --explain (rules printed, nothing runs).
# Under --root a=DIR:ro --root b=DIR:wo --root c=DIR:rw, a transfer of
# each root (both directions of c) runs the stand-in in that root's DIR,
# with the same checks, and it tries the other roots too (other-NAME-*:
# read, list, write, link into DIR, create, exec): closed under the
# sandbox, open without it (the same runs with --sandbox=off).
#
# Without the full Landlock ruleset (ABI >= 6) the sandbox checks are
# skipped and the script exits 77 (not run).  As root everything runs a
# second time as the unprivileged user rsguard-test (created if missing),
# from a copy of rsguard, the stand-in and this script that user can read.
# Results and the second run: tests/lib/harness.sh.
# Last line: "sandbox: N passed, M failed, K skipped"; exit 1 on failure.
# tests/sandbox/mutants.sh shows that each of these checks can fail.
set -u
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
RSGUARD=${RSGUARD:-$TOP/rsguard}
HIJACK=${HIJACK:-$HERE/hijack}
SB_USER=${SB_USER:-rsguard-test}
VERBOSE=${VERBOSE:-0}
SB_TABLE=${SB_TABLE:-}
LABEL=$(id -un)

# shellcheck source=../lib/harness.sh
. "$HERE/../lib/harness.sh"
H_USER=$SB_USER

# ---- what stops each try -------------------------------------------------
# name -> "LL SC [CAP]": LL is the Landlock ABI from which the domain
# denies it (0: Landlock cannot), SC is 1 where the seccomp filter must
# deny it (rsguard(1): sockets but a unix stream socketpair, io_uring,
# ptrace...), CAP is 1 where, as root, the cut capability bounding set
# must deny it (rsguard(1): root keeps only CAP_CHOWN, CAP_DAC_OVERRIDE,
# CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID).  The filter and the cut
# come with every sandboxing mode, Landlock or not.
declare -A STOP=(
	[read-passwd]="1 0"		[read-group]="1 0"
	[read-secret]="1 0"		[read-via-symlink]="1 0"
	[reopen-opath-secret]="1 0"	[list-root]="1 0"
	[list-libdir]="1 0"		[write-outside]="1 0"
	[truncate-outside]="3 0"	[create-outside]="1 0"
	[mkdir-outside]="1 0"		[rename-in-out]="1 0"
	[rename-out-out]="1 0"		[rename-out-in]="1 0"
	[link-in-out]="1 0"		[link-secret-in]="1 0"
	[write-inside]="1 0"		[truncate-inside]="3 0"
	[rename-inside]="1 0"		[create-inside]="1 0"
	[mkdir-inside]="1 0"		[unlink-inside]="1 0"
	[symlink-inside]="1 0"		[read-via-new-symlink]="1 0"
	[mkfifo-inside]="1 0"		[mknod-sock-inside]="1 0"
	[mknod-chr-inside]="1 0 1"	[exec-sh]="1 0"
	[exec-inside]="1 0"		[proc-environ]="1 0 1"
	[ptrace-attach]="1 1"		[ioctl-dev]="5 0"
	[signal0-outside]="6 0"		[sigcont-outside]="6 0"
	[tcp-connect]="4 1"		[tcp-bind]="4 1"
	[abstract-connect]="6 1"	[udp-send]="0 1"
	[unix-connect]="0 1"
	# the ways around a filter on socket(2): a datagram socketpair's
	# sendto(2) to a named socket, and sockets made by io_uring
	[unix-dgram-sendto]="0 1"	[iouring-udp-send]="0 1"
	[iouring-unix-connect]="0 1"	[iouring-tcp-connect]="4 1"
	# root only: the system beyond files (seccomp, and the cut caps)
	[unshare-mountns]="0 1"		[unshare-userns]="0 1"
	[chroot]="0 1"			[sethostname-same]="0 1"
	[umount-notmounted]="1 1 1"	[keyctl]="0 1"
)
# the other roots of a --root key: closed as any outside dir
ROOTNAMES="a b c"
declare -A RMODE=([a]=ro [b]=wo [c]=rw)
for r in $ROOTNAMES; do
	for t in read list write link-in create exec; do
		STOP[other-$r-$t]="1 0"
	done
done
ROOTONLY="unshare-mountns unshare-userns chroot sethostname-same
	umount-notmounted keyctl"
COMMON="read-passwd read-group read-secret read-via-symlink
	reopen-opath-secret list-root list-libdir write-outside
	truncate-outside create-outside mkdir-outside rename-in-out
	rename-out-out rename-out-in link-in-out link-secret-in mkfifo-inside
	mknod-sock-inside exec-sh exec-inside tcp-connect tcp-bind ioctl-dev
	abstract-connect udp-send unix-connect unix-dgram-sendto
	signal0-outside sigcont-outside proc-environ ptrace-attach"
IOURING="iouring-udp-send iouring-unix-connect iouring-tcp-connect"
# writes to DIR: attacks under -ro, what the receiver needs otherwise
INSIDE="write-inside truncate-inside rename-inside create-inside
	mkdir-inside unlink-inside symlink-inside"
LEGIT_ALWAYS="read-inside list-inside read-urandom write-devnull"
UNCOVERED="chmod chown utimensat setxattr opath-secret chmod-outside"

# ---- scratch trees and helpers -------------------------------------------
SCR='' HPIDS=()
cleanup() {
	local p
	for p in "${HPIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "$SCR" ] && rm -rf "$SCR"
}

# wait_file FILE: until a helper has written its first line (2 s).
wait_file() {
	local _
	for _ in $(seq 200); do
		[ -s "$1" ] && return 0
		sleep 0.01
	done
	return 1
}

# fixtures D: what the stand-in finds in a DIR (see hijack.c).
fixtures() {
	mkdir -p "$1/sub"
	echo "inside, victim"  >"$1/victim.txt"
	echo "inside, delete"  >"$1/deleteme.txt"
	printf '#!/bin/sh\nexit 0\n' >"$1/run-me.sh"
	chmod 755 "$1/run-me.sh"
	ln -s "$OUT/secret.txt" "$1/escape"
}

setup() {
	SCR=$(mktemp -d "${TMPDIR:-/tmp}/rsguard-sb.XXXXXX") || exit 2
	SCR=$(cd "$SCR" && pwd -P)
	DIR=$SCR/dir OUT=$SCR/out EXTRA=$SCR/extra
	mkdir -p "$OUT" "$EXTRA" "$SCR/logs"
	echo "OUTSIDE-SECRET-5ec7" >"$OUT/secret.txt"
	echo "outside, victim" >"$OUT/victim.txt"
	echo "extra, readable" >"$EXTRA/data.txt"
	fixtures "$DIR"
	# the roots of a --root key: $SCR/root-a ... (siblings of DIR)
	ROOTARGS=()
	for r in $ROOTNAMES; do
		fixtures "$SCR/root-$r"
		ROOTARGS+=(--root "$r=$SCR/root-$r:${RMODE[$r]}")
	done

	"$HIJACK" --listen-tcp >"$SCR/tcp.port" & HPIDS+=($!)
	ABSNAME=rsguard-sandbox-$$-$RANDOM
	"$HIJACK" --listen-abstract "$ABSNAME" >"$SCR/abs.ready" & HPIDS+=($!)
	"$HIJACK" --listen-unix "$OUT/stream.sock" >"$SCR/unix.ready" &
	HPIDS+=($!)
	"$HIJACK" --listen-unix-dgram "$OUT/dgram.sock" >"$SCR/dgram.ready" &
	HPIDS+=($!)
	"$HIJACK" --target >"$SCR/target.pid" & HPIDS+=($!)
	TARGET=$!
	for f in tcp.port abs.ready unix.ready dgram.ready target.pid; do
		wait_file "$SCR/$f" || { echo "helper $f did not start"; return 1; }
	done
	PORT=$(cat "$SCR/tcp.port")
	FREEPORT=$("$HIJACK" --free-port) || return 1
	# a char device node needs CAP_MKNOD: root only (see mknod-sock)
	CHR=0
	if mknod "$SCR/probe-chr" c 1 3 2>/dev/null; then
		CHR=1
		rm -f "$SCR/probe-chr"
	fi
	IOURING_OK=0
	"$HIJACK" --probe-iouring >/dev/null 2>&1 && IOURING_OK=1
	# a user namespace: the kernel refuses one to a chrooted process
	# (unshare(2), EPERM) whatever the sandbox, e.g. a debootstrap root
	USERNS=0
	unshare -U true 2>/dev/null && USERNS=1
	# no core limit of 0 inherited: "off" must leave it alone
	ulimit -S -c 1024 2>/dev/null
	CORE_BYTES=$(ulimit -S -c)
	[ "$CORE_BYTES" = unlimited ] || CORE_BYTES=$((CORE_BYTES * 1024))
	return 0
}

params() {
	cat <<EOF
dir=$DIR
secret=$OUT/secret.txt
outdir=$OUT
extra=$EXTRA/data.txt
port=$PORT
freeport=$FREEPORT
pid=$TARGET
abstract=$ABSNAME
unix=$OUT/stream.sock
dgram=$OUT/dgram.sock
chr=$CHR
EOF
	for r in ${OTHERS:-}; do echo "other=$r=$SCR/root-$r"; done
}

# Everything but atime/mtime/ctime/inode of the two trees and the extra.
snap() {
	(cd "$SCR" && find dir out extra root-* -printf '%p %y %s %m %U %l\n' |
	    sort && find dir out extra root-* -type f -exec sha256sum {} + | sort)
}

# ---- one run of the stand-in -----------------------------------------------
# hj NAME ROLE LEVEL SECCOMP [serve options...]
#   ROLE     ro (a pull, serve -ro) or rw (a push)
#   LEVEL    the Landlock ABI this run must enforce (0: no domain)
#   SECCOMP  1 if the socket(2) filter must be on
# Variables read: CMD (the SSH_ORIGINAL_COMMAND), ALLOW (attempts this
# command legitimately needs), XREAD (1: --sandbox-read of EXTRA given),
# LOGWANT (an ERE the start record must match), LOGWARN (an ERE some other
# record must match), ROOT (a root NAME: serve gets the --root key of
# ROOTARGS, not DIR, and the transfer names ROOT; its DIR stands for DIR
# and the other roots are tried).
RUNS=0
hj() {
	local name=$1 role=$2 level=$3 sc=$4; shift 4
	local cmd ro=() out log before after rc line n want ll sca got
	local probs=() list a tgt dot=. DIR=$DIR OTHERS='' r
	RUNS=$((RUNS + 1))
	out=$SCR/logs/run$RUNS.out log=$SCR/logs/run$RUNS.log
	[ "$role" = ro ] && ro=(-ro)
	tgt=("${ro[@]}" "$DIR")
	if [ -n "${ROOT:-}" ]; then
		DIR=$SCR/root-$ROOT dot=$ROOT/ tgt=("${ROOTARGS[@]}")
		for r in $ROOTNAMES; do
			[ "$r" = "$ROOT" ] || OTHERS+=" $r"
		done
	fi
	if [ "$role" = ro ]; then
		cmd=${CMD:-rsync --server --sender -vlr . $dot}
	else
		cmd=${CMD:-rsync --server -vlr . $dot}
	fi
	before=$(snap)
	params | SSH_ORIGINAL_COMMAND=$cmd timeout -k 2 20 "$RSGUARD" serve \
	    --log="$log" "$@" --rsync="$HIJACK" "${tgt[@]}" >"$out" 2>&1
	rc=$?
	after=$(snap)
	name="$role $name"
	if [ -n "$SB_TABLE" ]; then
		grep -E '^(ATTEMPT|LEGIT|UNCOVERED|EXTRA) ' "$out" |
		    sed "s|^|$LABEL	$name	|" >>"$SB_TABLE"
	fi
	[ "$VERBOSE" = 1 ] && sed "s|^|    [$name] |" "$out"

	# the run itself
	[ "$rc" = 0 ] || probs+=("rsguard exit $rc")
	grep -qx 'HIJACK done' "$out" || probs+=("the stand-in did not finish")
	if [ ${#probs[@]} -gt 0 ]; then
		h_fail "$LABEL: $name: run" "${probs[@]}" "$(head -5 "$out")"
		return
	fi

	# one pass over the report: R["KIND name"]=result, INFO lines apart
	local -A R=()
	local kind info=" " dups=()
	while read -r kind a line; do
		case $kind in
		ATTEMPT|LEGIT|UNCOVERED|EXTRA)
			[ -n "${R[$kind $a]+set}" ] && dups+=("$kind $a reported twice")
			R[$kind $a]=$line ;;
		INFO)	info+="$a " ;;
		esac
	done <"$out"

	# attempts
	list="$COMMON"
	[ "$CHR" = 1 ] && list+=" mknod-chr-inside"
	[ "$EUID" = 0 ] && list+=" $ROOTONLY"
	[ "$IOURING_OK" = 1 ] && list+=" $IOURING"
	if [ "$role" = ro ]; then list+=" $INSIDE"; else list+=" read-via-new-symlink"; fi
	for r in $OTHERS; do
		for a in read list write link-in create exec; do
			list+=" other-$r-$a"
		done
	done
	# shellcheck disable=SC2086,SC2116 # squeeze the blanks
	list=$(echo $list)
	probs=("${dups[@]}")
	n=0
	for a in $list; do
		n=$((n + 1))
		got=${R[ATTEMPT $a]-}
		[ -n "$got" ] || { probs+=("$a: not reported"); continue; }
		read -r ll sca capa <<<"${STOP[$a]}"
		want=ALLOWED
		if { [ "$ll" != 0 ] && [ "$level" -ge "$ll" ]; } ||
		    { [ "$sc" = 1 ] && [ "$sca" = 1 ]; } ||
		    { [ "$sc" = 1 ] && [ "${capa:-0}" = 1 ] && [ "$EUID" = 0 ]; }; then
			want=BLOCKED
		fi
		[[ " ${ALLOW:-} " == *" $a "* ]] && want=ALLOWED
		[ "$a" = unshare-userns ] && [ "$USERNS" = 0 ] && want=BLOCKED
		[ "${got%% *}" = "$want" ] || probs+=("$a: want $want, got $got")
	done
	for a in "${!R[@]}"; do
		[[ $a == "ATTEMPT "* ]] || continue
		[[ " $list " == *" ${a#ATTEMPT } "* ]] || probs+=("unexpected: $a ${R[$a]}")
	done
	if [ ${#probs[@]} -eq 0 ]; then
		h_ok "$LABEL: $name: $n attempts as expected (landlock $level, seccomp $sc)"
	else
		h_fail "$LABEL: $name: attempts (landlock $level, seccomp $sc)" "${probs[@]}"
	fi

	# legit: what rsync needs keeps working
	probs=()
	list=$LEGIT_ALWAYS
	[ "$role" = rw ] && list+=" $INSIDE"
	for a in $list; do
		[ -n "${R[LEGIT $a]-}" ] || probs+=("$a: not reported")
	done
	n=0
	for a in "${!R[@]}"; do
		[[ $a == "LEGIT "* ]] || continue
		n=$((n + 1)) got=${R[$a]} a=${a#LEGIT }
		# ABI 1 has no "refer": no rename into another directory
		if [ "$a" = rename-inside ] && [ "$level" = 1 ]; then
			[ "${got%% *}" = BLOCKED ] || probs+=("$a: want BLOCKED at ABI 1, got $got")
			continue
		fi
		[ "$got" = ALLOWED ] || probs+=("$a: $got")
	done
	if [ ${#probs[@]} -eq 0 ]; then
		h_ok "$LABEL: $name: $n legitimate operations work"
	else
		h_fail "$LABEL: $name: legitimate operations" "${probs[@]}"
	fi

	# uncovered: what the man page says Landlock leaves open
	probs=()
	for a in $UNCOVERED; do
		line=${R[UNCOVERED $a]-}
		case $line in
		ALLOWED) ;;
		"BLOCKED EOPNOTSUPP")
			if [ "$a" != setxattr ]; then
				probs+=("$a: $line")
			elif [ -z "${XATTR_NOTED:-}" ]; then
				XATTR_NOTED=1
				h_skip "$LABEL: setxattr" "user.* xattrs not supported on $SCR"
			fi ;;
		"") probs+=("$a: not reported") ;;
		*) probs+=("$a: $line (rsguard(1) says Landlock does not cover it)") ;;
		esac
	done
	if [ ${#probs[@]} -eq 0 ]; then
		h_ok "$LABEL: $name: uncovered operations still succeed, as documented"
	else
		h_fail "$LABEL: $name: uncovered operations" "${probs[@]}"
	fi

	# extra: --sandbox-read
	probs=()
	want=BLOCKED
	{ [ "$level" = 0 ] || [ "${XREAD:-0}" = 1 ]; } && want=ALLOWED
	line=${R[EXTRA read]-}
	[ "${line%% *}" = "$want" ] || probs+=("read: want $want, got $line")
	want=BLOCKED
	[ "$level" = 0 ] && want=ALLOWED
	line=${R[EXTRA write]-}
	[ "${line%% *}" = "$want" ] || probs+=("write: want $want, got $line")
	if [ ${#probs[@]} -eq 0 ]; then
		h_ok "$LABEL: $name: --sandbox-read path$([ "${XREAD:-0}" = 1 ] || echo " (not given)")"
	else
		h_fail "$LABEL: $name: --sandbox-read path" "${probs[@]}"
	fi

	# info: environment, descriptors, no_new_privs, core limit
	probs=()
	[[ $info == *" nnp=1 "* ]] || probs+=("no_new_privs not set")
	[[ $info =~ \ env=PATH=[^\ ]*\ (.*\ )?env= ]] &&
	    probs+=("environment is more than PATH:$info")
	[[ $info == *" env=PATH="* ]] || probs+=("no PATH in the environment")
	[[ $info == *" cwd=$DIR "* ]] || probs+=("cwd is not DIR:$info")
	# a path option (--log-file) is handed over pinned: one descriptor more
	if [ -n "${PINS:-}" ]; then
		[[ $info =~ \ fds=0,1,2,[0-9]+,\  ]] || probs+=("want 0-2 and one pin:$info")
	else
		[[ $info == *" fds=0,1,2, "* ]] || probs+=("descriptors other than 0-2:$info")
	fi
	if [ "$sc" = 1 ]; then
		[[ $info == *" core=0/0 "* ]] || probs+=("core dumps not off:$info")
	else
		[[ $info == *" core=$CORE_BYTES/"* ]] ||
		    probs+=("--sandbox=off changed the core limit (want $CORE_BYTES):$info")
	fi
	if [ ${#probs[@]} -eq 0 ]; then
		h_ok "$LABEL: $name: environment, descriptors, no_new_privs, core limit"
	else
		h_fail "$LABEL: $name: environment" "${probs[@]}"
	fi

	# tree
	if [ "$before" = "$after" ]; then
		h_ok "$LABEL: $name: DIR and outside unchanged"
	else
		h_fail "$LABEL: $name: trees changed" \
		    "$(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -8)"
	fi

	# log
	probs=()
	if [ -n "${LOGWANT:-}" ]; then
		grep ' start ' "$log" | grep -qE -- "$LOGWANT" ||
		    probs+=("start record lacks /$LOGWANT/: $(grep ' start ' "$log")")
	fi
	if [ -n "${LOGWARN:-}" ]; then
		grep -v ' start \| end ' "$log" | grep -qE -- "$LOGWARN" ||
		    probs+=("no record matching /$LOGWARN/")
	elif [ -n "${LOGWANT:-}" ] && grep -v ' start \| end ' "$log" | grep -q sandbox; then
		probs+=("unexpected sandbox warning: $(grep -v ' start \| end ' "$log")")
	fi
	if [ -n "${LOGWANT:-}" ]; then
		if [ ${#probs[@]} -eq 0 ]; then
			h_ok "$LABEL: $name: log says $(grep ' start ' "$log" | grep -oE 'sandbox=[^ ]*')"
		else
			h_fail "$LABEL: $name: log" "${probs[@]}"
		fi
	fi
}

# refused NAME SUBSTR [serve options...]: exit 1, "rsguard: error: " and
# SUBSTR on stderr, the stand-in never ran, nothing changed.  ROOTKEY=1:
# serve gets the --root key of ROOTARGS instead of DIR.
refused() {
	local name=$1 sub=$2; shift 2
	local before after rc probs=() err=$SCR/logs/refused.err tgt=("$DIR")
	[ -n "${ROOTKEY:-}" ] && tgt=("${ROOTARGS[@]}")
	before=$(snap)
	# shellcheck disable=SC2086 # WRAP: a command prefix, split on purpose
	params | SSH_ORIGINAL_COMMAND=${CMD:-rsync --server -vlr . .} \
	    timeout -k 2 20 ${WRAP:-} "$RSGUARD" serve --log=none "$@" --rsync="$HIJACK" \
	    "${tgt[@]}" >"$SCR/logs/refused.out" 2>"$err"
	rc=$?
	after=$(snap)
	[ "$rc" = 1 ] || probs+=("exit $rc, want 1")
	grep -q '^rsguard: error: ' "$err" || probs+=("no \"rsguard: error: \" on stderr")
	grep -qF -- "$sub" "$err" || probs+=("stderr lacks \"$sub\"")
	grep -q HIJACK "$err" "$SCR/logs/refused.out" && probs+=("the stand-in ran")
	[ "$before" = "$after" ] || probs+=("tree changed")
	if [ ${#probs[@]} -eq 0 ]; then
		h_ok "$LABEL: refused: $name ($(head -1 "$err"))"
	else
		h_fail "$LABEL: refused: $name" "${probs[@]}" "stderr: $(head -2 "$err")"
	fi
}

# The --root key's refusals: a transfer the root's mode forbids, one that
# names two roots or none; the stand-in never runs.
rootrefusals() {
	local ROOTKEY=1 CMD
	CMD='rsync --server -vlr . a/' refused "root: push to ro root a" \
	    "read-only"
	CMD='rsync --server --sender -vlr . b/' refused \
	    "root: pull from wo root b" "write-only"
	CMD='rsync --server --sender -vlr . c/ a/victim.txt' refused \
	    "root: pull naming roots c and a" "one transfer names one root"
	CMD='rsync --server --sender -vlr . victim.txt' refused \
	    "root: pull naming no root" "no root victim.txt"
}

# explain_root NAME pull|push: --explain for a transfer of root NAME
# grants that root's DIR (a pull: read only; a push: read and write, no
# special files) and no other root's.
explain_root() {
	local r=$1 dir=$2 o out=$SCR/logs/explain-root.out rc probs=() line
	local cmd="rsync --server --sender -vlr . $r/"
	[ "$dir" = push ] && cmd="rsync --server -vlr . $r/"
	SSH_ORIGINAL_COMMAND=$cmd timeout -k 2 20 "$RSGUARD" serve --log=none \
	    --explain --sandbox=require --rsync="$HIJACK" "${ROOTARGS[@]}" \
	    >"$out" 2>&1
	rc=$?
	[ "$rc" = 0 ] || probs+=("exit $rc")
	grep -qx "root: $r" "$out" || probs+=("no \"root: $r\"")
	line=$(grep "^sandbox allow $SCR/root-$r: " "$out")
	if [ -z "$line" ]; then
		probs+=("no rule for root $r's DIR")
	elif [ "$dir" = pull ]; then
		[[ $line == *write* || $line == *make_* || $line == *remove* ]] &&
		    probs+=("a pull's DIR rule grants writes: $line")
	else
		[[ $line == *write_file* ]] || probs+=("a push's DIR rule lacks write_file: $line")
		[[ $line =~ make_(fifo|sock|char|block) ]] &&
		    probs+=("DIR rule grants special files: $line")
	fi
	for o in $ROOTNAMES; do
		[ "$o" = "$r" ] && continue
		grep -q "^sandbox allow $SCR/root-$o\\b" "$out" &&
		    probs+=("root $o's DIR is in the rules")
	done
	if [ ${#probs[@]} -eq 0 ]; then
		h_ok "$LABEL: explain $dir of root $r:${RMODE[$r]}: its DIR alone"
	else
		h_fail "$LABEL: explain $dir of root $r" "${probs[@]}" "$(head -3 "$out")"
	fi
}

# explain ROLE [serve options...]: the rules are printed, nothing runs.
explain() {
	local role=$1; shift
	local cmd ro=() out=$SCR/logs/explain.out rc probs=() dirline
	if [ "$role" = ro ]; then
		cmd='rsync --server --sender -vlr . .'; ro=(-ro)
	else
		cmd='rsync --server -vlr . .'
	fi
	params | SSH_ORIGINAL_COMMAND=$cmd timeout -k 2 20 "$RSGUARD" serve \
	    --log=none --explain "$@" --rsync="$HIJACK" "${ro[@]}" "$DIR" \
	    >"$out" 2>&1
	rc=$?
	[ "$rc" = 0 ] || probs+=("exit $rc")
	grep -qx 'decision: accept' "$out" || probs+=("no \"decision: accept\"")
	grep -q '^sandbox' "$out" || probs+=("no sandbox lines")
	grep -q HIJACK "$out" && probs+=("the stand-in ran")
	dirline=$(grep "^sandbox allow $DIR: " "$out")
	if [ -z "$dirline" ]; then
		probs+=("no rule for DIR")
	elif [ "$role" = ro ]; then
		[[ $dirline == *write* || $dirline == *make_* || $dirline == *remove* ]] &&
		    probs+=("-ro DIR rule grants writes: $dirline")
	else
		[[ $dirline == *write_file* ]] || probs+=("rw DIR rule lacks write_file: $dirline")
		[[ $dirline =~ make_(fifo|sock|char|block) ]] &&
		    probs+=("DIR rule grants special files: $dirline")
	fi
	grep -q '^sandbox allow /bin/sh\|^sandbox allow /usr/bin/dash' "$out" &&
	    probs+=("a shell is allowed")
	if [ ${#probs[@]} -eq 0 ]; then
		h_ok "$LABEL: explain $role $*: $(grep -c '^sandbox' "$out") sandbox lines, nothing ran"
	else
		h_fail "$LABEL: explain $role $*" "${probs[@]}"
	fi
}

# ---- the suite, as the current user ---------------------------------------
suite() {
	local kabi full n role
	trap cleanup EXIT
	if ! setup; then
		h_fail "$LABEL: setup" "helpers did not start"
		return
	fi
	kabi=$("$HIJACK" --landlock-abi)
	full=0
	SSH_ORIGINAL_COMMAND='rsync --server --sender -vlr . .' "$RSGUARD" \
	    serve --log=none --explain --sandbox=require -ro /tmp >/dev/null 2>&1 &&
	    full=1
	echo "#     kernel Landlock ABI $kabi, rsguard full sandbox: $full," \
	    "io_uring sockets: $IOURING_OK, char devices: $CHR, user namespaces: $USERNS"
	if [ "$full" = 0 ]; then
		if [ "$kabi" -ge 6 ]; then
			h_fail "$LABEL: probe" "the kernel offers Landlock ABI $kabi but" \
			    "serve --sandbox=require --explain refuses"
		else
			for n in require off auto abi-sweep refusals explain; do
				h_skip "$LABEL: sandbox $n" "no full Landlock (kernel ABI $kabi)"
			done
		fi
		return
	fi

	# 1. require vs off, both roles
	for role in ro rw; do
		LOGWANT="sandbox=landlock-abi$kabi( |$)" \
		    hj "require" $role "$kabi" 1 --sandbox=require
		LOGWANT="sandbox=off( |$)" LOGWARN="sandbox off" \
		    hj "off" $role 0 0 --sandbox=off
	done
	# 2. auto on this kernel is require; and auto is the default
	for role in ro rw; do
		LOGWANT="sandbox=landlock-abi$kabi( |$)" \
		    hj "auto" $role "$kabi" 1 --sandbox=auto
	done
	LOGWANT="sandbox=landlock-abi$kabi( |$)" hj "default" rw "$kabi" 1
	LOGWANT="sandbox=landlock-abi6( |$)" \
	    hj "require abi6" rw 6 1 --sandbox=require --landlock-abi=6
	# 3. older ABIs under auto: what each one adds, and the warning
	for n in 1 2 3 4 5; do
		for role in ro rw; do
			if [ "$n" = 1 ] && [ "$role" = rw ]; then
				# ABI 1 has no "refer": a receiver gets no domain
				LOGWANT="sandbox=none( |$)" LOGWARN="sandbox none" \
				    hj "auto abi1" rw 0 1 --landlock-abi=1
				continue
			fi
			LOGWANT="sandbox=landlock-abi$n-partial( |$)" \
			    LOGWARN="sandbox partial" \
			    hj "auto abi$n" $role "$n" 1 --landlock-abi="$n"
		done
	done
	# no Landlock at all: unconfined by the kernel (the socket filter stays)
	for role in ro rw; do
		LOGWANT="sandbox=none( |$)" LOGWARN="sandbox none" \
		    hj "auto abi0" $role 0 1 --sandbox=auto --landlock-abi=0
	done
	# 4. the user and group databases, only when names are mapped
	CMD='rsync --server -vlor . .' ALLOW="read-passwd" \
	    hj "require -o" rw "$kabi" 1 --sandbox=require
	CMD='rsync --server -vlgr . .' ALLOW="read-group" \
	    hj "require -g" rw "$kabi" 1 --sandbox=require
	CMD='rsync --server -vlogr --numeric-ids . .' \
	    hj "require -og --numeric-ids" rw "$kabi" 1 --sandbox=require
	# the time zone, for the time stamps of a log file only
	CMD='rsync --server -vlr --log-file=hijack.log . .' PINS=1 \
	    hj "require --log-file" rw "$kabi" 1 --sandbox=require
	# 5. --sandbox-read
	XREAD=1 hj "require --sandbox-read" rw "$kabi" 1 --sandbox=require \
	    --sandbox-read="$EXTRA"
	XREAD=1 hj "require --sandbox-read" ro "$kabi" 1 --sandbox=require \
	    --sandbox-read="$EXTRA"

	# 5b. --root: each root's transfer, in its DIR with its mode; the
	# other roots are closed (and open with --sandbox=off)
	for r in a b c c; do
		role=ro
		[ "${RMODE[$r]}" = wo ] && role=rw
		# c: a pull, then a push
		[ "$r" = c ] && [ "${cdone:-}" = 1 ] && role=rw
		[ "$r" = c ] && cdone=1
		ROOT=$r LOGWANT="root=$r sandbox=landlock-abi$kabi( |$)" \
		    hj "require root $r:${RMODE[$r]}" $role "$kabi" 1 \
		    --sandbox=require
		ROOT=$r LOGWANT="root=$r sandbox=off( |$)" LOGWARN="sandbox off" \
		    hj "off root $r:${RMODE[$r]}" $role 0 0 --sandbox=off
	done
	unset cdone
	rootrefusals
	explain_root a pull
	explain_root b push
	explain_root c pull
	explain_root c push

	# 6. refusals: nothing runs
	refused "require, ABI 5" "sandbox required" --sandbox=require --landlock-abi=5
	refused "require, ABI 0" "sandbox required" --sandbox=require --landlock-abi=0
	# the child cannot enter the domain (a filter denies it): no exec
	WRAP="$HIJACK --deny-landlock" refused "landlock_restrict_self fails" \
	    "cannot enter the sandbox" --sandbox=auto
	# the connectivity probe fails too, so "rsguard check" says so
	CMD=true refused "true probe, require, ABI 5" "sandbox required" \
	    --sandbox=require --landlock-abi=5
	refused "--explain require, ABI 5" "sandbox required" --explain \
	    --sandbox=require --landlock-abi=5
	refused "--sandbox=bogus" "--sandbox" --sandbox=bogus
	refused "--sandbox=" "--sandbox" --sandbox=
	refused "--landlock-abi=x" "--landlock-abi" --landlock-abi=x
	refused "--landlock-abi=-1" "--landlock-abi" --landlock-abi=-1
	refused "--sandbox-read=relative" "--sandbox-read" --sandbox-read=extra
	refused "--sandbox-read=/missing" "--sandbox-read" \
	    --sandbox-read="$SCR/no-such-path"

	# 7. --explain
	explain ro --sandbox=require
	explain rw --sandbox=require
	explain rw --sandbox=auto --landlock-abi=3

	# the ptrace/signal target went on running (detached, continued)
	if [ "$(awk '{print $3}' "/proc/$TARGET/stat" 2>/dev/null)" = S ]; then
		h_ok "$LABEL: the traced and signalled process is alive and running"
	else
		h_fail "$LABEL: target process" "state: $(cat "/proc/$TARGET/stat" 2>&1)"
	fi
}

if [ "${1:-}" = --inner ]; then
	LABEL=${2:-$LABEL}
	suite
	h_summary "$LABEL"
	exit 0
fi

h_need sandbox "$RSGUARD" "$HIJACK"

START=$(date +%s%N)
if [ "$(id -u)" = 0 ]; then
	LABEL=root
	rlog=$(mktemp "${TMPDIR:-/tmp}/rsguard-sb-root.XXXXXX")
	(suite; h_summary root) | tee "$rlog"
	h_add_summary root "$rlog"
	rm -f "$rlog"
	if h_user_dir; then
		# a copy the user can read and run (the build tree may not be)
		install -m 755 "$RSGUARD" "$H_UDIR/rsguard"
		install -m 755 "$HIJACK" "$H_UDIR/hijack"
		install -D -m 755 "$HERE/run.sh" "$H_UDIR/sandbox/run.sh"
		install -D -m 644 "$H_LIB/harness.sh" "$H_UDIR/lib/harness.sh"
		utable=
		if [ -n "$SB_TABLE" ]; then
			utable=$H_UDIR/home/table
			install -o "$H_USER" -m 600 /dev/null "$utable"
		fi
		h_user_run "$H_UDIR/sandbox/run.sh" RSGUARD="$H_UDIR/rsguard" \
		    HIJACK="$H_UDIR/hijack" VERBOSE="$VERBOSE" SB_TABLE="$utable"
		[ -n "$utable" ] && cat "$utable" >>"$SB_TABLE"
		rm -rf "$H_UDIR"
	fi
else
	suite
	h_summary "$LABEL"
fi
echo "# took $(( ($(date +%s%N) - START) / 1000000 )) ms"
h_finish sandbox
