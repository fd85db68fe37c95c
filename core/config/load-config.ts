import { readFile } from "node:fs/promises";
import path from "node:path";
import { cosmiconfig } from "cosmiconfig";
import { isMap, isSeq, LineCounter, parseDocument, type Document } from "yaml";
import { ArkError, errorMessage } from "../errors/index.js";
import { formatConfigIssue, formatConfigPath, type ConfigIssue } from "./config-issue.js";
import { documentPositions, type ConfigSource } from "./config-source.js";
import { interpolateDocument, type Environment, type InterpolationProblem } from "./interpolate.js";

/** Where to look for the config and which environment to interpolate from. */
export interface LoadConfigOptions {
  /** An explicit file (`--config`); wins over the search. Relative to `cwd`. */
  configPath?: string;
  /** Folder searched for the config files; default process.cwd(). */
  cwd?: string;
  /** Variables for `${VAR}`; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The file names searched, in order, in the working folder. */
export const CONFIG_SEARCH_PLACES = ["runtime.config.yaml", ".arkrc.yaml", "ark.config.yaml"] as const;

/** Finds, reads, parses and interpolates the config file. Throws ARK_CONFIG_NOT_FOUND / _PARSE / _ENV_MISSING. */
export async function loadConfigSource(options: LoadConfigOptions = {}): Promise<ConfigSource> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const { filePath, text } = options.configPath === undefined
    ? await searchConfigFile(cwd)
    : await readExplicitFile(path.resolve(cwd, options.configPath));
  return parseConfigText(text, filePath, displayPathOf(filePath, cwd), options.env ?? process.env);
}

/** Parses and interpolates config text; exported for callers that already hold the text (and for tests). */
export function parseConfigText(text: string, filePath: string | null, displayPath: string, env: Environment): ConfigSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw parseError(doc, lineCounter, displayPath);
  if (doc.contents !== null && !isMap(doc.contents)) {
    const { line, col } = lineCounter.linePos(doc.contents.range?.[0] ?? 0);
    const message = `the config must be a mapping of sections (kernel:, plugins:, ...), not a ${describeNode(doc.contents)}.`;
    const issues = [{ code: "ARK_CONFIG_INVALID", file: displayPath, line, col, path: "", message }];
    throw new ArkError("ARK_CONFIG_INVALID", `${displayPath}:${line}:${col} ${message}`, { details: { file: displayPath, line, col, issues } });
  }
  const problems = interpolateDocument(doc, text, env);
  if (problems.length > 0) throw interpolationError(problems, lineCounter, displayPath);
  const positionOf = documentPositions(doc, lineCounter);
  let value: unknown;
  try {
    value = doc.toJS() ?? {};
  } catch (cause) {
    throw new ArkError("ARK_CONFIG_PARSE", `Cannot read ${displayPath}: ${errorMessage(cause)}`, { details: { file: displayPath }, cause });
  }
  return { filePath, displayPath, text, value: value as Record<string, unknown>, positionOf };
}

async function searchConfigFile(cwd: string): Promise<{ filePath: string; text: string }> {
  const keepText = (_file: string, content: string): { text: string } => ({ text: content });
  const explorer = cosmiconfig("ark", {
    searchPlaces: [...CONFIG_SEARCH_PLACES],
    searchStrategy: "none",
    ignoreEmptySearchPlaces: false,
    cache: false,
    loaders: { ".yaml": keepText },
  });
  let found: Awaited<ReturnType<typeof explorer.search>>;
  try {
    found = await explorer.search(cwd);
  } catch (cause) {
    throw new ArkError("ARK_CONFIG_NOT_FOUND", `Cannot search ${cwd} for a config file: ${errorMessage(cause)}`, { details: { cwd }, cause });
  }
  if (found === null) {
    const searched = CONFIG_SEARCH_PLACES.join(", ");
    throw new ArkError("ARK_CONFIG_NOT_FOUND", `No config file in ${cwd} (looked for ${searched}).`, { details: { cwd, searched: [...CONFIG_SEARCH_PLACES] } });
  }
  const { text } = (found.config ?? { text: "" }) as { text: string };
  return { filePath: found.filepath, text };
}

async function readExplicitFile(filePath: string): Promise<{ filePath: string; text: string }> {
  try {
    return { filePath, text: await readFile(filePath, "utf8") };
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "does not exist" : code === "EISDIR" ? "is a folder, not a file" : `cannot be read (${errorMessage(cause)})`;
    throw new ArkError("ARK_CONFIG_NOT_FOUND", `Config file ${filePath} ${reason}.`, { details: { path: filePath }, cause });
  }
}

/** Relative to cwd for messages, unless the file lies outside it (then absolute, which is clearer than ../../..). */
function displayPathOf(filePath: string, cwd: string): string {
  const relative = path.relative(cwd, filePath);
  return relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? filePath : relative;
}

function parseError(doc: Document, lineCounter: LineCounter, file: string): ArkError {
  const issues: ConfigIssue[] = doc.errors.map((error) => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    return { file, line, col, path: "", message: error.message };
  });
  const lines = issues.map((issue) => `  ${formatConfigIssue(issue)}`).join("\n");
  const errors = doc.errors.map((error, i) => ({ ...issues[i], code: error.code }));
  // `errors` carries YAML's own codes; `issues` the ARK code every config problem has (what `ark config validate` lists).
  const coded = issues.map((issue) => ({ code: "ARK_CONFIG_PARSE", ...issue }));
  return new ArkError("ARK_CONFIG_PARSE", `${file} is not valid YAML:\n${lines}`, { details: { file, errors, issues: coded } });
}

function interpolationError(problems: InterpolationProblem[], lineCounter: LineCounter, file: string): ArkError {
  // Each issue has its own code: a malformed expression is ARK_CONFIG_PARSE, an unset variable ARK_CONFIG_ENV_MISSING.
  const issues = problems.map((problem) => {
    const { line, col } = lineCounter.linePos(problem.offset);
    const code = problem.kind === "malformed" ? "ARK_CONFIG_PARSE" : "ARK_CONFIG_ENV_MISSING";
    return { code, file, line, col, path: formatConfigPath(problem.path), message: problem.message, variable: problem.variable };
  });
  const lines = issues.map((issue) => `  ${formatConfigIssue(issue)}`).join("\n");
  const malformed = problems.filter((problem) => problem.kind === "malformed");
  if (malformed.length > 0) {
    return new ArkError("ARK_CONFIG_PARSE", `${file} has malformed \${...} expressions:\n${lines}`, { details: { file, issues } });
  }
  const names = [...new Set(problems.map((problem) => problem.variable))].join(", ");
  const header = `${file} uses environment variables that are not set (${names})`;
  return new ArkError("ARK_CONFIG_ENV_MISSING", `${header}:\n${lines}`, { details: { file, missing: issues, issues } });
}

function describeNode(node: unknown): string {
  return isSeq(node) ? "list" : "single value";
}
