// Tokenizer throughput on the embedded corpus (train split).
// Usage: node --import tsx packages/data/scripts/bench-tokenizer.ts [vocabSize=16384] [corpora=sotu,moby-dick,spam-assassin]
import { BpeTrainer, embeddedCorpus, type EmbeddedCorpusName } from '../src/index.js';

const vocabSize = Number(process.argv[2] ?? 16384);
const names = (process.argv[3] ?? 'sotu,moby-dick,spam-assassin').split(',') as EmbeddedCorpusName[];
const { train } = embeddedCorpus(names);
// CPU seconds of this process (the shared machine is loaded: wall time overstates cost)
const cpu = (): number => { const c = process.cpuUsage(); return (c.user + c.system) / 1e6; };
let t0 = performance.now();
const texts: string[] = [];
for (const { doc } of train.iterate()) texts.push(doc.text);
const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0);
const mb = bytes / 1e6;
console.log(`read ${texts.length} documents, ${mb.toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(2)} s`);

t0 = performance.now();
let c0 = cpu();
const trainer = new BpeTrainer({ vocabSize });
for (const t of texts) trainer.feed(t);
const tCount = (performance.now() - t0) / 1000;
const tok = trainer.finish();
const tTrain = (performance.now() - t0) / 1000;
const cTrain = cpu() - c0;
console.log(`train vocab ${tok.vocabSize}: ${tTrain.toFixed(2)} s wall (pre-token counting ${tCount.toFixed(2)} s, merges ${(tTrain - tCount).toFixed(2)} s) = ${(mb / tTrain).toFixed(2)} MB/s wall, ${(mb / cTrain).toFixed(2)} MB/s CPU`);

for (const [label, f] of [['encodeIds (cold cache)', (t: string) => tok.encodeIds(t).length], ['encodeIds (warm cache)', (t: string) => tok.encodeIds(t).length], ['encode with offsets', (t: string) => tok.encode(t).ids.length]] as const) {
  t0 = performance.now();
  c0 = cpu();
  let n = 0;
  for (const t of texts) n += f(t);
  const tEnc = (performance.now() - t0) / 1000;
  console.log(`${label}: ${tEnc.toFixed(2)} s = ${(mb / tEnc).toFixed(2)} MB/s wall, ${(mb / (cpu() - c0)).toFixed(2)} MB/s CPU; ${n} tokens (${(bytes / n).toFixed(2)} bytes/token)`);
}

t0 = performance.now();
let chars = 0;
for (const t of texts.slice(0, 500)) chars += tok.decode(tok.encodeIds(t)).length;
console.log(`decode check ok (${chars} chars) in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
