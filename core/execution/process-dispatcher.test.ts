import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import type { ExecutionRequest, ExecutionResult } from "../plugin-api/contributions.js";
import { defaultProcessDispatcherConfig, type ProcessDispatcherConfig } from "./process-config.js";
import { createProcessDispatcher, type ProcessDispatcher } from "./process-dispatcher.js";
import { pluginSetHash } from "./plugin-set-hash.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), "ark-process-dispatch-"));
const bundle = path.join(dir, "bundle", "executor.mjs");
const fixtureHash = pluginSetHash([{ id: "executor-test", version: "1.0.0" }]);

/** Builds a real executor bundle of the test plugin (what `ark bundle` makes), so spawns skip tsx. */
beforeAll(async () => {
  const entry = path.join(dir, "entry.ts");
  writeFileSync(entry, [
    `import { runExecutorProcess } from ${JSON.stringify(path.join(root, "core/execution/executor-process.ts"))};`,
    `import plugin from ${JSON.stringify(path.join(root, "test/fixtures/executor-test-plugin.ts"))};`,
    "await runExecutorProcess([plugin]);",
  ].join("\n"));
  await build({
    entryPoints: [entry], bundle: true, platform: "node", format: "esm", target: "node20", outfile: bundle, logLevel: "silent",
    banner: { js: "import { createRequire as __arkRequire } from 'node:module'; const require = __arkRequire(import.meta.url);" },
  });
  writeFileSync(path.join(dir, "bundle", "bundle.json"), JSON.stringify({ plugin_set_hash: fixtureHash }));
}, 60_000);

let nodeRun = 0;
function request(nodeType: string, config: Record<string, unknown> = {}): ExecutionRequest {
  nodeRun += 1;
  return {
    contract_version: "v1", node_id: "n", node_type: nodeType, node_config: config, input_context: {}, execution_id: String(nodeRun), execution_index: 1,
    flowchart_run_id: "run-1", idempotency_key: `k${nodeRun}`, attempt: 1, request_id: "req",
  };
}

const issued: Record<string, unknown>[] = [];

function dispatcher(config: Partial<ProcessDispatcherConfig> = {}, withToolHost = false): ProcessDispatcher {
  return createProcessDispatcher({
    config: { ...defaultProcessDispatcherConfig, bundle, workspaceRoot: path.join(dir, "ws"), ...config },
    toolHostIssuer: () => (withToolHost ? (scope) => (issued.push({ ...scope }), { url: "http://127.0.0.1:1", token: "node-run-token" }) : null),
    readSettings: async () => ({ dispatch_timeout_seconds: "60", execution_timeout_seconds: "60", cancel_grace_timeout_seconds: "5" }),
    env: { PATH: process.env.PATH, SECRET_TOKEN: "do-not-pass", KEEP_ME: "kept" },
  });
}

const meta = (result: ExecutionResult) => result.run_metadata as Record<string, unknown>;

