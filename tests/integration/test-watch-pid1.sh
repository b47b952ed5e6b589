#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# watch: who undid a VIP through a socket PID 1 made for another process,
# as systemd does for systemd-networkd (systemd-networkd.socket,
# ListenNetlink=): the socket's port is 1, and both PID 1 and the service
# hold it. In a namespace, a new PID namespace whose PID 1 is a small
# program with an rtnetlink socket (port 1) and `lvs-rs-agent watch` in it:
#
#  - a child of PID 1 (argv[0] /x/lvst-service-long, its command name cut
#    to 15 bytes as the kernel cuts systemd-networkd's; no capability but
#    CAP_NET_ADMIN, as the agent) deletes the VIP through that socket: the
#    repair names lvst-service-long[ITS PID], not PID 1 (which the port
#    alone named before);
#  - once the child has ended, PID 1 (root, every capability: its
#    descriptors are not the agent's to read) deletes the VIP through it:
#    the repair says the port is PID 1's and names no process (PID 1 alone
#    cannot be told from a service whose descriptors are hidden too, as
#    systemd-networkd's are from the unit's agent).

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd unshare "$PYTHON"
lvst_require_agent

ns_new rs || { fail setup "could not create the namespace"; exit 1; }
NS=$(ns_name rs)
CONF=$TDIR/watch.conf
VIP=192.0.2.100
printf '[vip web]\naddress = %s\n' "$VIP" >"$CONF"

cat >"$TDIR/pid1.py" <<'PY'
import os, signal, socket, struct, subprocess, sys, time
RTM_DELADDR, NLM_F_REQUEST, NLM_F_ACK = 21, 1, 4


def delete(s, addr):
    attr = struct.pack("HH4s", 8, 2, socket.inet_aton(addr))  # IFA_LOCAL
    attr += struct.pack("HH4s", 8, 1, socket.inet_aton(addr))  # IFA_ADDRESS
    body = struct.pack("BBBBI", socket.AF_INET, 32, 0, 0, 1) + attr  # lo
    s.send(struct.pack("IHHII", 16 + len(body), RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, 1, 0) + body)
    err = struct.unpack("i", s.recv(4096)[16:20])[0]
    if err:
        raise OSError(-err, os.strerror(-err))


if sys.argv[1] == "child":
    with open("/proc/self/comm", "w") as f:
        f.write("lvst-service-lo")  # as the kernel cuts lvst-service-long
    # held open, as networkd holds its socket: a socket object dropped at
    # once would close the descriptor before the agent looks for its holder
    sock = socket.socket(fileno=int(sys.argv[2]))
    delete(sock, "192.0.2.100")
    sys.stdin.read(1)  # alive, the socket held, until the repair is logged
    sys.exit(0)

agent, conf, state, log = sys.argv[1:5]


def lines():
    with open(log) as f:
        return len(f.readlines())


def repair_line(since):
    end = time.time() + 10
    while time.time() < end:
        with open(log) as f:
            found = [l.strip() for l in f.readlines()[since:] if "restored in" in l]
        if found:
            return found[0]
        time.sleep(0.05)
    return ""


s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
s.bind((0, 0))
print("pid", os.getpid(), "port", s.getsockname()[0], flush=True)
w = subprocess.Popen([agent, "-s", state, "-c", conf, "watch"], stdout=subprocess.DEVNULL,
                     stderr=open(log, "w"))
end = time.time() + 10
while time.time() < end and "watch: keeping" not in open(log).read():
    time.sleep(0.05)
n = lines()
# The service: PID 1's socket passed on, and no more capabilities than the
# agent keeps, so that its descriptors are the agent's to read.
child = subprocess.Popen(["setpriv", "--bounding-set", "-all,+net_admin", "--", "/bin/bash", "-c",
                          'exec -a /x/lvst-service-long "$0" "$@"', sys.executable,
                          sys.argv[0], "child", str(s.fileno())], pass_fds=(s.fileno(),),
                         stdin=subprocess.PIPE)
print("child", child.pid, flush=True)
print("child-line", repair_line(n), flush=True)
child.communicate(b"x")
time.sleep(0.3)
n = lines()
delete(s, "192.0.2.100")
print("pid1-line", repair_line(n), flush=True)
w.send_signal(signal.SIGTERM)
w.wait()
PY

out=$(ip netns exec "$NS" unshare --pid --fork --mount-proc "$PYTHON" "$TDIR/pid1.py" \
	"$AGENT_BIN" "$CONF" "$STATE" "$TDIR/watch.err" 2>&1)
echo "$out" | sed 's/^/  /'
child=$(awk '$1 == "child" { print $2 }' <<<"$out")
assert_match "setup: the socket's port is 1" "^pid 1 port 1$" "$out"
assert_match "a service's change through PID 1's socket: the service named" \
	"^child-line address $VIP/32 dev lo removed by lvst-service-long\[$child\], restored in" "$out"
assert_match "PID 1's own change, its descriptors not the agent's: no process named" \
	"^pid1-line address $VIP/32 dev lo removed by unknown process \(port 1: PID 1 or a service it gave the socket\), restored in" "$out"

lvst_done
