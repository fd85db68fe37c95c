// The kubernetes dispatcher against the API simulator (real HTTP, real child-process "pods"): the dispatch lifecycle,
// tool calls back to the kernel through the tool host, API and configuration errors, the plugin-set hash check and
// the `ark doctor` preflight. One kernel for the file.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { coreServices, pluginSetHash, type ExecutionResult, type PreflightCheckResult } from "../../core/plugin-api/index.js";
import { PREFLIGHT_CHECK_ID } from "./index.js";
import { fixtureRequest, startHarness, toolCalls, until, type Harness } from "./test-support.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(async () => {
  await h?.close();
});
beforeEach(() => {
  h.configure();
  h.sim.setGraceKill(true);
  h.sim.clearDenials();
});

const meta = (result: ExecutionResult) => result.run_metadata as Record<string, any>;
const dispatch = (executionId: string, config: Record<string, unknown> = {}, signal = new AbortController().signal, executorClass = "frontier") =>
  h.dispatcher.dispatch(fixtureRequest(executionId, config), { executorClass, signal });

const tokenSecretOf = (job: string) => h.sim.list("secrets", "ark-runs").find((s) => s.metadata.name === `${job}-token`);
const decoded = (value: string | undefined) => Buffer.from(value ?? "", "base64").toString("utf8");

const preflight = async (): Promise<PreflightCheckResult[]> => {
  const check = h.kernel.get(coreServices.registries).preflightChecks.require(PREFLIGHT_CHECK_ID);
  return [await check.run(new AbortController().signal)].flat();
};

