import type { JSONSchema } from "../contracts/json-schema.js";
import { deepFreeze } from "./deep-freeze.js";
import { MAX_TIMER_MS } from "./timer-limits.js";

/** Log levels the kernel accepts (pino's, plus silent). */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** Schema of the `kernel:` section. */
export const kernelSectionSchema: JSONSchema = deepFreeze({
  type: "object",
  description: "How the kernel itself behaves.",
  properties: {
    logLevel: { type: "string", enum: [...LOG_LEVELS], default: "info", description: "Minimum level that is logged." },
    pluginTimeoutMs: {
      // 30 s: a first boot of the embedded store creates the PGlite cluster and applies every migration, which takes
      // well over 10 s on a small, busy machine.
      type: "integer", minimum: 1, maximum: MAX_TIMER_MS, default: 30000,
      description: "Time each plugin gets per lifecycle step (init, start) before the boot fails naming it.",
    },
    stopTimeoutMs: { type: "integer", minimum: 1, maximum: MAX_TIMER_MS, default: 10000, description: "Time each plugin gets to stop." },
  },
  additionalProperties: false,
});

/** Schema of one `plugins:` entry. Its `config:` is left open here: the plugin's own schema closes it. */
export const pluginEntrySchema: JSONSchema = deepFreeze({
  type: "object",
  description: "A plugin to load.",
  required: ["from"],
  properties: {
    from: { type: "string", minLength: 1, description: "Folder relative to the config file (./plugins/x) or a package name." },
    id: {
      type: "string", pattern: "^[a-z][a-z0-9-]*$",
      description: "The plugin's id; optional, the manifest gives it. When given it must match the manifest.",
    },
    enabled: { type: "boolean", default: true, description: "Disabled entries are neither loaded nor validated." },
    onBootFailure: { type: "string", enum: ["abort", "continue"], description: "Overrides the plugin's own default (else abort)." },
    timeoutMs: { type: "integer", minimum: 1, maximum: MAX_TIMER_MS, description: "Overrides kernel.pluginTimeoutMs for this plugin." },
    config: { type: "object", default: {}, description: "The plugin's own section." },
  },
  additionalProperties: false,
});
