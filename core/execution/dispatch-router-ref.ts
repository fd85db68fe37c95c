import { createServiceRef } from "../plugin-api/service-ref.js";
import type { DispatchRouter } from "./dispatch-router.js";

/** The dispatch router, provided by the built-in `execution` module (plugins declare `requires: ["execution"]`). */
export const dispatchRouterRef = createServiceRef<DispatchRouter>({ id: "core.execution.router" });
