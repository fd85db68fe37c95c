import type { LevelWithSilent } from "pino";
import type { CreateKernelOptions } from "../kernel/create-kernel.js";
import { createLogger } from "../logging/logger.js";

/** Options every command accepts. */
export interface GlobalOptions {
  readonly config?: string;
  readonly logLevel?: string;
}

const LEVELS = new Set(["trace", "debug", "info", "warn", "error", "fatal", "silent"]);

/** Kernel options from the global flags (`--config`, `--log-level`). */
export function kernelOptionsFrom(global: GlobalOptions, defaultLevel: LevelWithSilent = "info"): CreateKernelOptions {
  const level = (global.logLevel && LEVELS.has(global.logLevel) ? global.logLevel : defaultLevel) as LevelWithSilent;
  return { ...(global.config ? { configPath: global.config } : {}), logger: createLogger({ level }) };
}
