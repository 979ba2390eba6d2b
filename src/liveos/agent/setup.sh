#!/bin/sh
# LiveOS sysinit: bring up every NIC with DHCP, wait for an address, install the
# operator's SSH key and generate host keys, so sshd and the callback can start.
. /lib/liveos/lib.sh

# NIC drivers probe asynchronously after insmod: give them a moment to appear.
i=0
while [ -z "$(list_nics)" ] && [ $i -lt 20 ]; do sleep 0.5; i=$((i + 1)); done

for nic in $(list_nics); do
  ip link set "$nic" up
  udhcpc -f -i "$nic" -s /lib/liveos/udhcpc.script -t 4 -T 2 -A 3 -x hostname:liveos \
    >"/run/liveos/udhcpc-$nic.log" 2>&1 &
done

mkdir -p /root/.ssh /etc/dropbear
chmod 700 /root /root/.ssh
key=$(cmdline_get bmpctl.sshkey | base64 -d 2>/dev/null)
case "$key" in
  ssh-*|ecdsa-*|sk-*) echo "$key" > /root/.ssh/authorized_keys; chmod 600 /root/.ssh/authorized_keys ;;
  *) echo "BMPCTL-LIVEOS-WARN no usable bmpctl.sshkey on the kernel command line: SSH logins impossible" ;;
esac

hk=/etc/dropbear/dropbear_ed25519_host_key
[ -s "$hk" ] || dropbearkey -t ed25519 -f "$hk" >/dev/null 2>&1
dropbearkey -y -f "$hk" 2>/dev/null | grep '^ssh-' | cut -d' ' -f1,2 > "$hk.pub"

# Wait (bounded) for a lease so sshd and the callback start with an address.
i=0
while ! ls /run/net/*.ip >/dev/null 2>&1 && [ $i -lt 240 ]; do sleep 0.5; i=$((i + 1)); done
ip=$(cat /run/net/*.ip 2>/dev/null | head -n1)
echo "BMPCTL-LIVEOS-UP ip=${ip:-none} nics=$(list_nics | tr '\n' ',')"
exit 0
