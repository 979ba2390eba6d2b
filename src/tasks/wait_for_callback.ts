import {sleep} from '../bmc/ops.js'
import {formatDuration, nodeView, nowMs, requireDeploy} from '../deploy/context.js'
import {fingerprint} from '../deploy/ssh.js'
import {describeStage, eventsSince, lastStage} from '../deploy/stages.js'
import type {LiveOsFacts} from '../liveos/facts.js'
import type {Store} from '../state/store.js'
import {requireStore} from './node_state.js'
import type {TaskContext, TaskModule, TaskResult} from './types.js'

export interface WaitForCallbackParams {
  timeout: number
  poll: number
}

/** When the current LiveOS token was issued: from the boot config pxe_config wrote, else its event. */
export function tokenIssuedAt(store: Store, host: string, macs: string[]): string | undefined {
  for (const mac of macs) {
    const cfg = store.getBootConfig(mac)
    if (cfg?.mode === 'liveos' && typeof cfg.vars.issued_at === 'string') return cfg.vars.issued_at
  }
  const ev = store.events(host, {kinds: ['deploy.pxe_config']}).reverse().find((e) => e.data?.mode === 'liveos')
  return ev?.ts
}

/** Waits until the LiveOS booted for this token called back (serve stored its facts). */
const waitForCallback: TaskModule<WaitForCallbackParams> = {
  name: 'wait_for_callback',
  description: 'Wait for the LiveOS call-back; on timeout name the last boot stage the node reached',
  params: {
    timeout: {type: 'duration', default: 1800, description: 'how long to wait'},
    poll: {type: 'duration', default: 1, description: 'pause between looks at the state store'},
  },
  supportsCheckMode: true,
  async run(ctx: TaskContext<WaitForCallbackParams>): Promise<TaskResult> {
    const store = requireStore(ctx, 'wait_for_callback')
    const deploy = requireDeploy(ctx, 'wait_for_callback')
    const node = nodeView(ctx, store)
    const since = tokenIssuedAt(store, ctx.host, node.macs.map((m) => m.toLowerCase()))
    if (ctx.check) return {changed: false, msg: 'would wait for the LiveOS call-back'}
    if (!since) return {changed: false, failed: true, msg: `no LiveOS boot config for ${ctx.host}; run pxe_config mode liveos first`}
    const started = nowMs(deploy)
    const deadline = started + ctx.params.timeout * 1000
    ctx.progress('waiting for the LiveOS call-back')
    for (;;) {
      const facts = store.getNode(ctx.host)?.facts ?? {}
      const at = facts.liveos_callback_at
      if (typeof at === 'string' && at >= since && facts.liveos) {
        return called(ctx, store, facts.liveos as LiveOsFacts, at, (nowMs(deploy) - started) / 1000)
      }
      const left = deadline - nowMs(deploy)
      if (left <= 0) break
      await sleep(Math.min(ctx.params.poll * 1000, left), ctx.signal)
    }
    const stage = lastStage(eventsSince(store.events(ctx.host), since))
    const msg = `no call-back within ${formatDuration(ctx.params.timeout)}; last stage seen: ${describeStage(stage)}`
    store.addEvent(ctx.host, 'deploy.wait_for_callback', msg, {timeoutSec: ctx.params.timeout, stage: stage.stage, stageAt: stage.at, since})
    return {changed: false, failed: true, stage: stage.stage, stage_at: stage.at, hint: stage.hint, msg}
  },
}

function called(ctx: TaskContext<unknown>, store: Store, liveos: LiveOsFacts, at: string, waitedSec: number): TaskResult {
  const hostKey = liveos.hostKeys?.[0] ? fingerprint(liveos.hostKeys[0]) : undefined
  const disks = (liveos.disks ?? []).map((d) => ({name: d.name, size: d.sizeBytes, model: d.model, serial: d.serial}))
  store.addEvent(ctx.host, 'deploy.wait_for_callback', `LiveOS called back from ${liveos.ip} after ${formatDuration(waitedSec)}`,
    {ip: liveos.ip, hostKey, durationSec: waitedSec})
  return {
    changed: false, ip: liveos.ip, disks, host_key: hostKey, callback_at: at,
    msg: `LiveOS called back from ${liveos.ip} (${disks.length} disk${disks.length === 1 ? '' : 's'})`,
    facts: {liveos_ip: liveos.ip, liveos_disks: disks, liveos_host_key: hostKey, liveos_boot_mode: liveos.bootMode},
  }
}

export default waitForCallback
