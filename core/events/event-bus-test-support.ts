/** What the event-bus test files share: event inputs, recording channels and subscribers, buses closed after each test. */
import { pino, type Logger } from "pino";
import type { EventEnvelope } from "../plugin-api/contributions.js";
import type { Store } from "../store/store-port.js";
import { EventBus, type BusChannel, type EventDelivery, type EventHandler } from "./event-bus.js";
import type { EventInput } from "./event-envelope.js";
import { caughtArkError } from "../../test/support/ark-error.js";

export const runEvent = (runId: number, payload: Record<string, unknown> = {}): EventInput => ({
  eventType: "flowchart.run.updated",
  entityKind: "flowchart_run",
  entityId: runId,
  roomKeys: [`flowchart_run:${runId}`],
  payload,
});

/** A channel that records what it is given. */
export function recordingChannel(id: string, receives?: BusChannel["receives"]): BusChannel & { events: EventEnvelope[] } {
  const events: EventEnvelope[] = [];
  return { id, events, receives, publish: (event) => void events.push(event) };
}

/** A logger whose JSON lines land in `lines`. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
  return { logger: pino({ level: "debug" }, sink), lines };
}

/** A subscriber that resolves `until(n)` once it has received n events. */
export function collector(): { handler: EventHandler; seen: Array<[EventEnvelope, EventDelivery]>; until(count: number): Promise<void> } {
  const seen: Array<[EventEnvelope, EventDelivery]> = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  return {
    seen,
    handler: (event, delivery) => {
      seen.push([event, delivery]);
      for (const w of waiters.filter((x) => seen.length >= x.count)) w.resolve();
    },
    until: (count) => (seen.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
  };
}

export const label = (e: EventEnvelope): string => `${e.sequence_stream}#${e.sequence}`;

export { caughtArkError as caught };

export class Boom extends Error {}

const openBuses: EventBus[] = [];
const extraStores: Store[] = [];
export function busOn(store: Store, options: Partial<ConstructorParameters<typeof EventBus>[0]> = {}): EventBus {
  const bus = new EventBus({ store, ...options });
  openBuses.push(bus);
  return bus;
}

/** Closes the buses and stores the test opened (register with `afterEach(closeTracked)`). */
export async function closeTracked(): Promise<void> {
  for (const bus of openBuses.splice(0)) await bus.close();
  for (const store of extraStores.splice(0)) await store.close();
}

/** A second PostgreSQL store (its own pool and LISTEN connection) on the schema `store` uses: "another kernel". */
export async function secondStoreOnSameSchema(store: Store): Promise<Store> {
  const { openStore } = await import("../store/open-store.js");
  const { TEST_DATABASE_URL, urlWithSearchPath } = await import("../../test/support/store-harness.js");
  const { rows } = await store.query<{ schema: string }>("SELECT current_schema() AS schema");
  const other = await openStore({ driver: "postgres", url: urlWithSearchPath(TEST_DATABASE_URL!, rows[0]!.schema), poolMax: 4 });
  extraStores.push(other);
  return other;
}

/** A PostgreSQL store on a new, migrated schema of the same database (dropped after the test). */
export async function storeInFreshSchema(store: Store): Promise<Store> {
  const { openIsolatedStore } = await import("../../test/support/store-harness.js");
  const isolated = await openIsolatedStore("postgres", { migrate: "core" });
  extraStores.push({ close: () => isolated.dispose() } as Store);
  void store;
  return isolated.store;
}
