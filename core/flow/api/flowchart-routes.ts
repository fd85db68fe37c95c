/**
 * Flowchart routes: CRUD, graph get/save (§2.4: structural problems answer 400 and write nothing; semantic ones are
 * saved and reported in `validation`), validate (the stored graph, or a candidate without saving), and import of a
 * flow file.
 */
import type { ApiRequest, ApiRoute } from "../../api/index.js";
import { apiReply } from "../../api/index.js";
import type { JSONSchema } from "../../contracts/json-schema.js";
import { normaliseGraphPayload, syncDecisionConnectors } from "../graph/index.js";
import { validationView } from "../store/flowchart-repository.js";
import { importFlowText, type FlowImportContext } from "./flow-file-import.js";
import { flowchartView, graphBody, schemas, validationBody } from "./flow-views.js";
import { guarded, idParamsSchema, optionalId, pageSchema, pagingProperties, pathId, type IdParams } from "./route-support.js";

const TAGS = ["flowcharts"];
/** Flow files and graphs may be large; 4 MiB covers thousands of nodes. */
const GRAPH_BODY_LIMIT = 4 * 1024 * 1024;

const settingsSchema: JSONSchema = {
  type: "object",
  description: "max_node_executions (1..10000 or null), max_runtime_minutes (1..2147483647 or null), max_parallel_nodes (1..2147483647); checked by the engine, every problem at once.",
};

const graphInputSchema = {
  type: "object",
  description: "{nodes[], connectors[] (or edges[])}: ARK's field names or the reference's (node_type, edge_mode, source_node_id, ...). The engine reports every structural problem at once (400 ARK_FLOW_GRAPH_INVALID).",
  properties: {
    nodes: { description: "Nodes: id, type, title, ref_id, config, position, bindings." },
    connectors: { description: "Connectors: id, source, target, mode (solid|dotted|dashed), condition_key, label." },
    edges: { description: "The reference's name for connectors." },
    graph_json: { description: "The whole graph as a JSON string (form-style clients)." },
  },
} satisfies JSONSchema;

const createBodySchema: JSONSchema = {
  type: "object",
  required: ["name"],
  additionalProperties: false,
  properties: {
    name: { type: "string", minLength: 1, maxLength: 255 },
    description: { type: ["string", "null"], maxLength: 512 },
    settings: settingsSchema,
    schema_version: { type: "integer", minimum: 1, description: "Definition format version (default: the newest this ARK knows)." },
    graph: graphInputSchema,
  },
};

const patchBodySchema: JSONSchema = {
  type: "object",
  additionalProperties: false,
  description: "Only the keys sent change; settings are merged key by key. The graph changes through POST .../graph.",
  properties: { name: { type: "string", minLength: 1, maxLength: 255 }, description: { type: ["string", "null"], maxLength: 512 }, settings: settingsSchema },
};

const importBodySchema: JSONSchema = {
  type: "object",
  additionalProperties: false,
  description: "A flow file (core/flow/graph/README.md): its text in `content` (YAML or JSON), or a JSON flow file as `definition`.",
  anyOf: [{ required: ["content"] }, { required: ["definition"] }],
  properties: {
    content: { type: "string", minLength: 1, description: "The file's text, YAML or JSON." },
    definition: { type: "object", description: "A flow file as a JSON object (schema_version, name, settings, nodes, connectors)." },
    file_name: { type: "string", minLength: 1, maxLength: 255, description: "Shown in positioned errors (default flow.yaml)." },
    flowchart_id: { type: ["string", "integer"], description: "Replace this flowchart instead of creating one." },
    match_name: { type: "boolean", default: false, description: "Without flowchart_id: replace the newest flowchart of the same name, if any." },
  },
};

const flowchartAnswer: JSONSchema = { type: "object", properties: { ok: { type: "boolean" }, flowchart: schemas.flowchart } };

interface ImportBody {
  content?: string;
  definition?: Record<string, unknown>;
  file_name?: string;
  flowchart_id?: string | number;
  match_name?: boolean;
}