describe("kubernetes dispatcher: success path", () => {
  it("runs the fixture executor as a Job, reads its result, and the ConfigMap is owned by the Job", async () => {
    const states: string[] = [];
    const request = fixtureRequest("ok-1", { fixture_mode: "success", fixture_echo_env: ["ARK_FIXTURE_SECRET", "ARK_FIXTURE_PLAIN", "ARK_TOOLHOST_URL", "ARK_TOOLHOST_TOKEN"] });
    const result = await h.dispatcher.dispatch(request, { executorClass: "frontier", signal: new AbortController().signal, onDispatchState: (state) => states.push(state) });
    expect(result.status).toBe("success");
    expect(states).toEqual(["dispatch_submitted", "dispatch_confirmed"]);
    expect(result.output_state).toMatchObject({ node_type: "task", message: "fixture ok", request_id: "req-ok-1" });
    // The secret reached the process through secretKeyRef...
    expect(result.output_state.env).toMatchObject({ ARK_FIXTURE_SECRET: "s3cr3t-from-secret", ARK_FIXTURE_PLAIN: "plain-value", ARK_TOOLHOST_URL: h.apiUrl });
    const m = meta(result);
    expect(m).toMatchObject({ dispatch_status: "dispatch_confirmed", dispatch_uncertain: false, selected_provider: "kubernetes", k8s_namespace: "ark-runs" });
    expect(m.provider_dispatch_id).toBe(`kubernetes:ark-runs/${m.k8s_job_name}`);
    expect(m.k8s_pod_name).toMatch(new RegExp(`^${m.k8s_job_name}-`));
    const [job] = h.sim.list("jobs", "ark-runs").filter((j) => j.metadata.name === m.k8s_job_name);
    // ...and was never copied into the Job spec.
    expect(JSON.stringify(job)).not.toContain("s3cr3t");
    const cm = h.sim.list("configmaps", "ark-runs").find((c) => c.metadata.name === `${m.k8s_job_name}-payload`)!;
    expect(cm.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "Job", name: job!.metadata.name, uid: job!.metadata.uid })]);
    // The node run's tool-host token: in a Secret owned by the Job, in the pod's env, never in the Job or pod spec.
    const secret = tokenSecretOf(m.k8s_job_name)!;
    const token = decoded(secret.data?.token);
    expect(token.length).toBeGreaterThan(20);
    expect((result.output_state.env as Record<string, unknown>).ARK_TOOLHOST_TOKEN).toBe(token);
    expect(secret.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "Job", name: job!.metadata.name, uid: job!.metadata.uid })]);
    const env = job!.spec.template.spec.containers[0].env as Record<string, unknown>[];
    expect(env).toContainEqual({ name: "ARK_TOOLHOST_TOKEN", valueFrom: { secretKeyRef: { name: `${m.k8s_job_name}-token`, key: "token" } } });
    expect(env).toContainEqual({ name: "ARK_TOOLHOST_URL", value: h.apiUrl });
    const pods = h.sim.list("pods", "ark-runs").filter((p) => p.metadata.name === m.k8s_pod_name);
    for (const spec of [job, ...pods]) expect(JSON.stringify(spec)).not.toContain(token);
    expect(JSON.parse(cm.data!["payload.json"]!)).toMatchObject({ contract_version: "v1", provider: "kubernetes", node_execution: { executor_class: "frontier" } });
  });

  it("runs the real executor entrypoint and accepts its plugin-set hash", async () => {
    await h.settings.update({ k8s_frontier_image: "ark-executor-frontier:real" }, "test");
    try {
      h.configure({ expectedPluginSetHash: pluginSetHash([]) });
      const request = { ...fixtureRequest("real-1"), node_type: "start" };
      const result = await h.dispatcher.dispatch(request, { executorClass: "frontier", signal: new AbortController().signal });
      expect(result.error ? `${result.error.message} ${String(result.stdout)}` : null).toBeNull();
      expect(result.status).toBe("success");
      expect(result.output_state).toMatchObject({ node_type: "start" });
      expect(meta(result).dispatch_status).toBe("dispatch_confirmed");
    } finally {
      await h.settings.update({ k8s_frontier_image: "ark-executor-frontier:fixture" }, "test");
    }
  }, 90_000);

  it("a second dispatch of the same node run adopts the existing Job instead of creating another", async () => {
    const first = await dispatch("dup-1", { fixture_mode: "success" });
    const second = await dispatch("dup-1", { fixture_mode: "success" });
    expect(second.status).toBe("success");
    expect(meta(second)).toMatchObject({ k8s_job_adopted: true, k8s_job_name: meta(first).k8s_job_name });
    const job = meta(first).k8s_job_name as string;
    expect(h.sim.events.filter((e) => e.type === "pod-created" && e.name.startsWith(job))).toHaveLength(1);
    // The existing token Secret is tolerated as it is (409 on create), not replaced.
    expect(h.sim.requests.filter((r) => r === "POST /api/v1/namespaces/ark-runs/secrets")).not.toHaveLength(0);
    expect(h.sim.list("secrets", "ark-runs").filter((x) => x.metadata.name === `${job}-token`)).toHaveLength(1);
  });

  it("a pod log fault while watching is retried", async () => {
    h.sim.injectFault({ verb: "list", resource: "pods", count: 1 });
    const result = await dispatch("fault-1", { fixture_mode: "success" });
    expect(result.status).toBe("success");
  });

  it("deleting the Job collects its payload ConfigMap (ownerReferences)", async () => {
    const result = await dispatch("gc-1", { fixture_mode: "success" });
    const job = meta(result).k8s_job_name as string;
    await h.dispatcher.cancel(`kubernetes:ark-runs/${job}`, { force: true });
    expect(h.sim.list("jobs", "ark-runs").map((j) => j.metadata.name)).not.toContain(job);
    expect(h.sim.list("configmaps", "ark-runs").map((c) => c.metadata.name)).not.toContain(`${job}-payload`);
    expect(h.sim.events).toContainEqual(expect.objectContaining({ type: "configmap-collected", name: `${job}-payload` }));
    expect(tokenSecretOf(job)).toBeUndefined();
    expect(h.sim.events).toContainEqual(expect.objectContaining({ type: "secret-collected", name: `${job}-token` }));
  });
});

