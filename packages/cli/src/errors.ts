// CLI error types and the mapping from any thrown value to a one-paragraph message + exit code.
//
// Exit codes: 0 ok · 1 runtime error (missing/unreadable files, bad checkpoints, diverged training,
// errors from the library packages) · 2 usage error (unknown flags, wrong types, bad values)
// · 130 interrupted by Ctrl-C (after saving a checkpoint).

export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** The user asked for something the command cannot do as written (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** Command path for the "see --help" hint, e.g. "pretrain" or "tokenizer train". */
    readonly command?: string,
  ) {
    super(message);
  }
}

/** Something went wrong while doing the work; the message says what and how to fix it (exit 1). */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A file or folder the command needs is missing, unreadable or malformed (exit 1). */
export class FileError extends CliError {
  override readonly name = 'FileError';
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Training produced a non-finite loss (exit 1). */
export class DivergedError extends CliError {
  override readonly name = 'DivergedError';
}

/** Ctrl-C during a long command: the work so far was saved (exit 130). */
export class InterruptedError extends CliError {
  override readonly name = 'InterruptedError';
}

/** Node's system errors carry a `code` such as ENOENT. */
interface SystemError extends Error {
  code: string;
  path?: string;
  syscall?: string;
}

function isSystemError(e: unknown): e is SystemError {
  return e instanceof Error && typeof (e as Partial<SystemError>).code === 'string';
}

/** True for errors thrown by the library packages (@avey/tensor's AveyError and its subclasses).
 *  Checked through the prototype chain's class names so that reporting an error never has to
 *  import the (heavy) tensor package. */
export function isAveyError(e: unknown): e is Error {
  if (e instanceof Error && (e as unknown as Record<symbol, unknown>)[Symbol.for('avey.error')] === true) return true;
  let proto: unknown = e instanceof Error ? Object.getPrototypeOf(e) : null;
  while (proto && proto !== Error.prototype) {
    const ctor = (proto as { constructor?: { name?: string } }).constructor;
    if (ctor?.name === 'AveyError') return true;
    proto = Object.getPrototypeOf(proto);
  }
  return false;
}

const FS_HINTS: Record<string, string> = {
  ENOENT: 'does not exist. Check the path (relative paths are resolved from the current directory).',
  EACCES: 'cannot be accessed: permission denied. Check the file permissions or choose another path.',
  EPERM: 'cannot be accessed: operation not permitted. Check the file permissions or choose another path.',
  EISDIR: 'is a directory, but a file was expected. Pass the path of a file inside it.',
  ENOTDIR: 'is not a directory (a file is in the way). Pass a folder path.',
  ENOSPC: 'cannot be written: the disk is full. Free some space or write somewhere else.',
  EROFS: 'cannot be written: the file system is read-only. Choose another output path.',
  EEXIST: 'already exists. Remove it or choose another path.',
  ENOTEMPTY: 'is not empty. Remove it or choose another path.',
};

export interface FormattedError {
  message: string;
  exitCode: number;
}

/** Control characters (a NUL from a damaged file header…) shown as \uXXXX, never raw. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Maps any thrown value to the paragraph printed on stderr and the process exit code. */
export function formatError(err: unknown, verbose: boolean): FormattedError {
  const f = formatRaw(err, verbose);
  return { ...f, message: printable(f.message) };
}

function formatRaw(err: unknown, verbose: boolean): FormattedError {
  const stack = verbose && err instanceof Error && err.stack ? `\n\n${err.stack}` : '';
  const cause =
    verbose && err instanceof Error && err.cause instanceof Error && err.cause.stack
      ? `\n\nCaused by: ${err.cause.stack}`
      : '';
  const tail = verbose ? stack + cause : '\n(Run again with --verbose for the stack trace.)';
  if (err instanceof UsageError) {
    const help = err.command ? `avey ${err.command} --help` : 'avey --help';
    return { message: `avey: ${err.message}\nSee \`${help}\` for usage.`, exitCode: EXIT_USAGE };
  }
  if (err instanceof InterruptedError) return { message: `avey: ${err.message}`, exitCode: EXIT_INTERRUPTED };
  if (err instanceof CliError) {
    return { message: `avey: ${err.message}${verbose ? stack + cause : ''}`, exitCode: EXIT_RUNTIME };
  }
  if (isSystemError(err) && err.code in FS_HINTS) {
    const what = err.path ? `'${err.path}'` : 'a file';
    return { message: `avey: ${what} ${FS_HINTS[err.code]}${verbose ? stack : ''}`, exitCode: EXIT_RUNTIME };
  }
  if (err instanceof Error && err.name === 'DataError') {
    const d = err as Error & { file?: string | null; reason?: string };
    const text = d.file
      ? `avey: cannot use the data: ${err.message.replace(/^data: /, '')}\nFix that file (or pass another one); the message names the file and line.`
      : `avey: ${(d.reason ?? err.message).replace(/^data: /, '')}`;
    return { message: `${text}${verbose ? stack : ''}`, exitCode: EXIT_RUNTIME };
  }
  if (isAveyError(err)) {
    return {
      message: `avey: ${err.name}: ${err.message}\nThis came from the library while running the command; check that the checkpoint, config and inputs belong together.${tail}`,
      exitCode: EXIT_RUNTIME,
    };
  }
  if (err instanceof Error) {
    return {
      message: `avey: unexpected ${err.name}: ${err.message}\nThis is probably a bug in avey; please report it with the command you ran.${tail}`,
      exitCode: EXIT_RUNTIME,
    };
  }
  return { message: `avey: failed: ${String(err)}`, exitCode: EXIT_RUNTIME };
}
