import type {BootDeviceSetting, BootDevice, PowerState} from '../../bmc/types.js'

/** JSON documents the Redfish virtual BMC serves; kept apart from the HTTP plumbing. */

export const RESET_TYPES = ['On', 'ForceOff', 'GracefulShutdown', 'ForceRestart', 'PowerCycle'] as const
export const BOOT_TARGETS = ['None', 'Pxe', 'Hdd', 'Cd', 'BiosSetup'] as const
export const BOOT_ENABLED = ['Disabled', 'Once', 'Continuous'] as const
export const BOOT_MODES = ['UEFI', 'Legacy'] as const

export interface BootOverride {
  target: (typeof BOOT_TARGETS)[number]
  enabled: (typeof BOOT_ENABLED)[number]
  mode: (typeof BOOT_MODES)[number]
}

const DEVICE: Record<string, BootDevice> = {Pxe: 'pxe', Hdd: 'disk', Cd: 'cdrom', BiosSetup: 'bios', None: 'none'}

/** What the machine boots from given the override (Disabled → its own order). */
export function bootSetting(o: BootOverride): BootDeviceSetting {
  const active = o.enabled !== 'Disabled'
  return {device: active ? DEVICE[o.target] : 'none', persistent: o.enabled === 'Continuous', uefi: o.mode === 'UEFI'}
}

const V1 = '/redfish/v1'

export function serviceRoot(systemId: string): object {
  return {
    '@odata.type': '#ServiceRoot.v1_5_0.ServiceRoot',
    '@odata.id': `${V1}/`,
    Id: 'RootService',
    Name: 'bmpctl virtual BMC',
    RedfishVersion: '1.11.0',
    UUID: '00000000-0000-4000-8000-000000000001',
    Systems: {'@odata.id': `${V1}/Systems`},
    Managers: {'@odata.id': `${V1}/Managers`},
    SessionService: {'@odata.id': `${V1}/SessionService`},
    Links: {Sessions: {'@odata.id': `${V1}/SessionService/Sessions`}},
    Oem: {bmpctl: {systemId}},
  }
}

export function collection(kind: string, path: string, ids: string[]): object {
  return {
    '@odata.type': `#${kind}Collection.${kind}Collection`,
    '@odata.id': path,
    Name: `${kind} Collection`,
    'Members@odata.count': ids.length,
    Members: ids.map((id) => ({'@odata.id': `${path}/${id}`})),
  }
}

export function system(id: string, name: string, power: PowerState, o: BootOverride): object {
  const path = `${V1}/Systems/${id}`
  return {
    '@odata.type': '#ComputerSystem.v1_13_0.ComputerSystem',
    '@odata.id': path,
    Id: id,
    Name: name,
    AssetTag: name,
    SystemType: 'Physical',
    Manufacturer: 'bmpctl',
    Model: 'virtual machine',
    BiosVersion: 'vbmc-1.0',
    PowerState: power === 'on' ? 'On' : 'Off',
    Boot: {
      BootSourceOverrideTarget: o.target,
      'BootSourceOverrideTarget@Redfish.AllowableValues': [...BOOT_TARGETS],
      BootSourceOverrideEnabled: o.enabled,
      'BootSourceOverrideEnabled@Redfish.AllowableValues': [...BOOT_ENABLED],
      BootSourceOverrideMode: o.mode,
      'BootSourceOverrideMode@Redfish.AllowableValues': [...BOOT_MODES],
    },
    Actions: {
      '#ComputerSystem.Reset': {
        target: `${path}/Actions/ComputerSystem.Reset`,
        'ResetType@Redfish.AllowableValues': [...RESET_TYPES],
      },
    },
    Links: {ManagedBy: [{'@odata.id': `${V1}/Managers/${id}`}]},
  }
}

export function manager(id: string): object {
  return {
    '@odata.type': '#Manager.v1_10_0.Manager',
    '@odata.id': `${V1}/Managers/${id}`,
    Id: id,
    Name: 'bmpctl virtual BMC',
    ManagerType: 'BMC',
    Manufacturer: 'bmpctl',
    Model: 'vbmc-redfish',
    FirmwareVersion: '1.0.0',
    Links: {ManagerForServers: [{'@odata.id': `${V1}/Systems/${id}`}]},
  }
}

export function sessionDoc(id: string, user: string): object {
  return {
    '@odata.type': '#Session.v1_3_0.Session',
    '@odata.id': `${V1}/SessionService/Sessions/${id}`,
    Id: id,
    Name: 'User Session',
    UserName: user,
  }
}

/** A Redfish error body (`error` with one extended message). */
export function errorDoc(code: string, message: string): object {
  return {error: {code: `Base.1.8.${code}`, message, '@Message.ExtendedInfo': [{MessageId: `Base.1.8.${code}`, Message: message}]}}
}
