import {Command, Flags, Interfaces, Errors} from '@oclif/core'
import {BmpError, ExitCode, InputError} from './errors.js'
import {defaultDataDir} from './paths.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/**
 * Owns what every command shares: --data-dir, --json, --verbose and the mapping of
 * errors to exit codes. Subclasses parse, call one service and report.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true
  static override baseFlags = {
    'data-dir': Flags.directory({
      description: 'state directory (default /var/lib/bmpctl as root, else ~/.local/share/bmpctl)',
      env: 'BMPCTL_DATA_DIR',
      helpGroup: 'GLOBAL',
    }),
    verbose: Flags.boolean({char: 'v', description: 'more detail on stderr', helpGroup: 'GLOBAL'}),
  }

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>

  public override async init(): Promise<void> {
    await super.init()
    const {args, flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
  }

  get dataDir(): string {
    return (this.flags['data-dir'] as string | undefined) ?? defaultDataDir()
  }

  get json(): boolean {
    return this.jsonEnabled()
  }

  /** Human detail for --verbose; stderr so --json stdout stays clean. */
  protected debugLine(message: string): void {
    if (this.flags.verbose) process.stderr.write(message + '\n')
  }

  /** Human progress/status line on stderr (never on stdout, which --json owns). */
  protected note(message: string): void {
    if (!this.json) process.stderr.write(message + '\n')
  }

  protected override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (err instanceof BmpError) {
      if (this.jsonEnabled()) {
        this.logJson({error: {kind: err.name, message: err.message, exitCode: err.exitCode,
          problems: err instanceof InputError ? err.problems : undefined, hint: err.hint}})
      } else {
        process.stderr.write(`error: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`)
      }
      this.exit(err.exitCode)
    }
    // oclif's own usage errors (bad flags/args) already carry exit code 2.
    if (err instanceof Errors.CLIError || err.oclif?.exit !== undefined) return super.catch(err)
    if (this.flags?.verbose) process.stderr.write((err.stack ?? String(err)) + '\n')
    process.stderr.write(`error: ${err.message}\n`)
    this.exit(ExitCode.OperationFailed)
  }
}
