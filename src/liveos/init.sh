#!/bin/sh
# LiveOS /init (PID 1, busybox sh): mount the kernel filesystems, load drivers, then hand
# over to busybox init, which runs the agent (setup, sshd, callback) from /etc/inittab.
export PATH=/bin
mkdir -p /proc /sys /dev /run /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || mdev -s
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/liveos /run/net
[ -d /sys/firmware/efi/efivars ] && mount -t efivarfs efivarfs /sys/firmware/efi/efivars 2>/dev/null
hostname liveos
echo "BMPCTL-LIVEOS-INIT kernel=$(uname -r)"

# Drivers in dependency order (computed at build time from modules.dep).
moddir=/lib/modules/$(uname -r)
if [ -r "$moddir/liveos.load" ]; then
  while read -r mod; do
    insmod "$moddir/$mod" >>/run/liveos/modules.log 2>&1
  done < "$moddir/liveos.load"
else
  echo "BMPCTL-LIVEOS-WARN no modules for kernel $(uname -r); only built-in drivers available"
fi

. /lib/liveos/lib.sh
{
  echo "::sysinit:/bin/sh /lib/liveos/setup.sh"
  echo "::respawn:/bin/dropbear -F -E -s -g -p 22 -W 1048576 -r /etc/dropbear/dropbear_ed25519_host_key -P /run/dropbear.pid"
  echo "::once:/bin/sh /lib/liveos/callback.sh"
  echo "::ctrlaltdel:/bin/reboot"
  # A console shell only when asked: the console is reachable through the BMC.
  [ "$(cmdline_get bmpctl.debug)" = 1 ] && echo "console::askfirst:-/bin/sh"
} > /etc/inittab
exec /bin/busybox init