describe("kubernetes dispatcher: tools through the tool host", () => {
  it("a node in a pod calls a tool back on the kernel with its node-run token, scoped to its tool domains", async () => {
    await h.settings.update({ k8s_frontier_image: "ark-executor-frontier:tools" }, "test");
    try {
      const request = { ...fixtureRequest("tool-1", { value: "colour", tool_domains: ["memory"] }), node_type: "exec_tool" };
      const result = await h.dispatcher.dispatch(request, { executorClass: "frontier", signal: new AbortController().signal });
      expect(result.error ? `${result.error.message} ${String(result.stdout)}` : null).toBeNull();
      expect(result.output_state).toMatchObject({ listed: ["memory.get"], tool_status: "success", tool_output: { key: "colour", value: "value of colour" } });
      expect(toolCalls.at(-1)).toMatchObject({ input: { key: "colour" }, scope: { node_run_id: "tool-1", node_id: "node-1", flowchart_run_id: "run-1", dispatcher: "kubernetes" } });
      // Without `tool_domains` the token only allows the node type's own domain (the process dispatcher's scope):
      // memory is neither listed nor callable (403, a failed tool result), and the kernel's handler never runs.
      const refused = await h.dispatcher.dispatch({ ...fixtureRequest("tool-2", { value: "colour" }), node_type: "exec_tool" }, { executorClass: "frontier", signal: new AbortController().signal });
      expect(refused.output_state).toMatchObject({ listed: [], tool_status: "failed", tool_output: null });
      expect(toolCalls).toHaveLength(1);
    } finally {
      await h.settings.update({ k8s_frontier_image: "ark-executor-frontier:fixture" }, "test");
    }
  }, 90_000);

  it("sends the configured toolHostUrl (the kernel as pods reach it) instead of the kernel's own callback URL", async () => {
    h.configure({ toolHostUrl: "http://ark-kernel.ark.svc.cluster.local:8080" });
    const result = await dispatch("tool-url-1", { fixture_mode: "success", fixture_echo_env: ["ARK_TOOLHOST_URL"] });
    expect(result.output_state.env).toEqual({ ARK_TOOLHOST_URL: "http://ark-kernel.ark.svc.cluster.local:8080" });
  });

  it("without a tool-host issuer (tooling off) creates no Secret and sets no tool-host env", async () => {
    h.configure({}, { toolHost: false });
    const result = await dispatch("no-tools-1", { fixture_mode: "success", fixture_echo_env: ["ARK_TOOLHOST_URL", "ARK_TOOLHOST_TOKEN"] });
    expect(result.status).toBe("success");
    expect(result.output_state.env).toEqual({ ARK_TOOLHOST_URL: null, ARK_TOOLHOST_TOKEN: null });
    const job = meta(result).k8s_job_name as string;
    expect(tokenSecretOf(job)).toBeUndefined();
    expect(JSON.stringify(h.sim.list("jobs", "ark-runs").find((j) => j.metadata.name === job))).not.toContain("ARK_TOOLHOST");
  });
});

