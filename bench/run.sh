#!/usr/bin/env bash
# rsguard benchmark: rsguard serve vs rsync's Python rrsync vs plain rsync.
# Run via `make bench` (or bench/run.sh directly, after `make`).
# It prints numbers; it never fails on timing.  See bench/README.md.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
ROOT=$(dirname "$HERE")
RSGUARD=$ROOT/rsguard
RRSYNC=${RRSYNC:-/usr/bin/rrsync}
SSHD=${SSHD:-/usr/sbin/sshd}
CC=${CC:-cc}
WRAP_N=${BENCH_WRAP_N:-200}     # section 1 repetitions per variant
PULL_N=${BENCH_PULL_N:-31}      # section 2 repetitions per variant
MANY_N=${BENCH_MANY_N:-9}       # section 3 repetitions per variant
MANY_FILES=${BENCH_MANY_FILES:-2000}
REMOTE_CMD='rsync --server --sender -vlogDtpre.iLsfxCIvu . f'

die() { echo "bench: $*" >&2; exit 1; }
[ -x "$RSGUARD" ] || die "$RSGUARD not built (run make)"
[ -r "$RRSYNC" ] || die "$RRSYNC not found (rsync's support script)"
command -v rsync >/dev/null || die "rsync not installed"
command -v python3 >/dev/null || die "python3 (for rrsync) not installed"
[[ -n ${EPOCHREALTIME:-} ]] || die "bash >= 5 needed (EPOCHREALTIME)"

T=$(mktemp -d /tmp/rgb.XXXXXX)   # short: plain pulls name absolute paths
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT

# ---- helpers ---------------------------------------------------------------
median() { sort -n "$1" | awk '{a[NR]=$1} END{ if(NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
minimum() { sort -n "$1" | head -n1; }
ms() { awk -v x="$1" 'BEGIN{printf "%.2f", x/1e6}'; }          # ns -> ms
div() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b>0) printf "%.3f", a/b; else print "n/a" }'; }
now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }            # no fork
verdict() { # verdict VALUE OP LIMIT  -> "meets target" / "MISSES target"
	awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN{ ok = (op==">=") ? v>=l : v<=l;
		print ok ? "meets target" : "MISSES target" }'
}

ROWS=()   # final table rows
row() { ROWS+=("$(printf '%-32s %-9s %10s %10s  %s' "$@")"); }

# ---- fixture ---------------------------------------------------------------
DIR=$T/srv
mkdir -p "$DIR/many" "$T/bin" "$T/dst"
echo "hello from rsguard bench" > "$DIR/f"
for ((i = 1; i <= MANY_FILES; i++)); do printf 'file %d\n' "$i" > "$DIR/many/$(printf 'f%04d' "$i")"; done
DIR=$(cd "$DIR" && pwd -P)

# rrsync with the stub rsync (its RSYNC path is hard-coded).
sed "s|^RSYNC = '/usr/bin/rsync'\$|RSYNC = '/bin/true'|" "$RRSYNC" > "$T/bin/rrsync-stub"
grep -q "^RSYNC = '/bin/true'\$" "$T/bin/rrsync-stub" || die "could not rewrite RSYNC in $RRSYNC"
chmod 755 "$T/bin/rrsync-stub"

echo "== rsguard benchmark ($(date -u '+%Y-%m-%d %H:%M:%SZ')) =="

# ---- 1. wrapper alone ------------------------------------------------------
echo "-- 1. wrapper start -> exec of stub rsync (/bin/true), N=$WRAP_N interleaved"
export SSH_ORIGINAL_COMMAND=$REMOTE_CMD
A=(/bin/true)
B=("$T/bin/rrsync-stub" -ro "$DIR")
C=("$RSGUARD" serve --rsync=/bin/true --log=none -ro "$DIR")
for v in B C; do   # sanity: both wrappers must accept the request
	declare -n cmd=$v
	"${cmd[@]}" </dev/null || die "wrapper refused the request: ${cmd[*]}"
done
W1=()
if "$CC" -O2 -o "$T/bin/timeexec" "$HERE/timeexec.c" 2>"$T/cc.err"; then
	mapfile -t W1 < <("$T/bin/timeexec" "$WRAP_N" "${A[@]}" ::: "${B[@]}" ::: "${C[@]}")
else
	echo "   (no C compiler: falling back to a bash loop, adds fork noise)"
	: >"$T/w.A"; : >"$T/w.B"; : >"$T/w.C"
	for ((r = 0; r < WRAP_N; r++)); do
		for v in A B C; do
			declare -n cmd=$v
			t0=$(now_us); "${cmd[@]}" </dev/null >/dev/null 2>&1; t1=$(now_us)
			echo $(((t1 - t0) * 1000)) >>"$T/w.$v"
		done
	done
	for v in A B C; do W1+=("$(median "$T/w.$v") $(minimum "$T/w.$v") 0 0"); done
