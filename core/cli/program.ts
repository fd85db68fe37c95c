import { Command, InvalidArgumentError, Option, type CommanderError } from "commander";
import { RUN_STATUSES } from "../flow/engine/engine-types.js";
import { ArkError } from "../errors/index.js";
import { KERNEL_API_VERSION } from "../kernel/api-version.js";
import type { GlobalOptions } from "./cli-options.js";
import { printError } from "./output.js";
import type { BundleOptions } from "./commands/bundle.js";
import type { MigrateOptions } from "./commands/migrate.js";
import type { RunOptions } from "./commands/run.js";
import type { RunsListOptions } from "./commands/runs.js";

/**
 * Each command's module loads when that command runs: most of them import the kernel (~1 s of module loading), which
 * `ark --help`, `ark --version` and a usage error do not need.
 */
const commands = {
  bundle: () => import("./commands/bundle.js"),
  config: () => import("./commands/config.js"),
  cutover: () => import("./commands/cutover.js"),
  db: () => import("./commands/db.js"),
  doctor: () => import("./commands/doctor.js"),
  flows: () => import("./commands/flows.js"),
  migrate: () => import("./commands/migrate.js"),
  pluginNew: () => import("./commands/plugin-new.js"),
  plugins: () => import("./commands/plugins.js"),
  run: () => import("./commands/run.js"),
  runs: () => import("./commands/runs.js"),
  start: () => import("./commands/start.js"),
};

/** Exit codes: 0 ok, 1 failed or invalid, 2 usage error (commander). */
export type ExitCode = number;

/**
 * Commander errors that are about how the command was typed (exit 2), as opposed to help/version output (exit 0).
 * With --json a script reads stdout, so the error goes there as the same JSON object every other error is.
 */
function usageExit(json: boolean): (err: CommanderError) => never {
  return (err) => {
    if (err.exitCode === 0) process.exit(0);
    if (json) printError(usageError(err), true);
    process.exit(2);
  };
}

/** Commander's message without its "error: " prefix; `ark` with no command shows help, which is no message. */
function usageError(err: CommanderError): ArkError {
  const message = err.code === "commander.help" ? "No command given; `ark --help` lists them." : err.message.replace(/^error: /, "");
  return new ArkError("ARK_INVALID_ARGUMENT", message, { details: { usage: err.code } });
}

/** A positive integer id argument (runs, flowcharts); anything else is a usage error. */
function rowId(value: string): string {
  if (!/^[1-9]\d{0,17}$/.test(value.trim())) throw new InvalidArgumentError("must be a positive integer id.");
  return value.trim();
}

/** A positive number of seconds. */
function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("must be a positive number of seconds.");
  return n;
}

/** A whole number from 1 to 500. */
function listLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 500) throw new InvalidArgumentError("must be a whole number from 1 to 500.");
  return n;
}

/** `ark flows`, `ark run`, `ark runs`. */
function addFlowCommands(program: Command, global: () => GlobalOptions, setExit: (code: ExitCode) => void): void {
  const flows = program.command("flows").description("flowcharts stored in the database");
  flows.command("import").argument("<file>", "flow file (YAML or JSON; see examples/flows)")
    .description("import a flow file: updates the newest flowchart with the same name, or creates one (exit 1 with every file:line:col problem)")
    .option("--new", "always create a new flowchart")
    .option("--legacy", "FILE is a flowchart export of the reference system (JSON); stored at schema_version 1 for `ark migrate`")
    .option("--json", "machine-readable output")
    .action(async (file: string, opts: { json?: boolean; new?: boolean; legacy?: boolean }) => (await commands.flows()).flowsImportCommand(global(), file, opts));
  flows.command("list").description("list flowcharts, newest first").option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }) => (await commands.flows()).flowsListCommand(global(), opts));

  program.command("run").argument("<file|id>", "a flow file (imported first; same name → updated) or a flowchart id")
    .description("run a flowchart in-process on the configured store and wait for it (exit 0 when completed, 1 otherwise)")
    .option("-w, --watch", "print a line per node-run transition (node, type, execution index, status, ms)")
    .option("--json", "print the run's events as JSON lines, then a run_summary line")
    .option("--timeout <seconds>", "cancel the run and fail after this many seconds", seconds)
    .action(async (target: string, opts: RunOptions) => setExit(await (await commands.run()).runCommand(global(), target, opts)));

  const runs = program.command("runs").description("runs of flowcharts: list, inspect, cancel");
  runs.command("list").description("list runs, newest first")
    .addOption(new Option("--status <status>", "only runs in this status").choices(RUN_STATUSES))
    .option("--flowchart <id>", "only runs of this flowchart", rowId)
    .option("--limit <n>", "most runs listed (default 50)", listLimit)
    .option("--json", "machine-readable output")
    .action(async (opts: RunsListOptions) => (await commands.runs()).runsListCommand(global(), opts));
  runs.command("show").argument("<id>", "run id", rowId).description("a run's status, timings, per-node table and warnings")
    .option("--json", "machine-readable output")
    .action(async (id: string, opts: { json?: boolean }) => (await commands.runs()).runsShowCommand(global(), id, opts));
  runs.command("cancel").argument("<id>", "run id", rowId).description("stop a run gracefully (running nodes finish), or --force to cancel it at once")
    .option("--force", "cancel at once: the run and its running node runs become canceled")
    .option("--json", "machine-readable output")
    .action(async (id: string, opts: { force?: boolean; json?: boolean }) => (await commands.runs()).runsCancelCommand(global(), id, opts));
}

