import type {CpioEntry} from './cpio.js'

/**
 * The root tree every busybox initramfs here starts from (the LiveOS and the lab's guest
 * image): directories, a merged /usr, console and null devices, and /etc files.
 */
export function rootSkeleton(dirs: readonly string[], etcFiles: Record<string, string>): CpioEntry[] {
  return [
    ...dirs.map((path): CpioEntry => ({type: 'dir', path})),
    {type: 'dir', path: 'root', mode: 0o700},
    {type: 'dir', path: 'root/.ssh', mode: 0o700},
    {type: 'dir', path: 'tmp', mode: 0o1777},
    // Merged /usr: everything lives in /bin, the other bin dirs point there.
    {type: 'symlink', path: 'sbin', target: 'bin'},
    {type: 'symlink', path: 'usr/bin', target: '../bin'},
    {type: 'symlink', path: 'usr/sbin', target: '../bin'},
    {type: 'symlink', path: 'var/run', target: '../run'},
    {type: 'char', path: 'dev/console', mode: 0o600, major: 5, minor: 1},
    {type: 'char', path: 'dev/null', mode: 0o666, major: 1, minor: 3},
    ...Object.entries(etcFiles).map(([path, text]): CpioEntry => ({type: 'file', path, mode: path === 'etc/shadow' ? 0o600 : 0o644, data: Buffer.from(text)})),
  ]
}

/** Directories every entry needs, so the archive never relies on implicit parents. */
export function withParents(entries: CpioEntry[]): CpioEntry[] {
  const have = new Set(entries.map((e) => e.path.replace(/^\/+/, '')))
  const extra: CpioEntry[] = []
  for (const e of entries) {
    const parts = e.path.replace(/^\/+/, '').split('/')
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/')
      if (!have.has(dir)) { have.add(dir); extra.push({type: 'dir', path: dir}) }
    }
  }
  return [...entries, ...extra]
}
