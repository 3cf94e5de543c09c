// scope(fn) / keep(t): deterministic release of intermediate tensors.
//
// Every tensor created while a scope is open is recorded in the innermost open scope. When `fn`
// finishes (or its promise settles) every recorded tensor is disposed except those reachable from
// the return value (Tensors, arrays, Maps, Sets, plain objects, and objects exposing
// `[TENSORS]()`) and those passed to `keep`. Returned tensors move to the enclosing scope.
// An async `fn` keeps its scope open across `await`s; tensors created by code that runs
// concurrently in that window are attributed to it (fine for sequential code).

import type { Tensor } from './tensor.js';

/** Objects that own tensors (e.g. autograd Variables) expose them to scopes via this method. */
export const TENSORS: unique symbol = Symbol.for('avey.tensors') as never;
export interface HasTensors {
  [TENSORS](): Iterable<Tensor>;
}

const stack: Set<Tensor>[] = [];

/** Called by the Tensor constructor. */
export function recordInScope(t: Tensor): void {
  if (stack.length > 0) stack[stack.length - 1].add(t);
}

/** Marks `t` as never disposed by any scope (parameters, caches). Returns `t`. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of stack) s.delete(t);
  return t;
}

function collect(value: unknown, out: Set<Tensor>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  // a Tensor exposes itself through [TENSORS] too (tensor.ts), so no instanceof (and no import
  // cycle between scope.ts and tensor.ts) is needed
  const hasTensors = (value as Partial<HasTensors>)[TENSORS];
  if (typeof hasTensors === 'function') {
    for (const t of hasTensors.call(value)) out.add(t);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, seen);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, seen);
  } else if (value instanceof Set) {
    for (const v of value) collect(v, out, seen);
  } else {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto === Object.prototype || proto === null) {
      for (const v of Object.values(value as Record<string, unknown>)) collect(v, out, seen);
    }
  }
}

function close(frame: Set<Tensor>, result: unknown): void {
  const i = stack.lastIndexOf(frame);
  if (i >= 0) stack.splice(i, 1);
  const keepSet = new Set<Tensor>();
  collect(result, keepSet, new Set());
  const parent = i > 0 ? stack[i - 1] : null;
  for (const t of frame) {
    if (keepSet.has(t)) parent?.add(t);
    else t.dispose();
  }
}

/** Runs `fn` and disposes every tensor it created that is not returned or kept. */
export function scope<R>(fn: () => R): R {
  const frame = new Set<Tensor>();
  stack.push(frame);
  let result: R;
  try {
    result = fn();
  } catch (e) {
    close(frame, undefined);
    throw e;
  }
  if (result instanceof Promise) {
    return result.then(
      (v: unknown) => {
        close(frame, v);
        return v;
      },
      (e: unknown) => {
        close(frame, undefined);
        throw e;
      },
    ) as R;
  }
  close(frame, result);
  return result;
}

/** Number of open scopes (for tests / debugging). */
export function scopeDepth(): number {
  return stack.length;
}
