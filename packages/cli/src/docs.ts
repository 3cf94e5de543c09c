// Generates the command reference of docs/cli.md from the command specs (the same objects the
// yargs parser is built from). `node --import tsx packages/cli/scripts/gen-docs.ts` rewrites the
// block between the markers; test/docs.test.ts fails when it is out of date.
import { COMMANDS } from './specs/index.js';
import { GLOBAL_OPTIONS, commandName, isGroup, type CommandSpec, type OptionSpec, type TopSpec } from './spec.js';

export const BEGIN_MARKER = '<!-- BEGIN GENERATED REFERENCE (node --import tsx packages/cli/scripts/gen-docs.ts) -->';
export const END_MARKER = '<!-- END GENERATED REFERENCE -->';

function typeOf(o: OptionSpec): string {
  if (o.type === 'array') return o.number ? 'numbers…' : 'values…';
  return o.type ?? 'string';
}

function defaultOf(o: OptionSpec): string {
  if (o.demandOption) return '**required**';
  if (o.default === undefined) return '';
  return `\`${Array.isArray(o.default) ? o.default.join(' ') : String(o.default)}\``;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function constraints(o: OptionSpec): string {
  const parts: string[] = [];
  if (o.choices) parts.push(`one of ${(o.choices as readonly unknown[]).map((c) => `\`${String(c)}\``).join(', ')}`);
  if (o.integer) parts.push('whole number');
  if (o.min !== undefined) parts.push(`≥ ${o.min}`);
  if (o.gt !== undefined) parts.push(`> ${o.gt}`);
  if (o.max !== undefined) parts.push(`≤ ${o.max}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function optionTable(options: Record<string, OptionSpec>): string[] {
  const rows = ['| option | type | default | description |', '|---|---|---|---|'];
  for (const [name, o] of Object.entries(options)) {
    const aliases = (Array.isArray(o.alias) ? o.alias : o.alias ? [o.alias] : []).map((a) => ` (\`--${a}\`)`).join('');
    const old = (o.deprecatedAliases ?? []).map((a) => ` (deprecated: \`--${a}\`)`).join('');
    const flag = (o.type === 'boolean' ? `\`--${name}\` / \`--no-${name}\`` : `\`--${name}\``) + aliases + old;
    rows.push(`| ${flag} | ${typeOf(o)} | ${defaultOf(o)} | ${cell(`${o.describe ?? ''}${constraints(o)}`)} |`);
  }
  return rows;
}

function commandSection(spec: CommandSpec, prefix: string): string[] {
  const full = `${prefix}${spec.command}`;
  const out = [`### \`avey ${prefix}${commandName(spec.command)}\``, '', `${spec.describe}.`, '', '```', `avey ${full} [options]`, '```', ''];
  const pos = Object.entries(spec.positionals ?? {});
  if (pos.length) {
    out.push('| argument | description |', '|---|---|');
    for (const [name, p] of pos) {
      const choices = p.choices ? ` (one of ${(p.choices as readonly unknown[]).map((c) => `\`${String(c)}\``).join(', ')})` : '';
      out.push(`| \`<${name}>\` | ${cell(`${p.describe ?? ''}${choices}`)} |`);
    }
    out.push('');
  }
  const opts = spec.options ?? {};
  if (Object.keys(opts).length) out.push(...optionTable(opts), '');
  else out.push('No options besides the global ones.', '');
  out.push('Examples:', '', '```sh');
  for (const [cmd, what] of spec.examples) out.push(`${cmd.replace(/^\$0/, 'avey')}    # ${what}`);
  out.push('```', '');
  if (spec.epilog) out.push(spec.epilog, '');
  return out;
}

/** Markdown reference of every command and flag. */
export function generateReference(specs: readonly TopSpec[] = COMMANDS): string {
  const out: string[] = [BEGIN_MARKER, '', '## Global options', '', 'Every command accepts these.', '', ...optionTable(GLOBAL_OPTIONS), ''];
  out.push('Also `--help` (`-h`) on every command, and `--version` (prints the version of avey).', '');
  out.push('## Commands', '');
  for (const s of specs) {
    if (isGroup(s)) {
      for (const sub of s.subcommands) out.push(...commandSection(sub, `${commandName(s.command)} `));
    } else {
      out.push(...commandSection(s, ''));
    }
  }
  out.push(END_MARKER);
  return out.join('\n');
}

/** Replaces the generated block of `doc` (or appends one). */
export function spliceReference(doc: string, reference: string): string {
  const a = doc.indexOf(BEGIN_MARKER);
  const b = doc.indexOf(END_MARKER);
  if (a < 0 || b < 0) return `${doc.trimEnd()}\n\n${reference}\n`;
  return doc.slice(0, a) + reference + doc.slice(b + END_MARKER.length);
}
