// Every command of `avey`, in help order. Spec modules are light: implementations (and the heavy
// packages) are imported only when a command runs.
import type { TopSpec } from '../spec.js';
import { benchCommand } from './bench.js';
import { evalCommand, finetuneCommand } from './finetune.js';
import { infoCommand } from './info.js';
import { embedCommand, fillMaskCommand, forwardCommand } from './infer.js';
import { pretrainCommand } from './pretrain.js';
import { tokenizerCommand } from './tokenizer.js';
import { traceCommand } from './trace.js';

export const COMMANDS: readonly TopSpec[] = [
  infoCommand,
  tokenizerCommand,
  pretrainCommand,
  finetuneCommand,
  evalCommand,
  forwardCommand,
  traceCommand,
  fillMaskCommand,
  embedCommand,
  benchCommand,
];
