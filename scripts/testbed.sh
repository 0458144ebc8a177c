#!/usr/bin/env bash
# A demo network of hosts on this Linux machine for specs/hospitals-ssh.yaml: one network
# namespace per host (an aggregator host and two VMs per hospital), each with its own sshd on
# 10.77.9.x, a bridge joining them to this machine (10.77.9.1), a user key and a known_hosts file
# in specs/testbed/, and each hospital's share of the WDBC data only in its own hosts' directories.
# Needs root, iproute2 and openssh-server.   Usage: scripts/testbed.sh up | down
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=/tmp/fedplane-testbed
KEYS=specs/testbed
BR=fptb0
HOSTS="agg:10 a1:11 a2:12 b1:21 b2:22 c1:31 c2:32"

down() {
    for h in $HOSTS; do
        name=${h%%:*}
        [ -f "$ROOT/sshd/$name/sshd.pid" ] && kill "$(cat "$ROOT/sshd/$name/sshd.pid")" 2>/dev/null || true
        ip netns pids "fptb-$name" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
        ip netns del "fptb-$name" 2>/dev/null || true
    done
    ip link del "$BR" 2>/dev/null || true
    rm -rf "$ROOT" "$KEYS"
}

up() {
    down
    mkdir -p "$ROOT" "$KEYS" /run/sshd
    ssh-keygen -q -t ed25519 -N '' -f "$KEYS/id_ed25519" -C fedplane-testbed
    : > "$KEYS/known_hosts"
    ip link add "$BR" type bridge && ip addr add 10.77.9.1/24 dev "$BR" && ip link set "$BR" up
    for h in $HOSTS; do
        name=${h%%:*}; n=${h##*:}; ns="fptb-$name"; dir="$ROOT/sshd/$name"
        mkdir -p "$dir" "$ROOT/hosts/$name/work"
        ip netns add "$ns"
        ip link add "fptb-$name" type veth peer name eth0 netns "$ns"
        ip link set "fptb-$name" master "$BR" up
        ip -n "$ns" addr add "10.77.9.$n/24" dev eth0
        ip -n "$ns" link set eth0 up && ip -n "$ns" link set lo up
        ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
        cat > "$dir/sshd_config" <<CFG
ListenAddress 10.77.9.$n
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $(pwd)/$KEYS/id_ed25519.pub
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
CFG
        ip netns exec "$ns" /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
        echo "10.77.9.$n $(cut -d' ' -f1,2 "$dir/host_key.pub")" >> "$KEYS/known_hosts"
    done
    # Each hospital's share of the breast-cancer data, with a named label column, on its own hosts only.
    python3 - "$ROOT" <<'PY'
import csv, random, sys
root = sys.argv[1]
rows = list(csv.reader(open("datasets/wdbc/breast_cancer.csv")))[1:]
random.Random(7).shuffle(rows)
for i, hospital in enumerate("abc"):
    share = rows[i::3]
    for vm in (1, 2):
        path = f"{root}/hosts/{hospital}{vm}/data"
        import os; os.makedirs(path, exist_ok=True)
        with open(f"{path}/patients.csv", "w") as f:
            f.write(",".join(f"f{j}" for j in range(30)) + ",diagnosis\n")
            for r in share:
                f.write(",".join(r[:30]) + "," + ("M" if r[30] == "0" else "B") + "\n")
PY
    chmod 600 "$KEYS/id_ed25519"
    echo "testbed up: hosts 10.77.9.10 (aggregator), .11/.12 (hospital-a), .21/.22 (b), .31/.32 (c); keys in $KEYS"
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
