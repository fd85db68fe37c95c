/**
 * The tools a model may call, built from the ToolHost's descriptors (fixing reference Q18: real schemas are
 * advertised). A tool's name is `<domain>__<operation>`, reduced to what every provider accepts
 * (`^[A-Za-z_][A-Za-z0-9_-]{0,63}$`); the catalog maps names back to domain and operation.
 */
import type { JSONSchema } from "../../contracts/json-schema.js";
import type { ToolDescriptor } from "../../plugin-api/contributions.js";
import type { ChatTool } from "./chat-model.js";

/** One advertised tool and where its calls go. */
export interface CatalogEntry {
  readonly tool: ChatTool;
  readonly domain: string;
  readonly operation: string;
  /** The operation's input is not an object: the model sends `{value}` and the call passes `value`. */
  readonly wrapped: boolean;
}

const MAX_NAME = 64;

/** The model-facing name of a tool operation. */
export function toolNameFor(domain: string, operation: string): string {
  let name = `${domain}__${operation}`.replace(/[^A-Za-z0-9_-]/g, "_");
  if (!/^[A-Za-z_]/.test(name)) name = `_${name}`;
  return name.slice(0, MAX_NAME);
}

/** Function parameters must be an object schema everywhere; anything else is wrapped as the `value` property. */
export function objectSchema(schema: JSONSchema): { schema: JSONSchema; wrapped: boolean } {
  if (typeof schema === "object" && schema.type === "object") return { schema, wrapped: false };
  return { schema: { type: "object", properties: { value: typeof schema === "boolean" ? {} : schema }, required: ["value"] }, wrapped: true };
}

/** Tools by model-facing name. */
export class ToolCatalog {
  private readonly byName = new Map<string, CatalogEntry>();

  /** Builds the catalog; `domains`, when given, keeps only those tool domains. Name clashes get a numeric suffix. */
  constructor(descriptors: readonly ToolDescriptor[], domains?: readonly string[]) {
    const allowed = domains ? new Set(domains) : null;
    for (const d of descriptors) {
      if (allowed && !allowed.has(d.domain)) continue;
      let name = toolNameFor(d.domain, d.operation);
      for (let n = 2; this.byName.has(name); n++) name = `${toolNameFor(d.domain, d.operation).slice(0, MAX_NAME - 4)}_${n}`;
      const description = d.description?.trim() || `${d.domain} ${d.operation}`;
      const { schema, wrapped } = objectSchema(d.input);
      this.byName.set(name, { tool: { name, description, parameters: schema }, domain: d.domain, operation: d.operation, wrapped });
    }
  }

  /** The tools to advertise, in descriptor order. */
  tools(): ChatTool[] {
    return [...this.byName.values()].map((e) => e.tool);
  }

  /** The input to pass to the operation for the arguments the model sent. */
  static inputFor(entry: CatalogEntry, args: Record<string, unknown>): unknown {
    return entry.wrapped ? args.value : args;
  }

  /** The entry of a name the model used, if it is one of ours. */
  resolve(name: string): CatalogEntry | undefined {
    return this.byName.get(name.trim());
  }

  get size(): number {
    return this.byName.size;
  }
}
