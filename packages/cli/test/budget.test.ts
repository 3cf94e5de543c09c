// Wall-time budgets (`avey pretrain --budget`): duration parsing, the step planner on a simulated
// clock (the run ends by the deadline and uses most of it), and a real budgeted run end to end,
// interrupted and resumed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseDuration, StepBudget } from '../src/train/budget.js';
import { readLog } from '../src/train/jsonl.js';
import { formatDuration } from '../src/util/format.js';
import { avey, BIN, exited, startProcess, tempDir, waitFor } from './helpers.js';

test('parseDuration: 90s, 20m, 2h, 1h30m, 1.5h, bare seconds; anything else is null', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('20m'), 1_200_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('45'), 45_000);
  assert.equal(parseDuration('250ms'), 250);
  for (const bad of ['', 'm', '20 minutes', '5x', '-3s', '1h 30m', 's20']) assert.equal(parseDuration(bad), null, bad);
  fc.assert(
    fc.property(fc.nat(99), fc.nat(59), fc.nat(59), (h, m, s) => {
      assert.equal(parseDuration(`${h}h${m}m${s}s`), ((h * 60 + m) * 60 + s) * 1000);
    }),
  );
});

test('StepBudget: a run re-planned after every step ends by the deadline, having used most of the budget (simulated clock)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 5, max: 400 }), // mean step time (ms)
      fc.double({ min: 0, max: 0.5, noNaN: true }), // step-time jitter (fraction)
      fc.integer({ min: 20, max: 600 }), // budget (s)
      fc.integer({ min: 0, max: 5000 }), // set-up before the first step (ms)
      fc.integer({ min: 0, max: 50 }), // eval interval
      fc.nat(),
      (stepMs, jitter, budgetS, setupMs, evalInterval, seed) => {
        let s = seed >>> 0 || 1;
        const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
        const evalMs = 3 * stepMs;
        const saveMs = 50;
        const saveInterval = 50;
        const b = new StepBudget({ budgetMs: budgetS * 1000, spentBeforeMs: 0, startedAt: 0, evalInterval, saveInterval, initialTotal: 200 });
        let now = setupMs + evalMs; // set-up, then the evaluation before training
        b.recordEval(evalMs);
        let step = 0;
        let total = b.plan(step, now);
        assert.equal(total, 200, 'before any measured step: the initial guess');
        while (step < total) {
          const ms = stepMs * (1 + jitter * (2 * rnd() - 1));
          now += ms;
          step++;
          b.recordStep(ms);
          total = b.plan(step, now);
          assert.ok(total >= step);
          if ((evalInterval > 0 && step % evalInterval === 0) || step >= total) (now += evalMs);
          if (step % saveInterval === 0 || step >= total) ((now += saveMs), b.recordSave(saveMs));
        }
        const budgetMs = budgetS * 1000;
        assert.ok(now <= budgetMs, `ended at ${now} ms, past the ${budgetMs} ms budget (${step} steps)`);
        // unused: at most the reserve (final eval + save + half the slowest step) and a few steps
        assert.ok(budgetMs - now < evalMs + saveMs + 3 * stepMs * (1 + jitter) + 400, `left ${budgetMs - now} ms unused (${step} steps of ~${stepMs} ms)`);
      },
    ),
    { numRuns: 200 },
  );
});

test('StepBudget: the first measured step is dropped once a second exists; a spent budget plans no more steps', () => {
  const b = new StepBudget({ budgetMs: 10_000, spentBeforeMs: 9_000, startedAt: 0, evalInterval: 0, saveInterval: 100 });
  assert.equal(b.timeLeftMs(500), 500);
  assert.equal(b.plan(7, 2000), 7, 'past the deadline before any step of this process: none');
  b.recordStep(5000);
  assert.equal(b.msPerStep, 5000);
  b.recordStep(10);
  assert.equal(b.msPerStep, 10);
  assert.throws(() => new StepBudget({ budgetMs: 0, spentBeforeMs: 0, startedAt: 0, evalInterval: 0, saveInterval: 1 }), /must be positive/);
});

const { dir: TMP, cleanup } = tempDir('avey-budget-test-');
process.on('exit', cleanup);
const CORPUS = join(TMP, 'corpus.txt');
const MICRO = join(TMP, 'micro.json');
{
  const W = 'the a cat dog sat on mat ran fast slow red blue big small house tree river stone bird sang'.split(' ');
  let s = 7;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const paras = Array.from({ length: 200 }, () => Array.from({ length: 20 }, () => W[Math.floor(rnd() * W.length)]).join(' ') + '.');
  writeFileSync(CORPUS, `${paras.join('\n\n')}\n`);
  writeFileSync(MICRO, JSON.stringify({ d_embed: 16, n_layers: 2, chunk_size: 8, k: 1 }));
}
const BASE = ['pretrain', '--backend', 'cpu', '--corpus', CORPUS, '--config', MICRO, '--vocab-size', '300', '--batch', '2', '--max-len', '32', '--eval-interval', '40'];
const BUDGET_S = 40;

