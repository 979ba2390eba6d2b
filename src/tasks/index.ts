/** The module registry: an explicit map so the loader can validate names and params up front. */
import type {TaskModule} from './types.js'
import configdrive from './configdrive.js'
import dhcpHost from './dhcp_host.js'
import diskWipe from './disk_wipe.js'
import imageWrite from './image_write.js'
import pxeConfig from './pxe_config.js'
import rootDevice from './root_device.js'
import waitForCallback from './wait_for_callback.js'
import waitForSsh from './wait_for_ssh.js'
import assertModule from './assert.js'
import bmcInfo from './bmc_info.js'
import bootDevice from './boot_device.js'
import command from './command.js'
import debug from './debug.js'
import fail from './fail.js'
import includeTasks from './include_tasks.js'
import nodeState from './node_state.js'
import pause from './pause.js'
import power from './power.js'
import setFact from './set_fact.js'
import shell from './shell.js'
import waitFor from './wait_for.js'

export const modules: Record<string, TaskModule> = {
  configdrive,
  dhcp_host: dhcpHost,
  disk_wipe: diskWipe,
  image_write: imageWrite,
  pxe_config: pxeConfig,
  root_device: rootDevice,
  wait_for_callback: waitForCallback,
  wait_for_ssh: waitForSsh,
  assert: assertModule,
  bmc_info: bmcInfo,
  boot_device: bootDevice,
  command,
  debug,
  fail,
  include_tasks: includeTasks,
  node_state: nodeState,
  pause,
  power,
  set_fact: setFact,
  shell,
  wait_for: waitFor,
}
