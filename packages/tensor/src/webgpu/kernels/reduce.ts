// Row reductions x: [outer, inner] (any strides) → y: [outer].
//
// One workgroup reduces one chunk of one row: each thread folds a strided slice of the chunk, then a
// tree reduction in workgroup memory (log2(WG) steps) combines the threads. Short rows use one chunk
// per row (one pass). When rows are long and few (outer < 64 and inner > 8192) the row is split into
// up to 1024 chunks: pass 1 writes partial (value, index) pairs [outer, chunks], pass 2 reduces those.
// argmax/argmin carry the element index along; ties keep the lower index; NaN counts as the largest
// (argmax) / smallest (argmin) value and max/min propagate NaN, like torch.
import type { DType, ReduceOp } from '../../backend.js';
import type { GPURuntime } from '../runtime.js';
import { FLOAT_HELPERS, LINEAR_ID, paramsDecl, pow2Floor, storageDecl, storageType } from './wgsl.js';

interface RowSource {
  readonly buffer: GPUBuffer;
  readonly indices: GPUBuffer | null; // pass 2: original element index of each partial
  readonly offset: number;
  readonly rowStride: number;
  readonly colStride: number;
}

function identity(op: ReduceOp, t: 'f32' | 'i32' | 'u32'): string {
  const big = t === 'f32' ? 'finf()' : t === 'i32' ? 'i32(0x7fffffff)' : '0xffffffffu';
  const small = t === 'f32' ? '-finf()' : t === 'i32' ? '(-i32(0x7fffffff) - 1)' : '0u';
  switch (op) {
    case 'sum': return `${t}(0)`;
    case 'prod': return `${t}(1)`;
    case 'max': case 'argmax': return small;
    case 'min': case 'argmin': return big;
  }
}

/** WGSL `fn comb(a, ai, b, bi) -> Pair` for the op. */
function combine(op: ReduceOp, t: 'f32' | 'i32' | 'u32'): string {
  const nan = (v: string): string => (t === 'f32' ? `isnan(${v})` : 'false');
  switch (op) {
    case 'sum': return 'return Pair(a + b, 0);';
    case 'prod': return 'return Pair(a * b, 0);';
    case 'max': return `if (${nan('a')}) { return Pair(a, 0); } if (${nan('b')}) { return Pair(b, 0); } return Pair(max(a, b), 0);`;
    case 'min': return `if (${nan('a')}) { return Pair(a, 0); } if (${nan('b')}) { return Pair(b, 0); } return Pair(min(a, b), 0);`;
    case 'argmax': case 'argmin': {
      const better = op === 'argmax' ? '>' : '<';
      return `let an = ${nan('a')}; let bn = ${nan('b')};
  var takeB = false;
  if (an || bn) { takeB = bn && (!an || bi < ai); }
  else { takeB = (b ${better} a) || (b == a && bi < ai); }
  if (takeB) { return Pair(b, bi); } return Pair(a, ai);`;
    }
  }
}

