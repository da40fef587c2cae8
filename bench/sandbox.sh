#!/usr/bin/env bash
# rsguard sandbox benchmark: what the Landlock sandbox of `rsguard serve`
# costs.  Three variants through one private sshd, interleaved in one run:
#   plain  rsync -e ssh, a key with no forced command (the baseline)
#   off    command="rsguard serve --log=none --sandbox=off DIR"
#   on     command="rsguard serve --log=none --sandbox=require DIR"
# Section 0 times the set-up alone (serve starting /bin/true, no ssh).
# Run by `make bench` after bench/run.sh, or `make bench-sandbox`, or
# directly after `make`.  It prints numbers; it never fails on timing.
# See bench/README.md.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
ROOT=$(dirname "$HERE")
RSGUARD=${RSGUARD:-$ROOT/rsguard}
SSHD=${SSHD:-/usr/sbin/sshd}
BIG_MB=${BENCH_BIG_MB:-512}             # big file size, MiB
NFILES=${BENCH_FILES:-20000}            # no-change sync tree size
NDIRS=${BENCH_DIRS:-100}                # ... spread over this many dirs
SYNC_N=${BENCH_SANDBOX_SYNC_N:-11}      # repetitions per variant
BIG_N=${BENCH_SANDBOX_BIG_N:-5}         # big pull
PUSH_N=${BENCH_SANDBOX_PUSH_N:-5}       # big push (0 = skip the section)
SETUP_N=${BENCH_SANDBOX_SETUP_N:-300}   # section 0, set-up alone (0 = skip)
CC=${CC:-cc}
CIPHER=${BENCH_SANDBOX_CIPHER:-aes256-gcm@openssh.com}
TARGET=1.02                             # on/off

die() { echo "bench-sandbox: $*" >&2; exit 1; }
[ -x "$RSGUARD" ] || die "$RSGUARD not built (run make)"
command -v rsync >/dev/null || die "rsync not installed"
command -v ssh-keygen >/dev/null || die "ssh-keygen not installed"
[[ -n ${EPOCHREALTIME:-} ]] || die "bash >= 5 needed (EPOCHREALTIME)"
for k in BIG_MB NFILES NDIRS; do [[ ${!k} =~ ^[1-9][0-9]*$ ]] || die "$k must be a positive integer"; done
for k in SYNC_N BIG_N PUSH_N SETUP_N; do [[ ${!k} =~ ^[0-9]+$ ]] || die "$k must be a non-negative integer"; done
RSGUARD=$(cd "$(dirname "$RSGUARD")" && pwd -P)/$(basename "$RSGUARD")   # forced commands need it absolute

T=$(mktemp -d /tmp/rgs.XXXXXX)   # short: plain pulls name absolute paths
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
T=$(cd "$T" && pwd -P)

# ---- helpers (as in run.sh / mirror.sh) -------------------------------------
median() { sort -n "$1" | awk '{a[NR]=$1} END{ if(NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
minimum() { sort -n "$1" | head -n1; }
spread() { # median absolute deviation, in % of the median
	local m
	m=$(median "$1")
	awk -v m="$m" '{d=$1-m; print (d<0)?-d:d}' "$1" >"$1.dev"
	awk -v d="$(median "$1.dev")" -v m="$m" 'BEGIN{ if (m>0) printf "%.1f", 100*d/m; else print "n/a" }'
}
ms() { awk -v x="$1" 'BEGIN{printf "%.1f", x/1e3}'; }          # us -> ms
div() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a!="" && b>0) printf "%.3f", a/b; else print "n/a" }'; }
mibs() { awk -v us="$1" -v mb="$BIG_MB" 'BEGIN{ if (us>0) printf "%.0f", mb/(us/1e6); else print "n/a" }'; }
now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }
met() { # met RATIO LIMIT -> MET / MISSED / n/a
	awk -v v="$1" -v l="$2" 'BEGIN{ if (v=="n/a") print "n/a"; else print (v<=l) ? "MET" : "MISSED" }'
}
ROWS=()
row() { ROWS+=("$(printf '%-30s %-7s %10s %10s  %s' "$@")"); }

echo
echo "== rsguard serve sandbox benchmark ($(date -u '+%Y-%m-%d %H:%M:%SZ')) =="

# ---- does this rsguard have the sandbox, and does the kernel give it all? ---
SRV=$T/srv
mkdir -p "$SRV/tree" "$SRV/big" "$SRV/in" "$T/up"
PULL_CMD='rsync --server --sender -logDtpre.iLsfxCIvu . tree/'   # what "rsync -a host:tree/ d/" sends
if ! out=$(SSH_ORIGINAL_COMMAND=$PULL_CMD "$RSGUARD" serve --log=none --explain --sandbox=off "$SRV" 2>&1); then
	die "$RSGUARD serve does not take --explain --sandbox=off (built without the sandbox?): $out"
