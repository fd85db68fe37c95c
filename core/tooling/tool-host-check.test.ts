/**
 * The `tool host` preflight check: ok against a booted kernel whose API listens (and in the migration module's
 * preflight, as `ark doctor` runs it); fail — with a hint naming the config — when the API does not listen, the URL
 * is a closed port, the API refuses the token, answers something that is not ARK's tool host, or never answers.
 */
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiServerRef } from "../api/api-server-port.js";
import { flowMigrationRef } from "../migration/index.js";
import { coreServices } from "../plugin-api/core-services.js";
import { definePlugin } from "../plugin-api/plugin.js";
import { startTestKernel, type TestKernel } from "../testing/index.js";
import { NodeRunTokenSigner } from "./node-run-token.js";
import { checkToolHost, TOOL_HOST_CHECK_ID, type ToolHostProbe } from "./tool-host-check.js";

const probePlugin = definePlugin({
  id: "tools-probe", version: "1.0.0", kernel: "^1.0.0", requires: ["tooling-api", "migration"],
  register: (r) => r.toolDomain({
    id: "probe",
    operations: {
      echo: { input: { type: "object" }, handler: async (input: unknown) => input },
      again: { input: { type: "object" }, handler: async (input: unknown) => input },
    },
  }),
});

const signer = new NodeRunTokenSigner();
const probeAt = (url: string | null, extra: Partial<ToolHostProbe> = {}): ToolHostProbe => ({
  callbackUrl: () => url, issueToken: (scope, ttl) => signer.issue(scope, ttl), catalogue: () => [], ...extra,
});

async function listening<T extends Server | NetServer>(server: T): Promise<{ server: T; url: string }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const close = (server: Server | NetServer) => new Promise<void>((resolve) => server.close(() => resolve()));

describe("tool host preflight check", () => {
  let kernel: TestKernel;
  let apiUrl: string;

  beforeAll(async () => {
    kernel = await startTestKernel({ plugins: [probePlugin], config: { api: { port: 0 }, kernel: { pluginTimeoutMs: 60_000 } } });
    apiUrl = kernel.get(apiServerRef).address()!.url;
  }, 60_000);
  afterAll(async () => kernel?.stop());

  it("is contributed by tooling-api and answers ok over real HTTP with the catalogue's size and the latency", async () => {
    const check = kernel.get(coreServices.registries).preflightChecks.get(TOOL_HOST_CHECK_ID)!;
    expect(kernel.get(coreServices.registries).preflightChecks.ownerOf(TOOL_HOST_CHECK_ID)).toBe("tooling-api");
    const result = await check.run(new AbortController().signal);
    expect(result).toEqual({
      status: "ok",
      detail: expect.stringMatching(new RegExp(`^${apiUrl.replace(/[.]/g, "\\.")} answered in \\d+\\.\\d ms with a node-run token; \\d+ tool operation\\(s\\) in \\d+ domain\\(s\\), none visible`)),
    });
    expect((result as { detail: string }).detail).toMatch(/[2-9]\d* tool operation/);
  });

  it("runs in the migration module's preflight (what `ark doctor` and `ark cutover enable` print), after the core checks", async () => {
    const results = await kernel.get(flowMigrationRef).preflight();
    expect(results.map((r) => r.name)).toEqual(["redis", "flow migrations", "executor images", "cutover", "tool host"]);
    expect(results.find((r) => r.name === "tool host")).toMatchObject({ status: "ok" });
  });

  it("fails with the config to look at when the API does not listen, or the URL is a closed port", async () => {
    const unset = await checkToolHost(probeAt(null));
    expect(unset).toMatchObject({ status: "fail", detail: expect.stringContaining("the API is not listening in this kernel") });
    expect(unset.hint).toContain("api.host:api.port");
    expect(unset.hint).toContain("dispatch-kubernetes `toolHostUrl`");

    const { server, url } = await listening(createNetServer());
    await close(server);
    const refused = await checkToolHost(probeAt(url));
    expect(refused).toMatchObject({ status: "fail", detail: `GET ${url}/api/internal/tool-host/tools: connection refused (nothing listens there)` });
    expect(refused.hint).toContain("api.host:api.port");
  });

  it("fails when the API refuses the token (non-2xx, with the error code)", async () => {
    const foreign = await checkToolHost(probeAt(apiUrl));
    expect(foreign).toMatchObject({ status: "fail", detail: expect.stringMatching(/answered HTTP 401 \[ARK_TOOL_TOKEN_INVALID\] The token's signature does not match\./) });
    expect(foreign.hint).toContain("tooling.tokenSecret");
  });

  it("fails when the URL is not ARK's tool host, when a no-domain token is shown tools, and on a timeout", async () => {
    const answers: Record<string, unknown> = { "/plain/api/internal/tool-host/tools": { hello: true }, "/leaky/api/internal/tool-host/tools": { ok: true, tools: [{ domain: "x" }] } };
    const { server, url } = await listening(createHttpServer((req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answers[req.url ?? ""] ?? {}))));
    const silent = await listening(createNetServer(() => undefined));
    try {
      expect(await checkToolHost(probeAt(`${url}/plain`))).toMatchObject({ status: "fail", detail: expect.stringContaining("without a tool list") });
      expect(await checkToolHost(probeAt(`${url}/leaky/`))).toMatchObject({ status: "fail", detail: expect.stringContaining("listed 1 tool(s) to a token scoped to no tool domain") });
      const slow = await checkToolHost(probeAt(silent.url, { timeoutMs: 200 }));
      expect(slow).toMatchObject({ status: "fail", detail: `GET ${silent.url}/api/internal/tool-host/tools: no answer within 200 ms` });
    } finally {
      server.closeAllConnections();
      await close(server);
      silent.server.close();
    }
  });
});
