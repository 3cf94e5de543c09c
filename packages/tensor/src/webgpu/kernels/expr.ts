// WGSL expressions for the elementwise ops. Each builder takes the names of already-loaded operand
// values and returns an expression plus the kind of value it yields ('f32', 'i32' or 'bool' = u32 0/1);
// `convert` then stores it in the output dtype.
import type { BinaryOp, DType, UnaryOp } from '../../backend.js';
import { BackendError } from '../../errors.js';

export type ValueKind = 'f32' | 'i32' | 'bool';
export interface Expr {
  readonly code: string;
  readonly kind: ValueKind;
  /** Extra WGSL functions the expression calls. */
  readonly helpers: readonly string[];
}

export function kindOf(dtype: DType): ValueKind {
  return dtype === 'float32' ? 'f32' : dtype === 'int32' ? 'i32' : 'bool';
}

/** `v` (of kind `from`) as kind `to`: float→int truncates toward zero (NaN → 0, out of range
 *  saturates), x→bool is (x != 0). */
export function toKind(v: string, from: ValueKind, to: ValueKind): string {
  if (from === to) return v;
  if (to === 'f32') return `f32(${v})`;
  if (to === 'i32') return from === 'f32' ? `select(i32(trunc(${v})), 0, isnan(${v}))` : `i32(${v})`;
  // NaN is != 0; drivers may compile `!=` as an ordered compare, hence the explicit test
  if (from === 'f32') return `select(0u, 1u, ${v} != 0.0 || isnan(${v}))`;
  return `select(0u, 1u, ${v} != ${from === 'i32' ? '0' : '0u'})`;
}

export function convert(e: Expr, to: DType): string {
  return toKind(e.code, e.kind, kindOf(to));
}

// erf: odd Taylor series for |x| < 0.5 (relative accuracy near 0), Abramowitz–Stegun 7.1.26
// (|error| ≤ 1.5e-7) beyond.
const ERF = `fn erf_(x: f32) -> f32 {
  let a = abs(x);
  if (a < 0.5) {
    let x2 = x * x;
    return 1.1283791671 * x * (1.0 + x2 * (-0.3333333333 + x2 * (0.1 + x2 * (-0.0238095238 + x2 * (0.0046296296 - x2 * 0.0007575758)))));
  }
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return select(y, -y, x < 0.0);
}`;
// tanh: the builtin overflows to NaN for large |x| on some drivers.
const TANH = `fn tanh_(x: f32) -> f32 { return select(tanh(x), sign(x), abs(x) > 10.0); }`;
// x^y for any sign of x: negative base needs an integral exponent (sign from its parity), else NaN.
const POWF = `fn powf_(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (isnan(a) || isnan(b)) { return fnan(); }
  if (a == 0.0) { return select(finf(), 0.0, b > 0.0); }
  let r = exp2(b * log2(abs(a)));
  if (a > 0.0) { return r; }
  if (b != floor(b)) { return fnan(); }
  return select(r, -r, abs(b) % 2.0 == 1.0);
}`;
const POWI = `fn powi_(a: i32, b: i32) -> i32 {
  if (b < 0) { return select(select(0, select(1, -1, (b & 1) != 0), a == -1), 1, a == 1); }
  var r = 1; var base = a; var e = b;
  loop { if (e == 0) { break; } if ((e & 1) != 0) { r = r * base; } base = base * base; e = e >> 1u; }
  return r;
}`;
// NaN-propagating max/min (torch.maximum semantics).
const FMAXMIN = `fn fmax_(a: f32, b: f32) -> f32 { if (isnan(a)) { return a; } if (isnan(b)) { return b; } return max(a, b); }
fn fmin_(a: f32, b: f32) -> f32 { if (isnan(a)) { return a; } if (isnan(b)) { return b; } return min(a, b); }`;
// Floored modulo (Python / torch.remainder): result has the divisor's sign.
const FMOD = `fn fmod_(a: f32, b: f32) -> f32 { return a - b * floor(a / b); }`;
const IMOD = `fn imod_(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let r = a % b;
  return select(r, r + b, r != 0 && ((r < 0) != (b < 0)));
}`;
// integer division truncates toward zero (the CPU backend stores a / b into an Int32Array); x/0 → 0
const IDIV = `fn idiv_(a: i32, b: i32) -> i32 { if (b == 0) { return 0; } return a / b; }`;

const FLOAT_ONLY = new Set<UnaryOp>(['exp', 'log', 'sqrt', 'rsqrt', 'reciprocal', 'sin', 'cos', 'tanh', 'sigmoid', 'erf', 'gelu']);

