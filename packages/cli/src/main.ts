// Entry point of the `avey` command (bin/avey.mjs imports this through tsx).
import { buildCli } from './cli.js';
import { EXIT_OK, formatError } from './errors.js';

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.writableLength === 0) resolve();
    else stream.write('', () => resolve());
  });
}

/** Runs `avey <argv…>` and exits the process with 0 (ok), 1 (runtime error), 2 (usage error) or
 *  130 (interrupted). Errors print one paragraph on stderr; the stack only with --verbose. */
export async function main(argv: readonly string[]): Promise<never> {
  return runAndExit(async () => {
    await buildCli(argv).parseAsync();
  }, argv.includes('--verbose'));
}

/** Runs `fn`, reports a thrown error as one paragraph (stack only when `verbose`), then exits. */
export async function runAndExit(fn: () => Promise<void>, verbose: boolean): Promise<never> {
  let code = EXIT_OK;
  // `avey info | head` closes stdout early; that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(code);
  });
  try {
    await fn();
    code = typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (err) {
    const f = formatError(err, verbose);
    process.stderr.write(`${f.message}\n`);
    code = f.exitCode;
  }
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  process.exit(code);
}
