#!/usr/bin/env bash
# rsguard mirror benchmark: a pull job run by `rsguard mirror` vs the
# hand-written `rsync -a -e "ssh -i KEY ..."` a user's cron script runs.
# Run by `make bench` after bench/run.sh (skip with BENCH_SKIP_MIRROR=1),
# or directly after `make`.  It prints numbers; it never fails on timing.
# See bench/README.md.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
ROOT=$(dirname "$HERE")
RSGUARD=$ROOT/rsguard
SSHD=${SSHD:-/usr/sbin/sshd}
BIG_MB=${BENCH_BIG_MB:-512}          # section 1 file size, MiB
NFILES=${BENCH_FILES:-20000}         # section 2 tree size
NDIRS=${BENCH_DIRS:-100}             # ... spread over this many dirs
BIG_N=${BENCH_MIRROR_BIG_N:-5}       # section 1 repetitions per variant
SYNC_N=${BENCH_MIRROR_SYNC_N:-11}    # section 2 repetitions per variant
OPTS=${BENCH_MIRROR_OPTS:--a}        # rsync options, the same for both
ATOMIC=${BENCH_MIRROR_ATOMIC:-yes}   # the job's "atomic" (--delay-updates)

die() { echo "bench-mirror: $*" >&2; exit 1; }
[ -x "$RSGUARD" ] || die "$RSGUARD not built (run make)"
command -v rsync >/dev/null || die "rsync not installed"
command -v ssh-keygen >/dev/null || die "ssh-keygen not installed"
[[ -n ${EPOCHREALTIME:-} ]] || die "bash >= 5 needed (EPOCHREALTIME)"
[[ $BIG_MB =~ ^[1-9][0-9]*$ && $NFILES =~ ^[1-9][0-9]*$ && $NDIRS =~ ^[1-9][0-9]*$ ]] ||
	die "BENCH_BIG_MB, BENCH_FILES and BENCH_DIRS must be positive integers"

T=$(mktemp -d /tmp/rgm.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
T=$(cd "$T" && pwd -P)

# ---- helpers (as in run.sh) ------------------------------------------------
median() { sort -n "$1" | awk '{a[NR]=$1} END{ if(NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
minimum() { sort -n "$1" | head -n1; }
ms() { awk -v x="$1" 'BEGIN{printf "%.1f", x/1e3}'; }          # us -> ms
div() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b>0) printf "%.3f", a/b; else print "n/a" }'; }
mibs() { awk -v us="$1" -v mb="$BIG_MB" 'BEGIN{ if (us>0) printf "%.0f", mb/(us/1e6); else print "n/a" }'; }
now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }
verdict() { # verdict VALUE OP LIMIT -> "meets target" / "MISSES target"
	awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN{ ok = (op==">=") ? v>=l : v<=l;
		print ok ? "meets target" : "MISSES target" }'
}
ROWS=()
row() { ROWS+=("$(printf '%-36s %-8s %10s %10s  %s' "$@")"); }

echo
echo "== rsguard mirror benchmark ($(date -u '+%Y-%m-%d %H:%M:%SZ')) =="

# ---- fixture ---------------------------------------------------------------
SRV=$T/srv
mkdir -p "$SRV/big" "$SRV/tree" "$T/jobs" "$T/state"
echo "   fixture: ${BIG_MB} MiB random file, $NFILES small files in $NDIRS dirs"
head -c $((BIG_MB * 1024 * 1024)) /dev/urandom >"$SRV/big/big.bin"
pad=$(printf '%0200d' 0)
for ((d = 0; d < NDIRS; d++)); do mkdir "$SRV/tree/$(printf 'd%03d' "$d")"; done
for ((i = 0; i < NFILES; i++)); do   # 20-220 bytes each, builtins only
	printf 'file %d %s\n' "$i" "${pad:0:$((i % 201))}" \
		>"$SRV/tree/$(printf 'd%03d/f%05d' $((i % NDIRS)) "$i")"
done

