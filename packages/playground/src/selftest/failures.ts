// GPU-mode failures must be errors naming the op, never silent garbage: on gpu.js WebGL2, lose the
// WebGL context (WEBGL_lose_context, as a GPU reset would) and check that the next op throws a
// BackendError naming it instead of returning the zeros gpu.js would read back.
import * as T from '@avey/tensor';

export interface FailureCheck { what: string; ok: boolean; detail: string }

export async function checkGpuFailures(): Promise<FailureCheck[]> {
  const be = T.getBackend() as T.Backend & { webglContext?: WebGLRenderingContext | WebGL2RenderingContext | null };
  const out: FailureCheck[] = [];
  const a = T.tensor([1, 2, 3, 4], { shape: [2, 2] });
  const before = await T.matmul(a, a).data(); // a kernel has run: gpu.js has its context now
  out.push({ what: 'matmul before the context loss', ok: before[0] === 7 && before[3] === 22, detail: Array.from(before).join(', ') });
  const gl = be.webglContext ?? null;
  const ext = gl?.getExtension('WEBGL_lose_context') ?? null;
  if (!gl || !ext) {
    out.push({ what: 'context loss', ok: false, detail: gl ? 'no WEBGL_lose_context extension' : 'the backend has no WebGL context' });
    return out;
  }
  ext.loseContext();
  // a compiled kernel (matmul, which would read back zeros) and a new one (add, a shader to compile)
  for (const [op, run] of [['matmul', () => T.matmul(a, a)], ['add', () => T.add(a, 1)]] as const) {
    try {
      const r = await run().data();
      out.push({ what: `${op} after the context loss throws`, ok: false, detail: `returned ${Array.from(r).join(', ')} instead of throwing` });
    } catch (e) {
      const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      const ok = e instanceof T.BackendError && (e as Error).message.startsWith(`${op}: `) && /context was lost/.test(msg);
      out.push({ what: `${op} after the context loss throws a BackendError naming the op`, ok, detail: msg });
    }
  }
  return out;
}
