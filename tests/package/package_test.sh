#!/usr/bin/env bash
# CoinBit installed as a Debian program, as an administrator would:
#   1. cmake --install into a scratch prefix: the programs, manual pages,
#      example configuration and completion, and nothing outside it;
#   2. the package (scripts/package.sh) installed with apt on this machine;
#      its user, directories, modes and unit checked;
#   3. the node run under the unit (systemctl when systemd runs here, else
#      the unit's own ExecStart as its User=) with the packaged
#      configuration, driven with the installed coinbit-cli by a member of
#      the coinbit group (found through the service's cookie) while others
#      are refused; bash completion from the installed files;
#   4. the package purged: nothing of it left but the data directory.
# Needs root (it installs a package). Exit status 0 when all of it held.
#
#   tests/package/package_test.sh [RELEASE_BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build}
if [ "$(id -u)" -ne 0 ]; then
    echo "package test: needs root" >&2
    exit 1
fi
step() { echo "-- $*"; }
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
scratch=$(mktemp -d /tmp/cb-pkg-XXXXXX)
member=cbpkg-member
other=cbpkg-other
node_pid=""

cleanup() {
    set +e
    [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null
    if dpkg-query -W coinbit >/dev/null 2>&1; then
        [ -d /run/systemd/system ] && systemctl stop coinbitd 2>/dev/null
        apt-get purge -y -qq coinbit >/dev/null 2>&1
    fi
    for u in $member $other; do id "$u" >/dev/null 2>&1 && userdel "$u"; done
    rm -rf "$scratch" /var/lib/coinbit
    id coinbit >/dev/null 2>&1 && userdel coinbit
    getent group coinbit >/dev/null && groupdel coinbit
    return 0
}
trap cleanup EXIT
cleanup # what an earlier run that died left behind

step "cmake --install into a scratch prefix"
prefix=$scratch/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/coinbitd bin/coinbit-cli bin/coinbit bin/coinbit-tool \
    share/man/man1/coinbitd.1.gz share/man/man1/coinbit-cli.1.gz share/man/man1/coinbit.1.gz \
    share/man/man1/coinbit-tool.1.gz share/doc/coinbit/examples/coinbit.conf \
    share/bash-completion/completions/coinbit-cli share/bash-completion/completions/coinbitd \
    share/coinbit/rpc-methods lib/systemd/system/coinbitd.service; do
    [ -e "$prefix/$f" ] || fail "cmake --install left out $f"
done
[ ! -e /etc/coinbit ] || fail "cmake --install wrote /etc/coinbit outside its prefix"
"$prefix/bin/coinbitd" -version | grep "^coinbitd (CoinBit) " >/dev/null || fail "installed coinbitd -version"

step "build the package"
deb=$(./scripts/package.sh build-pkg 2>/dev/null | tail -n 1)
[ -f "$deb" ] || fail "no package built"
dpkg-deb -f "$deb" Depends | grep "libsecp256k1" >/dev/null || fail "Depends lacks the linked libraries"
dpkg-deb -c "$deb" | grep "./etc/coinbit/coinbit.conf" >/dev/null || fail "no /etc/coinbit/coinbit.conf"

step "apt install $deb"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$deb" >/dev/null
dpkg-query -L coinbit | sort >"$scratch/files"
id coinbit >/dev/null || fail "no coinbit user"
[ "$(stat -c %U:%G:%a /var/lib/coinbit)" = "coinbit:coinbit:710" ] ||
    fail "/var/lib/coinbit is $(stat -c %U:%G:%a /var/lib/coinbit)"
[ "$(stat -c %U:%G:%a /etc/coinbit/coinbit.conf)" = "root:coinbit:640" ] ||
    fail "/etc/coinbit/coinbit.conf is $(stat -c %U:%G:%a /etc/coinbit/coinbit.conf)"
grep -qx "/etc/coinbit/coinbit.conf" /var/lib/dpkg/info/coinbit.conffiles ||
    fail "coinbit.conf is not a conffile"
unit=/usr/lib/systemd/system/coinbitd.service
[ -f $unit ] || fail "no unit"
if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify --man=no $unit || fail "systemd-analyze verify $unit"
fi
for k in ProtectSystem=full PrivateTmp=true NoNewPrivileges=true Restart=on-failure User=coinbit; do
    grep -qx "$k" $unit || fail "the unit lacks $k"
done
for p in coinbitd coinbit-cli coinbit coinbit-tool; do
    [ -f /usr/share/man/man1/$p.1.gz ] || fail "no manual page for $p"
    $p -version | grep "^$p (CoinBit) " >/dev/null || fail "$p -version"
done

step "configure and start the service"
read -r p2p rpc web < <(python3 -c '
import sys; sys.path.insert(0, "tests/functional")
from framework import free_port
print(free_port(), free_port(), free_port())')
# A classroom node: regtest, on 127.0.0.1 only, no outbound peers.
printf 'regtest=1\nport=%s\nrpcport=%s\nwebport=%s\nbind=127.0.0.1\nconnect=0\nminethreads=1\n' \
    "$p2p" "$rpc" "$web" >>/etc/coinbit/coinbit.conf
if [ -d /run/systemd/system ]; then
    systemctl start coinbitd
else
    # No systemd here: the unit's own command, as its user, with its umask.
    exec_start=$(sed -n 's/^ExecStart=//p' $unit)
    [ "$(sed -n 's/^User=//p' $unit)" = coinbit ] || fail "the unit's user"
    (umask 0077 && exec setpriv --reuid=coinbit --regid=coinbit --init-groups \
        --no-new-privs $exec_start >"$scratch/service.log" 2>&1) &
    node_pid=$!
fi
useradd -M -s /bin/sh -G coinbit $member
useradd -M -s /bin/sh $other
cli() { runuser -u "$1" -- env HOME=/nonexistent coinbit-cli -regtest -rpcport="$rpc" "${@:2}"; }
for _ in $(seq 200); do
    cli $member getblockcount >/dev/null 2>&1 && break
    sleep 0.1
done
[ "$(cli $member getblockcount)" = 0 ] || fail "a coinbit group member cannot reach the node: $(
    cat "$scratch/service.log" 2>/dev/null)"
if out=$(cli $other getblockcount 2>&1); then
    fail "a user outside the coinbit group read the cookie"
fi
echo "$out" | grep "Permission denied" >/dev/null || fail "refusal says: $out"
addr=$(coinbit-tool -regtest newkey | sed -n 's/^address: *//Ip')
[ "$(cli $member generatetoaddress 2 "$addr" | grep -c '"')" = 2 ] || fail "generatetoaddress"
[ "$(cli $member getblockcount)" = 2 ] || fail "blocks not mined"
pid=$(cat /var/lib/coinbit/regtest/coinbitd.pid)
[ "$(stat -c %U /proc/"$pid")" = coinbit ] || fail "the node does not run as coinbit"
[ "$(stat -c %a /var/lib/coinbit/regtest/coinbit.db)" = 600 ] ||
    fail "coinbit.db is $(stat -c %a /var/lib/coinbit/regtest/coinbit.db)"
[ "$(stat -c %a /var/lib/coinbit/regtest/.cookie)" = 640 ] || fail "the cookie's mode"
curl_web=$(python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$web/api/overview').status)")
[ "$curl_web" = 200 ] || fail "the service's web view"

step "bash completion from the installed files"
complete_line() {
    runuser -u $member -- env HOME=/nonexistent bash -c '
        source /usr/share/bash-completion/completions/coinbit-cli
        COMP_LINE=$1; COMP_POINT=${#COMP_LINE}
        _coinbit_cli coinbit-cli; printf "%s\n" "${COMPREPLY[@]}"' _ "$1"
}
complete_line "coinbit-cli -regtest -rpcport=$rpc getblockc" | grep -x getblockcount >/dev/null ||
    fail "completion of a method from the node"
complete_line "coinbit-cli -rpcc" | grep -x -- "-rpcconnect=" >/dev/null || fail "completion of an option"

step "stop and purge"
cli $member stop >/dev/null
if [ -n "$node_pid" ]; then
    wait "$node_pid" || fail "the node exited $?"
    node_pid=""
else
    systemctl stop coinbitd
fi
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq coinbit >/dev/null
! dpkg-query -W coinbit >/dev/null 2>&1 || fail "still installed"
while read -r f; do
    [ -d "$f" ] && continue # a directory others share (/usr/bin, ...)
    [ ! -e "$f" ] || fail "$f is left after purge"
done <"$scratch/files"
[ ! -e /etc/coinbit ] || fail "/etc/coinbit is left after purge"
[ -f /var/lib/coinbit/regtest/coinbit.db ] || fail "purge took the data directory"
echo "package test: all held"