fi
ON=1
if ! probe=$(SSH_ORIGINAL_COMMAND='rsync --server --sender -vlr . .' \
	"$RSGUARD" serve --log=none --explain --sandbox=require -ro /tmp 2>&1); then
	ON=0
	echo "   variant 'on' SKIPPED: no full Landlock sandbox here (probe: ${probe//$'\n'/ })"
fi
XMODE=require   # without the full sandbox: what auto would get, for the record
[ "$ON" = 1 ] || XMODE=auto
explain=$(SSH_ORIGINAL_COMMAND=$PULL_CMD "$RSGUARD" serve --log=none --explain --sandbox=$XMODE "$SRV" 2>&1) ||
	die "rsguard serve --explain --sandbox=$XMODE refused the pull: $explain"
sandbox_lines=$(grep '^sandbox' <<<"$explain" || true)
ABI=$(grep -oiE 'abi[ =:]*[0-9]+' <<<"$sandbox_lines" | head -n1 | grep -oE '[0-9]+$' || true)
echo "   Landlock ABI of this run: ${ABI:-unknown} (rsguard serve --explain --sandbox=$XMODE, pull of tree/):"
sed 's/^/     | /' <<<"${sandbox_lines:-(no sandbox lines)}"
VARS=(plain off)
[ "$ON" = 0 ] || VARS+=(on)
NV=${#VARS[@]}

# ---- fixture ---------------------------------------------------------------
echo "   fixture: ${BIG_MB} MiB random file, $NFILES small files in $NDIRS dirs"
head -c $((BIG_MB * 1024 * 1024)) /dev/urandom >"$SRV/big/big.bin"
ln "$SRV/big/big.bin" "$T/up/big.bin"   # the push source (same data, outside DIR)
pad=$(printf '%0200d' 0)
for ((d = 0; d < NDIRS; d++)); do mkdir "$SRV/tree/$(printf 'd%03d' "$d")"; done
for ((i = 0; i < NFILES; i++)); do   # 20-220 bytes each, builtins only
	printf 'file %d %s\n' "$i" "${pad:0:$((i % 201))}" \
		>"$SRV/tree/$(printf 'd%03d/f%05d' $((i % NDIRS)) "$i")"
done

# ---- 0. the sandbox set-up alone: serve -> exec /bin/true, off vs require ---
PUSH_CMD='rsync --server -logDtpre.iLsfxCIvu . in/x/'   # what "rsync -a d/ host:in/x/" sends
mkdir -p "$SRV/in/x"
declare -A SETUP=()   # [pull]/[push] -> "off_ns on_ns off_min on_min"
if [ "$ON" = 1 ] && [ "$SETUP_N" != 0 ]; then
	if "$CC" -O2 -o "$T/timeexec" "$HERE/timeexec.c" 2>"$T/cc.err"; then
		echo "-- 0. sandbox set-up alone: rsguard serve --rsync=/bin/true, off vs require, N=$SETUP_N interleaved"
		for role in pull push; do
			[ "$role" = pull ] && cmd=$PULL_CMD || cmd=$PUSH_CMD
			mapfile -t W < <(SSH_ORIGINAL_COMMAND=$cmd "$T/timeexec" "$SETUP_N" \
				"$RSGUARD" serve --rsync=/bin/true --log=none --sandbox=off "$SRV" ::: \
				"$RSGUARD" serve --rsync=/bin/true --log=none --sandbox=require "$SRV")
			read -r m_off min_off _ f_off <<<"${W[0]}"
			read -r m_on min_on _ f_on <<<"${W[1]}"
			if [ "$f_off" != 0 ] || [ "$f_on" != 0 ]; then
				die "serve refused the $role set-up run: off=$f_off on=$f_on failures"
			fi
			SETUP[$role]="$m_off $m_on $min_off $min_on"
			printf '   %s: off %7.1f us | on %7.1f us (medians) | the sandbox adds %+.1f us per connection\n' "$role" \
				"$(awk -v x="$m_off" 'BEGIN{print x/1e3}')" "$(awk -v x="$m_on" 'BEGIN{print x/1e3}')" \
				"$(awk -v a="$m_on" -v b="$m_off" 'BEGIN{print (a-b)/1e3}')"
		done
	else
		echo "-- 0. sandbox set-up alone: SKIPPED (no C compiler for bench/timeexec.c)"
	fi
fi

# ---- private sshd: one key per variant, everything else identical ----------
ME=$(id -un)
ssh-keygen -q -t ed25519 -N '' -C bench-host -f "$T/hostkey"
for v in plain off on offlog onlog; do ssh-keygen -q -t ed25519 -N '' -C "bench-$v" -f "$T/k_$v"; done
declare -A FORCED=(
	[plain]=""
	[off]="$RSGUARD serve --log=none --sandbox=off $SRV"
	[on]="$RSGUARD serve --log=none --sandbox=require $SRV"
	# untimed, once each: the same commands logging, to show what the runs got
	[offlog]="$RSGUARD serve --log=$T/serve.log --sandbox=off $SRV"
	[onlog]="$RSGUARD serve --log=$T/serve.log --sandbox=require $SRV"
)
{
	cat "$T/k_plain.pub"
	for v in off on offlog onlog; do printf 'command="%s" %s\n' "${FORCED[$v]}" "$(cat "$T/k_$v.pub")"; done
} >"$T/authorized_keys"
chmod 600 "$T/authorized_keys"
bench_sshd_config "$T" >"$T/sshd_config"
bench_ssh_config "$T" "$SSHD" "$ME" "$CIPHER" plain off on offlog onlog \
    >"$T/ssh_config"
RSH="ssh -F $T/ssh_config"

bench_privsep_dir "$T/sshd_config"
if ! out=$(ssh -F "$T/ssh_config" plain echo ok 2>&1 </dev/null) || [ "$out" != ok ]; then
	echo "   sshd -i login failed; sandbox benchmark SKIPPED: $out $(cat "$T/sshd.log" 2>/dev/null)"
	exit 0
fi
neg=$(ssh -F "$T/ssh_config" -v plain true 2>&1 </dev/null | sed -n 's/.*kex: server->client cipher: \([^ ]*\).*/\1/p' | head -n1)
echo "   cipher: offers $CIPHER, negotiated ${neg:-unknown} (same ssh config for all variants)"
for v in off on; do echo "   $v: command=\"${FORCED[$v]}\""; done
[ "$ON" = 1 ] || echo "   (on: SKIPPED, see above)"
: >"$T/serve.log"
for v in offlog onlog; do   # one small pull each through the logging twins
	[ "$ON" = 1 ] || [ "$v" = offlog ] || continue
	rm -rf "$T/chk"; mkdir "$T/chk"
	rsync -a -e "$RSH" "$v:tree/d000/" "$T/chk/" 2>"$T/err" </dev/null || die "$v check pull failed: $(tail -n3 "$T/err")"
	diff -r -q "$SRV/tree/d000" "$T/chk" >/dev/null || die "$v check pull: wrong files"
done
GOT_OFF=$(grep -o ' start .* sandbox=[^ ]*' "$T/serve.log" | grep -o 'sandbox=[^ ]*' | sed -n 1p)
GOT_ON=$(grep -o ' start .* sandbox=[^ ]*' "$T/serve.log" | grep -o 'sandbox=[^ ]*' | sed -n 2p)
echo "   rsguard serve's own log through sshd: --sandbox=off ran with ${GOT_OFF:-?}; --sandbox=require ran with ${GOT_ON:-(skipped)}"
[ "$GOT_OFF" = sandbox=off ] || die "the --sandbox=off command did not log sandbox=off: $(cat "$T/serve.log")"
[ "$ON" = 0 ] || [[ $GOT_ON == sandbox=landlock-abi* ]] || die "the --sandbox=require command did not log a Landlock domain: $(cat "$T/serve.log")"

# ---- runs ------------------------------------------------------------------
# remote path: plain sees the real filesystem, the wrappers DIR as root
rpath() { if [ "$1" = plain ]; then echo "$SRV/$2"; else echo "$2"; fi; }

# run_once VARIANT KIND [extra rsync args] -> elapsed microseconds on stdout
#   sync: pull tree/ into dst_sync_V/    big: pull big/ into dst_big/
#   push: push up/ into DIR/in/cur/ (one place for every variant)
run_once() {
	local v=$1 kind=$2 t0 t1 rc=0
	shift 2
	local src dst
	case $kind in
	sync) src=$v:$(rpath "$v" tree/); dst=$T/dst_sync_$v/ ;;
	big) src=$v:$(rpath "$v" big/); dst=$T/dst_big/ ;;
	push) src=$T/up/; dst=$v:$(rpath "$v" "in/cur/") ;;
	esac
	t0=$(now_us)
	rsync -a "$@" -e "$RSH" "$src" "$dst" >"$T/out" 2>"$T/err" || rc=$?
	t1=$(now_us)
	[ "$rc" = 0 ] || die "$v $kind run failed (exit $rc): $(tail -n5 "$T/err") $(tail -n3 "$T/sshd.log" 2>/dev/null)"
	echo $((t1 - t0))
}
dest() { # dest KIND V -> local path of the destination
	# Copies land in one place whatever the variant: a variant must not
	# get other blocks, or another directory's allocation, than the next.
	case $1 in sync) echo "$T/dst_sync_$2" ;; big) echo "$T/dst_big" ;; push) echo "$SRV/in/cur" ;; esac
}
srcdir() { case $1 in sync) echo "$SRV/tree" ;; big) echo "$SRV/big" ;; push) echo "$T/up" ;; esac; }
fresh() { rm -rf "$(dest "$1" "$2")"; mkdir "$(dest "$1" "$2")"; }
same() { diff -r -q "$(srcdir "$1")" "$(dest "$1" "$2")" >"$T/diff" 2>&1 ||
	die "$2 $1: destination differs from the source: $(head -n3 "$T/diff")"; }
