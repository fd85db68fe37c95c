/**
 * `ark flows import --legacy FILE`: a flowchart export of the reference system (JSON: one flowchart
 * `{flowchart, nodes, edges}`, `{flowcharts: [...]}` or an array) stored at schema version 1 for `ark migrate`.
 */
import { ArkError, errorMessage } from "../../errors/index.js";
import { LEGACY_SCHEMA_VERSION, parseLegacyExport } from "../../migration/index.js";
import type { GlobalOptions } from "../cli-options.js";
import { out, outJson } from "../output.js";
import { readInputFile, type InputFileKind } from "./input-file.js";
import { withMigrationKernel } from "./migration-kernel.js";

/** One export holds every flowchart of the older system, so it may be far larger than one flow file. */
const LEGACY_EXPORT: InputFileKind = { label: "legacy export", maxBytes: 256 * 1024 * 1024 };

function readJson(file: string): unknown {
  const text = readInputFile(file, LEGACY_EXPORT);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ArkError("ARK_FLOW_LEGACY_INVALID", `${file} is not JSON: ${errorMessage(err)}`, { details: { file, problems: [errorMessage(err)] }, cause: err });
  }
}

/** Imports every flowchart of the export in one transaction (nothing is written when any problem is found). */
export async function flowsImportLegacyCommand(global: GlobalOptions, file: string, opts: { json?: boolean }): Promise<void> {
  const document = readJson(file);
  parseLegacyExport(document, file); // a broken export is refused before any kernel boots
  const result = await withMigrationKernel(global, (service) => service.importLegacy(document, file));
  if (opts.json) return outJson({ ok: true, schema_version: LEGACY_SCHEMA_VERSION, ...result });
  for (const f of result.flowcharts) {
    out(`created flowchart ${f.flowchartId} "${f.name}" from legacy flowchart ${f.legacyId ?? "-"}: ${f.nodes} nodes, ${f.edges} edges (schema_version ${LEGACY_SCHEMA_VERSION})`);
  }
  for (const warning of result.warnings) out(`  warning: ${warning}`);
  out("next: ark migrate --export-json flow_migration_report.json");
}
