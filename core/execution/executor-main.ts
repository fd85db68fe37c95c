/**
 * The executor entrypoint from source: `node --import tsx core/execution/executor-main.ts [--payload-file F]
 * [--payload-json J] [--output-file O] [--timeout-seconds N]`. Plugins come from ARK_EXECUTOR_PLUGIN_MODULES
 * (set by the process dispatcher); bundles generate their own entry with a static plugin list.
 */
import { loadExecutorPlugins } from "./executor-plugin-source.js";
import { runExecutorProcess } from "./executor-process.js";

await runExecutorProcess(() => loadExecutorPlugins(process.env));