full_size() { # the big file arrived whole (cheap check after every timed copy)
	local f
	f=$(dest "$1" "$2")/big.bin
	[ "$(stat -c %s "$f" 2>/dev/null)" = $((BIG_MB * 1024 * 1024)) ] || die "$2 $1: $f missing or short"
}

# section KIND N LABEL
section() {
	local kind=$1 n=$2 label=$3 v r k
	for v in "${VARS[@]}"; do   # warm-up (caches, first copy) + correctness
		fresh "$kind" "$v"
		run_once "$v" "$kind" >/dev/null
		same "$kind" "$v"
		: >"$T/t.$kind.$v"
	done
	for ((r = 0; r < n; r++)); do
		for ((k = 0; k < NV; k++)); do   # round robin: who goes first rotates
			v=${VARS[(r + k) % NV]}
			if [ "$kind" != sync ]; then   # every run is a full copy
				sync   # earlier runs' writeback outside the timed region
				fresh "$kind" "$v"   # freed just before: its pages are reused at once
			fi
			run_once "$v" "$kind" >>"$T/t.$kind.$v"
			[ "$kind" = sync ] || full_size "$kind" "$v"
		done
	done
	if [ "$kind" = sync ]; then
		for v in "${VARS[@]}"; do
			same "$kind" "$v"
			# and the timed runs really were no-change runs
			run_once "$v" sync -i >/dev/null
			[ ! -s "$T/out" ] || die "$v sync: a no-change run still itemized changes: $(head -n3 "$T/out")"
		done
	else   # one destination for all: the last copy is checked, then freed
		same "$kind" "$v"
		rm -rf "$(dest "$kind" "$v")"
	fi
	local -A med mn sp
	for v in plain off on; do
		med[$v]=""; mn[$v]=""; sp[$v]=""
		[ -f "$T/t.$kind.$v" ] || continue
		med[$v]=$(median "$T/t.$kind.$v"); mn[$v]=$(minimum "$T/t.$kind.$v"); sp[$v]=$(spread "$T/t.$kind.$v")
	done
	MED[$kind.off]=${med[off]}
	# resolution of on/off: 2 standard errors of the ratio of two medians,
	# each s.e. ~ 1.2533 * sigma / sqrt(N), sigma ~ 1.4826 * MAD
	local res=""
	[ -z "${sp[on]}" ] || res=$(awk -v a="${sp[off]}" -v b="${sp[on]}" -v n="$n" \
		'BEGIN{ k=1.2533*1.4826/sqrt(n); printf "%.1f", 2*sqrt((k*a)^2 + (k*b)^2) }')
	local on_off on_plain off_plain
	on_off=$(div "${med[on]}" "${med[off]}")
	on_plain=$(div "${med[on]}" "${med[plain]}")
	off_plain=$(div "${med[off]}" "${med[plain]}")
	local on_ms=skipped
	[ -z "${med[on]}" ] || on_ms="$(printf '%9s' "$(ms "${med[on]}")") ms"
	printf '   plain %9s ms | off %9s ms | on %s (medians) | on/off = %s\n' \
		"$(ms "${med[plain]}")" "$(ms "${med[off]}")" "$on_ms" "$on_off"
	local -A lab=([plain]=$label [off]="(N=$n)" [on]="")
	for v in plain off on; do
		if [ -z "${med[$v]}" ]; then
			row "${lab[$v]}" "$v" "skipped" "-" "no full Landlock sandbox on this kernel"
		elif [ "$kind" = sync ]; then
			row "${lab[$v]}" "$v" "$(ms "${med[$v]}")" "$(ms "${mn[$v]}")" "spread +-${sp[$v]}%"
		else
			row "${lab[$v]}" "$v" "$(ms "${med[$v]}")" "$(ms "${mn[$v]}")" "spread +-${sp[$v]}%, $(mibs "${med[$v]}") MiB/s"
		fi
	done
	local verdict within=""
	verdict=$(met "$on_off" "$TARGET")
	[ "$on_off" = n/a ] || within=$(awk -v r="$on_off" -v e="$res" \
		'BEGIN{ d=100*(r-1); if (d<0) d=-d; printf "; resolution +-%s%%%s", e, (d<=e) ? " (within noise)" : "" }')
	row "" "on/off" "$on_off" "$(div "${mn[on]}" "${mn[off]}")" \
		"sandbox cost: $verdict (target on/off <= $TARGET)$within"
	row "" "on/pl" "$on_plain" "$(div "${mn[on]}" "${mn[plain]}")" "on/plain"
	row "" "off/pl" "$off_plain" "$(div "${mn[off]}" "${mn[plain]}")" "off/plain (rsguard serve without sandbox)"
	[[ $within != *"within noise"* ]] || verdict+="-noise"
	VERDICTS+=("$verdict")
}

