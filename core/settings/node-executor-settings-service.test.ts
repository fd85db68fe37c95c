import { createHash } from "node:crypto";
import { beforeEach, expect, it } from "vitest";
import { createContractRegistry } from "../contracts/contract-registry.js";
import { contractIds, registerCoreContracts } from "../contracts/schemas/index.js";
import { describeStore } from "../../test/support/store-harness.js";
import type { Store, Transaction } from "../store/store-port.js";
import { createNodeExecutorSettingsService } from "./node-executor-settings-service.js";
import { caughtArkError } from "../../test/support/ark-error.js";

const SECRET_KEY = "test-secret-key-0123456789abcdef";
const OTHER_KEY = "another-secret-key-fedcba987654";
const TOKEN = "tok-8f3a9c1e-very-secret";
const KUBECONFIG = [
  "apiVersion: v1",
  "kind: Config",
  "clusters: [{name: sim, cluster: {server: 'http://127.0.0.1:1', insecure-skip-tls-verify: true}}]",
  `users: [{name: ark, user: {token: ${TOKEN}}}]`,
  "contexts: [{name: sim, context: {cluster: sim, user: ark}}]",
  "current-context: sim",
  "",
].join("\n");
const FINGERPRINT = `sha256:${createHash("sha256").update(KUBECONFIG).digest("hex").slice(0, 12)}`;
const T0 = new Date("2026-02-27T10:00:00.000Z");

const registry = createContractRegistry();
registerCoreContracts(registry);


