// `avey finetune retrieval`: contrastive fine-tuning of an encoder for dense retrieval (the paper's
// IR protocol): multiple-negatives ranking loss (scale 20, in-batch negatives plus any hard
// negatives) on mean-pooled embeddings, optionally with the gradient cache (--mini-batch), AdamW
// with the fine-tuning recipe, 10 % warmup then linear decay, gradient clipping at 1. Writes
// OUT/model (config, weights, tokenizer: what `avey embed` and `avey eval retrieval` read) and
// OUT/metrics.json.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Tokenizer } from '@avey/data';
import { FileError, UsageError } from '../errors.js';
import { commandOf, type RawArgs } from '../spec.js';
import { setupBackend } from '../lib/backend.js';
import { checkTokenizerFits, loadModel, loadTokenizer } from '../lib/models.js';
import { resolveCheckpoint } from '../train/checkpoint.js';
import { findDatasetsRoot } from '../finetune/tasks.js';
import { FINETUNE_BETAS, FINETUNE_EPS, FINETUNE_WARMUP, FINETUNE_WEIGHT_DECAY } from '../finetune/train.js';
import { formatDuration } from '../util/format.js';
import { encodeForRetrieval } from './embed.js';
import { evaluateDense, type Prepared } from './evaluate.js';

interface Args {
  checkpoint: string;
  train?: string;
  trainTask?: 'squad';
  validation?: string;
  data?: string;
  steps?: number;
  batch: number;
  miniBatch?: number;
  maxLen: number;
  lr: number;
  limit?: number;
  evalLimit?: number;
  out?: string;
}

export interface Pair {
  query: string;
  positive: string;
  negatives: string[];
}

export const DEFAULT_STEPS = 1000;

/** Pairs from a JSONL file; a malformed line is a FileError naming file:line. */
async function readPairs(file: string, flag: string, limit?: number): Promise<Pair[]> {
  const d = await import('@avey/data');
  if (!existsSync(file)) throw new FileError(file, `${flag} '${file}' does not exist. Pass a JSONL file with lines {"query": …, "positive": …} (optionally "negative": …).`);
  try {
    return d.readRetrievalPairs(file, limit ? { limit } : {}).pairs;
  } catch (e) {
    if (e instanceof d.DataError) throw new FileError(e.file ?? file, e.message.replace(/^data: /, ''), { cause: e });
    throw e;
  }
}

/** SQuAD v1.1 train subset: question → "title. paragraph"; the last 5 % of paragraphs held out
 *  for validation (no paragraph is on both sides). */
async function squadPairs(root: string): Promise<{ train: Pair[]; validation: Pair[]; source: string }> {
  const d = await import('@avey/data');
  const src = join(root, 'squad-v1.1', 'train-subset-v1.1.json');
  if (!existsSync(src)) throw new FileError(src, `the dataset file '${src}' is missing. Check --data (it should hold squad-v1.1/) or $AVEY_DATASETS.`);
  const sq = d.readSquad(src);
  const cut = Math.floor(sq.contexts.length * 0.95);
  const toPair = (e: import('@avey/data').SquadExample): Pair => ({ query: e.question, positive: `${e.title.replace(/_/g, ' ')}. ${e.context}`, negatives: [] });
  return { train: sq.examples.filter((e) => e.paragraph < cut).map(toPair), validation: sq.examples.filter((e) => e.paragraph >= cut).map(toPair), source: src };
}

/** Validation pairs as a retrieval collection: every distinct passage (positive or negative) is
 *  a document, every pair a query with its positive relevant. */
export function pairsCollection(pairs: readonly Pair[], limit?: number): Prepared {
  const ids = new Map<string, string>();
  const corpus: Prepared['corpus'] = [];
  const idOf = (t: string) => {
    let id = ids.get(t);
    if (id === undefined) {
      id = `d${corpus.length}`;
      ids.set(t, id);
      corpus.push({ id, title: '', text: t });
    }
    return id;
  };
  const use = limit !== undefined ? pairs.slice(0, limit) : pairs;
  const queries = use.map((p, i) => ({ id: `q${i}`, text: p.query }));
  const qrels = new Map(use.map((p, i) => [`q${i}`, new Map([[idOf(p.positive), 1]])]));
  for (const p of use) p.negatives.forEach(idOf);
  return { corpus, queries, qrels, withoutRelevant: 0 };
}

