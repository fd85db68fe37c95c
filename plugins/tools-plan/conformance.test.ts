// The kit's plugin conformance suite, run against the module's default export (as the kernel loads it).
import { runPluginConformance } from "../../core/testing/index.js";
import plugin from "./index.js";

runPluginConformance(plugin, {
  // Port 0: a free port per kernel; PGlite's cold start is slow on a busy machine, hence the generous timeout.
  kernelConfig: { api: { port: 0 }, kernel: { pluginTimeoutMs: 60_000 } },
});
