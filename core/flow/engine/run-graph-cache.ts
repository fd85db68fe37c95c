/**
 * A run's graph snapshot, indexed once. Snapshots never change after a run starts, so every kernel may cache them
 * (bounded, least recently used first out).
 */
import type { Queryable } from "../../store/store-port.js";
import { indexGraph, type FlowGraph, type GraphIndex } from "../graph/index.js";
import { notFound } from "../store/flow-ids.js";

/** Caches indexed graph snapshots by run id. */
export class RunGraphCache {
  private readonly entries = new Map<string, GraphIndex>();

  constructor(private readonly capacity = 512) {}

  /** The run's indexed graph; reads the snapshot on a miss. */
  async get(db: Queryable, runId: string): Promise<GraphIndex> {
    const hit = this.entries.get(runId);
    if (hit) {
      this.entries.delete(runId);
      this.entries.set(runId, hit);
      return hit;
    }
    const { rows } = await db.query<{ graph: FlowGraph }>("SELECT graph FROM ark_flow_runs WHERE id = $1", [runId]);
    if (!rows[0]) throw notFound("Flowchart run", runId);
    return this.remember(runId, rows[0].graph);
  }

  /** Stores a snapshot the caller already holds (a run it just created). */
  remember(runId: string, graph: FlowGraph): GraphIndex {
    const index = indexGraph(graph);
    this.entries.set(runId, index);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return index;
  }
}
