/**
 * `bmpctl deploy | rebuild | undeploy | inspect`: one use-case with four playbooks.
 * Select nodes → reserve them (recovering nodes a dead run left busy) → refuse wrong
 * states → run the playbook with live progress → leave no node busy → report per node.
 */
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {InputError} from '../errors.js'
import type {Logger} from '../log.js'
import {playbooksDir} from '../paths.js'
import {loadPlaybook, parseExtraVars, startPlaybook} from '../runner/index.js'
import {fromInventory} from '../runner/inventory-adapter.js'
import {DeployReporter, NodeProgress, taskOrder} from '../runner/reporters/deploy.js'
import {JsonReporter} from '../runner/reporters/json.js'
import type {Playbook, Reporter, RunResult} from '../runner/types.js'
import {openStore, type HeldReservation, type Store} from '../state/store.js'
import type {BmcFactory} from './bmc.js'
import type {Confirm} from './confirm.js'
import {durationFlag, selectNodes, storeInventory} from './bmc-targets.js'
import {bmcPool, loadDeployServices, taskServices} from './deploy-env.js'
import {summarizeHardware, type ActionReport, type NodeOutcome} from './deploy-report.js'
import {ACTIONS, INTERRUPTED_TO, assertStates, claimNodes, type Claimed, type NodeAction} from './deploy-targets.js'
import {enrollFile} from './enroll.js'

export type ActionOutput = 'json' | 'tty' | 'plain'

export interface ActionRequest {
  action: NodeAction
  dataDir: string
  /** Host patterns over enrolled nodes; none = all. */
  patterns: string[]
  /** Enroll/update from this inventory first. */
  inventory?: string
  image?: string
  checksum?: string
  forks?: number
  serial?: number
  /** Call-back timeout as the user wrote it (`30m`). */
  timeout?: string
  extraVars?: string[]
  /** Run this playbook instead of the action's own (custom flows, tests). */
  playbook?: string
  output: ActionOutput
  signal?: AbortSignal
  /** stdout (live view, JSON lines). */
  write?: (s: string) => void
  /** stderr notes for humans. */
  note?: (line: string) => void
  /** Asked with the node names once they are reserved and checked, before anything runs (rebuild). */
  confirm?: Confirm
  bmcFactory?: BmcFactory
  log?: Logger
}

/** Extra vars the playbooks read, from the flags (`-e` wins, as in ansible-playbook). */
export function actionVars(req: Pick<ActionRequest, 'image' | 'checksum' | 'timeout' | 'extraVars'>): Record<string, unknown> {
  const vars: Record<string, unknown> = {}
  if (req.image !== undefined) {
    if (!/^(https?|file):\/\/\S+$/.test(req.image)) throw new InputError(`--image ${JSON.stringify(req.image)} is not an http(s):// or file:// URL`)
    vars.image_url = req.image
  }
  if (req.checksum !== undefined) vars.image_checksum = req.checksum
  if (req.timeout !== undefined) vars.callback_timeout = durationFlag('timeout', req.timeout) / 1000
  return {...vars, ...parseExtraVars(req.extraVars ?? [])}
}

function playbookFile(req: ActionRequest): string {
  const file = req.playbook ?? join(playbooksDir, ACTIONS[req.action].playbook)
  if (!existsSync(file)) throw new InputError(`playbook ${file} does not exist`, [], req.playbook ? 'check --playbook' : 'the installation is incomplete: reinstall bmpctl')
  return file
}

async function loadForRun(req: ActionRequest): Promise<Playbook> {
  const pb = await loadPlaybook(playbookFile(req))
  if (req.serial !== undefined) for (const p of pb.plays) p.serial = [req.serial]
  return pb
}

/** Nodes the run still left busy (cancelled, or a failure without rescue) fall into the failed state. */
function settle(store: Store, names: string[], result: RunResult, progress: NodeProgress): void {
  for (const name of names) {
    const node = store.getNode(name)
    const to = node && INTERRUPTED_TO[node.state]
    if (!node || !to) continue
    const why = result.cancelled ? 'cancelled' : `run ended with the node still ${node.state}${progress.rows.get(name)?.lastFailure ? ` (${progress.rows.get(name)!.lastFailure})` : ''}`
    store.transition(name, to, {reason: why, error: why})
  }
}