VERDICTS=()
declare -A MED=()
t_start=$(now_us)
echo "-- 1. no-change sync of $NFILES files in $NDIRS dirs (pull, rsync -a), N=$SYNC_N interleaved"
[ "$SYNC_N" = 0 ] || section sync "$SYNC_N" "1 no-change sync, $NFILES f"
echo "-- 2. ${BIG_MB} MiB file pulled into an empty destination (rsync -a), N=$BIG_N interleaved"
[ "$BIG_N" = 0 ] || section big "$BIG_N" "2 pull ${BIG_MB} MiB, empty dst"
echo "-- 3. ${BIG_MB} MiB file pushed into an empty DIR/in/cur (rsync -a), N=$PUSH_N interleaved"
[ "$PUSH_N" = 0 ] || section push "$PUSH_N" "3 push ${BIG_MB} MiB, empty dst"
t_end=$(now_us)

# ---- table -----------------------------------------------------------------
echo
echo "== rsguard serve sandbox results (times in ms; median of interleaved runs) =="
printf '%-30s %-7s %10s %10s  %s\n' "test" "variant" "median" "min" "notes"
printf '%s\n' "${ROWS[@]}"
echo "(ratio rows: of the medians in the median column, of the minimums in the min column)"
if [ "$ON" = 0 ]; then
	overall="n/a (variant 'on' skipped: no full Landlock sandbox)"
