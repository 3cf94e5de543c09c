import type { CommandSpec } from '../spec.js';

export const traceCommand: CommandSpec = {
  command: 'trace',
  describe: 'Look inside an Avey-B forward pass: write the ranker\'s scores, selections and weights and every dynamic layer\'s v and mixing matrix to safetensors (optionally SVG heatmaps)',
  options: {
    checkpoint: { type: 'string', demandOption: true, describe: 'Avey-B model folder (config.json + model.safetensors; tokenizer.json for --text)' },
    input: { type: 'string', describe: 'safetensors file with integer input_ids [B,T] (like `avey forward --input`)' },
    text: { type: 'string', describe: 'input text instead (tokenised with the checkpoint\'s tokenizer.json)' },
    out: { type: 'string', demandOption: true, deprecatedAliases: ['output'], describe: 'folder to write trace.safetensors into: ranker.scores, ranker.selected, ranker.weights, layers.<i>.v, layers.<i>.mixing' },
    svg: { type: 'string', requiresArg: false, describe: 'also write SVG heatmaps (ranker scores with the selections marked; mixing matrices per dynamic layer): bare --svg into <out>/svg, or into the folder given' },
  },
  examples: [
    ['$0 trace --checkpoint runs/pretrain-1 --text "the cat sat on the mat" --out trace/ --svg', 'trace a text, with heatmaps'],
    ['$0 trace --checkpoint ckpt/ --input batch.safetensors --out trace/ --backend webgpu', 'a batch of ids on WebGPU'],
  ],
  run: async (args) => (await import('../handlers/trace.js')).runTraceCommand(args),
};
