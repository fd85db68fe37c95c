import { describe, expect, it } from "vitest";
import { collectInputContextAttachments, mergeAttachments, normaliseAttachment } from "./attachments.js";
import type { UpstreamToken } from "./fan-in.js";
import { buildInputContext, type LatestResults } from "./input-context.js";
import { connector } from "./test-support.js";

const latest: LatestResults = {
  a: { node_type: "task", execution_index: 2, sequence: 5, output_state: { node_type: "task", attachments: ["/w/a.md", { id: 3, file_name: "x.pdf" }] }, routing_state: {} },
  b: { node_type: "task", execution_index: 1, sequence: 7, output_state: { node_type: "task", attachments: [{ path: "/w/a.md" }, "/w/b.md"] }, routing_state: { route_key: "r" } },
  ctx: { node_type: "memory", execution_index: 1, sequence: 3, output_state: { node_type: "memory", attachments: ["/w/dotted-only.md"] }, routing_state: {} },
  files: { node_type: "task", execution_index: 4, sequence: 6, output_state: { node_type: "task", attachments: ["/w/b.md", "/w/c.md"] }, routing_state: {} },
};
const incoming = [
  connector("a", "n", "solid", null, "e1"),
  connector("b", "n", "solid", null, "e2"),
  connector("ctx", "n", "dotted", "k", "e3"),
  connector("files", "n", "dashed", null, "e4"),
  connector("never-ran", "n", "dotted", null, "e5"),
];
const token = (source: string, edge: string, sequence: number, mode: UpstreamToken["edge_mode"] = "solid"): UpstreamToken => ({
  source_node_id: source,
  source_edge_id: edge,
  node_type: latest[source]!.node_type,
  condition_key: null,
  edge_mode: mode,
  execution_index: latest[source]!.execution_index,
  sequence,
  output_state: latest[source]!.output_state,
  routing_state: latest[source]!.routing_state,
});
const request = { flowchartId: "f1", runId: 42, nodeId: "n", nodeType: "decision", executionIndex: 3, totalExecutionCount: 8, incoming, latestResults: latest };

