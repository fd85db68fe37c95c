import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { successResult } from "./execution-results.js";
import { EXECUTOR_STARTED_MARKER, ExecutorOutputReader, LineSplitter, RESULT_LINE_PREFIX, formatResultLine, formatStartMarkers, parseExecutorOutput } from "./executor-markers.js";
import { pluginSetHash } from "./plugin-set-hash.js";

const ok = successResult({ node_type: "x", text: "line one\nline two" });

describe("executor marker protocol", () => {
  it("round-trips start markers and the result line; logs keep their order", () => {
    const start = formatStartMarkers({ pluginSetHash: "ab".repeat(32), executorClass: "vllm", ts: "2026-01-01T00:00:00.000Z" });
    expect(start[0]).toBe(EXECUTOR_STARTED_MARKER);
    expect(JSON.parse(start[1]!)).toEqual({ event: "executor_started", contract_version: "v1", ts: "2026-01-01T00:00:00.000Z", plugin_set_hash: "ab".repeat(32), executor_class: "vllm" });
    const parsed = parseExecutorOutput([...start, "hello", formatResultLine(ok), "trailing log"].join("\n") + "\n");
    expect(parsed).toMatchObject({ started: true, result: ok, problem: null, logLines: ["hello", "trailing log"] });
    expect(parsed.startInfo?.plugin_set_hash).toBe("ab".repeat(32));
  });

  it("missing, malformed and multiple result lines: typed problems, the last line wins", () => {
    expect(parseExecutorOutput("ARK_EXECUTOR_STARTED\nno result")).toMatchObject({ started: true, result: null, problem: { code: "result_missing" } });
    expect(parseExecutorOutput("")).toMatchObject({ started: false, result: null, problem: { code: "result_missing" }, logLines: [] });
    expect(parseExecutorOutput(`${RESULT_LINE_PREFIX}{not json`).problem?.code).toBe("result_malformed");
    expect(parseExecutorOutput(`${RESULT_LINE_PREFIX}[1,2]`).problem?.code).toBe("result_malformed");
    expect(parseExecutorOutput(`${RESULT_LINE_PREFIX}{"contract_version":"v2","status":"success"}`).problem?.code).toBe("result_malformed");
    expect(parseExecutorOutput(`${RESULT_LINE_PREFIX}{"contract_version":"v1","status":"success","output_state":[]}`).problem?.code).toBe("result_malformed");
    const fake = formatResultLine({ ...ok, status: "failed" });
    expect(parseExecutorOutput([fake, formatResultLine(ok)].join("\n")).result?.status).toBe("success");
    // A malformed later line replaces an earlier good one (fail closed rather than trust a stale line).
    expect(parseExecutorOutput([formatResultLine(ok), `${RESULT_LINE_PREFIX}{`].join("\n"))).toMatchObject({ result: null, problem: { code: "result_malformed" } });
    expect(parseExecutorOutput("{\"event\":\"executor_started\"}\r\nlog\r\n")).toMatchObject({ started: true, logLines: ["log"] });
  });

  it("reassembles lines however the stream is chunked (incl. split UTF-8)", () => {
    const text = [...formatStartMarkers({ pluginSetHash: null, executorClass: "frontier" }), "héllo ✓", formatResultLine(ok)].join("\n") + "\n";
    const bytes = Buffer.from(text);
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 }), (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      const splitter = new LineSplitter();
      const reader = new ExecutorOutputReader();
      let last = 0;
      for (const point of [...points, bytes.length]) {
        for (const line of splitter.push(bytes.subarray(last, point))) reader.push(line);
        last = point;
      }
      for (const line of splitter.end()) reader.push(line);
      const parsed = reader.snapshot();
      expect(parsed.logLines).toEqual(["héllo ✓"]);
      expect(parsed.result).toEqual(ok);
    }), { numRuns: 60 });
    const splitter = new LineSplitter();
    expect([...splitter.push("a\nb"), ...splitter.push("c\n"), ...splitter.push("tail"), ...splitter.end()]).toEqual(["a", "bc", "tail"]);
    const bounded = new ExecutorOutputReader({ maxLogLines: 2 });
    for (const line of ["1", "2", "3", formatResultLine(ok)]) bounded.push(line);
    expect([bounded.snapshot().logLines, bounded.snapshot().result?.status]).toEqual([["2", "3"], "success"]);
  });

  it("the plugin-set hash ignores order and changes with any version", () => {
    const a = pluginSetHash([{ id: "a", version: "1.0.0" }, { id: "b", version: "2.0.0" }]);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(pluginSetHash([{ id: "b", version: "2.0.0" }, { id: "a", version: "1.0.0" }])).toBe(a);
    expect(pluginSetHash([{ id: "a", version: "1.0.1" }, { id: "b", version: "2.0.0" }])).not.toBe(a);
  });
});
