/**
 * `ark plugin new tool-domain NAME [--dir DIR]`: writes a new tool-domain plugin (domain, node type, tests, conformance,
 * README, and a package.json declaring ES modules when DIR is not inside such a package) into DIR/tools-NAME (default
 * plugins/). Refuses to overwrite an existing folder.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
  if (!underEsmPackage(path.dirname(folder))) files["package.json"] = esmPackageJson(name);
  writePluginFolder(folder, files);
  if (opts.json) outJson({ ok: true, folder, files: Object.keys(files).sort() });
  else {
    out(`created ${path.relative(process.cwd(), folder) || folder}: ${Object.keys(files).sort().join(", ")}`);
    out(`next: npx vitest run ${path.relative(process.cwd(), folder)}   and add "- from: ./${path.relative(process.cwd(), folder)}" to plugins: in runtime.config.yaml`);
  }
  return folder;
}

/**
 * True when the nearest package.json above `dir` declares `"type": "module"`. The template is ES modules; outside such a
 * package (a team's own repository, /tmp) Node and tsx load its .ts files as CommonJS and the plugin fails to load.
 */
function underEsmPackage(dir: string): boolean {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const file = path.join(current, "package.json");
    if (existsSync(file)) {
      try {
        return (JSON.parse(readFileSync(file, "utf8")) as { type?: unknown }).type === "module";
      } catch {
        return false; // unreadable or not JSON: Node would not honour it either, so the plugin gets its own
      }
    }
    if (path.dirname(current) === current) return false;
  }
}

/** The package.json of a plugin generated outside an ES-module package. */
function esmPackageJson(name: string): string {
  return `${JSON.stringify({ name: `ark-plugin-tools-${name.replace(/_/g, "-")}`, version: "0.1.0", private: true, type: "module" }, null, 2)}\n`;
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