/** `ark bundle`: executor bundles (and images) per plugin set. */
function addBundleCommand(program: Command, setExit: (code: ExitCode) => void): void {
  const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
  program.command("bundle").description("build executor bundles (one ESM file, Dockerfile, bundle.json per image class) for a plugin set; --push builds and pushes images")
    .option("--executor-frontier", "build the frontier class (hosted LLM APIs)")
    .option("--executor-vllm", "build the vLLM class")
    .option("--plugins <ids>", "comma-separated plugin ids")
    .option("--plugin-set <file>", "YAML list of plugin ids (one file per set keeps a CI matrix simple)")
    .option("--plugin-dir <dir>", "another folder of plugin folders to search (repeatable; plugins/ is always searched)", collect)
    .option("--out <dir>", "output folder (default dist/executor); each class gets <out>/<class>/")
    .option("--tag <tag>", "image tag")
    .option("--registry <registry>", "registry and path, e.g. registry.example.com/ark")
    .option("--base-image <image>", "Node base image (default node:20-bookworm-slim)")
    .option("--base-digest <sha256>", "pin the base image by digest (reproducible images)")
    .option("--push", "build and push REGISTRY/ark-executor-<class>:<tag> with docker buildx, podman or buildah")
    .option("--also-latest", "with --push, also tag and push :latest")
    .option("--force", "with --push, overwrite a tag that already exists in the registry")
    .addOption(new Option("--registry-scheme <scheme>", "how to ask the registry whether a tag exists").choices(["http", "https"]))
    .option("--json", "machine-readable output (progress goes to stderr)")
    .action(async (opts: BundleOptions) => setExit(await (await commands.bundle()).bundleCommand(opts)));
}

/** Repeatable `--flowchart-id N`. */
function collectIds(value: string, previous: string[] = []): string[] {
  return [...previous, rowId(value)];
}

/** `ark migrate`, `ark migrate rollback`, `ark cutover`. */
function addMigrationCommands(program: Command, global: () => GlobalOptions, setExit: (code: ExitCode) => void): void {
  const migrate = program.command("migrate")
    .description("flow migration: dry-run by default (exit 2 when the compatibility gate blocks a flowchart); --apply writes ready flowcharts with evidence")
    .option("--apply", "write flowcharts whose gate is ready (one transaction each, evidence recorded)")
    .option("--export-json <file>", "write the report (evidence) to FILE")
    .option("--flowchart-id <id>", "only this flowchart (repeatable)", collectIds)
    .option("--non-strict-policy", "policy.* issues become warnings instead of blocking")
    .option("--wait-for-runs", "wait for a flowchart's active runs to finish instead of refusing it")
    .option("--wait-timeout <seconds>", "give up waiting for runs after this long (default 600)", seconds)
    .option("--print-schema", "print the report's JSON Schema and exit")
    .option("--json", "print the report as JSON")
    .action(async (opts: MigrateOptions) => setExit(await (await commands.migrate()).migrateCommand(global(), opts)));
  migrate.command("rollback").description("restore the pre-snapshot recorded by the last apply, verified by hash")
    .option("--flowchart-id <id>", "only this flowchart (repeatable; default: every applied flowchart)", collectIds)
    .option("--force", "restore even if the flowchart changed since the apply")
    .option("--export-json <file>", "write the rollback report to FILE")
    .option("--json", "machine-readable output")
    // `--json`, `--flowchart-id` and `--export-json` also exist on `migrate`, which parses them first: merge both levels.
    .action(async (_opts: unknown, cmd: Command) => setExit(await (await commands.migrate()).migrateRollbackCommand(global(), cmd.optsWithGlobals())));

  const cutover = program.command("cutover").description("the agent runtime cutover gate (agent_runtime_cutover_enabled)");
  cutover.command("status").description("show the gate and its last change").option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }) => (await commands.cutover()).cutoverStatusCommand(global(), opts));
  cutover.command("enable").description("run the preflight, then enable the gate (refused when a check fails)")
    .option("--force", "enable even when preflight checks fail (recorded in the settings version's note)")
    .option("--actor <name>", "who is making the change (recorded)")
    .option("--json", "machine-readable output")
    .action(async (opts: { force?: boolean; actor?: string; json?: boolean }) => (await commands.cutover()).cutoverEnableCommand(global(), opts));
  cutover.command("disable").description("disable the gate (the rollback; always works while the database is reachable)")
    .option("--actor <name>", "who is making the change (recorded)")
    .option("--reason <text>", "why (recorded in the settings version's note)")
    .option("--json", "machine-readable output")
    .action(async (opts: { actor?: string; reason?: string; json?: boolean }) => (await commands.cutover()).cutoverDisableCommand(global(), opts));
}

