// A POSIX `path` for the browser bundle: the @avey packages build file names with it at module
// load (e.g. a repository root); nothing in the page reads those files.
export const sep = '/';

function normalizeParts(parts: string[]): string {
  const out: string[] = [];
  const abs = parts[0]?.startsWith('/') ?? false;
  for (const seg of parts.join('/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') { if (out.length && out[out.length - 1] !== '..') out.pop(); else if (!abs) out.push('..'); } else out.push(seg);
  }
  return (abs ? '/' : '') + out.join('/') || (abs ? '/' : '.');
}

export function join(...parts: string[]): string { return normalizeParts(parts.filter((p) => p !== '')); }
export function resolve(...parts: string[]): string {
  let i = parts.length - 1;
  while (i > 0 && !parts[i].startsWith('/')) i--;
  const r = normalizeParts(parts.slice(i));
  return r.startsWith('/') ? r : `/${r}`;
}
export function dirname(p: string): string { const i = p.lastIndexOf('/'); return i < 0 ? '.' : i === 0 ? '/' : p.slice(0, i); }
export function basename(p: string, ext?: string): string {
  const b = p.slice(p.lastIndexOf('/') + 1);
  return ext && b.endsWith(ext) ? b.slice(0, -ext.length) : b;
}
export function extname(p: string): string { const b = basename(p); const i = b.lastIndexOf('.'); return i <= 0 ? '' : b.slice(i); }
export function relative(from: string, to: string): string { return to.startsWith(from) ? to.slice(from.length).replace(/^\//, '') : to; }
export function isAbsolute(p: string): boolean { return p.startsWith('/'); }
const path = { sep, join, resolve, dirname, basename, extname, relative, isAbsolute };
export default path;
