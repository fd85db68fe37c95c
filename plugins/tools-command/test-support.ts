/** A command domain bound to a runtime over a temp base root (optionally with a test clock), for direct handler calls. */
import { callOperation, tempDir } from "../../core/workspace/testing.js";
import { CommandRuntime } from "./command-runtime.js";
import { resolveCommandPolicy, type CommandPluginConfig } from "./config.js";
import { CommandDomain } from "./command-domain.js";

/** The fixture: domain, runtime, workspace root and a `call(op, input, scope?)` shortcut. */
export async function commandFixture(config: CommandPluginConfig = {}, now?: () => number) {
  const { dir, cleanup } = await tempDir("ark-cmd-");
  const runtime = new CommandRuntime(resolveCommandPolicy({ root: dir, ...config }, null), now);
  const domain = new CommandDomain();
  domain.slot.bind(runtime);
  const call = (operation: string, input: unknown, scope: Record<string, unknown> = { workspace: "test" }) => callOperation(domain, operation, input, scope);
  await call("resource_limits", {});
  await runtime.policy.roots.forScope({ workspace: "test" });
  return {
    dir, root: `${dir}/test/shared`, domain, runtime, call,
    cleanup: async () => {
      await runtime.stop();
      await cleanup();
    },
  };
}