/** The flowchart routes, over one import context (engine, connection, node-type registry). */
export function flowchartRoutes(context: FlowImportContext): ApiRoute[] {
  return [...crudRoutes(context), ...graphRoutes(context), importRoute(context)];
}

function crudRoutes(context: FlowImportContext): ApiRoute[] {
  const flowcharts = context.engine.flowcharts;
  return [
    {
      method: "GET", url: "/api/flowcharts", summary: "Flowcharts, newest first", tags: TAGS, auth: "bearer",
      schema: { querystring: { type: "object", additionalProperties: false, properties: pagingProperties() }, response: { "200": pageSchema("items", schemas.flowchart) } },
      handler: guarded(async (request: ApiRequest<unknown, { limit: number; offset: number }>) => {
        const { limit, offset } = request.query;
        const page = await flowcharts.list({ limit, offset });
        return { ok: true, items: page.items.map(flowchartView), count: page.items.length, total_count: page.total, limit, offset };
      }),
    },
    {
      method: "POST", url: "/api/flowcharts", summary: "Create a flowchart (with a graph, or a lone start node)", tags: TAGS, auth: "bearer", bodyLimitBytes: GRAPH_BODY_LIMIT,
      schema: { body: createBodySchema, response: { "201": { type: "object", properties: { ok: { type: "boolean" }, flowchart: schemas.flowchart, graph: schemas.graph, validation: schemas.validation } } } },
      handler: guarded(async (request: ApiRequest<unknown, unknown, Record<string, unknown>>) => {
        const body = request.body;
        const created = await flowcharts.create({
          name: body.name as string, description: body.description as string | null | undefined, settings: body.settings,
          ...(body.schema_version === undefined ? {} : { schemaVersion: body.schema_version as number }),
          ...(body.graph === undefined ? {} : { graph: body.graph }),
        });
        const { graph, ...record } = created;
        return apiReply(201, { ok: true, flowchart: flowchartView(record), graph: graphBody(graph), validation: validationBody(graph.validation) });
      }),
    },
    {
      method: "GET", url: "/api/flowcharts/:id", summary: "One flowchart (without its graph)", tags: TAGS, auth: "bearer",
      schema: { params: idParamsSchema, response: { "200": flowchartAnswer } },
      handler: guarded(async (request: ApiRequest<IdParams>) => ({ ok: true, flowchart: flowchartView(await flowcharts.get(pathId(request.params.id, "Flowchart"))) })),
    },
    {
      method: "PATCH", url: "/api/flowcharts/:id", summary: "Change a flowchart's name, description or settings", tags: TAGS, auth: "bearer",
      schema: { params: idParamsSchema, body: patchBodySchema, response: { "200": flowchartAnswer } },
      handler: guarded(async (request: ApiRequest<IdParams, unknown, Record<string, unknown>>) => {
        const record = await flowcharts.update(pathId(request.params.id, "Flowchart"), request.body);
        return { ok: true, flowchart: flowchartView(record) };
      }),
    },
    {
      method: "DELETE", url: "/api/flowcharts/:id", summary: "Delete a flowchart with its runs and artifacts (409 while a run is active)", tags: TAGS, auth: "bearer",
      schema: { params: idParamsSchema, response: { "200": { type: "object", properties: { ok: { type: "boolean" }, deleted: { type: "boolean" }, id: { type: "string" } } } } },
      handler: guarded(async (request: ApiRequest<IdParams>) => {
        const id = pathId(request.params.id, "Flowchart");
        await flowcharts.delete(id);
        return { ok: true, deleted: true, id };
      }),
    },
  ];
}

