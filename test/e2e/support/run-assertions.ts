/**
 * The end-to-end verdicts on a finished run of the test flowchart: every `record` node executed exactly once, the
 * run's event log is gapless and reports each state change once, and a client received that log exactly once, in order.
 */
import { expect } from "vitest";
import type { EventBus, EventEnvelope, Store } from "../../../core/plugin-api/index.js";
import { range, waitUntil } from "../../../plugins/channel-socketio/test-support.js";
import { completionsPerNode, emitClosingEvent, executionsPerNode, loggedEvents, RECORD_NODES, recordedExecutions } from "./flow-kernels.js";
import type { RunWatcher } from "./run-watcher.js";

/** One recorded execution per `record` node; returns the rows (insertion order). */
export async function expectEachNodeRecordedOnce(store: Store, runId: string) {
  const executions = await recordedExecutions(store, runId);
  expect(executionsPerNode(executions)).toEqual(Object.fromEntries(RECORD_NODES.map((n) => [n, 1])));
  return executions;
}

/**
 * The run's stream in the event log: sequences 1..N with no gap and no duplicate, distinct event ids, one completion
 * event per node, and one `completed` transition, last. Returns the logged envelopes.
 */
export async function expectGaplessRunLog(store: Store, stream: string): Promise<EventEnvelope[]> {
  const logged = await loggedEvents(store, stream);
  expect(logged.map((e) => e.sequence)).toEqual(range(1, logged.length));
  expect(new Set(logged.map((e) => e.event_id)).size).toBe(logged.length);
  expect(completionsPerNode(logged)).toEqual(Object.fromEntries([...RECORD_NODES, "start", "end"].map((n) => [n, 1])));
  const transitions = logged.filter((e) => e.event_type === "flowchart:run:updated").map((e) => e.payload.transition);
  expect(transitions.filter((t) => t === "completed")).toHaveLength(1);
  expect(transitions.at(-1)).toBe("completed");
  return logged;
}

/**
 * Appends a closing event to the run's stream through `bus` and waits until every watcher has it: live delivery is
 * ordered per stream, so a duplicate of an earlier event would have arrived before it. Then each watcher must hold
 * exactly the logged events, once, in order, followed by the closing event, and every subscribe / replay it sent must
 * have been acknowledged.
 */
export async function expectEveryEventOnce(bus: EventBus, runId: string, logged: readonly EventEnvelope[], watchers: readonly RunWatcher[]): Promise<void> {
  const total = logged.length;
  await emitClosingEvent(bus, runId);
  for (const watcher of watchers) {
    await waitUntil(() => watcher.cursor() === total + 1, "the client has the closing event", 20_000);
    expect(watcher.sequences()).toEqual(range(1, total + 1));
    expect(watcher.received.slice(0, total)).toEqual(logged);
    expect(watcher.acks.filter((ack) => ack.answer.ok !== true)).toEqual([]);
  }
}
