#!/usr/bin/env node
// Serves the built playground on localhost (no cross-origin isolation headers: the page must work
// without them) and prints its URL.
//
//   node packages/playground/scripts/serve.mjs [--port N] [--dir DIR] [--fixtures DIR]
//
// --fixtures DIR also serves DIR under /fixtures/ (the in-page parity test reads
// /fixtures/avey-b/small.*; default: ../shared/fixtures beside the checkout, when present).
import { createServer } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.map': 'application/json', '.safetensors': 'application/octet-stream', '.png': 'image/png', '.wasm': 'application/wasm',
};

function inside(root, urlPath) {
  const p = normalize(join(root, decodeURIComponent(urlPath)));
  return p === root || p.startsWith(root + sep) ? p : null;
}

/** Starts the server; resolves to { url, close }. */
export function serve({ dir = resolve(HERE, '../dist'), port = 0, fixtures = resolve(HERE, '../../../../shared/fixtures') } = {}) {
  const root = resolve(dir);
  const fx = fixtures && existsSync(fixtures) ? resolve(fixtures) : null;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let file = url.pathname.startsWith('/fixtures/') && fx ? inside(fx, url.pathname.slice('/fixtures'.length)) : inside(root, url.pathname);
    if (file && existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!file || !existsSync(file)) { res.writeHead(404, { 'content-type': 'text/plain' }); res.end(`not found: ${url.pathname}\n`); return; }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const { port: p } = server.address();
      ok({ url: `http://127.0.0.1:${p}/`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const a = process.argv.slice(2);
  const opt = (n) => { const i = a.indexOf(`--${n}`); return i >= 0 ? a[i + 1] : undefined; };
  const dir = opt('dir') ? resolve(opt('dir')) : undefined;
  if (!existsSync(dir ?? resolve(HERE, '../dist'))) {
    console.error('playground: not built yet; run `npm run playground` (builds, then serves)');
    process.exit(1);
  }
  const { url } = await serve({ ...(dir ? { dir } : {}), port: Number(opt('port') ?? 8080), ...(opt('fixtures') ? { fixtures: resolve(opt('fixtures')) } : {}) });
  console.log(`playground: ${url}  (Ctrl-C stops it)`);
}
