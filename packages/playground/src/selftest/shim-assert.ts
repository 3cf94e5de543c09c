// node:assert/strict for the browser bundle: the subset the packages' test files use, with
// strict (Object.is / same-prototype) deep equality, so their suites run unchanged in the page.
export class AssertionError extends Error {
  constructor(message: string) { super(message); this.name = 'AssertionError'; }
}

function show(x: unknown): string {
  try {
    if (ArrayBuffer.isView(x)) return `${x.constructor.name}(${Array.from(x as unknown as ArrayLike<number>).slice(0, 20).join(', ')})`;
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}

function deepEq(a: unknown, b: unknown, seen = new Map<unknown, unknown>()): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (seen.get(a) === b) return true;
  seen.set(a, b);
  if (ArrayBuffer.isView(a)) {
    const x = a as unknown as ArrayLike<number>, y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !deepEq(v, b.get(k), seen)) return false;
    return true;
  }
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return false;
    for (const v of a) if (!b.has(v)) return false;
    return true;
  }
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!Object.prototype.hasOwnProperty.call(b, k) || !deepEq((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], seen)) return false;
  return true;
}

function fail(message: string | Error | undefined, dflt: string): never {
  if (message instanceof Error) throw message;
  throw new AssertionError(message ?? dflt);
}

type Matcher = RegExp | (new (...a: never[]) => unknown) | ((e: unknown) => boolean) | Record<string, unknown>;

function matches(e: unknown, m: Matcher | undefined): boolean {
  if (m === undefined) return true;
  if (m instanceof RegExp) return m.test(e instanceof Error ? e.message : String(e));
  if (typeof m === 'function') {
    if (m.prototype !== undefined && (m === Error || m.prototype instanceof Error)) return e instanceof (m as new () => unknown);
    return (m as (e: unknown) => boolean)(e) === true;
  }
  return Object.entries(m).every(([k, v]) => {
    const got = (e as Record<string, unknown>)[k];
    return v instanceof RegExp ? v.test(String(got)) : deepEq(got, v);
  });
}

function assert(value: unknown, message?: string | Error): asserts value { if (!value) fail(message, `expected a truthy value, got ${show(value)}`); }
assert.ok = (value: unknown, message?: string | Error): void => { if (!value) fail(message, `expected a truthy value, got ${show(value)}`); };
assert.equal = (a: unknown, b: unknown, message?: string | Error): void => { if (!Object.is(a, b)) fail(message, `${show(a)} !== ${show(b)}`); };
assert.strictEqual = assert.equal;
assert.notEqual = (a: unknown, b: unknown, message?: string | Error): void => { if (Object.is(a, b)) fail(message, `${show(a)} === ${show(b)}`); };
assert.deepEqual = (a: unknown, b: unknown, message?: string | Error): void => { if (!deepEq(a, b)) fail(message, `not deep-equal:\n  ${show(a)}\n  ${show(b)}`); };
assert.deepStrictEqual = assert.deepEqual;
assert.notDeepEqual = (a: unknown, b: unknown, message?: string | Error): void => { if (deepEq(a, b)) fail(message, `unexpectedly deep-equal: ${show(a)}`); };
assert.fail = (message?: string | Error): never => fail(message, 'failed');
assert.match = (s: string, re: RegExp, message?: string | Error): void => { if (!re.test(s)) fail(message, `${show(s)} does not match ${re}`); };
assert.throws = (fn: () => unknown, m?: Matcher | string, message?: string): void => {
  try {
    fn();
  } catch (e) {
    if (typeof m === 'string' || matches(e, m)) return;
    fail(message, `threw a non-matching error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  fail(typeof m === 'string' ? m : message, 'expected the function to throw');
};
assert.rejects = async (p: Promise<unknown> | (() => Promise<unknown>), m?: Matcher | string, message?: string): Promise<void> => {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (typeof m === 'string' || matches(e, m)) return;
    fail(message, `rejected with a non-matching error: ${e instanceof Error ? e.message : String(e)}`);
  }
  fail(typeof m === 'string' ? m : message, 'expected a rejection');
};
assert.doesNotThrow = (fn: () => unknown): void => { fn(); };
assert.strict = assert;
assert.AssertionError = AssertionError;

export default assert;
export const { ok, equal, deepEqual, notDeepEqual, throws, rejects, match } = assert;
