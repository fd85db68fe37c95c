/**
 * `ark flows import FILE [--new] [--json]` and `ark flows list [--json]`. An import is refused whole when the file has
 * any error (each printed as file:line:col path: message, exit 1); by default it updates the newest flowchart with
 * the file's name (runs already started keep their snapshot), `--new` always creates another. A file at schema_version
 * 1 (the pre-migration format, e.g. an export of a legacy-imported flowchart) is stored at 1, with a note, for `ark migrate`.
 */
import { importFlowText } from "../../flow/api/flow-file-import.js";
import { flowchartView } from "../../flow/api/flow-views.js";
import { FLOW_SCHEMA_VERSION, formatFlowFileIssue } from "../../flow/index.js";
import type { GlobalOptions } from "../cli-options.js";
import { out, outJson, table } from "../output.js";
import { withFlowKernel } from "./flow-kernel.js";
import { flowsImportLegacyCommand } from "./flows-legacy.js";
import { readFlowFile } from "./input-file.js";

/** `ark flows import`: exit 0 when imported; errors throw (exit 1 with every positioned problem). */
export async function flowsImportCommand(global: GlobalOptions, file: string, opts: { json?: boolean; new?: boolean; legacy?: boolean }): Promise<void> {
  if (opts.legacy) return flowsImportLegacyCommand(global, file, opts);
  const text = readFlowFile(file);
  await withFlowKernel(global, { workers: false }, async (flow) => {
    const result = await importFlowText(flow.imports, text, file, { matchName: opts.new !== true });
    const { graph } = result;
    if (opts.json) {
      outJson({
        ok: true, action: result.action, flowchart: flowchartView(result.flowchart), nodes: graph.graph.nodes.length, connectors: graph.graph.connectors.length,
        validation: { valid: graph.validation.valid, errors: graph.validation.errors }, warnings: result.warnings,
      });
      return;
    }
    out(`${result.action} flowchart ${result.flowchart.id} "${result.flowchart.name}" from ${file}: ${graph.graph.nodes.length} nodes, ${graph.graph.connectors.length} connectors`);
    for (const warning of result.warnings) out(`  warning: ${formatFlowFileIssue(warning)}`);
    if (result.flowchart.schemaVersion < FLOW_SCHEMA_VERSION) {
      out(`  note: schema_version ${result.flowchart.schemaVersion} is the pre-migration format; stored as it is, \`ark migrate\` (plugin migrations-runtime) takes it to ${FLOW_SCHEMA_VERSION}`);
    }
    out(`run it: ark run ${result.flowchart.id} --watch`);
  });
}

/** `ark flows list`: every flowchart, newest first. */
export async function flowsListCommand(global: GlobalOptions, opts: { json?: boolean }): Promise<void> {
  await withFlowKernel(global, { workers: false }, async (flow) => {
    const items = [];
    for (let offset = 0; ; offset += 500) {
      const page = await flow.engine.flowcharts.list({ limit: 500, offset });
      items.push(...page.items);
      if (page.items.length < 500) break;
    }
    if (opts.json) {
      outJson({ ok: true, flowcharts: items.map(flowchartView) });
      return;
    }
    if (items.length === 0) {
      out("No flowcharts yet. Import one: ark flows import examples/flows/linear.yaml");
      return;
    }
    out(table([["ID", "NAME", "SCHEMA", "UPDATED"], ...items.map((f) => [f.id, f.name, String(f.schemaVersion), f.updatedAt])]));
  });
}
