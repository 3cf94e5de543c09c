// A TypeScript consumer type-checked against the packed .d.ts files (strict, NodeNext, no
// skipLibCheck) by test/install.test.ts. It is never run; the types are what is tested.
import * as T from '@avey/tensor';
import { variable, type Variable, optim } from '@avey/autograd';
import { aveyPreset, createAvey, loadCheckpoint, type AveyConfig, type LoadedCheckpoint } from '@avey/avey-b';
import { trainBpe, type Tokenizer } from '@avey/data';

const t: T.Tensor = T.tensor([[1, 2], [3, 4]]);
const shape: readonly number[] = t.matmul(t).shape;
const v: Variable = variable(t, { requiresGrad: true });
const cfg: AveyConfig = aveyPreset('tiny', { vocab_size: 64 });
const model = createAvey(cfg, 'mlm');
const opt = new optim.AdamW(model.parameters(), { lr: 1e-3 });
const ck: (dir: string) => LoadedCheckpoint = loadCheckpoint;
const tok: Tokenizer = trainBpe(['a b c'], { vocabSize: 300 });
const d: T.DType = 'float32';
// @ts-expect-error the packed types reject a wrong dtype name
const bad: T.DType = 'float16';
export { shape, v, opt, ck, tok, d, bad };
