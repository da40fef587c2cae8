#!/bin/sh
# Runs every suite that "make check" promises and prints one summary line.
# Unit tests have already run (make check depends on "unit").
set -u
cd "$(dirname "$0")/.." || exit 1
passed=0 failed=0 skipped=0
step() {
	name=$1; shift
	printf '==> %s\n' "$name"
	"$@"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
	elif [ "$rc" -eq 77 ]; then
		printf '==> SKIPPED: %s\n' "$name"
		skipped=$((skipped + 1))
	else
		printf '==> FAILED: %s\n' "$name"
		failed=$((failed + 1))
	fi
}
step "unit tests under valgrind" make -s valgrind
step "unit tests under ASan+UBSan" make -s asan
step "fuzzers (bounded)" make -s fuzz FUZZTIME="${FUZZTIME:-15}"
step "man pages (mandoc -Tlint)" make -s lint-man
step "integration (real sshd, real rsync)" tests/integration/run.sh
step "security (hostile commands, races)" tests/security/run.sh
step "sandbox (hijacked rsync under Landlock)" make -s sandbox
step "security again, rsguard built with ASan+UBSan" make -s asan-security
step "the demo as on a fresh machine (no /run/sshd, host keys, /dev/log)" \
    tests/fresh-demo.sh
echo "check: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
