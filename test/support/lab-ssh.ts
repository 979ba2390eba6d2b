import {readFileSync} from 'node:fs'
import ssh2 from 'ssh2'

/**
 * Runs commands over SSH from inside a lab namespace, pinning the host key
 * (`ip netns exec <ns> node --import tsx test/support/lab-ssh.ts <host> <keyfile> <hostkey-line> <cmd>...`).
 * Prints one JSON line per command: {cmd, code, stdout, stderr}; exits non-zero on
 * connection or host-key failure.
 */
const [host, keyFile, hostKeyLine, ...cmds] = process.argv.slice(2)
const pinned = Buffer.from(hostKeyLine.split(' ')[1] ?? '', 'base64')

function exec(conn: ssh2.Client, cmd: string): Promise<{cmd: string; code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    conn.exec(cmd, (err, stream) => {
      if (err) return reject(err)
      let stdout = '', stderr = ''
      stream.on('data', (d: Buffer) => { stdout += d.toString() })
      stream.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
      stream.on('close', (code: number | null) => resolve({cmd, code, stdout, stderr}))
    })
  })
}

const conn = new ssh2.Client()
let hostKeyMatched = false
conn.on('ready', async () => {
  try {
    for (const cmd of cmds) process.stdout.write(JSON.stringify(await exec(conn, cmd)) + '\n')
    conn.end()
  } catch (err) {
    process.stderr.write(`exec failed: ${(err as Error).message}\n`)
    process.exit(3)
  }
})
conn.on('error', (err) => {
  process.stderr.write(`ssh failed (host key matched: ${hostKeyMatched}): ${err.message}\n`)
  process.exit(2)
})
conn.connect({
  host,
  port: 22,
  username: 'root',
  privateKey: readFileSync(keyFile),
  readyTimeout: 30000,
  hostVerifier: (key: Buffer) => (hostKeyMatched = key.equals(pinned)),
})
