import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, memoryLogger, startApiKernel, type ApiKernel } from "./api-test-support.js";

const BASE = "/api/settings/runtime/node-executor";
/** A string that must never come back from the API or reach the log. */
const SECRET_MARK = "kc-secret-token-7f3a9b";
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
  - name: test
    cluster: { server: "https://127.0.0.1:6443" }
users:
  - name: runner
    user: { token: ${SECRET_MARK} }
contexts:
  - name: test
    context: { cluster: test, user: runner }
current-context: test
`;

const env: Record<string, string | undefined> = { ARK_SECRET_KEY: "settings-route-test-key-0123456789" };
const logs = memoryLogger();
let k: ApiKernel;
const responses: string[] = [];

beforeAll(async () => {
  k = await startApiKernel({ env, logger: logs.logger });
});
afterAll(async () => k?.stop());

async function call(path: string, init: { method?: string; body?: unknown } = {}) {
  const res = await http(`${k.baseUrl}${path}`, init);
  responses.push(res.text);
  return res;
}

describe("GET /api/settings/runtime/node-executor", () => {
  it("returns the redacted settings, the effective summary and the provider options", async () => {
    const res = await call(BASE);
    expect(res.status).toBe(200);
    expect(res.json.ok).toBe(true);
    expect(res.json.node_executor_settings).toMatchObject({
      provider: "kubernetes",
      dispatch_timeout_seconds: "300",
      k8s_namespace: "default",
      k8s_effective_frontier_image: "ark-executor-frontier:latest",
      k8s_kubeconfig_is_set: "false",
    });
    expect(res.json.node_executor).toEqual(res.json.node_executor_settings);
    expect(res.json.node_executor_options.provider_options).toEqual([{ value: "kubernetes", label: "Kubernetes" }]);
    expect(res.json.node_executor_settings).not.toHaveProperty("k8s_kubeconfig");
    const effective = await call(`${BASE}/effective`);
    expect(effective.json.node_executor).toEqual(res.json.node_executor_settings);
  });
});

describe("POST /api/settings/runtime/node-executor", () => {
  it("changes only the keys it names", async () => {
    const first = await call(BASE, { method: "POST", body: { execution_timeout_seconds: 600, k8s_in_cluster: true } });
    expect(first.status).toBe(200);
    expect(first.json.node_executor_settings).toMatchObject({ execution_timeout_seconds: "600", k8s_in_cluster: "true" });
    const second = await call(BASE, { method: "POST", body: { k8s_namespace: "ark-runs" } });
    expect(second.json).toMatchObject({ ok: true, node_executor_settings: { k8s_namespace: "ark-runs", execution_timeout_seconds: "600", k8s_in_cluster: "true" } });
    const reset = await call(BASE, { method: "POST", body: { execution_timeout_seconds: null } });
    expect(reset.json.node_executor_settings.execution_timeout_seconds).toBe("1800");
  });

  it("reports every invalid field at once in details.fields and writes nothing", async () => {
    const before = (await call(BASE)).json.node_executor_settings;
    const res = await call(BASE, {
      method: "POST",
      body: { k8s_gpu_limit: 99, dispatch_timeout_seconds: "soon", provider: "docker", k8s_image: "x:1", workspace_identity_key: "/tmp/ws", dispatch_timeot_seconds: 5, k8s_namespace: "ok-namespace" },
    });
    expect(res.status).toBe(400);
    expect(res.json.ok).toBe(false);
    expect(res.json.error.code).toBe("ARK_SETTINGS_INVALID");
    expect(res.json.error.request_id).toBe(res.headers["x-request-id"]);
    const fields = res.json.error.details.fields;
    expect(Object.keys(fields).sort()).toEqual(["dispatch_timeot_seconds", "dispatch_timeout_seconds", "k8s_gpu_limit", "k8s_image", "provider", "workspace_identity_key"]);
    expect(fields.provider).toBe("Node executor provider must be kubernetes.");
    expect(fields.dispatch_timeot_seconds).toContain("Did you mean 'dispatch_timeout_seconds'?");
    expect((await call(BASE)).json.node_executor_settings).toEqual(before);
  });

  it("refuses a body that is not an object with invalid_request and the body path", async () => {
    const res = await call(BASE, { method: "POST", body: [1, 2] });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_request");
    expect(res.json.error.details.issues[0].path).toBe("body");
  });

  it("stores the kubeconfig write-only: reads show is_set and a fingerprint, never the content", async () => {
    const set = await call(BASE, { method: "POST", body: { k8s_kubeconfig: KUBECONFIG } });
    expect(set.status).toBe(200);
    expect(set.json.node_executor_settings).toMatchObject({ k8s_kubeconfig_is_set: "true", k8s_kubeconfig_fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{12}$/) });
    expect(set.json.node_executor_settings.k8s_kubeconfig_updated_at).not.toBe("");
    const read = await call(BASE);
    expect(read.json.node_executor_settings.k8s_kubeconfig_is_set).toBe("true");
    expect(read.json.node_executor_settings).not.toHaveProperty("k8s_kubeconfig");
  });

  it("a broken kubeconfig is refused without echoing it; one larger than 1 MiB is a field error, not a 413", async () => {
    const broken = await call(BASE, { method: "POST", body: { k8s_kubeconfig: `users: [ { token: ${SECRET_MARK}` } });
    expect(broken.status).toBe(400);
    expect(broken.json.error.details.fields.k8s_kubeconfig).toMatch(/not valid YAML/);
    const huge = await call(BASE, { method: "POST", body: { k8s_kubeconfig: `a: "${"x".repeat(1100 * 1024)}"` } });
    expect(huge.status).toBe(400);
    expect(huge.json.error.details.fields.k8s_kubeconfig).toMatch(/larger than 1 MiB/);
  });

  it("refuses to store a secret when ARK_SECRET_KEY is not set, saying how to set one", async () => {
    const key = env.ARK_SECRET_KEY;
    delete env.ARK_SECRET_KEY;
    try {
      const res = await call(BASE, { method: "POST", body: { k8s_kubeconfig: KUBECONFIG } });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe("ARK_SECRET_KEY_MISSING");
    } finally {
      env.ARK_SECRET_KEY = key;
    }
  });

  it("clears the kubeconfig on request", async () => {
    const res = await call(BASE, { method: "POST", body: { k8s_kubeconfig_clear: true } });
    expect(res.json.node_executor_settings).toMatchObject({ k8s_kubeconfig_is_set: "false", k8s_kubeconfig_fingerprint: "" });
  });
});

describe("GET /api/settings/runtime/node-executor/history", () => {
  it("lists changes newest first with the API as actor and the secret only as (set)/(cleared)", async () => {
    const res = await call(`${BASE}/history`);
    expect(res.status).toBe(200);
    const history = res.json.history as { version: number; actor: string; changed_at: string; changes: Record<string, { from: unknown; to: unknown }> }[];
    expect(history.length).toBeGreaterThanOrEqual(5);
    expect(history.map((h) => h.version)).toEqual([...history.map((h) => h.version)].sort((a, b) => b - a));
    expect(history.every((h) => h.actor === "api")).toBe(true);
    expect(history[0]!.changes.k8s_kubeconfig).toEqual({ from: "(set)", to: "(cleared)" });
    expect(history[1]!.changes.k8s_kubeconfig).toEqual({ from: null, to: "(set)" });
    expect(history.find((h) => h.changes.k8s_namespace)?.changes.k8s_namespace).toEqual({ from: "default", to: "ark-runs" });
    expect(new Date(history[0]!.changed_at).getTime()).not.toBeNaN();
  });

  it("honours ?limit and refuses a bad one", async () => {
    expect((await call(`${BASE}/history?limit=1`)).json.history).toHaveLength(1);
    const bad = await call(`${BASE}/history?limit=0`);
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.issues[0]).toMatchObject({ path: "querystring.limit" });
  });
});

describe("the kubeconfig", () => {
  it("never appears in any response or log line", async () => {
    responses.push((await call("/api/docs")).text, (await call("/api/health")).text);
    expect(responses.length).toBeGreaterThan(10);
    for (const text of responses) expect(text).not.toContain(SECRET_MARK);
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const line of logs.lines) expect(line).not.toContain(SECRET_MARK);
  });
});
