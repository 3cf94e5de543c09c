// `avey finetune retrieval`: contrastive fine-tuning of an encoder for dense retrieval (the paper's
// IR protocol): multiple-negatives ranking loss (scale 20, in-batch negatives plus any hard
// negatives) on mean-pooled embeddings, optionally with the gradient cache (--mini-batch), AdamW
// with the fine-tuning recipe, 10 % warmup then linear decay, gradient clipping at 1. The steps run
// as a session (train/retrieval-session.ts) of the one training loop (train/job.ts → loop.ts):
// OUT/log.jsonl, OUT/loss.svg, resumable OUT/checkpoints/step-N/ (--save-interval, --keep,
// --resume), a stop on a non-finite loss, Ctrl-C = save and exit 130. At the end it writes
// OUT/model (config, weights, tokenizer: what `avey embed` and `avey eval retrieval` read) and
// OUT/metrics.json.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AnyHeadModel } from '@avey/avey-b';
import type { Tokenizer } from '@avey/data';
import { FileError, UsageError } from '../errors.js';
import { commandOf, explicitOptions, type RawArgs } from '../spec.js';
import { setupBackend } from '../lib/backend.js';
import { writeFileAtomic } from '../lib/files.js';
import { checkTokenizerFits, loadModel, loadTokenizer } from '../lib/models.js';
import { resolveCheckpoint, TRAINER_STATE } from '../train/checkpoint.js';
import { checkFreshOutDir, readTrainerState, runJob, type JobSettings } from '../train/job.js';
import { readLog } from '../train/jsonl.js';
import { RetrievalSession, type EncodedPair, type RetrievalSessionState } from '../train/retrieval-session.js';
import { findDatasetsRoot } from '../finetune/tasks.js';
import { FINETUNE_BETAS, FINETUNE_EPS, FINETUNE_WARMUP, FINETUNE_WEIGHT_DECAY } from '../finetune/train.js';
import { formatDuration } from '../util/format.js';
import { encodeForRetrieval } from './embed.js';
import { evaluateDense, type Prepared } from './evaluate.js';

