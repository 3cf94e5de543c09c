// A plain-Node consumer of the packed @avey packages (no tsx, no TypeScript): run by
// test/install.test.ts inside a scratch project outside the workspace. Prints one JSON line.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as T from '@avey/tensor';
import { variable, noGrad, nn } from '@avey/autograd';
import { aveyPreset, createAvey, saveCheckpoint, loadCheckpoint } from '@avey/avey-b';

const out = {};
out.backend = T.getBackend().name;
out.wasm = T.wasmKernelsAvailable();

// A tiny model and its gradient: y = Σ relu(x·W + b), dy/dW computed by backward().
const lin = new nn.Linear(3, 2, { rng: new T.Rng(1) });
const x = variable(T.tensor([[1, -2, 0.5]]), { requiresGrad: true });
const y = lin.forward(x).relu().sum();
y.backward();
out.linearGradShape = lin.weight.grad.shape;
const g = variable(T.tensor([1, 2, 3]), { requiresGrad: true });
g.mul(g).sum().backward();
out.squareGrad = Array.from(g.grad.dataSync());            // d Σx² / dx = 2x

// One Avey-B forward (and backward) on the CPU backend.
const config = aveyPreset('tiny', { vocab_size: 64, d_embed: 16, n_layers: 2, chunk_size: 4, k: 2 });
const model = createAvey(config, 'mlm', { seed: 3 });
const ids = T.tensor(Int32Array.from({ length: 16 }, (_, i) => (i * 7) % 64), { dtype: 'int32', shape: [1, 16] });
const labels = T.tensor(Int32Array.from({ length: 16 }, (_, i) => (i % 3 === 0 ? (i * 5) % 64 : -100)), { dtype: 'int32', shape: [1, 16] });
const { logits, loss } = model.forward(ids, { labels });
out.logitsShape = logits.shape;
out.loss = loss.item();
loss.backward();
out.gradsNonZero = model.parameters().filter((p) => p.grad && p.grad.abs().sum().item() > 0).length;
out.params = model.parameters().length;

// A checkpoint folder: written, then loaded into a fresh model that gives the same logits.
const dir = mkdtempSync(join(tmpdir(), 'avey-ckpt-'));
await saveCheckpoint(dir, model);
const loaded = loadCheckpoint(dir);
out.loadedHead = loaded.head;
const again = noGrad(() => loaded.model.forward(ids).logits);
const a = logits.dataSync(), b = again.dataSync();
let maxDiff = 0;
for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
out.reloadMaxDiff = maxDiff;
console.log(JSON.stringify(out));
