import type { JSONSchema } from "./json-schema.js";

/** One schema error, ajv-style, with a JSON-pointer instance path. */
export interface ContractIssue {
  readonly instancePath: string;
  readonly message: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
}

/** The one ajv registry: schemas registered by `$id`, compiled once. */
export interface ContractRegistry {
  /** Registers a schema under its `$id`; the same schema twice is a no-op, a different one is ARK_CONTRACT_DUPLICATE_SCHEMA. */
  register(schema: JSONSchema & { $id: string }): void;
  has(id: string): boolean;
  /** The registered schema document (for OpenAPI and `ark config schema`), or undefined. */
  schema(id: string): JSONSchema | undefined;
  /** Validation result without throwing. */
  check(id: string, data: unknown): { valid: true } | { valid: false; issues: ContractIssue[] };
  /** Returns `data` typed as T when valid, else throws ArkError ARK_CONTRACT_VIOLATION with the issues in details. */
  validate<T>(id: string, data: unknown): T;
  ids(): string[];
}
