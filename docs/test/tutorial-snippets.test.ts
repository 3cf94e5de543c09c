// Every ```ts block of docs/tutorial.md runs, in order, as its own program and prints what it
// promises (see registerSnippetTests in snippets.ts).

import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerSnippetTests } from './snippets.js';

const here = dirname(fileURLToPath(import.meta.url));
registerSnippetTests(here, resolve(here, '../tutorial.md'), 8);
