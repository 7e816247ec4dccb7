/**
 * The kit's two expected failures. Everything else that is thrown is a bug and should crash with its
 * stack.
 *
 * - `KitError`: a user error (a bad flag, field, file or data set). It names what is wrong and, where
 *   there is a short list, the valid values. Command-line entry points print its message without a stack
 *   and exit with status 2; runners record it as a run's status "failed" only when the bad input is
 *   specific to that run (a method option, say), and refuse the whole run before any work otherwise.
 * - `DivergedError`: a loss or gradient became NaN or passed a method's divergence bound. Runners record
 *   it as status "diverged" and go on with the next run.
 */

export class KitError extends Error {
  /** What the error is about: a flag (`--seeds`), a file path, or a field (`ugradsl.smoothRate`). */
  readonly where: string | undefined;

  constructor(message: string, where?: string) {
    super(where ? `${where}: ${message}` : message);
    this.name = "KitError";
    this.where = where;
  }
}

/**
 * A file the machine would not let the kit write (a full disk, a quota, a read-only folder): a KitError
 * naming the file, whose fix is on the machine, not in the flags.
 */
export class FileError extends KitError {
  constructor(message: string, file: string) {
    super(message, file);
    this.name = "FileError";
  }
}

/** Thrown when a loss becomes NaN/Infinity or passes a method's divergence bound. */
export class DivergedError extends Error {
  constructor(message: string, readonly step: number) {
    super(message);
    this.name = "DivergedError";
  }
}

/** Several user errors found at once (validation lists every problem before any work starts). */
export class KitErrors extends KitError {
  constructor(readonly problems: KitError[]) {
    super(
      problems.length === 1 ? problems[0].message : `${problems.length} problems:\n${problems.map((p) => `  - ${p.message}`).join("\n")}`,
    );
    this.name = "KitErrors";
  }
}

/** Collects user errors from several checks and throws them together (or returns when there are none). */
export function checkAll(checks: (() => void)[]): void {
  const problems: KitError[] = [];
  for (const check of checks) {
    try {
      check();
    } catch (e) {
      if (e instanceof KitErrors) problems.push(...e.problems);
      else if (e instanceof KitError) problems.push(e);
      else throw e;
    }
  }
  if (problems.length > 0) throw new KitErrors(problems);
}
