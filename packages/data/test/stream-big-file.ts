// Child process of big-file.test.ts: streams one text file as `avey pretrain` does (auto unit,
// held-out split, one pass over the training documents) and prints counts and peak RSS as JSON.
import { FileSource, splitHeldOut } from '../src/index.js';

const file = process.argv[2];
const t0 = performance.now();
const src = new FileSource(file);
const { train, report } = splitHeldOut(src);
let docs = 0;
let chars = 0;
let longest = 0;
for (const { doc } of train.iterate()) {
  docs++;
  chars += doc.text.length;
  longest = Math.max(longest, doc.text.length);
}
process.stdout.write(`${JSON.stringify({ report, docs, chars, longest, units: src.stats().map((s) => s.unit), seconds: (performance.now() - t0) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