describe("kubernetes dispatcher: failures", () => {
  it("passes an executor's failed result through, confirmed", async () => {
    const result = await dispatch("fail-1", { fixture_mode: "fail" });
    expect(result.status).toBe("failed");
    expect(result.error).toMatchObject({ code: "execution_error", message: "fixture failure" });
    expect(meta(result)).toMatchObject({ dispatch_status: "dispatch_confirmed", dispatch_uncertain: false });
  });

  it("a crash before the start marker fails closed: dispatch_failed, uncertain", async () => {
    const result = await dispatch("crash-1", { fixture_mode: "no-start" });
    expect(result.status).toBe("failed");
    expect(result.error?.code).toBe("dispatch_error");
    expect(result.error?.message).toContain("without an executor start marker");
    expect(meta(result)).toMatchObject({ dispatch_status: "dispatch_failed", dispatch_uncertain: true });
    expect(String(result.stdout)).toContain("crashing before the start marker");
  });

  it("a missing or malformed result line is a typed failure, confirmed and uncertain", async () => {
    const missing = await dispatch("nores-1", { fixture_mode: "no-result" });
    expect(missing.error).toMatchObject({ code: "execution_error", details: { problem: "result_missing" } });
    expect(meta(missing)).toMatchObject({ dispatch_status: "dispatch_confirmed", dispatch_uncertain: true });
    const malformed = await dispatch("bad-1", { fixture_mode: "malformed" });
    expect(malformed.error).toMatchObject({ code: "execution_error", details: { problem: "result_malformed" } });
  });

  it("an image that never pulls is a dispatch timeout naming ImagePullBackOff, and the Job is deleted", async () => {
    await h.settings.update({ k8s_frontier_image: "registry.invalid/missing:1" }, "test");
    try {
      h.configure({ timeouts: { dispatchSeconds: 0.6, executionSeconds: 60, logCollectionSeconds: 5, cancelGraceSeconds: 1 } });
      const result = await dispatch("pull-1", { fixture_mode: "success" });
      expect(result.status).toBe("timeout");
      expect(result.error?.code).toBe("dispatch_timeout");
      expect(result.error?.message).toMatch(/ImagePullBackOff|ErrImagePull/);
      expect(meta(result)).toMatchObject({ dispatch_status: "dispatch_failed", dispatch_uncertain: false, api_failure_category: "image_pull_failed" });
      expect(h.sim.list("jobs", "ark-runs").map((j) => j.metadata.name)).not.toContain(meta(result).k8s_job_name);
    } finally {
      await h.settings.update({ k8s_frontier_image: "ark-executor-frontier:fixture" }, "test");
    }
  });

  it("an executor running past the execution timeout is stopped (SIGTERM) and answers execution_timeout", async () => {
    h.configure({ timeouts: { dispatchSeconds: 60, executionSeconds: 0.5, logCollectionSeconds: 5, cancelGraceSeconds: 2 } });
    const result = await dispatch("slow-1", { fixture_mode: "sleep" });
    expect(result.status).toBe("timeout");
    expect(result.error?.code).toBe("execution_timeout");
    expect(meta(result)).toMatchObject({ dispatch_status: "dispatch_confirmed", k8s_cancel: { graceful: true, forced: false } });
    const pod = meta(result).k8s_pod_name as string;
    expect(h.sim.events).toContainEqual(expect.objectContaining({ type: "pod-signalled", name: pod, detail: expect.objectContaining({ signal: "SIGTERM" }) }));
  });

  it("cancel deletes with grace first, then by force when the pod ignores SIGTERM", async () => {
    h.sim.setGraceKill(false);
    h.configure({ timeouts: { dispatchSeconds: 60, executionSeconds: 60, logCollectionSeconds: 5, cancelGraceSeconds: 0.4 } });
    const controller = new AbortController();
    const pending = dispatch("cancel-1", { fixture_mode: "ignore-sigterm" }, controller.signal);
    // Cancel once the executor is up (its SIGTERM handler installed): the start marker is in its log.
    const podName = () => h.sim.list("pods", "ark-runs").find((p) => p.metadata.name.startsWith("ark-exec-cancel-1-"))?.metadata.name ?? "";
    await until(() => h.sim.podLog(podName(), "ark-runs").includes("ARK_EXECUTOR_STARTED"));
    controller.abort();
    const result = await pending;
    expect(result.status).toBe("cancelled");
    expect(result.error?.code).toBe("cancelled");
    expect(meta(result).k8s_cancel).toMatchObject({ graceful: false, forced: true, remainingPods: 0 });
    const pod = meta(result).k8s_pod_name as string;
    const signals = h.sim.events.filter((e) => e.type === "pod-signalled" && e.name === pod).map((e) => e.detail?.signal);
    expect(signals[0]).toBe("SIGTERM");
    expect(signals).toContain("SIGKILL");
    expect(h.sim.requests).toContainEqual(expect.stringMatching(new RegExp(`^DELETE /api/v1/namespaces/ark-runs/pods/${pod}\\?gracePeriodSeconds=0`)));
  });
});

