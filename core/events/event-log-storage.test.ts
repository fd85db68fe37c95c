import { expect, it } from "vitest";
import { describeStore } from "../../test/support/store-harness.js";
import { caughtArkError } from "../../test/support/ark-error.js";
import { appendDrafts } from "./event-batch-append.js";
import { serialisedDraft, type EventInput } from "./event-envelope.js";
import { eventIdFor } from "./event-id.js";
import { appendEvent, readEvents, readStreamRange } from "./event-log.js";

const nodeEvent = (n: number): EventInput => ({
  eventType: "flowchart:node:updated",
  entityKind: "flowchart_node",
  entityId: n,
  roomKeys: ["flowchart_run:9", `flowchart_node:1:n${n}`],
  sequenceStream: "flowchart_run:9",
  payload: { n, output_state: { text: "ünïcødé ✓" } },
});

describeStore(
  "event log storage (migration 0007)",
  (getStore) => {
    it("stores envelopes without their identity, which the row's columns hold; readers and the view put it back", async () => {
      const store = getStore();
      const written = await store.transaction(async (tx) => [
        await appendEvent(tx, nodeEvent(1)),
        ...(await appendDrafts(tx, [nodeEvent(2), nodeEvent(3)].map((e) => serialisedDraft(e)))),
      ]);
      const { rows } = await store.query<{ envelope: Record<string, unknown>; event_id: string; sequence: number }>(
        "SELECT envelope, event_id::text AS event_id, sequence::int AS sequence FROM ark_event_log ORDER BY sequence",
      );
      expect(rows.map((r) => [r.sequence, r.event_id])).toEqual(written.map((e) => [e.sequence, e.event_id]));
      for (const { envelope } of rows) {
        expect(envelope).not.toHaveProperty("event_id");
        expect(envelope).not.toHaveProperty("idempotency_key");
        expect(envelope).not.toHaveProperty("sequence");
      }
      const read = await readEvents(store, { stream: "flowchart_run:9", limit: 10 });
      expect(read).toEqual(written);
      expect(read.map((e) => Object.keys(e))).toEqual(written.map((e) => Object.keys(e)));
      expect((await readStreamRange(store, "flowchart_run:9", 1, 3)).map((e) => e.envelope)).toEqual(written.slice(1));
      const view = await store.query<{ envelope: Record<string, unknown> }>("SELECT envelope FROM ark_event_envelopes ORDER BY sequence");
      expect(view.rows.map((r) => r.envelope)).toEqual(written);
    });

    it("reads rows written before 0007 (identity inside the envelope too) exactly as before", async () => {
      const store = getStore();
      const [fresh] = await store.transaction((tx) => appendDrafts(tx, [serialisedDraft(nodeEvent(1))]));
      // The pre-0007 shape: the same row with the identity spliced into the stored envelope.
      await store.query("UPDATE ark_event_log SET envelope = envelope || jsonb_build_object('event_id', event_id, 'idempotency_key', event_id, 'sequence', sequence)");
      const [old] = await readEvents(store, { stream: "flowchart_run:9", limit: 10 });
      expect(old).toEqual(fresh);
      const view = await store.query<{ envelope: Record<string, unknown> }>("SELECT envelope FROM ark_event_envelopes");
      expect(view.rows[0]!.envelope).toEqual(fresh);
    });

    it("derives ids in two steps (ark_event_digest, ark_event_id_of_digest) equal to ark_event_id and eventIdFor", async () => {
      const store = getStore();
      const samples: Array<[string, number]> = [["flowchart_run:7", 2], ["task:ünïcødé ✓", 1], ["download:job:updated:global", 9_007_199_254_740_991]];
      for (const [stream, sequence] of samples) {
        const { rows } = await store.query<{ one: string; two: string }>(
          "SELECT ark_event_id($1, $2::bigint)::text AS one, ark_event_id_of_digest(ark_event_digest($1, $2::bigint))::text AS two",
          [stream, sequence],
        );
        expect(rows[0]).toEqual({ one: eventIdFor(stream, sequence), two: eventIdFor(stream, sequence) });
      }
    });

    it("refuses a batch whose database ids disagree with eventIdFor, and nothing of it is committed", async () => {
      const store = getStore();
      // A namespace changed on the database side only.
      await store.query(
        "CREATE OR REPLACE FUNCTION ark_event_id_of_digest(digest bytea) RETURNS uuid LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT md5(digest)::uuid $$",
      );
      const err = await caughtArkError(store.transaction((tx) => appendDrafts(tx, [serialisedDraft(nodeEvent(1)), serialisedDraft(nodeEvent(2))])));
      expect(err.code).toBe("ARK_INTERNAL");
      expect(err.message).toContain("disagree");
      expect(err.details).toMatchObject({ stream: "flowchart_run:9", sequence: 1, computed: eventIdFor("flowchart_run:9", 1) });
      const { rows } = await store.query<{ n: number }>("SELECT count(*)::int AS n FROM ark_event_log");
      expect(rows[0]!.n).toBe(0);
    });
  },
  { migrate: "core" },
);
