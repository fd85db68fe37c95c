import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import executorTestPlugin from "../../test/fixtures/executor-test-plugin.js";
import { parseExecutorOutput } from "./executor-markers.js";
import { runExecutor, type ExecutorIo } from "./executor-run.js";
import { pluginSetHash } from "./plugin-set-hash.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixture = path.join(root, "test/fixtures/executor-test-plugin.ts");
const dir = mkdtempSync(path.join(tmpdir(), "ark-executor-"));

function payload(nodeType: string, config: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    contract_version: "v1", provider: "process", request_id: "req-1", ...extra,
    node_execution: { executor_class: "frontier", request: { contract_version: "v1", node_id: "n1", node_type: nodeType, node_config: config, input_context: {}, execution_id: "7", execution_index: 1 } },
  };
}

async function run(io: Partial<ExecutorIo>): Promise<{ code: number; text: string; parsed: ReturnType<typeof parseExecutorOutput> }> {
  let text = "";
  const code = await runExecutor({ argv: [], env: {}, stdin: null, stdout: { write: (t: string) => (text += t) }, stderr: { write: () => true }, plugins: [executorTestPlugin], ...io });
  return { code, text, parsed: parseExecutorOutput(text) };
}

/** Runs the real entrypoint (tsx from source) as a child process. */
function child(args: string[], options: { stdin?: string; env?: Record<string, string>; killAfterStart?: NodeJS.Signals } = {}): Promise<{ code: number | null; parsed: ReturnType<typeof parseExecutorOutput> }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", path.join(root, "core/execution/executor-main.ts"), ...args], {
      cwd: root, env: { PATH: process.env.PATH ?? "", ARK_EXECUTOR_PLUGIN_MODULES: JSON.stringify([fixture]), ...options.env }, stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let killed = false;
    proc.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (options.killAfterStart && !killed && out.includes("executor_started")) killed = proc.kill(options.killAfterStart);
    });
    proc.on("error", reject);
    proc.on("close", (code) => resolve({ code, parsed: parseExecutorOutput(out) }));
    proc.stdin.end(options.stdin ?? "");
  });
}