test('pretrain --budget: stops on time with a checkpoint, the LR schedule warms up and ends at its final LR, progress shows the time left', async () => {
  const run = join(TMP, 'budget');
  // the budget counts from the process start: time the set-up (until training starts) to allow for
  // a loaded machine, where start-up alone can exceed a short budget
  const t0 = performance.now();
  const c = startProcess([BIN, ...BASE, '--budget', `${BUDGET_S}s`, '--out', run, '--json']);
  let setup = NaN;
  await waitFor(() => {
    if (Number.isNaN(setup) && /training for \S+ more/.test(c.out.stderr)) setup = (performance.now() - t0) / 1000;
    return c.exitCode !== null || !Number.isNaN(setup);
  }, 'training to start', 300_000);
  const ex = await exited(c);
  const wall = (performance.now() - t0) / 1000;
  assert.equal(ex.code, 0, c.out.stderr);
  const s = JSON.parse(c.out.stdout) as { steps: number; budget_s: number; checkpoint: string; final_eval_loss: number; unigram_eval_loss: number };
  assert.equal(s.budget_s, BUDGET_S);
  // after the deadline: at most the step under way, the final evaluation and the checkpoint
  assert.ok(wall <= Math.max(BUDGET_S, setup) + 0.25 * BUDGET_S + 5, `the run took ${wall.toFixed(1)} s for a ${BUDGET_S} s budget (set-up ${setup.toFixed(1)} s)\n${c.out.stderr}`);
  assert.ok(existsSync(join(s.checkpoint, 'trainer_state.json')));
  const state = JSON.parse(readFileSync(join(s.checkpoint, 'trainer_state.json'), 'utf8')) as { step: number; total_steps: number; budget_ms: number; budget_spent_ms: number };
  assert.equal(state.total_steps, state.step, 'the planned total is where the run ended');
  assert.equal(state.budget_ms, BUDGET_S * 1000);
  assert.match(c.out.stderr, /training for \S+ more of a 40s budget/);
  assert.match(c.out.stderr, /step \d+\/\d+ .* left \S+s/);
  const lrs = readLog(join(run, 'log.jsonl')).flatMap((x) => (typeof x.lr === 'number' ? [x.lr] : []));
  assert.equal(lrs.length, s.steps);
  assert.equal(lrs[0], 0, 'the first step is in the warmup');
  if (setup > BUDGET_S / 2) {
    console.log(`# set-up took ${setup.toFixed(1)} s of the ${BUDGET_S} s budget (a loaded machine): ${s.steps} steps; the schedule checks need more steps`);
    return;
  }
  assert.ok(s.steps >= 10, `${s.steps} steps\n${c.out.stderr}`);
  assert.ok(Math.max(...lrs) > 1e-3, 'the schedule reaches (near) its peak');
  assert.ok(lrs[lrs.length - 1] < 0.1 * 2e-3, `the last step's LR ${lrs[lrs.length - 1]} is near the cosine's final 0`);
});

test('pretrain --budget: Ctrl-C, then --resume continues with what is left of the budget (here a raised one); usage errors', async () => {
  const run = join(TMP, 'budget-int');
  const c = startProcess([BIN, ...BASE, '--budget', '10m', '--out', run]);
  await waitFor(() => readLog(join(run, 'log.jsonl')).filter((x) => typeof x.loss === 'number').length >= 3 || c.exitCode !== null, 'a few steps', 300_000);
  c.kill('SIGINT');
  const ex = await exited(c);
  assert.equal(ex.code, 130, c.out.stderr);
  const m = /saved checkpoint (\S+)\./.exec(c.out.stderr);
  assert.ok(m, c.out.stderr);
  const first = JSON.parse(readFileSync(join(m[1], 'trainer_state.json'), 'utf8')) as { budget_spent_ms: number };
  // a new total budget: 20 s more than the first process spent (start-up included)
  const total = Math.ceil(first.budget_spent_ms / 1000) + 20;
  const again = avey(['pretrain', '--resume', run, '--budget', `${total}s`, '--json']);
  assert.equal(again.code, 0, again.stderr);
  assert.ok(again.stderr.includes(`more of a ${formatDuration(total * 1000)} budget`), again.stderr);
  assert.match(again.stderr, /continuing for \S+ more of a/);
  const s = JSON.parse(again.stdout) as { checkpoint: string; steps: number };
  const state = JSON.parse(readFileSync(join(s.checkpoint, 'trainer_state.json'), 'utf8')) as { step: number; total_steps: number; budget_spent_ms: number };
  assert.equal(state.total_steps, state.step);
  assert.ok(state.budget_spent_ms > first.budget_spent_ms, 'the resumed process adds its time to what the run had spent');
  const steps = readLog(join(run, 'log.jsonl')).flatMap((x) => (typeof x.loss === 'number' ? [x.step] : []));
  assert.deepEqual(steps, Array.from({ length: s.steps }, (_, i) => i + 1), 'one record per step across the resume');
  // usage errors: exit 2, naming the flag
  for (const [args, re] of [
    [['--budget', 'soon'], /--budget expects a wall time such as 90s/],
    [['--budget', '20s', '--steps', '10'], /either --steps or --budget/],
    [['--resume', run, '--budget', '1s'], /--budget 1\.0s is not more than the \S+ this run has already spent/],
  ] as Array<[string[], RegExp]>) {
    const u = avey([...BASE, ...args, '--out', join(TMP, 'never')]);
    assert.equal(u.code, 2, u.stderr);
    assert.match(u.stderr, re);
  }
});
