// Builds the yargs parser from the command specs (strict: unknown flags and commands are usage
// errors). Parsing failures and handler errors are re-thrown so main.ts reports them uniformly.
import yargs, { type Argv } from 'yargs';
import { UsageError } from './errors.js';
import { COMMANDS } from './specs/index.js';
import {
  EXPLICIT,
  GLOBAL_OPTIONS,
  commandName,
  deprecatedUses,
  isGroup,
  toYargsOption,
  toYargsPositional,
  type CommandSpec,
  type OptionSpec,
  type RawArgs,
  type TopSpec,
} from './spec.js';
import { validateArgs } from './validate.js';
import { VERSION } from './version.js';

/** The command path the user typed (`tokenizer train`), for "see --help" hints. */
export function commandPath(argv: readonly string[], specs: readonly TopSpec[] = COMMANDS): string | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  const top = specs.find((s) => commandName(s.command) === words[0]);
  if (!top) return undefined;
  if (isGroup(top)) {
    const sub = top.subcommands.find((s) => commandName(s.command) === words[1]);
    return sub ? `${words[0]} ${words[1]}` : words[0];
  }
  return words[0];
}

function findSpec(path: string | undefined, specs: readonly TopSpec[]): CommandSpec | undefined {
  if (!path) return undefined;
  const [a, b] = path.split(' ');
  const top = specs.find((s) => commandName(s.command) === a);
  if (!top) return undefined;
  return isGroup(top) ? top.subcommands.find((s) => commandName(s.command) === b) : top;
}

/** Rewrites yargs' terse messages into ones that say what to type. */
function explainYargsMessage(msg: string, path: string | undefined, specs: readonly TopSpec[], argv: readonly string[]): string {
  const spec = findSpec(path, specs);
  const example = spec?.examples[0]?.[0].replace(/^\$0/, 'avey');
  if (msg.startsWith('Not enough non-option arguments') && spec) {
    const required = spec.command.match(/<[^>]+>/g) ?? [];
    return `\`avey ${path}\` needs ${required.join(' ')}${example ? `, e.g. \`${example}\`` : ''}.`;
  }
  const missing = /^Missing required arguments?: (.*)$/.exec(msg);
  if (missing) {
    const flags = missing[1].split(', ').map((f) => `--${f}`).join(', ');
    return `missing required option ${flags}${example ? `, e.g. \`${example}\`` : ''}.`;
  }
  const unknown = /^Unknown arguments?: (.*)$/.exec(msg);
  if (unknown) {
    const names = unknown[1].split(', ');
    const asFlag = (f: string) => (f.length > 1 ? `--${f}` : `-${f}`);
    const flags = names.filter((f) => argv.some((a) => a === asFlag(f) || a.startsWith(`${asFlag(f)}=`) || a === `--no-${f}`));
    const words = names.filter((f) => !flags.includes(f));
    const parts: string[] = [];
    if (flags.length) parts.push(`unknown option ${flags.map(asFlag).join(', ')}`);
    if (words.length) parts.push(`unexpected argument ${words.map((w) => `'${w}'`).join(', ')}`);
    return `${parts.join('; ')}.`;
  }
  const following = /^Not enough arguments following: (.*)$/.exec(msg);
  if (following) return `--${following[1]} needs a value.`;
  return msg.endsWith('.') ? msg : `${msg}.`;
}

/** The options of `options` that appear on the command line (by name, alias or --no-name). */
function typedOptions(argv: readonly string[], options: Record<string, OptionSpec>): Set<string> {
  const out = new Set<string>();
  for (const [name, o] of Object.entries(options)) {
    const camel = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const aliases = [...(Array.isArray(o.alias) ? o.alias : o.alias ? [o.alias] : []), ...(o.deprecatedAliases ?? [])];
    for (const n of [name, camel, ...aliases]) {
      if (argv.some((a) => a === `--${n}` || a.startsWith(`--${n}=`) || a === `--no-${n}`)) out.add(name);
    }
  }
  return out;
}

/** A single-valued flag given twice (`--lr 1 --lr 2`): yargs makes an array; the last one wins. */
function lastWins(args: Record<string, unknown>, options: Record<string, OptionSpec>): void {
  for (const [name, o] of Object.entries(options)) {
    if (o.type === 'array') continue;
    const camel = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    for (const k of new Set([name, camel])) {
      const v = args[k];
      if (Array.isArray(v)) args[k] = v[v.length - 1];
    }
  }
}

function applyCommand(y: Argv, spec: CommandSpec, path: string, argv: readonly string[]): Argv {
  return y.command(
    spec.command,
    spec.describe,
    (b: Argv) => {
      for (const [name, p] of Object.entries(spec.positionals ?? {})) b = b.positional(name, toYargsPositional(p));
      for (const [name, o] of Object.entries(spec.options ?? {})) {
        const opt = toYargsOption(o);
        if (opt.type === 'string' || opt.type === 'array') opt.requiresArg ??= true;
        b = b.option(name, opt);
      }
      for (const [cmd, what] of spec.examples) b = b.example(cmd.replace(/^\$0\b/, '$0'), what);
      if (spec.epilog) b = b.epilog(spec.epilog);
      return b;
    },
    async (args) => {
      const raw = args as unknown as RawArgs;
      const all = { ...GLOBAL_OPTIONS, ...(spec.options ?? {}) };
      lastWins(raw, all);
      Object.defineProperty(raw, EXPLICIT, { value: typedOptions(argv, all), enumerable: false });
      validateArgs(raw, { ...GLOBAL_OPTIONS, ...(spec.options ?? {}) }, spec.positionals ?? {}, argv, path);
      for (const [old, now] of deprecatedUses(argv, all)) process.stderr.write(`avey ${path}: --${old} is deprecated; use --${now} (same meaning)\n`);
      await spec.run(raw);
    },
  );
}

/** The parser for `avey <argv…>`. Help goes to stdout; errors are thrown from `parseAsync`. */
export function buildCli(argv: readonly string[], specs: readonly TopSpec[] = COMMANDS): Argv {
  let y = yargs([...argv])
    .scriptName('avey')
    .usage('avey <command> [options]\n\nTrain, fine-tune, evaluate and run Avey-B models from the command line.')
    .strict()
    .demandCommand(1, 'Give a command, e.g. `avey info` or `avey pretrain`.')
    .recommendCommands()
    .version(VERSION)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg: string | null, err: Error | undefined) => {
      const path = commandPath(argv, specs);
      if (err && err.name !== 'YError') throw err;
      const text = err?.message ?? msg ?? 'invalid arguments.';
      throw new UsageError(explainYargsMessage(text, path, specs, argv), path);
    });
  for (const [name, o] of Object.entries(GLOBAL_OPTIONS)) y = y.option(name, { ...toYargsOption(o), global: true });
  for (const spec of specs) {
    if (isGroup(spec)) {
      const group = commandName(spec.command);
      y = y.command(spec.command, spec.describe, (g: Argv) => {
        for (const sub of spec.subcommands) g = applyCommand(g, sub, `${group} ${commandName(sub.command)}`, argv);
        for (const [cmd, what] of spec.examples) g = g.example(cmd, what);
        return g.demandCommand(1, `Give a subcommand of \`avey ${group}\`.`);
      });
    } else {
      y = applyCommand(y, spec, commandName(spec.command), argv);
    }
  }
  y = y.example('$0 pretrain', 'pretrain a tiny Avey-B on the built-in corpus (a 4-minute budgeted recipe)');
  y = y.example('$0 info', 'show the version, the backends available here and the model presets');
  return y;
}
