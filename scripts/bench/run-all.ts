// `npm run bench [-- NAME... [--json]]`: runs every benchmark (or the named ones) in sequence; each prints its own table
// with its baseline ratio. Flags go to the benchmarks: `--json` makes those that support it (flow) print one JSON
// document instead, and drops the section headers.
import "reflect-metadata";

const benches: Record<string, () => Promise<string>> = {
  "kernel-boot": () => import("./kernel-boot.js").then((m) => m.main()).then(() => "ok"),
  store: () => import("./store.js").then((m: { main(): Promise<unknown> }) => m.main()).then(() => "ok"),
  "flow-validation": () => import("./flow-validation.js").then((m: { main(): Promise<unknown> }) => m.main()).then(() => "ok"),
  flow: () => import("./flow.js").then((m: { main(argv: readonly string[]): Promise<unknown> }) => m.main(flags)).then(() => "ok"),
  dispatch: () => import("./dispatch.js").then((m) => m.main()).then(() => "ok"),
  bundle: () => import("./bundle.js").then((m) => m.main()).then(() => "ok"),
  tools: () => import("./tools.js").then((m) => m.main()).then(() => "ok"),
  rag: () => import("./rag.js").then((m: { main(): Promise<unknown> }) => m.main()).then(() => "ok"),
  migrate: () => import("./migrate.js").then((m: { main(): Promise<unknown> }) => m.main()).then(() => "ok"),
};

const flags = process.argv.slice(2).filter((a) => a.startsWith("--"));
const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
for (const [name, run] of Object.entries(benches)) {
  if (only.length > 0 && !only.includes(name)) continue;
  if (!flags.includes("--json")) process.stdout.write(`\n=== ${name} ===\n`);
  await run();
}
