import { createContractRegistry, describeIssue } from "../contracts/contract-registry.js";
import type { ContractRegistry } from "../contracts/contract-registry-port.js";
import { contractIds } from "../contracts/schemas/contract-ids.js";
import { eventEnvelopeSchema } from "../contracts/schemas/event-envelope.js";
import { ArkError } from "../errors/index.js";
import type { EventEnvelope } from "../plugin-api/contributions.js";

// Used only when no kernel registry is passed (scripts, unit tests); the kernel passes its own single ajv instance.
let fallbackRegistry: ContractRegistry | undefined;

function registryFor(contracts: ContractRegistry | undefined): ContractRegistry {
  if (contracts) {
    if (!contracts.has(contractIds.eventEnvelope)) contracts.register(eventEnvelopeSchema);
    return contracts;
  }
  if (!fallbackRegistry) {
    fallbackRegistry = createContractRegistry();
    fallbackRegistry.register(eventEnvelopeSchema);
  }
  return fallbackRegistry;
}

/** Checks an envelope against the v1 event-envelope contract; a violation is ARK_EVENT_INVALID listing every issue. */
export function validateEnvelopeContract(envelope: EventEnvelope, contracts?: ContractRegistry): void {
  const result = registryFor(contracts).check(contractIds.eventEnvelope, envelope);
  if (result.valid) return;
  const [first] = result.issues;
  const more = result.issues.length > 1 ? ` (and ${result.issues.length - 1} more)` : "";
  throw new ArkError("ARK_EVENT_INVALID", `The event envelope breaks the event-envelope contract: ${first ? describeIssue(first) : "invalid"}${more}.`, {
    details: { schemaId: contractIds.eventEnvelope, issues: result.issues },
  });
}