describe("buildInputContext (§7)", () => {
  it("builds the full shape from the activation's tokens and the latest results", () => {
    const ctx = buildInputContext({ ...request, upstreamTokens: [token("b", "e2", 7), token("a", "e1", 5), token("b", "e9", 8, "dotted")] });
    expect(Object.keys(ctx).sort()).toEqual([
      "attachment_only_source_count", "attachment_only_sources", "attachment_only_upstream_nodes", "context_only_source_count", "context_only_sources",
      "context_only_upstream_nodes", "dotted_upstream_nodes", "flowchart", "latest_upstream", "node", "propagated_attachments", "pulled_attachment_sources",
      "pulled_dotted_sources", "trigger_sources", "upstream_nodes",
    ]);
    expect(ctx.flowchart).toEqual({ id: "f1", run_id: 42, total_execution_count: 8 });
    expect(ctx.node).toEqual({ id: "n", type: "decision", execution_index: 3 });
    expect(ctx.upstream_nodes.map((e) => [e.node_id, e.source_edge_id, e.sequence, e.edge_mode])).toEqual([["b", "e2", 7, "solid"], ["a", "e1", 5, "solid"]]);
    expect(ctx.latest_upstream?.node_id).toBe("b");
    expect(ctx.dotted_upstream_nodes).toEqual([
      { node_id: "ctx", source_edge_id: "e3", node_type: "memory", condition_key: "k", execution_index: 1, output_state: latest.ctx!.output_state, routing_state: {}, sequence: 3, edge_mode: "dotted" },
    ]);
    expect(ctx.context_only_upstream_nodes).toEqual(ctx.dotted_upstream_nodes);
    expect(ctx.context_only_upstream_nodes).not.toBe(ctx.dotted_upstream_nodes);
    expect(ctx.attachment_only_upstream_nodes.map((e) => [e.node_id, e.edge_mode])).toEqual([["files", "dashed"]]);
    expect(ctx.trigger_sources[0]).toEqual({ source_edge_id: "e2", source_node_id: "b", source_node_type: "task", condition_key: null, execution_index: 1, sequence: 7, edge_mode: "solid" });
    expect(ctx.pulled_dotted_sources.map((s) => s.source_node_id)).toEqual(["ctx"]);
    expect(ctx.context_only_sources).toEqual(ctx.pulled_dotted_sources);
    expect(ctx.pulled_attachment_sources.map((s) => [s.source_node_id, s.edge_mode])).toEqual([["files", "dashed"]]);
    expect(ctx.attachment_only_sources).toEqual(ctx.pulled_attachment_sources);
    expect([ctx.context_only_source_count, ctx.attachment_only_source_count]).toEqual([1, 1]);
    // Solid entries (in token order) then dashed; the dotted source's attachment is not propagated.
    expect(ctx.propagated_attachments).toEqual([{ path: "/w/a.md" }, { path: "/w/b.md" }, { id: 3, file_name: "x.pdf", path: "x.pdf" }, { path: "/w/c.md" }]);
  });

  it("gives the entry node an empty upstream", () => {
    const ctx = buildInputContext({ ...request, incoming: [], upstreamTokens: [] });
    expect(ctx.upstream_nodes).toEqual([]);
    expect(ctx.latest_upstream).toBeNull();
    expect(ctx.propagated_attachments).toEqual([]);
  });

  it("lets the first entry win a sequence tie", () => {
    const ctx = buildInputContext({ ...request, upstreamTokens: [token("a", "e1", 9), token("b", "e2", 9)] });
    expect(ctx.latest_upstream?.node_id).toBe("a");
  });

  it("derives upstream from the latest results on a direct call (tokens null)", () => {
    const ctx = buildInputContext({ ...request, latestResults: { a: latest.a!, files: latest.files! }, upstreamTokens: null });
    expect(ctx.upstream_nodes.map((e) => [e.node_id, e.source_edge_id])).toEqual([["a", "e1"]]);
    expect(ctx.dotted_upstream_nodes).toEqual([]);
    expect(ctx.context_only_source_count).toBe(0);
  });
});

describe("attachments (§8)", () => {
  it.each([
    ["/w/a.md", { path: "/w/a.md" }],
    ["  ", null],
    [{ id: 4 }, { id: 4 }],
    [{ id: 0, file_name: "f.txt", size_bytes: 10, content_type: "text/plain", path_stem: "f" }, { file_name: "f.txt", path: "f.txt", size_bytes: 10, content_type: "text/plain", path_stem: "f" }],
    [{ id: "att-9", path: "/p", size_bytes: -1, extra: true }, { id: "att-9", path: "/p" }],
    [{ content_type: "x" }, null],
    [42, null],
  ])("normalises %j without phantom ids (Q1 fixed)", (raw, expected) => {
    expect(normaliseAttachment(raw)).toEqual(expected);
  });

  it("merges in order, de-duplicating by path, else id", () => {
    expect(mergeAttachments(["/a", { id: 1 }], "not a list", [{ path: "/a", id: 7 }, { id: 1, content_type: "x" }, "/b"])).toEqual([{ path: "/a" }, { id: 1 }, { path: "/b" }]);
  });

  it("consumers use propagated_attachments, else upstream and attachment-only outputs", () => {
    expect(collectInputContextAttachments({ propagated_attachments: ["/p"], upstream_nodes: [{ output_state: { attachments: ["/u"] } }] })).toEqual([{ path: "/p" }]);
    expect(
      collectInputContextAttachments({ propagated_attachments: [], upstream_nodes: [{ output_state: { attachments: ["/u"] } }, "junk"], attachment_only_upstream_nodes: [{ output_state: { attachments: ["/d", "/u"] } }] }),
    ).toEqual([{ path: "/u" }, { path: "/d" }]);
    expect(collectInputContextAttachments({})).toEqual([]);
  });
});
