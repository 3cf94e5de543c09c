// Types of import-cycles.mjs (for the TypeScript tests that call it).
/** Every import cycle among the .ts files under `root`, each as its files relative to root. */
export function importCycles(root: string): string[][];
