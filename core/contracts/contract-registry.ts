import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { ArkError, errorMessage } from "../errors/index.js";
import { toIssue } from "./contract-issue.js";
import type { ContractIssue, ContractRegistry } from "./contract-registry-port.js";
import type { JSONSchema } from "./json-schema.js";
import { withSafeIntegerBounds } from "./safe-integer-bounds.js";

/** Creates the contract registry: one ajv instance, schemas keyed by `$id`, each compiled once on first use. */
export function createContractRegistry(): ContractRegistry {
  const ajv = new Ajv({ allErrors: true, strict: false, strictNumbers: true });
  addFormats.default(ajv);
  // The registered documents, kept as canonical JSON so a repeated registration can be compared cheaply.
  const documents = new Map<string, { schema: JSONSchema; canonical: string }>();
  const compiled = new Map<string, ValidateFunction>();

  function validatorFor(id: string): ValidateFunction {
    const cached = compiled.get(id);
    if (cached) return cached;
    if (!documents.has(id)) {
      throw new ArkError("ARK_CONTRACT_UNKNOWN_SCHEMA", `No contract schema is registered under "${id}".`, {
        details: { schemaId: id, registered: [...documents.keys()].sort() },
      });
    }
    let validate: ValidateFunction | undefined;
    try {
      validate = ajv.getSchema(id);
    } catch (err) {
      // Compilation is lazy so schemas may $ref each other in any registration order; a dangling $ref shows up here.
      throw new ArkError("ARK_CONTRACT_SCHEMA_INVALID", `Contract schema "${id}" does not compile: ${errorMessage(err)}`, {
        details: { schemaId: id },
        cause: err,
      });
    }
    if (!validate) throw new ArkError("ARK_INTERNAL", `ajv lost the schema "${id}" after it was registered.`);
    compiled.set(id, validate);
    return validate;
  }

  function check(id: string, data: unknown): { valid: true } | { valid: false; issues: ContractIssue[] } {
    const validate = validatorFor(id);
    if (validate(data)) return { valid: true };
    return { valid: false, issues: (validate.errors ?? []).map(toIssue) };
  }

  return {
    register(schema) {
      const id = schemaId(schema);
      const canonical = canonicalJson(schema);
      const existing = documents.get(id);
      if (existing) {
        if (existing.canonical === canonical) return;
        throw new ArkError(
          "ARK_CONTRACT_DUPLICATE_SCHEMA",
          `A different schema is already registered under "${id}"; bump the version in the new schema's $id instead of reusing it.`,
          { details: { schemaId: id } },
        );
      }
      try {
        ajv.addSchema(withSafeIntegerBounds(schema) as object);
      } catch (err) {
        throw new ArkError("ARK_CONTRACT_SCHEMA_INVALID", `Contract schema "${id}" is not a valid JSON Schema: ${errorMessage(err)}`, {
          details: { schemaId: id },
          cause: err,
        });
      }
      documents.set(id, { schema, canonical });
    },
    has: (id) => documents.has(id),
    schema: (id) => documents.get(id)?.schema,
    check,
    validate<T>(id: string, data: unknown): T {
      const result = check(id, data);
      if (result.valid) return data as T;
      const [first] = result.issues;
      const more = result.issues.length > 1 ? ` (and ${result.issues.length - 1} more)` : "";
      throw new ArkError(
        "ARK_CONTRACT_VIOLATION",
        `Data does not match contract ${id}: ${first ? describeIssue(first) : "invalid"}${more}.`,
        { details: { schemaId: id, issues: result.issues } },
      );
    },
    ids: () => [...documents.keys()].sort(),
  };
}

/** `/a/0/b must be string`, or `(root) must be object`. */
export function describeIssue(issue: ContractIssue): string {
  return `${issue.instancePath === "" ? "(root)" : issue.instancePath} ${issue.message}`;
}

function schemaId(schema: unknown): string {
  const id = typeof schema === "object" && schema !== null ? (schema as { $id?: unknown }).$id : undefined;
  if (typeof id !== "string" || id.trim() === "") {
    throw new ArkError("ARK_CONTRACT_SCHEMA_INVALID", "A contract schema needs a non-empty string `$id` to be registered.", {
      details: { schemaId: id ?? null },
    });
  }
  return id;
}

/** JSON with object keys sorted, so two equal schemas compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}
