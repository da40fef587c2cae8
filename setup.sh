#!/bin/sh
# One step from a fresh Debian machine to a running rsguard:
#   ./setup.sh demo   install what is needed, build, run a real guarded
#                     mirror over a private loopback sshd
#   ./setup.sh test   install what is needed, build, run every test suite
set -eu
cd "$(dirname "$0")"
case "${1:-}" in
demo|test) ;;
*) echo "usage: ./setup.sh demo|test" >&2; exit 2 ;;
esac
need=""
for pkg in build-essential clang libclang-rt-14-dev llvm valgrind rsync \
    openssh-server openssh-client mandoc passwd util-linux procps \
    libinih-dev systemd jq python3; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
	    grep -q 'install ok installed' || need="$need $pkg"
done
# rsync must be 3.5.0 or newer (--drop-D, --confine-root).
rsync --help 2>/dev/null | grep -q -- '--confine-root' || need="$need rsync"
if [ -n "$need" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup.sh: need root to install:$need" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq $need
fi
if [ "$1" = demo ]; then
	exec make demo
fi
exec make check
