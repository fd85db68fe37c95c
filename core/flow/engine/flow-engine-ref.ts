import { createServiceRef } from "../../plugin-api/service-ref.js";
import type { FlowEngine } from "./flow-engine.js";

/** The flow engine, provided by the built-in `flow` module (plugins declare `requires: ["flow"]`). */
export const flowEngineRef = createServiceRef<FlowEngine>({ id: "core.flow.engine" });
