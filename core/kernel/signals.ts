import type { Logger } from "pino";

/** Something that can be stopped on a signal. */
export interface Stoppable {
  stop(): Promise<unknown>;
}

/**
 * SIGINT/SIGTERM: the first signal stops the kernel gracefully and exits 0 (1 if stop failed); a second one exits
 * at once with 130, for an operator who does not want to wait for a drain. Returns a function that removes the
 * handlers.
 */
export function handleShutdownSignals(target: Stoppable, logger: Logger, exit: (code: number) => void = process.exit): () => void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting without waiting for plugins to stop");
      exit(130);
      return;
    }
    stopping = true;
    logger.info({ signal }, `${signal} received: stopping (send it again to exit at once)`);
    target.stop().then(
      () => exit(0),
      (err: unknown) => {
        logger.error({ err }, "stop failed");
        exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
}