# ---- private sshd, keys, known_hosts ---------------------------------------
ME=$(id -un)
ssh-keygen -q -t ed25519 -N '' -C bench-host -f "$T/hostkey"
ssh-keygen -q -t ed25519 -N '' -C bench-hand -f "$T/k_hand"
"$RSGUARD" keygen --dir "$T/keys" bench >/dev/null
KEY_RG=$T/keys/bench
{ [ -r "$KEY_RG" ] && [ -r "$KEY_RG.pub" ]; } || die "rsguard keygen made no key in $T/keys"
bench_sshd_config "$T" >"$T/sshd_config"
# The hand-written side: a plain key line, no forced command.
cat "$T/k_hand.pub" >"$T/authorized_keys"
chmod 600 "$T/authorized_keys"
# The guarded side: the line rsguard authorize installs (from=UNKNOWN: through
# "ProxyCommand sshd -i" sshd sees no client address; serve logs nowhere).
"$RSGUARD" authorize --key "$KEY_RG.pub" --from UNKNOWN --log none \
	--install --file "$T/authorized_keys" -ro "$SRV" >/dev/null 2>"$T/auth.err" || die "rsguard authorize failed: $(cat "$T/auth.err")"
echo "localhost $(cut -d' ' -f1,2 "$T/hostkey.pub")" >"$T/known_hosts"
PROXY="$SSHD -i -f $T/sshd_config -E $T/sshd.log"

bench_privsep_dir "$T/sshd_config"

# Hand-written: what a user's cron script runs (user's ssh config applies).
HAND_SSH=(ssh -i "$T/k_hand" -o "ProxyCommand=$PROXY" -o "UserKnownHostsFile=$T/known_hosts" -o BatchMode=yes)
HAND_E="ssh -i $T/k_hand -o 'ProxyCommand=$PROXY' -o UserKnownHostsFile=$T/known_hosts -o BatchMode=yes"

# Jobs: same rsync options as the hand-written command; the pin is job.known_hosts.
for job in big tree; do
	cat >"$T/jobs/$job.conf" <<EOF
[job]
direction = pull
source = $ME@localhost:/$job
destination = $T/dst_rsguard_$job
key = $KEY_RG
options = $OPTS
retries = 0
timeout = 1h
atomic = $ATOMIC
ssh_option = ProxyCommand=$PROXY
EOF
	cp "$T/known_hosts" "$T/jobs/$job.known_hosts"
done
JOBOPTS=(--jobs-dir "$T/jobs" --state-dir "$T/state")

if ! out=$("${HAND_SSH[@]}" "$ME@localhost" echo ok 2>&1) || [ "$out" != ok ]; then
	echo "   sshd -i login failed; rsguard mirror benchmark SKIPPED: $out $(cat "$T/sshd.log" 2>/dev/null)"
	exit 0
fi

# ---- which cipher each side uses ---------------------------------------------
rg_cmd=$("$RSGUARD" mirror -n "${JOBOPTS[@]}" big) || die "rsguard mirror -n failed"
rg_ciphers=$(grep -o "'-c' '[^']*'" <<<"$rg_cmd" | cut -d"'" -f4 || true)
hand_ciphers=$("${HAND_SSH[@]}" -G "$ME@localhost" 2>/dev/null </dev/null | awk '$1=="ciphers"{print $2}')
negotiated() { "$@" -v "$ME@localhost" true 2>&1 </dev/null | sed -n 's/.*kex: server->client cipher: \([^ ]*\).*/\1/p' | head -n1; }
rg_neg=$(negotiated ssh -F none -i "$KEY_RG" ${rg_ciphers:+-c "$rg_ciphers"} -o IdentitiesOnly=yes \
	-o BatchMode=yes -o "UserKnownHostsFile=$T/known_hosts" -o "ProxyCommand=$PROXY")
hand_neg=$(negotiated "${HAND_SSH[@]}")
echo "   rsguard mirror -n: $rg_cmd"
echo "   hand-written:      rsync $OPTS -e \"$HAND_E\" $ME@localhost:$SRV/<dir>/ <dst>/"
echo "   cipher, rsguard mirror: offers ${rg_ciphers:-(ssh default)}; negotiated ${rg_neg:-unknown}"
echo "   cipher, hand-written:   offers $hand_ciphers (ssh -G); negotiated ${hand_neg:-unknown}"

