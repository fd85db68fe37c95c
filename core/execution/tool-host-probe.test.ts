import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArkError } from "../errors/index.js";
import type { ToolHost } from "../plugin-api/contributions.js";
import { parseExecutorOutput } from "./executor-markers.js";
import { runExecutor } from "./executor-run.js";
import { runToolHostProbe, TOOL_HOST_PROBE_NODE_TYPE } from "./tool-host-probe.js";

const env = { ARK_TOOLHOST_URL: "http://tools.example:8080/", ARK_TOOLHOST_TOKEN: "t" };
const host = (describe: ToolHost["describe"]): ToolHost => ({ describe, invoke: async () => { throw new Error("the probe never calls a tool"); } });

describe("tool-host probe (executor side)", () => {
  it("answers success with what the tool host listed", async () => {
    const result = await runToolHostProbe(host(async () => []), env);
    expect(result).toMatchObject({ status: "success", output_state: { node_type: TOOL_HOST_PROBE_NODE_TYPE, tool_host_url: env.ARK_TOOLHOST_URL, tools_listed: 0 } });
  });

  it("tells apart no credentials, a refusal with its HTTP status, and no answer at all", async () => {
    expect((await runToolHostProbe(host(async () => []), {})).error).toMatchObject({ code: "tool_host_unavailable" });
    const refused = await runToolHostProbe(host(async () => { throw new ArkError("ARK_INTERNAL", "bad token", { details: { status: 401, code: "unauthorized" } }); }), env);
    expect(refused.error).toMatchObject({ code: "tool_host_refused", message: "GET http://tools.example:8080/api/internal/tool-host/tools from the executor answered HTTP 401 [unauthorized]: bad token" });
    const down = await runToolHostProbe(host(async () => { throw Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED", message: "connect ECONNREFUSED" } }); }), env);
    expect(down.error).toMatchObject({ code: "tool_host_unreachable", message: expect.stringContaining("failed: ECONNREFUSED: connect ECONNREFUSED") });
  });
});

describe("tool-host probe through the executor entrypoint", () => {
  let server: Server;
  let url: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true, tools: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
  });

  it("every executor answers the probe without a plugin for it, calling the tool host with its token", async () => {
    const payload = {
      contract_version: "v1", provider: "kubernetes", request_id: "probe",
      node_execution: { executor_class: "frontier", request: { contract_version: "v1", node_id: "p", node_type: TOOL_HOST_PROBE_NODE_TYPE, node_config: { tool_domains: [] }, input_context: {}, execution_id: "probe-1", execution_index: 1 } },
    };
    let text = "";
    const code = await runExecutor({
      argv: ["--payload-json", JSON.stringify(payload)], env: { ARK_TOOLHOST_URL: url, ARK_TOOLHOST_TOKEN: "node-run-token" }, stdin: null,
      stdout: { write: (t: string) => (text += t) }, stderr: { write: () => true }, plugins: [],
    });
    expect(code).toBe(0);
    expect(parseExecutorOutput(text).result).toMatchObject({ status: "success", output_state: { tool_host_url: url, tools_listed: 0 } });
    expect(seen).toEqual(["GET /api/internal/tool-host/tools Bearer node-run-token"]);
  });
});
