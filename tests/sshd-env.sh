# shellcheck shell=sh
# tests/sshd-env.sh - a private sshd on a machine where sshd never ran.
# Sourced (by sh or bash) by tests/demo.sh, tests/lib/harness.sh and
# bench/lib.sh.  Their sshd is "sshd -i -f CONFIG", started per connection
# by the client's ProxyCommand: no port, no daemon, loopback only.  It reads
# nothing of the system's /etc/ssh (its own host key; no sshd_config, host
# keys or moduli needed).

SSHD=${SSHD:-$(command -v sshd 2>/dev/null || echo /usr/sbin/sshd)}

# sshd_env CONFIG: make this machine able to run "$SSHD -i -f CONFIG" for
# the running user, then check CONFIG with "sshd -t".  Returns 0 when it
# passes; otherwise says on stderr what is missing and returns 1.
#  - As root, sshd insists on its privilege-separation directory (Debian:
#    /run/sshd, which ssh.service makes at boot, so it is missing where
#    that service never ran: a container, a chroot, a fresh /run; other
#    builds: /var/empty).  Made here as the service would, root-owned 0755,
#    and said so.
#  - As root, sshd without PAM refuses every login, keys included, to a
#    locked account ("!..." in /etc/shadow: some installs lock root).
#    Refused here with the reason, since sshd would only say "Permission
#    denied (publickey)".
sshd_env() {
	_se_cf=$1
	if [ ! -x "$SSHD" ]; then
		echo "sshd-env: no sshd at $SSHD (Debian: apt-get install openssh-server)" >&2
		return 1
	fi
	if [ "$(id -u)" = 0 ]; then
		_se_pw=$(getent shadow "$(id -un)" | cut -d: -f2)
		case $_se_pw in
		'!'*)
			echo "sshd-env: $(id -un)'s account is locked (its /etc/shadow password starts with '!'): sshd without PAM refuses every login to it, keys included; 'usermod -p \"*\" $(id -un)' keeps it password-less but not locked" >&2
			return 1 ;;
		esac
	fi
	_se_made=
	while ! _se_out=$("$SSHD" -t -f "$_se_cf" 2>&1); do
		_se_dir=$(printf '%s\n' "$_se_out" |
		    tr -d '\r' | sed -n 's/^Missing privilege separation directory: //p' | head -n 1)
		if [ -z "$_se_dir" ] || [ -n "$_se_made" ] || [ "$(id -u)" != 0 ]; then
			printf 'sshd-env: %s -t -f %s fails:\n%s\n' "$SSHD" "$_se_cf" "$_se_out" >&2
			case $_se_out in
			*'Privilege separation user'*)
				echo "sshd-env: (openssh-server's postinst creates that user: apt-get install --reinstall openssh-server)" >&2 ;;
			esac
			return 1
		fi
		mkdir -p -m 0755 "$_se_dir" || return 1
		echo "sshd-env: created $_se_dir, sshd's privilege separation directory (ssh.service makes it at boot; it never ran here)" >&2
		_se_made=1
	done
	return 0
}
