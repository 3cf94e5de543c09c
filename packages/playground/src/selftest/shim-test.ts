// node:test for the browser bundle: test() registers, runRegistered() runs them one by one and
// reports pass / fail / skip with the diagnostics, so the packages' suites run unchanged in a page.
export interface TestContext {
  name: string;
  skip(reason?: string): void;
  todo(reason?: string): void;
  diagnostic(line: string): void;
  test(name: string, fn: (t: TestContext) => unknown): Promise<void>;
}
type Fn = (t: TestContext) => unknown;
interface Registered { name: string; fn: Fn; skip?: string }
export interface TestResult { name: string; status: 'pass' | 'fail' | 'skip'; ms: number; message?: string; diagnostics: string[] }

const registered: Registered[] = [];

export function test(name: string, a?: Fn | { skip?: boolean | string; timeout?: number; concurrency?: number }, b?: Fn): void {
  const fn = (typeof a === 'function' ? a : b) as Fn;
  const opts = typeof a === 'object' ? a : {};
  const skip = opts.skip === true ? 'skipped' : typeof opts.skip === 'string' ? opts.skip : undefined;
  registered.push({ name, fn, ...(skip ? { skip } : {}) });
}
export const it = test;
/** Hooks: `before` runs at once; `after` is ignored (a page keeps its backends for the next suite). */
export function before(fn: () => unknown): void { void fn(); }
export function after(_fn: () => unknown): void {}
export function describe(_name: string, fn: () => void): void { fn(); }

/** Tests registered so far (and clears the list). */
export function takeRegistered(): Registered[] {
  return registered.splice(0, registered.length);
}

async function runOne(name: string, fn: Fn, onResult: (r: TestResult) => void): Promise<TestResult> {
  const diagnostics: string[] = [];
  let skipped: string | undefined;
  const t: TestContext = {
    name,
    skip: (reason) => { skipped = reason ?? 'skipped'; },
    todo: (reason) => { skipped = `todo: ${reason ?? ''}`; },
    diagnostic: (line) => { diagnostics.push(line); },
    test: async (sub, f) => {
      const r = await runOne(`${name} > ${sub}`, f, onResult);
      if (r.status === 'fail') throw new Error(`subtest '${sub}' failed: ${r.message}`);
    },
  };
  const t0 = performance.now();
  let result: TestResult;
  try {
    await fn(t);
    result = skipped !== undefined
      ? { name, status: 'skip', ms: performance.now() - t0, message: skipped, diagnostics }
      : { name, status: 'pass', ms: performance.now() - t0, diagnostics };
  } catch (e) {
    result = { name, status: 'fail', ms: performance.now() - t0, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e), diagnostics };
  }
  onResult(result);
  return result;
}

/** Runs the tests (registered ones by default) in order. */
export async function runRegistered(list: Registered[], onResult: (r: TestResult) => void = () => {}): Promise<TestResult[]> {
  const out: TestResult[] = [];
  for (const r of list) {
    if (r.skip) { const s: TestResult = { name: r.name, status: 'skip', ms: 0, message: r.skip, diagnostics: [] }; onResult(s); out.push(s); continue; }
    out.push(await runOne(r.name, r.fn, onResult));
  }
  return out;
}

export default test;