interface Args {
  checkpoint?: string;
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

/** What run.json / trainer_state.json store: enough to rebuild the pairs and the session on --resume. */
interface RetrievalRun {
  task: 'retrieval';
  checkpoint: string;
  train: string | null;
  train_task: 'squad' | null;
  validation: string | null;
  data_root: string | null;
  steps: number;
  batch: number;
  mini_batch: number | null;
  max_len: number;
  lr: number;
  limit: number | null;
  eval_limit: number | null;
  seed: number;
}

export async function runFinetuneRetrieval(args: RawArgs): Promise<void> {
  const a = args as unknown as RawArgs & Args & { resume?: string; saveInterval: number; keep: number };
  const note = (s: string) => process.stderr.write(`${s}\n`);
  let run: RetrievalRun;
  let out: string;
  if (a.resume) {
    const ignored = [...explicitOptions(args)].filter((n) => !['resume', 'backend', 'json', 'verbose'].includes(n));
    if (ignored.length) note(`note: with --resume the run's own settings are used; ignoring ${ignored.map((n) => `--${n}`).join(', ')}`);
    const ckpt = await resolveCheckpoint(a.resume, '--resume', TRAINER_STATE);
    const saved = readTrainerState(ckpt).run.settings as unknown as RetrievalRun;
    if (saved.task !== 'retrieval') throw new UsageError(`'${a.resume}' is a ${String(saved.task)} run, not retrieval: use \`avey finetune ${String(saved.task)} --resume ${a.resume}\`.`, 'finetune');
    run = saved;
    out = resolve(ckpt, '..', '..');
  } else {
    if (!a.checkpoint) throw new UsageError('missing required option --checkpoint (the pretrained model to start from), e.g. `avey finetune retrieval --checkpoint runs/pretrain-1 --train pairs.jsonl`; or --resume a fine-tuning run.', 'finetune');
    if (!a.train === !a.trainTask) throw new UsageError('`avey finetune retrieval` needs exactly one of --train PAIRS.jsonl and --train-task squad.', 'finetune');
    if (a.miniBatch !== undefined && a.miniBatch > a.batch) throw new UsageError(`--mini-batch ${a.miniBatch} is larger than --batch ${a.batch}; the gradient cache embeds mini-batches of a batch.`, 'finetune');
    out = resolve(a.out ?? join('runs', `finetune-retrieval-${timestamp()}`));
    // The output folder is checked before any data is read or any step is taken.
    await checkFreshOutDir(out, 'finetune', `avey finetune retrieval --resume ${a.out ?? out}`);
    run = {
      task: 'retrieval',
      checkpoint: await resolveCheckpoint(a.checkpoint, '--checkpoint'),
      train: a.train ? resolve(a.train) : null,
      train_task: a.trainTask ?? null,
      validation: a.validation ? resolve(a.validation) : null,
      data_root: a.trainTask ? findDatasetsRoot(a.data) : null,
      steps: a.steps ?? DEFAULT_STEPS,
      batch: a.batch,
      mini_batch: a.miniBatch ?? null,
      max_len: a.maxLen,
      lr: a.lr,
      limit: a.limit ?? null,
      eval_limit: a.evalLimit ?? null,
      seed: a.seed,
    };
  }
  const dir = run.checkpoint;
  let train: Pair[];
  let validation: Pair[] = [];
  let source: string;
  if (run.train_task === 'squad') {
    const sq = await squadPairs(run.data_root!);
    train = run.limit ? sq.train.slice(0, run.limit) : sq.train;
    validation = sq.validation;
    source = `${sq.source} (question → paragraph; the last 5 % of paragraphs for validation)`;
  } else {
    train = await readPairs(run.train!, '--train', run.limit ?? undefined);
    source = run.train!;
  }
  if (run.validation) validation = await readPairs(run.validation, '--validation');
  const { DataRng, mixSeed, documentText, queryText } = await import('@avey/data');
  const plan = batchPlan(train, run.batch, run.steps, (xs, epoch) => new DataRng(mixSeed(run.seed, epoch)).shuffle(xs));
  const backend = await setupBackend(a.backend, commandOf(a));
  const tok: Tokenizer = await loadTokenizer(dir);
  const { model: pretrained, config } = await loadModel(dir, { head: 'mlm' });
  checkTokenizerFits(tok, config, dir);
  const evalLimit = run.eval_limit ?? undefined;
  note(`retrieval: ${train.length} training pairs from ${source}${validation.length ? `, ${Math.min(validation.length, evalLimit ?? Infinity)} validation queries` : ''}; ${run.steps} steps of batch ${run.batch}${run.mini_batch ? ` (gradient cache, mini-batch ${run.mini_batch})` : ''}; backend ${backend}`);

  const val = validation.length ? pairsCollection(validation, evalLimit) : null;
  const validate = async (model: AnyHeadModel, label: string) => {
    if (!val) return null;
    const r = await evaluateDense(model, tok, dir, val, { batch: Math.max(run.batch, 16), maxLen: run.max_len, cache: false, quiet: true });
    note(`validation (${label}): ndcg@10 ${r.scores['ndcg@10'].toFixed(4)}, mrr@10 ${r.scores['mrr@10'].toFixed(4)}, recall@100 ${r.scores['recall@100'].toFixed(4)} over ${r.scores.queries} queries`);
    return r.scores;
  };
  // the pretrained model's scores (recomputed on --resume: it is a pure function of the checkpoint)
  const zeroShot = await validate(pretrained, 'zero-shot');

  const enc = (t: string) => encodeForRetrieval(tok, t, run.max_len);
  const encoded: EncodedPair[] = train.map((p) => ({ q: enc(queryText(p.query)), p: enc(documentText(p.positive)), n: p.negatives.map((x) => enc(documentText(x))) }));
  const pad = tok.special.pad ?? tok.special.eos ?? 0;
  let session: RetrievalSession | undefined;
  const settings: JobSettings = { command: 'finetune', totalSteps: run.steps, logInterval: 1, evalInterval: 0, saveInterval: a.saveInterval, keep: a.keep, run: run as unknown as Record<string, unknown> };
  const r = await runJob({
    settings,
    outDir: out,
    resume: a.resume,
    json: a.json,
    createSession: async (_job, resume) => {
      let model = pretrained;
      if (resume) {
        const loaded = await loadModel(resume.dir, { head: 'mlm' });
        checkTokenizerFits(tok, loaded.config, resume.dir);
        model = loaded.model;
      }
      session = await RetrievalSession.create({
        model,
        tokenizer: tok,
        pairs: encoded,
        plan,
        padId: pad,
        miniBatch: run.mini_batch ?? undefined,
        lr: run.lr,
        resumeDir: resume?.dir,
        state: resume?.state.session as RetrievalSessionState | undefined,
      });
      return session;
    },
    resumeCommand: (d) => `avey finetune retrieval --resume ${d}`,
    divergeHint: `Start again with a lower --lr (now ${run.lr}; resuming would repeat the same steps exactly).`,
  });
  const model = session!.model;
  model.eval();
  const { saveCheckpoint, MNRL_SCALE } = await import('@avey/avey-b');
  await saveCheckpoint(join(out, 'model'), model);
  tok.save(join(out, 'model', 'tokenizer.json'));
  const fineTuned = await validate(model, 'fine-tuned');
  // the whole run's losses (a resumed run's log holds the steps before the resume too)
  const losses = readLog(join(out, 'log.jsonl')).filter((x) => typeof x.loss === 'number').map((x) => x.loss as number);
  const last10 = losses.slice(-10);
  const report = {
    task: 'retrieval',
    checkpoint: dir,
    train: source,
    train_pairs: train.length,
    steps: r.stepsDone,
    batch: run.batch,
    mini_batch: run.mini_batch,
    max_len: run.max_len,
    lr: run.lr,
    seed: run.seed,
    loss: { name: 'multiple-negatives ranking', scale: MNRL_SCALE, first: losses[0], last: r.lastLoss, mean_last_10: last10.reduce((x, y) => x + y, 0) / last10.length },
    recipe: { optimizer: { betas: FINETUNE_BETAS, eps: FINETUNE_EPS, weight_decay: FINETUNE_WEIGHT_DECAY }, warmup: FINETUNE_WARMUP, schedule: 'warmup-linear', clip: 1, pooling: 'mean (attention mask)', similarity: 'cosine' },
    validation: val ? { queries: val.queries.length, documents: val.corpus.length, zero_shot: zeroShot, fine_tuned: fineTuned } : null,
    train_seconds: Math.round(r.elapsedMs / 100) / 10,
    model: join(out, 'model'),
    log: join(out, 'log.jsonl'),
    loss_curve: join(out, 'loss.svg'),
  };
  await writeFileAtomic(join(out, 'metrics.json'), `${JSON.stringify(report, null, 2)}\n`, '--out');
  if (a.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `trained ${r.stepsDone} steps in ${formatDuration(r.elapsedMs)}: loss ${losses[0].toFixed(4)} → ${r.lastLoss.toFixed(4)}\n` +
      (val ? `validation ndcg@10: zero-shot ${zeroShot!['ndcg@10'].toFixed(4)} → fine-tuned ${fineTuned!['ndcg@10'].toFixed(4)}\n` : '') +
      `fine-tuned model: ${join(out, 'model')}\nmetrics: ${join(out, 'metrics.json')}\nlog: ${report.log}\nloss curve: ${report.loss_curve}\n` +
      `evaluate: avey eval retrieval --checkpoint ${join(out, 'model')} --beir DIR --bm25\n`,
  );
}
