// Documents from plain-text files (text-docs.ts, FileSource units) and the two-sided held-out split.
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { readFileSync, rmSync } from 'node:fs';
import { BpeTrainer, DataError, decodeTextDoc, windowShuffled, FileSource, hasBlankLineParagraphs, splitHeldOut, textDocs, textsSource, type TextUnit } from '../src/index.js';
import { tmpDir, tmpFile } from './helpers.js';

const enc = new TextEncoder();
const WS = /[ \t\n\v\f\r]/g;

function docsOf(file: string, unit: TextUnit, maxBytes?: number, chunk?: number): string[] {
  return [...textDocs(file, unit, maxBytes, chunk)].map((d) => decodeTextDoc(file, d));
}

// text made of words (ASCII and multi-byte), sentence ends, spaces, tabs, CR and LF
const textArb = fc
  .array(fc.constantFrom('a', 'bc', 'déjà', '日本', '🙂', '.', '!', '?"', ' ', ' ', '\t', '\n', '\n', '\r\n', 'word'), { maxLength: 200 })
  .map((xs) => xs.join(''));

test('textDocs: bounded documents that keep every non-space character, in order, whatever the read size', () => {
  fc.assert(
    fc.property(textArb, fc.constantFrom<TextUnit>('line', 'paragraph'), fc.integer({ min: 16, max: 64 }), fc.integer({ min: 1, max: 9 }), (text, unit, maxBytes, chunk) => {
      const f = tmpFile('t.txt', text);
      const raw = [...textDocs(f, unit, maxBytes, chunk)];
      assert.ok(raw.every((d) => d.bytes.length <= maxBytes), 'bounded');
      const docs = raw.map((d) => decodeTextDoc(f, d));
      for (const d of docs) assert.ok(d.length > 0 && d.trim() === d, `trimmed, non-empty: ${JSON.stringify(d)}`);
      assert.equal(docs.join('').replace(WS, ''), text.replace(WS, ''));
      assert.deepEqual(docsOf(f, unit, maxBytes, 1 << 16), docs, 'same documents with one big read');
    }),
    { numRuns: 300 },
  );
});

test('textDocs without cuts: line = the non-blank lines, paragraph = blocks between blank lines; line/col point at the start', () => {
  fc.assert(
    fc.property(textArb, fc.constantFrom<TextUnit>('line', 'paragraph'), (text, unit) => {
      const f = tmpFile('t.txt', text);
      const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
      const want =
        unit === 'line'
          ? lines.map((l) => l.trim()).filter((l) => l !== '')
          : text.replace(/\r\n/g, '\n').split(/\n[ \t\v\f\r]*\n/).flatMap((p) => p.split(/\n(?:[ \t\v\f\r]*\n)+/)).map((p) => p.trim()).filter((p) => p !== '');
      const docs = [...textDocs(f, unit, 1 << 20)];
      assert.deepEqual(docs.map((d) => decodeTextDoc(f, d)), want);
      const bytes = readFileSync(f);
      const lineStarts = [0];
      bytes.forEach((b, i) => { if (b === 0x0a) lineStarts.push(i + 1); });
      for (const d of docs) {
        const at = lineStarts[d.line - 1] + d.col - 1;
        assert.deepEqual(new Uint8Array(bytes.subarray(at, at + d.bytes.length)), d.bytes);
      }
    }),
    { numRuns: 300 },
  );
});

test('a long paragraph is cut after a sentence end in the second half when there is one, else at a space', () => {
  const s = 'One two three. Four five six seven eight nine ten eleven twelve.';
  const f = tmpFile('p.txt', s);
  assert.deepEqual(docsOf(f, 'paragraph', 40), ['One two three. Four five six seven', 'eight nine ten eleven twelve.']);
  const g = tmpFile('q.txt', 'Aaaa bbbbb ccccc ddddd. Eeeee fffff ggggg hhhhh iiiii.');
  assert.deepEqual(docsOf(g, 'line', 32), ['Aaaa bbbbb ccccc ddddd.', 'Eeeee fffff ggggg hhhhh iiiii.']);
  const h = tmpFile('r.txt', 'x'.repeat(40) + '日本'.repeat(10));
  const parts = docsOf(h, 'line', 16);
  assert.equal(parts.join(''), 'x'.repeat(40) + '日本'.repeat(10));
  assert.ok(parts.every((p) => enc.encode(p).length <= 16));
});

