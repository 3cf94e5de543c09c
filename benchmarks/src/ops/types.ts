// Result and option types of the op micro-benchmarks.

export interface OpBenchOptions {
  /** Which avey-ts backend to measure through the public API (default 'cpu'). */
  backend?: string;
  /** Several avey-ts backends side by side (overrides `backend`), e.g. ['cpu', 'webgpu', 'gpujs']. */
  backends?: string[];
  /** Print JSON instead of a markdown table (main.ts); runOpBench itself never prints results. */
  json?: boolean;
  /** Tiny sizes and short timings (a smoke test, seconds). */
  quick?: boolean;
  /** Include tfjs-wasm / tfjs-cpu / onnxruntime (default true). */
  peers?: boolean;
  /** Only ops whose name is in this list (default: all). */
  ops?: string[];
  /** Progress lines go here (default: none). */
  log?: (line: string) => void;
}

/** One measured (op, shape, backend). Compute-bound ops carry `gflops`, memory-bound ops `gbps`. */
export interface OpResult {
  op: string;
  shape: number[];
  /** 'cpu' (avey-ts through the public API), 'tfjs-wasm', 'tfjs-cpu', 'onnxruntime', or the raw
   *  kernels 'wasm-kernel' / 'js-kernel' (no tensor overhead), or 'memcpy' (bandwidth reference). */
  backend: string;
  /** 2·M·N·K / median time (matmul). */
  gflops?: number;
  /** bytes read + written / median time (elementwise, reductions, gather, memcpy). */
  gbps?: number;
  /** median latency, milliseconds */
  ms: number;
  /** fastest sample, milliseconds */
  minMs: number;
  samples: number;
}

export interface OpBenchResult {
  results: OpResult[];
  /** Things that could not be measured, and why (a missing peer, an op the API lacks yet). */
  skipped: string[];
  env: {
    node: string; cpu: string; cores: number; quick: boolean;
    /** each measured avey-ts backend and what it runs on (WebGPU adapter name, gpu.js mode) */
    backends: Record<string, string>;
    /** threads of every measured implementation (avey-ts backends, raw kernels, peers) */
    threads: Record<string, string>;
  };
}

/** A benchmark case: `setup` builds inputs (outside timing), `enter` re-activates a global
 *  backend before each round (tfjs, avey `setBackend`), `run` is timed, `teardown` frees. */
export interface BenchCase {
  op: string;
  shape: number[];
  backend: string;
  /** flops of one run (gflops is reported) or bytes moved by one run (gbps is reported) */
  work: { flops: number } | { bytes: number };
  setup?: () => void | Promise<void>;
  enter?: () => void | Promise<void>;
  run: () => unknown;
  teardown?: () => void | Promise<void>;
}