function graphRoutes(context: FlowImportContext): ApiRoute[] {
  const flowcharts = context.engine.flowcharts;
  return [
    {
      method: "GET", url: "/api/flowcharts/:id/graph", summary: "A flowchart's graph and its validation", tags: TAGS, auth: "bearer",
      schema: { params: idParamsSchema, response: { "200": schemas.graph } },
      handler: guarded(async (request: ApiRequest<IdParams>) => graphBody(await flowcharts.getGraph(pathId(request.params.id, "Flowchart")))),
    },
    {
      method: "POST", url: "/api/flowcharts/:id/graph", summary: "Replace a flowchart's graph (400 for structural problems; semantic ones in validation)",
      description: "Structural problems (payload shape, ids, node types, connector modes, missing endpoints) answer 400 ARK_FLOW_GRAPH_INVALID with every issue in details and write nothing. Semantic problems are saved and returned in validation.errors; a run is refused until they are fixed.",
      tags: TAGS, auth: "bearer", bodyLimitBytes: GRAPH_BODY_LIMIT,
      schema: { params: idParamsSchema, body: graphInputSchema, response: { "200": schemas.graph } },
      handler: guarded(async (request: ApiRequest<IdParams, unknown, unknown>) => graphBody(await flowcharts.saveGraph(pathId(request.params.id, "Flowchart"), request.body))),
    },
    {
      method: "POST", url: "/api/flowcharts/:id/validate", summary: "Validate the stored graph, or a candidate graph without saving it", tags: TAGS, auth: "bearer", bodyLimitBytes: GRAPH_BODY_LIMIT,
      schema: {
        params: idParamsSchema,
        body: { ...graphInputSchema, description: "Empty ({}): validate the stored graph. With nodes and connectors: validate that graph (nothing is saved)." },
        response: { "200": { type: "object", properties: { ok: { type: "boolean" }, flowchart_id: { type: "string" }, source: { type: "string", enum: ["stored", "candidate"] }, validation: schemas.validation } } },
      },
      handler: guarded(async (request: ApiRequest<IdParams, unknown, Record<string, unknown>>) => {
        const id = pathId(request.params.id, "Flowchart");
        const body = request.body ?? {};
        if (Object.keys(body).length === 0) {
          const stored = await flowcharts.getGraph(id);
          return { ok: true, flowchart_id: stored.flowchartId, source: "stored", validation: validationBody(stored.validation) };
        }
        const record = await flowcharts.get(id);
        const { graph: raw, issues } = normaliseGraphPayload(body);
        const { graph } = syncDecisionConnectors(raw, context.registry);
        const result = await flowcharts.validateStored(context.db, graph);
        const merged = { ...result, valid: result.valid && issues.length === 0, structuralErrors: [...issues, ...result.structuralErrors] };
        return { ok: true, flowchart_id: record.id, source: "candidate", validation: validationBody(validationView(merged)) };
      }),
    },
  ];
}

function importRoute(context: FlowImportContext): ApiRoute {
  return {
    method: "POST", url: "/api/flowcharts/import", summary: "Import a flow file (YAML or JSON): create a flowchart or replace one",
    description: "Any error in the file (syntax, schema, graph rule, a missing referenced flowchart) answers 400 ARK_FLOW_FILE_INVALID with details.issues — each {file, line, col, path, code, message} — and writes nothing. 201 when created, 200 when replaced.",
    tags: TAGS, auth: "bearer", bodyLimitBytes: GRAPH_BODY_LIMIT,
    schema: {
      body: importBodySchema,
      response: {
        "201": { type: "object", properties: { ok: { type: "boolean" }, action: { type: "string", enum: ["created", "updated"] }, flowchart: schemas.flowchart, graph: schemas.graph, warnings: { type: "array", items: { type: "object" } } } },
      },
    },
    handler: guarded(async (request: ApiRequest<unknown, unknown, ImportBody>) => {
      const body = request.body;
      const text = body.content ?? JSON.stringify(body.definition, null, 2);
      const flowchartId = optionalId(body.flowchart_id, "flowchart_id");
      const result = await importFlowText(context, text, body.file_name ?? (body.content === undefined ? "flow.json" : "flow.yaml"), {
        ...(flowchartId === undefined ? {} : { flowchartId }), matchName: body.match_name === true,
      });
      return apiReply(result.action === "created" ? 201 : 200, {
        ok: true, action: result.action, flowchart: flowchartView(result.flowchart), graph: graphBody(result.graph), warnings: result.warnings,
      });
    }),
  };
}
