#!/usr/bin/env bash
# The main job on an embedded default: a virtual lab of qemu VMs behind virtual BMCs,
# provisioned end to end by bmpctl — install, serve, enroll (BMC checks), deploy in
# parallel — then a login into each installed guest. Needs root (namespaces, taps, qemu).
#
#   npm run demo                      2 VMs, lab torn down at the end
#   npm run demo -- --nodes 4 --keep  4 VMs, lab kept for you to explore
#
# Data (state DB, logs, lab files) goes to $BMPCTL_DEMO_DATA_DIR (default /var/lib/bmpctl-demo).
set -euo pipefail
cd "$(dirname "$0")/.."

NODES=2 KEEP=0 LAB=demo
DATA=${BMPCTL_DEMO_DATA_DIR:-/var/lib/bmpctl-demo}
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) NODES=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "demo: unknown argument $1 (use --nodes N, --keep)" >&2; exit 2 ;;
  esac
done
if [ "$(id -u)" != 0 ]; then
  echo "demo: needs root (network namespaces, tap devices, qemu); run it with sudo" >&2
  exit 3
fi

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
BMP=(node "$PWD/bin/run.js")
NS=bmp-$LAB
in_lab() { ip netns exec "$NS" "$@"; }

step "dependencies and build"
bash scripts/deps.sh
npm run --silent build

SERVE_PID=
cleanup() {
  local rc=$?
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null || true
  if [ "$KEEP" = 1 ]; then
    echo "lab kept: ${BMP[*]} testenv status --name $LAB --data-dir $DATA (tear down with testenv down)"
  else
    step "tear down"
    "${BMP[@]}" testenv down --name "$LAB" --data-dir "$DATA" || true
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A demo starts from scratch: an earlier lab of this name and its node records go.
"${BMP[@]}" testenv down --name "$LAB" --data-dir "$DATA" >/dev/null 2>&1 || true
rm -f "$DATA"/state.db "$DATA"/state.db-wal "$DATA"/state.db-shm

step "virtual lab: $NODES VMs, one virtual IPMI BMC each, bridge 192.0.2.0/24 in namespace $NS"
"${BMP[@]}" testenv up --nodes "$NODES" --name "$LAB" --data-dir "$DATA"

step "bmpctl install (inside the lab namespace, on its bridge)"
in_lab "${BMP[@]}" install --interface br0 --address 192.0.2.1/24 --no-systemd --yes --data-dir "$DATA"

step "bmpctl serve (DHCP, TFTP, HTTP) — log in $DATA/serve.log"
# Not through in_lab: a backgrounded function is a subshell, and $! must be serve itself.
ip netns exec "$NS" "${BMP[@]}" serve --data-dir "$DATA" > "$DATA/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 1 50); do
  in_lab curl -sf http://192.0.2.1:8080/healthz >/dev/null 2>&1 && break
  sleep 0.2
done
in_lab curl -sf http://192.0.2.1:8080/healthz >/dev/null || { echo "serve did not come up:"; tail -20 "$DATA/serve.log"; exit 1; }

step "bmpctl enroll (checks every BMC)"
in_lab "${BMP[@]}" enroll "$DATA/testenv/$LAB-inventory.yaml" --data-dir "$DATA"

step "bmpctl deploy — all nodes in parallel"
in_lab "${BMP[@]}" deploy --data-dir "$DATA" --forks "$NODES"

step "log into each deployed guest (hostname and address came from its config drive)"
KEY=$DATA/testenv/$LAB-id_ed25519
for ip in $("${BMP[@]}" testenv status --name "$LAB" --data-dir "$DATA" --json | node -e '
  let s = ""; process.stdin.on("data", (d) => s += d).on("end", () => {
    for (const n of JSON.parse(s).nodes) console.log(n.ipv4.split("/")[0]) })'); do
  in_lab ssh -i "$KEY" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
    "root@$ip" 'echo "$(hostname): $(ip -4 -o addr show scope global | awk "{print \$4}" | head -1)"'
done

step "node states"
in_lab "${BMP[@]}" nodes list --data-dir "$DATA"
echo
echo "timeline of one node: ${BMP[*]} doctor lab-0 --data-dir $DATA  (inside: ip netns exec $NS …)"
