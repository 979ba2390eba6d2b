/**
 * The LiveOS call-back (docs/deploy.md): one-time bearer token, validated facts, state
 * check, facts stored, `callback` event, and the node moved on. The token is never logged.
 */
import type {CallbackRequest} from '../http/server.js'
import type {Logger} from '../../log.js'
import {parseLiveOsFacts, type LiveOsFacts} from '../../liveos/facts.js'
import {IllegalTransitionError, type Store} from '../../state/store.js'
import {ProvisionState as S, type ProvisionState, type TokenClaim} from '../../state/types.js'
import type {NodeIndex} from './node-index.js'
import {fingerprint} from '../../util/ssh-key.js'

export interface CallbackReply {
  status: number
  body: unknown
}

/** States a node may call back from, per token purpose, and where it goes next. */
const ACCEPT: Record<string, {from: ProvisionState[]; to?: ProvisionState}> = {
  deploy: {from: [S.WaitCallback], to: S.Deploying},
  undeploy: {from: [S.WaitCallback, S.Undeploying], to: S.Cleaning},
  inspect: {from: [S.Inspecting]},
}

/** Fingerprint of the first reported host key, for events and logs. */
export function hostKeyFingerprint(line: string | undefined): string | undefined {
  return line ? fingerprint(line) : undefined
}

export interface CallbackDeps {
  store: Store
  index: NodeIndex
  log: Logger
  now?: () => Date
}

function refuse(deps: CallbackDeps, req: CallbackRequest, status: number, reason: string, node?: string): CallbackReply {
  const target = node ?? deps.index.byIp(req.remoteAddress)?.node
  if (target) deps.store.addEvent(target, 'callback.refused', `call-back refused: ${reason}`, {client: req.remoteAddress, status})
  deps.log.warn('callback refused', {client: req.remoteAddress, node: target, status, reason})
  return {status, body: {ok: false, error: reason}}
}

export function handleCallback(deps: CallbackDeps, req: CallbackRequest): CallbackReply {
  const {store, log} = deps
  if (!req.token) return refuse(deps, req, 401, 'missing Authorization: Bearer token')
  const claim: TokenClaim | undefined = store.consumeToken(req.token)
  if (!claim) return refuse(deps, req, 401, 'unknown, expired or already used token')
  let facts: LiveOsFacts
  try {
    facts = parseLiveOsFacts(req.body)
  } catch (err) {
    return refuse(deps, req, 400, (err as Error).message, claim.node)
  }
  const node = store.getNode(claim.node)
  if (!node) return refuse(deps, req, 409, `node ${claim.node} no longer exists`)
  const rule = ACCEPT[claim.purpose]
  if (!rule) return refuse(deps, req, 409, `token purpose ${JSON.stringify(claim.purpose)} takes no call-back`, node.name)
  if (!rule.from.includes(node.state)) {
    return refuse(deps, req, 409, `node ${node.name} is ${node.state}, not ${rule.from.join(' or ')} (purpose ${claim.purpose})`, node.name)
  }
  const ip = facts.ip ?? req.remoteAddress
  const hostKey = hostKeyFingerprint(facts.hostKeys[0])
  store.setFacts(node.name, {liveos: facts, liveos_callback_at: (deps.now?.() ?? new Date()).toISOString()})
  store.addEvent(node.name, 'callback', `LiveOS called back from ${ip}`, {ip, hostKey, purpose: claim.purpose, client: req.remoteAddress})
  if (rule.to) {
    try {
      store.transition(node.name, rule.to, {reason: 'LiveOS called back'})
    } catch (err) {
      if (!(err instanceof IllegalTransitionError)) throw err
      log.warn('callback: state not moved', {node: node.name, from: node.state, to: rule.to, error: err.message})
    }
  }
  log.info('callback accepted', {node: node.name, ip, hostKey, purpose: claim.purpose})
  return {status: 200, body: {ok: true}}
}
