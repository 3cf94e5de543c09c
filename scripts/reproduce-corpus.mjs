#!/usr/bin/env node
// The `shuffled` pass of scripts/reproduce.mjs: the built-in corpus's training documents in a seeded
// random order, as JSONL for `avey pretrain --corpus`. The built-in corpus is read in order
// (State of the Union, then Moby-Dick, then SpamAssassin), so a short run from its start sees only
// State of the Union text. Run with tsx (it imports @avey/data's sources):
//
//   node --import tsx scripts/reproduce-corpus.mjs OUT.jsonl [seed]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { embeddedCorpus } from '@avey/data';

const [out, seedArg] = process.argv.slice(2);
if (!out) throw new Error('usage: node --import tsx scripts/reproduce-corpus.mjs OUT.jsonl [seed]');
let s = (Number(seedArg ?? 11) >>> 0) || 1;
const rand = () => { // xorshift32
  s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
  return s / 4294967296;
};
const docs = [];
for (const { doc } of embeddedCorpus().train.iterate(0)) docs.push({ id: doc.id, text: doc.text });
for (let i = docs.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [docs[i], docs[j]] = [docs[j], docs[i]];
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${docs.map((d) => JSON.stringify(d)).join('\n')}\n`);
process.stdout.write(`${JSON.stringify({ out, documents: docs.length, first: docs.slice(0, 5).map((d) => d.id) })}\n`);
