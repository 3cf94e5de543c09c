// Fused softmax / logSoftmax over rows x: [outer, inner] (any strides) → y: [outer, inner] contiguous.
// One workgroup per row, three sweeps over the row: m = max (tree reduction), s = Σ exp(x - m) (tree
// reduction), then y = exp(x - m) / s  or  y = x - m - log(s). NaN anywhere in a row gives a NaN
// row, like the composed version (max propagates NaN).
import type { GPURuntime } from '../runtime.js';
import { FLOAT_HELPERS, LINEAR_ID, paramsDecl, pow2Floor, storageDecl } from './wgsl.js';

function softmaxCode(wg: number, log: boolean): string {
  // P = [outer, inner, offset, rowStride, colStride]
  return `${paramsDecl(5)}
${storageDecl(1, 'X', 'f32', false)}
${storageDecl(2, 'Y', 'f32', true)}
${FLOAT_HELPERS}
${LINEAR_ID}
var<workgroup> S: array<f32, ${wg}>;
fn fmax_(a: f32, b: f32) -> f32 { if (isnan(a)) { return a; } if (isnan(b)) { return b; } return max(a, b); }
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) w: vec3u, @builtin(num_workgroups) nw: vec3u, @builtin(local_invocation_id) l: vec3u) {
  let row = linearGroup(w, nw);
  if (row >= pu(0u)) { return; }
  let inner = pu(1u);
  let base = p(2u) + i32(row) * p(3u);
  let cs = p(4u);
  var m = -finf();
  for (var j = l.x; j < inner; j += ${wg}u) { m = fmax_(m, X[base + i32(j) * cs]); }
  S[l.x] = m;
  workgroupBarrier();
  for (var s = ${wg / 2}u; s > 0u; s >>= 1u) {
    if (l.x < s) { S[l.x] = fmax_(S[l.x], S[l.x + s]); }
    workgroupBarrier();
  }
  let rowMax = S[0];
  workgroupBarrier();
  var acc = 0.0;
  for (var j = l.x; j < inner; j += ${wg}u) { acc += exp(X[base + i32(j) * cs] - rowMax); }
  S[l.x] = acc;
  workgroupBarrier();
  for (var s = ${wg / 2}u; s > 0u; s >>= 1u) {
    if (l.x < s) { S[l.x] = S[l.x] + S[l.x + s]; }
    workgroupBarrier();
  }
  let total = S[0];
  let out = row * inner;
  for (var j = l.x; j < inner; j += ${wg}u) {
    let v = X[base + i32(j) * cs] - rowMax;
    Y[out + j] = ${log ? 'v - log(total)' : 'exp(v) / total'};
  }
}`;
}

export function softmaxKernel(
  rt: GPURuntime, x: { buffer: GPUBuffer; offset: number; strides: readonly [number, number] },
  outer: number, inner: number, out: GPUBuffer, log: boolean,
): void {
  if (outer === 0 || inner === 0) return;
  const wg = pow2Floor(Math.min(rt.wg, 256));
  rt.dispatch({
    code: softmaxCode(wg, log),
    label: log ? 'logSoftmax' : 'softmax',
    params: Int32Array.from([outer, inner, x.offset, x.strides[0], x.strides[1]]),
    buffers: [x.buffer, out],
    workgroups: outer,
  });
}
