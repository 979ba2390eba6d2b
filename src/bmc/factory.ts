import type {BmcSpec} from '../inventory/model.js'
import type {Logger} from '../log.js'
import {BmcChain, type AttemptListener} from './chain.js'
import {resolvePassword} from './credentials.js'
import {FakeProvider} from './fake.js'
import {IpmiProvider} from './ipmi.js'
import {IpmitoolProvider, type Executor} from './ipmitool.js'
import {RedfishProvider} from './redfish.js'
import type {BmcProvider} from './types.js'

export interface CreateBmcOptions {
  /** Node name, used in error messages (never the password). */
  label: string
  log?: Logger
  /** Budget per provider per call. */
  timeoutMs?: number
  onAttempt?: AttemptListener
  /** For tests: how ipmitool is run. */
  ipmitoolExecutor?: Executor
  env?: NodeJS.ProcessEnv
}

/**
 * A provider for one node's BMC. Always a chain, so every driver reports who answered
 * and honours the per-call timeout; driver ipmi = native client, then ipmitool.
 */
export async function createBmc(spec: BmcSpec, opts: CreateBmcOptions): Promise<BmcChain> {
  const password = await resolvePassword(spec.password, opts.label, opts.env)
  const log = opts.log?.child({node: opts.label, bmc: spec.address})
  const timeoutMs = opts.timeoutMs ?? 30000
  const providers: BmcProvider[] = []
  const ipmitool = () =>
    new IpmitoolProvider({
      address: spec.address,
      port: spec.port,
      username: spec.username,
      password,
      cipherSuite: spec.cipherSuite,
      timeoutMs,
      executor: opts.ipmitoolExecutor,
      log,
    })
  switch (spec.driver) {
    case 'ipmi':
      // Native timeoutMs is per try (with retries); the chain's budget bounds the whole call.
      providers.push(new IpmiProvider({address: spec.address, port: spec.port, username: spec.username ?? '', password, cipherSuite: spec.cipherSuite, log}))
      providers.push(ipmitool())
      break
    case 'ipmitool':
      providers.push(ipmitool())
      break
    case 'redfish':
      providers.push(new RedfishProvider({
        address: spec.address,
        port: spec.port,
        scheme: spec.scheme,
        username: spec.username,
        password,
        systemId: spec.systemId,
        verifyTls: spec.verifyTls,
        timeoutMs,
        log,
      }))
      break
    case 'fake':
      providers.push(new FakeProvider({address: spec.address, username: spec.username, password}))
      break
  }
  return new BmcChain(providers, {name: spec.driver, timeoutMs, onAttempt: opts.onAttempt, log})
}
