// The kit's plugin conformance suite, run against the module's default export (as the kernel loads it).
import { vi } from "vitest";
import { runPluginConformance } from "../../core/testing/index.js";
import plugin from "./index.js";

// Each case boots a kernel on a cold in-memory PGlite, which is slow on a busy machine.
vi.setConfig({ testTimeout: 120_000 });

runPluginConformance(plugin, {
  kernelConfig: { kernel: { pluginTimeoutMs: 60_000 } },
});
