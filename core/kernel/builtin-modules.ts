import type { PluginDefinition } from "../plugin-api/plugin.js";
export function builtinModules(): PluginDefinition[] { return []; }
