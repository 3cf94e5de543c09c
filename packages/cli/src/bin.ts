#!/usr/bin/env node
// The `avey` command of the installed (built) package: plain Node on dist/, no tsx. In the
// workspace, bin/avey.mjs runs the TypeScript sources through tsx instead (no build needed).
// The CPU GEMM's FMA micro-kernel needs WebAssembly relaxed SIMD, which Node 20 keeps behind a V8
// flag; as an application the CLI opts in before any wasm is compiled (docs/cpu-kernels.md).
// AVEY_CPU_FMA=0 keeps the plain SIMD128 kernel.
process.env.AVEY_CPU_FMA ??= '1';

// Imported after the line above: the modules it loads may compile wasm at import time.
const { main } = await import('./main.js');
await main(process.argv.slice(2));
