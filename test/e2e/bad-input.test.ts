/**
 * Bad input never crashes: every HTTP route in /api/docs and every tool operation in GET /api/tools of a kernel booted
 * with runtime.config.yaml's plugins gets malformed ids, out-of-range and non-finite numbers, NUL characters, lone
 * UTF-16 surrogates,
 * wrongly typed fields and a body nested 50,000 deep (and every tool, called in process, an input that deep). Each
 * must answer a 4xx envelope with a code, or a tool failure whose code names the input problem, never a 5xx, and
 * never a database error (which would mean no validation caught the value first). Output side: a command that prints
 * a NUL byte runs to the end of its flow, its text kept with U+FFFD in place of the NUL.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importFlowText, nodeTypeRegistryOf } from "../../core/flow/api/flow-file-import.js";
import { apiServerRef, coreServices, toolHostRef } from "../../core/plugin-api/index.js";
import type { TestKernel } from "../../core/testing/index.js";
import { nestedArrays } from "../support/nested-value.js";
import { startConfiguredKernel } from "./support/configured-kernel.js";

/** Codes that mean a bad value got past validation into the store or the handler. */
const UNCAUGHT = ["ARK_STORE_QUERY_FAILED", "ARK_STORE_VALUE_INVALID", "ARK_INTERNAL", "internal_error"];
const BAD_IDS = ["abc", "-1", "99999999999999999999", "1e400", "%00", "1.5"];
const BAD_QUERY_VALUES = ["abc", "-5", "1e400", "99999999999999999999", "2147483648", "%00", ""];
/** A body nesting arrays 50,000 deep, as text (JSON.stringify itself overflows the stack on such a value). */
const DEEP_BODY = `{"deep":${"[".repeat(50_000)}${"]".repeat(50_000)}}`;
const BAD_VALUES: unknown[] = [null, -1, 1e20, 2147483648, -9007199254740991, "", "a\u0000b", "a\uD800b", [], {}, true, 1.5];

interface Answer {
  readonly status: number;
  readonly json: { ok?: boolean; status?: string; error?: { code?: string } } | undefined;
  readonly text: string;
}

interface Operation {
  readonly parameters?: { name: string; in: string }[];
  readonly requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

interface JsonSchema {
  readonly type?: string | string[];
  readonly properties?: Record<string, JsonSchema>;
  readonly required?: string[];
  readonly enum?: unknown[];
  readonly anyOf?: JsonSchema[];
  readonly minimum?: number;
  readonly minItems?: number;
  readonly items?: JsonSchema;
}

/** A value of the schema's shape, so that one bad field at a time is what a request gets wrong. */
function sample(schema: JsonSchema | undefined): unknown {
  if (!schema) return "x";
  if (schema.enum) return schema.enum[0];
  if (schema.anyOf) return sample(schema.anyOf[0]);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === "integer" || type === "number") return schema.minimum ?? 1;
  if (type === "boolean") return true;
  if (type === "array") return schema.minItems ? [sample(schema.items)] : [];
  if (type === "object" || schema.properties) {
    return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, sub]) => [key, sample(sub)]));
  }
  return "x";
}

