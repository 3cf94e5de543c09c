#!/usr/bin/env node
// Import cycles among the TypeScript files under a folder: the strongly connected components of
// its graph of relative, value (not `import type`) imports, each listed as its files.
// Usage: node scripts/import-cycles.mjs packages/tensor/src   (exit 1 when there is a cycle)
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** @param {string} root @returns {string[][]} every cycle, as paths relative to root */
export function importCycles(root) {
  const files = [];
  (function walk(d) {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) files.push(p);
    }
  })(root);
  const known = new Set(files);
  const edges = new Map();
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    const deps = [];
    // import x from './a.js' / export { y } from './b.js' / import './c.js'; `import type` skipped
    for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\s+(type\s+)?[^'";]*?from\s+['"](\.[^'"]+)['"]/g)) {
      if (!m[1]) deps.push(m[2]);
    }
    for (const m of src.matchAll(/(?:^|\n)\s*import\s+['"](\.[^'"]+)['"]/g)) deps.push(m[1]);
    edges.set(f, deps.map((d) => resolve(dirname(f), d.replace(/\.js$/, '.ts'))).filter((d) => known.has(d)));
  }
  // Tarjan's strongly connected components
  let next = 0;
  const index = new Map(), low = new Map(), stack = [], onStack = new Set(), cycles = [];
  const visit = (v) => {
    index.set(v, next); low.set(v, next); next++;
    stack.push(v); onStack.add(v);
    for (const w of edges.get(v)) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const comp = [];
      let w;
      do { w = stack.pop(); onStack.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1 || edges.get(v).includes(v)) cycles.push(comp.map((f) => relative(root, f)).sort());
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return cycles;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? '.';
  const cycles = importCycles(resolve(root));
  for (const c of cycles) console.log(`cycle (${c.length} files): ${c.join(' ')}`);
  if (cycles.length === 0) console.log(`no import cycle under ${root}`);
  process.exit(cycles.length > 0 ? 1 : 0);
}
