#!/bin/sh
# Prints this machine's hardware facts as one JSON object (busybox sh has no jq).
# Usage: facts.sh [host-key.pub ...]; env LIVEOS_IP = address used to reach bmpctl;
# LIVEOS_SYS / LIVEOS_PROC override /sys and /proc (tests).
sys=${LIVEOS_SYS:-/sys}
proc=${LIVEOS_PROC:-/proc}

# JSON string from free text: drops quotes, backslashes and control bytes, trims blanks.
js() { printf '"%s"' "$(printf '%s' "$1" | sed 's/["\\]//g; s/[[:cntrl:]]//g; s/^ *//; s/ *$//')"; }
# JSON string or null when empty.
jsn() { if [ -n "$1" ]; then js "$1"; else printf null; fi; }
# JSON non-negative integer or null.
jnum() { case "$1" in ''|*[!0-9]*) printf null ;; *) printf '%s' "$1" ;; esac; }
first() { head -n1 "$1" 2>/dev/null; }

cpu_json() {
  model=$(grep -m1 '^model name' "$proc/cpuinfo" | cut -d: -f2-)
  count=$(grep -c '^processor' "$proc/cpuinfo")
  printf '{"model":%s,"count":%s}' "$(jsn "$model")" "$(jnum "$count")"
}

disk_json() {
  d=$1; n=${d##*/}
  sectors=$(first "$d/size")
  size=; [ -n "$sectors" ] && size=$((sectors * 512))
  serial=$(first "$d/device/serial"); [ -n "$serial" ] || serial=$(first "$d/serial")
  wwn=$(first "$d/wwid"); [ -n "$wwn" ] || wwn=$(first "$d/device/wwid")
  rot=false; [ "$(first "$d/queue/rotational")" = 1 ] && rot=true
  printf '{"name":%s,"sizeBytes":%s,"model":%s,"serial":%s,"wwn":%s,"rotational":%s}' \
    "$(js "$n")" "$(jnum "$size")" "$(jsn "$(first "$d/device/model")")" "$(jsn "$serial")" "$(jsn "$wwn")" "$rot"
}

disks_json() {
  sep=
  printf '['
  for d in "$sys"/block/*; do
    [ -e "$d" ] || continue
    case "${d##*/}" in loop*|ram*|sr*|zram*|fd*|nbd*) continue ;; esac
    printf '%s%s' "$sep" "$(disk_json "$d")"; sep=,
  done
  printf ']'
}

nic_json() {
  n=$1; d=$sys/class/net/$n
  speed=$(first "$d/speed")
  carrier=null
  case "$(first "$d/carrier")" in 1) carrier=true ;; 0) carrier=false ;; esac
  ip=$(ip -4 -o addr show dev "$n" 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -n1)
  printf '{"name":%s,"mac":%s,"speedMbps":%s,"carrier":%s,"ip":%s}' \
    "$(js "$n")" "$(jsn "$(first "$d/address")")" "$(jnum "$speed")" "$carrier" "$(jsn "$ip")"
}

# Hardware NICs only: virtual links (lo, bridges, veth) have no device.
nic_names() { for n in "$sys"/class/net/*; do [ -e "$n/device" ] && echo "${n##*/}"; done; }

list_json() {
  fn=$1; shift; sep=
  printf '['
  for x in "$@"; do printf '%s%s' "$sep" "$($fn "$x")"; sep=,; done
  printf ']'
}

hostkeys_json() {
  sep=
  printf '['
  for f in "$@"; do
    [ -r "$f" ] || continue
    while read -r line; do
      [ -n "$line" ] && { printf '%s%s' "$sep" "$(js "$line")"; sep=,; }
    done < "$f"
  done
  printf ']'
}

nics=$(nic_names)
mem_kib=$(awk '/^MemTotal:/ {print $2}' "$proc/meminfo")
mem_mib=; [ -n "$mem_kib" ] && mem_mib=$((mem_kib / 1024))
dmi=$sys/class/dmi/id
boot=bios; [ -d "$sys/firmware/efi" ] && boot=uefi
# shellcheck disable=SC2086 # word splitting of the NIC list is intended
printf '{"schema":1,"kernel":%s,"ip":%s,"macs":%s,"hostKeys":%s,"cpu":%s,"memoryMiB":%s,"disks":%s,"nics":%s,"dmi":{"vendor":%s,"product":%s,"serial":%s,"uuid":%s},"bootMode":"%s"}\n' \
  "$(js "$(uname -r)")" "$(jsn "$LIVEOS_IP")" \
  "$(list_json js $(for n in $nics; do first "$sys/class/net/$n/address"; done))" \
  "$(hostkeys_json "$@")" "$(cpu_json)" "$(jnum "$mem_mib")" "$(disks_json)" \
  "$(list_json nic_json $nics)" \
  "$(jsn "$(first "$dmi/sys_vendor")")" "$(jsn "$(first "$dmi/product_name")")" \
  "$(jsn "$(first "$dmi/product_serial")")" "$(jsn "$(first "$dmi/product_uuid")")" "$boot"