describe("bad input on every route and tool of the embedded default", () => {
  let kernel: TestKernel;
  let root: string;
  let base: string;
  const problems: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "ark-bad-input-"));
    ({ kernel } = await startConfiguredKernel(root));
    base = kernel.get(apiServerRef).address()!.url;
  }, 240_000);
  afterAll(async () => {
    await kernel?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  }, 60_000);

  async function send(method: string, url: string, body?: unknown, raw?: string): Promise<Answer> {
    const hasBody = body !== undefined || raw !== undefined;
    const res = await fetch(base + url, { method, headers: hasBody ? { "content-type": "application/json" } : {}, body: raw ?? (hasBody ? JSON.stringify(body) : undefined) });
    const text = await res.text();
    let json: Answer["json"];
    try {
      json = JSON.parse(text) as Answer["json"];
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  }

  /**
   * Records what is wrong with an answer: a 5xx, a 4xx without the envelope, or a code that means nothing caught the
   * value. A body holding a lone surrogate must be refused for it: accepted, the store would keep U+FFFD instead.
   */
  function judge(label: string, answer: Answer, body?: unknown): void {
    const code = answer.json?.error?.code;
    // JSON.stringify writes a lone surrogate as an escape (\ud800), a well-formed pair as the character itself.
    const unauthenticated = answer.status === 401 || answer.status === 403; // refused before its body is read
    if (body !== undefined && !unauthenticated && /\\ud[89a-f]/i.test(JSON.stringify(body)) && !answer.text.includes("lone UTF-16 surrogate")) {
      problems.push(`${label} → ${answer.status}, not refused for its lone surrogate`);
    }
    if (answer.status >= 500) problems.push(`${label} → ${answer.status} ${answer.text.slice(0, 200)}`);
    else if (answer.status >= 400 && !(answer.json?.ok === false && code)) problems.push(`${label} → ${answer.status} without the error envelope`);
    else if (code && UNCAUGHT.includes(code)) problems.push(`${label} → ${code}`);
  }

  it("every route in /api/docs answers bad ids, query values and bodies with a 4xx envelope", async () => {
    const docs = (await send("GET", "/api/docs")).json as unknown as { paths: Record<string, Record<string, Operation>> };
    let requests = 0;
    for (const [template, operations] of Object.entries(docs.paths)) {
      for (const [lower, operation] of Object.entries(operations)) {
        const method = lower.toUpperCase();
        const urls = template.includes("{") ? BAD_IDS.map((id) => template.replace(/\{[^}]+\}/g, id)) : [template];
        for (const url of urls) {
          if (method === "GET" || method === "DELETE") {
            for (const param of (operation.parameters ?? []).filter((p) => p.in === "query")) {
              for (const value of BAD_QUERY_VALUES) {
                judge(`${method} ${url}?${param.name}=${value}`, await send(method, `${url}?${param.name}=${value}`));
                requests++;
              }
            }
            judge(`${method} ${url}`, await send(method, url));
            requests++;
            continue;
          }
          const schema = operation.requestBody?.content?.["application/json"]?.schema;
          const good = (sample(schema) ?? {}) as Record<string, unknown>;
          const bodies: unknown[] = [[1], "text", {}, good];
          for (const key of Object.keys(good)) for (const value of BAD_VALUES) bodies.push({ ...good, [key]: value });
          judge(`${method} ${url} (not JSON)`, await send(method, url, undefined, "{not json"));
          judge(`${method} ${url} (nested 50,000 deep)`, await send(method, url, undefined, DEEP_BODY));
          for (const body of bodies) judge(`${method} ${url} ${JSON.stringify(body)}`, await send(method, url, body), body);
          requests += bodies.length + 1;
        }
      }
    }
    expect(requests).toBeGreaterThan(1000);
    expect(problems).toEqual([]);
  }, 180_000);

  it("every tool operation answers bad inputs with a failure naming the input, never a database error", async () => {
    const { tools } = (await send("GET", "/api/tools")).json as unknown as { tools: { domain: string; operation: string; input: JsonSchema }[] };
    expect(tools.length).toBeGreaterThan(40);
    for (const tool of tools) {
      const good = (sample(tool.input) ?? {}) as Record<string, unknown>;
      const inputs: unknown[] = [{}];
      for (const key of Object.keys(good)) for (const value of BAD_VALUES) inputs.push({ ...good, [key]: value });
      for (const input of inputs) {
        const url = `/api/tools/${tool.domain}/${tool.operation}`;
        const body = { input, scope: { workspace: "sweep" } };
        judge(`POST ${url} ${JSON.stringify(input)}`, await send("POST", url, body), body);
      }
    }
    expect(problems).toEqual([]);
  }, 180_000);

  it("every tool operation refuses an input nested 50,000 deep from an in-process caller (a model's JSON) as invalid input", async () => {
    const host = kernel.get(toolHostRef);
    const { tools } = (await send("GET", "/api/tools")).json as unknown as { tools: { domain: string; operation: string }[] };
    const deep = nestedArrays(50_000);
    const codes = new Set<string>();
    for (const tool of tools) {
      const result = await host.invoke({ domain: tool.domain, operation: tool.operation, input: { deep }, scope: { workspace: "sweep" }, idempotencyKey: "deep" });
      codes.add(`${result.status} ${result.error?.code}`);
    }
    expect([...codes]).toEqual(["failed ARK_TOOL_INPUT_INVALID"]);
  });

  it("a lone UTF-16 surrogate is refused where it enters (API body, settings, flow file, tool input), never stored as U+FFFD", async () => {
    const total = async () => ((await send("GET", "/api/flowcharts")).json as unknown as { total_count: number }).total_count;
    const before = await total();
    // Raw JSON text, so the escape reaches the server and its JSON parser makes the lone surrogate.
    const created = await send("POST", "/api/flowcharts", undefined, '{"name":"half \\ud83d"}');
    expect([created.status, created.json?.error?.code]).toEqual([400, "invalid_request"]);
    expect(created.text).toContain('"path":"body.name","message":"must not contain a lone UTF-16 surrogate (\\\\ud83d at offset 5); send well-formed Unicode"');
    const settings = await send("POST", "/api/settings/runtime/node-executor", undefined, '{"k8s_namespace":"\\udc00"}');
    expect([settings.status, settings.json?.error?.code]).toEqual([400, "invalid_request"]);
    expect(((await send("GET", "/api/settings/runtime/node-executor")).text)).not.toContain("\uFFFD");
    // A flow file: the YAML escape makes the surrogate, the file's own rule refuses it at its line.
    const flow = 'schema_version: 2\nname: halves\nnodes:\n  - { id: start, type: start, title: "cut \\ud83d" }\n  - { id: end, type: end }\nconnectors:\n  - { source: start, target: end }\n';
    const imported = await send("POST", "/api/flowcharts/import", { content: flow, file_name: "halves.yaml" });
    expect([imported.status, imported.json?.error?.code]).toEqual([400, "ARK_FLOW_FILE_INVALID"]);
    expect(imported.text).toContain('"path":"nodes[0].title","code":"lone_surrogate"');
    expect(await total()).toBe(before);
    // A tool input from an in-process caller (a model's JSON), in a key.
    const host = kernel.get(toolHostRef);
    const { tools } = (await send("GET", "/api/tools")).json as unknown as { tools: { domain: string; operation: string }[] };
    const result = await host.invoke({ domain: tools[0]!.domain, operation: tools[0]!.operation, input: { ["k\uDC00"]: 1 }, scope: { workspace: "sweep" }, idempotencyKey: "halves" });
    expect(result).toMatchObject({ status: "failed", error: { code: "ARK_TOOL_INPUT_INVALID" } });
    expect(result.error?.details?.issues).toContainEqual(expect.objectContaining({
      instancePath: "/k\uDC00", keyword: "surrogate", message: "must not contain a lone UTF-16 surrogate (\\udc00 at offset 1); send well-formed Unicode",
    }));
    // A well-formed pair is stored and read back as sent.
    const emoji = await send("POST", "/api/flowcharts", undefined, '{"name":"smile \\ud83d\\ude00 bad-input"}');
    expect(emoji.status).toBe(201);
    const id = (emoji.json as unknown as { flowchart: { id: string } }).flowchart.id;
    const read = (await send("GET", `/api/flowcharts/${id}`)).json as unknown as { flowchart: { name: string } };
    expect(read.flowchart.name).toBe("smile \u{1F600} bad-input");
  });

  it("a command that prints a NUL byte completes its flow; the output keeps its text with U+FFFD and says so", async () => {
    const engine = kernel.get(coreServices.flow);
    const flow = `schema_version: 2
name: NUL output
nodes:
  - { id: start, type: start }
  - id: emit
    type: command
    config: { operation: run, input: { command: [printf, "a\\\\0b"], timeout_seconds: 30 } }
  - { id: end, type: end }
connectors:
  - { source: start, target: emit }
  - { source: emit, target: end }
`;
    const context = { engine, db: kernel.get(coreServices.store), registry: nodeTypeRegistryOf(kernel.get(coreServices.registries)) };
    const imported = await importFlowText(context, flow, "nul-output.yaml", { matchName: true });
    const run = await engine.waitForRun((await engine.startRun({ flowchartId: imported.flowchart.id })).id, { timeoutMs: 60_000 });
    const nodeRuns = (await engine.queries.listNodeRuns(run.id)).items;
    expect(run.status, JSON.stringify(nodeRuns.map((n) => [n.nodeId, n.status, n.error]))).toBe("completed");
    const emit = nodeRuns.find((n) => n.nodeId === "emit")!;
    expect(emit.outputState).toMatchObject({ result: { stdout: "a\uFFFDb", stdout_bytes: 3 } });
    expect(JSON.stringify(emit.outputState)).toContain("output_nul_replaced");
  }, 120_000);
});
