/**
 * Playbook runner benchmark: N hosts × 20 no-op tasks (debug/set_fact), strategy free, forks 100,
 * bmpctl vs ansible-playbook (local connection) on the same playbook. Each runs as a child under
 * /usr/bin/time for wall time and peak RSS; compared per host-task. Prints a markdown table.
 * Usage: node --import tsx bench/runner.ts [bmpctlHosts=1000] [ansibleHosts=20]
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const TASKS = 20
const ours = Number(process.argv[2] ?? 1000)
const theirs = Number(process.argv[3] ?? 20)
const root = fileURLToPath(new URL('..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'bmpctl-bench-runner-'))
process.on('exit', () => rmSync(dir, {recursive: true, force: true}))

function playbook(): string {
  const tasks = Array.from({length: TASKS}, (_, i) => i % 2
    ? `    - name: fact ${i}\n      set_fact:\n        f${i}: "{{ idx | int + ${i} }}"`
    : `    - name: say ${i}\n      debug:\n        msg: "host {{ inventory_hostname }} step ${i}"`)
  return `- hosts: all\n  gather_facts: false\n  strategy: free\n  tasks:\n${tasks.join('\n')}\n`
}

interface Measure { wall: number; rssMb: number; ok: boolean }

/** Runs argv under /usr/bin/time; stdout discarded like a CI log nobody reads. */
function measure(argv: string[], env: NodeJS.ProcessEnv = process.env): Measure {
  const timeFile = join(dir, 'time.txt')
  const r = spawnSync('/usr/bin/time', ['-o', timeFile, '-f', '%e %M', ...argv], {env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20})
  const [wall, kb] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number)
  return {wall, rssMb: kb / 1024, ok: r.status === 0}
}

const pbFile = join(dir, 'noop.yaml')
writeFileSync(pbFile, playbook())
const rows: {name: string; hosts: number; m: Measure}[] = []
rows.push({name: 'bmpctl', hosts: ours, m: measure([process.execPath, '--import', 'tsx', join(root, 'bench/runner.child.ts'), pbFile, String(ours)])})

let hasAnsible = true
try { execFileSync('sh', ['-c', 'command -v ansible-playbook'], {stdio: 'ignore'}) } catch { hasAnsible = false }
if (hasAnsible) {
  const inv = join(dir, 'inv.ini')
  writeFileSync(inv, `[all:vars]\nansible_connection=local\nansible_python_interpreter=/usr/bin/python3\n[all]\n${Array.from({length: theirs}, (_, i) => `h${i + 1} idx=${i + 1}`).join('\n')}\n`)
  const env = {...process.env, HOME: dir, ANSIBLE_LOCAL_TEMP: join(dir, 'atmp'), ANSIBLE_RETRY_FILES_ENABLED: '0', ANSIBLE_NOCOWS: '1', ANSIBLE_FORKS: '100', ANSIBLE_NOCOLOR: '1'}
  rows.push({name: 'ansible-playbook', hosts: theirs, m: measure(['ansible-playbook', '-i', inv, '-f', '100', pbFile], env)})
}

const perTask = (r: (typeof rows)[number]) => (r.m.wall * 1000) / (r.hosts * TASKS)
const base = rows[0]
console.log(`playbook: ${TASKS} no-op tasks (debug/set_fact), strategy free, forks 100; node ${process.version}`)
console.log('| runner | hosts | host-tasks | wall s | ms per host-task | peak RSS MB | ok | speed vs ansible |')
console.log('|---|---|---|---|---|---|---|---|')
const peer = rows.find((r) => r.name === 'ansible-playbook')
for (const r of rows) {
  const ratio = peer ? (perTask(peer) / perTask(r)).toFixed(1) + '×' : 'n/a'
  console.log(`| ${r.name} | ${r.hosts} | ${r.hosts * TASKS} | ${r.m.wall.toFixed(2)} | ${perTask(r).toFixed(3)} | ${r.m.rssMb.toFixed(0)} | ${r.m.ok ? 'yes' : 'NO'} | ${r === peer ? '1×' : ratio} |`)
}
if (peer) console.log(`\ntargets: ≥ 50× faster per host-task (${(perTask(peer) / perTask(base)).toFixed(1)}×), bmpctl RSS < 300 MB (${base.m.rssMb.toFixed(0)} MB)`)