function outcomes(store: Store, req: ActionRequest, claimed: Claimed, result: RunResult | undefined, progress: NodeProgress): NodeOutcome[] {
  const spec = ACTIONS[req.action]
  const out: NodeOutcome[] = claimed.held.map(({node: name}) => {
    const node = store.getNode(name)
    const row = progress.rows.get(name)
    const durationMs = row ? (row.endedAt ?? Date.now()) - row.startedAt : 0
    const ok = !!node && !!result && !result.cancelled && spec.done.includes(node.state) && !result.failedHosts.includes(name) && !result.unreachableHosts.includes(name)
    const o: NodeOutcome = {node: name, result: ok ? 'ok' : 'failed', state: node?.state, durationMs}
    if (!ok) o.reason = result?.cancelled ? 'cancelled' : row?.firstFailure ?? node?.lastError ?? `ended in state ${node?.state ?? 'unknown'}`
    return o
  })
  for (const c of claimed.conflicts) out.push({node: c.node, result: 'failed', state: store.getNode(c.node)?.state, durationMs: 0, reason: c.reason})
  return out
}

/** Runs the action end to end; the caller prints the report and maps `ok` to the exit code. */
export async function runAction(req: ActionRequest): Promise<ActionReport> {
  const note = req.note ?? ((l: string) => process.stderr.write(l + '\n'))
  const extraVars = actionVars(req)
  const pb = await loadForRun(req)
  const deploy = await loadDeployServices(req.dataDir)
  const store = openStore(req.dataDir)
  const bmc = bmcPool(store, {factory: req.bmcFactory, log: req.log})
  let claimed: Claimed = {held: [], conflicts: [], recovered: []}
  try {
    if (req.inventory) {
      const enrolled = await enrollFile(store, req.inventory, {forks: req.forks, factory: req.bmcFactory, log: req.log, signal: req.signal})
      for (const row of enrolled.rows) if (row.error || row.bmc.ok === false) note(`enroll ${row.node}: ${row.error ?? row.bmc.error}`)
    }
    const {nodes, warnings} = selectNodes(store, req.patterns.length ? req.patterns : ['all'])
    warnings.forEach((w) => note(`warning: ${w}`))
    claimed = claimNodes(store, nodes.map((n) => n.name), ACTIONS[req.action].purpose)
    for (const r of claimed.recovered) note(`${r.node}: ${r.from} → ${r.to} (${r.reason})`)
    assertStates(claimed.held.map((h) => store.requireNode(h.node)), req.action)
    if (req.confirm && claimed.held.length) await req.confirm(claimed.held.map((h) => h.node))
    const progress = new NodeProgress(taskOrder(pb))
    const result = claimed.held.length ? await play(store, req, pb, claimed.held, {services: taskServices(store, bmc, deploy), extraVars, progress}) : undefined
    if (result) settle(store, claimed.held.map((h) => h.node), result, progress)
    const report: ActionReport = {action: req.action, outcomes: outcomes(store, req, claimed, result, progress), recovered: claimed.recovered,
      cancelled: !!result?.cancelled, ok: false}
    report.ok = report.outcomes.every((o) => o.result === 'ok') && !report.cancelled
    if (req.action === 'inspect') report.facts = hardware(store, claimed.held)
    return report
  } finally {
    await bmc.closeAll()
    for (const h of claimed.held) h.release()
    store.close()
  }
}

function hardware(store: Store, held: HeldReservation[]): ActionReport['facts'] {
  const out: NonNullable<ActionReport['facts']> = {}
  for (const {node} of held) {
    const s = summarizeHardware(store.getNode(node)?.facts ?? {})
    if (s) out[node] = s
  }
  return out
}

async function play(store: Store, req: ActionRequest, pb: Playbook, held: HeldReservation[],
  run: {services: Record<string, unknown>; extraVars: Record<string, unknown>; progress: NodeProgress}): Promise<RunResult> {
  const names = new Set(held.map((h) => h.node))
  const inventory = fromInventory(storeInventory(store.listNodes().filter((n) => names.has(n.name))))
  const write = req.write ?? ((s: string) => process.stdout.write(s))
  const reporter: Reporter = req.output === 'json'
    ? new JsonReporter((line) => write(line + '\n'))
    : new DeployReporter(req.output, {order: taskOrder(pb), write})
  const {done} = startPlaybook(pb, {inventory, extraVars: run.extraVars, forks: req.forks, services: run.services, signal: req.signal, reporter,
    onEvent: (e) => run.progress.apply(e)})
  return done
}

/**
 * Runs `fn` with an AbortSignal that the first Ctrl-C aborts (the run cancels and cleans
 * up); a second Ctrl-C exits at once.
 */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>, onFirst?: () => void): Promise<T> {
  const ac = new AbortController()
  const handler = () => {
    if (ac.signal.aborted) process.exit(130)
    onFirst?.()
    ac.abort(new Error('interrupted'))
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  try {
    return await fn(ac.signal)
  } finally {
    process.removeListener('SIGINT', handler)
    process.removeListener('SIGTERM', handler)
  }
}
