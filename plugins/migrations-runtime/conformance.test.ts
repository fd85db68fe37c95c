// The kit's plugin conformance suite, run against the module's default export (as the kernel loads it).
import { runPluginConformance } from "../../core/testing/index.js";
import plugin from "./index.js";

runPluginConformance(plugin);
