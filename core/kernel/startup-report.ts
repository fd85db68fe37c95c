/** Lifecycle status of one plugin as reports show it. */
export type PluginStatus = "pending" | "registered" | "initialized" | "started" | "failed" | "stopped" | "disabled";

/** One plugin's line in the startup report. */
export interface PluginReport {
  readonly id: string;
  readonly version: string | null;
  readonly builtin: boolean;
  status: PluginStatus;
  readonly dependencies: readonly string[];
  loadMs: number;
  registerMs: number;
  initMs: number;
  startMs: number;
  stopMs: number;
  error: { code: string; message: string } | null;
  contributions: Record<string, string[]>;
}

/** What the kernel reports once booted (logged, served by /api/health and `ark doctor`). */
export interface StartupReport {
  readonly kernelApiVersion: string;
  readonly configFile: string | null;
  ok: boolean;
  bootMs: number;
  readonly plugins: PluginReport[];
}

/** Milliseconds rounded to 0.01 for display. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
