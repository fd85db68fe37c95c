import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isArkError } from "../errors/index.js";
import { CANONICAL_EVENT_TYPE_PATTERN, canonicalEventType, canonicalEventTypeWithLegacy } from "./canonical-event-type.js";

// Every example listed in orchestration-and-events.md §13.2, plus the event names of §13.7.
const referenceExamples: ReadonlyArray<[string, string]> = [
  ["node.task.stage.updated", "node:task:stage_updated"],
  ["flowchart.run.updated", "flowchart:run:updated"],
  ["flowchart:run:updated", "flowchart:run:updated"],
  ["Flowchart.Run.Updated", "flowchart:run:updated"],
  ["download.job.completed", "download:job:completed"],
  ["a:b.c:d", "a:b_c:d"],
  ["a:b:c:d:e", "a:b:c_d_e"],
  ["a..b.c", "a:b:c"],
  ["!!!.b.c", "unknown:b:c"],
  ["foo-bar.baz qux.x y", "foo_bar:baz_qux:x_y"],
  ["node.task.stage-updated", "node:task:stage_updated"],
  ["x.y.__", "x:y:unknown"],
  ["node.task.updated", "node:task:updated"],
  ["node.task.completed", "node:task:completed"],
  ["flowchart.node.updated", "flowchart:node:updated"],
  ["flowchart:node_artifact:persisted", "flowchart:node_artifact:persisted"],
  ["download.job.updated", "download:job:updated"],
];

const segmentErrorExamples = ["a.b", "a:b", "a", "..", "a::b", " a . b ", ":::"];
const requiredErrorExamples = ["", "   ", "\t\n"];

function thrownMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isArkError(err, "ARK_EVENT_TYPE_INVALID")).toBe(true);
    return (err as Error).message;
  }
  throw new Error("expected canonicalEventType to throw");
}

describe("canonicalEventType: reference examples (§13.2)", () => {
  it.each(referenceExamples)("%s → %s", (input, expected) => {
    expect(canonicalEventType(input)).toBe(expected);
  });

  it.each(segmentErrorExamples)("%j has fewer than three segments", (input) => {
    expect(thrownMessage(() => canonicalEventType(input))).toBe("event_type must have at least domain/entity/action segments.");
  });

  it.each(requiredErrorExamples)("%j is empty", (input) => {
    expect(thrownMessage(() => canonicalEventType(input))).toBe("event_type is required.");
  });

  it("treats a non-string as missing instead of crashing", () => {
    expect(thrownMessage(() => canonicalEventType(undefined as unknown as string))).toBe("event_type is required.");
  });

  it("trims with Python's whitespace set (\\x1c is whitespace, \\ufeff is not)", () => {
    expect(thrownMessage(() => canonicalEventType("\x1c"))).toBe("event_type is required.");
    expect(canonicalEventType("a.\x1f.b.c")).toBe("a:b:c");
    expect(canonicalEventType("\ufeffa.b.c")).toBe("a:b:c");
  });

  it("reports legacy_event_type only when the input differed", () => {
    expect(canonicalEventTypeWithLegacy("flowchart:run:updated")).toEqual({ event_type: "flowchart:run:updated" });
    expect(canonicalEventTypeWithLegacy("flowchart.run.updated")).toEqual({
      event_type: "flowchart:run:updated",
      legacy_event_type: "flowchart.run.updated",
    });
  });
});

function normalisesOrNull(input: string): string | null {
  try {
    return canonicalEventType(input);
  } catch (err) {
    if (isArkError(err, "ARK_EVENT_TYPE_INVALID")) return null;
    throw err;
  }
}

// Strings built from event-type-like pieces, so most of them normalise (pure random strings mostly do not).
const segmentChars = fc.constantFrom(..."abcXYZ019_-. :!é \t".split(""));
const eventLike = fc.oneof(
  fc.string(),
  fc.array(fc.string({ unit: segmentChars, maxLength: 8 }), { maxLength: 6 }).chain((parts) =>
    fc.constantFrom(".", ":").map((delimiter) => parts.join(delimiter)),
  ),
);

describe("canonicalEventType: properties", () => {
  it("normalising twice equals normalising once", () => {
    fc.assert(
      fc.property(eventLike, (input) => {
        const once = normalisesOrNull(input);
        if (once === null) return;
        expect(canonicalEventType(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws anything but ARK_EVENT_TYPE_INVALID and always yields domain:entity:action", () => {
    fc.assert(
      fc.property(eventLike, (input) => {
        const out = normalisesOrNull(input);
        if (out !== null) expect(out).toMatch(CANONICAL_EVENT_TYPE_PATTERN);
      }),
      { numRuns: 2000 },
    );
  });

  it("inputs with fewer than three non-empty segments always throw", () => {
    const nonEmptySegment = fc
      .string({ unit: fc.constantFrom(..."abc-_!é1".split("")), minLength: 1, maxLength: 6 })
      .filter((s) => !s.includes(":") && !s.includes("."));
    const padding = fc.string({ unit: fc.constantFrom(" ", "\t"), maxLength: 2 });
    fc.assert(
      fc.property(
        fc.array(nonEmptySegment, { maxLength: 2 }),
        fc.constantFrom(".", ":"),
        fc.array(padding, { maxLength: 3 }),
        (segments, delimiter, blanks) => {
          // Interleave blank pieces: they are dropped, so they never add a segment.
          const input = [...segments, ...blanks].join(delimiter);
          expect(normalisesOrNull(input)).toBeNull();
        },
      ),
      { numRuns: 1000 },
    );
  });
});
