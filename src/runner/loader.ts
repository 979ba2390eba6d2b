/**
 * Playbook loader: YAML with positions → plays, blocks and tasks. Every problem found
 * (syntax, unknown module or keyword, bad params) is reported as file:line:col before anything runs.
 */
import {dirname, resolve} from 'node:path'
import type {Node} from 'yaml'
import {InputError, type Problem, type SourcePos} from '../errors.js'
import type {TaskModule} from '../tasks/types.js'
import {modules as builtinModules} from '../tasks/index.js'
import {checkArgs, parseFreeForm} from './params.js'
import {hint} from './suggest.js'
import {isTemplate} from './template.js'
import type {Block, Item, Play, Playbook, Serial, Task} from './types.js'
import {YamlFile, isScalar, mapEntries, seqItems, type MapEntry} from './yaml-pos.js'

const PLAY_KEYS = ['name', 'hosts', 'vars', 'vars_files', 'strategy', 'serial', 'forks', 'gather_facts', 'tasks', 'handlers',
  'pre_tasks', 'post_tasks', 'any_errors_fatal', 'ignore_errors', 'tags'] as const
const TASK_KEYS = ['name', 'when', 'loop', 'with_items', 'loop_control', 'register', 'retries', 'until', 'delay', 'changed_when',
  'failed_when', 'ignore_errors', 'notify', 'tags', 'vars', 'delegate_to', 'run_once', 'any_errors_fatal', 'timeout', 'args', 'no_log', 'listen']
const BLOCK_KEYS = ['name', 'block', 'rescue', 'always', 'when', 'tags', 'vars', 'ignore_errors', 'any_errors_fatal', 'delegate_to', 'run_once']
const LOOP_CONTROL_KEYS = ['loop_var', 'label', 'index_var', 'extended', 'pause']
export const META_ACTIONS = ['flush_handlers', 'noop', 'end_play', 'end_host', 'clear_host_errors']

/** Normalises Ansible module names (`ansible.builtin.debug` → `debug`). */
export function moduleName(key: string): string {
  return key.replace(/^ansible\.(builtin|legacy)\./, '')
}

export class Loader {
  readonly problems: Problem[] = []
  /** Task files reached through literal include_tasks paths, parsed once. */
  readonly includes = new Map<string, Item[]>()
  constructor(readonly modules: Record<string, TaskModule> = builtinModules) {}

  add(pos: SourcePos, message: string, h?: string): void {
    this.problems.push({pos, message, ...(h ? {hint: h} : {})})
  }

  fail(what: string): void {
    if (this.problems.length) throw new InputError(`${what}: ${this.problems.length} problem(s)`, this.problems)
  }

  async playbook(file: string): Promise<Playbook> {
    const path = resolve(file)
    const y = await YamlFile.read(path)
    const plays = seqItems(y.root())
    if (!plays) this.add(y.pos(y.root()), 'a playbook must be a list of plays', 'start each play with `- hosts: ...`')
    const out = (plays ?? []).map((n) => this.play(y, n)).filter((p): p is Play => !!p)
    await this.loadIncludes(dirname(path), out.flatMap((p) => [...p.preTasks, ...p.tasks, ...p.postTasks, ...p.handlers]), 0)
    this.fail(`playbook ${file} is invalid`)
    return {file: path, dir: dirname(path), plays: out, includes: this.includes, modules: this.modules}
  }

  /** Parses a task file (include_tasks target). */
  async taskFile(file: string, depth = 0): Promise<Item[]> {
    const y = await YamlFile.read(file)
    const items = this.items(y, y.root(), 'task file')
    await this.loadIncludes(dirname(file), items, depth + 1)
    return items
  }

  private async loadIncludes(dir: string, items: Item[], depth: number): Promise<void> {
    if (depth > 20) return
    for (const item of items) {
      if (item.kind === 'block') {
        await this.loadIncludes(dir, [...item.block, ...item.rescue, ...item.always], depth)
        continue
      }
      const f = item.module === 'include_tasks' ? (item.args.file ?? item.args._raw) : undefined
      if (typeof f !== 'string' || isTemplate(f)) continue
      const path = resolve(dir, f)
      if (this.includes.has(path)) continue
      this.includes.set(path, [])
      try {
        this.includes.set(path, await this.taskFile(path, depth))
      } catch (e) {
        if (e instanceof InputError) this.problems.push(...(e.problems.length ? e.problems : [{pos: item.pos, message: e.message}]))
        else throw e
      }
    }
  }

