import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {InputError} from '../../errors.js'
import {startVbmc} from '../../services/vbmc.js'
import type {VbmcRecord} from '../../testenv/vbmc/registry.js'

export default class VbmcStart extends BaseCommand<typeof VbmcStart> {
  static override description = `Start a virtual BMC (IPMI and/or Redfish) in the background, in front of a lab machine

The password is read from an env var or a file and handed to the background process the same way; it never appears in any command line. Lab use only: listen on loopback or inside a lab namespace.`
  static override examples = [
    'BMC_PW=secret <%= config.bin %> vbmc start node-1 --port 6230 --password-env BMC_PW',
    '<%= config.bin %> vbmc start node-2 --protocol both --port 6231 --redfish-port 8001 --password-file ./bmc.pw',
  ]
  static override args = {name: Args.string({description: 'vBMC name (also the machine name)', required: true})}
  static override flags = {
    port: Flags.integer({char: 'p', description: 'IPMI UDP port (Redfish HTTP port with --protocol redfish)', min: 1, max: 65535}),
    'redfish-port': Flags.integer({description: 'Redfish HTTP port (with --protocol both)', min: 1, max: 65535}),
    bind: Flags.string({description: 'address to listen on', default: '127.0.0.1'}),
    protocol: Flags.string({description: 'which BMC protocols to serve', options: ['ipmi', 'redfish', 'both'], default: 'ipmi'}),
    username: Flags.string({char: 'u', description: 'BMC user (administrator)', default: 'admin'}),
    'password-env': Flags.string({description: 'env var holding the BMC password'}),
    'password-file': Flags.string({description: 'file holding the BMC password (one trailing newline is ignored)'}),
    machine: Flags.string({description: 'machine behind the BMC', default: 'fake'}),
    'machine-opt': Flags.string({description: 'machine option key=value (repeatable)', multiple: true}),
  }

  async run(): Promise<VbmcRecord> {
    const f = this.flags
    const rec = await startVbmc(this.dataDir, {
      name: this.args.name, protocol: f.protocol as VbmcRecord['protocol'], port: f.port, redfishPort: f['redfish-port'], bind: f.bind,
      username: f.username, passwordEnv: f['password-env'], passwordFile: f['password-file'], machine: f.machine,
      machineOptions: machineOptions(f['machine-opt'] ?? []),
    })
    const where = [rec.ipmiPort !== undefined ? `ipmi ${rec.bind}:${rec.ipmiPort}` : '', rec.redfishPort !== undefined ? `redfish http://${rec.bind}:${rec.redfishPort}` : ''].filter(Boolean).join(', ')
    if (!this.json) this.log(`vBMC ${rec.name} running (pid ${rec.pid}): ${where}; log ${rec.log}`)
    return rec
  }
}

function machineOptions(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const p of pairs) {
    const at = p.indexOf('=')
    if (at < 1) throw new InputError(`--machine-opt "${p}" is not key=value`, [], 'e.g. --machine-opt memory=512')
    out[p.slice(0, at)] = p.slice(at + 1)
  }
  return out
}
