// Argument checks yargs does not do: numbers that did not parse (yargs yields NaN), integers,
// bounds. Every failure is a UsageError naming the flag, the value given and what is expected.
import { UsageError } from './errors.js';
import type { OptionSpec, PositionalSpec } from './spec.js';

/** What the user actually typed for `--name` (yargs has already turned it into NaN). */
export function rawValue(argv: readonly string[], name: string): string | undefined {
  const camel = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  for (let i = 0; i < argv.length; i++) {
    for (const n of [name, camel]) {
      if (argv[i] === `--${n}`) return argv[i + 1];
      if (argv[i].startsWith(`--${n}=`)) return argv[i].slice(n.length + 3);
    }
  }
  return undefined;
}

function checkNumber(
  label: string,
  value: unknown,
  spec: { integer?: boolean; min?: number; max?: number; gt?: number },
  raw: string | undefined,
  command: string,
): void {
  const values = Array.isArray(value) ? value : [value];
  for (const v of values) {
    if (v === undefined) continue;
    if (typeof v !== 'number' || Number.isNaN(v)) {
      const got = raw !== undefined ? `'${raw}'` : 'nothing';
      throw new UsageError(`${label} expects a number, but got ${got}.`, command);
    }
    if (spec.integer && !Number.isInteger(v)) {
      throw new UsageError(`${label} expects a whole number, but got ${v}.`, command);
    }
    if (spec.min !== undefined && v < spec.min) {
      throw new UsageError(`${label} must be at least ${spec.min}, but got ${v}.`, command);
    }
    if (spec.max !== undefined && v > spec.max) {
      throw new UsageError(`${label} must be at most ${spec.max}, but got ${v}.`, command);
    }
    if (spec.gt !== undefined && !(v > spec.gt)) {
      throw new UsageError(`${label} must be greater than ${spec.gt}, but got ${v}.`, command);
    }
  }
}

/** Validates parsed arguments against the option specs of one command. */
export function validateArgs(
  args: Record<string, unknown>,
  options: Record<string, OptionSpec>,
  positionals: Record<string, PositionalSpec>,
  argv: readonly string[],
  command: string,
): void {
  for (const [name, spec] of Object.entries(options)) {
    if (spec.type === 'number') checkNumber(`--${name}`, args[name], spec, rawValue(argv, name), command);
  }
  for (const [name, spec] of Object.entries(positionals)) {
    if (spec.type === 'number') checkNumber(`<${name}>`, args[name], spec, undefined, command);
  }
}
