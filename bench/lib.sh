# shellcheck shell=bash
# bench/lib.sh - shared by the bench scripts.

# bench_sshd_config DIR: a private sshd's config (host key and
# authorized_keys in DIR; public keys only; quiet; no pid file).
bench_sshd_config() {
	local T=$1
	cat <<EOF
HostKey $T/hostkey
AuthorizedKeysFile $T/authorized_keys
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
PidFile none
LogLevel ERROR
EOF
}

# bench_ssh_config DIR SSHD USER CIPHER VARIANT...: an ssh client config
# with one "Host VARIANT" per key DIR/k_VARIANT, reaching a private
# "sshd -i" (DIR/sshd_config) through ProxyCommand, its host key pinned
# (DIR/known_hosts, written here, alias "bench").  CIPHER may be empty.
bench_ssh_config() {
	local T=$1 sshd=$2 user=$3 cipher=$4 v
	shift 4
	echo "bench $(cut -d' ' -f1,2 "$T/hostkey.pub")" >"$T/known_hosts"
	for v in "$@"; do printf 'Host %s\n  IdentityFile %s\n' "$v" "$T/k_$v"; done
	cat <<EOC
Host *
  User $user
  HostKeyAlias bench
  ProxyCommand $sshd -i -f $T/sshd_config -E $T/sshd.log
${cipher:+  Ciphers $cipher
}  IdentitiesOnly yes
  BatchMode yes
  StrictHostKeyChecking yes
  UserKnownHostsFile $T/known_hosts
  GlobalKnownHostsFile /dev/null
  ControlMaster no
  ControlPath none
  Compression no
  LogLevel ERROR
EOC
}

# bench_privsep_dir CONFIG: what a private sshd needs on a machine where
# sshd never ran (tests/sshd-env.sh, shared with the demo and the tests).
bench_privsep_dir() {
	# shellcheck source=../tests/sshd-env.sh
	. "$(dirname "${BASH_SOURCE[0]}")/../tests/sshd-env.sh"
	sshd_env "$1" || echo "   (sshd is not usable here: see above)"
}
