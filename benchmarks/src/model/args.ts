// Minimal flag parsing for main.ts: `--name value`, `--name=value`, `--flag`.
export class Args {
  constructor(readonly argv: readonly string[]) {}
  str(name: string): string | undefined {
    const i = this.argv.indexOf(`--${name}`);
    if (i >= 0 && i + 1 < this.argv.length && !this.argv[i + 1].startsWith('--')) return this.argv[i + 1];
    return this.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  }
  num(name: string, dflt: number): number {
    const s = this.str(name);
    if (s === undefined) return dflt;
    const v = Number(s);
    if (!Number.isFinite(v)) throw new Error(`--${name} expects a number, got '${s}'`);
    return v;
  }
  list(name: string, dflt: number[]): number[] {
    const s = this.str(name);
    if (s === undefined) return dflt;
    const v = s.split(',').map((x) => Number(x.trim()));
    if (v.length === 0 || v.some((x) => !Number.isInteger(x) || x < 1)) throw new Error(`--${name} expects comma-separated positive integers, got '${s}'`);
    return v;
  }
  flag(name: string): boolean {
    return this.argv.includes(`--${name}`);
  }
  oneOf<T extends string>(name: string, allowed: readonly T[], dflt: T): T {
    const s = this.str(name) ?? dflt;
    if (!(allowed as readonly string[]).includes(s)) throw new Error(`--${name} must be one of ${allowed.join(', ')}, got '${s}'`);
    return s as T;
  }
}
