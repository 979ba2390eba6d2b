#!/bin/sh
# Guest test image /init (PID 1, busybox sh): a stand-in for a cloud image. Reads the
# OpenStack config drive (label config-2) like cloud-init would: hostname, SSH keys,
# static IPv4 or DHCP; then starts dropbear (keys only) and reports on the console.
export PATH=/bin
mkdir -p /proc /sys /dev /run /tmp /mnt/config
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || mdev -s
mkdir -p /dev/pts
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/guest
echo "BMPCTL-GUEST-INIT kernel=$(uname -r)"

moddir=/lib/modules/$(uname -r)
[ -r "$moddir/guest.load" ] && while read -r mod; do
  insmod "$moddir/$mod" >>/run/guest/modules.log 2>&1
done < "$moddir/guest.load"

# The ISO9660 volume label sits at byte 32808 of the device, space padded.
is_config_drive() {
  [ "$(dd if="$1" bs=1 skip=32808 count=9 2>/dev/null)" = "config-2 " ]
}

find_config_drive() {
  for try in 1 2 3 4 5 6 7 8 9 10; do
    for sys in /sys/class/block/*; do
      dev=/dev/${sys##*/}
      [ -b "$dev" ] && is_config_drive "$dev" && { echo "$dev"; return 0; }
    done
    sleep 1
  done
  return 1
}

# Dotted netmask → prefix length.
prefix_of() {
  bits=0
  for octet in $(echo "$1" | tr . ' '); do
    case $octet in
      255) bits=$((bits + 8)) ;; 254) bits=$((bits + 7)) ;; 252) bits=$((bits + 6)) ;;
      248) bits=$((bits + 5)) ;; 240) bits=$((bits + 4)) ;; 224) bits=$((bits + 3)) ;;
      192) bits=$((bits + 2)) ;; 128) bits=$((bits + 1)) ;;
    esac
  done
  echo $bits
}

dhcp() {
  udhcpc -i "$1" -n -q -t 10 -T 2 -s /lib/guest/udhcpc.script >>/run/guest/udhcpc.log 2>&1
}

# Applies the network_data.json entry for the NIC with this MAC; echoes its address.
configure_nic() {
  ifc=$1 flat=$2
  ip link set "$ifc" up
  set -- $(awk -v mac="$(cat /sys/class/net/$ifc/address)" -f /lib/guest/netcfg.awk "$flat")
  [ $# -eq 0 ] && return 1
  type=$1 addr=$2 mask=$3 gw=$4
  shift 4
  if [ "$type" = ipv4 ] && [ "$addr" != - ]; then
    ip addr add "$addr/$(prefix_of "$mask")" dev "$ifc"
    [ "$gw" != - ] && ip route add default via "$gw" dev "$ifc"
  else
    dhcp "$ifc"
  fi
  [ $# -gt 0 ] && for d in "$@"; do echo "nameserver $d"; done > /etc/resolv.conf
  return 0
}

nics() {
  for n in /sys/class/net/*; do [ "${n##*/}" != lo ] && echo "${n##*/}"; done
}

ip link set lo up
name=guest
drive=$(find_config_drive)
if [ -n "$drive" ] && mount -t iso9660 -o ro "$drive" /mnt/config; then
  meta=/run/guest/meta_data.flat net=/run/guest/network_data.flat
  awk -f /lib/guest/flat.awk /mnt/config/openstack/latest/meta_data.json > $meta
  awk -f /lib/guest/flat.awk /mnt/config/openstack/latest/network_data.json > $net
  h=$(sed -n 's/^hostname=//p' $meta | head -n 1)
  [ -n "$h" ] && name=$h
  sed -n 's/^public_keys\.[^=]*=//p' $meta > /root/.ssh/authorized_keys
  chmod 600 /root/.ssh/authorized_keys
  configured=0
  for ifc in $(nics); do configure_nic "$ifc" $net && configured=1; done
  [ $configured = 0 ] && echo "BMPCTL-GUEST-WARN no network on the config drive matches a NIC"
  umount /mnt/config
else
  echo "BMPCTL-GUEST-WARN no config drive (label config-2) found; DHCP on every NIC, no SSH keys"
  for ifc in $(nics); do ip link set "$ifc" up; dhcp "$ifc"; done
fi
hostname "$name"
echo "$name" > /etc/hostname
echo "127.0.0.1 localhost $name" > /etc/hosts

dropbearkey -t ed25519 -f /etc/dropbear/dropbear_ed25519_host_key >/dev/null 2>&1
{
  echo "::respawn:/bin/dropbear -F -E -s -g -p 22 -r /etc/dropbear/dropbear_ed25519_host_key"
  echo "::ctrlaltdel:/bin/reboot"
  echo "::shutdown:/bin/umount -a -r"
} > /etc/inittab
addr=$(ip -4 -o addr show scope global | awk '{print $4}' | sed 's,/.*,,' | head -n 1)
# Like cloud-init, show the host key on the console so a client can pin it.
echo "BMPCTL-GUEST-HOSTKEY $(dropbearkey -y -f /etc/dropbear/dropbear_ed25519_host_key | grep '^ssh-')"
echo "BMPCTL-GUEST-UP hostname=$name ip=${addr:-none}"
exec /bin/busybox init
