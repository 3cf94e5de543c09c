// `avey pretrain --corpus` on the shapes people's own text comes in: each pretrains a few steps of
// a micro model and evaluates a held-out loss; run.json says how each file became documents. Bad
// input keeps its clear file:line errors. (Each run is one short CLI process: ~3 s unloaded.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { avey, tempDir } from './helpers.js';

const { dir: TMP, cleanup } = tempDir('avey-own-text-');
process.on('exit', cleanup);

const MICRO = join(TMP, 'micro.json');
writeFileSync(MICRO, JSON.stringify({ d_embed: 16, n_layers: 2, chunk_size: 8, k: 1 }));

const WORDS = 'the a film movie plot actor story good bad great boring funny slow scene ending music and but was is not very'.split(' ');
let seed = 7;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
/** A generated sentence of 5–14 words. */
function sentence(): string {
  const n = 5 + Math.floor(rnd() * 10);
  const w = Array.from({ length: n }, () => WORDS[Math.floor(rnd() * WORDS.length)]);
  return `${w.join(' ')}.`;
}
const sentences = (n: number) => Array.from({ length: n }, sentence);

function path(...p: string[]): string {
  const f = join(TMP, ...p);
  mkdirSync(join(f, '..'), { recursive: true });
  return f;
}
function write(rel: string, content: string | Buffer): string {
  const f = path(rel);
  writeFileSync(f, content);
  return f;
}

interface DataInfo {
  corpus: {
    unit: string;
    files: Array<{ name: string; unit: string; documents: number; cut: number }>;
    documents: number;
    held_out: { from: string; method?: string; train?: number; heldOut?: number; documents: number };
  };
  tokenizer?: { requested: number; reached: number; stop: string };
}

