// `avey pretrain` end to end on a micro model (d=16, 2 layers) and a small generated corpus:
// learning, the run folder, kill -9 + --resume bit for bit, bad configs, then the
// checkpoint through fill-mask / embed / forward.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLog } from '../src/train/jsonl.js';
import { avey, BIN, exited, startProcess, tempDir, waitFor } from './helpers.js';

const { dir: TMP, cleanup } = tempDir('avey-pretrain-test-');
process.on('exit', cleanup);

const WORDS = 'the a cat dog sat on mat ran fast slow red blue big small house tree river stone bird sang sings over under near far and but'.split(' ');

/** ~250 paragraphs of simple generated sentences (deterministic). */
function writeCorpus(path: string): void {
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const paras: string[] = [];
  for (let p = 0; p < 250; p++) {
    const sentences: string[] = [];
    for (let k = 0; k < 3; k++) {
      const n = 5 + Math.floor(rnd() * 6);
      const w = Array.from({ length: n }, () => WORDS[Math.floor(rnd() * WORDS.length)]);
      sentences.push(`${w.join(' ')}.`);
    }
    paras.push(sentences.join(' '));
  }
  writeFileSync(path, `${paras.join('\n\n')}\n`);
}

const CORPUS = join(TMP, 'corpus.txt');
const MICRO = join(TMP, 'micro.json');
writeCorpus(CORPUS);
writeFileSync(MICRO, JSON.stringify({ d_embed: 16, n_layers: 2, chunk_size: 8, k: 1 }));

const BASE = ['pretrain', '--backend', 'cpu', '--corpus', CORPUS, '--config', MICRO, '--vocab-size', '300', '--batch', '2', '--max-len', '32'];

function losses(run: string): Array<[number, number]> {
  return readLog(join(run, 'log.jsonl')).flatMap((r) => (typeof r.loss === 'number' ? [[r.step, r.loss] as [number, number]] : []));
}

