import type { CommandSpec } from '../spec.js';

export const traceCommand: CommandSpec = {
  command: 'trace',
  describe: 'Look inside an Avey-B forward pass: write the ranker\'s scores, selections and weights and every dynamic layer\'s v and mixing matrix to safetensors (optionally SVG heatmaps)',
  options: {
    checkpoint: { type: 'string', demandOption: true, describe: 'Avey-B model folder (config.json + model.safetensors; tokenizer.json for --text)' },
    input: { type: 'string', describe: 'safetensors file with integer input_ids [B,T] (like `avey forward --input`)' },
    text: { type: 'string', describe: 'input text instead (tokenised with the checkpoint\'s tokenizer.json)' },
    output: { type: 'string', alias: 'out', demandOption: true, describe: 'trace file to write (.safetensors): ranker.scores, ranker.selected, ranker.weights, layers.<i>.v, layers.<i>.mixing' },
    svg: { type: 'string', describe: 'also write SVG heatmaps to this folder (ranker scores with the selections marked; mixing matrices per dynamic layer)' },
  },
  examples: [
    ['$0 trace --checkpoint runs/pretrain-1 --text "the cat sat on the mat" --output trace.safetensors --svg trace-svg', 'trace a text, with heatmaps'],
    ['$0 trace --checkpoint ckpt/ --input batch.safetensors --output trace.safetensors --backend webgpu', 'a batch of ids on WebGPU'],
  ],
  run: async (args) => (await import('../handlers/trace.js')).runTraceCommand(args),
};
