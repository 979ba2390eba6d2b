import {type ChildProcess, spawn} from 'node:child_process'
import {chmodSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

/**
 * ipmi_sim (OpenIPMI) as a real BMC on 127.0.0.1, following REFERENCE.md §4: a lan.conf
 * with a chassis_control shell hook that keeps power and boot device in files, an emu
 * file with mc_enable, a state dir, and stdin held open as a pipe (its console needs it).
 */
export interface IpmiSim {
  port: number
  dir: string
  /** Current power as the hook recorded it ('0' | '1'). */
  power(): string
  /** Last boot device the hook was told. */
  boot(): string
  /** Every hook invocation, one per line (e.g. "0x20 set power 1"). */
  calls(): string
  close(): Promise<void>
}

/** Every ipmi_sim we started, killed by PID at exit even when a test fails. */
const running = new Set<ChildProcess>()
let hooked = false
function killAtExit(child: ChildProcess): void {
  running.add(child)
  child.once('exit', () => running.delete(child))
  if (hooked) return
  hooked = true
  process.on('exit', () => { for (const c of running) if (c.exitCode === null) c.kill('SIGKILL') })
}

const HOOK = `#!/bin/sh
# ipmi_sim chassis_control hook: $1 = MC address, then get <names...> | set <name> <value> ...
dir=$(dirname "$0")
echo "$@" >> "$dir/calls"
shift
op=$1; shift
if [ "$op" = get ]; then
  for n in "$@"; do
    case $n in
      power) echo "power:$(cat "$dir/power" 2>/dev/null || echo 0)" ;;
      boot) echo "boot:$(cat "$dir/boot" 2>/dev/null || echo default)" ;;
    esac
  done
else
  while [ $# -ge 2 ]; do
    case $1 in
      power) echo "$2" > "$dir/power" ;;
      boot) echo "$2" > "$dir/boot" ;;
    esac
    shift 2
  done
fi
`

export async function startIpmiSim(dir: string, port: number, user = 'admin', password = 'password'): Promise<IpmiSim> {
  mkdirSync(join(dir, 'state'), {recursive: true})
  const hook = join(dir, 'hook.sh')
  writeFileSync(hook, HOOK)
  chmodSync(hook, 0o755)
  writeFileSync(join(dir, 'power'), '0\n')
  writeFileSync(join(dir, 'lan.conf'), [
    'name "sim"',
    'set_working_mc 0x20',
    '  startlan 1',
    `    addr 127.0.0.1 ${port}`,
    '    priv_limit admin',
    '    allowed_auths_callback none md2 md5 straight',
    '    allowed_auths_user none md2 md5 straight',
    '    allowed_auths_operator none md2 md5 straight',
    '    allowed_auths_admin none md2 md5 straight',
    '    guid a123456789abcdefa123456789abcdef',
    '  endlan',
    `  chassis_control "${hook} 0x20"`,
    `  user 2 true "${user}" "${password}" admin 10 none md2 md5 straight`,
    '',
  ].join('\n'))
  writeFileSync(join(dir, 'emu'), [
    'mc_setbmc 0x20',
    'mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr',
    'sel_enable 0x20 1000 0x0a',
    'mc_enable 0x20',
    '',
  ].join('\n'))
  const child: ChildProcess = spawn('ipmi_sim', ['-n', '-c', join(dir, 'lan.conf'), '-f', join(dir, 'emu'), '-s', join(dir, 'state')], {
    stdio: ['pipe', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
  killAtExit(child)
  await waitForUdp(port, child, () => stderr)
  const read = (f: string) => { try { return readFileSync(join(dir, f), 'utf8').trim() } catch { return '' } }
  return {
    port, dir,
    power: () => read('power'),
    boot: () => read('boot'),
    calls: () => read('calls'),
    close: async () => {
      if (child.exitCode !== null) return
      const gone = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 1000)
      await gone
      clearTimeout(t)
    },
  }
}

/** ipmi_sim has no readiness signal: poll /proc/net/udp for the bound port. */
async function waitForUdp(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`ipmi_sim exited (${child.exitCode}): ${stderr()}`)
    if (readFileSync('/proc/net/udp', 'utf8').includes(`0100007F${hex}`)) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`ipmi_sim did not bind 127.0.0.1:${port}: ${stderr()}`)
}


export {freeUdpPort} from './ports.js'
