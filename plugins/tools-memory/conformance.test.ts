// The kit's plugin conformance suite, run against the module's default export (as the kernel loads it).
import { vi } from "vitest";
import { runPluginConformance } from "../../core/testing/index.js";
import plugin from "./index.js";

// Each case boots PGlite-backed kernels; on a loaded machine that can take longer than the default 30 s.
vi.setConfig({ testTimeout: 120_000 });

// Port 0: a free port per kernel; PGlite's cold start is slow on a busy machine, hence the generous timeout.
runPluginConformance(plugin, { kernelConfig: { api: { port: 0 }, kernel: { pluginTimeoutMs: 60_000 } } });
