import path from "node:path";
import { describe, expect, it } from "vitest";
import { withAbsolutePaths } from "./index.js";

describe("dispatch-kubernetes kubeconfigPath", () => {
  it("is relative to the config file's folder (else the cwd); an absolute one is kept", () => {
    const configFile = path.resolve("/srv/app/runtime.config.yaml");
    expect(withAbsolutePaths({ kubeconfigPath: "secrets/kubeconfig.yaml" }, configFile).kubeconfigPath).toBe(path.resolve("/srv/app/secrets/kubeconfig.yaml"));
    expect(withAbsolutePaths({ kubeconfigPath: path.resolve("/etc/kube/config") }, configFile).kubeconfigPath).toBe(path.resolve("/etc/kube/config"));
    expect(withAbsolutePaths({ kubeconfigPath: "kubeconfig.yaml" }, null).kubeconfigPath).toBe(path.resolve("kubeconfig.yaml"));
    expect(withAbsolutePaths({ pollIntervalMs: 50 }, configFile)).toEqual({ pollIntervalMs: 50 });
  });
});