# ---- runs ------------------------------------------------------------------
# run_once VARIANT JOB -> elapsed microseconds on stdout
run_once() {
	local v=$1 job=$2 t0 t1 rc=0
	if [ "$v" = rsguard ]; then
		t0=$(now_us)
		"$RSGUARD" mirror "${JOBOPTS[@]}" "$job" >/dev/null 2>"$T/err" || rc=$?
		t1=$(now_us)
	else
		t0=$(now_us)
		# shellcheck disable=SC2086  # OPTS is a blank-separated option list
		rsync $OPTS -e "$HAND_E" "$ME@localhost:$SRV/$job/" "$T/dst_hand_$job/" 2>"$T/err" || rc=$?
		t1=$(now_us)
	fi
	[ "$rc" = 0 ] || die "$v $job run failed (exit $rc): $(tail -n5 "$T/err") $(tail -n3 "$T/sshd.log" 2>/dev/null)"
	echo $((t1 - t0))
}
fresh() { rm -rf "$T/dst_rsguard_$1" "$T/dst_hand_$1"; mkdir "$T/dst_rsguard_$1" "$T/dst_hand_$1"; }
same() { diff -r -q "$SRV/$1" "$T/dst_$2_$1" >/dev/null || die "$2 $1: destination differs from the source"; }

# section JOB N LABEL TARGET: A,B,A,B... ; a full copy for big, no-change for tree
section() {
	local job=$1 n=$2 label=$3 target=$4 v r
	fresh "$job"
	for v in rsguard hand; do   # warm-up (caches, first copy) + correctness
		run_once "$v" "$job" >/dev/null
		same "$job" "$v"
		: >"$T/t.$job.$v"
	done
	for ((r = 0; r < n; r++)); do
		for v in rsguard hand; do
			if [ "$job" = big ]; then   # every run is a full copy
				rm -rf "$T/dst_${v}_big"; mkdir "$T/dst_${v}_big"
				sync   # previous run's writeback outside the timed region
			fi
			run_once "$v" "$job" >>"$T/t.$job.$v"
		done
	done
	for v in rsguard hand; do same "$job" "$v"; done
	local mg mh ratio extra_g="" extra_h=""
	mg=$(median "$T/t.$job.rsguard"); mh=$(median "$T/t.$job.hand")
	ratio=$(div "$mg" "$mh")
	if [ "$job" = big ]; then extra_g="$(mibs "$mg") MiB/s, "; extra_h="$(mibs "$mh") MiB/s, "; fi
	printf '   rsguard %9s ms | hand %9s ms (medians) | rsguard/hand = %s\n' "$(ms "$mg")" "$(ms "$mh")" "$ratio"
	row "$label (N=$n)" "rsguard" "$(ms "$mg")" "$(ms "$(minimum "$T/t.$job.rsguard")")" "${extra_g}${rg_neg:-?}"
	row "" "hand" "$(ms "$mh")" "$(ms "$(minimum "$T/t.$job.hand")")" "${extra_h}${hand_neg:-?}"
	row "" "ratio" "$ratio" "$(div "$(minimum "$T/t.$job.rsguard")" "$(minimum "$T/t.$job.hand")")" \
		"rsguard/hand ($(verdict "$ratio" "<=" "$target"): <=$target)"
}

echo "-- 1. ${BIG_MB} MiB file pulled into an empty destination, N=$BIG_N interleaved"
section big "$BIG_N" "1 pull ${BIG_MB} MiB, empty dst" 1.00
echo "-- 2. no-change sync of $NFILES files in $NDIRS dirs, N=$SYNC_N interleaved (job atomic = $ATOMIC)"
section tree "$SYNC_N" "2 no-change sync, $NFILES files" 1.02

# ---- table -----------------------------------------------------------------
echo
echo "== rsguard mirror results (times in ms; median of interleaved runs) =="
printf '%-36s %-8s %10s %10s  %s\n' "test" "variant" "median" "min" "notes"
printf '%s\n' "${ROWS[@]}"
echo "(ratio row: rsguard/hand of the medians, and of the minimums; options: $OPTS)"
echo
echo "machine: nproc=$(nproc) kernel=$(uname -sr) arch=$(uname -m)"
echo "         $(rsync --version | head -n1 | sed 's/  */ /g'); $(ssh -V 2>&1)"
echo "         cpu: $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown)"
echo "         aes: $(grep -qw aes /proc/cpuinfo 2>/dev/null && echo 'AES-NI present' || echo 'no AES-NI flag')"