describeStore("node-executor settings service", (getStore) => {
  let clock: Date;
  const service = (env: Record<string, string | undefined> = { ARK_SECRET_KEY: SECRET_KEY }) =>
    createNodeExecutorSettingsService(getStore(), { env, now: () => clock });
  const rawRows = async () =>
    (await getStore().query<Record<string, unknown>>("SELECT * FROM ark_settings WHERE namespace = 'node_executor' ORDER BY key")).rows;
  const rawHistory = async () => (await getStore().query<Record<string, unknown>>("SELECT * FROM ark_settings_history ORDER BY version")).rows;

  beforeEach(() => {
    clock = T0;
  });

  it("reads the defaults (plus derived keys) from an empty database, matching the redacted contract", async () => {
    const view = await service().read();
    expect(view).toMatchObject({
      provider: "kubernetes",
      dispatch_timeout_seconds: "300",
      cancel_force_kill_enabled: "true",
      k8s_frontier_image: "ark-executor-frontier:latest",
      k8s_frontier_image_tag: "latest",
      k8s_effective_frontier_image: "ark-executor-frontier:latest",
      k8s_effective_vllm_image: "ark-executor-vllm:latest",
      k8s_kubeconfig_is_set: "false",
      k8s_kubeconfig_fingerprint: "",
      k8s_kubeconfig_updated_at: "",
    });
    expect(view).not.toHaveProperty("k8s_kubeconfig");
    expect(registry.check(contractIds.nodeExecutorSettings, view)).toEqual({ valid: true });
  });

  it("takes defaults from ARK_NODE_EXECUTOR_* env vars; stored values win", async () => {
    const env = { ARK_NODE_EXECUTOR_K8S_NAMESPACE: "from-env", ARK_NODE_EXECUTOR_DISPATCH_TIMEOUT_SECONDS: "9999" };
    expect(await service(env).read()).toMatchObject({ k8s_namespace: "from-env", dispatch_timeout_seconds: "3600" });
    await service(env).update({ k8s_namespace: "stored" }, "ops");
    expect(await service(env).read()).toMatchObject({ k8s_namespace: "stored", dispatch_timeout_seconds: "3600" });
  });

  it("changes only the keys an update names (no reset of omitted keys or booleans)", async () => {
    await service().update({ dispatch_timeout_seconds: 120, cancel_force_kill_enabled: false, agent_runtime_cutover_enabled: true, k8s_namespace: "runs" }, "ops");
    const after = await service().update({ k8s_gpu_limit: 2 }, "ops");
    expect(after).toMatchObject({
      dispatch_timeout_seconds: "120",
      cancel_force_kill_enabled: "false",
      agent_runtime_cutover_enabled: "true",
      k8s_namespace: "runs",
      k8s_gpu_limit: "2",
      execution_timeout_seconds: "1800",
    });
    expect(await service().read()).toEqual(after);
    expect((await rawRows()).map((r) => r.key)).toEqual(["agent_runtime_cutover_enabled", "cancel_force_kill_enabled", "dispatch_timeout_seconds", "k8s_gpu_limit", "k8s_namespace"]);
  });

  it("rejects invalid input with a message per field and writes nothing", async () => {
    await service().update({ k8s_namespace: "before" }, "ops");
    const err = await caughtArkError(
      service().update({ k8s_namespace: "after", dispatch_timeout_seconds: 2, provider: "docker", k8s_image: "x", bogus: 1, k8s_kubeconfig: KUBECONFIG }, "ops"),
    );
    expect(err.code).toBe("ARK_SETTINGS_INVALID");
    expect(err.details.fields).toEqual({
      dispatch_timeout_seconds: "dispatch_timeout_seconds must be between 5 and 3600 (got 2).",
      provider: "Node executor provider must be kubernetes.",
      k8s_image: "Legacy node executor image fields are not supported. Use k8s_frontier_image/k8s_frontier_image_tag instead.",
      bogus: "Unknown node executor setting 'bogus'.",
    });
    expect(JSON.stringify(err)).not.toContain(TOKEN);
    expect((await service().read()).k8s_namespace).toBe("before");
    expect(await rawRows()).toHaveLength(1);
    expect(await rawHistory()).toHaveLength(1);
  });

  it("clamps stored legacy values on load and falls back on unparsable ones", async () => {
    const insert = "INSERT INTO ark_settings (namespace, key, value) VALUES ('node_executor', $1, $2)";
    for (const [key, value] of [
      ["dispatch_timeout_seconds", "1"],
      ["execution_timeout_seconds", "999999"],
      ["k8s_gpu_limit", "12"],
      ["cancel_force_kill_enabled", "nah"],
      ["workspace_identity_key", "/var/ws"],
      ["provider", "docker"],
      ["k8s_image", "legacy:1"],
    ]) {
      await getStore().query(insert, [key, value]);
    }
    expect(await service().read()).toMatchObject({
      dispatch_timeout_seconds: "5",
      execution_timeout_seconds: "86400",
      k8s_gpu_limit: "8",
      cancel_force_kill_enabled: "true",
      workspace_identity_key: "default",
      provider: "kubernetes",
    });
    expect(await service().read()).not.toHaveProperty("k8s_image");
  });

  it("null resets a key to its default and the history says so", async () => {
    await service().update({ k8s_job_ttl_seconds: 600 }, "ops");
    clock = new Date(T0.getTime() + 1000);
    const view = await service().update({ k8s_job_ttl_seconds: null }, "ops");
    expect(view.k8s_job_ttl_seconds).toBe("1800");
    expect(await rawRows()).toEqual([]);
    const [latest] = await service().history();
    expect(latest!.changes).toEqual({ k8s_job_ttl_seconds: { from: "600", to: "1800" } });
  });

  it("derives tags and effective images from what is stored", async () => {
    const view = await service().update({ k8s_frontier_image: "ghcr.io/acme/frontier:v7", k8s_vllm_image_tag: "gpu-2" }, "ops");
    expect(view).toMatchObject({
      k8s_frontier_image_tag: "v7",
      k8s_effective_frontier_image: "ghcr.io/acme/frontier:v7",
      k8s_vllm_image_tag: "gpu-2",
      k8s_effective_vllm_image: "ark-executor-vllm:gpu-2",
    });
  });

  it("stores the kubeconfig encrypted; no read, history or result ever shows it", async () => {
    const view = await service().update({ k8s_kubeconfig: KUBECONFIG, k8s_namespace: "runs" }, "alice");
    const [row] = (await rawRows()).filter((r) => r.key === "k8s_kubeconfig");
    expect(String(row!.value)).toMatch(/^enc:v1:[A-Za-z0-9+/=]+$/);
    expect(row!.fingerprint).toBe(FINGERPRINT);
    const everything = JSON.stringify([await rawRows(), await rawHistory()]);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain("kind: Config");

    const reads = JSON.stringify([view, await service().read(), await service().history()]);
    expect(reads).not.toContain(TOKEN);
    expect(reads).not.toContain(String(row!.value));
    expect(reads).not.toContain("enc:v1:");
    expect(view).not.toHaveProperty("k8s_kubeconfig");
    expect(view).toMatchObject({ k8s_kubeconfig_is_set: "true", k8s_kubeconfig_fingerprint: FINGERPRINT, k8s_kubeconfig_updated_at: T0.toISOString() });
    expect(registry.check(contractIds.nodeExecutorSettings, view)).toEqual({ valid: true });
  });

  it("redacted reads need no key; only the runtime read decrypts, and a wrong key fails clearly", async () => {
    await service().update({ k8s_kubeconfig: KUBECONFIG }, "alice");
    expect((await service({}).read()).k8s_kubeconfig_fingerprint).toBe(FINGERPRINT);

    const runtime = await service().readRuntime();
    expect(runtime.k8s_kubeconfig).toBe(KUBECONFIG);
    expect(runtime.k8s_kubeconfig_is_set).toBe("true");

    const wrong = await caughtArkError(service({ ARK_SECRET_KEY: OTHER_KEY }).readRuntime());
    expect(wrong.code).toBe("ARK_SECRET_DECRYPT_FAILED");
    expect(wrong.message).toContain("ARK_SECRET_KEY");
    expect((await caughtArkError(service({}).readRuntime())).code).toBe("ARK_SECRET_KEY_MISSING");
  });

  it("the runtime read without a stored kubeconfig needs no key", async () => {
    expect((await service({}).readRuntime()).k8s_kubeconfig).toBe("");
  });

  it("refuses to store a secret without ARK_SECRET_KEY, writing nothing at all", async () => {
    const err = await caughtArkError(service({}).update({ k8s_kubeconfig: KUBECONFIG, k8s_namespace: "runs" }, "alice"));
    expect(err.code).toBe("ARK_SECRET_KEY_MISSING");
    expect(err.message).toContain("export ARK_SECRET_KEY=");
    expect(await rawRows()).toEqual([]);
    expect(await rawHistory()).toEqual([]);
  });

  it("clears the kubeconfig on k8s_kubeconfig_clear, and a blank value leaves it alone", async () => {
    await service().update({ k8s_kubeconfig: KUBECONFIG }, "alice");
    clock = new Date(T0.getTime() + 1000);
    expect((await service().update({ k8s_kubeconfig: "  " }, "bob")).k8s_kubeconfig_is_set).toBe("true");
    const cleared = await service().update({ k8s_kubeconfig_clear: true }, "bob");
    expect(cleared).toMatchObject({ k8s_kubeconfig_is_set: "false", k8s_kubeconfig_fingerprint: "", k8s_kubeconfig_updated_at: "" });
    await service().update({ k8s_kubeconfig_clear: true }, "bob"); // already clear: no change, no history row
    const history = await service().history();
    expect(history.map((h) => h.changes)).toEqual([{ k8s_kubeconfig: { from: "(set)", to: "(cleared)" } }, { k8s_kubeconfig: { from: null, to: "(set)" } }]);
    expect((await service().readRuntime()).k8s_kubeconfig).toBe("");
  });

  it("re-storing the secret under a new key recovers from a key change", async () => {
    await service().update({ k8s_kubeconfig: KUBECONFIG }, "alice");
    const rotated = service({ ARK_SECRET_KEY: OTHER_KEY });
    await rotated.update({ k8s_kubeconfig: KUBECONFIG }, "alice");
    expect((await rotated.readRuntime()).k8s_kubeconfig).toBe(KUBECONFIG);
    expect((await service().history())[0]!.changes).toEqual({ k8s_kubeconfig: { from: "(set)", to: "(set)" } });
  });

  it("keeps versioned change rows, newest first, with actor, time and from/to", async () => {
    await service().update({ agent_runtime_cutover_enabled: true }, "alice");
    clock = new Date(T0.getTime() + 60_000);
    await service().update({ agent_runtime_cutover_enabled: "off", k8s_gpu_limit: "1" }, "bob");
    clock = new Date(T0.getTime() + 120_000);
    await service().update({ k8s_gpu_limit: 1 }, "carol"); // no effective change: no row

    const history = await service().history();
    expect(history).toHaveLength(2);
    const [newest, oldest] = history;
    expect(newest!.version).toBeGreaterThan(oldest!.version);
    expect(newest).toMatchObject({
      actor: "bob",
      changedAt: "2026-02-27T10:01:00.000Z",
      changes: { agent_runtime_cutover_enabled: { from: "true", to: "false" }, k8s_gpu_limit: { from: "0", to: "1" } },
    });
    expect(oldest).toMatchObject({ actor: "alice", changedAt: T0.toISOString(), changes: { agent_runtime_cutover_enabled: { from: "false", to: "true" } } });
    expect(await service().history(1)).toEqual([newest]);
  });

  it("rejects a bad history limit and a missing actor", async () => {
    for (const limit of [0, -1, 1.5, 1001]) expect((await caughtArkError(service().history(limit))).code).toBe("ARK_INVALID_ARGUMENT");
    expect((await caughtArkError(service().update({ k8s_gpu_limit: 1 }, "  "))).code).toBe("ARK_INVALID_ARGUMENT");
    expect(await rawRows()).toEqual([]);
  });

  it("a failure inside the transaction rolls every write back", async () => {
    const store = getStore();
    const failing: Store = {
      ...store,
      query: store.query.bind(store),
      transaction: (fn) =>
        store.transaction((tx) => {
          const sabotaged: Transaction = {
            transaction: tx.transaction.bind(tx),
            query: async (sql, params) => {
              if (sql.includes("INSERT INTO ark_settings_history")) throw new Error("disk full");
              return tx.query(sql, params);
            },
          };
          return fn(sabotaged);
        }),
    } as Store;
    const broken = createNodeExecutorSettingsService(failing, { env: { ARK_SECRET_KEY: SECRET_KEY }, now: () => clock });
    await expect(broken.update({ k8s_namespace: "runs", k8s_kubeconfig: KUBECONFIG }, "ops")).rejects.toThrow(/disk full/);
    expect(await rawRows()).toEqual([]);
    expect(await rawHistory()).toEqual([]);
  });

  it("serialises concurrent updates: each change row starts where the previous ended", async () => {
    const values = [10, 20, 30, 40, 50, 60, 70, 80];
    await Promise.all(values.map((v, i) => service().update({ dispatch_timeout_seconds: v }, `writer-${i}`)));
    const history = (await service().history()).reverse();
    expect(history).toHaveLength(values.length);
    expect(history[0]!.changes.dispatch_timeout_seconds!.from).toBe("300");
    for (let i = 1; i < history.length; i++) {
      expect(history[i]!.changes.dispatch_timeout_seconds!.from).toBe(history[i - 1]!.changes.dispatch_timeout_seconds!.to);
    }
    expect((await service().read()).dispatch_timeout_seconds).toBe(history.at(-1)!.changes.dispatch_timeout_seconds!.to);
  });
}, { migrate: "core", poolMax: 8 });
