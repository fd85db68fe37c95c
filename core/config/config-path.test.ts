import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { resolveConfigPath } from "./config-path.js";

const configFile = path.join(os.tmpdir(), "srv", "app", "runtime.config.yaml");

describe("resolveConfigPath: one rule for every filesystem path in runtime.config.yaml", () => {
  it("keeps an absolute path as given (normalised)", () => {
    const absolute = path.join(os.tmpdir(), "ark", "..", "ark-data");
    expect(resolveConfigPath(absolute, configFile)).toBe(path.join(os.tmpdir(), "ark-data"));
    expect(resolveConfigPath(absolute, null)).toBe(path.join(os.tmpdir(), "ark-data"));
  });

  it("resolves a relative path against the folder of the config file, not the cwd", () => {
    expect(resolveConfigPath(".ark/data", configFile)).toBe(path.join(os.tmpdir(), "srv", "app", ".ark", "data"));
    expect(resolveConfigPath("../shared/workspaces", configFile)).toBe(path.join(os.tmpdir(), "srv", "shared", "workspaces"));
    expect(resolveConfigPath("./x", configFile, "/elsewhere")).toBe(path.join(os.tmpdir(), "srv", "app", "x"));
  });

  it("resolves a relative path against the cwd when there is no config file (defaults only)", () => {
    expect(resolveConfigPath(".ark/data", null)).toBe(path.resolve(process.cwd(), ".ark/data"));
    expect(resolveConfigPath(".ark/data", null, "/opt/cwd")).toBe(path.resolve("/opt/cwd", ".ark/data"));
  });
});