describe("kubernetes dispatcher: API and configuration errors", () => {
  it("a 403 on creating the Job fails the dispatch with ARK_K8S_FORBIDDEN and creates nothing", async () => {
    h.sim.deny({ verb: "create", resource: "jobs" });
    const result = await dispatch("forbidden-1", { fixture_mode: "success" });
    expect(result.status).toBe("failed");
    expect(result.error).toMatchObject({ code: "dispatch_error", retryable: false, details: { ark_code: "ARK_K8S_FORBIDDEN", status: 403 } });
    expect(result.error?.message).toContain('cannot create resource "jobs" in API group "batch"');
    expect(meta(result)).toMatchObject({ dispatch_status: "dispatch_failed", dispatch_uncertain: false, provider_dispatch_id: null });
    expect(h.sim.list("jobs", "ark-runs").some((j) => j.metadata.name.startsWith("ark-exec-forbidden-1-"))).toBe(false);
  });

  it("a 403 on the ConfigMap deletes the Job it just created (no Job without its payload)", async () => {
    h.sim.deny({ verb: "create", resource: "configmaps" });
    const result = await dispatch("forbidden-2", { fixture_mode: "success" });
    expect(result.error?.details).toMatchObject({ ark_code: "ARK_K8S_FORBIDDEN" });
    expect(meta(result).dispatch_status).toBe("dispatch_failed");
    expect(h.sim.list("jobs", "ark-runs").some((j) => j.metadata.name.startsWith("ark-exec-forbidden-2-"))).toBe(false);
    expect(h.sim.events.some((e) => e.type === "pod-started" && e.name.startsWith("ark-exec-forbidden-2-"))).toBe(false);
  });

  it("a 403 on the token Secret deletes the Job it just created (no pod without its token)", async () => {
    h.sim.deny({ verb: "create", resource: "secrets" });
    const result = await dispatch("forbidden-4", { fixture_mode: "success" });
    expect(result.error?.details).toMatchObject({ ark_code: "ARK_K8S_FORBIDDEN" });
    expect(result.error?.message).toContain('cannot create resource "secrets"');
    expect(meta(result)).toMatchObject({ dispatch_status: "dispatch_failed", dispatch_uncertain: false });
    expect(h.sim.list("jobs", "ark-runs").some((j) => j.metadata.name.startsWith("ark-exec-forbidden-4-"))).toBe(false);
    expect(h.sim.events.some((e) => e.type === "pod-started" && e.name.startsWith("ark-exec-forbidden-4-"))).toBe(false);
  });

  it("a 403 while watching (pods/log) fails with ARK_K8S_FORBIDDEN, uncertain, and deletes the Job", async () => {
    h.sim.deny({ verb: "get", resource: "pods", subresource: "log" });
    const result = await dispatch("forbidden-3", { fixture_mode: "sleep" });
    expect(result.error).toMatchObject({ code: "dispatch_error", details: { ark_code: "ARK_K8S_FORBIDDEN" } });
    expect(meta(result)).toMatchObject({ dispatch_status: "dispatch_failed", dispatch_uncertain: true, api_failure_category: "auth_error" });
    expect(h.sim.list("jobs", "ark-runs").some((j) => j.metadata.name.startsWith("ark-exec-forbidden-3-"))).toBe(false);
  });

  it("a Job of the same name with another payload is a conflict, never reused", async () => {
    await dispatch("conflict-1", { fixture_mode: "success" });
    const result = await dispatch("conflict-1", { fixture_mode: "success", changed: true });
    expect(result.error?.details).toMatchObject({ ark_code: "ARK_K8S_CONFLICT" });
    expect(meta(result).dispatch_status).toBe("dispatch_failed");
  });

  it("no kubeconfig and not in-cluster: ARK_K8S_CONFIG_MISSING before anything is sent", async () => {
    h.configure({ kubeconfigPath: undefined });
    const before = h.sim.requests.length;
    const result = await dispatch("noconfig-1");
    expect(result.error).toMatchObject({ code: "dispatch_error", details: { ark_code: "ARK_K8S_CONFIG_MISSING" } });
    expect(meta(result)).toMatchObject({ dispatch_status: "dispatch_failed", api_failure_category: "config_error" });
    expect(h.sim.requests.length).toBe(before);
  });

  it("a plugin-set hash other than the expected one fails with ARK_EXECUTOR_PLUGIN_SET_MISMATCH and stops the Job", async () => {
    h.configure({ expectedPluginSetHash: "a".repeat(64) });
    const result = await dispatch("hash-1", { fixture_mode: "sleep", fixture_hash: "b".repeat(64) });
    expect(result.error).toMatchObject({ code: "dispatch_error", details: { ark_code: "ARK_EXECUTOR_PLUGIN_SET_MISMATCH", expected: "a".repeat(64), reported: "b".repeat(64) } });
    expect(meta(result)).toMatchObject({ dispatch_status: "dispatch_failed", dispatch_uncertain: true });
    expect(h.sim.list("jobs", "ark-runs").some((j) => j.metadata.name.startsWith("ark-exec-hash-1-"))).toBe(false);
  });

  it("takes the expected hash from the class's setting (k8s_frontier_plugin_set_hash) over the plugin config", async () => {
    h.configure({ expectedPluginSetHash: "b".repeat(64) });
    await h.settings.update({ k8s_frontier_plugin_set_hash: "c".repeat(64) }, "test");
    try {
      const result = await dispatch("hash-2", { fixture_mode: "sleep", fixture_hash: "b".repeat(64) });
      expect(result.error).toMatchObject({ details: { ark_code: "ARK_EXECUTOR_PLUGIN_SET_MISMATCH", expected: "c".repeat(64), reported: "b".repeat(64) } });
    } finally {
      await h.settings.update({ k8s_frontier_plugin_set_hash: null }, "test");
    }
  });
});

