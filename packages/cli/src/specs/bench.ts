import type { GroupSpec } from '../spec.js';
import { MODEL_OPTIONS } from './pretrain.js';

export const benchCommand: GroupSpec = {
  command: 'bench',
  describe: 'Benchmarks: tensor ops, training throughput, inference latency',
  examples: [['$0 bench train --preset small --batch 4 --max-len 512 --steps 5 --json', 'training throughput as JSON']],
  subcommands: [
    {
      command: 'ops',
      describe: 'Time the tensor ops on the selected backend(s) (benchmarks/src/ops)',
      options: {
        ops: { type: 'array', string: true, describe: 'only these ops, e.g. matmul add (default: matmul add mul exp sum gather memcpy)' },
        backends: { type: 'array', string: true, describe: 'several avey-ts backends side by side, e.g. cpu webgpu gpujs, or all (overrides --backend)' },
        quick: { type: 'boolean', default: false, describe: 'tiny sizes and short timings (a smoke test, seconds)' },
        peers: { type: 'boolean', default: true, describe: 'also measure tfjs-wasm, tfjs-cpu and onnxruntime (--no-peers: avey-ts and raw kernels only)' },
      },
      examples: [
        ['$0 bench ops --backend cpu', 'all ops on the CPU'],
        ['$0 bench ops --ops matmul add --quick --json', 'two ops, quick, JSON results'],
        ['$0 bench ops --backends all --ops matmul --no-peers', 'matmul on every backend that initialises here'],
      ],
      run: async (args) => (await import('../handlers/bench.js')).runBenchOps(args),
    },
    {
      command: 'train',
      describe: 'Measure training throughput (MLM steps, benchmarks/src/model): tokens/s, median step time, peak RSS',
      options: {
        ...MODEL_OPTIONS,
        head: { type: 'string', choices: ['full', 'masked'], default: 'full', describe: 'MLM head: full = logits at every position (official), masked = only at the masked positions (same loss, less work)' },
        gemm: { type: 'string', choices: ['default', 'js', 'wasm'], default: 'default', describe: 'float32 GEMM kernel on the CPU backend' },
        batch: { type: 'number', default: 4, integer: true, min: 1, describe: 'sequences per step' },
        'max-len': { type: 'number', default: 512, integer: true, min: 2, deprecatedAliases: ['seq-len'], describe: 'tokens per sequence' },
        steps: { type: 'number', default: 5, integer: true, min: 1, describe: 'timed steps' },
        'warmup-runs': { type: 'number', default: 1, integer: true, min: 0, deprecatedAliases: ['warmup'], describe: 'untimed steps first' },
        'compare-torch': { type: 'boolean', default: false, describe: 'also run the PyTorch twin (benchmarks/src/model/torch_ref.py) at 1 and 2 threads and at torch 1 + BLAS 2 (every pool pinned), same run, and print the ratio to the fastest (needs a python3 with torch; says why when absent)' },
      },
      examples: [
        ['$0 bench train --model avey-b --preset small --batch 4 --max-len 512 --steps 5 --json', 'Avey-B small'],
        ['$0 bench train --model transformer --preset small --steps 5', 'the Transformer baseline'],
      ],
      run: async (args) => (await import('../handlers/bench.js')).runBenchTrain(args),
    },
    {
      command: 'infer',
      describe: 'Measure inference latency and tokens/s for several sequence lengths (benchmarks/src/model)',
      options: {
        ...MODEL_OPTIONS,
        gemm: { type: 'string', choices: ['default', 'js', 'wasm'], default: 'default', describe: 'float32 GEMM kernel on the CPU backend' },
        'max-lens': { type: 'string', default: '512,2048,8192', deprecatedAliases: ['seq-lens'], describe: 'comma-separated sequence lengths (tokens)' },
        batch: { type: 'number', default: 1, integer: true, min: 1, describe: 'sequences per forward' },
        repeats: { type: 'number', default: 5, integer: true, min: 1, describe: 'timed forwards per length (the median is reported)' },
        'warmup-runs': { type: 'number', default: 3, integer: true, min: 0, deprecatedAliases: ['warmup'], describe: 'untimed forwards per length first (the PyTorch twin gets the same)' },
        'warmup-seconds': { type: 'number', default: 8, min: 0, describe: 'keep warming up each length until this many seconds have passed (V8 keeps optimising the model\'s JavaScript for ~200–300 forwards, 6–8 s at 128 tokens, before its steady state; the PyTorch twin gets the same)' },
        'compare-torch': { type: 'boolean', default: false, describe: 'also run the PyTorch twin (benchmarks/src/model/torch_ref.py) at 1 and 2 threads and at torch 1 + BLAS 2 (every pool pinned), same lengths, and print the ratios to the fastest (needs a python3 with torch; says why when absent)' },
        rounds: { type: 'number', default: 1, integer: true, min: 1, describe: 'with --compare-torch: this many rounds of avey-ts then the twin, back to back, and the median ratio per length over them (a shared machine\'s speed drifts over minutes; one round can flip a close ratio)' },
      },
      examples: [
        ['$0 bench infer --max-lens 512,2048,8192 --batch 1 --json', 'latency per length as JSON'],
        ['$0 bench infer --model transformer --preset small --max-lens 128,512', 'the Transformer baseline'],
        ['$0 bench infer --max-lens 128,512,2048 --compare-torch', 'beside the PyTorch twin (1 thread, 2 threads, torch 1 + BLAS 2)'],
        ['$0 bench infer --max-lens 128,512,2048,8192 --compare-torch --rounds 3', 'three rounds of both, and the median ratio per length'],
      ],
      run: async (args) => (await import('../handlers/bench.js')).runBenchInfer(args),
    },
  ],
};
