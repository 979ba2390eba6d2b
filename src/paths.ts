import {homedir} from 'node:os'
import {join, resolve, dirname} from 'node:path'
import {fileURLToPath} from 'node:url'

/** Default data dir: system-wide as root, per-user otherwise; BMPCTL_DATA_DIR overrides. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BMPCTL_DATA_DIR) return resolve(env.BMPCTL_DATA_DIR)
  if (process.getuid?.() === 0) return '/var/lib/bmpctl'
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'bmpctl')
}

/** Root of the installed package (holds playbooks/, pxe-templates/, inventories/). */
export const packageRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '..')

export const playbooksDir = join(packageRoot, 'playbooks')
export const pxeTemplatesDir = join(packageRoot, 'pxe-templates')