/**
 * Batches of `size` pair indices in a seeded shuffled order, no two pairs of a batch sharing a
 * positive (an in-batch "negative" equal to the positive would be a false negative); pairs that
 * collide wait for a later batch. Cycles through epochs until `steps` batches exist.
 */
export function batchPlan(pairs: readonly Pair[], size: number, steps: number, shuffle: (xs: number[], epoch: number) => number[]): number[][] {
  const distinct = new Set(pairs.map((p) => p.positive)).size;
  if (distinct < 2) throw new UsageError('retrieval fine-tuning needs pairs with at least two different positives (in-batch negatives).', 'finetune');
  const b = Math.min(size, distinct);
  const out: number[][] = [];
  let pending: number[] = [];
  for (let epoch = 0; out.length < steps; epoch++) {
    const queue = [...pending, ...shuffle(pairs.map((_, i) => i), epoch)];
    pending = [];
    let cur: number[] = [];
    let seen = new Set<string>();
    for (const i of queue) {
      if (seen.has(pairs[i].positive)) { pending.push(i); continue; }
      cur.push(i);
      seen.add(pairs[i].positive);
      if (cur.length === b) {
        out.push(cur);
        if (out.length === steps) return out;
        cur = [];
        seen = new Set();
      }
    }
    pending.push(...cur);
  }
  return out;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export async function runFinetuneRetrieval(args: RawArgs): Promise<void> {
  const a = args as unknown as RawArgs & Args;
  if (!a.train === !a.trainTask) throw new UsageError('`avey finetune retrieval` needs exactly one of --train PAIRS.jsonl and --train-task squad.', 'finetune');
  if (a.miniBatch !== undefined && a.miniBatch > a.batch) throw new UsageError(`--mini-batch ${a.miniBatch} is larger than --batch ${a.batch}; the gradient cache embeds mini-batches of a batch.`, 'finetune');
  const note = (s: string) => process.stderr.write(`${s}\n`);
  const dir = await resolveCheckpoint(a.checkpoint, '--checkpoint');
  let train: Pair[];
  let validation: Pair[] = [];
  let source: string;
  if (a.trainTask === 'squad') {
    const sq = await squadPairs(findDatasetsRoot(a.data));
    train = a.limit ? sq.train.slice(0, a.limit) : sq.train;
    validation = sq.validation;
    source = `${sq.source} (question → paragraph; the last 5 % of paragraphs for validation)`;
  } else {
    train = await readPairs(a.train!, '--train', a.limit);
    source = resolve(a.train!);
  }
  if (a.validation) validation = await readPairs(a.validation, '--validation');
  const steps = a.steps ?? DEFAULT_STEPS;
  const backend = await setupBackend(a.backend, commandOf(a));
  const tok: Tokenizer = await loadTokenizer(dir);
  const { model, config } = await loadModel(dir, { head: 'mlm' });
  checkTokenizerFits(tok, config, dir);
  const out = resolve(a.out ?? join('runs', `finetune-retrieval-${timestamp()}`));
  mkdirSync(out, { recursive: true });
  note(`retrieval: ${train.length} training pairs from ${source}${validation.length ? `, ${Math.min(validation.length, a.evalLimit ?? Infinity)} validation queries` : ''}; ${steps} steps of batch ${a.batch}${a.miniBatch ? ` (gradient cache, mini-batch ${a.miniBatch})` : ''}; backend ${backend}`);

  const val = validation.length ? pairsCollection(validation, a.evalLimit) : null;
  const validate = async (label: string) => {
    if (!val) return null;
    const r = await evaluateDense(model, tok, dir, val, { batch: Math.max(a.batch, 16), maxLen: a.maxLen, cache: false, quiet: true });
    note(`validation (${label}): ndcg@10 ${r.scores['ndcg@10'].toFixed(4)}, mrr@10 ${r.scores['mrr@10'].toFixed(4)}, recall@100 ${r.scores['recall@100'].toFixed(4)} over ${r.scores.queries} queries`);
    return r.scores;
  };
  const zeroShot = await validate('zero-shot');

  const T = await import('@avey/tensor');
  const { optim, schedules } = await import('@avey/autograd');
  const ab = await import('@avey/avey-b');
  const { DataRng, mixSeed } = await import('@avey/data');
  const enc = (t: string) => encodeForRetrieval(tok, t, a.maxLen);
  const { documentText, queryText } = await import('@avey/data');
  const encoded = train.map((p) => ({ q: enc(queryText(p.query)), p: enc(documentText(p.positive)), n: p.negatives.map((x) => enc(documentText(x))) }));
  const plan = batchPlan(train, a.batch, steps, (xs, epoch) => new DataRng(mixSeed(a.seed, epoch)).shuffle(xs));
  const params = model.parameters();
  const opt = new optim.AdamW(optim.decayGroups(params, FINETUNE_WEIGHT_DECAY), { lr: a.lr, betas: FINETUNE_BETAS, eps: FINETUNE_EPS });
  const sched = new optim.LRScheduler(opt, schedules.warmupLinear({ warmupFraction: FINETUNE_WARMUP, totalSteps: steps }));
  const embed = ab.meanPoolEmbedder(model);
  const pad = tok.special.pad ?? tok.special.eos ?? 0;
  model.train();
  const t0 = performance.now();
  let lastPrint = t0;
  let loss = NaN;
  const losses: number[] = [];
  for (let s = 0; s < plan.length; s++) {
    const xs = plan[s].map((i) => encoded[i]);
    loss = await T.scope(async () => {
      const l = await ab.mnrlStep(embed, { queries: xs.map((x) => x.q), positives: xs.map((x) => x.p), negatives: xs.flatMap((x) => x.n) }, { padId: pad, ...(a.miniBatch ? { miniBatch: a.miniBatch } : {}) });
      optim.clipGradNorm(params, 1);
      opt.step();
      opt.zeroGrad();
      return l;
    });
    sched.step();
    if (!Number.isFinite(loss)) throw new UsageError(`the loss became ${loss} at step ${s + 1}; lower --lr (now ${a.lr}).`, 'finetune');
    losses.push(loss);
    const now = performance.now();
    if (a.verbose || s + 1 === plan.length || s === 0 || now - lastPrint > 10_000) {
      lastPrint = now;
      const eta = ((now - t0) / (s + 1)) * (plan.length - s - 1);
      note(`step ${s + 1}/${plan.length}  loss ${loss.toFixed(4)}  ETA ${formatDuration(eta)}`);
    }
  }
  model.eval();
  const trainSeconds = (performance.now() - t0) / 1000;
  await ab.saveCheckpoint(join(out, 'model'), model);
  tok.save(join(out, 'model', 'tokenizer.json'));
  const fineTuned = await validate('fine-tuned');
  const report = {
    task: 'retrieval',
    checkpoint: dir,
    train: source,
    train_pairs: train.length,
    steps: plan.length,
    batch: a.batch,
    mini_batch: a.miniBatch ?? null,
    max_len: a.maxLen,
    lr: a.lr,
    seed: a.seed,
    loss: { name: 'multiple-negatives ranking', scale: ab.MNRL_SCALE, first: losses[0], last: loss, mean_last_10: losses.slice(-10).reduce((x, y) => x + y, 0) / Math.min(10, losses.length) },
    recipe: { optimizer: { betas: FINETUNE_BETAS, eps: FINETUNE_EPS, weight_decay: FINETUNE_WEIGHT_DECAY }, warmup: FINETUNE_WARMUP, schedule: 'warmup-linear', clip: 1, pooling: 'mean (attention mask)', similarity: 'cosine' },
    validation: val ? { queries: val.queries.length, documents: val.corpus.length, zero_shot: zeroShot, fine_tuned: fineTuned } : null,
    train_seconds: Math.round(trainSeconds * 10) / 10,
    model: join(out, 'model'),
  };
  writeFileSync(join(out, 'metrics.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (a.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `trained ${plan.length} steps in ${formatDuration(trainSeconds * 1000)}: loss ${losses[0].toFixed(4)} → ${loss.toFixed(4)}\n` +
      (val ? `validation ndcg@10: zero-shot ${zeroShot!['ndcg@10'].toFixed(4)} → fine-tuned ${fineTuned!['ndcg@10'].toFixed(4)}\n` : '') +
      `fine-tuned model: ${join(out, 'model')}\nmetrics: ${join(out, 'metrics.json')}\n` +
      `evaluate: avey eval retrieval --checkpoint ${join(out, 'model')} --beir DIR --bm25\n`,
  );
}