test('auto unit: blank-line paragraphs where the file has them, else one document per line; BOM and CRLF', () => {
  assert.equal(hasBlankLineParagraphs(tmpFile('a.txt', 'one\ntwo\n\n\n')), false);
  assert.equal(hasBlankLineParagraphs(tmpFile('a.txt', '\n\none\n \t\r\ntwo')), true);
  const dir = tmpDir({
    'lines.txt': '\ufeffFirst sentence.\r\nSecond one.\r\nThird.\r\n',
    'paras.txt': 'Para one,\nstill one.\n\nPara two.\n',
    'empty.txt': '',
  });
  const src = new FileSource(dir);
  assert.deepEqual([...src.iterate()].map((d) => [d.doc.id, d.doc.text]), [
    ['lines.txt:1', 'First sentence.'],
    ['lines.txt:2', 'Second one.'],
    ['lines.txt:3', 'Third.'],
    ['paras.txt:1', 'Para one,\nstill one.'],
    ['paras.txt:4', 'Para two.'],
  ]);
  assert.deepEqual(src.stats().map((s) => [s.name, s.unit, s.documents, s.cut]), [['empty.txt', 'line', 0, 0], ['lines.txt', 'line', 3, 0], ['paras.txt', 'paragraph', 2, 0]]);
  assert.deepEqual([...new FileSource(dir, { unit: 'line' }).iterate()].length, 6);
  assert.deepEqual([...new FileSource(join(dir, 'lines.txt'), { unit: 'paragraph' }).iterate()].map((d) => d.doc.text), ['First sentence.\nSecond one.\nThird.']);
  // ids do not depend on where the folder is
  const elsewhere = tmpDir({ 'lines.txt': 'x\ny\n' });
  assert.deepEqual([...new FileSource(join(elsewhere, 'lines.txt')).iterate()].map((d) => d.doc.id), ['lines.txt:1', 'lines.txt:2']);
  // one huge line: cut pieces get line:column ids, counted as cut
  const huge = new FileSource(tmpFile('h.txt', 'word '.repeat(40)), { maxDocBytes: 64 });
  const ids = [...huge.iterate()].map((d) => d.doc.id);
  assert.equal(ids[0], 'h.txt:1');
  assert.match(ids[1], /^h\.txt:1:\d+$/);
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(huge.stats()[0].cut, ids.length);
});

test('bad text input names file:line; an unreadable file names the file', () => {
  const bad = tmpFile('bad.txt', Buffer.concat([Buffer.from('ok line\n\nfine\nbad '), Buffer.from([0xc3, 0x28]), Buffer.from(' here\n')]));
  for (const unit of ['line', 'paragraph'] as const) {
    assert.throws(() => [...new FileSource(bad, { unit }).iterate()], (e: unknown) => e instanceof DataError && e.file === bad && e.line === 4 && /invalid UTF-8 at byte 5/.test(e.message));
  }
  const dir = tmpDir({ 'a.txt': 'a\n', 'gone.txt': 'b\n' });
  const src = new FileSource(dir);
  rmSync(join(dir, 'gone.txt'));
  const gone = join(dir, 'gone.txt');
  assert.throws(() => [...src.iterate()], (e: unknown) => e instanceof DataError && e.file === gone && /cannot open/.test(e.message));
});

