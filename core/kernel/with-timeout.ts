import { ArkError } from "../errors/index.js";

/** Runs one lifecycle hook with a deadline; a hook that overruns fails with ARK_PLUGIN_TIMEOUT naming the plugin. */
export async function runWithTimeout<T>(
  work: () => Promise<T> | T,
  timeoutMs: number,
  describe: { pluginId: string; step: string },
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new ArkError("ARK_PLUGIN_TIMEOUT", `plugin "${describe.pluginId}" did not finish ${describe.step} within ${timeoutMs} ms`, {
          details: { pluginId: describe.pluginId, step: describe.step, timeoutMs },
        }),
      );
    }, timeoutMs);
    timer.unref?.();
  });
  try {
    return await Promise.race([Promise.resolve().then(work), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
