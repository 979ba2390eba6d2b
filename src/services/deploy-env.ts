/**
 * The task services a deploy-style run hands the playbook: the store, BMC access per host
 * (events record which provider answered), and the deploy context (config, layout, key).
 */
import {readFile} from 'node:fs/promises'
import type {BmcChain} from '../bmc/chain.js'
import {errorText} from '../bmc/ops.js'
import type {BmcProvider, Feature} from '../bmc/types.js'
import {layout, loadConfig} from '../config/config.js'
import type {DeployServices} from '../deploy/context.js'
import {EnvironmentError} from '../errors.js'
import type {Logger} from '../log.js'
import {closeAllIpmiSessions} from '../protocols/ipmi/pool.js'
import type {Store} from '../state/store.js'
import type {TaskServices} from '../tasks/types.js'
import type {BmcFactory} from './bmc.js'
import {createBmc} from '../bmc/factory.js'

/** Successful reads are polled (power waits); only changes and failures are worth an event. */
const QUIET_WHEN_OK: ReadonlySet<Feature> = new Set<Feature>(['power-state', 'boot-device-get', 'info'])

export interface BmcPool {
  bmcFor(host: string): Promise<BmcProvider>
  /** Closes every BMC opened for the run, then pooled IPMI sessions. */
  closeAll(): Promise<void>
}

/** One BMC per host for the whole run, opened on first use. */
export function bmcPool(store: Store, opts: {factory?: BmcFactory; log?: Logger; timeoutMs?: number} = {}): BmcPool {
  const open = new Map<string, Promise<BmcProvider & {lastAnsweredBy?: string}>>()
  const make = opts.factory ?? (createBmc as (...a: Parameters<typeof createBmc>) => Promise<BmcChain>)
  const bmcFor = (host: string) => {
    let bmc = open.get(host)
    if (!bmc) {
      const spec = store.requireNode(host).spec.bmc
      bmc = make(spec, {label: host, log: opts.log, timeoutMs: opts.timeoutMs, onAttempt: (provider, capability, ok, error) => {
        if (ok && QUIET_WHEN_OK.has(capability)) return
        const message = ok ? `${capability} answered by ${provider}` : `${capability} via ${provider} failed: ${errorText(error)}`
        store.addEvent(host, `bmc.${capability}`, message, {answeredBy: ok ? provider : undefined, provider, ok, ...(error ? {error: errorText(error)} : {})})
      }})
      open.set(host, bmc)
      // A failed open is retried on the next call rather than cached.
      bmc.catch(() => open.delete(host))
    }
    return bmc
  }
  const closeAll = async () => {
    const all = [...open.values()]
    open.clear()
    await Promise.all(all.map((p) => p.then((b) => b.close()).catch((err) => opts.log?.debug('bmc close failed', {error: errorText(err)}))))
    await closeAllIpmiSessions()
  }
  return {bmcFor, closeAll}
}

/** Config, layout and the deploy key from the data dir (written by `bmpctl install`). */
export async function loadDeployServices(dataDir: string): Promise<DeployServices> {
  const config = await loadConfig(dataDir)
  const lay = layout(dataDir, config)
  let sshPrivateKey: Buffer
  let sshPublicKey: string
  try {
    sshPrivateKey = await readFile(lay.sshKey)
    sshPublicKey = (await readFile(`${lay.sshKey}.pub`, 'utf8')).trim()
  } catch (err) {
    throw new EnvironmentError(`no deploy SSH key at ${lay.sshKey} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      'run `bmpctl install` to create it (or pass --data-dir)')
  }
  return {layout: lay, config, sshPrivateKey, sshPublicKey}
}

export function taskServices(store: Store, bmc: BmcPool, deploy: DeployServices): TaskServices {
  return {store, bmcFor: bmc.bmcFor, deploy}
}
