import {nodeView, nowMs, requireDeploy} from '../deploy/context.js'
import type {BootMode} from '../state/types.js'
import {requireStore} from './node_state.js'
import type {TaskContext, TaskModule, TaskResult} from './types.js'

export interface PxeConfigParams {
  mode: BootMode
  /** Seconds the call-back token stays valid. */
  token_ttl: number
  purpose: 'deploy' | 'inspect' | 'undeploy'
  extra_args?: string
}

/**
 * Writes what `bmpctl serve` answers each of the node's MACs with: the LiveOS (with a
 * fresh one-time call-back token), the local disk, or nothing. The token goes into the
 * boot config only (serve renders it); it never appears in results or events.
 */
const pxeConfig: TaskModule<PxeConfigParams> = {
  name: 'pxe_config',
  description: 'Set the PXE boot config of every MAC of the node: liveos (new call-back token), local disk, or none',
  params: {
    mode: {type: 'str', required: true, choices: ['liveos', 'local', 'none'], description: 'what the node boots over the network'},
    token_ttl: {type: 'duration', default: 7200, description: 'how long the LiveOS call-back token is valid (liveos)'},
    purpose: {type: 'str', default: 'deploy', choices: ['deploy', 'inspect', 'undeploy'], description: 'what the call-back is for (liveos)'},
    extra_args: {type: 'str', description: 'extra LiveOS kernel arguments (liveos)'},
  },
  supportsCheckMode: true,
  async run(ctx: TaskContext<PxeConfigParams>): Promise<TaskResult> {
    const store = requireStore(ctx, 'pxe_config')
    const deploy = requireDeploy(ctx, 'pxe_config')
    const node = nodeView(ctx, store)
    const {mode, purpose} = ctx.params
    const macs = node.macs.map((m) => m.toLowerCase())
    if (!macs.length) return {changed: false, failed: true, msg: `node ${node.name} has no NIC MACs to write boot configs for`}
    if (mode === 'liveos') {
      if (ctx.check) return {changed: true, mode, macs, msg: `would issue a ${purpose} token and boot the LiveOS on ${macs.join(', ')}`}
      const issuedAt = new Date(nowMs(deploy)).toISOString()
      const token = store.issueToken(ctx.host, purpose, ctx.params.token_ttl)
      const vars = {
        node: node.name, token, purpose, issued_at: issuedAt,
        ssh_key_b64: Buffer.from(deploy.sshPublicKey.trim()).toString('base64'),
        callback_url: `${deploy.layout.httpBase}/v1/callback`,
        ...(ctx.params.extra_args ? {extra_args: ctx.params.extra_args} : {}),
      }
      for (const mac of macs) store.setBootConfig(mac, {node: node.name, mode: 'liveos', vars})
      store.addEvent(ctx.host, 'deploy.pxe_config', `boot the LiveOS (${purpose}) on ${macs.join(', ')}`,
        {mode, purpose, macs, issuedAt, ttlSec: ctx.params.token_ttl})
      return {changed: true, mode, purpose, macs, issued_at: issuedAt, msg: `LiveOS boot (${purpose}) on ${macs.join(', ')}; call-back token issued`}
    }
    const pending = macs.filter((mac) => {
      const cur = store.getBootConfig(mac)
      return mode === 'none' ? cur !== undefined : cur?.mode !== mode || cur.node !== node.name
    })
    if (!pending.length) return {changed: false, mode, macs, msg: `already ${mode} on ${macs.join(', ')}`}
    if (ctx.check) return {changed: true, mode, macs: pending, msg: `would set ${mode} on ${pending.join(', ')}`}
    for (const mac of pending) {
      if (mode === 'none') store.clearBootConfig(mac)
      else store.setBootConfig(mac, {node: node.name, mode, vars: {node: node.name}})
    }
    store.addEvent(ctx.host, 'deploy.pxe_config', `${mode === 'none' ? 'cleared boot config' : 'boot the local disk'} on ${pending.join(', ')}`,
      {mode, macs: pending})
    return {changed: true, mode, macs: pending, msg: `${mode} on ${pending.join(', ')}`}
  },
}

export default pxeConfig
