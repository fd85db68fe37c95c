/**
 * tools-rag in a real kernel (store, tooling envelope), on PGlite (pgvector) and on PostgreSQL in a fresh schema
 * (no pgvector: the portable cosine): fresh and delta indexes, a failed index leaving the old one intact, full-text
 * and vector retrieval with citations, synthesis, status, the node type, and bad inputs with their codes.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, symlink, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coreServices, definePlugin, toolHostRef, type ExecutionRequest, type KernelToolHost } from "../../core/plugin-api/index.js";
import { startTestKernel, type TestKernel } from "../../core/testing/index.js";
import { TEST_DATABASE_URL, urlWithSearchPath } from "../../test/support/store-harness.js";
import { fakeModel, fakeModelPlugin } from "../tools-memory/test-support.js";
import plugin, { RagDomain } from "./index.js";
import { startFakeEmbeddings, writeTree, type FakeEmbeddings } from "./test-support.js";

const withTooling = definePlugin({ id: "rag-test-tooling", version: "1.0.0", kernel: "^1.0.0", requires: ["tooling"] });
const IN_CI = !!process.env.CI && !["false", "0"].includes(process.env.CI.toLowerCase());

const CORPUS: Record<string, string> = {
  "guide/install.md": "# Install\n\nRun the installer with npm.\n\n## Configure\n\nEdit runtime.config.yaml and set the kernel port.\n",
  "guide/cars.md": "# Car care\n\nA car needs regular service: oil, brakes and tyres.\n",
  "src/kernel.ts": "export function bootKernel(port: number) {\n  // the kernel listens on the port\n  return port;\n}\n",
  "notes/todo.txt": "Write the release notes.\n\nShip the zebra feature on Friday.\n",
  "img/photo.png": "not really a png",
};

type Call = (operation: string, input: unknown, scope?: Record<string, unknown>) => ReturnType<KernelToolHost["invoke"]>;

function suite(name: string, driver: "pglite" | "postgres", storeConfig: () => Promise<{ store: Record<string, unknown>; dispose: () => Promise<void> }>): void {
  describe(name, () => {
    let kernel: TestKernel;
    let embeddings: FakeEmbeddings;
    let dispose: () => Promise<void> = async () => undefined;
    let dir: string;
    let docs: string;
    let call: Call;
    const model = fakeModel();

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), "rag-kernel-"));
      docs = path.join(dir, "docs");
      await writeTree(docs, CORPUS);
      await writeTree(path.join(dir, "workspaces/default/shared/project"), { "a.md": "# Alpha\n\nThe alpha workspace document mentions quokkas.\n" });
      await writeTree(path.join(dir, "secret"), { "s.md": "secret" });
      embeddings = await startFakeEmbeddings();
      const store = await storeConfig();
      dispose = store.dispose;
      kernel = await startTestKernel({
        plugins: [plugin, withTooling, fakeModelPlugin(model)],
        config: { store: store.store, kernel: { pluginTimeoutMs: 120_000 } },
        pluginConfig: { "tools-rag": { collections: { Docs: { path: docs } }, embeddings: { baseUrl: embeddings.baseUrl, model: "fake-embed", batchSize: 3 }, workspaceRoot: path.join(dir, "workspaces") } },
      });
      const tools = kernel.get(toolHostRef);
      call = (operation, input, scope) => tools.invoke({ domain: "rag", operation, input, ...(scope ? { scope } : {}) });
    }, 240_000);

    afterAll(async () => {
      await kernel?.stop();
      await dispose();
      await embeddings?.close();
      await rm(dir, { recursive: true, force: true });
    }, 60_000);

    it("fresh index: counts, skips, summary shape; then full-text query with citations", async () => {
      const result = await call("index", { collections: [" docs "], mode: "fresh" });
      expect(result.status, JSON.stringify(result.error)).toBe("success");
      const summary = result.output as Record<string, any>;
      expect(summary).toMatchObject({ mode: "fresh_index", collections: ["Docs"], source_count: 1, total_files: 4, indexed: 4, skipped: 0 });
      expect(summary.sources[0]).toMatchObject({ source_name: "Docs", file_count: 4, embedded_chunks: summary.total_chunks });
      const found = await call("query", { collections: ["docs"], query: "zebra feature", top_k: 3 });
      const out = found.output as Record<string, any>;
      expect(out.citations[0]).toMatchObject({ collection: "Docs", path: "notes/todo.txt", start_line: 1, end_line: 3, chunk_index: 0, heading: null });
      expect(["fts", "both"]).toContain(out.citations[0].retrieval);
      expect(out.citations[0].excerpt).toContain("zebra");
      expect(out.retrieval_stats).toMatchObject({ provider: "postgres", top_k: 3 });
      const heading = (await call("query", { collections: ["Docs"], query: "configure the kernel port" })).output as Record<string, any>;
      expect(heading.citations[0]).toMatchObject({ path: "guide/install.md", heading: "Configure", start_line: 5, end_line: 7 });
    });

    it("vector similarity finds what full text cannot, fused by rank (pgvector on PGlite, portable cosine on PostgreSQL)", async () => {
      const out = (await call("query", { collections: ["Docs"], query: "automobile maintenance" })).output as Record<string, any>;
      expect(out.retrieval_stats.vector_method).toBe(driver === "pglite" ? "pgvector" : "portable");
      expect(out.retrieval_stats.fts_candidates).toBe(0);
      expect(out.citations[0]).toMatchObject({ path: "guide/cars.md", retrieval: "vector" });
      const both = (await call("query", { collections: ["Docs"], query: "car service" })).output as Record<string, any>;
      expect(both.citations[0]).toMatchObject({ path: "guide/cars.md", retrieval: "both" });
    });

    it("delta index: changed, new, removed and unchanged files", async () => {
      await writeFile(path.join(docs, "notes/todo.txt"), "Ship the giraffe feature instead.\n");
      await writeFile(path.join(docs, "guide/new.md"), "# New\n\nA brand new page about pelicans.\n");
      await unlink(path.join(docs, "src/kernel.ts"));
      const summary = (await call("index", { collections: ["Docs"], mode: "delta_index" })).output as Record<string, any>;
      expect(summary).toMatchObject({ mode: "delta_index", indexed: 2, unchanged: 2, removed: 1, total_files: 4 });
      const zebra = (await call("query", { collections: ["Docs"], query: "zebra" })).output as Record<string, any>;
      expect(zebra.citations.filter((c: { retrieval: string }) => c.retrieval !== "vector")).toEqual([]);
      const pelican = (await call("query", { collections: ["Docs"], query: "pelicans" })).output as Record<string, any>;
      expect(pelican.citations[0].path).toBe("guide/new.md");
      const again = (await call("index", { collections: ["Docs"], mode: "delta" })).output as Record<string, any>;
      expect(again).toMatchObject({ indexed: 0, unchanged: 4, removed: 0 });
    });

    it("a failed index (embeddings endpoint down) rolls back: the previous index answers, last_error is recorded", async () => {
      await writeFile(path.join(docs, "guide/new.md"), "# Replaced\n\nNothing about birds.\n");
      embeddings.failWith = 500;
      try {
        for (const mode of ["fresh", "delta"]) {
          const failed = await call("index", { collections: ["Docs"], mode });
          expect(failed.status).toBe("failed");
          expect(failed.error).toMatchObject({ code: "rag.index_failed", details: { collection: "Docs", cause_code: "rag.embeddings_failed" } });
        }
        const degraded = await call("query", { collections: ["Docs"], query: "pelicans" });
        expect(degraded.status).toBe("success_with_warning");
        expect(degraded.warnings.map((w) => w.code)).toEqual(["rag.vector_unavailable"]);
        expect((degraded.output as Record<string, any>).citations[0]).toMatchObject({ path: "guide/new.md", retrieval: "fts" });
      } finally {
        embeddings.failWith = null;
      }
      const status = (await call("status", { collections: ["docs"] })).output as Record<string, any>;
      expect(status.collections[0]).toMatchObject({ name: "Docs", configured: true, file_count: 4 });
      expect(status.collections[0].last_error).toContain("HTTP 500");
      const rows = await kernel.get(coreServices.store).query<{ n: string }>("SELECT count(*)::text AS n FROM ark_rag_files WHERE collection = 'Docs'");
      expect(rows.rows[0]!.n).toBe("4");
      await call("index", { collections: ["Docs"], mode: "delta" });
      const cleared = (await call("status", {})).output as Record<string, any>;
      expect(cleared.collections.find((c: { name: string }) => c.name === "Docs").last_error).toBeNull();
    });

    it("workspace_path collections stay inside the caller's workspace", async () => {
      const ok = await call("index", { collections: ["proj"], mode: "fresh", workspace_path: "project" });
      expect(ok.status, JSON.stringify(ok.error)).toBe("success");
      const hit = (await call("query", { collections: ["PROJ"], query: "quokkas" })).output as Record<string, any>;
      expect(hit.citations[0]).toMatchObject({ collection: "proj", path: "a.md" });
      await symlink(path.join(dir, "secret"), path.join(dir, "workspaces/default/shared/escape"));
      for (const bad of ["../../../secret", "/etc", "escape"]) {
        const result = await call("index", { collections: ["x"], mode: "fresh", workspace_path: bad });
        expect(result.error?.code, bad).toBe("ARK_WORKSPACE_PATH_ESCAPE");
      }
      expect((await call("index", { collections: ["proj"], mode: "delta" }, { workspace: "other" })).error?.code).toBe("rag.collection_not_accessible");
      expect((await call("index", { collections: ["PROJ"], mode: "fresh", workspace_path: "." }, { workspace: "other" })).error?.code).toBe("rag.collection_not_accessible");
      expect((await call("index", { collections: ["Docs"], mode: "fresh", workspace_path: "project" })).error?.code).toBe("rag.collection_conflict");
    });

    it("bad inputs answer with stable codes and write nothing", async () => {
      expect((await call("index", { collections: ["nope"], mode: "fresh" })).error?.code).toBe("rag.collection_unknown");
      expect((await call("query", { collections: ["Docs", "nope"], query: "x" })).error).toMatchObject({ code: "rag.collection_unknown", details: { collections: ["nope"] } });
      expect((await call("index", { collections: ["Docs"], mode: "sideways" })).error).toMatchObject({ code: "rag.mode_invalid", message: expect.stringContaining("must be one of") });
      expect((await call("index", { collections: ["  ", ""], mode: "fresh" })).error?.code).toBe("rag.collections_required");
      expect((await call("index", { collections: ["Docs"], mode: "fresh", include: ["**/*.md"] })).error?.code).toBe("rag.input_invalid");
      expect((await call("index", { collections: ["a", "b"], mode: "fresh", workspace_path: "project" })).error?.code).toBe("rag.input_invalid");
      expect((await call("index", { collections: ["bad name!"], mode: "fresh", workspace_path: "project" })).error?.code).toBe("rag.collection_name_invalid");
      expect((await call("index", { collections: ["gone"], mode: "fresh", workspace_path: "missing-folder" })).error?.code).toBe("rag.source_missing");
      expect((await call("query", { collections: [], query: "x" })).error?.code).toBe("ARK_TOOL_INPUT_INVALID");
      expect((await call("query", { collections: ["Docs"], query: "x", top_k: 51 })).error?.code).toBe("ARK_TOOL_INPUT_INVALID");
      const names = await kernel.get(coreServices.store).query<{ name: string }>("SELECT name FROM ark_rag_collections ORDER BY name");
      expect(names.rows.map((r) => r.name)).toEqual(["Docs", "proj"]);
    });

    it("writes one audit row per retrieved chunk, readable by request or run id, paged, purged past the retention", async () => {
      const plain = await call("query", { collections: ["Docs"], query: "kernel port", top_k: 3 });
      const out = plain.output as Record<string, any>;
      expect(out.request_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(out.retrieval_stats.audited_count).toBe(out.citations.length);
      const rows = (await call("audits", { request_id: out.request_id })).output as Record<string, any>;
      expect(rows).toMatchObject({ limit: 50, offset: 0, next_offset: null });
      expect(rows.audits.map((a: any) => [a.retrieval_rank, a.path, a.chunk_id, a.score])).toEqual(out.citations.map((c: any) => [c.rank, c.path, c.chunk_id, c.score]));
      expect(rows.audits[0]).toMatchObject({ runtime_kind: "api", flowchart_run_id: null, flowchart_node_run_id: null, provider: "postgres", collection: "Docs", source_id: "Docs" });

      const long = "# Long\n\n" + "wombat burrows are cubic. ".repeat(100);
      await writeFile(path.join(docs, "guide/wombat.md"), long);
      await call("index", { collections: ["Docs"], mode: "delta" });
      const scope = { flowchart_run_id: "77", node_run_id: "501", request_id: "from-scope" };
      const flowQuery = (await call("query", { collections: ["Docs"], query: "wombat", top_k: 2, request_id: "req-audit" }, scope)).output as Record<string, any>;
      expect(flowQuery.request_id).toBe("req-audit");
      expect((await call("query", { collections: ["Docs"], query: "giraffe" }, scope)).output).toMatchObject({ request_id: "from-scope" });
      const byRun = (await call("audits", { flowchart_run_id: 77, limit: 1 })).output as Record<string, any>;
      expect(byRun).toMatchObject({ limit: 1, offset: 0, next_offset: 1 });
      expect(byRun.audits[0]).toMatchObject({ runtime_kind: "flowchart", flowchart_run_id: "77", flowchart_node_run_id: "501" });
      const wombat = (await call("audits", { request_id: "req-audit", flowchart_node_run_id: "501", collection: "docs" })).output as Record<string, any>;
      expect(wombat.audits[0]).toMatchObject({ path: "guide/wombat.md", retrieval_rank: 1 });
      expect(wombat.audits[0].snippet).toHaveLength(1200);
      expect(wombat.audits[0].snippet).toContain("wombat burrows are cubic. wombat");
      const pages = [(await call("audits", { flowchart_run_id: "77", limit: 2 })).output, (await call("audits", { flowchart_run_id: "77", limit: 2, offset: 2 })).output] as Record<string, any>[];
      const total = ((await call("audits", { flowchart_run_id: "77" })).output as Record<string, any>).audits.length;
      expect(pages[0]!.audits.concat(pages[1]!.audits).map((a: any) => a.id)).toEqual(
        ((await call("audits", { flowchart_run_id: "77", limit: 4 })).output as Record<string, any>).audits.map((a: any) => a.id));
      expect(((await call("audits", { flowchart_run_id: "77", offset: total })).output as Record<string, any>)).toMatchObject({ audits: [], next_offset: null });
      expect(((await call("audits", { request_id: "no-such-request" })).output as Record<string, any>).audits).toEqual([]);

      for (const bad of [
        { bogus: 1 }, { limit: 0 }, { limit: 201 }, { limit: 1.5 }, { offset: -1 }, { offset: "2" }, { request_id: "" }, { request_id: 5 },
        { flowchart_run_id: -3 }, { flowchart_run_id: {} }, { flowchart_node_run_id: "" }, { collection: ["Docs"] },
      ]) {
        expect((await call("audits", bad)).error?.code, JSON.stringify(bad)).toBe("ARK_TOOL_INPUT_INVALID");
      }
      expect((await call("query", { collections: ["Docs"], query: "x", request_id: "" })).error?.code).toBe("ARK_TOOL_INPUT_INVALID");

      // Retention: the purge runs on the first query after boot, then at most hourly (so this query does not purge).
      const store = kernel.get(coreServices.store);
      await store.query("UPDATE ark_rag_retrieval_audits SET created_at = now() - interval '31 days' WHERE request_id = 'req-audit'");
      await call("query", { collections: ["Docs"], query: "wombat" });
      expect(((await call("audits", { request_id: "req-audit" })).output as Record<string, any>).audits).toHaveLength(flowQuery.citations.length);
      const domain = kernel.get(coreServices.registries).toolDomains.get("rag") as RagDomain;
      const ctx = { domain: "rag", operation: "query", idempotencyKey: "k", attempt: 1, scope: {}, signal: new AbortController().signal };
      const rebooted = new RagDomain();
      rebooted.slot.bind(domain.slot.get());
      await rebooted.operations.query!.handler({ collections: ["Docs"], query: "wombat", request_id: "req-fresh" }, ctx);
      expect(((await call("audits", { request_id: "req-audit" })).output as Record<string, any>).audits).toEqual([]);
      expect(((await call("audits", { request_id: "req-fresh" })).output as Record<string, any>).audits.length).toBeGreaterThan(0);
      await store.query("UPDATE ark_rag_retrieval_audits SET created_at = now() - interval '31 days' WHERE request_id = $1", [out.request_id]);
      expect(await domain.purgeExpiredAudits()).toBe(out.citations.length);
      expect(await domain.purgeExpiredAudits()).toBe(0);

      // retentionDays 0: no rows written, nothing purged.
      const off = new RagDomain();
      off.slot.bind({ ...domain.slot.get(), settings: { ...domain.slot.get().settings, auditRetentionDays: 0 } });
      const unaudited = await off.operations.query!.handler({ collections: ["Docs"], query: "wombat", request_id: "req-off" }, ctx) as Record<string, any>;
      expect(unaudited.retrieval_stats.audited_count).toBe(0);
      expect(((await call("audits", { request_id: "req-off" })).output as Record<string, any>).audits).toEqual([]);
      expect(await off.purgeExpiredAudits()).toBe(0);
      await unlink(path.join(docs, "guide/wombat.md"));
      await call("index", { collections: ["Docs"], mode: "delta" });
    });

    it("synthesize asks the executor model with the citations; a model failure is a synthesis_error, not a failure", async () => {
      model.answers = ["Ship the giraffe feature [1]."];
      const out = (await call("query", { collections: ["Docs"], query: "giraffe", synthesize: true })).output as Record<string, any>;
      expect(out).toMatchObject({ answer: "Ship the giraffe feature [1].", synthesis_error: null });
      expect(model.requests.at(-1)!.messages[1]!.content).toContain("path=notes/todo.txt; lines=1-1");
      model.answers = [new Error("model down")];
      const failed = await call("query", { collections: ["Docs"], query: "giraffe", synthesize: true });
      expect(failed.status).toBe("success");
      expect(failed.output).toMatchObject({ answer: null, synthesis_error: { message: expect.stringContaining("model down") } });
    });

    it("the rag node: modes, execution_mode, output shape, through the node run's tool host and directly", async () => {
      const rag = kernel.get(coreServices.registries).nodeTypes.get("rag")!;
      const request = (id: number, config: Record<string, unknown>): ExecutionRequest => ({
        contract_version: "v1", node_id: "rag1", node_type: "rag", node_config: config, input_context: {}, execution_id: id, execution_index: 1,
      });
      const signal = new AbortController().signal;
      const tools = (r: ExecutionRequest) => ({ tools: kernel.get(toolHostRef).forExecution(r) });
      const delta = request(9001, { mode: "delta_index", collections: ["docs", "DOCS", " Docs "] });
      const indexed = await rag.execute!(delta, signal, tools(delta));
      expect(indexed.status, JSON.stringify(indexed.error)).toBe("success");
      expect(indexed.output_state).toMatchObject({
        node_type: "rag", answer: null, retrieval_context: [], mode: "delta_index", collections: ["docs"], execution_mode: "delta_indexing", synthesis_error: null,
        retrieval_stats: { provider: "postgres", retrieved_count: 0, top_k: 0, total_files: 4 }, index_summary: { mode: "delta_index" },
      });
      expect(indexed.output_state.deterministic_tooling).toMatchObject({ tool_name: "deterministic.rag", operation: "index" });
      model.answers = ["Giraffes [1]."];
      const ask = request(9002, { mode: "query", collections: ["Docs"], question: "giraffe", top_k: 99 });
      const asked = await rag.execute!(ask, signal, tools(ask));
      expect(asked.output_state).toMatchObject({ mode: "query", execution_mode: "query", answer: "Giraffes [1].", structured_output: { text: "Giraffes [1]." }, retrieval_stats: { top_k: 20 } });
      expect((asked.output_state.retrieval_context as { path: string }[])[0]!.path).toBe("notes/todo.txt");
      // The node labels its query's audit rows with the reference's request id; the node run's scope gives the ids.
      expect(asked.output_state.request_id).toBe("flowchart-node-rag1-run-9002");
      const nodeAudits = (await call("audits", { request_id: "flowchart-node-rag1-run-9002" })).output as Record<string, any>;
      expect(nodeAudits.audits[0]).toMatchObject({ runtime_kind: "flowchart", flowchart_run_id: null, flowchart_node_run_id: "9002", path: "notes/todo.txt", retrieval_rank: 1 });
      const direct = await rag.execute!(request(9003, { mode: "query", collections: ["Docs"], question: "giraffe" }), signal);
      expect(direct.output_state).toMatchObject({ answer: null, synthesis_error: { type: "llm_unavailable" } });
      const badMode = await rag.execute!(request(9004, { mode: "index", collections: ["Docs"] }), signal);
      expect(badMode).toMatchObject({ status: "failed", error: { message: "RAG node config.mode must be fresh_index, delta_index, or query.", details: { code: "rag.mode_invalid" } } });
      expect((await rag.execute!(request(9005, { mode: "query", collections: [" "], question: "q" }), signal)).error?.details?.code).toBe("rag.collections_required");
      expect((await rag.execute!(request(9006, { mode: "query", collections: ["nope"], question: "q" }), signal)).error?.details?.code).toBe("rag.collection_unknown");
    });
  });
}

suite("tools-rag [pglite]", "pglite", async () => ({ store: { driver: "pglite", dataDir: "memory://" }, dispose: async () => undefined }));

const databaseUrl = TEST_DATABASE_URL;
if (databaseUrl) {
  suite("tools-rag [postgres]", "postgres", async () => {
    const schema = `ark_t_rag_${process.pid}_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    return {
      store: { driver: "postgres", url: urlWithSearchPath(databaseUrl, schema) },
      dispose: async () => {
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
        await admin.end();
      },
    };
  });
} else if (IN_CI) {
  it("runs tools-rag on PostgreSQL", () => {
    throw new Error("CI is set but ARK_TEST_DATABASE_URL is not.");
  });
}
