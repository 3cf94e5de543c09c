// selftest.html: the op suite of @avey/tensor (packages/tensor/test/op-suite.ts, unchanged, on
// browser versions of node:test / node:assert) and the Avey-B parity fixture, run inside the page
// on one backend: ?backend=cpu|webgpu|gpujs (default: the page's auto choice), ?suites=ops,grads,parity (grads: not on cpu, the reference),
// ?runs=0.25 scales the op suite's property runs, ?gradRuns / ?gradGradRuns the gradient cases,
// ?fixture=URL of the folder holding small.json + small.safetensors. Results: window.__selftest and
// document.body.dataset.done = "true" (dataset.error on a crash); a table in the page.
import { setBackend } from '@avey/tensor';
import { chooseBackend, requestedBackend } from '../backend-choice.js';
import { runRegistered, takeRegistered, type TestResult } from './shim-test.js';
import { runOpSuite } from '../../../tensor/test/op-suite.js';
import { runParity, type ParityResult } from './parity.js';
import { measurePrecision, type PrecisionRow } from './precision.js';
import { runBench, type BenchRow } from './bench.js';
import { checkGpuFailures, type FailureCheck } from './failures.js';

export interface SelftestReport {
  backend: string;
  detail: string;
  passedOver: { name: string; reason: string }[];
  ops: TestResult[];
  /** the autograd gradient comparison with the CPU (packages/autograd/test/webgpu-grads.test.ts) */
  grads: TestResult[];
  parity: ParityResult[] | null;
  parityError?: string;
  /** ?suites=precision: worst errors against float64 host references */
  precision?: PrecisionRow[];
  /** ?suites=bench: timings of a few ops and an Avey-B forward */
  bench?: BenchRow[];
  /** ?suites=failures (gpujs): a lost WebGL context is an error naming the op */
  failures?: FailureCheck[];
  ms: number;
}

declare global {
  interface Window { __selftest?: SelftestReport }
  // read by packages/autograd/test/webgpu-grads.test.ts in the bundle
  var __aveyGradsBackend: string | undefined;
  var __aveyGradRuns: string | undefined;
  var __aveyGradGradRuns: string | undefined;
}

/** The op suite's tolerances per backend (the same as the Node test files of each backend). */
const TOLERANCES: Record<string, { tolerance?: (op: string) => number; skipDTypes?: ('float64')[] }> = {
  cpu: {},
  webgpu: {
    tolerance: (op) => (['exp', 'pow', 'logsumexp', 'softmax', 'logSoftmax', 'matmul', 'norm', 'variance'].includes(op) ? 1e-4 : 2e-5),
    skipDTypes: ['float64'],
  },
  gpujs: { skipDTypes: ['float64'] },
};

function row(cells: string[]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  for (const c of cells) { const td = document.createElement('td'); td.textContent = c; tr.append(td); }
  return tr;
}

async function main(): Promise<void> {
  const q = new URLSearchParams(location.search);
  const suites = (q.get('suites') ?? 'ops,grads,parity').split(',');
  const t0 = performance.now();
  const choice = await chooseBackend(requestedBackend(location.search));
  document.getElementById('backend')!.textContent = `backend: ${choice.detail}`;
  const table = document.getElementById('results')!;
  const report: SelftestReport = { backend: choice.name, detail: choice.detail, passedOver: choice.passedOver, ops: [], grads: [], parity: null, ms: 0 };
  if (suites.includes('ops')) {
    takeRegistered();
    runOpSuite(choice.name, { ...TOLERANCES[choice.name], required: true, propertyRunsScale: Number(q.get('runs') ?? 1) });
    report.ops = await runRegistered(takeRegistered(), (r) => {
      table.append(row([r.status, r.name, `${r.ms.toFixed(0)} ms`, r.message ?? r.diagnostics.join('; ')]));
      console.log(`selftest ${r.status} ${r.name} (${r.ms.toFixed(0)} ms)${r.message ? `: ${r.message}` : ''}`);
    });
  }
  if (suites.includes('grads') && choice.name !== 'cpu') {
    globalThis.__aveyGradsBackend = choice.name;
    globalThis.__aveyGradRuns = q.get('gradRuns') ?? undefined;
    globalThis.__aveyGradGradRuns = q.get('gradGradRuns') ?? undefined;
    takeRegistered();
    // as in Node: the table's inputs are made on the CPU (the current backend), runOn moves them
    await setBackend('cpu');
    await import('../../../autograd/test/webgpu-grads.test.js');
    report.grads = await runRegistered(takeRegistered(), (r) => {
      table.append(row([r.status, r.name, `${r.ms.toFixed(0)} ms`, r.message ?? r.diagnostics.join('; ')]));
      console.log(`selftest ${r.status} ${r.name} (${r.ms.toFixed(0)} ms)${r.message ? `: ${r.message}` : ''}`);
    });
  }
  await setBackend(choice.name);
  if (suites.includes('parity')) {
    try {
      report.parity = await runParity(q.get('fixture') ?? 'fixtures/avey-b/');
      for (const p of report.parity) {
        table.append(row([p.failing.length ? 'fail' : 'pass', `parity ${p.head}: ${p.tensors} tensors`, '', `max abs ${p.maxAbs.toExponential(2)}, max rel ${p.maxRel.toExponential(2)}; worst ${p.worst}`]));
      }
    } catch (e) {
      report.parityError = e instanceof Error ? e.message : String(e);
      table.append(row(['fail', 'parity', '', report.parityError]));
    }
  }
  if (suites.includes('precision')) {
    report.precision = await measurePrecision();
    for (const p of report.precision) {
      table.append(row(['measured', p.what, '', `max abs ${p.maxAbs.toExponential(2)}, max rel ${p.maxRel.toExponential(2)}${p.note ? `; ${p.note}` : ''}`]));
      console.log(`precision ${choice.name}: ${p.what}: max abs ${p.maxAbs.toExponential(2)}, max rel ${p.maxRel.toExponential(2)}${p.note ? `; ${p.note}` : ''}`);
    }
  }
  if (suites.includes('bench')) {
    report.bench = await runBench(q.get('model') ?? 'model/');
    for (const b of report.bench) {
      table.append(row(['timed', b.what, `${b.minMs.toFixed(1)} / ${b.medianMs.toFixed(1)} ms`, `min / median of ${b.reps}`]));
      console.log(`bench ${choice.name}: ${b.what}: ${b.minMs.toFixed(1)} / ${b.medianMs.toFixed(1)} ms (min / median of ${b.reps})`);
    }
  }
  if (suites.includes('failures') && choice.name === 'gpujs') {
    // last: it loses the backend's WebGL context for good
    report.failures = await checkGpuFailures();
    for (const f of report.failures) {
      table.append(row([f.ok ? 'pass' : 'fail', f.what, '', f.detail]));
      console.log(`failures ${choice.name}: ${f.ok ? 'pass' : 'fail'} ${f.what}: ${f.detail}`);
    }
  }
  report.ms = performance.now() - t0;
  window.__selftest = report;
  document.body.dataset.done = 'true';
}

main().catch((e) => {
  const msg = e instanceof Error ? e.message : String(e);
  document.getElementById('error')!.hidden = false;
  document.getElementById('error')!.textContent = msg;
  document.body.dataset.error = msg;
});
