// Every ```ts block of the explainers runs and prints what it promises (see registerSnippetTests).

import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerSnippetTests } from './snippets.js';

const here = dirname(fileURLToPath(import.meta.url));
registerSnippetTests(here, resolve(here, '../autograd-explained.md'), 3);
registerSnippetTests(here, resolve(here, '../avey-b-explained.md'), 1);
