/** Use-case `playbook run`: load inventory and playbook, pick a reporter, run, map the outcome. */
import {loadInventory} from '../inventory/load.js'
import {loadPlaybook, parseExtraVars, runPlaybook} from '../runner/index.js'
import {fromInventory} from '../runner/inventory-adapter.js'
import {JsonReporter} from '../runner/reporters/json.js'
import {PlainReporter} from '../runner/reporters/plain.js'
import {TreeReporter} from '../runner/reporters/tree.js'
import type {Reporter, RunResult} from '../runner/types.js'
import type {TaskServices} from '../tasks/types.js'

export interface PlaybookRunRequest {
  playbook: string
  inventory: string
  check?: boolean
  limit?: string
  forks?: number
  extraVars?: string[]
  tags?: string[]
  skipTags?: string[]
  /** json: event lines; tree: listr2 on a TTY; plain: one line per event. */
  output: 'json' | 'tree' | 'plain'
  services?: TaskServices
  signal?: AbortSignal
}

function reporter(output: PlaybookRunRequest['output']): Reporter {
  if (output === 'json') return new JsonReporter()
  if (output === 'tree') return new TreeReporter()
  return new PlainReporter()
}

const list = (v?: string[]) => (v ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)

/** Both files are loaded and validated before anything runs (InputError → exit 2). */
export async function runPlaybookFile(req: PlaybookRunRequest): Promise<RunResult> {
  const extraVars = parseExtraVars(req.extraVars ?? [])
  const inventory = fromInventory(await loadInventory(req.inventory))
  const playbook = await loadPlaybook(req.playbook)
  return runPlaybook(playbook, {
    inventory, extraVars, check: req.check, limit: req.limit, forks: req.forks,
    tags: list(req.tags), skipTags: list(req.skipTags), services: req.services ?? {}, signal: req.signal, reporter: reporter(req.output),
  })
}
