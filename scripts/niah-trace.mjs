#!/usr/bin/env node
// Where does NIAH accuracy go? For a model written by `avey finetune niah`, traces its forward pass
// on the same test examples `avey finetune|eval niah` scores (the test mix, the same seeds) and
// reports, per example, what the ranker let the needles' splits see: did the target needle's split
// select the question's split (split 0, the only place the ordinal is written) and the split of
// the other needle (needed to know which of two is first)? Alongside: the example's outcome.
//
//   node --import tsx scripts/niah-trace.mjs --checkpoint runs/…/model [--len 1024] [--n 10] [--needle word] [--json]
//
// docs/reproduction.md ("Where the accuracy goes") reads its output.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as T from '@avey/tensor';
import { noGrad } from '@avey/autograd';
import { loadCheckpoint } from '@avey/avey-b';
import { Tokenizer, makeNiah, scoreNiah, NIAH_MIX } from '@avey/data';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? dflt : argv[i + 1];
};
const ckpt = opt('checkpoint');
if (!ckpt || !existsSync(join(ckpt, 'config.json'))) {
  process.stderr.write('usage: node --import tsx scripts/niah-trace.mjs --checkpoint <avey finetune niah output>/model [--len 1024] [--n 10] [--needle word|number] [--json]\n');
  process.exit(2);
}
const L = Number(opt('len', '1024'));
const N = Number(opt('n', '10'));
const kind = opt('needle', 'word');
const TEST_SEED = 1_000_003; // packages/cli/src/finetune/niah.ts: the test examples' seeds

await T.setBackend('cpu');
const tok = Tokenizer.load(join(ckpt, 'tokenizer.json'));
const { model, config } = loadCheckpoint(ckpt);
const S = config.chunk_size;
const rows = [];
for (let e = 0; e < N; e++) {
  const ex = makeNiah(tok, { length: L, seed: TEST_SEED + e, kind, haystack: 'words', mix: NIAH_MIX.test });
  const ids = T.tensor(ex.inputIds, { dtype: 'int32', shape: [1, ex.inputIds.length] });
  const { out, trace } = noGrad(() => {
    const t = model.trace(ids);
    return { out: model.forward(ids).logits.value, trace: t.trace };
  });
  const pred = await T.argmax(out, -1).data(); // (1, L): 1 = answer token, as predict() in the CLI
  const score = scoreNiah(pred, ex);
  const sel = await trace.get('ranker.selected').data(); // (1, n, k)
  const k = trace.get('ranker.selected').shape[2];
  const splitOf = (tokenIndex) => Math.floor(tokenIndex / S);
  const needleSplits = ex.needleTokens.map(([a]) => splitOf(a));
  const selectedBy = (i) => Array.from(sel.subarray(i * k, (i + 1) * k));
  const t = ex.targetIndex;
  const targetSplit = needleSplits[t];
  const others = needleSplits.filter((_, j) => j !== t);
  const tSel = selectedBy(targetSplit);
  rows.push({
    example: e, outcome: score.outcome, set_f1: Math.round(score.f1 * 1000) / 1000, needles: needleSplits.length, target_index: t,
    target_split: targetSplit, needle_splits: needleSplits, target_selects: tSel,
    target_sees_question: tSel.includes(0) || targetSplit === 0,
    target_sees_other_needle: others.length === 0 ? null : others.some((o) => tSel.includes(o) || o === targetSplit),
    question_selects: selectedBy(0),
  });
  ids.dispose();
}
const share = (f) => { const xs = rows.filter(f); return `${xs.length}/${rows.length}`; };
const summary = {
  checkpoint: ckpt, length: L, examples: N, chunk_size: S, k: config.k,
  target_split_selects_question: share((r) => r.target_sees_question),
  target_split_selects_other_needle: `${rows.filter((r) => r.target_sees_other_needle === true).length}/${rows.filter((r) => r.target_sees_other_needle !== null).length}`,
  outcomes: Object.fromEntries(['target', 'distractor', 'both', 'none', 'haystack'].map((o) => [o, rows.filter((r) => r.outcome === o).length])),
  rows,
};
if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
else {
  process.stdout.write(`${ckpt}: ${N} test examples at ${L} tokens (splits of ${S}, top-${config.k})\n`);
  process.stdout.write(`target needle's split selects the question's split: ${summary.target_split_selects_question}; selects the other needle's split: ${summary.target_split_selects_other_needle}\n`);
  process.stdout.write(`outcomes: ${JSON.stringify(summary.outcomes)}\n`);
  for (const r of rows) process.stdout.write(`  #${r.example} ${r.outcome.padEnd(10)} F1 ${r.set_f1}  needles in splits ${r.needle_splits.join(',')} (target ${r.target_split}) → it selects ${r.target_selects.join(',')}\n`);
}
process.exit(0);