/** `ark plugin new tool-domain NAME`. */
function addPluginAuthoringCommands(program: Command): void {
  const plugin = program.command("plugin").description("author plugins");
  plugin.command("new").description("generate a plugin from a template").command("tool-domain").argument("<name>", "domain name, e.g. weather")
    .description("a tool-domain plugin: domain with schemas and a handler, node type, tests, conformance suite, README")
    .option("--dir <dir>", "where the plugin folder goes (default plugins/)")
    .option("--json", "machine-readable output")
    .action(async (name: string, opts: { dir?: string; json?: boolean }) => void (await commands.pluginNew()).pluginNewToolDomain(name, opts));
}

/**
 * Builds the `ark` command tree. `setExit` records the exit code for commands that report rather than throw; `json`
 * (the command line has --json) makes usage errors JSON on stdout instead of text on stderr.
 */
export function buildProgram(setExit: (code: ExitCode) => void, options: { json?: boolean } = {}): Command {
  const json = options.json === true;
  const program = new Command("ark")
    .description("ARK, the Agent Runtime Kernel: boots the plugins in runtime.config.yaml and runs agent flowcharts")
    .version(KERNEL_API_VERSION, "-V, --version", "print the kernel API version")
    .option("-c, --config <file>", "config file (default: runtime.config.yaml, .arkrc.yaml or ark.config.yaml here)")
    .addOption(new Option("--log-level <level>", "log level (default: the config's kernel.logLevel)").choices(["trace", "debug", "info", "warn", "error", "fatal", "silent"]))
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride(usageExit(json));
  // Commander's own error line would precede the JSON; subcommands copy this setting when created, so it comes first.
  if (json) program.configureOutput({ outputError: () => undefined });
  const global = (): GlobalOptions => program.opts<GlobalOptions>();

  program.command("start").description("boot the kernel and serve until Ctrl-C / SIGTERM").action(async () => (await commands.start()).startCommand(global()));

  const config = program.command("config").description("check, print and describe the configuration");
  config
    .command("validate")
    .description("check the config and the plugin set; list every problem with file:line:col (exit 1 when invalid)")
    .option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }) => setExit(await (await commands.config()).configValidateCommand(global(), opts)));
  config.command("schema").description("print the stitched JSON Schema (for editor completion)").action(async () => (await commands.config()).configSchemaCommand(global()));
  config
    .command("print")
    .description("print the resolved config (defaults applied, secrets redacted)")
    .option("--json", "print JSON instead of YAML")
    .action(async (opts: { json?: boolean }) => (await commands.config()).configPrintCommand(global(), opts));

  program
    .command("plugins")
    .description("list plugins in boot order with version, status and contributions")
    .option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }) => (await commands.plugins()).pluginsCommand(global(), opts));

  program
    .command("doctor")
    .description("boot the kernel, print the startup report and run preflight checks (exit 1 when any check fails)")
    .option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }) => setExit(await (await commands.doctor()).doctorCommand(global(), opts)));

  const db = program.command("db").description("database schema migrations");
  db.command("migrate").description("apply pending schema migrations (core and plugins)").option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }) => (await commands.db()).dbMigrateCommand(global(), opts));
  db.command("status").description("list schema migrations and whether each is applied").option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }) => setExit(await (await commands.db()).dbStatusCommand(global(), opts)));

  addFlowCommands(program, global, setExit);
  addBundleCommand(program, setExit);
  addMigrationCommands(program, global, setExit);
  addPluginAuthoringCommands(program);
  return program;
}
