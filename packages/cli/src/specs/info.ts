import type { CommandSpec } from '../spec.js';

export const infoCommand: CommandSpec = {
  command: 'info',
  describe: 'Show the version, the compute backends available here (and why others are not), and the model presets',
  examples: [
    ['$0 info', 'human-readable overview'],
    ['$0 info --json', 'the same as JSON (for scripts and bug reports)'],
  ],
  run: async (args) => (await import('../handlers/info.js')).runInfo(args),
};
