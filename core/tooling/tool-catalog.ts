/**
 * The callable operations: looked up in the kernel's toolDomains registry on every call (so domains registered by
 * plugins are always current), with their input/output schemas registered once in the contract registry under
 * `ark://tools/<domain>/<operation>/input|output`.
 */
import { ArkError } from "../errors/index.js";
import type { ContractIssue, ContractRegistry } from "../contracts/contract-registry-port.js";
import type { JSONSchema } from "../contracts/json-schema.js";
import type { ToolDescriptor, ToolDomainContribution } from "../plugin-api/contributions.js";
import type { ToolDomainSpec, ToolOperationSpec } from "./tool-call.js";

/** Where the catalog finds domains (the kernel's toolDomains registry fits). */
export interface ToolDomainLookup {
  get(id: string): ToolDomainContribution | undefined;
  ids(): string[];
}

/** A resolved operation and the contract ids of its schemas. */
export interface ResolvedOperation {
  readonly domain: ToolDomainSpec;
  readonly name: string;
  readonly operation: ToolOperationSpec;
  readonly inputId: string;
  readonly outputId: string | null;
}

/** The contract id of an operation's schema. */
export function toolSchemaId(domain: string, operation: string, part: "input" | "output"): string {
  return `ark://tools/${domain}/${operation}/${part}`;
}

function withId(schema: JSONSchema, id: string): JSONSchema & { $id: string } {
  if (typeof schema === "boolean") return { $id: id, ...(schema ? {} : { not: {} }) };
  const { $id: _ignored, $schema: _draft, ...rest } = schema as Record<string, unknown>;
  return { ...rest, $id: id };
}

/** Resolves operations and validates their inputs and outputs. */
export class ToolCatalog {
  private readonly registered = new Set<string>();

  constructor(
    private readonly domains: ToolDomainLookup,
    private readonly contracts: ContractRegistry,
  ) {}

  /** The operation, or ARK_TOOL_UNKNOWN naming what exists. */
  resolve(domainId: string, operationName: string): ResolvedOperation {
    const domain = typeof domainId === "string" ? (this.domains.get(domainId) as ToolDomainSpec | undefined) : undefined;
    if (!domain) {
      throw new ArkError("ARK_TOOL_UNKNOWN", `No tool domain "${String(domainId)}" is registered.`, { details: { domain: domainId, domains: this.domains.ids().sort() } });
    }
    const operation = Object.prototype.hasOwnProperty.call(domain.operations, operationName) ? (domain.operations[operationName] as ToolOperationSpec) : undefined;
    if (!operation) {
      throw new ArkError("ARK_TOOL_UNKNOWN", `Tool domain "${domain.id}" has no operation "${String(operationName)}".`, {
        details: { domain: domain.id, operation: operationName, operations: Object.keys(domain.operations).sort() },
      });
    }
    const inputId = this.ensure(domain.id, operationName, "input", operation.input);
    const outputId = operation.output === undefined ? null : this.ensure(domain.id, operationName, "output", operation.output);
    return { domain, name: operationName, operation, inputId, outputId };
  }

  /** Schema problems of `data` against a registered contract id (empty when valid). */
  issues(id: string, data: unknown): ContractIssue[] {
    const result = this.contracts.check(id, data);
    return result.valid ? [] : result.issues;
  }

  /** Every operation of every domain, sorted by domain then operation. */
  describe(): ToolDescriptor[] {
    const descriptors: ToolDescriptor[] = [];
    for (const id of this.domains.ids().sort()) {
      const domain = this.domains.get(id);
      if (!domain) continue;
      for (const name of Object.keys(domain.operations).sort()) {
        const op = domain.operations[name]!;
        descriptors.push({
          domain: id, operation: name, input: op.input,
          ...(op.description ? { description: op.description } : {}),
          ...(op.output !== undefined ? { output: op.output } : {}),
        });
      }
    }
    return descriptors;
  }

  private ensure(domain: string, operation: string, part: "input" | "output", schema: JSONSchema): string {
    const id = toolSchemaId(domain, operation, part);
    if (!this.registered.has(id)) {
      if (!this.contracts.has(id)) this.contracts.register(withId(schema, id));
      this.registered.add(id);
    }
    return id;
  }
}
