#!/usr/bin/env node
// Launcher for the `avey` command: registers tsx so the TypeScript sources run without a build
// step, then hands over to src/main.ts. Heavy packages are imported lazily by each command.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { main } = await import('../src/main.ts');
await main(process.argv.slice(2));