describe("process dispatcher", () => {
  it("runs nodes in child processes, FIFO behind the concurrency limit, with a scrubbed env and a per-run workspace", async () => {
    const d = dispatcher({ maxConcurrent: 1, envAllowlist: ["KEEP_ME"], env: { FIXED: "1" } }, true);
    const states: string[] = [];
    const go = (r: ExecutionRequest, name: string) => d.dispatch(r, {
      executorClass: "frontier", signal: new AbortController().signal, onDispatchState: (state: string) => states.push(`${name}:${state}`),
    } as never);
    const echo = request("exec_echo", { value: 42 });
    const [a, b] = [go(echo, "a"), go(request("exec_fail"), "b")];
    for (let i = 0; i < 500 && d.slots.waiting === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect([d.slots.active, d.slots.waiting]).toEqual([1, 1]);
    const [ok, failed] = await Promise.all([a, b]);
    expect(states).toEqual(["a:dispatch_submitted", "a:dispatch_confirmed", "b:dispatch_submitted", "b:dispatch_confirmed"]);
    expect(ok.status).toBe("success");
    expect(ok.output_state).toMatchObject({ node_type: "exec_echo", config_value: 42 });
    const env = ok.output_state.env_keys as string[];
    expect(env).toEqual(expect.arrayContaining(["PATH", "KEEP_ME", "FIXED", "ARK_EXECUTOR_PAYLOAD_FILE", "ARK_TOOLHOST_URL", "ARK_TOOLHOST_TOKEN"]));
    expect(issued[0]).toEqual({ flowchart_run_id: "run-1", node_id: "n", node_run_id: String(echo.execution_id), node_type: "exec_echo", execution_index: 1, dispatcher: "process", tool_domains: ["exec_echo"] });
    expect(env).not.toContain("SECRET_TOKEN");
    const workspace = path.join(dir, "ws", "run-1", String(echo.execution_id));
    expect([ok.output_state.cwd, existsSync(path.join(workspace, "payload.json"))]).toEqual([workspace, true]);
    expect(meta(ok)).toMatchObject({ dispatch_status: "dispatch_confirmed", dispatch_uncertain: false, plugin_set_hash: fixtureHash, process_exit_code: 0 });
    expect(meta(ok).provider_dispatch_id).toMatch(/^process:\d+$/);
    expect([failed.status, failed.error?.code, failed.exit_code, meta(failed).dispatch_status]).toEqual(["failed", "execution_error", 3, "dispatch_confirmed"]);
  }, 60_000);

  it("typed timeouts: dispatch (before the start marker) and execution (after it)", async () => {
    const [early, late] = await Promise.all([
      dispatcher({ dispatchTimeoutSeconds: 0.001 }).dispatch(request("exec_echo"), { executorClass: "frontier", signal: new AbortController().signal }),
      dispatcher({ executionTimeoutSeconds: 0.3 }).dispatch(request("exec_sleep"), { executorClass: "frontier", signal: new AbortController().signal }),
    ]);
    expect([early.status, early.error?.code, meta(early).dispatch_status, meta(early).fallback_reason, meta(early).dispatch_uncertain]).toEqual(["failed", "dispatch_error", "dispatch_failed", "dispatch_timeout", false]);
    expect([late.status, late.error?.code, meta(late).dispatch_status, meta(late).terminal_reason]).toEqual(["timeout", "timeout", "dispatch_confirmed", "execution_timeout"]);
  }, 60_000);

  it("cancel: SIGTERM (the executor answers cancelled), or SIGKILL after the grace when it cannot; queued dispatches never spawn", async () => {
    const d = dispatcher({ cancelGraceSeconds: 0.3, maxConcurrent: 2 });
    const run = (nodeType: string) => {
      const controller = new AbortController();
      const pending = d.dispatch(request(nodeType), {
        executorClass: "frontier", signal: controller.signal, onDispatchState: (state: string) => state === "dispatch_confirmed" && setTimeout(() => controller.abort(), 50),
      } as never);
      return { controller, pending };
    };
    const polite = run("exec_sleep");
    const stubborn = run("exec_busy");
    const queued = run("exec_echo");
    queued.controller.abort();
    const [p, s, q] = await Promise.all([polite.pending, stubborn.pending, queued.pending]);
    expect([p.status, meta(p).force_killed, meta(p).process_exit_code]).toEqual(["cancelled", false, 130]);
    expect([s.status, meta(s).force_killed, meta(s).process_exit_signal]).toEqual(["cancelled", true, "SIGKILL"]);
    expect([q.status, meta(q).dispatch_status, meta(q).provider_dispatch_id]).toEqual(["cancelled", "dispatch_failed", undefined]);
  }, 60_000);

  it("fails closed: exit without a result is uncertain; a wrong plugin set is stopped before the node runs", async () => {
    const signal = new AbortController().signal;
    const [vanished, mismatch, missing, garbled, chatty] = await Promise.all([
      dispatcher().dispatch(request("exec_vanish"), { executorClass: "frontier", signal }),
      dispatcher({ expectedPluginSetHash: "0".repeat(64) }).dispatch(request("exec_sleep"), { executorClass: "frontier", signal }),
      dispatcher({ bundle: path.join(dir, "no-such-bundle.mjs") }).dispatch(request("exec_echo"), { executorClass: "frontier", signal }),
      dispatcher().dispatch(request("exec_garble"), { executorClass: "frontier", signal }),
      dispatcher().dispatch(request("exec_chatty"), { executorClass: "frontier", signal }),
    ]);
    expect([garbled.error?.code, (garbled.error?.details as Record<string, unknown>).problem, meta(garbled).dispatch_uncertain]).toEqual(["dispatch_error", "result_malformed", true]);
    expect([chatty.status, chatty.output_state.node_type]).toEqual(["success", "exec_chatty"]);
    expect([vanished.error?.code, (vanished.error as { retryable?: boolean }).retryable, meta(vanished).dispatch_status, meta(vanished).dispatch_uncertain]).toEqual(["dispatch_error", false, "dispatch_failed", true]);
    expect(vanished.error?.message).toMatch(/after its start marker without a readable result \(result_missing\)/);
    expect([mismatch.error?.code, (mismatch.error as { retryable?: boolean }).retryable, meta(mismatch).dispatch_status, meta(mismatch).process_exit_signal]).toEqual(["ARK_EXECUTOR_PLUGIN_SET_MISMATCH", false, "dispatch_failed", "SIGKILL"]);
    expect(mismatch.error?.details).toEqual({ expected: "0".repeat(64), reported: fixtureHash });
    expect([missing.error?.code, meta(missing).dispatch_uncertain]).toEqual(["dispatch_error", true]);
    expect(missing.error?.message).toMatch(/before its start marker/);
    expect(missing.stderr).toMatch(/Cannot find module/);
  }, 60_000);

  it("a duplicate dispatch of the same node run attempt joins the running one, or gets the recorded result: one executor", async () => {
    const d = dispatcher();
    const options = { executorClass: "frontier", signal: new AbortController().signal };
    const same = request("exec_echo", { value: "once" });
    const [first, joined] = await Promise.all([d.dispatch(same, options), d.dispatch(same, options)]);
    const again = await d.dispatch(same, options);
    expect(first.status).toBe("success");
    expect([joined.output_state.pid, again.output_state.pid]).toEqual([first.output_state.pid, first.output_state.pid]);
    expect([meta(first).duplicate_dispatch, meta(again).duplicate_dispatch]).toEqual([undefined, true]);
    const retry = await d.dispatch({ ...same, attempt: 2 }, options);
    expect(retry.output_state.pid).not.toBe(first.output_state.pid);
  }, 60_000);
});