elif printf '%s\n' "${VERDICTS[@]}" | grep -qx MISSED; then
	overall=MISSED
elif printf '%s\n' "${VERDICTS[@]}" | grep -qx MISSED-noise; then
	overall="MISSED (but only within noise: every on/off above $TARGET is inside its resolution)"
else
	overall=MET
fi
echo "target: the sandbox costs at most 2% (on/off <= $TARGET, medians) in every section: $overall"
echo "        (informational: the exit status does not depend on it)"
echo "landlock: ABI ${ABI:-n/a} as reported by rsguard serve --explain (${GOT_ON:-no sandbox=} in serve's log)"
for role in pull push; do
	[ -n "${SETUP[$role]:-}" ] || continue
	read -r m_off m_on _ _ <<<"${SETUP[$role]}"
	ref=sync; [ "$role" = push ] && ref=push
	pct=$(awk -v a="$m_on" -v b="$m_off" -v r="${MED[$ref.off]:-}" \
		'BEGIN{ if (r>0) printf "%.3f%% of the %s off median", 100*(a-b)/1e3/r, "'"$ref"'"; else print "n/a" }')
	printf 'set-up:   the sandbox adds %+.1f us to serve for a %s (section 0) = %s\n' \
		"$(awk -v a="$m_on" -v b="$m_off" 'BEGIN{print (a-b)/1e3}')" "$role" "$pct"
done
echo "time:     sections 1-3 took $(( (t_end - t_start) / 1000000 )) s"
echo
echo "machine: nproc=$(nproc) kernel=$(uname -sr) arch=$(uname -m)"
echo "         $(rsync --version | head -n1 | sed 's/  */ /g'); $(ssh -V 2>&1)"
echo "         cpu: $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown)"
echo "         aes: $(grep -qw aes /proc/cpuinfo 2>/dev/null && echo 'AES-NI present' || echo 'no AES-NI flag')"