fi
unset SSH_ORIGINAL_COMMAND
read -r w_true w_true_min _ _ <<<"${W1[0]}"
read -r w_rr w_rr_min _ f_rr <<<"${W1[1]}"
read -r w_rg w_rg_min _ f_rg <<<"${W1[2]}"
[ "$f_rr" = 0 ] && [ "$f_rg" = 0 ] || die "wrapper failures during timing: rrsync=$f_rr rsguard=$f_rg"
speedup=$(awk -v a="$w_rr" -v b="$w_rg" 'BEGIN{ if (b>0) printf "%.1f", a/b; else print "n/a" }')
net=$(awk -v a="$w_rr" -v b="$w_rg" -v c="$w_true" 'BEGIN{ if (b-c>0) printf "%.1f", (a-c)/(b-c); else print "n/a" }')
printf '   /bin/true alone %8s ms | rrsync %8s ms | rsguard %8s ms (medians)\n' "$(ms "$w_true")" "$(ms "$w_rr")" "$(ms "$w_rg")"
row "1 wrapper->exec (N=$WRAP_N)" "exec floor" "$(ms "$w_true")" "$(ms "$w_true_min")" "(/bin/true run directly)"
row "" "rrsync" "$(ms "$w_rr")" "$(ms "$w_rr_min")" ""
row "" "rsguard" "$(ms "$w_rg")" "$(ms "$w_rg_min")" "rrsync/rsguard = ${speedup}x ($(verdict "$speedup" ">=" 30): >=30x); net of exec floor ${net}x"

# ---- sshd setup ------------------------------------------------------------
ME=$(id -un)
ssh-keygen -q -t ed25519 -N '' -C bench-host -f "$T/hostkey"
for v in plain rrsync rsguard; do ssh-keygen -q -t ed25519 -N '' -C "bench-$v" -f "$T/k_$v"; done
{
	printf '%s\n' "$(cat "$T/k_plain.pub")"
	printf 'command="%s -ro %s" %s\n' "$RRSYNC" "$DIR" "$(cat "$T/k_rrsync.pub")"
	printf 'command="%s serve --log=none -ro %s" %s\n' "$RSGUARD" "$DIR" "$(cat "$T/k_rsguard.pub")"
} >"$T/authorized_keys"
{ echo "ListenAddress 127.0.0.1"; bench_sshd_config "$T"; } >"$T/sshd_config"
bench_ssh_config "$T" "$SSHD" "$ME" "" plain rrsync rsguard >"$T/ssh_config"
RSH="ssh -F $T/ssh_config"

SSH_OK=1
bench_privsep_dir "$T/sshd_config"
if ! out=$(ssh -F "$T/ssh_config" plain echo ok 2>&1) || [ "$out" != ok ]; then
	SSH_OK=0
	echo "   sshd -i login failed; skipping sections 2 and 3: $out $(cat "$T/sshd.log" 2>/dev/null)"
fi

# remote path prefix: plain sees the real filesystem, the wrappers DIR as root
pfx() { if [ "$1" = plain ]; then echo "$DIR/"; fi; }

# pull_once VARIANT KIND -> prints elapsed ns on stdout
pull_once() {
	local v=$1 kind=$2 p t0 t1
	p=$(pfx "$v")
	rm -rf "$T/dst"; mkdir "$T/dst"
	if [ "$kind" = tiny ]; then
		t0=$(now_us)
		rsync -a -e "$RSH" "$v:${p}f" "$T/dst/"
		t1=$(now_us)
	elif [ "$kind" = secl ]; then
		# rsync -s: the names travel on the connection, one argument
		# each (no --old-args: -s and it exclude each other).
		# shellcheck disable=SC2086
		t0=$(now_us)
		rsync -s -a -e "$RSH" ${SECL_ARG[$v]} "$T/dst/"
		t1=$(now_us)
	else
		# One remote arg holding all names, split by the remote shell
		# (--old-args): the server gets the same argv as "h:f0001 h:f0002
		# ...", which the rsync 3.5.0 client itself refuses past ~1000 args
		# ("args[] overflowed in do_cmd()").
		local arg=$v:${MANY_ARG[$v]}
		t0=$(now_us)
		rsync -a --old-args -e "$RSH" "$arg" "$T/dst/"
		t1=$(now_us)
	fi
	echo $(((t1 - t0) * 1000))
}