  private play(y: YamlFile, node: Node): Play | undefined {
    const pos = y.pos(node)
    const entries = mapEntries(node)
    if (!entries) return void this.add(pos, 'a play must be a mapping', 'use `- hosts: all` followed by `tasks:`')
    this.checkKeys(y, entries, PLAY_KEYS, 'play')
    const get = (k: string) => entries.find((e) => e.key === k)?.value
    const hosts = y.js(get('hosts'))
    if (hosts === undefined) this.add(pos, 'play has no "hosts"', 'add `hosts: all` (or a group or pattern)')
    const strategy = String(y.js(get('strategy')) ?? 'linear')
    if (!['linear', 'free'].includes(strategy)) this.add(y.pos(get('strategy')), `unknown strategy "${strategy}"`, hint(strategy, ['linear', 'free']))
    const name = y.js(get('name'))
    return {
      name: name === undefined ? String(Array.isArray(hosts) ? hosts.join(',') : hosts ?? '') : String(name),
      hosts: Array.isArray(hosts) ? hosts.join(':') : String(hosts ?? ''),
      vars: this.dict(y, get('vars'), 'play vars'),
      varsFiles: this.strings(y, get('vars_files')),
      strategy: strategy as Play['strategy'],
      serial: this.serial(y, get('serial')),
      forks: this.posInt(y, get('forks'), 'forks'),
      preTasks: this.items(y, get('pre_tasks'), 'pre_tasks'),
      tasks: this.items(y, get('tasks'), 'tasks'),
      postTasks: this.items(y, get('post_tasks'), 'post_tasks'),
      handlers: this.items(y, get('handlers'), 'handlers').filter((h): h is Task => h.kind === 'task'),
      anyErrorsFatal: Boolean(y.js(get('any_errors_fatal'))),
      ignoreErrors: Boolean(y.js(get('ignore_errors'))),
      tags: this.strings(y, get('tags')),
      pos,
    }
  }

  private checkKeys(y: YamlFile, entries: MapEntry[], allowed: readonly string[], what: string): void {
    for (const e of entries) if (!allowed.includes(e.key)) this.add(y.pos(e.keyNode), `unknown ${what} keyword "${e.key}"`, hint(e.key, allowed))
  }

