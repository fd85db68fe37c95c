import { definePlugin } from "../../core/plugin-api/index.js";
import { runPluginConformance } from "../../core/testing/index.js";
import plugin from "./index.js";

runPluginConformance(plugin, { kernelConfig: { kernel: { pluginTimeoutMs: 120_000 } }, companions: [definePlugin({ id: "with-tooling", version: "1.0.0", kernel: "^1.0.0", requires: ["tooling"] })] });
