import { createServiceRef } from "../plugin-api/service-ref.js";
import type { ToolHostIssuer } from "./process-dispatcher.js";

/** Where the tool-host issuer is plugged into the execution module's out-of-process dispatchers. */
export interface ToolHostIssuerSlot {
  /** Sets (or clears with null) the function minting a tool-host URL and token per node run. */
  set(issuer: ToolHostIssuer | null): void;
  /** The current issuer (dispatchers read it per dispatch). */
  get(): ToolHostIssuer | null;
}

/** The tool-host issuer slot, provided by the built-in `execution` module (core/tooling sets it in its init). */
export const toolHostIssuerSlotRef = createServiceRef<ToolHostIssuerSlot>({ id: "core.execution.tool-host-issuer" });
