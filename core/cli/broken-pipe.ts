/**
 * When the reader of stdout or stderr goes away (`ark runs list | head -1`), the next write fails with EPIPE, which
 * Node raises as an unhandled 'error' event: a crash with a stack trace in the middle of whatever the command was
 * doing, with its kernel never stopped. Instead the CLI notes it, the closed stream swallows further writes, the
 * command winds down (`ark run` stops the run it owns, as on Ctrl-C) and the process exits with 141 (128 + SIGPIPE),
 * the status a shell reports for `git log | head` or `yes | head`.
 */

/** The exit status after a reader went away. */
export const BROKEN_PIPE_EXIT_CODE = 141;

/** A signal aborted (with the EPIPE error) when a reader of `streams` went away; other stream errors stay uncaught. */
export function brokenPipeSignal(streams: readonly NodeJS.EventEmitter[]): AbortSignal {
  const controller = new AbortController();
  for (const stream of streams) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") throw err;
      controller.abort(err);
    });
  }
  return controller.signal;
}

let processOutput: AbortSignal | null = null;

/** Aborted when the reader of this process's stdout or stderr went away (watching starts at the first call). */
export function processOutputClosed(): AbortSignal {
  processOutput ??= brokenPipeSignal([process.stdout, process.stderr]);
  return processOutput;
}
