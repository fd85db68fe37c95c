import type { Logger } from "pino";
import { apiServerRef } from "../../api/api-server-port.js";
import { createKernel } from "../../kernel/create-kernel.js";
import { handleShutdownSignals } from "../../kernel/signals.js";
import { kernelOptionsFrom, type GlobalOptions } from "../cli-options.js";
import { out } from "../output.js";

/** The built-in modules `ark start` boots besides what the configured plugins require: everything it serves. */
export const SERVED_MODULES = ["store", "events", "api", "flow", "flow-api", "tooling", "tooling-api", "migration", "migration-api"] as const;

/** `ark start`: boot with the config, serve until SIGINT/SIGTERM, stop in reverse order. */
export async function startCommand(global: GlobalOptions): Promise<void> {
  const options = kernelOptionsFrom(global);
  const logger = options.logger as Logger;
  const kernel = await createKernel({ ...options, demand: SERVED_MODULES });
  const configured = (kernel.plan.config.kernel as { logLevel?: string } | undefined)?.logLevel;
  if (!global.logLevel && configured) logger.level = configured;
  // The API server holds the event loop open; this keeps `start` alive even if a config boots without it.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const removeHandlers = handleShutdownSignals(
    {
      stop: async () => {
        await kernel.stop();
        clearInterval(keepAlive);
        out("ARK stopped.");
      },
    },
    logger,
  );
  try {
    const report = await kernel.start();
    const started = report.plugins.filter((p) => p.status === "started").length;
    const failed = report.plugins.filter((p) => p.status === "failed").map((p) => p.id);
    const url = kernel.get(apiServerRef).address()?.url;
    out(`ARK running: ${started} plugin${started === 1 ? "" : "s"} started in ${report.bootMs} ms` +
      (url ? `, API on ${url} (OpenAPI ${url}/api/docs)` : "") +
      (failed.length ? ` (failed, continuing without: ${failed.join(", ")})` : "") +
      ` — config ${kernel.plan.source.displayPath}. Press Ctrl-C to stop.`);
  } catch (err) {
    clearInterval(keepAlive);
    removeHandlers();
    throw err;
  }
}
