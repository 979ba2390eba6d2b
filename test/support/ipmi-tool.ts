import {spawn} from 'node:child_process'

/** ipmitool as a peer: password through IPMITOOL_PASSWORD + -E, never argv. */
export interface IpmitoolResult {
  code: number | null
  stdout: string
  stderr: string
}

export function ipmitoolArgs(port: number, user: string, suite: number, extra: string[] = []): string[] {
  return ['-I', 'lanplus', '-C', String(suite), '-H', '127.0.0.1', '-p', String(port), '-U', user, '-E', '-R', '2', '-N', '1', ...extra]
}

export function runIpmitool(args: string[], password: string, timeoutMs = 20_000): Promise<IpmitoolResult> {
  return new Promise((resolve) => {
    const child = spawn('ipmitool', args, {env: {...process.env, IPMITOOL_PASSWORD: password}, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (code) => { clearTimeout(timer); resolve({code, stdout, stderr}) })
  })
}
