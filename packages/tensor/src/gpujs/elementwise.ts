// Elementwise kernels (unary, binary, where, cast) as gpu.js kernel source.
//
// Each op is a `Snippet`: statements plus a value expression over operand variables `a`, `b`
// (binary) and `c` (where's condition). `finalize` maps the float result to the output dtype the
// way storing into the CPU backend's typed arrays does: int32 truncates toward zero (NaN/±∞ → 0),
// bool is (y != 0). Formulas mirror src/cpu/exprs.ts so both backends agree (A&S erf, exact GELU,
// round half to even, floor modulo, NaN-propagating maximum/minimum).

import type { BinaryOp, DType, UnaryOp } from '../backend.js';
import { coalesce, decodeLines, offsetExpr } from './strided.js';

export interface Snippet {
  lines: string[];
  value: string;
}

const SQRT1_2 = Math.SQRT1_2;

/** erf(`x`) into variable `${v}`: Abramowitz & Stegun 7.1.26, |error| ≤ 1.5e-7. */
function erfLines(x: string, v: string): string[] {
  return [
    `const ${v}s = ${x} < 0 ? -1 : 1;`,
    `const ${v}a = Math.abs(${x});`,
    `const ${v}t = 1 / (1 + 0.3275911 * ${v}a);`,
    `const ${v} = ${v}s * (1 - ((((1.061405429 * ${v}t - 1.453152027) * ${v}t + 1.421413741) * ${v}t - 0.284496736) * ${v}t + 0.254829592) * ${v}t * Math.exp(-${v}a * ${v}a));`,
  ];
}

export function unarySnippet(op: UnaryOp): Snippet {
  const s = (value: string, lines: string[] = []): Snippet => ({ lines, value });
  switch (op) {
    case 'copy': return s('a');
    case 'neg': return s('-a');
    case 'abs': return s('Math.abs(a)');
    case 'sign': return s('(a > 0 ? 1 : (a < 0 ? -1 : a))');
    case 'exp': return s('Math.exp(a)');
    case 'log': return s('Math.log(a)');
    case 'sqrt': return s('Math.sqrt(a)');
    case 'rsqrt': return s('1 / Math.sqrt(a)');
    case 'reciprocal': return s('1 / a');
    case 'square': return s('a * a');
    case 'sin': return s('Math.sin(a)');
    case 'cos': return s('Math.cos(a)');
    case 'tanh': return s('Math.tanh(a)');
    case 'sigmoid': return s('1 / (1 + Math.exp(-a))');
    case 'relu': return s('(a <= 0 ? 0 : a)');
    case 'erf': return s('ef', erfLines('a', 'ef'));
    // exact GELU: x·Φ(x) = x/2 · (1 + erf(x/√2))
    case 'gelu': return s('0.5 * a * (1 + ef)', [`const gu = a * ${SQRT1_2};`, ...erfLines('gu', 'ef')]);
    case 'floor': return s('Math.floor(a)');
    case 'ceil': return s('Math.ceil(a)');
    // round half to even: split a = fl + d with d ∈ [0, 1) exactly
    case 'round': return s('rr', [
      'const fl = Math.floor(a);',
      'const fd = a - fl;',
      'let rr = fl;',
      'if (fd > 0.5) { rr = fl + 1; }',
      'if (fd === 0.5 && fl - 2 * Math.floor(fl / 2) !== 0) { rr = fl + 1; }',
      'if (a !== a) { rr = a; }',
    ]);
    case 'not': return s('(a === 0 ? 1 : 0)');
  }
}

/** `isInt`: the operands are int32/bool (changes only `mod`: b = 0 gives 0, exact result). */
export function binarySnippet(op: BinaryOp, isInt: boolean): Snippet {
  const s = (value: string, lines: string[] = []): Snippet => ({ lines, value });
  switch (op) {
    case 'add': return s('a + b');
    case 'sub': return s('a - b');
    case 'mul': return s('a * b');
    case 'div': return s('a / b');
    // negative bases with integer exponents and b = 0 spelled out (GLSL pow leaves them undefined)
    case 'pow': return s('pw', [
      'let pw = 0;',
      'if (b === 0) { pw = 1; } else {',
      '  if (a < 0 && b === Math.floor(b)) {',
      '    const pm = Math.pow(-a, b);',
      '    pw = (b - 2 * Math.floor(b / 2) === 0) ? pm : -pm;',
      '  } else { pw = Math.pow(a, b); }',
      '}',
    ]);
    case 'maximum': return s('((a > b || a !== a) ? a : b)');
    case 'minimum': return s('((a < b || a !== a) ? a : b)');
    // floor modulo (result has the divisor's sign); for ints one correction step absorbs a
    // float32 quotient rounded across an integer
    case 'mod': return isInt
      ? s('md', [
        'let md = 0;',
        'if (b !== 0) {',
        '  md = a - Math.floor(a / b) * b;',
        '  if (b > 0 && md < 0) { md = md + b; }',
        '  if (b > 0 && md >= b) { md = md - b; }',
        '  if (b < 0 && md > 0) { md = md + b; }',
        '  if (b < 0 && md <= b) { md = md - b; }',
        '}',
      ])
      : s('a - Math.floor(a / b) * b');
    case 'eq': return s('(a === b ? 1 : 0)');
    case 'ne': return s('(a !== b ? 1 : 0)');
    case 'lt': return s('(a < b ? 1 : 0)');
    case 'le': return s('(a <= b ? 1 : 0)');
    case 'gt': return s('(a > b ? 1 : 0)');
    case 'ge': return s('(a >= b ? 1 : 0)');
    case 'and': return s('((a !== 0 && b !== 0) ? 1 : 0)');
    case 'or': return s('((a !== 0 || b !== 0) ? 1 : 0)');
  }
}

export const whereSnippet: Snippet = { lines: [], value: '(c !== 0 ? a : b)' };

/** Statements ending in `return` of `y` converted to `dtype` (as a typed-array store would). */
export function finalizeLines(y: string, dtype: DType): string[] {
  switch (dtype) {
    case 'int32':
      return [
        `if (${y} !== ${y} || Math.abs(${y}) > 2147483647) { return 0; }`,
        `return Math.trunc(${y});`,
      ];
    case 'bool':
      return [`return ${y} !== 0 ? 1 : 0;`];
    default:
      return [`return ${y};`];
  }
}

export interface ElementwiseOperand {
  /** Operand variable used by the snippet ('a', 'b', 'c'). */
  name: string;
  /** Strides of the operand broadcast to the output shape. */
  strides: readonly number[];
}

/** Kernel source for y[r] = snippet(operands at r) over `shape`, output dtype `outDType`.
 *  Kernel arguments: (x0, o0, x1, o1, …) = each operand's storage and element offset. */
export function elementwiseSource(shape: readonly number[], operands: readonly ElementwiseOperand[], snippet: Snippet, outDType: DType): string {
  const { shape: cs, strides } = coalesce(shape, operands.map((o) => o.strides));
  const params = operands.flatMap((_, j) => [`x${j}`, `o${j}`]).join(', ');
  const body = [
    'const r = this.thread.x;',
    ...decodeLines(cs, 'r', 'p'),
    ...operands.map((o, j) => `const ${o.name} = x${j}[${offsetExpr(`o${j}`, 'p', strides[j])}];`),
    ...snippet.lines,
    `const y = ${snippet.value};`,
    ...finalizeLines('y', outDType),
  ];
  return `function(${params}) {\n  ${body.join('\n  ')}\n}`;
}
