import { pino, type Logger, type LevelWithSilent } from "pino";
import pretty from "pino-pretty";

/** Logger options: level, and whether to pretty-print (default: when stderr is a TTY). */
export interface LoggerOptions {
  readonly level?: LevelWithSilent;
  readonly pretty?: boolean;
  /** Where JSON lines go; default stderr, so stdout stays free for command output (`--json`). */
  readonly destination?: NodeJS.WritableStream;
}

const REDACT = ["*.password", "*.token", "*.secret", "*.apiKey", "*.api_key", "*.kubeconfig", "*.k8s_kubeconfig", "*.authorization"];

/** ARK's pino logger: JSON lines, pretty on a TTY, secrets redacted by key name. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? "info";
  const destination = options.destination ?? process.stderr;
  const usePretty = options.pretty ?? (destination === process.stderr && process.stderr.isTTY === true);
  const base = { level, redact: { paths: REDACT, censor: "***" }, base: { pid: process.pid } };
  if (usePretty) {
    return pino(base, pretty({ destination: 2, sync: true, colorize: true, ignore: "pid,hostname", translateTime: "HH:MM:ss.l" }));
  }
  return pino(base, destination as pino.DestinationStream);
}

/** A logger that drops everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
