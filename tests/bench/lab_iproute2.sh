#!/usr/bin/env bash
# One lab cell built the iproute2 way and removed again, for bench_lab's comparison only
# (finwait itself never runs ip). Same cell as cell_create(): two namespaces, a veth pair
# with the peer made in the client namespace, a /30 and a /64 (nodad) on each end, lo and
# the veth up on both sides. Usage: lab_iproute2.sh NAME (unique; removed on exit).
set -euo pipefail
n=${1:?usage: lab_iproute2.sh NAME}
srv=$n-srv
cli=$n-cli
cleanup() { ip netns del "$srv" 2>/dev/null || true; ip netns del "$cli" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$srv"
ip netns add "$cli"
ip -n "$srv" link add fw-srv type veth peer name fw-cli netns "$cli"
ip -n "$srv" addr add 198.18.0.1/30 dev fw-srv
ip -n "$srv" addr add fd46:696e::1/64 dev fw-srv nodad
ip -n "$cli" addr add 198.18.0.2/30 dev fw-cli
ip -n "$cli" addr add fd46:696e::2/64 dev fw-cli nodad
ip -n "$srv" link set lo up
ip -n "$srv" link set fw-srv up
ip -n "$cli" link set lo up
ip -n "$cli" link set fw-cli up
ip netns del "$srv"
ip netns del "$cli"
trap - EXIT