/** Pretrains 2 steps on `corpus`; returns the run's recorded data info and the stderr log. */
function pretrain(name: string, corpus: string[], extra: string[] = []): { data: DataInfo; stderr: string; evals: number[]; run: string } {
  const run = join(TMP, 'runs', name);
  const r = avey([
    'pretrain', '--backend', 'cpu', '--corpus', ...corpus, '--config', MICRO, '--vocab-size', '300',
    '--batch', '2', '--max-len', '16', '--steps', '2', '--eval-interval', '0', '--eval-batches', '1', '--out', run, '--json', ...extra,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { eval_losses: Array<{ step: number; loss: number }> };
  const evals = s.eval_losses.map((e) => e.loss);
  assert.equal(evals.length, 2, 'a held-out loss before and after training');
  assert.ok(evals.every((l) => Number.isFinite(l) && l > 0), `finite held-out losses: ${evals}\n${r.stderr}`);
  const data = (JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as { settings: { data: DataInfo } }).settings.data;
  return { data, stderr: r.stderr, evals, run };
}

const units = (d: DataInfo) => d.corpus.files.map((f) => [f.name, f.unit, f.documents]);

test('one sentence per line: one document per line, 5 % held out by the id hash', () => {
  const f = write('lines/reviews.txt', `${sentences(400).join('\n')}\n`);
  const { data, stderr } = pretrain('lines', [f]);
  assert.deepEqual(units(data), [['reviews.txt', 'line', 400]]);
  assert.equal(data.corpus.held_out.method, 'hash');
  assert.ok((data.corpus.held_out.heldOut ?? 0) > 0 && (data.corpus.held_out.train ?? 0) > 300);
  assert.match(stderr, /reviews\.txt: 400 documents \(one per line\)/);
  assert.match(stderr, /data: 1 file\(s\), documents shuffled/);
});

test('blank-line paragraphs: one document per paragraph', () => {
  const paras = Array.from({ length: 120 }, () => sentences(3).join('\n'));
  const f = write('paras/book.txt', `${paras.join('\n\n')}\n`);
  const { data } = pretrain('paras', [f]);
  assert.deepEqual(units(data), [['book.txt', 'paragraph', 120]]);
});

test('one huge paragraph (a single 250 KB line): cut into bounded documents at sentence ends; both sides of the split non-empty', () => {
  const f = write('huge/one-line.txt', sentences(5000).join(' ')); // ≈ 250 KB
  const { data, stderr } = pretrain('huge', [f]);
  const [file] = data.corpus.files;
  assert.equal(file.unit, 'line');
  assert.ok(file.documents >= 6 && file.cut === file.documents, JSON.stringify(file));
  assert.ok(data.corpus.held_out.heldOut! >= 1 && data.corpus.held_out.train! >= 1);
  assert.match(stderr, /longer than 32 KiB/);
});

test('a folder of many small files, with an empty file among them', () => {
  for (let i = 0; i < 60; i++) write(`many/note-${String(i).padStart(2, '0')}.txt`, `${sentences(3).join('\n')}\n`);
  write('many/empty.txt', '');
  const { data } = pretrain('many', [path('many')]);
  assert.equal(data.corpus.files.length, 61);
  assert.equal(data.corpus.documents, 180);
  assert.deepEqual(data.corpus.files.find((f) => f.name === 'empty.txt'), { name: 'empty.txt', unit: 'line', documents: 0, cut: 0 });
});

test('mixed .txt and .jsonl in one folder', () => {
  write('mixed/a.txt', `${sentences(100).join('\n')}\n`);
  write('mixed/b.jsonl', `${sentences(100).map((t) => JSON.stringify({ text: t, id: 1 })).join('\n')}\n`);
  const { data } = pretrain('mixed', [path('mixed')]);
  assert.deepEqual(units(data), [['a.txt', 'line', 100], ['b.jsonl', 'jsonl', 100]]);
});

test('CRLF line endings and a UTF-8 BOM: lines and blank-line paragraphs found as with LF', () => {
  const lines = sentences(150);
  const crlf = write('crlf/windows.txt', `\ufeff${lines.join('\r\n')}\r\n`);
  const paras = write('crlf/paras.txt', `\ufeff${lines.slice(0, 40).join('\r\n\r\n')}\r\n`);
  const { data } = pretrain('crlf', [crlf, paras]);
  assert.deepEqual(units(data), [['paras.txt', 'paragraph', 40], ['windows.txt', 'line', 150]]); // listed by name
});

test('--validation-corpus: held-out text from its own file; --corpus-unit overrides auto', () => {
  const train = write('val/train.txt', `${sentences(200).join('\n')}\n`);
  const held = write('val/held.txt', `${sentences(20).join('\n')}\n`);
  const { data, stderr } = pretrain('val', [train], ['--validation-corpus', held, '--corpus-unit', 'paragraph']);
  assert.equal(data.corpus.unit, 'paragraph');
  assert.deepEqual(units(data), [['train.txt', 'paragraph', 1]]);
  assert.equal(data.corpus.held_out.from, 'validation-corpus');
  assert.match(stderr, /held-out: 1 document of --validation-corpus/); // the unit applies to it too
});

test('a tiny corpus: two lines train with the fallback split and a repeated held-out batch; one line is a clear error', () => {
  const two = write('tiny/two.txt', 'the film was good.\nthe plot was bad.\n');
  const { data, stderr } = pretrain('tiny', [two]);
  assert.deepEqual([data.corpus.held_out.method, data.corpus.held_out.train, data.corpus.held_out.heldOut], ['last', 1, 1]);
  assert.match(stderr, /the last 1 held out/);
  assert.match(stderr, /repeated to fill one/);
  const one = write('tiny/one.txt', 'just one line\n');
  const r = avey(['pretrain', '--backend', 'cpu', '--corpus', one, '--config', MICRO, '--steps', '1', '--out', join(TMP, 'runs', 'one')]);
  assert.equal(r.code, 1, r.stderr);
  assert.ok(r.stderr.includes(one) && /at least 2/.test(r.stderr), r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('the tokenizer warns with both sizes and the reason when the text is too small for the vocabulary; the config records the real size', () => {
  const f = write('warn/small.txt', `${sentences(100).join('\n')}\n`);
  const { data, stderr, run } = pretrain('warn', [f], ['--vocab-size', '4000']);
  assert.ok(data.tokenizer && data.tokenizer.requested === 4000 && data.tokenizer.reached < 4000, JSON.stringify(data.tokenizer));
  assert.match(stderr, new RegExp(`warning: the tokenizer has ${data.tokenizer.reached} tokens, not the 4000 asked for: .*(no pair|merges)`));
  const cfg = JSON.parse(readFileSync(join(run, 'checkpoints', 'step-000002', 'config.json'), 'utf8')) as { vocab_size: number };
  assert.equal(cfg.vocab_size, data.tokenizer.reached);
  // enough text for the size asked: no warning
  assert.doesNotMatch(pretrain('nowarn', [f]).stderr, /warning: the tokenizer/);
});

test('bad input names file:line: invalid UTF-8, a JSONL line without the field, an unreadable file', () => {
  const fail = (corpus: string, re: RegExp) => {
    const r = avey(['pretrain', '--backend', 'cpu', '--corpus', corpus, '--config', MICRO, '--steps', '1', '--out', join(TMP, 'runs', `bad-${Math.random()}`)]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  };
  const utf = write('bad/utf.txt', Buffer.concat([Buffer.from(`${sentences(5).join('\n')}\nbad `), Buffer.from([0xff]), Buffer.from('\n')]));
  fail(utf, new RegExp(`${utf}:6: invalid UTF-8`));
  const jl = write('bad/x.jsonl', '{"text":"fine here"}\n{"body":"no text field"}\n');
  fail(jl, new RegExp(`${jl}:2: JSONL record has no string field 'text'`));
  const dir = path('bad/folder');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'ok.txt'), `${sentences(5).join('\n')}\n`);
  symlinkSync(join(dir, 'missing-target.txt'), join(dir, 'dangling.txt'));
  fail(dir, new RegExp(`${join(dir, 'dangling.txt')}.*(cannot read|no such file)`));
  if (process.getuid?.() !== 0) {
    const locked = write('bad/locked.txt', 'secret\n');
    chmodSync(locked, 0o000);
    fail(locked, new RegExp(`${locked}.*(cannot open|permission denied)`));
  } else {
    // as root every file is readable: the dangling link above stands in for an unreadable file
  }
});
