import {requireDeploy, nodeView} from '../deploy/context.js'
import {inSubnet, parseCidr} from '../util/net.js'
import {requireStore} from './node_state.js'
import type {TaskContext, TaskModule, TaskResult} from './types.js'

export interface DhcpHostParams {
  state: 'present' | 'absent'
}

/**
 * Checks the node will get an address on the provisioning network. `bmpctl serve`
 * derives reservations from the node spec (docs/deploy.md), so there is nothing to
 * write: the check is what catches a node that would PXE boot into silence.
 */
const dhcpHost: TaskModule<DhcpHostParams> = {
  name: 'dhcp_host',
  description: 'Check the node can get an address on the provisioning network (reservation or pool)',
  params: {
    state: {type: 'str', default: 'present', choices: ['present', 'absent'], description: 'present: must get an address; absent: nothing to check'},
  },
  supportsCheckMode: true,
  async run(ctx: TaskContext<DhcpHostParams>): Promise<TaskResult> {
    const store = requireStore(ctx, 'dhcp_host')
    const {config, layout} = requireDeploy(ctx, 'dhcp_host')
    const node = nodeView(ctx, store)
    if (ctx.params.state === 'absent') return {changed: false, msg: 'reservations follow the node spec; nothing to remove'}
    const mac = node.macs[0]
    if (!mac) return {changed: false, failed: true, msg: `node ${node.name} has no NIC MAC; add nics: [{mac: …}] to the inventory`}
    const subnet = `${layout.cidr.network}/${layout.cidr.prefix}`
    const mode = config.dhcp.mode
    if (mode === 'proxy' || mode === 'off') {
      return {changed: false, mac, source: 'external', mode,
        msg: `DHCP mode ${mode}: another DHCP server must give ${mac} an address in ${subnet}`}
    }
    const want = node.network.ipv4?.address
    const ip = want ? parseCidr(want)?.address ?? want.split('/')[0] : undefined
    if (ip && inSubnet(ip, layout.cidr)) {
      if (ip === layout.serverIp) {
        return {changed: false, failed: true, mac, msg: `node ${node.name}: network.ipv4.address ${ip} is the manager's own address; pick another in ${subnet}`}
      }
      return {changed: false, mac, address: ip, source: 'reservation', msg: `${mac} gets its reserved address ${ip}`}
    }
    if (mode === 'dynamic' && config.dhcp.range) {
      const {start, end} = config.dhcp.range
      return {changed: false, mac, source: 'pool', range: `${start}-${end}`,
        msg: `${mac} gets a pool address from ${start}-${end}${ip ? ` (its ${ip} is outside ${subnet})` : ''}`}
    }
    const why = ip ? `its network.ipv4.address ${ip} is outside the provisioning subnet ${subnet}` : 'it has no network.ipv4.address'
    return {changed: false, failed: true, mac,
      msg: `node ${node.name} (MAC ${mac}) cannot get a DHCP address on ${subnet}: ${why} and DHCP mode is ${mode}` +
        `${mode === 'dynamic' ? ' without a range' : ''}; set network.ipv4.address inside ${subnet} in the inventory, ` +
        'or set dhcp.mode: dynamic with dhcp.range in config.yaml'}
  },
}

export default dhcpHost
