import { definePlugin, type PluginDefinition } from "../../core/plugin-api/index.js";

/** A shared event log so tests can assert lifecycle order across plugins. */
export type Journal = string[];

/** A plugin that records its lifecycle into `journal`, with optional failures and delays. */
export function recordingPlugin(
  id: string,
  journal: Journal,
  options: Partial<Pick<PluginDefinition, "requires" | "provides" | "consumes" | "onBootFailure" | "kernel" | "register">> & {
    failIn?: "init" | "start" | "stop";
    hangIn?: "init" | "start" | "stop";
  } = {},
): PluginDefinition {
  const step = (name: "init" | "start" | "stop") => async () => {
    journal.push(`${name}:${id}`);
    if (options.hangIn === name) await new Promise(() => undefined);
    if (options.failIn === name) throw new Error(`${id} broke in ${name}`);
  };
  return definePlugin({
    id,
    version: "1.0.0",
    kernel: options.kernel ?? "^1.0.0",
    ...(options.requires ? { requires: options.requires } : {}),
    ...(options.provides ? { provides: options.provides } : {}),
    ...(options.consumes ? { consumes: options.consumes } : {}),
    ...(options.onBootFailure ? { onBootFailure: options.onBootFailure } : {}),
    register: options.register ?? (() => journal.push(`register:${id}`)),
    init: step("init"),
    start: step("start"),
    stop: step("stop"),
  });
}
