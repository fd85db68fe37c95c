// `npm run bench`: runs every benchmark in sequence; each prints its own table with its baseline ratio.
import "reflect-metadata";

const benches: Record<string, () => Promise<string>> = {
  "kernel-boot": () => import("./kernel-boot.js").then((m) => m.main()).then(() => "ok"),
  store: () => import("./store.js").then((m: { main(): Promise<unknown> }) => m.main()).then(() => "ok"),
};

const only = process.argv.slice(2);
for (const [name, run] of Object.entries(benches)) {
  if (only.length > 0 && !only.includes(name)) continue;
  process.stdout.write(`\n=== ${name} ===\n`);
  await run();
}
