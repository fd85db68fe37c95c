/**
 * The JSON Schema of a flowchart file (`examples/flows/*.yaml`, `ark flows import FILE`) and the wording of its
 * violations. Editors can use the schema for completion; the parser uses it with ajv (allErrors) and turns each error
 * into one message at a path.
 */
import { pointerToPath } from "../../config/schema-errors.js";
import { withSafeIntegerBounds } from "../../contracts/safe-integer-bounds.js";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { FLOW_SCHEMA_VERSION, MAX_FLOW_SETTING } from "./graph-model.js";

/** `$id` of the flow file schema. */
export const FLOW_FILE_SCHEMA_ID = "https://ark.dev/schemas/v1/flow-file.json";

const id = { type: ["string", "integer"], pattern: "^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$", minimum: 1 } as const;
/** Connector ids may also hold the generated `source->target#n` form. */
const connectorId = { type: ["string", "integer"], pattern: "^[A-Za-z0-9][A-Za-z0-9_.:>#-]{0,139}$", minimum: 1 } as const;
const limit = (description: string, maximum?: number) => ({
  description,
  anyOf: [{ type: "integer", minimum: 1, ...(maximum === undefined ? {} : { maximum }) }, { type: "null" }],
});

/** A flowchart as a file: metadata, run settings, nodes with string ids, connectors between them. */
export const flowFileSchema = {
  $id: FLOW_FILE_SCHEMA_ID,
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "ARK flowchart file v1",
  type: "object",
  required: ["schema_version", "name", "nodes"],
  additionalProperties: false,
  properties: {
    schema_version: {
      description: `Flowchart definition format version: ${FLOW_SCHEMA_VERSION} is ARK's native format; 1 is the pre-migration format (stored at 1, \`ark migrate\` takes it to ${FLOW_SCHEMA_VERSION}).`,
      type: "integer", minimum: 1, maximum: FLOW_SCHEMA_VERSION,
    },
    name: { type: "string", minLength: 1, maxLength: 255, pattern: "\\S" },
    description: { type: ["string", "null"], maxLength: 512 },
    settings: {
      type: "object",
      additionalProperties: false,
      properties: {
        max_node_executions: limit("Total node executions per run (null: only the hard cap of 10000).", 10000),
        max_runtime_minutes: limit("Wall-clock limit per run in minutes (null: none).", MAX_FLOW_SETTING),
        max_parallel_nodes: { description: "How many ready nodes run at once.", type: "integer", minimum: 1, maximum: MAX_FLOW_SETTING, default: 1 },
      },
    },
    nodes: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["id", "type"],
        additionalProperties: false,
        properties: {
          id,
          type: { type: "string", pattern: "^[A-Za-z][A-Za-z0-9_-]{0,31}$" },
          title: { type: ["string", "null"] },
          ref_id: { anyOf: [{ type: "integer", minimum: 1 }, { type: "null" }] },
          config: { type: "object" },
          position: { type: "object", required: ["x", "y"], additionalProperties: false, properties: { x: { type: "number" }, y: { type: "number" } } },
        },
      },
    },
    connectors: {
      type: "array",
      items: {
        type: "object",
        required: ["source", "target"],
        additionalProperties: false,
        properties: {
          id: connectorId,
          source: id,
          target: id,
          mode: { enum: ["solid", "dotted", "dashed"], default: "solid" },
          condition_key: { type: ["string", "null"] },
          condition: { description: "Decision condition for this connector (written into the decision's decision_conditions).", type: "string" },
          label: { type: ["string", "null"] },
        },
      },
    },
  },
} as const;

let compiled: ValidateFunction | null = null;

/** Validates parsed file content; returns one problem per real mistake, each at a path into the file. */
export function flowFileSchemaProblems(value: unknown): { path: (string | number)[]; message: string }[] {
  compiled ??= new Ajv({ allErrors: true, strict: false }).compile(withSafeIntegerBounds(flowFileSchema));
  if (compiled(value)) return [];
  const problems: { path: (string | number)[]; message: string }[] = [];
  const seen = new Set<string>();
  for (const error of compiled.errors ?? []) {
    if (error.keyword === "anyOf" || error.keyword === "if") continue;
    const problem = describe(error, value);
    const key = `${problem.path.join(".")}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return collapseNullableAlternatives(problems);
}

/** `limit` fields fail both anyOf branches ("must be integer", "must be null"); report them once. */
function collapseNullableAlternatives(problems: { path: (string | number)[]; message: string }[]) {
  return problems.filter((p, i) => {
    if (p.message !== "must be null") return true;
    return !problems.some((q, j) => j !== i && q.path.join(".") === p.path.join("."));
  });
}

function describe(error: ErrorObject, data: unknown): { path: (string | number)[]; message: string } {
  const path = pointerToPath(error.instancePath, data);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return { path, message: `missing required key '${String(params.missingProperty)}'` };
    case "additionalProperties":
      return { path: [...path, String(params.additionalProperty)], message: `unknown key '${String(params.additionalProperty)}'` };
    case "type":
      return { path, message: `must be ${String(params.type).split(",").join(" or ")}` };
    case "enum":
      return { path, message: `must be one of: ${(params.allowedValues as unknown[]).join(", ")}` };
    case "maximum":
      if (path.length === 1 && path[0] === "schema_version") {
        return { path, message: `is newer than this ARK understands (it reads schema_version ${FLOW_SCHEMA_VERSION}); upgrade ARK` };
      }
      return { path, message: `must be <= ${String(params.limit)}` };
    case "minimum":
      return { path, message: `must be >= ${String(params.limit)}` };
    case "pattern":
      return { path, message: path.includes("name") ? "must not be blank" : `must match ${String(params.pattern)}` };
    case "minLength":
      return { path, message: "must not be empty" };
    case "minItems":
      return { path, message: `must have at least ${String(params.limit)} item(s)` };
    default:
      return { path, message: error.message ?? `is invalid (${error.keyword})` };
  }
}

