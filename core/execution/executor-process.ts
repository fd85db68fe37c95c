/**
 * Runs the executor as this process: real stdin/stdout, SIGINT/SIGTERM turned into the interrupt (a cancelled result
 * is printed before exiting 130), and an explicit exit so a handler left running after a timeout cannot keep the
 * process alive. The source entrypoint and every generated bundle entry call this.
 */
import type { PluginDefinition } from "../plugin-api/plugin.js";
import { runExecutor } from "./executor-run.js";

/** Runs one node execution in this process and exits with its code. */
export async function runExecutorProcess(plugins: readonly PluginDefinition<any>[] | (() => Promise<readonly PluginDefinition<any>[]>)): Promise<never> {
  const interrupt = new AbortController();
  const onSignal = (): void => interrupt.abort();
  // `on`, not `once`: a repeated signal must not fall back to the default (kill) before the cancelled result is out.
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  let code = 1;
  try {
    code = await runExecutor({
      argv: process.argv.slice(2), env: process.env, stdin: process.stdin.isTTY ? null : process.stdin,
      stdout: process.stdout, stderr: process.stderr, plugins, interrupt: interrupt.signal,
    });
  } catch (err) {
    // runExecutor answers every problem with a result; reaching here is a bug, still reported on stderr.
    process.stderr.write(`ark-executor: unexpected failure: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  // Pipes and files are written synchronously on POSIX, so the result line is out before exit.
  process.exit(code);
}
