// Test support for the tools-milestone tests: a bound milestone domain on an isolated store and its migration.
import type { Store } from "../../core/plugin-api/index.js";
import { MilestoneDomain } from "./milestone-domain.js";
import { milestoneOriginKeyMigration, milestoneSchemaMigration } from "./milestone-schema-migration.js";

/** The plugin's migrations as the store harness takes them. */
export const milestoneMigrations = [milestoneSchemaMigration, milestoneOriginKeyMigration].map((m) => ({ id: `tools-milestone/${m.id}`, sql: m.sql }));

/** A milestone domain bound to `store`, and a caller of its operations. */
export function boundMilestoneDomain(store: Store): { domain: MilestoneDomain; call: (operation: string, input: Record<string, unknown>) => Promise<any> } {
  const domain = new MilestoneDomain();
  domain.bind(store);
  const ctx = (operation: string) => ({ domain: "milestone", operation, idempotencyKey: `test:${operation}`, attempt: 1, scope: {}, signal: new AbortController().signal });
  return { domain, call: (operation, input) => domain.operations[operation]!.handler(input, ctx(operation)) };
}
