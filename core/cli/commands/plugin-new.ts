/**
 * `ark plugin new tool-domain NAME [--dir DIR]`: writes a new tool-domain plugin (domain, node type, tests, conformance,
 * README) into DIR/tools-NAME (default plugins/). Refuses to overwrite an existing folder.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ArkError } from "../../errors/index.js";
import { DOMAIN_NAME, relativeSpecifier, toolDomainTemplate } from "../../scaffold/tool-domain-template.js";
import { out, outJson } from "../output.js";

const coreDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Generates the plugin; resolves with the folder written. */
export function pluginNewToolDomain(name: string, opts: { dir?: string; json?: boolean } = {}): string {
  if (!DOMAIN_NAME.test(name)) {
    throw new ArkError("ARK_INVALID_ARGUMENT", `Tool domain name ${JSON.stringify(name)} must be lower-case words joined by "-" or "_" (e.g. weather, ticket_queue).`, { details: { name } });
  }
  const folder = path.resolve(opts.dir ?? "plugins", `tools-${name.replace(/_/g, "-")}`);
  if (existsSync(folder)) throw new ArkError("ARK_INVALID_ARGUMENT", `${folder} already exists; choose another name or remove it first.`, { details: { folder } });
  const files = toolDomainTemplate({
    name, pluginApi: relativeSpecifier(folder, path.join(coreDir, "plugin-api/index.js")), testing: relativeSpecifier(folder, path.join(coreDir, "testing/index.js")),
  });
  mkdirSync(folder, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(folder, file), text);
  if (opts.json) outJson({ ok: true, folder, files: Object.keys(files).sort() });
  else {
    out(`created ${path.relative(process.cwd(), folder) || folder}: ${Object.keys(files).sort().join(", ")}`);
    out(`next: npx vitest run ${path.relative(process.cwd(), folder)}   and add "- from: ./${path.relative(process.cwd(), folder)}" to plugins: in runtime.config.yaml`);
  }
  return folder;
}
