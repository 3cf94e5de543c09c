// Child-process entry of `avey info`'s backend probe (lib/backend.ts, probeBackends). Initialising
// WebGPU loads Dawn, whose native code writes warnings straight to file descriptor 2 ("Couldn't
// load Vulkan…", "…artificially reduced…"), out of reach of process.stderr. Probing here, with the
// parent holding this process's stderr, keeps them off the user's terminal: the parent shows them
// only with --verbose. Prints one JSON line: { rows, active }.
import { listBackends } from './backend.js';

const r = await listBackends();
process.stdout.write(`${JSON.stringify(r)}\n`);
// Dawn keeps the event loop alive while a device exists: leave as soon as the answer is out.
process.exit(0);
