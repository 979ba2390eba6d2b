# Shared helpers for the LiveOS agent scripts (busybox sh).

# Prints the value of NAME=value from the kernel command line; fails when absent.
cmdline_get() {
  set -f  # no globbing of command-line words
  found=1
  for arg in $(cat "${LIVEOS_CMDLINE_FILE:-/proc/cmdline}"); do
    case "$arg" in "$1="*) echo "${arg#*=}"; found=0; break ;; esac
  done
  set +f
  return $found
}

# Hardware network interfaces (those backed by a device; skips lo and virtual links).
list_nics() {
  for n in /sys/class/net/*; do
    [ -e "$n/device" ] && echo "${n##*/}"
  done
}

# The source address used to reach the host of URL, else the first leased address.
source_ip() {
  host=${1#*://}; host=${host%%/*}; host=${host%%:*}
  src=$(ip route get "$host" 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -n1)
  [ -n "$src" ] || src=$(cat /run/net/*.ip 2>/dev/null | head -n1)
  echo "$src"
}
