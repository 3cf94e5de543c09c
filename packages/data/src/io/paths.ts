import { readdirSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { DataError } from '../errors.js';

const GLOB_CHARS = /[*?[]/;

/** Converts a glob (`*`, `?`, `**`, `[abc]`) to a RegExp over '/'-separated paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // '**/' matches zero or more directories
        if (glob[i + 2] === '/') { re += '(?:.*/)?'; i += 2; } else { re += '.*'; i += 1; }
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else { re += '[' + glob.slice(i + 1, close).replace(/^!/, '^') + ']'; i = close; }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    let st;
    try { st = statSync(p); } catch (err) { throw new DataError(`cannot read: ${(err as Error).message}`, p); }
    if (st.isDirectory()) walk(p, out);
    else if (st.isFile()) out.push(p);
  }
}

/**
 * Expands files, folders (recursively, sorted) and globs into a sorted, de-duplicated file list.
 * A plain path that does not exist, or a glob that matches nothing, is a DataError.
 */
export function expandPaths(patterns: string | string[]): string[] {
  const out: string[] = [];
  for (const pat of Array.isArray(patterns) ? patterns : [patterns]) {
    if (GLOB_CHARS.test(pat)) {
      const abs = resolve(pat).split(sep).join('/');
      // walk from the longest glob-free directory prefix
      const parts = abs.split('/');
      let k = 0;
      while (k < parts.length && !GLOB_CHARS.test(parts[k])) k++;
      const root = parts.slice(0, k).join('/') || '/';
      const re = globToRegExp(abs);
      const files: string[] = [];
      try { walk(root, files); } catch { /* root missing: no match */ }
      const hit = files.filter((f) => re.test(f.split(sep).join('/')));
      if (hit.length === 0) throw new DataError('glob matched no files', pat);
      out.push(...hit);
    } else {
      let st;
      try { st = statSync(pat); } catch { throw new DataError('no such file or directory', pat); }
      if (st.isDirectory()) {
        const files: string[] = [];
        walk(pat, files);
        if (files.length === 0) throw new DataError('directory holds no files', pat);
        out.push(...files);
      } else out.push(pat);
    }
  }
  return [...new Set(out)];
}
