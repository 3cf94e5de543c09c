// Large text files stream: peak memory does not grow with the file's size. Two files are generated
// in a temp dir (never committed) — a small one and one 8× larger, each half one-sentence-per-line
// and half a single line of many MB — and streamed in a child process as `avey pretrain` reads
// them (auto unit, held-out split, a pass over the training documents); their peak RSS must differ
// by less than 48 MB and less than 3/4 of the difference in file size (64 MB: 42 MB), which reading
// a file whole would exceed.
// CI size: 8 MB and 64 MB (a few seconds). Benchmark size: AVEY_BIG_FILE_MB=400 (the large file's
// MB; the small one is 1/8 of it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIG_MB = Number(process.env.AVEY_BIG_FILE_MB ?? 64);
const CHILD = fileURLToPath(new URL('./stream-big-file.ts', import.meta.url));
const WORDS = 'the a film movie plot actor story good bad great boring funny slow scene ending music and but was is not very'.split(' ');

/** Writes `mb` MB: the first half one sentence per line, the second half one single line. */
function generate(file: string, mb: number): void {
  let s = 1;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const fd = openSync(file, 'w');
  let written = 0;
  const target = mb * 1e6;
  try {
    while (written < target) {
      const oneLine = written >= target / 2;
      let chunk = '';
      while (chunk.length < 1 << 20) {
        const n = 5 + Math.floor(rnd() * 10);
        const w: string[] = [];
        for (let i = 0; i < n; i++) w.push(WORDS[Math.floor(rnd() * WORDS.length)]);
        chunk += `${w.join(' ')}.${oneLine ? ' ' : '\n'}`;
      }
      written += writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
}

interface Streamed { docs: number; chars: number; longest: number; units: string[]; seconds: number; maxRssMB: number; report: { train: number; heldOut: number } }

function stream(file: string): Streamed {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, file], { encoding: 'utf8', timeout: 600_000, env: { ...process.env, TSX_TSCONFIG_PATH: undefined } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Streamed;
}

test(`a ${BIG_MB} MB text file streams in the memory of a ${BIG_MB / 8} MB one (documents bounded at 32 KiB)`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'avey-big-file-'));
  try {
    const small = join(dir, 'small.txt');
    const big = join(dir, 'big.txt');
    generate(small, BIG_MB / 8);
    generate(big, BIG_MB);
    const a = stream(small);
    const b = stream(big);
    process.stdout.write(`# small: ${JSON.stringify(a)}\n# big: ${JSON.stringify(b)}\n`);
    for (const x of [a, b]) {
      assert.deepEqual(x.units, ['line']);
      assert.ok(x.longest <= 32768, `documents are bounded: longest ${x.longest}`);
      assert.ok(x.report.train > 0 && x.report.heldOut > 0);
    }
    assert.ok(b.chars > 0.9 * 0.95 * BIG_MB * 1e6, `read the whole file: ${b.chars} characters`);
    // reading either file whole would add at least its size; streaming adds GC slack only
    const limit = Math.min(48, 0.75 * (BIG_MB - BIG_MB / 8));
    assert.ok(b.maxRssMB - a.maxRssMB < limit, `peak RSS ${a.maxRssMB.toFixed(0)} MB → ${b.maxRssMB.toFixed(0)} MB for ${BIG_MB / 8} → ${BIG_MB} MB (limit +${limit.toFixed(0)} MB)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
