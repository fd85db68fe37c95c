/** The service refs of the built-in tooling modules. */
import { createServiceRef } from "../plugin-api/service-ref.js";
import type { KernelToolHost } from "./kernel-tool-host.js";
import type { NodeRunTokenSigner } from "./node-run-token.js";
import type { ToolInvoker } from "./tool-invoker.js";

/** The kernel's in-process tool host (built-in `tooling` module): `consumes: [toolHostRef]` or `requires: ["tooling"]`. */
export const toolHostRef = createServiceRef<KernelToolHost>({ id: "core.tooling.host" });

/** What the `tooling-api` module needs from the `tooling` module (internal to core). */
export interface ToolingInternals {
  readonly invoker: ToolInvoker;
  readonly signer: NodeRunTokenSigner;
  readonly host: KernelToolHost;
  /** Tells the host where sandboxes call back once the API listens. */
  setCallbackUrlSource(source: () => string | null): void;
}

/** Internal: the tooling module's parts for the tooling-api module. Not exported to plugins. */
export const toolingInternalsRef = createServiceRef<ToolingInternals>({ id: "core.tooling.internals" });
