/** Hash parity with the reference's Python `_snapshot_hash` (expected values computed with CPython's json.dumps). */
import { describe, expect, it } from "vitest";
import { canonicalHash, canonicalJsonText, pythonFloatRepr } from "./canonical-json.js";
import { snapshotHash } from "./flow-snapshot.js";

describe("Python-compatible canonical JSON", () => {
  it("writes floats, non-ASCII, DEL, astral characters and key order as json.dumps(sort_keys=True, separators=(',', ':'))", () => {
    const value = { b: [1, 2.5, 0, 1e16, 1e-5, -0, 123456789.125], a: "héllo ☃ 😀 \u007f \n\"q\"", c: null, d: true, "é": 1, z: { y: [], x: {} } };
    const floats = (path: readonly (string | number)[]) => path[0] === "b" && path[1] !== 0;
    const text = canonicalJsonText(value, floats);
    expect(text).toBe('{"a":"h\\u00e9llo \\u2603 \\ud83d\\ude00 \\u007f \\n\\"q\\"","b":[1,2.5,0.0,1e+16,1e-05,-0.0,123456789.125],"c":null,"d":true,"z":{"x":{},"y":[]},"\\u00e9":1}');
    expect(canonicalHash(value, floats)).toBe("4bcf8d0ec8bc8e5e0fd3cf01b89fc6c93dc12fb9bc111eb35db2cd9ef27dc4c2");
  });

  it("hashes a snapshot with x/y as floats, like the reference", () => {
    const snapshot = {
      flowchart: { id: "7", name: "Ünïcode" },
      nodes: [{ id: "1", node_type: "start", ref_id: null, title: null, x: 0, y: 12.5, model_id: null, config: { k: 1 }, mcp_server_ids: [], script_ids: [], skill_ids: [], attachment_ids: [] }],
      edges: [],
    };
    expect(snapshotHash(snapshot)).toBe("19394dfd08b628f640881fb0af8e6c5165e03603a3127339aca89e7c392f86ba");
  });

  it("follows repr() at the exponent boundaries", () => {
    expect([1e-4, 1e-5, 1.5e-7, 1e15, 1e16, 12345678901234567890, 0.1, -2].map(pythonFloatRepr)).toEqual(["0.0001", "1e-05", "1.5e-07", "1000000000000000.0", "1e+16", "1.2345678901234567e+19", "0.1", "-2.0"]);
  });
});
