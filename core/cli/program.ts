import { Command, Option } from "commander";
import { KERNEL_API_VERSION } from "../kernel/api-version.js";
import type { GlobalOptions } from "./cli-options.js";
import { configPrintCommand, configSchemaCommand, configValidateCommand } from "./commands/config.js";
import { dbMigrateCommand, dbStatusCommand } from "./commands/db.js";
import { doctorCommand } from "./commands/doctor.js";
import { pluginsCommand } from "./commands/plugins.js";
import { startCommand } from "./commands/start.js";

/** Exit codes: 0 ok, 1 failed or invalid, 2 usage error (commander). */
export type ExitCode = number;

/** Builds the `ark` command tree. `setExit` records the exit code for commands that report rather than throw. */
export function buildProgram(setExit: (code: ExitCode) => void): Command {
  const program = new Command("ark")
    .description("ARK, the Agent Runtime Kernel: boots the plugins in runtime.config.yaml and runs agent flowcharts")
    .version(KERNEL_API_VERSION, "-V, --version", "print the kernel API version")
    .option("-c, --config <file>", "config file (default: runtime.config.yaml, .arkrc.yaml or ark.config.yaml here)")
    .addOption(new Option("--log-level <level>", "log level (default: the config's kernel.logLevel)").choices(["trace", "debug", "info", "warn", "error", "fatal", "silent"]))
    .showHelpAfterError("(run with --help for usage)");
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
  return program;
}