  private dict(y: YamlFile, node: Node | null | undefined, what: string): Record<string, unknown> {
    const v = y.js(node)
    if (v == null) return {}
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.add(y.pos(node), `${what} must be a mapping`)
      return {}
    }
    return v as Record<string, unknown>
  }

  private strings(y: YamlFile, node: Node | null | undefined): string[] {
    const v = y.js(node)
    if (v == null) return []
    if (Array.isArray(v)) return v.map(String)
    return String(v).split(',').map((s) => s.trim()).filter(Boolean)
  }

  private posInt(y: YamlFile, node: Node | null | undefined, what: string): number | undefined {
    const v = y.js(node)
    if (v == null) return undefined
    const n = Number(v)
    if (!Number.isInteger(n) || n < 1) this.add(y.pos(node), `${what} must be a positive integer, got ${JSON.stringify(v)}`)
    return n
  }

  private serial(y: YamlFile, node: Node | null | undefined): Serial | undefined {
    const v = y.js(node)
    if (v == null) return undefined
    const list = Array.isArray(v) ? v : [v]
    for (const s of list) {
      if (!(typeof s === 'number' && s > 0) && !/^\d+(\.\d+)?%$|^\d+$/.test(String(s))) {
        this.add(y.pos(node), `serial must be a number, a percentage or a list of them, got ${JSON.stringify(s)}`)
      }
    }
    return list as Serial
  }

  items(y: YamlFile, node: Node | null | undefined, what: string): Item[] {
    const list = seqItems(node)
    if (!list) {
      this.add(y.pos(node), `${what} must be a list of tasks`, 'start each task with `- name: ...`')
      return []
    }
    return list.map((n) => this.item(y, n)).filter((t): t is Item => !!t)
  }

  private item(y: YamlFile, node: Node): Item | undefined {
    const pos = y.pos(node)
    const entries = mapEntries(node)
    if (!entries) return void this.add(pos, 'a task must be a mapping', 'write `- name: ...` with a module key such as `debug:`')
    const get = (k: string) => entries.find((e) => e.key === k)?.value
    const common = {
      name: y.js(get('name')) === undefined ? undefined : String(y.js(get('name'))),
      when: this.conds(y, get('when')),
      tags: this.strings(y, get('tags')),
      vars: this.dict(y, get('vars'), 'vars'),
      ignoreErrors: y.js(get('ignore_errors')),
      anyErrorsFatal: y.js(get('any_errors_fatal')) === undefined ? undefined : Boolean(y.js(get('any_errors_fatal'))),
      pos,
    }
    if (entries.some((e) => e.key === 'block')) {
      this.checkKeys(y, entries, BLOCK_KEYS, 'block')
      const block: Block = {kind: 'block', ...common, block: this.items(y, get('block'), 'block'),
        rescue: this.items(y, get('rescue'), 'rescue'), always: this.items(y, get('always'), 'always')}
      return block
    }
    return this.task(y, entries, common)
  }

  private task(y: YamlFile, entries: MapEntry[], common: Omit<Task, 'kind' | 'module' | 'args' | 'loopVar' | 'notify' | 'listen'>): Task | undefined {
    const get = (k: string) => entries.find((e) => e.key === k)?.value
    const candidates = entries.filter((e) => !TASK_KEYS.includes(e.key))
    const known = [...Object.keys(this.modules), 'meta']
    const mods = candidates.filter((e) => known.includes(moduleName(e.key)))
    for (const e of candidates.filter((c) => !mods.includes(c))) {
      const msg = mods.length ? `unknown task keyword "${e.key}"` : `unknown module or task keyword "${e.key}"`
      this.add(y.pos(e.keyNode), msg, hint(moduleName(e.key), mods.length ? TASK_KEYS : [...known, ...TASK_KEYS]))
    }
    if (mods.length > 1) this.add(y.pos(mods[1].keyNode), `a task runs one module, found ${mods.map((m) => m.key).join(' and ')}`)
    if (!mods.length) {
      if (!candidates.length) this.add(common.pos, 'task has no module', 'add a module key such as `debug: msg=hello`')
      return undefined
    }
    const modKey = mods[0]
    const module = moduleName(modKey.key)
    const args = this.args(y, module, modKey, get('args'))
    const lc = this.dict(y, get('loop_control'), 'loop_control')
    for (const k of Object.keys(lc)) if (!LOOP_CONTROL_KEYS.includes(k)) this.add(y.pos(get('loop_control')), `unknown loop_control key "${k}"`, hint(k, LOOP_CONTROL_KEYS))
    const withItems = y.js(get('with_items'))
    const delegate = y.js(get('delegate_to'))
    if (delegate !== undefined && !['localhost', '127.0.0.1'].includes(String(delegate)) && !isTemplate(String(delegate))) {
      this.add(y.pos(get('delegate_to')), `delegate_to "${String(delegate)}" is not supported`, 'modules run on the control host; use delegate_to: localhost or drop it')
    }
    return {
      kind: 'task', ...common, module, args,
      loop: get('loop') !== undefined ? y.js(get('loop')) : withItems === undefined ? undefined : Array.isArray(withItems) ? withItems.flat() : withItems,
      loopVar: String(lc.loop_var ?? 'item'),
      loopLabel: lc.label === undefined ? undefined : String(lc.label),
      register: y.js(get('register')) === undefined ? undefined : String(y.js(get('register'))),
      retries: y.js(get('retries')),
      until: this.conds(y, get('until')),
      delay: y.js(get('delay')),
      changedWhen: this.conds(y, get('changed_when')),
      failedWhen: this.conds(y, get('failed_when')),
      notify: this.strings(y, get('notify')).length && Array.isArray(y.js(get('notify'))) ? (y.js(get('notify')) as unknown[]).map(String) : y.js(get('notify')) == null ? [] : [String(y.js(get('notify')))],
      listen: y.js(get('listen')) == null ? [] : ([] as unknown[]).concat(y.js(get('listen'))).map(String),
      runOnce: y.js(get('run_once')) === undefined ? undefined : Boolean(y.js(get('run_once'))),
      timeout: y.js(get('timeout')),
      delegateTo: delegate === undefined ? undefined : String(delegate),
      noLog: Boolean(y.js(get('no_log'))),
      indexVar: lc.index_var === undefined ? undefined : String(lc.index_var),
    }
  }

  private args(y: YamlFile, module: string, entry: MapEntry, extra: Node | null | undefined): Record<string, unknown> {
    const raw = y.js(entry.value)
    const pos = y.pos(entry.value, y.pos(entry.keyNode))
    if (module === 'meta') {
      const action = String(raw)
      if (!META_ACTIONS.includes(action)) this.add(pos, `unknown meta action "${action}"`, hint(action, META_ACTIONS))
      return {_raw: action}
    }
    const mod = this.modules[module]
    let args: Record<string, unknown>
    if (raw == null) args = {}
    else if (typeof raw === 'string' || typeof raw === 'number') {
      const parsed = parseFreeForm(mod, String(raw))
      if (parsed.error) this.add(pos, parsed.error)
      args = parsed.args
    } else if (typeof raw === 'object' && !Array.isArray(raw)) args = raw as Record<string, unknown>
    else {
      this.add(pos, `arguments of ${module} must be a mapping or key=value string`)
      args = {}
    }
    args = {...this.dict(y, extra, 'args'), ...args}
    for (const err of checkArgs(mod, args)) this.add(pos, err)
    return args
  }

  private conds(y: YamlFile, node: Node | null | undefined): unknown[] | undefined {
    if (node === undefined) return undefined
    const v = y.js(node)
    if (isScalar(node) && typeof v === 'string' && v.trim() === '') this.add(y.pos(node), 'empty condition')
    return Array.isArray(v) ? v : [v]
  }
}

/** Loads and validates a playbook; throws InputError listing every problem with file:line:col. */
export async function loadPlaybook(file: string, modules?: Record<string, TaskModule>): Promise<Playbook> {
  return new Loader(modules).playbook(file)
}
