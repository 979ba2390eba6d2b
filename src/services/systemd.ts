/** The `bmpctl.service` unit: `bmpctl serve` under systemd, restarted on failure. */
import {join} from 'node:path'
import {packageRoot} from '../paths.js'
import {writeIfChanged, type StepResult} from './install-steps.js'
import type {InstallSystem} from './install-system.js'
import {UNIT_NAME} from './preflight.js'

export const UNIT_PATH = `/etc/systemd/system/${UNIT_NAME}`

export function renderUnit(opts: {node: string; bin: string; dataDir: string}): string {
  return [
    '# Written by `bmpctl install`; rerun it rather than editing this file.',
    '[Unit]',
    'Description=bmpctl provisioning services (DHCP, TFTP, HTTP, LiveOS call-back)',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${opts.node} ${opts.bin} serve --data-dir ${opts.dataDir}`,
    'Restart=on-failure',
    'RestartSec=5',
    // serve exits 0 on SIGTERM after closing sockets and the store.
    'KillSignal=SIGTERM',
    'TimeoutStopSec=20',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n')
}

export async function installUnit(dataDir: string, sys: InstallSystem, unitPath = UNIT_PATH): Promise<StepResult> {
  if (!sys.systemdIsInit()) return {step: 'systemd unit', status: 'skipped', detail: 'systemd is not PID 1 here; start `bmpctl serve` yourself'}
  const text = renderUnit({node: process.execPath, bin: join(packageRoot, 'bin', 'run.js'), dataDir})
  const changed = writeIfChanged(unitPath, text, 0o644)
  const active = await sys.unitActive(UNIT_NAME)
  if (!changed && active) return {step: 'systemd unit', status: 'unchanged'}
  await sys.exec('systemctl', ['daemon-reload'])
  await sys.exec('systemctl', ['enable', '--now', UNIT_NAME])
  if (changed && active) await sys.exec('systemctl', ['restart', UNIT_NAME])
  return {step: 'systemd unit', status: 'changed', detail: changed ? `wrote ${unitPath}, enabled and started` : 'enabled and started'}
}
