// npx tsx benchmarks/src/ops/main.ts [--backend cpu | --backends cpu,webgpu,gpujs] [--json] [--quick] [--no-peers] [--ops matmul,add]
// Prints a markdown table (progress on stderr), or the JSON result with --json.

import { runOpBench, toMarkdown } from './index.js';

const argv = process.argv.slice(2);
const value = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
};
const json = argv.includes('--json');
const opsArg = value('--ops');
const backendsArg = value('--backends');
const res = await runOpBench({
  backend: value('--backend') ?? 'cpu',
  json,
  quick: argv.includes('--quick'),
  peers: !argv.includes('--no-peers'),
  ...(backendsArg ? { backends: backendsArg.split(',') } : {}),
  ...(opsArg ? { ops: opsArg.split(',') } : {}),
  log: (l) => process.stderr.write(`${l}\n`),
});
process.stdout.write(json ? `${JSON.stringify(res)}\n` : `${toMarkdown(res)}\n`);