test('micro pretrain: learns, writes the HF folder + training state, JSON summary', () => {
  const run = join(TMP, 'learn');
  const r = avey([...BASE, '--steps', '40', '--lr', '1e-2', '--eval-interval', '20', '--save-interval', '20', '--out', run, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { steps: number; checkpoint: string; eval_losses: Array<{ step: number; loss: number }>; final_eval_loss: number; unigram_eval_loss: number };
  assert.equal(s.steps, 40);
  // the reference points: the last held-out loss, and a unigram of the 40×2×32 tokens seen, on the same positions
  assert.equal(s.final_eval_loss, s.eval_losses[2].loss);
  assert.ok(s.unigram_eval_loss > 1 && s.unigram_eval_loss < Math.log(300) - 0.5, `unigram below uniform: ${s.unigram_eval_loss}`);
  const lastLine = r.stderr.trim().split('\n').filter((l) => l.startsWith('step ')).pop()!;
  assert.match(lastLine, new RegExp(`^step 40/40 .*eval ${s.final_eval_loss.toFixed(4)}  unigram ${s.unigram_eval_loss.toFixed(4)}`));
  assert.deepEqual(s.eval_losses.map((e) => e.step), [0, 20, 40]);
  const first = s.eval_losses[0].loss;
  const last = s.eval_losses[2].loss;
  assert.ok(Math.abs(first - Math.log(300)) < 0.5, `initial held-out loss ≈ ln(300), got ${first}\n${r.stderr}`);
  assert.ok(last < first - 1, `held-out loss falls: ${first} → ${last}`);
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'optimizer.safetensors', 'trainer_state.json', 'loss.svg']) {
    assert.ok(existsSync(join(s.checkpoint, f)), `checkpoint has ${f}`);
  }
  const cfg = JSON.parse(readFileSync(join(s.checkpoint, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(cfg.model_type, 'avey-b');
  assert.equal(cfg.d_embed, 16);
  assert.equal(cfg.vocab_size, 300);
  assert.equal(losses(run).length, 40);
});

test('kill -9 or Ctrl-C during pretraining, then --resume: bit-identical losses', async () => {
  const args = [...BASE, '--steps', '150', '--save-interval', '25', '--eval-interval', '50'];
  const ref = join(TMP, 'ref');
  const r = avey([...args, '--out', ref]);
  assert.equal(r.code, 0, r.stderr);

  const run = join(TMP, 'killed');
  const child = startProcess([BIN, ...args, '--out', run]);
  await waitFor(() => existsSync(join(run, 'checkpoints', 'step-000025')), 'the first checkpoint', 90_000);
  await waitFor(() => losses(run).length >= 30 || child.exitCode !== null, 'a few more steps', 90_000);
  child.kill('SIGKILL');
  await exited(child);
  const done = losses(run).length;
  assert.ok(done < 150, `the run was killed before the end (had ${done} steps)`);

  const resumed = avey(['pretrain', '--resume', run, '--lr', '5']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming .*step-0000\d\d at step \d+\/150/);
  assert.match(resumed.stderr, /with --resume the run's own settings are used; ignoring --lr/);
  assert.deepEqual(losses(run), losses(ref));
  // the unigram reference keeps counting across the resume (its counts are in each checkpoint)
  const evals = (p: string) => readLog(join(p, 'log.jsonl')).filter((x) => 'eval_loss' in x).map((x) => [x.step, x.eval_loss, x.unigram_eval_loss]);
  assert.deepEqual(evals(run), evals(ref));

  // Ctrl-C: saves a checkpoint at the current step, exits 130; resuming reproduces the run
  const int = join(TMP, 'interrupted');
  const c2 = startProcess([BIN, ...args, '--out', int]);
  await waitFor(() => losses(int).length >= 10 || c2.exitCode !== null, 'a few steps', 90_000);
  c2.kill('SIGINT');
  const ex = await exited(c2);
  assert.equal(ex.code, 130, c2.out.stderr);
  const m = /interrupted at step (\d+) of 150; saved checkpoint (\S+)\. Continue with: avey pretrain --resume/.exec(c2.out.stderr);
  assert.ok(m, c2.out.stderr);
  assert.ok(existsSync(join(m[2], 'optimizer.safetensors')));
  const again = avey(['pretrain', '--resume', int]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(losses(int), losses(ref));
});

test('a config that does not fit the checkpoint, or a broken one, is a clear error (exit 1)', () => {
  const run = join(TMP, 'learn');
  const ckpt = join(run, 'checkpoints', 'step-000040');
  const broken = join(TMP, 'broken');
  // a checkpoint whose config.json says d_embed 32 while the weights are d_embed 16
  mkdirSync(broken, { recursive: true });
  for (const f of ['model.safetensors', 'tokenizer.json']) copyFileSync(join(ckpt, f), join(broken, f));
  const cfg = JSON.parse(readFileSync(join(ckpt, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(broken, 'config.json'), JSON.stringify({ ...cfg, d_embed: 32, hidden_size: 32 }));
  const r = avey(['fill-mask', 'the [MASK] sat', '--checkpoint', broken]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /cannot be loaded: .*shape.*config\.json and model\.safetensors must come from the same model/s);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  const badJson = join(TMP, 'bad.json');
  writeFileSync(badJson, '{ d_embed: 16 }');
  const c = avey([...BASE, '--config', badJson, '--out', join(TMP, 'x')]);
  assert.equal(c.code, 1);
  assert.match(c.stderr, /--config '.*bad\.json' is not valid JSON/);
  const again = avey([...BASE, '--out', run]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already holds a training run/);
});

test('a diverging run (NaN loss) stops with exit 1 and keeps the last good checkpoint', () => {
  const run = join(TMP, 'nan');
  const r = avey([...BASE, '--steps', '50', '--lr', '1e6', '--grad-clip', '0', '--warmup-ratio', '0', '--save-interval', '1', '--keep', '3', '--out', run]);
  assert.equal(r.code, 1, r.stderr);
  const m = /training diverged: the loss at step (\d+) is (NaN|Infinity|-Infinity)/.exec(r.stderr);
  assert.ok(m, r.stderr);
  const bad = Number(m[1]);
  assert.ok(bad >= 2, 'the first step was finite');
  const good = `step-${String(bad - 1).padStart(6, '0')}`;
  assert.match(r.stderr, new RegExp(`last good checkpoint is .*${good} \\(step ${bad - 1}\\)`));
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.ok(existsSync(join(run, 'checkpoints', good, 'model.safetensors')));
  assert.ok(!existsSync(join(run, 'checkpoints', `step-${String(bad).padStart(6, '0')}`)));
});

test('the pretrained checkpoint works with fill-mask, embed and forward', () => {
  const run = join(TMP, 'learn');
  const fm = avey(['fill-mask', 'the cat [MASK] on the mat.', '--checkpoint', run, '--top-k', '3', '--json']);
  assert.equal(fm.code, 0, fm.stderr);
  const j = JSON.parse(fm.stdout) as { masks: Array<{ candidates: Array<{ probability: number; text: string }> }> };
  assert.equal(j.masks.length, 1);
  const c = j.masks[0].candidates;
  assert.equal(c.length, 3);
  assert.ok(c[0].probability >= c[1].probability && c[1].probability >= c[2].probability);
  assert.ok(c.every((x) => x.probability > 0 && x.probability <= 1));
  const text = avey(['fill-mask', 'a [MASK] dog', '--checkpoint', run]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /rank\s+token\s+probability/);

  const out = join(TMP, 'emb', 'embeddings.jsonl');
  const e = avey(['embed', 'the cat sat', 'a red bird sings', '--checkpoint', run, '--out', join(TMP, 'emb')]);
  assert.equal(e.code, 0, e.stderr);
  const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { text: string; embedding: number[] });
  assert.equal(lines.length, 2);
  assert.equal(lines[0].text, 'the cat sat');
  assert.equal(lines[0].embedding.length, 16);
  const norm = Math.hypot(...lines[0].embedding);
  assert.ok(Math.abs(norm - 1) < 1e-4, `normalised embedding, norm ${norm}`);

  const f = avey(['forward', '--checkpoint', run, '--text', 'the cat sat', '--json']);
  assert.equal(f.code, 0, f.stderr);
  const fj = JSON.parse(f.stdout) as { outputs: Record<string, { shape: number[] }> };
  assert.deepEqual(fj.outputs.logits.shape.slice(-1), [300]);
  assert.deepEqual(fj.outputs.last_hidden_state.shape.slice(-1), [16]);
});
