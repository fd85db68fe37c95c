import path from "node:path";
import { describe, expect, it } from "vitest";
import { defaultProcessDispatcherConfig, resolveProcessPaths } from "./process-config.js";

describe("execution.process paths", () => {
  const configFile = path.resolve("/srv/app/runtime.config.yaml");

  it("are relative to the config file's folder: workspaceRoot (default .ark/workspaces) and bundle", () => {
    expect(resolveProcessPaths({ ...defaultProcessDispatcherConfig, bundle: "dist/executor.mjs" }, configFile)).toMatchObject({
      workspaceRoot: path.resolve("/srv/app/.ark/workspaces"), bundle: path.resolve("/srv/app/dist/executor.mjs"),
    });
  });

  it("keep absolute paths, leave an unset bundle unset, and fall back to the cwd without a config file", () => {
    const resolved = resolveProcessPaths({ ...defaultProcessDispatcherConfig, workspaceRoot: path.resolve("/var/ark/ws") }, configFile);
    expect(resolved.workspaceRoot).toBe(path.resolve("/var/ark/ws"));
    expect("bundle" in resolved).toBe(false);
    expect(resolveProcessPaths(defaultProcessDispatcherConfig, null).workspaceRoot).toBe(path.resolve(".ark/workspaces"));
  });
});
