#!/usr/bin/env node
// Launcher for the `avey` command: registers tsx so the TypeScript sources run without a build
// step, then hands over to src/main.ts. Heavy packages are imported lazily by each command.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The CPU GEMM's FMA micro-kernel needs WebAssembly relaxed SIMD, which Node 20 keeps behind a V8
// flag; as an application (not a library) the CLI opts in here, at start-up, before any wasm is
// compiled (docs/cpu-kernels.md). AVEY_CPU_FMA=0 keeps the plain SIMD128 kernel.
process.env.AVEY_CPU_FMA ??= '1';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { main } = await import('../src/main.ts');
await main(process.argv.slice(2));
