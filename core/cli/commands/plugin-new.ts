/**
 * `ark plugin new tool-domain NAME [--dir DIR]`: writes a new tool-domain plugin (domain, node type, tests, conformance,
 * README) into DIR/tools-NAME (default plugins/). Refuses to overwrite an existing folder.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ArkError, errorMessage } from "../../errors/index.js";
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
  writePluginFolder(folder, files);
  if (opts.json) outJson({ ok: true, folder, files: Object.keys(files).sort() });
  else {
    out(`created ${path.relative(process.cwd(), folder) || folder}: ${Object.keys(files).sort().join(", ")}`);
    out(`next: npx vitest run ${path.relative(process.cwd(), folder)}   and add "- from: ./${path.relative(process.cwd(), folder)}" to plugins: in runtime.config.yaml`);
  }
  return folder;
}

/**
 * Writes the files; when that fails, removes the plugin folder if it was created, so a retry does not find it "already
 * exists". Only the parent is made recursively: Node's recursive mkdir loops forever where mkdir answers ENOENT for a
 * folder whose parent exists (under /proc).
 */
function writePluginFolder(folder: string, files: Record<string, string>): void {
  let created = false;
  try {
    mkdirSync(path.dirname(folder), { recursive: true });
    mkdirSync(folder);
    created = true;
    for (const [file, text] of Object.entries(files)) writeFileSync(path.join(folder, file), text);
  } catch (err) {
    if (created) rmSync(folder, { recursive: true, force: true });
    throw new ArkError("ARK_INVALID_ARGUMENT", `Cannot create the plugin in ${folder}: ${whyNotWritable(err)}`, { details: { folder, errno: (err as NodeJS.ErrnoException).code }, cause: err });
  }
}

/** The reason, and what to do about it, for the file-system errors a bad NAME or --dir leads to. */
function whyNotWritable(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case "ENOTDIR":
    case "EEXIST":
      return "part of that path is a file, not a folder. Give --dir a folder, or a path where one can be created.";
    case "ENAMETOOLONG":
      return "a name on that path is too long for the file system. Choose a shorter NAME (or --dir).";
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return "permission denied. Give --dir a folder you can write to.";
    default:
      return `${errorMessage(err)}. Check --dir and the free space there.`;
  }
}
