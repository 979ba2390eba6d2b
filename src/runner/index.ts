/** Public API of the playbook engine. */
export {loadPlaybook} from './loader.js'
export {runPlaybook, startPlaybook} from './run.js'
export {parseExtraVars} from './extra-vars.js'
export {renderTemplate, evaluate, templateValue} from './template.js'
export {recapLine} from './recap.js'
export type {Playbook, RunOptions, RunResult, RunEvent, RunEvents, Reporter, RunnerInventory, Counts} from './types.js'
