#!/bin/bash
# tests/sandbox/mutants.sh - proves that the checks of tests/sandbox/run.sh
# can fail: each mutant breaks one expectation (a copy of run.sh edited by
# sed) or one thing the checks look at (a wrapper around rsguard or the
# stand-in), runs the suite once as the current user, and must make it
# report new failures in the expected check.  Known failures of the
# unmutated suite (open sandbox bugs) are subtracted first.
#
# Usage: make rsguard tests/sandbox/hijack && tests/sandbox/mutants.sh
# Needs the full Landlock ruleset (the mutants of the skip path aside).
# Last line: "mutants: N detected, M missed"; exit 1 if any was missed.
# shellcheck disable=SC2016 # the sed expressions are meant literally
set -u
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
RSGUARD=${RSGUARD:-$TOP/rsguard}
HIJACK=${HIJACK:-$HERE/hijack}
M=$(mktemp -d "${TMPDIR:-/tmp}/rsguard-mut.XXXXXX") || exit 2
chmod 755 "$M"
trap 'rm -rf "$M"' EXIT

# run SCRIPT [VAR=value...]: the failure lines of one inner run, and the
# summary line last.
run() {
	local script=$1; shift
	env "$@" RSGUARD="${RG:-$RSGUARD}" HIJACK="${HJ:-$HIJACK}" \
	    bash "$script" --inner mut 2>&1 |
	    grep -E '^(FAIL|skip|#     [^k]|mut: )' | sed 's/rsguard-sb\.[A-Za-z0-9]*/SCR/g'
}

# the copies sit where run.sh finds tests/lib/harness.sh: ../lib
mkdir -p "$M/sandbox" "$M/lib"
cp "$TOP/tests/lib/harness.sh" "$M/lib/"
cp "$HERE/run.sh" "$M/sandbox/base.sh"
BASE=$(run "$M/sandbox/base.sh")
echo "baseline: $(echo "$BASE" | tail -1)"

ndet=0 nmiss=0
# mutant NAME WANT-ERE: the last run ($M/out) must have failure lines
# that the baseline lacks, one of them matching WANT-ERE.
judge() {
	local name=$1 want=$2 new
	new=$(grep -vxF -f <(echo "$BASE") "$M/out")
	if echo "$new" | grep -qE -- "$want"; then
		ndet=$((ndet + 1))
		echo "detected  $name: $(echo "$new" | grep -E -- "$want" | head -1)"
	else
		nmiss=$((nmiss + 1))
		echo "MISSED    $name"
		echo "$new" | head -5 | sed 's/^/          /'
	fi
}

# sed_mutant NAME WANT-ERE SED-EXPR: run.sh with one expectation changed.
sed_mutant() {
	local name=$1 want=$2 expr=$3
	sed -e "$expr" "$HERE/run.sh" >"$M/sandbox/mut.sh"
	if cmp -s "$HERE/run.sh" "$M/sandbox/mut.sh"; then
		nmiss=$((nmiss + 1)); echo "MISSED    $name: the sed did not apply"
		return
	fi
	run "$M/sandbox/mut.sh" >"$M/out"
	judge "$name" "$want"
}

# 1. expectations turned around
sed_mutant "require runs expected unsandboxed" \
    '^FAIL  mut: (ro|rw) require: attempts' \
    's/hj "require" \$role "\$kabi" 1 /hj "require" $role 0 0 /'
sed_mutant "off runs expected sandboxed" \
    '^FAIL  mut: (ro|rw) off: attempts' \
    's/hj "off" \$role 0 0 /hj "off" $role "$kabi" 1 /'
sed_mutant "ABI 4 claimed not to cover Landlock's TCP rule" \
    'iouring-tcp-connect: want ALLOWED, got BLOCKED' \
    's/\[iouring-tcp-connect\]="4 1"/[iouring-tcp-connect]="5 0"/'
sed_mutant "ABI 2 claimed to cover truncate" \
    'truncate-outside: want BLOCKED' \
    's/\[truncate-outside\]="3 0"/[truncate-outside]="2 0"/'
sed_mutant "ABI 5 claimed to cover signals" \
    'signal0-outside: want BLOCKED' \
    's/\[signal0-outside\]="6 0"/[signal0-outside]="5 0"/'
sed_mutant "-o not needing /etc/passwd" \
    'read-passwd: want BLOCKED' \
    's/ALLOW="read-passwd"/ALLOW=""/'
sed_mutant "legitimate operations expected to fail" \
    'legitimate operations' \
    's/\[ "\$got" = ALLOWED \] || probs+=("\$a: \$got")/[ "$got" = BLOCKED ] || probs+=("$a: $got")/'
sed_mutant "uncovered operations expected blocked" \
    'uncovered operations' \
    's/^\t\tALLOWED) ;;$/\t\tBLOCKED*) ;;/'