describe("kubernetes preflight (ark doctor)", () => {
  it("passes every check against a cluster that allows everything", async () => {
    const results = await preflight();
    expect(results.map((r) => r.status)).toEqual(["ok", "ok", "ok", "ok", "ok", "ok", "ok"]);
    expect(results.at(-1)!.detail).toBe("kubernetes permission secrets: create allowed in ark-runs");
    expect(results[0]!.detail).toContain("v1.31.0-ark-simulator");
    expect(results[1]!.detail).toBe("kubernetes namespace ark-runs exists");
  });

  it("names each missing permission with the RBAC rule that fixes it", async () => {
    h.sim.deny({ verb: "get", resource: "pods", subresource: "log" });
    h.sim.deny({ verb: "delete", resource: "configmaps" });
    h.sim.deny({ verb: "create", resource: "secrets" });
    const failed = (await preflight()).filter((r) => r.status === "fail");
    expect(failed.map((r) => r.detail)).toEqual([
      "kubernetes permission pods/log: get denied in ark-runs", "kubernetes permission configmaps: delete denied in ark-runs", "kubernetes permission secrets: create denied in ark-runs",
    ]);
    expect(failed[0]!.hint).toContain('resources: ["pods/log"], verbs: ["get"]');
    expect(failed[1]!.hint).toContain('resources: ["configmaps"], verbs: ["delete"]');
    expect(failed[2]!.hint).toContain('apiGroups: [""], resources: ["secrets"], verbs: ["create"]');
  });

  it("reports a missing namespace and an unreachable API server", async () => {
    await h.settings.update({ k8s_namespace: "nowhere" }, "test");
    try {
      const namespace = (await preflight()).find((r) => r.detail.startsWith("kubernetes namespace"));
      expect(namespace).toMatchObject({ status: "fail", detail: "kubernetes namespace nowhere: does not exist" });
      expect(namespace!.hint).toContain("kubectl create namespace nowhere");
    } finally {
      await h.settings.update({ k8s_namespace: "ark-runs" }, "test");
    }
    const dir = mkdtempSync(join(tmpdir(), "ark-k8s-closed-"));
    try {
      const closed = h.sim.kubeconfig().replace(h.sim.url, "http://127.0.0.1:1");
      writeFileSync(join(dir, "kubeconfig.yaml"), closed);
      h.configure({ kubeconfigPath: join(dir, "kubeconfig.yaml"), apiTimeoutMs: 2000 });
      const results = await preflight();
      expect(results[0]).toMatchObject({ status: "fail" });
      expect(results[0]!.detail).toContain("kubernetes API reachable: no");
      expect(results.every((r) => r.status === "fail")).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("without any kube configuration it fails with the fix", async () => {
    h.configure({ kubeconfigPath: undefined });
    const results = await preflight();
    expect(results).toEqual([expect.objectContaining({ status: "fail", detail: expect.stringContaining("requires a kubeconfig") })]);
    expect(results[0]!.hint).toContain("k8s_kubeconfig");
  });
});