export function unaryExpr(op: UnaryOp, x: string, inKind: ValueKind): Expr {
  if (op === 'copy') return { code: x, kind: inKind, helpers: [] };
  if (op === 'not') return { code: `select(0u, 1u, ${x} == ${inKind === 'f32' ? '0.0' : inKind === 'i32' ? '0' : '0u'})`, kind: 'bool', helpers: [] };
  if (FLOAT_ONLY.has(op) || inKind === 'f32') {
    const v = toKind(x, inKind, 'f32');
    const f = (code: string, helpers: string[] = []): Expr => ({ code, kind: 'f32', helpers });
    switch (op) {
      case 'neg': return f(`-${v}`);
      case 'abs': return f(`abs(${v})`);
      case 'sign': return f(`select(sign(${v}), ${v}, isnan(${v}))`);
      case 'exp': return f(`exp(${v})`);
      case 'log': return f(`log(${v})`);
      case 'sqrt': return f(`sqrt(${v})`);
      case 'rsqrt': return f(`(1.0 / sqrt(${v}))`);
      case 'reciprocal': return f(`(1.0 / ${v})`);
      case 'square': return f(`(${v} * ${v})`);
      case 'sin': return f(`sin(${v})`);
      case 'cos': return f(`cos(${v})`);
      case 'tanh': return f(`tanh_(${v})`, [TANH]);
      case 'sigmoid': return f(`(1.0 / (1.0 + exp(-${v})))`);
      case 'relu': return f(`select(max(${v}, 0.0), ${v}, isnan(${v}))`);
      case 'erf': return f(`erf_(${v})`, [ERF]);
      case 'gelu': return f(`(0.5 * ${v} * (1.0 + erf_(${v} * 0.70710678118654752)))`, [ERF]);
      case 'floor': return f(`floor(${v})`);
      case 'ceil': return f(`ceil(${v})`);
      case 'round': return f(`round(${v})`); // half to even, like torch.round / numpy
    }
  }
  // integer (bool operands are widened to i32)
  const v = toKind(x, inKind, 'i32');
  const i = (code: string): Expr => ({ code, kind: 'i32', helpers: [] });
  switch (op) {
    case 'neg': return i(`-${v}`);
    case 'abs': return i(`abs(${v})`);
    case 'sign': return i(`sign(${v})`);
    case 'square': return i(`(${v} * ${v})`);
    case 'relu': return i(`max(${v}, 0)`);
    case 'floor': case 'ceil': case 'round': return i(v);
  }
  throw new BackendError(op, 'webgpu has no integer kernel for this op');
}

const CMP: Partial<Record<BinaryOp, string>> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };

export function binaryExpr(op: BinaryOp, a: string, ak: ValueKind, b: string, bk: ValueKind, outDType: DType): Expr {
  if (op === 'and' || op === 'or') {
    const A = toKind(a, ak, 'bool');
    const B = toKind(b, bk, 'bool');
    return { code: op === 'and' ? `(${A} & ${B})` : `(${A} | ${B})`, kind: 'bool', helpers: [] };
  }
  const float = ak === 'f32' || bk === 'f32' || (outDType === 'float32' && !(op in CMP));
  const k: ValueKind = float ? 'f32' : 'i32';
  const A = toKind(a, ak, k);
  const B = toKind(b, bk, k);
  const cmp = CMP[op];
  if (op === 'ne' && float) return { code: `select(0u, 1u, ${A} != ${B} || isnan(${A}) || isnan(${B}))`, kind: 'bool', helpers: [] };
  if (cmp) return { code: `select(0u, 1u, ${A} ${cmp} ${B})`, kind: 'bool', helpers: [] };
  const e = (code: string, helpers: string[] = []): Expr => ({ code, kind: k, helpers });
  switch (op) {
    case 'add': return e(`(${A} + ${B})`);
    case 'sub': return e(`(${A} - ${B})`);
    case 'mul': return e(`(${A} * ${B})`);
    case 'div': return float ? e(`(${A} / ${B})`) : e(`idiv_(${A}, ${B})`, [IDIV]);
    case 'pow': return float ? e(`powf_(${A}, ${B})`, [POWF]) : e(`powi_(${A}, ${B})`, [POWI]);
    case 'maximum': return float ? e(`fmax_(${A}, ${B})`, [FMAXMIN]) : e(`max(${A}, ${B})`);
    case 'minimum': return float ? e(`fmin_(${A}, ${B})`, [FMAXMIN]) : e(`min(${A}, ${B})`);
    case 'mod': return float ? e(`fmod_(${A}, ${B})`, [FMOD]) : e(`imod_(${A}, ${B})`, [IMOD]);
  }
  throw new BackendError(op, 'unknown binary op for webgpu');
}
