import { describe, expect, it } from "vitest";
import { ArkError } from "../errors/index.js";
import { NodeRunTokenSigner } from "./node-run-token.js";

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ArkError);
    return (err as ArkError).code;
  }
  throw new Error("expected a failure");
}

describe("node-run tool tokens", () => {
  const scope = { flowchart_run_id: 7, node_run_id: "70", node_id: "mem" };

  it("round-trips the claims of one node run until the expiry", () => {
    const signer = new NodeRunTokenSigner();
    const now = Date.UTC(2026, 0, 1);
    const claims = signer.verify(signer.issue(scope, 60, now), now + 59_000);
    expect(claims).toMatchObject({ run: "7", node_run: "70", exp: now / 1000 + 60, scope: { flowchart_run_id: "7", node_run_id: "70", node_id: "mem" } });
    expect(code(() => signer.verify(signer.issue(scope, 60, now), now + 60_000))).toBe("ARK_TOOL_TOKEN_EXPIRED");
  });

  it("refuses tokens signed with another key, and a shared secret works across signers", () => {
    const token = new NodeRunTokenSigner().issue(scope, 60);
    expect(code(() => new NodeRunTokenSigner().verify(token))).toBe("ARK_TOOL_TOKEN_INVALID");
    const secret = "s".repeat(32);
    expect(new NodeRunTokenSigner(secret).verify(new NodeRunTokenSigner(secret).issue(scope, 60)).node_run).toBe("70");
    expect(code(() => new NodeRunTokenSigner("short"))).toBe("ARK_CONFIG_INVALID");
  });

  it("refuses malformed tokens and bad issue arguments", () => {
    const signer = new NodeRunTokenSigner();
    for (const bad of ["", "a.b", "ark1.x.y", "ark2.e30.abc", `ark1.${Buffer.from("not json").toString("base64url")}.sig`]) {
      expect(code(() => signer.verify(bad))).toBe("ARK_TOOL_TOKEN_INVALID");
    }
    expect(code(() => signer.issue({ flowchart_run_id: "1" }, 60))).toBe("ARK_INVALID_ARGUMENT");
    expect(signer.verify(signer.issue({ node_run_id: 5 }, 60))).toMatchObject({ run: null, node_run: "5" });
    expect(code(() => signer.issue({ flowchart_run_id: "1", node_run_id: "" }, 60))).toBe("ARK_INVALID_ARGUMENT");
    expect(code(() => signer.issue(scope, 0))).toBe("ARK_INVALID_ARGUMENT");
    expect(code(() => signer.issue(scope, Number.NaN))).toBe("ARK_INVALID_ARGUMENT");
  });
});
