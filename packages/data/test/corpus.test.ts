import fc from 'fast-check';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { documentTexts, DataError, embeddedCorpus, embeddedDocuments, emailBody, expandPaths, FileSource, isHeldOut, linesSync } from '../src/index.js';
import { tmpDir, tmpFile } from './helpers.js';

test('embedded corpora: document counts, lazy reads, spam bodies without headers', () => {
  assert.equal(embeddedDocuments('sotu').length, 233);
  assert.equal(embeddedDocuments('moby-dick').length, 139);
  const spam = embeddedDocuments('spam-assassin');
  assert.equal(spam.length, 6046);
  const body = spam[0].read();
  assert.ok(!/^Return-Path:/m.test(body.slice(0, 200)), 'headers removed');
  assert.equal(emailBody('From: a\nTo: b\n\nHello\n\nthere'), 'Hello\n\nthere');
  assert.match(embeddedDocuments('moby-dick')[3].read(), /Call me Ishmael/);
});

test('embedded split is by document, deterministic, disjoint and complete', () => {
  const a = embeddedCorpus();
  const b = embeddedCorpus();
  assert.deepEqual(a.train.ids(), b.train.ids());
  const tr = new Set(a.train.ids());
  const ho = a.heldOut.ids();
  assert.ok(ho.length > 100 && ho.length < 800, `held out ${ho.length}`);
  assert.ok(ho.every((id) => !tr.has(id)));
  assert.equal(tr.size + ho.length, 233 + 139 + 6046);
  assert.ok(ho.every((id) => isHeldOut(id)));
  const c = embeddedCorpus(['sotu'], { seed: 1, heldOutFraction: 0.2 });
  assert.notDeepEqual(c.heldOut.ids(), embeddedCorpus(['sotu'], { heldOutFraction: 0.2 }).heldOut.ids());
});

test('shuffleSeed: each part is a seeded permutation that mixes the sources early on', () => {
  const plain = embeddedCorpus();
  const a = embeddedCorpus(undefined, { shuffleSeed: 11 });
  const b = embeddedCorpus(undefined, { shuffleSeed: 11 });
  const c = embeddedCorpus(undefined, { shuffleSeed: 12 });
  assert.deepEqual(a.train.ids(), b.train.ids());
  assert.notDeepEqual(a.train.ids(), c.train.ids());
  assert.deepEqual([...a.train.ids()].sort(), [...plain.train.ids()].sort());
  assert.deepEqual([...a.heldOut.ids()].sort(), [...plain.heldOut.ids()].sort());
  // the stored order puts all State of the Union addresses first; the first 100 shuffled documents
  // come from at least two sources (sotu is ~4 % of the documents)
  const sources = (ids: string[]) => new Set(ids.slice(0, 100).map((id) => id.split('/')[0]));
  assert.equal(sources(plain.train.ids()).size, 1);
  assert.ok(sources(a.train.ids()).size >= 2);
});

test('the held-out split spreads ids that differ only in a trailing counter (any prefix)', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 0, maxLength: 40 }), fc.constantFrom(':', '/', '#', ''), (prefix, sep) => {
      let held = 0;
      for (let i = 0; i < 400; i++) if (isHeldOut(`${prefix}${sep}${i}`)) held++;
      // Binomial(400, 0.05): mean 20, sd 4.4; [4, 45] is beyond 3.6 sd on both sides.
      return held >= 4 && held <= 45;
    }),
    { numRuns: 200 },
  );
});

test('file corpora: text lines, paragraphs, JSONL, folders and globs, streamed with resumable indices', () => {
  const dir = tmpDir({ 'a.txt': 'one\n\ntwo\nthree\n', 'b.jsonl': '{"text":"j1"}\n\n{"text":"j2","x":1}\n', 'c.md': 'para one\nstill one\n\npara two' });
  const src = new FileSource(dir, { unit: 'line' });
  assert.deepEqual([...src.iterate()].map((d) => d.doc.text), ['one', 'two', 'three', 'j1', 'j2', 'para one', 'still one', 'para two']);
  // auto (the default): both text files have blank-line paragraphs
  assert.deepEqual([...new FileSource(dir).iterate()].map((d) => d.doc.text), ['one', 'two\nthree', 'j1', 'j2', 'para one\nstill one', 'para two']);
  assert.deepEqual([...documentTexts(src, 2)], ['one', 'two']);
  assert.deepEqual([...src.iterate(4)].map((d) => [d.index, d.doc.text]), [[4, 'j2'], [5, 'para one'], [6, 'still one'], [7, 'para two']]);
  const para = new FileSource(join(dir, '*.md'), { unit: 'paragraph' });
  assert.deepEqual([...para.iterate()].map((d) => d.doc.text), ['para one\nstill one', 'para two']);
  assert.deepEqual(expandPaths(join(dir, '**/*.{txt}'.replace('{txt}', 't?t'))).map((f) => f.slice(dir.length)), ['/a.txt']);
  assert.throws(() => expandPaths(join(dir, '*.nope')), DataError);
  assert.throws(() => new FileSource(join(dir, 'missing.txt')), (e: unknown) => e instanceof DataError && /no such file/.test(e.message));
});

test('bad input: malformed JSONL and invalid UTF-8 name file and line; skip mode counts', () => {
  const j = tmpFile('bad.jsonl', '{"text":"ok"}\n{"text": 3}\n{oops\n{"text":"fine"}\n');
  assert.throws(() => [...new FileSource(j).iterate()], (e: unknown) => e instanceof DataError && e.file === j && e.line === 2);
  const skip = new FileSource(j, { onBad: 'skip' });
  assert.deepEqual([...skip.iterate()].map((d) => d.doc.text), ['ok', 'fine']);
  assert.deepEqual(skip.skipped.map((s) => s.line), [2, 3]);
  const bytes = Buffer.concat([Buffer.from('good line\nsecond ok\nbad \xff'.replace('\xff', ''), 'utf8'), Buffer.from([0xff, 0x41, 0x0a]), Buffer.from('after\n')]);
  const u = tmpFile('bad.txt', bytes);
  assert.throws(() => [...linesSync(u)], (e: unknown) => e instanceof DataError && e.line === 3 && /invalid UTF-8/.test(e.message));
  const crlf = tmpFile('crlf.txt', '\ufeffa\r\nb\r\n');
  assert.deepEqual([...linesSync(crlf)].map((l) => l.text), ['a', 'b']);
});

test('sharedDatasetsDir: <repo>/../shared/datasets, or $AVEY_SHARED_DIR[/datasets]', async () => {
  const { sharedDatasetsDir, REPO_ROOT } = await import('../src/index.js');
  const { resolve } = await import('node:path');
  assert.equal(sharedDatasetsDir({}), resolve(REPO_ROOT, '..', 'shared', 'datasets'));
  assert.equal(sharedDatasetsDir({ AVEY_SHARED_DIR: '/nowhere' }), '/nowhere/datasets');
});
