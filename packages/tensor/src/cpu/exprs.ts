// The CPU backend's elementwise and reduction formulas, as JS expressions for codegen.ts.
// `a`, `b`, `c` are operands (numbers read from typed arrays); results are stored into the output
// typed array, which does the float32 rounding / int32 wrap-around.

import type { BinaryOp, DType, ReduceOp, UnaryOp } from '../backend.js';
import type { ReduceSpec } from './codegen.js';

const SQRT1_2 = Math.SQRT1_2;

export function unaryExpr(op: UnaryOp, inDType: DType, outDType: DType): string {
  const isInt = inDType === 'int32' || inDType === 'bool';
  const f64 = outDType === 'float64';
  switch (op) {
    case 'copy': return outDType === 'bool' ? '(a !== 0 ? 1 : 0)' : 'a';
    case 'neg': return '-a';
    case 'abs': return 'Math.abs(a)';
    case 'sign': return '(a > 0 ? 1 : a < 0 ? -1 : a)';
    case 'exp': return outDType === 'float32' ? 'exp32(a)' : 'Math.exp(a)';
    case 'log': return 'Math.log(a)';
    case 'sqrt': return 'Math.sqrt(a)';
    case 'rsqrt': return '1 / Math.sqrt(a)';
    case 'reciprocal': return '1 / a';
    case 'square': return isInt ? 'Math.imul(a, a)' : 'a * a';
    case 'sin': return 'Math.sin(a)';
    case 'cos': return 'Math.cos(a)';
    case 'tanh': return 'Math.tanh(a)';
    case 'sigmoid': return '1 / (1 + Math.exp(-a))';
    case 'relu': return '(a <= 0 ? 0 : a)';
    case 'erf': return f64 ? 'erf64(a)' : 'erf32(a)';
    // exact GELU: x·Φ(x) = x/2 · (1 + erf(x/√2))
    case 'gelu': return f64 ? `0.5 * a * (1 + erf64(a * ${SQRT1_2}))` : `0.5 * a * (1 + erf32(a * ${SQRT1_2}))`;
    case 'floor': return 'Math.floor(a)';
    case 'ceil': return 'Math.ceil(a)';
    case 'round': return 'roundEven(a)';
    case 'not': return '(a === 0 ? 1 : 0)';
  }
}

export function binaryExpr(op: BinaryOp, dtype: DType): string {
  const isInt = dtype === 'int32' || dtype === 'bool';
  switch (op) {
    case 'add': return 'a + b';
    case 'sub': return 'a - b';
    case 'mul': return isInt ? 'Math.imul(a, b)' : 'a * b';
    case 'div': return 'a / b';
    case 'pow': return 'Math.pow(a, b)';
    case 'maximum': return '((a > b || a !== a) ? a : b)';
    case 'minimum': return '((a < b || a !== a) ? a : b)';
    // floor modulo: the result has the divisor's sign (NumPy `mod`, torch `remainder`)
    case 'mod': return isInt ? '(b === 0 ? 0 : a - Math.floor(a / b) * b)' : 'a - Math.floor(a / b) * b';
    case 'eq': return '(a === b ? 1 : 0)';
    case 'ne': return '(a !== b ? 1 : 0)';
    case 'lt': return '(a < b ? 1 : 0)';
    case 'le': return '(a <= b ? 1 : 0)';
    case 'gt': return '(a > b ? 1 : 0)';
    case 'ge': return '(a >= b ? 1 : 0)';
    case 'and': return '((a !== 0 && b !== 0) ? 1 : 0)';
    case 'or': return '((a !== 0 || b !== 0) ? 1 : 0)';
  }
}

export function reduceSpec(op: ReduceOp): ReduceSpec {
  switch (op) {
    case 'sum': return { empty: '0', init: 'ACC = v;', step: 'ACC += v;', result: 'ACC' };
    case 'prod': return { empty: '1', init: 'ACC = v;', step: 'ACC *= v;', result: 'ACC' };
    case 'max': return { empty: 'NaN', init: 'ACC = v;', step: 'if (v > ACC || v !== v) ACC = v;', result: 'ACC' };
    case 'min': return { empty: 'NaN', init: 'ACC = v;', step: 'if (v < ACC || v !== v) ACC = v;', result: 'ACC' };
    // NaN counts as the largest / smallest value (torch); first index on ties
    case 'argmax': return { empty: '0', init: 'ACC = v; ARG = 0;', step: 'if (v > ACC || (v !== v && ACC === ACC)) { ACC = v; ARG = j; }', result: 'ARG' };
    case 'argmin': return { empty: '0', init: 'ACC = v; ARG = 0;', step: 'if (v < ACC || (v !== v && ACC === ACC)) { ACC = v; ARG = j; }', result: 'ARG' };
  }
}
