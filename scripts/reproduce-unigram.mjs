#!/usr/bin/env node
// Reference points for the held-out MLM losses of docs/reproduction.md: the loss of a model that
// ignores the context and predicts every masked token from unigram (token-frequency) statistics.
// Run with tsx (it imports @avey/data's sources):
//
//   node --import tsx scripts/reproduce-unigram.mjs TOKENIZER.json [OUT.json] [--corpus FILE.jsonl] [--seen N] [--eval-tokens M]
//
// Documents are tokenized as in pretraining (no special tokens, EOS appended, in order). Add-one-
// smoothed unigrams are estimated from (a) all training documents and (b) the first N training
// tokens (--seen, default 819200: what an 800 × 4 × 256 run reads), and scored (cross-entropy,
// nats/token) on (1) the first M held-out tokens (--eval-tokens, default 8192: the CLI's held-out set
// is the first --eval-batches × batch × seq-len tokens of the held-out documents) and (2) all
// held-out tokens. With --corpus, the documents and split are those of `avey pretrain --corpus FILE`
// (FileSource, 5 % held out by a hash of the `file:line` id); pass FILE exactly as the driver did.
import { writeFileSync } from 'node:fs';
import { Tokenizer, embeddedCorpus, expandPaths, FileSource, isHeldOut } from '@avey/data';

const args = process.argv.slice(2);
function take(flag, dflt) {
  const i = args.indexOf(flag);
  return i >= 0 ? args.splice(i, 2)[1] : dflt;
}
const corpusFile = take('--corpus', null);
const seen = Number(take('--seen', 819200));
const evalTokens = Number(take('--eval-tokens', 8192));
const [tokFile, outFile] = args;
if (!tokFile) throw new Error('usage: node --import tsx scripts/reproduce-unigram.mjs TOKENIZER.json [OUT.json] [--corpus FILE.jsonl] [--seen N] [--eval-tokens M]');
const tok = Tokenizer.load(tokFile);
const V = tok.vocabSize;
const eos = tok.special.eos;

function split() {
  if (!corpusFile) return embeddedCorpus();
  const all = new FileSource(expandPaths([corpusFile]), { unit: 'paragraph' });
  const pick = (held) => ({ *iterate() { for (const x of all.iterate(0)) if (isHeldOut(x.doc.id) === held) yield x; } });
  return { train: pick(false), heldOut: pick(true) };
}
const { train, heldOut } = split();
const encode = (text) => {
  const ids = tok.encode(text, { addSpecialTokens: false }).ids;
  if (eos !== null) ids.push(eos);
  return ids;
};

const all = new Float64Array(V);
const first = new Float64Array(V);
let nTrain = 0;
for (const { doc } of train.iterate(0)) {
  if (doc.text.trim() === '') continue;
  for (const id of encode(doc.text)) {
    all[id]++;
    if (nTrain < seen) first[id]++;
    nTrain++;
  }
}
const held = [];
for (const { doc } of heldOut.iterate(0)) if (doc.text.trim() !== '') held.push(...encode(doc.text));
const ce = (counts, n, ids) => ids.reduce((s, id) => s - Math.log((counts[id] + 1) / (n + V)), 0) / ids.length;
const evalSet = held.slice(0, evalTokens);
const res = {
  corpus: corpusFile ?? 'built-in',
  uniform_ce: Math.log(V),
  eval_set: { tokens: evalSet.length, unigram_all_train_ce: ce(all, nTrain, evalSet), unigram_seen_ce: ce(first, Math.min(seen, nTrain), evalSet) },
  all_heldout: { tokens: held.length, unigram_all_train_ce: ce(all, nTrain, held), unigram_seen_ce: ce(first, Math.min(seen, nTrain), held) },
  seen_tokens: Math.min(seen, nTrain),
  train_tokens: nTrain,
  vocab_size: V,
};
if (outFile) writeFileSync(outFile, `${JSON.stringify(res, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(res)}\n`);
