/**
 * Runs one bmpctl command class from the TypeScript sources, the way bin/dev.js would,
 * but without a (possibly stale) oclif.manifest.json deciding which commands exist.
 * Usage: node --import tsx test/integration/deploy-cli-bin.ts <command-file> [args...]
 */
import {handle} from '@oclif/core'
import {fileURLToPath} from 'node:url'

const [file, ...argv] = process.argv.slice(2)
const root = fileURLToPath(new URL('../../', import.meta.url))
const mod = (await import(new URL(`../../src/commands/${file}.ts`, import.meta.url).href)) as {default: {run(argv: string[], root: string): Promise<unknown>}}
await mod.default.run(argv, root).catch(handle)