sed_mutant "--sandbox-read expected ignored" \
    'sandbox-read path' \
    's/XREAD=1 hj "require --sandbox-read" rw/XREAD=0 hj "require --sandbox-read" rw/'
sed_mutant "log word of require expected wrong" \
    'require: log' \
    's/LOGWANT="sandbox=landlock-abi\$kabi( |\$)" \\$/LOGWANT="sandbox=landlock-abi9( |$)" \\/'
sed_mutant "a run that is not refused expected refused" \
    'refused: auto ABI 5' \
    's/^\trefused "require, ABI 5"/\trefused "auto ABI 5" "sandbox" --sandbox=auto --landlock-abi=5\n&/'
sed_mutant "explain: the receiver's rule checked as the sender's" \
    'explain rw' \
    's/\telif \[ "\$role" = ro \]; then/\telif [ "$role" != "" ]; then/'
sed_mutant "the other roots expected open" \
    'other-[abc]-read: want ALLOWED, got BLOCKED' \
    's/STOP\[other-\$r-\$t\]="1 0"/STOP[other-$r-$t]="0 0"/'
# the transfer's own root tried as another one: open in its mode
sed_mutant "a root's own DIR expected closed" \
    'other-a-(read|list): want BLOCKED, got ALLOWED' \
    's/\[ "\$r" = "\$ROOT" \] || OTHERS+=" \$r"/OTHERS+=" $r"/'

# 2. what the checks look at, broken from outside
# a stand-in that leaves a file outside (the tree check)
cat >"$M/rg-touch" <<EOF
#!/bin/bash
"$RSGUARD" "\$@"; rc=\$?
for a; do d=\$a; done
[ -d "\$d" ] && : >"\${d%/dir}/out/mutant-\$RANDOM"
exit \$rc
EOF
chmod 755 "$M/rg-touch"
RG=$M/rg-touch run "$M/sandbox/base.sh" >"$M/out"
judge "a file left outside DIR" 'trees changed'

# a #! wrapper as --rsync: one more variable and descriptor (off runs);
# under require serve refuses a #! --rsync (the run check)
cat >"$M/hj-env" <<EOF
#!/bin/sh
case "\$1" in --server) exec env MUTANT=1 "$HIJACK" "\$@" 5</dev/null ;; esac
exec "$HIJACK" "\$@"
EOF
chmod 755 "$M/hj-env"
HJ=$M/hj-env run "$M/sandbox/base.sh" >"$M/out"
judge "environment and descriptors of rsync" 'environment is more than PATH|descriptors other'
judge "a #! --rsync refused under require" 'require: run'

# a sandbox that lets a root's transfer read root b (the other-root
# tries), and one whose --explain names root b (explain_root)
cat >"$M/rg-leak" <<EOF
#!/bin/bash
for a; do case \$a in b=*:wo) leak=\${a#b=} leak=\${leak%:wo} ;; esac; done
[ "\$1" = serve ] && [ -n "\${leak:-}" ] && shift &&
    set -- serve --sandbox-read="\$leak" "\$@"
exec "$RSGUARD" "\$@"
EOF
chmod 755 "$M/rg-leak"
RG=$M/rg-leak run "$M/sandbox/base.sh" >"$M/out"
judge "another root readable" 'other-b-(read|list): want BLOCKED'
judge "another root in --explain" "explain (pull|push) of root [ac].*|root b's DIR is in the rules"

# a kernel without Landlock: SKIP, no failure; and a kernel with it but
# an rsguard that refuses require: a failure, not a SKIP
cat >"$M/rg-none" <<EOF
#!/bin/bash
[ "\$1" = serve ] && shift && set -- serve --landlock-abi=0 "\$@"
exec "$RSGUARD" "\$@"
EOF
cat >"$M/hj-none" <<EOF
#!/bin/sh
[ "\$1" = --landlock-abi ] && { echo 0; exit 0; }
exec "$HIJACK" "\$@"
EOF
chmod 755 "$M/rg-none" "$M/hj-none"
RG=$M/rg-none HJ=$M/hj-none run "$M/sandbox/base.sh" >"$M/out"
if grep -q '^skip ' "$M/out" && ! grep -q '^FAIL' "$M/out" &&
    grep -q '^mut: 0 passed, 0 failed, [1-9]' "$M/out"; then
	ndet=$((ndet + 1)); echo "detected  no Landlock: $(tail -1 "$M/out")"
else
	nmiss=$((nmiss + 1)); echo "MISSED    no Landlock"; head -5 "$M/out"
fi
RG=$M/rg-none run "$M/sandbox/base.sh" >"$M/out"
judge "an rsguard that refuses require on a full kernel" 'FAIL  mut: probe'

echo "mutants: $ndet detected, $nmiss missed"
[ "$nmiss" -eq 0 ]