describe("executor entrypoint (in process)", () => {
  it("takes the payload from the first source present: --payload-file, --payload-json, env file, env json, stdin", async () => {
    const file = path.join(dir, "p.json");
    writeFileSync(file, JSON.stringify(payload("exec_echo", { value: "file" })));
    const json = JSON.stringify(payload("exec_echo", { value: "json" }));
    const envFile = path.join(dir, "env.json");
    writeFileSync(envFile, JSON.stringify(payload("exec_echo", { value: "env-file" })));
    const envJson = JSON.stringify(payload("exec_echo", { value: "env-json" }));
    const env = { ARK_EXECUTOR_PAYLOAD_FILE: envFile, ARK_EXECUTOR_PAYLOAD_JSON: envJson };
    const stdin = [JSON.stringify(payload("exec_echo", { value: "stdin" }))];
    const value = async (io: Partial<ExecutorIo>) => (await run({ stdin, ...io })).parsed.result?.output_state.config_value;
    expect(await value({ argv: ["--payload-file", file, "--payload-json", json], env })).toBe("file");
    expect(await value({ argv: ["--payload-json", json], env })).toBe("json");
    expect(await value({ env })).toBe("env-file");
    expect(await value({ env: { ARK_EXECUTOR_PAYLOAD_JSON: envJson } })).toBe("env-json");
    const fromStdin = await run({ stdin });
    expect([fromStdin.code, fromStdin.parsed.result?.output_state.config_value, fromStdin.parsed.result?.provider_metadata]).toEqual([0, "stdin", expect.objectContaining({ payload_source: "stdin" })]);
    expect(fromStdin.parsed.startInfo?.plugin_set_hash).toBe(pluginSetHash([{ id: "executor-test", version: "1.0.0" }]));
    const output = path.join(dir, "out/result.json");
    await run({ argv: ["--payload-json", json, "--output-file", output] });
    expect(JSON.parse(readFileSync(output, "utf8")).output_state.config_value).toBe("json");
  });

  it("bad inputs answer a typed failed result with exit 1 and no start marker", async () => {
    const cases: [Partial<ExecutorIo>, string, RegExp][] = [
      [{}, "infra_error", /No payload provided/],
      [{ argv: ["--payload-file", path.join(dir, "missing.json")] }, "infra_error", /does not exist/],
      [{ argv: ["--payload-json", "{nope"] }, "validation_error", /payload JSON is invalid/],
      [{ argv: ["--payload-json", JSON.stringify({ contract_version: "v2", command: ["x"] })] }, "validation_error", /v1 executor payload contract/],
      [{ argv: ["--payload-json", JSON.stringify({ contract_version: "v1", command: ["ls"] })] }, "validation_error", /node_execution is required/],
      [{ argv: ["--bogus"] }, "validation_error", /Invalid executor arguments/],
      [{ argv: ["--timeout-seconds", "soon"] }, "validation_error", /positive number/],
    ];
    for (const [io, code, message] of cases) {
      const { code: exit, parsed } = await run(io);
      expect([exit, parsed.started, parsed.result?.status, parsed.result?.error?.code]).toEqual([1, false, "failed", code]);
      expect(parsed.result?.error?.message).toMatch(message);
    }
    const unknown = await run({ argv: ["--payload-json", JSON.stringify(payload("no_such_type"))] });
    expect([unknown.code, unknown.parsed.started, unknown.parsed.result?.error?.code]).toEqual([1, true, "unsupported_node_type"]);
    const broken = await run({ argv: ["--payload-json", JSON.stringify(payload("exec_echo"))], plugins: async () => { throw new Error("cannot import x"); } });
    expect([broken.code, broken.parsed.result?.error?.code, broken.parsed.result?.error?.message]).toEqual([1, "infra_error", "The executor could not load its plugins: cannot import x"]);
  });

  it("falls back to the executor class's contribution for node types without a handler; env hash overrides", async () => {
    const frontier = { id: "frontier-test", version: "0.1.0", kernel: "^1.0.0", runsInExecutor: true,
      register(r: { executor(c: unknown): void; nodeType(c: unknown): void }) {
        r.nodeType({ type: "task" });
        r.executor({ id: "frontier", execute: async (request: { node_type: string }) => ({ contract_version: "v1", status: "success", output_state: { node_type: request.node_type, by: "frontier" }, routing_state: {} }) });
      } };
    const { parsed } = await run({ argv: ["--payload-json", JSON.stringify(payload("task"))], plugins: [frontier as never], env: { ARK_EXECUTOR_PLUGIN_SET_HASH: "f".repeat(64) } });
    expect(parsed.result?.output_state).toEqual({ node_type: "task", by: "frontier" });
    expect(parsed.startInfo?.plugin_set_hash).toBe("f".repeat(64));
  });

  it("times out (124) and is interrupted (130), answering a result either way", async () => {
    const timedOut = await run({ argv: ["--payload-json", JSON.stringify(payload("exec_sleep", {}, { timeout_seconds: 1 })), "--timeout-seconds", "0.05"] });
    expect([timedOut.code, timedOut.parsed.result?.status, timedOut.parsed.result?.error?.code]).toEqual([124, "timeout", "timeout"]);
    const interrupt = new AbortController();
    setTimeout(() => interrupt.abort(), 30);
    const interrupted = await run({ argv: ["--payload-json", JSON.stringify(payload("exec_sleep"))], interrupt: interrupt.signal });
    expect([interrupted.code, interrupted.parsed.started, interrupted.parsed.result?.status]).toEqual([130, true, "cancelled"]);
  });

  describe("tool calls over HTTP", () => {
    const seen: { auth?: string; body?: unknown }[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seen.push({ auth: req.headers.authorization, body: body ? JSON.parse(body) : undefined });
        res.setHeader("content-type", "application/json");
        if (req.headers.authorization !== "Bearer good") return void res.writeHead(401).end(JSON.stringify({ error: { code: "ARK_TOOL_TOKEN_INVALID", message: "bad token" } }));
        if (req.url === "/api/internal/tool-host/tools") return void res.end(JSON.stringify({ tools: [{ domain: "memory", operation: "get", input: {} }] }));
        res.end(JSON.stringify({ ok: true, status: "success", output: { echoed: (JSON.parse(body) as { input: unknown }).input }, warnings: [], trace: {}, replayed: false }));
      });
    });
    let url = "";
    beforeAll(async () => {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("calls the kernel with the node run's bearer token; a refused token fails the node, no tool host fails clearly", async () => {
      const argv = ["--payload-json", JSON.stringify(payload("exec_tool", { value: "k" }))];
      const good = await run({ argv, env: { ARK_TOOLHOST_URL: `${url}/`, ARK_TOOLHOST_TOKEN: "good" } });
      expect(good.parsed.result?.output_state).toMatchObject({ listed: ["memory.get"], tool_output: { echoed: { key: "k" } }, tool_status: "success" });
      expect(seen.at(-1)).toEqual({ auth: "Bearer good", body: { domain: "memory", operation: "get", input: { key: "k" }, idempotency_key: "k1", scope: { node_id: "n1" } } });
      const refused = await run({ argv, env: { ARK_TOOLHOST_URL: url, ARK_TOOLHOST_TOKEN: "bad" } });
      expect([refused.code, refused.parsed.result?.error?.code]).toEqual([1, "execution_error"]);
      expect(refused.parsed.result?.error?.message).toMatch(/bad token/);
      const none = await run({ argv });
      expect(none.parsed.result?.error?.message).toMatch(/No tool host is available to call memory.get/);
    });
  });
});

describe("executor entrypoint (real child processes)", () => {
  it("exit codes 0 / 1 / 124 / 130 with the result as the last line", async () => {
    const [ok, bad, timeout, term] = await Promise.all([
      child([], { stdin: JSON.stringify(payload("exec_echo", { value: 1 })) }),
      child(["--payload-json", "[]"]),
      child(["--payload-json", JSON.stringify(payload("exec_sleep")), "--timeout-seconds", "0.2"]),
      child(["--payload-json", JSON.stringify(payload("exec_sleep"))], { killAfterStart: "SIGTERM" }),
    ]);
    expect([ok.code, ok.parsed.started, ok.parsed.result?.status, ok.parsed.result?.output_state.config_value]).toEqual([0, true, "success", 1]);
    expect([bad.code, bad.parsed.result?.error?.code]).toEqual([1, "validation_error"]);
    expect([timeout.code, timeout.parsed.result?.status]).toEqual([124, "timeout"]);
    expect([term.code, term.parsed.result?.status, term.parsed.result?.error?.code]).toEqual([130, "cancelled", "cancelled"]);
  }, 60_000);
});
