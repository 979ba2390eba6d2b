/**
 * Per-MAC boot files (iPXE script, pxelinux.cfg) rendered from the node's boot config with
 * the same Jinja2 engine playbooks use. No config (or mode none) boots the local disk, so
 * an unknown or idle node never loops on 404s.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {pxeTemplatesDir} from '../paths.js'
import {renderTemplate} from '../runner/template.js'
import type {StoredBootConfig} from '../state/types.js'

export type BootFileKind = 'ipxe' | 'pxelinux'

export interface BootRenderContext {
  /** e.g. http://192.0.2.1:8080 */
  httpBase: string
  /** The deploy key's OpenSSH public line (what the LiveOS authorises), when it exists. */
  sshPublicKey(): string | undefined
  templatesDir?: string
}

export interface RenderedBoot {
  text: string
  /** Which template was used. */
  mode: 'liveos' | 'local'
}

export type BootRenderer = (kind: BootFileKind, cfg: StoredBootConfig | undefined) => RenderedBoot

/** Variables of liveos.* templates: ours first, then the boot config's own vars on top. */
export function liveosVars(cfg: StoredBootConfig, ctx: BootRenderContext): Record<string, unknown> {
  const key = ctx.sshPublicKey()
  return {
    node: cfg.node,
    http_base: ctx.httpBase,
    callback_url: `${ctx.httpBase}/v1/callback`,
    ...(key ? {ssh_key_b64: Buffer.from(key.trim()).toString('base64')} : {}),
    extra_args: '',
    ...cfg.vars,
  }
}

export function createBootRenderer(ctx: BootRenderContext): BootRenderer {
  const dir = ctx.templatesDir ?? pxeTemplatesDir
  const texts = new Map<string, string>()
  const template = (name: string) => {
    let t = texts.get(name)
    if (t === undefined) texts.set(name, (t = readFileSync(join(dir, name), 'utf8')))
    return t
  }
  return (kind, cfg) => {
    if (cfg?.mode === 'liveos') return {mode: 'liveos', text: renderTemplate(template(`liveos.${kind}.j2`), liveosVars(cfg, ctx))}
    return {mode: 'local', text: renderTemplate(template(`local.${kind}.j2`), {node: cfg?.node ?? 'this node', ...cfg?.vars})}
  }
}

/** Reads `<key>.pub` fresh each time so a key created after start-up is picked up. */
export function publicKeyReader(privateKeyPath: string): () => string | undefined {
  return () => {
    try {
      return readFileSync(`${privateKeyPath}.pub`, 'utf8').trim() || undefined
    } catch {
      return undefined
    }
  }
}
