// `avey eval retrieval --beir DIR` and `avey eval squad-retrieval` (SQuAD dev as a generated BEIR
// folder): one evaluator, dense (the checkpoint) and optionally BM25 beside it.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BeirCollection, IrScores } from '@avey/data';
import { FileError, UsageError } from '../errors.js';
import { commandOf, type RawArgs } from '../spec.js';
import { setupBackend } from '../lib/backend.js';
import { outputFileIn, writeFileAtomic } from '../lib/files.js';
import { checkTokenizerFits, loadModel, loadTokenizer } from '../lib/models.js';
import { resolveCheckpoint } from '../train/checkpoint.js';
import { findDatasetsRoot } from '../finetune/tasks.js';
import { cacheDir } from '../retrieval/embed.js';
import { evaluateBm25, evaluateDense, prepare } from '../retrieval/evaluate.js';
import { formatTable } from '../util/format.js';

interface EvalRetrievalArgs {
  task: 'retrieval' | 'squad-retrieval';
  checkpoint: string;
  beir?: string;
  data?: string;
  split: string;
  maxLen: number;
  evalLimit?: number;
  batch: number;
  bm25: boolean;
  corpus: 'all' | 'judged';
  cache: boolean;
  out?: string;
}

/** Reads a BEIR folder; a DataError (file:line) becomes a FileError for the CLI's message. */
export async function loadBeir(dir: string, split: string): Promise<BeirCollection> {
  const d = await import('@avey/data');
  if (!existsSync(dir)) throw new FileError(dir, `--beir '${dir}' does not exist. Pass a BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv).`);
  try {
    return d.readBeir(dir, { split });
  } catch (e) {
    if (e instanceof d.DataError) throw new FileError(e.file ?? dir, `${e.message.replace(/^data: /, '')}`, { cause: e });
    throw e;
  }
}

/**
 * SQuAD v1.1 dev as a BEIR folder (2,067 passages, 10,570 questions, qrels/test.tsv), generated
 * once into the cache (<cache>/beir/squad-v1.1-dev) and regenerated when the source file changes.
 */
export async function squadDevBeir(datasetsRoot: string): Promise<string> {
  const d = await import('@avey/data');
  const src = join(datasetsRoot, 'squad-v1.1', 'dev-v1.1.json');
  if (!existsSync(src)) throw new FileError(src, `the dataset file '${src}' is missing. Check --data (it should hold squad-v1.1/) or $AVEY_DATASETS.`);
  const st = statSync(src);
  const stamp = JSON.stringify({ source: resolve(src), size: st.size, mtimeMs: st.mtimeMs, format: 1 });
  const dir = join(cacheDir(), 'beir', 'squad-v1.1-dev');
  const marker = join(dir, 'source.json');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === stamp) return dir;
  d.writeBeir(dir, d.squadBeir(d.readSquad(src), 'test'));
  writeFileSync(marker, stamp);
  return dir;
}

const KEYS = ['ndcg@10', 'mrr@10', 'recall@100', 'paper_ndcg@10'] as const;

export async function runEvalRetrieval(args: RawArgs): Promise<void> {
  const a = args as unknown as RawArgs & EvalRetrievalArgs;
  const note = (s: string) => process.stderr.write(`${s}\n`);
  let beir: string;
  let split = a.split;
  if (a.task === 'squad-retrieval') {
    if (a.beir) throw new UsageError('--beir is for `avey eval retrieval`; squad-retrieval builds its BEIR folder from the SQuAD dev set.', 'eval');
    beir = await squadDevBeir(findDatasetsRoot(a.data));
    split = 'test';
    note(`squad-retrieval: SQuAD v1.1 dev as a BEIR folder at ${beir} (evaluate it with \`avey eval retrieval --beir ${beir}\` too)`);
  } else {
    if (!a.beir) throw new UsageError('`avey eval retrieval` needs --beir DIR: a BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv).', 'eval');
    beir = resolve(a.beir);
  }
  const dir = await resolveCheckpoint(a.checkpoint, '--checkpoint');
  const outFile = a.out ? await outputFileIn(a.out, 'metrics.json', { command: `eval ${a.task}`, legacyExts: ['.json'] }) : undefined;
  const collection = await loadBeir(beir, split);
  const d = await import('@avey/data');
  if (collection.unknown.length) note(`warning: ${d.describeUnknown(collection.unknown)}`);
  const p = prepare(collection, { evalLimit: a.evalLimit, corpus: a.corpus });
  if (p.withoutRelevant) note(`note: ${p.withoutRelevant} of ${p.queries.length} queries have no judgement with a score > 0 and are not scored`);
  const backend = await setupBackend(a.backend, commandOf(a));
  const tok = await loadTokenizer(dir);
  const { model, config } = await loadModel(dir, { head: 'mlm' });
  checkTokenizerFits(tok, config, dir);
  note(`${beir} (${split}): ${p.queries.length} queries, ${p.corpus.length} documents${a.corpus === 'judged' ? ' (judged only)' : ''}; backend ${backend}`);
  const dense = await evaluateDense(model, tok, dir, p, { batch: a.batch, maxLen: a.maxLen, cache: a.cache, quiet: false });
  const bm25: IrScores | null = a.bm25 ? await evaluateBm25(p) : null;
  const report = {
    ...pick(dense.scores),
    'recall@10': dense.scores['recall@10'],
    queries: dense.scores.queries,
    documents: p.corpus.length,
    ...(bm25 ? { bm25: { ...pick(bm25), 'recall@10': bm25['recall@10'], k1: 1.2, b: 0.75 } } : {}),
    task: a.task,
    beir,
    split,
    corpus: a.corpus,
    checkpoint: dir,
    max_len: a.maxLen,
    queries_without_relevant: p.withoutRelevant,
    unknown_qrels: collection.unknown.length,
    embed_seconds: Math.round(dense.embedSeconds * 100) / 100,
    embedding_cache: dense.cache,
  };
  if (outFile) await writeFileAtomic(outFile, `${JSON.stringify(report, null, 2)}\n`, '--out');
  if (a.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const rows: Array<Array<string | number>> = [[`${dir} (dense, mean pooling, cosine)`, ...KEYS.map((k) => dense.scores[k])]];
  if (bm25) rows.push(['BM25 (k1 1.2, b 0.75)', ...KEYS.map((k) => bm25[k])]);
  process.stdout.write(
    `${formatTable(['model', ...KEYS], rows)}\n` +
      `${dense.scores.queries} queries, ${p.corpus.length} documents (${beir}, ${split}). ndcg@10 is the standard graded nDCG (BEIR's); paper_ndcg@10 is the paper's variant (ideal DCG from the retrieved relevant documents only, ≥ ndcg@10).\n`,
  );
}

function pick(s: IrScores): Record<(typeof KEYS)[number], number> {
  return { 'ndcg@10': s['ndcg@10'], 'mrr@10': s['mrr@10'], 'recall@100': s['recall@100'], 'paper_ndcg@10': s['paper_ndcg@10'] };
}