// Bindings: X (values), XI (original indices, pass 2 of arg ops), Y (values), YI (indices). Which of
// them are read/written is a uniform flag, so one pipeline per (op, dtype) serves every pass; the
// runtime binds small dummy buffers to the unused slots.
// P = [outer, inner, offset, rowStride, colStride, chunkLen, chunks, flags: 1 read XI | 2 write Y | 4 write YI]
function reduceCode(op: ReduceOp, t: 'f32' | 'i32' | 'u32', wg: number): string {
  return `${paramsDecl(8)}
${storageDecl(1, 'X', t, false)}
${storageDecl(2, 'XI', 'i32', false)}
${storageDecl(3, 'Y', t, true)}
${storageDecl(4, 'YI', 'i32', true)}
${FLOAT_HELPERS}
${LINEAR_ID}
struct Pair { v: ${t}, i: i32 }
fn comb(a: ${t}, ai: i32, b: ${t}, bi: i32) -> Pair {
  ${combine(op, t)}
}
var<workgroup> SV: array<${t}, ${wg}>;
var<workgroup> SI: array<i32, ${wg}>;
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) w: vec3u, @builtin(num_workgroups) nw: vec3u, @builtin(local_invocation_id) l: vec3u) {
  let g = linearGroup(w, nw);
  let chunks = pu(6u);
  if (g >= pu(0u) * chunks) { return; }
  let flags = pu(7u);
  let readIdx = (flags & 1u) != 0u;
  let row = g / chunks;
  let chunk = g % chunks;
  let inner = pu(1u);
  let start = chunk * pu(5u);
  let end = min(inner, start + pu(5u));
  let base = p(2u) + i32(row) * p(3u);
  var acc = Pair(${identity(op, t)}, 0x7fffffff);
  for (var j = start + l.x; j < end; j += ${wg}u) {
    let at = base + i32(j) * p(4u);
    acc = comb(acc.v, acc.i, X[at], select(i32(j), XI[at], readIdx));
  }
  SV[l.x] = acc.v;
  SI[l.x] = acc.i;
  workgroupBarrier();
  for (var s = ${wg / 2}u; s > 0u; s >>= 1u) {
    if (l.x < s) {
      let r = comb(SV[l.x], SI[l.x], SV[l.x + s], SI[l.x + s]);
      SV[l.x] = r.v;
      SI[l.x] = r.i;
    }
    workgroupBarrier();
  }
  if (l.x == 0u) {
    if ((flags & 2u) != 0u) { Y[g] = SV[0]; }
    if ((flags & 4u) != 0u) { YI[g] = SI[0]; }
  }
}`;
}

/** out[o] = op over x[o, :] (x's dtype; int32 indices for argmax/argmin). */
export function reduceRows(
  rt: GPURuntime, op: ReduceOp, x: { buffer: GPUBuffer; dtype: DType; offset: number; strides: readonly number[] },
  outer: number, inner: number, out: GPUBuffer,
): void {
  if (outer === 0) return;
  const wg = pow2Floor(rt.wg);
  const t = storageType(x.dtype);
  const arg = op === 'argmax' || op === 'argmin';
  const code = reduceCode(op, t, wg);
  const run = (src: RowSource, rows: number, len: number, chunkLen: number, chunks: number, y: GPUBuffer | null, yi: GPUBuffer | null): void => {
    const flags = (src.indices ? 1 : 0) | (y ? 2 : 0) | (yi ? 4 : 0);
    rt.dispatch({
      code,
      label: `reduce(${op}, ${x.dtype})`,
      params: Int32Array.from([rows, len, src.offset, src.rowStride, src.colStride, chunkLen, chunks, flags]),
      buffers: [src.buffer, src.indices ?? rt.dummyRead, y ?? rt.dummyWrite, yi ?? rt.dummyWrite],
      workgroups: rows * chunks,
    });
  };
  const first: RowSource = { buffer: x.buffer, indices: null, offset: x.offset, rowStride: x.strides[0], colStride: x.strides[1] };
  const chunks = outer < 64 && inner > 8192 ? Math.min(1024, Math.ceil(inner / 2048)) : 1;
  if (chunks === 1) {
    run(first, outer, inner, Math.max(1, inner), 1, arg ? null : out, arg ? out : null);
    return;
  }
  const chunkLen = Math.ceil(inner / chunks);
  const partVal = rt.allocStorage(outer * chunks * 4, `reduce(${op})`);
  const partIdx = arg ? rt.allocStorage(outer * chunks * 4, `reduce(${op})`) : null;
  run(first, outer, inner, chunkLen, chunks, partVal, partIdx);
  // pass 2 over the partials [outer, chunks]; for sum/prod/max/min the indices are not needed
  const second: RowSource = { buffer: partVal, indices: partIdx, offset: 0, rowStride: chunks, colStride: 1 };
  run(second, outer, chunks, chunks, 1, arg ? null : out, arg ? out : null);
  rt.releaseStorage(partVal);
  if (partIdx) rt.releaseStorage(partIdx);
}