test('splitHeldOut: both sides non-empty for any document count ≥ 2; hash split when it gives both sides; too small is a DataError', () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 300 }), fc.integer({ min: 0, max: 5 }), (n, seed) => {
      const src = textsSource(`s${seed}`, Array.from({ length: n }, (_, i) => `doc ${i}`));
      const { train, heldOut, report } = splitHeldOut(src, { seed });
      const tr = [...train.iterate()].map((d) => d.doc.text);
      const ho = [...heldOut.iterate()].map((d) => d.doc.text);
      assert.ok(tr.length > 0 && ho.length > 0);
      assert.equal(tr.length + ho.length, n);
      assert.equal(new Set([...tr, ...ho]).size, n);
      assert.equal(report.train, tr.length);
      assert.equal(report.heldOut, ho.length);
      if (report.method === 'last') assert.deepEqual(ho, Array.from({ length: ho.length }, (_, i) => `doc ${n - ho.length + i}`));
      // indices are renumbered and resumable
      assert.deepEqual([...train.iterate(1)].map((d) => d.index), tr.slice(1).map((_, i) => i + 1));
    }),
    { numRuns: 100 },
  );
  assert.equal(splitHeldOut(textsSource('big', Array.from({ length: 2000 }, (_, i) => `d${i}`))).report.method, 'hash');
  assert.throws(() => splitHeldOut(textsSource('one', ['just one line']), { describe: 'tiny.txt' }), (e: unknown) => e instanceof DataError && e.file === 'tiny.txt' && /at least 2/.test(e.message));
});

test('BpeTrainer.report: the size reached and why merging stopped (too little text → fewer tokens than asked)', () => {
  const small = new BpeTrainer({ vocabSize: 8192 });
  small.feed('the cat sat on the mat. the cat sat.');
  const tok = small.finish();
  const r = small.report;
  assert.ok(r);
  assert.equal(r.requested, 8192);
  assert.equal(r.reached, tok.vocabSize);
  assert.ok(r.reached < 8192 && r.reached === 262 + r.merges);
  assert.equal(r.stop, 'min-frequency');
  const none = new BpeTrainer({ vocabSize: 1000 });
  assert.equal(none.finish().vocabSize, 262);
  assert.equal(none.report?.stop, 'no-pairs');
  const enough = new BpeTrainer({ vocabSize: 270 });
  enough.feed('the cat sat on the mat. the cat sat.');
  assert.equal(enough.finish().vocabSize, 270);
  assert.deepEqual([enough.report?.stop, enough.report?.reached, enough.report?.merges], ['size', 270, 8]);
});

test('windowShuffled: a seeded permutation within windows, resumable from any index; FileSource.fileOrderSeed permutes the files', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 1000 }), (n, window, seed) => {
      const src = textsSource('s', Array.from({ length: n }, (_, i) => `d${i}`));
      const sh = windowShuffled(src, seed, window);
      const all = [...sh.iterate()];
      assert.deepEqual(all.map((d) => d.index), all.map((_, i) => i));
      const texts = all.map((d) => d.doc.text);
      assert.deepEqual([...texts].sort(), src.ids().map((_, i) => `d${i}`).sort());
      texts.forEach((t, i) => assert.equal(Math.floor(Number(t.slice(1)) / window), Math.floor(i / window), 'stays in its window'));
      assert.deepEqual([...windowShuffled(src, seed, window).iterate()].map((d) => d.doc.text), texts, 'deterministic');
      const start = Math.floor(n / 2);
      assert.deepEqual([...sh.iterate(start)].map((d) => [d.index, d.doc.text]), all.slice(start).map((d) => [d.index, d.doc.text]));
    }),
    { numRuns: 200 },
  );
  const src = textsSource('s', Array.from({ length: 100 }, (_, i) => `d${i}`));
  assert.notDeepEqual([...windowShuffled(src, 1, 50).iterate()].map((d) => d.doc.text), [...windowShuffled(src, 2, 50).iterate()].map((d) => d.doc.text));
  const dir = tmpDir(Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${String(i).padStart(2, '0')}.txt`, `text ${i}\n`])));
  const plain = new FileSource(dir).files;
  const a = new FileSource(dir, { fileOrderSeed: 5 }).files;
  assert.deepEqual([...a].sort(), plain);
  assert.notDeepEqual(a, plain);
  assert.deepEqual(new FileSource(dir, { fileOrderSeed: 5 }).files, a);
  assert.deepEqual([...new FileSource(dir, { fileOrderSeed: 5 }).iterate()].map((d) => d.doc.id), a.map((f) => `${f.slice(dir.length + 1)}:1`));
});
