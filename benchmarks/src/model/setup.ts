// Model construction, kernel selection and environment facts shared by the model benchmarks.
import { cpus, loadavg } from 'node:os';
import * as T from '@avey/tensor';
import {
  aveyPreset, createAvey, createTransformer, parameterShapes, transformerConfig, TRANSFORMER_PRESETS,
  type AnyConfig, type AnyHeadModel,
} from '@avey/avey-b';
import { wasmGemmFma } from '@avey/tensor';
import type { BenchEnv, GemmKernel, ModelBenchOptions } from './types.js';

/** The preset's config; the Transformer's learned positions are sized to the longest input. */
export function benchConfig(o: ModelBenchOptions, maxLen: number): AnyConfig {
  const fields = o.configFields ?? {};
  if (o.model === 'avey-b') return aveyPreset(o.preset, fields);
  const maxPos = Math.max(maxLen, Number(fields.max_position_embeddings ?? 0));
  return transformerConfig({ ...TRANSFORMER_PRESETS[o.preset], ...fields, max_position_embeddings: maxPos });
}

export function createBenchModel(cfg: AnyConfig, seed: number): AnyHeadModel {
  return cfg.model_type === 'avey' ? createAvey(cfg, 'mlm', { seed }) : createTransformer(cfg, 'mlm', { seed });
}

export function countParameters(cfg: AnyConfig): number {
  let n = 0;
  for (const s of parameterShapes(cfg, 'mlm').values()) n += s.reduce((a, b) => a * b, 1);
  return n;
}

export const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Selects the float32 GEMM; returns a description of what is in use. */
export async function selectGemm(kind: GemmKernel = 'default', log?: (l: string) => void): Promise<string> {
  if (kind === 'js') {
    T.setSgemmImpl(null);
    return 'js';
  }
  if (kind === 'wasm') {
    if (T.installWasmKernels()) return 'wasm';
    log?.(`gemm: wasm kernels unavailable on this engine (${T.wasmUnavailableReason()}); using the default`);
  }
  const impl = T.getSgemmImpl();
  return impl === T.sgemmJs ? 'js' : impl === T.wasmSgemm ? 'wasm' : impl.name || 'custom';
}

export async function benchEnv(o: ModelBenchOptions): Promise<BenchEnv> {
  if (o.backend) await T.setBackend(o.backend);
  const gemm = await selectGemm(o.gemm, o.log);
  const c = cpus();
  return { backend: T.getBackend().name, gemm, node: process.version, cpus: c.length, cpu_model: c[0]?.model ?? 'unknown', gemm_fma: gemm === 'wasm' && wasmGemmFma(), load_avg: Math.round(loadavg()[0] * 100) / 100 };
}
