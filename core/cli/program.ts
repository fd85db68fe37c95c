import { Command, InvalidArgumentError, Option, type CommanderError } from "commander";
import { RUN_STATUSES } from "../flow/api/run-routes.js";
import { KERNEL_API_VERSION } from "../kernel/api-version.js";
import type { GlobalOptions } from "./cli-options.js";
import { configPrintCommand, configSchemaCommand, configValidateCommand } from "./commands/config.js";
import { dbMigrateCommand, dbStatusCommand } from "./commands/db.js";
import { doctorCommand } from "./commands/doctor.js";
import { flowsImportCommand, flowsListCommand } from "./commands/flows.js";
import { pluginsCommand } from "./commands/plugins.js";
import { runCommand, type RunOptions } from "./commands/run.js";
import { runsCancelCommand, runsListCommand, runsShowCommand, type RunsListOptions } from "./commands/runs.js";
import { startCommand } from "./commands/start.js";

/** Exit codes: 0 ok, 1 failed or invalid, 2 usage error (commander). */
export type ExitCode = number;

/** Commander errors that are about how the command was typed (exit 2), as opposed to help/version output (exit 0). */
function usageExit(err: CommanderError): never {
  process.exit(err.exitCode === 0 ? 0 : 2);
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
    .option("--json", "machine-readable output")
    .action((file: string, opts: { json?: boolean; new?: boolean }) => flowsImportCommand(global(), file, opts));
  flows.command("list").description("list flowcharts, newest first").option("--json", "machine-readable output")
    .action((opts: { json?: boolean }) => flowsListCommand(global(), opts));

  program.command("run").argument("<file|id>", "a flow file (imported first; same name → updated) or a flowchart id")
    .description("run a flowchart in-process on the configured store and wait for it (exit 0 when completed, 1 otherwise)")
    .option("-w, --watch", "print a line per node-run transition (node, type, execution index, status, ms)")
    .option("--json", "print the run's events as JSON lines, then a run_summary line")
    .option("--timeout <seconds>", "cancel the run and fail after this many seconds", seconds)
    .action(async (target: string, opts: RunOptions) => setExit(await runCommand(global(), target, opts)));

  const runs = program.command("runs").description("runs of flowcharts: list, inspect, cancel");
  runs.command("list").description("list runs, newest first")
    .addOption(new Option("--status <status>", "only runs in this status").choices(RUN_STATUSES))
    .option("--flowchart <id>", "only runs of this flowchart", rowId)
    .option("--limit <n>", "most runs listed (default 50)", listLimit)
    .option("--json", "machine-readable output")
    .action((opts: RunsListOptions) => runsListCommand(global(), opts));
  runs.command("show").argument("<id>", "run id", rowId).description("a run's status, timings, per-node table and warnings")
    .option("--json", "machine-readable output")
    .action((id: string, opts: { json?: boolean }) => runsShowCommand(global(), id, opts));
  runs.command("cancel").argument("<id>", "run id", rowId).description("stop a run gracefully (running nodes finish), or --force to cancel it at once")
    .option("--force", "cancel at once: the run and its running node runs become canceled")
    .option("--json", "machine-readable output")
    .action((id: string, opts: { force?: boolean; json?: boolean }) => runsCancelCommand(global(), id, opts));
}

/** Builds the `ark` command tree. `setExit` records the exit code for commands that report rather than throw. */
export function buildProgram(setExit: (code: ExitCode) => void): Command {
  const program = new Command("ark")
    .description("ARK, the Agent Runtime Kernel: boots the plugins in runtime.config.yaml and runs agent flowcharts")
    .version(KERNEL_API_VERSION, "-V, --version", "print the kernel API version")
    .option("-c, --config <file>", "config file (default: runtime.config.yaml, .arkrc.yaml or ark.config.yaml here)")
    .addOption(new Option("--log-level <level>", "log level (default: the config's kernel.logLevel)").choices(["trace", "debug", "info", "warn", "error", "fatal", "silent"]))
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride(usageExit);
  const global = (): GlobalOptions => program.opts<GlobalOptions>();

  program.command("start").description("boot the kernel and serve until Ctrl-C / SIGTERM").action(() => startCommand(global()));

  const config = program.command("config").description("check, print and describe the configuration");
  config
    .command("validate")
    .description("check the config and the plugin set; list every problem with file:line:col (exit 1 when invalid)")
    .option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }) => setExit(await configValidateCommand(global(), opts)));
  config.command("schema").description("print the stitched JSON Schema (for editor completion)").action(() => configSchemaCommand(global()));
  config
    .command("print")
    .description("print the resolved config (defaults applied, secrets redacted)")
    .option("--json", "print JSON instead of YAML")
    .action((opts: { json?: boolean }) => configPrintCommand(global(), opts));

  program
    .command("plugins")
    .description("list plugins in boot order with version, status and contributions")
    .option("--json", "machine-readable output")
    .action((opts: { json?: boolean }) => pluginsCommand(global(), opts));

  program
    .command("doctor")
    .description("boot the kernel, print the startup report and run preflight checks (exit 1 when any check fails)")
    .option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }) => setExit(await doctorCommand(global(), opts)));

  const db = program.command("db").description("database schema migrations");
  db.command("migrate").description("apply pending schema migrations (core and plugins)").option("--json", "machine-readable output")
    .action((opts: { json?: boolean }) => dbMigrateCommand(global(), opts));
  db.command("status").description("list schema migrations and whether each is applied").option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }) => setExit(await dbStatusCommand(global(), opts)));

  addFlowCommands(program, global, setExit);
  return program;
}
