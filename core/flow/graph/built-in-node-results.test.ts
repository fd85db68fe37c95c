import { describe, expect, it } from "vitest";
import { validateNodeStates } from "../../contracts/index.js";
import { endNodeResult, flowchartNodeResult, startNodeResult } from "./built-in-node-results.js";

describe("built-in node results (§16.1-16.3)", () => {
  it("start and end return the reference's states, valid under the node output contract", () => {
    expect(startNodeResult()).toEqual({ output_state: { node_type: "start", message: "Start node executed." }, routing_state: {} });
    expect(endNodeResult()).toEqual({ output_state: { node_type: "end", message: "End node reached. Flowchart run completed." }, routing_state: { terminate_run: true } });
    expect(validateNodeStates("start", startNodeResult().output_state, startNodeResult().routing_state)).toEqual([]);
    expect(validateNodeStates("end", endNodeResult().output_state, endNodeResult().routing_state)).toEqual([]);
  });

  it("a flowchart node reports the queued child run and merges its attachments before the context's", () => {
    const result = flowchartNodeResult(
      { flowchartId: 12, flowchartName: "Child", runId: 99 },
      { propagated_attachments: ["/ctx.md", "/own.md"] },
      [{ path: "/own.md", id: 4 }],
    );
    expect(result).toEqual({
      output_state: {
        node_type: "flowchart",
        triggered_flowchart_id: 12,
        triggered_flowchart_name: "Child",
        triggered_flowchart_run_id: 99,
        message: "Queued flowchart 12.",
        attachments: [{ path: "/own.md", id: 4 }, { path: "/ctx.md" }],
      },
      routing_state: {},
    });
    expect(validateNodeStates("flowchart", result.output_state, result.routing_state)).toEqual([]);
  });
});
