import {createNamespace, deleteNamespace, nsExec, uniqueName} from './netns.js'

/**
 * A lab network for VM tests: one namespace holding bridge br0 (192.0.2.1/24) and tap
 * devices enslaved to it. qemu runs inside the same namespace (startVm({netns})), so lab
 * traffic never reaches the host's own interfaces. The namespace (and with it the bridge
 * and taps) is removed by destroy() or at process exit (netns.ts cleanup).
 */
export interface LabNet {
  ns: string
  bridge: 'br0'
  /** Address of the bridge: where lab servers listen. */
  gateway: '192.0.2.1'
  cidr: '192.0.2.1/24'
  /** Creates a tap on br0 for one VM NIC and returns its name. */
  addTap(): string
  destroy(): void
}

export function createLabNet(prefix = 'lab'): LabNet {
  const ns = createNamespace(prefix)
  try {
    nsExec(ns, ['ip', 'link', 'add', 'br0', 'type', 'bridge'])
    // No STP and no forwarding delay: a VM's first DHCP packets must pass at once.
    nsExec(ns, ['ip', 'link', 'set', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0'])
    nsExec(ns, ['ip', 'addr', 'add', '192.0.2.1/24', 'dev', 'br0'])
    nsExec(ns, ['ip', 'link', 'set', 'br0', 'up'])
  } catch (err) {
    deleteNamespace(ns)
    throw err
  }
  let taps = 0
  return {
    ns,
    bridge: 'br0',
    gateway: '192.0.2.1',
    cidr: '192.0.2.1/24',
    addTap() {
      const tap = `tap${taps++}`
      nsExec(ns, ['ip', 'tuntap', 'add', 'dev', tap, 'mode', 'tap'])
      nsExec(ns, ['ip', 'link', 'set', tap, 'master', 'br0'])
      nsExec(ns, ['ip', 'link', 'set', tap, 'up'])
      return tap
    },
    destroy: () => deleteNamespace(ns),
  }
}

/** A unique VM name for concurrent test runs. */
export function uniqueVmName(prefix = 'vm'): string {
  return uniqueName(prefix)
}
