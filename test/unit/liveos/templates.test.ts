import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, test} from 'node:test'
import nunjucks from 'nunjucks'
import {renderTemplate} from '../../../src/runner/template.js'

/**
 * PXE templates render with nunjucks (stand-in for the runner's engine) and, as an
 * oracle, with Python's Jinja2 (StrictUndefined, as Ansible would) to the same text.
 */
const dir = fileURLToPath(new URL('../../../pxe-templates', import.meta.url))
const templates = readdirSync(dir).filter((f) => f.endsWith('.j2')).sort()
const env = new nunjucks.Environment(null, {autoescape: false, throwOnUndefined: true})
const vars = {
  http_base: 'http://192.0.2.1:8080',
  grub_root: '(http,192.0.2.1:8080)',
  callback_url: 'http://192.0.2.1:8080/v1/callback/node1',
  token: 'Zm9vYmFyYmF6cXV4-_0123456789abcdefghijklmno',
  ssh_key_b64: Buffer.from('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample bmpctl').toString('base64'),
  extra_args: 'bmpctl.debug=1',
  node: 'node1',
}
const render = (file: string, v: Record<string, string> = vars) => env.renderString(readFileSync(join(dir, file), 'utf8'), v)

function jinja2(file: string, v: Record<string, string>): string | undefined {
  const py = `import json,sys,jinja2
e=jinja2.Environment(loader=jinja2.FileSystemLoader(sys.argv[1]),undefined=jinja2.StrictUndefined,keep_trailing_newline=True)
sys.stdout.write(e.get_template(sys.argv[2]).render(**json.loads(sys.argv[3])))`
  try {
    return execFileSync('python3', ['-c', py, dir, file, JSON.stringify(v)], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
  } catch (err) {
    const e = err as {stderr?: string}
    if (/No module named 'jinja2'|ENOENT/.test(`${e.stderr}${(err as Error).message}`)) return undefined
    throw err
  }
}

/** Variables a template uses, and the ones its header comment lists (`Variables:` block). */
function variables(text: string): {used: Set<string>; documented: Set<string>} {
  const used = new Set([...text.matchAll(/\{\{\s*([a-z0-9_]+)/g)].map((m) => m[1]))
  const header = text.match(/\{#([\s\S]*?)#\}/)?.[1] ?? ''
  const block = header.split('Variables:')[1] ?? ''
  const documented = new Set([...block.matchAll(/^\s+([a-z0-9_]+) {2,}/gm)].map((m) => m[1]))
  return {used, documented}
}

describe('PXE templates', () => {
  test('all six templates are present', () => {
    assert.deepEqual(templates, ['liveos.grub.cfg.j2', 'liveos.ipxe.j2', 'liveos.pxelinux.j2', 'local.grub.cfg.j2', 'local.ipxe.j2', 'local.pxelinux.j2'])
  })

  test('liveos.ipxe renders the kernel line bmpctl expects, with retry and a shell on failure', () => {
    const out = render('liveos.ipxe.j2')
    assert.ok(out.startsWith('#!ipxe\n'), 'iPXE scripts must start with #!ipxe')
    assert.ok(out.includes(`kernel http://192.0.2.1:8080/liveos/vmlinuz initrd=initrd.img bmpctl.callback=${vars.callback_url} bmpctl.token=${vars.token} bmpctl.sshkey=${vars.ssh_key_b64} console=ttyS0,115200 bmpctl.debug=1 || goto failed`))
    assert.match(out, /^initrd http:\/\/192\.0\.2\.1:8080\/liveos\/initrd\.img \|\| goto failed$/m)
    assert.match(out, /^boot \|\| goto failed$/m)
    assert.match(out, /^goto load$/m)
    assert.match(out, /^shell$/m)
  })

  test('local.ipxe boots drive 0x80 and falls back to exit', () => {
    const out = render('local.ipxe.j2', {})
    assert.ok(out.startsWith('#!ipxe\n'))
    assert.match(out, /^sanboot --no-describe --drive 0x80 \|\| exit$/m)
    assert.match(out, /this node/)
  })

  test('pxelinux and GRUB variants carry the same kernel arguments', () => {
    const px = render('liveos.pxelinux.j2')
    assert.match(px, /^ {2}KERNEL http:\/\/192\.0\.2\.1:8080\/liveos\/vmlinuz$/m)
    assert.ok(px.includes(`APPEND initrd=http://192.0.2.1:8080/liveos/initrd.img bmpctl.callback=${vars.callback_url} bmpctl.token=${vars.token}`))
    const grub = render('liveos.grub.cfg.j2')
    assert.ok(grub.includes(`linux (http,192.0.2.1:8080)/liveos/vmlinuz 'bmpctl.callback=${vars.callback_url}' bmpctl.token=${vars.token} bmpctl.sshkey=${vars.ssh_key_b64} console=ttyS0,115200`))
    assert.match(grub, /^ {2}initrd \(http,192\.0\.2\.1:8080\)\/liveos\/initrd\.img$/m)
    assert.match(render('liveos.grub.cfg.j2', {...vars, grub_root: ''}), /^ {2}linux \/liveos\/vmlinuz /m)
    assert.match(render('local.pxelinux.j2', {}), /^ {2}LOCALBOOT 0$/m)
    assert.match(render('local.grub.cfg.j2', {}), /chainloader \(\$esp\)\/EFI\/BOOT\/BOOTX64\.EFI/)
  })

  test('a required variable left out is an error, not an empty string', () => {
    for (const file of templates.filter((f) => f.startsWith('liveos.'))) {
      const {token: _omit, ...rest} = vars
      assert.throws(() => render(file, rest), /undefined|null/i, file)
    }
  })

  test('each header comment lists exactly the variables the template uses; the README lists them all', () => {
    const readme = readFileSync(join(dir, 'README.md'), 'utf8')
    for (const file of templates) {
      const {used, documented} = variables(readFileSync(join(dir, file), 'utf8'))
      assert.deepEqual([...documented].sort(), [...used].sort(), file)
      for (const v of used) assert.ok(readme.includes(`\`${v}\``), `README lists ${v}`)
    }
  })

  test('Jinja2 (StrictUndefined) renders every template to the same text', (t) => {
    for (const file of templates) {
      const expected = jinja2(file, vars)
      if (expected === undefined) return t.skip('python3 jinja2 not installed')
      assert.equal(render(file), expected, file)
    }
  })

  test("the playbook runner's renderTemplate gives the same text", () => {
    for (const file of templates) assert.equal(renderTemplate(readFileSync(join(dir, file), 'utf8'), vars), render(file), file)
  })
})
