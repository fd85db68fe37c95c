/** What the orchestrator's parts share: the store, the bus, caches, this engine's identity and its knobs. */
import type { Logger } from "pino";
import type { EventBus } from "../../events/index.js";
import type { Store } from "../../store/store-port.js";
import type { NodeTypeCapabilityRegistry } from "../graph/index.js";
import type { FlowchartRepository } from "../store/flowchart-repository.js";
import type { RunGraphCache } from "./run-graph-cache.js";

/** Shared dependencies of the claim, persist, control and recovery steps. */
export interface EngineCore {
  readonly store: Store;
  readonly bus: EventBus;
  readonly graphs: RunGraphCache;
  readonly flowcharts: FlowchartRepository;
  /** This engine's worker id (lease owner, claimed_by). */
  readonly owner: string;
  readonly leaseSeconds: number;
  /** Node types known to the graph validator and the router (built-ins plus plugins). */
  readonly capabilities: () => NodeTypeCapabilityRegistry | undefined;
  /** The cutover gate as last read (refreshed outside transactions); runs created inside a transaction use it. */
  readonly cutover: () => boolean;
  /** How deep flowchart nodes may nest child runs. */
  readonly maxChildDepth: number;
  readonly logger?: Logger;
}
