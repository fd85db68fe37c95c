/** A workspace domain bound to a temp base root, for tests that call its handlers directly. */
import { callOperation, tempDir } from "../../core/workspace/testing.js";
import { resolveWorkspaceSettings, type WorkspacePluginConfig } from "./config.js";
import { WorkspaceDomain } from "./workspace-domain.js";

/** A bound domain, its base folder, and a `call(op, input, scope?)` shortcut. */
export async function workspaceFixture(config: WorkspacePluginConfig = {}) {
  const { dir, cleanup } = await tempDir("ark-ws-");
  const domain = new WorkspaceDomain();
  domain.slot.bind(resolveWorkspaceSettings({ root: dir, ...config }, null));
  const call = (operation: string, input: unknown, scope: Record<string, unknown> = { workspace: "test" }) => callOperation(domain, operation, input, scope);
  return { dir, root: `${dir}/test/shared`, domain, call, cleanup };
}
