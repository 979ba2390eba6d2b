#!/usr/bin/env bash
# Installs the Debian packages bmpctl's lab, tests and benchmarks use, when missing.
# As non-root it only reports what is missing (tests needing those then skip).
set -euo pipefail

PACKAGES=(
  # PXE and LiveOS inputs
  ipxe busybox-static dropbear-bin linux-image-amd64 cpio xz-utils zstd
  # virtual lab
  qemu-system-x86 ipxe-qemu ovmf iproute2 qemu-utils
  # test image and config drive tools
  fdisk e2fsprogs dosfstools mtools genisoimage extlinux syslinux syslinux-common syslinux-efi openssh-client
  # protocol peers used as oracles in tests and benchmarks
  openipmi ipmitool kea-admin kea-dhcp4-server isc-dhcp-client udhcpc dnsmasq-base
  tftp-hpa tftpd-hpa curl nginx-light redfishtool ansible-core
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PACKAGES[@]} Debian packages present"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "deps: not root; missing Debian packages (tests needing them will skip): ${missing[*]}" >&2
  exit 0
fi

echo "deps: installing ${#missing[@]} Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts these daemons on install; bmpctl and its tests run their own.
for svc in tftpd-hpa nginx kea-dhcp4-server isc-dhcp-server dnsmasq; do
  systemctl disable --now "$svc" >/dev/null 2>&1 || service "$svc" stop >/dev/null 2>&1 || true
done
echo "deps: done"