# section KIND N LABEL TARGET
section() {
	local kind=$1 n=$2 label=$3 target=$4 v r vs=(plain rrsync rsguard)
	[ "$kind" = secl ] && vs=(plain rsguard)   # rrsync refuses -s
	for v in "${vs[@]}"; do   # warm-up + correctness check
		pull_once "$v" "$kind" >/dev/null || die "$kind pull failed for $v (see $T/sshd.log)"
		if [ "$kind" = tiny ]; then
			cmp -s "$DIR/f" "$T/dst/f" || die "$v: tiny pull produced wrong result"
		elif [ "$kind" = secl ]; then
			[ "$(ls "$T/dst" | wc -l)" = "$SECL_FILES" ] || die "$v: -s pull did not fetch $SECL_FILES files"
		else
			[ "$(ls "$T/dst" | wc -l)" = "$MANY_FILES" ] || die "$v: many-arg pull did not fetch $MANY_FILES files"
		fi
		: >"$T/s.$kind.$v"
	done
	for ((r = 0; r < n; r++)); do
		for v in "${vs[@]}"; do
			pull_once "$v" "$kind" >>"$T/s.$kind.$v"
		done
	done
	[ -s "$T/s.$kind.rrsync" ] || echo 0 >"$T/s.$kind.rrsync"
	local mp mr mg
	mp=$(median "$T/s.$kind.plain"); mr=$(median "$T/s.$kind.rrsync"); mg=$(median "$T/s.$kind.rsguard")
	local rg rr
	rg=$(div "$mg" "$mp"); rr=$(div "$mr" "$mp")
	if [ "$kind" = secl ]; then
		printf '   plain %8s ms | rsguard %8s ms (medians; rrsync refuses -s)\n' "$(ms "$mp")" "$(ms "$mg")"
	else
		printf '   plain %8s ms | rrsync %8s ms | rsguard %8s ms (medians)\n' "$(ms "$mp")" "$(ms "$mr")" "$(ms "$mg")"
	fi
	row "$label (N=$n)" "plain" "$(ms "$mp")" "$(ms "$(minimum "$T/s.$kind.plain")")" ""
	if [ "$kind" = secl ]; then
		row "" "rrsync" "-" "-" "refuses rsync -s"
	else
		row "" "rrsync" "$(ms "$mr")" "$(ms "$(minimum "$T/s.$kind.rrsync")")" "rrsync/plain  = $rr"
	fi
	row "" "rsguard" "$(ms "$mg")" "$(ms "$(minimum "$T/s.$kind.rsguard")")" \
		"rsguard/plain = $rg ($(verdict "$rg" "<=" "$target"): <=$target)"
}

declare -A MANY_ARG=()
for v in plain rrsync rsguard; do
	p=$(pfx "$v"); a=()
	for ((i = 1; i <= MANY_FILES; i++)); do a+=("$(printf '%smany/f%04d' "$p" "$i")"); done
	MANY_ARG[$v]=${a[*]}
done
# rsync -s: the client's own limit is about 1,000 remote arguments.
SECL_FILES=$((MANY_FILES < 900 ? MANY_FILES : 900))
declare -A SECL_ARG=()
for v in plain rsguard; do
	p=$(pfx "$v"); a=()
	for ((i = 1; i <= SECL_FILES; i++)); do a+=("$(printf '%s:%smany/f%04d' "$v" "$p" "$i")"); done
	SECL_ARG[$v]=${a[*]}
done

if [ "$SSH_OK" = 1 ]; then
	echo "-- 2. tiny pull (1 file) through sshd -i, N=$PULL_N interleaved"
	section tiny "$PULL_N" "2 tiny pull, 1 file" 1.03
	echo "-- 3. $MANY_FILES-argument pull through sshd -i, N=$MANY_N interleaved"
	section many "$MANY_N" "3 pull, $MANY_FILES remote args" 1.05
	echo "-- 3s. $SECL_FILES-argument pull with rsync -s (secluded args) through sshd -i, N=$MANY_N interleaved"
	section secl "$MANY_N" "3s pull -s, $SECL_FILES remote args" 1.05
else
	row "2 tiny pull" "SKIPPED" "-" "-" "sshd -i unusable here"
	row "3 $MANY_FILES-arg pull" "SKIPPED" "-" "-" "sshd -i unusable here"
fi

# ---- 4. cost per path argument, counted (bench/perarg.sh) -------------------
echo "-- 4. serve's cost per path argument ($MANY_FILES names; strace, callgrind)"
while IFS= read -r line; do
	echo "   $line"
	row "4 per path argument" "rsguard" "-" "-" "${line#perarg }"
done < <(RSGUARD=$RSGUARD BENCH_MANY_FILES=$MANY_FILES "$HERE/perarg.sh")

# ---- table -----------------------------------------------------------------
echo
echo "== results (times in ms; median of interleaved runs) =="
printf '%-32s %-9s %10s %10s  %s\n' "test" "variant" "median" "min" "ratio"
printf '%s\n' "${ROWS[@]}"
echo
echo "machine: nproc=$(nproc) kernel=$(uname -sr) arch=$(uname -m)"
echo "         $(rsync --version | head -n1 | sed 's/  */ /g'); $(ssh -V 2>&1); $(python3 -V 2>&1)"
echo "         cpu: $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown)"

# ---- rsguard mirror vs a hand-written rsync (bench/mirror.sh) -------------
[ "${BENCH_SKIP_MIRROR:-0}" = 1 ] || "$HERE/mirror.sh"
