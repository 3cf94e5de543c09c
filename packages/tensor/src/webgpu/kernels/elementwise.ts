// One generated kernel for every elementwise primitive (unary, binary, where, cast, assign, fill).
//
// Thread t handles output element t of `shape` (row-major). Each operand is read through its own
// (offset, strides) view, so broadcast (stride 0), transposed and sliced inputs need no copy; the
// output is written through a view too (contiguous for new buffers, strided for `assign`).
// Before generating, axes of size 1 are dropped and axes contiguous in every operand are merged, so
// most calls become rank 0–2 loops. Only the op and the dtypes are baked into the source (one
// pipeline per op/dtype combination: compiles are slow on software adapters); the rank, shapes,
// strides and offsets come from the uniform block:
//   P = [n, r, shape[0..r), (offset, strides[0..r)) per input, (offset, strides[0..r)) for the output]
import type { DType } from '../../backend.js';
import { BackendError } from '../../errors.js';
import type { GPURuntime } from '../runtime.js';

const PARAM_WORDS = 128;
import { convert, kindOf, type Expr } from './expr.js';
import { FLOAT_HELPERS, LINEAR_ID, paramsDecl, simplify, sizeOf, storageDecl, storageType } from './wgsl.js';

export interface Operand {
  readonly buffer: GPUBuffer;
  readonly dtype: DType;
  readonly offset: number;
  /** Strides over the full `shape` of the op (0 on broadcast axes). */
  readonly strides: readonly number[];
}

/** The uniform block is declared with PARAM_WORDS words; the binding must be that large. */
function padded(params: number[]): Int32Array {
  const p = new Int32Array(PARAM_WORDS);
  p.set(params);
  return p;
}

/** Run `y = body(x0, x1, …)` over `shape`. `body` receives the loaded values' names and kinds. */
export function elementwise(
  rt: GPURuntime,
  label: string,
  shape: readonly number[],
  inputs: readonly Operand[],
  out: Operand,
  body: (names: string[]) => Expr,
): void {
  const n = sizeOf(shape);
  if (n === 0) return;
  const all = [...inputs, out];
  const s = simplify(shape, all.map((o) => o.strides));
  const r = s.shape.length;
  const params: number[] = [n, r, ...s.shape];
  all.forEach((o, k) => params.push(o.offset, ...s.strides[k]));
  if (params.length > PARAM_WORDS) {
    throw new BackendError(label, `view of rank ${r} has too many non-mergeable axes for the webgpu elementwise kernel`);
  }

  const names = inputs.map((_, k) => `x${k}`);
  const expr = body(names);
  const decls = inputs.map((o, k) => storageDecl(k + 1, `X${k}`, storageType(o.dtype), false));
  decls.push(storageDecl(inputs.length + 1, 'Y', storageType(out.dtype), true));
  // operand k's block starts at word 2 + r + k·(1 + r): offset, then r strides
  const lines: string[] = [];
  all.forEach((_, k) => lines.push(`var o${k}: i32 = p(2u + r + ${k}u * (1u + r));`));
  lines.push('var rem = i;');
  lines.push('for (var d = r; d > 0u; d--) {');
  lines.push('  let size = pu(1u + d); // shape[d - 1]');
  lines.push('  let c = i32(rem % size); rem = rem / size;');
  all.forEach((_, k) => lines.push(`  o${k} += c * p(2u + r + ${k}u * (1u + r) + d);`));
  lines.push('}');
  inputs.forEach((_, k) => lines.push(`let x${k} = X${k}[o${k}];`));
  lines.push(`Y[o${inputs.length}] = ${convert(expr, out.dtype)};`);

  const wg = rt.wg;
  const code = `${paramsDecl(PARAM_WORDS)}
${decls.join('\n')}
${FLOAT_HELPERS}
${LINEAR_ID}
${[...new Set(expr.helpers)].join('\n')}
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) w: vec3u, @builtin(num_workgroups) nw: vec3u, @builtin(local_invocation_id) l: vec3u) {
  let i = linearGroup(w, nw) * ${wg}u + l.x;
  if (i >= pu(0u)) { return; }
  let r = pu(1u);
  ${lines.join('\n  ')}
}`;
  rt.dispatch({
    code,
    label: `${label} [${inputs.map((o) => o.dtype).join(',')}→${out.dtype}]`,
    params: padded(params),
    buffers: [...inputs.map((o) => o.buffer), out.buffer],
    workgroups: Math.ceil(n / wg),
  });
}

/** Fill `size` elements of `buffer` with `value` (stored in `dtype`). */
export function fillKernel(rt: GPURuntime, buffer: GPUBuffer, dtype: DType, size: number, value: number): void {
  if (size === 0) return;
  const bits = new Int32Array(1);
  if (dtype === 'float32') new Float32Array(bits.buffer)[0] = value;
  else if (dtype === 'int32') bits[0] = value;
  else bits[0] = value !== 0 ? 1 : 0;
  const t = storageType(dtype);
  const wg = rt.wg;
  const code = `${paramsDecl(2)}
${storageDecl(1, 'Y', t, true)}
${LINEAR_ID}
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) w: vec3u, @builtin(num_workgroups) nw: vec3u, @builtin(local_invocation_id) l: vec3u) {
  let i = linearGroup(w, nw) * ${wg}u + l.x;
  if (i >= pu(0u)) { return; }
  Y[i] = bitcast<${t}>(p(1u));
}`;
  rt.dispatch({ code, label: `fill(${dtype})`, params: Int32Array.from([size, bits[0]]), buffers: [buffer], workgroups: Math.ceil(size / wg) });
}

export { kindOf };
