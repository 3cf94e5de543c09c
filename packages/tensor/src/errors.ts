// Typed errors. Every error names the op that raised it (`err.op`) and, in its message, the
// shapes / dtypes / backend involved, e.g. `add: cannot broadcast shapes [2,3] and [4]`.

const AVEY = Symbol.for('avey.error');

/** Base class of every error thrown by avey-ts packages. `op` names the operation. */
export class AveyError extends Error {
  readonly op: string;
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.op = op;
    this.name = new.target.name;
  }
  /** `x instanceof AveyError` is also true for `IndexError`, which extends RangeError. */
  static override [Symbol.hasInstance](x: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, x)) return true;
    return this === AveyError && typeof x === 'object' && x !== null && (x as { [AVEY]?: boolean })[AVEY] === true;
  }
}

/** Incompatible shapes (broadcasting, reshape, matmul inner dims, cat, …). */
export class ShapeError extends AveyError {}

/** An op got a dtype it does not support (e.g. `exp` of an int32 tensor, int matmul). */
export class DTypeError extends AveyError {}

/** Backend missing / unavailable / mixing tensors of two backends / sync read on an async backend. */
export class BackendError extends AveyError {}

/** An index or axis out of range. A `RangeError` (so generic code catches it) that is also
 *  `instanceof AveyError` and carries `op`. */
export class IndexError extends RangeError {
  readonly op: string;
  readonly [AVEY] = true;
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.op = op;
    this.name = 'IndexError';
  }
}

/** Formats a shape for messages: `[2,3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
