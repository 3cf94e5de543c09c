// Declarative command specs: one source of truth for the yargs definitions (cli.ts), the
// argument validation, and the generated reference in docs/cli.md (scripts/gen-docs.ts).
import type { Options, PositionalOptions } from 'yargs';

/** A yargs option plus the checks yargs does not do itself (it turns `--n abc` into NaN). */
export interface OptionSpec extends Options {
  /** The value must be an integer. */
  integer?: boolean;
  /** Inclusive lower bound. */
  min?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** Exclusive lower bound (for rates such as --lr). */
  gt?: number;
  /** Old spellings still accepted; using one prints a one-line notice naming the new flag. */
  deprecatedAliases?: string[];
}

export interface PositionalSpec extends PositionalOptions {
  integer?: boolean;
  min?: number;
}

/** The options every command accepts. */
export interface GlobalArgs {
  backend: 'auto' | 'cpu' | 'webgpu' | 'gpujs';
  json: boolean;
  seed: number;
  verbose: boolean;
}

export type RawArgs = GlobalArgs & Record<string, unknown>;

export interface CommandSpec {
  /** yargs command string: name then positionals, e.g. `fill-mask <text>`. */
  command: string;
  describe: string;
  positionals?: Record<string, PositionalSpec>;
  options?: Record<string, OptionSpec>;
  /** [command line, what it does]; `$0` is replaced by `avey`. At least one per command. */
  examples: Array<[string, string]>;
  epilog?: string;
  /** Runs the command. Implementations import heavy packages lazily, inside this function. */
  run(args: RawArgs): Promise<void>;
}

/** A command with subcommands, e.g. `avey tokenizer train`. */
export interface GroupSpec {
  command: string;
  describe: string;
  subcommands: CommandSpec[];
  examples: Array<[string, string]>;
}

export type TopSpec = CommandSpec | GroupSpec;

export function isGroup(s: TopSpec): s is GroupSpec {
  return (s as GroupSpec).subcommands !== undefined;
}

/** The first word of a yargs command string. */
export function commandName(command: string): string {
  return command.split(/\s+/)[0];
}

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  backend: {
    type: 'string',
    choices: ['auto', 'cpu', 'webgpu', 'gpujs'],
    default: 'auto',
    describe: 'compute backend; auto picks webgpu > gpujs > cpu (see `avey info`)',
  },
  json: { type: 'boolean', default: false, describe: 'print machine-readable JSON on stdout (progress stays on stderr)' },
  seed: { type: 'number', default: 11, integer: true, min: 0, describe: 'random seed (11 is the paper\'s seed)' },
  verbose: { type: 'boolean', default: false, describe: 'more logging, and stack traces on errors' },
};

/** Strips the extra validation keys before handing an option to yargs. */
export function toYargsOption(o: OptionSpec): Options {
  const { integer: _i, min: _min, max: _max, gt: _gt, deprecatedAliases, ...rest } = o;
  if (!deprecatedAliases?.length) return rest;
  const alias = Array.isArray(rest.alias) ? rest.alias : rest.alias ? [rest.alias] : [];
  return { ...rest, alias: [...alias, ...deprecatedAliases] };
}

export function toYargsPositional(o: PositionalSpec): PositionalOptions {
  const { integer: _i, min: _min, ...rest } = o;
  return rest;
}

/** The command path of parsed arguments (`tokenizer train`), for "see --help" hints. */
export function commandOf(args: Record<string, unknown>): string | undefined {
  return Array.isArray(args._) && args._.length ? args._.map(String).join(' ') : undefined;
}

/** Names of the options the user typed (not defaults), attached by cli.ts to the parsed args. */
export const EXPLICIT = Symbol.for('avey.cli.explicit');

export function explicitOptions(args: object): ReadonlySet<string> {
  return ((args as Record<symbol, unknown>)[EXPLICIT] as Set<string> | undefined) ?? new Set();
}

/** The deprecated spellings typed on `argv`, as [old, new] flag names (`['seq-len', 'max-len']`). */
export function deprecatedUses(argv: readonly string[], options: Record<string, OptionSpec>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, o] of Object.entries(options)) {
    for (const old of o.deprecatedAliases ?? []) {
      if (argv.some((a) => a === `--${old}` || a.startsWith(`--${old}=`) || a === `--no-${old}`)) out.push([old, name]);
    }
  }
  return out;
}
