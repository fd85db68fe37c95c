/**
 * Inside an executor sandbox only `register` runs: the executor entrypoint (a real child process, from source) runs a
 * `task` node with settings from the environment alone (key, OPENAI_BASE_URL) against the local fake.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildExecutorPayload } from "../../core/plugin-api/index.js";
import { llmRequest, openAiReplies, startFakeLlmServer, type FakeLlmServer } from "../../test/fixtures/llm-fakes/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
let fake: FakeLlmServer;

beforeAll(async () => {
  fake = await startFakeLlmServer();
});
afterAll(async () => fake.close());

function runExecutor(payload: unknown, env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "core/execution/executor-main.ts", "--payload-json", JSON.stringify(payload)], {
      cwd: root, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout }));
  });
}

it("runs a task node in the executor process with env-only settings and never prints the key", async () => {
  fake.enqueue(openAiReplies.text("{\"greeting\": \"hi from the sandbox\"}"));
  const request = { ...llmRequest({ task_prompt: "Greet", provider: "openai" }), enabled_providers: [], idempotency_key: "k", attempt: 1 };
  const payload = buildExecutorPayload(request, { dispatcherId: "process", executorClass: "frontier", requestId: "req-1" });
  const { code, stdout } = await runExecutor(payload, {
    OPENAI_API_KEY: "sk-sandbox-secret-42", OPENAI_BASE_URL: fake.url, ARK_EXECUTOR_PLUGIN_MODULES: JSON.stringify(["./plugins/executor-frontier"]), ARK_EXECUTOR_PLUGIN_BASE_DIR: root,
  });
  expect(code).toBe(0);
  const line = stdout.split("\n").find((l) => l.startsWith("ARK_EXECUTOR_RESULT_JSON="))!;
  const result = JSON.parse(line.slice("ARK_EXECUTOR_RESULT_JSON=".length));
  expect(result).toMatchObject({ status: "success", output_state: { provider: "openai", structured_output: { greeting: "hi from the sandbox" } } });
  expect(fake.requests[0]!.headers.authorization).toBe("Bearer sk-sandbox-secret-42");
  expect(stdout).not.toContain("sk-sandbox-secret-42");
});
