import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSecretBox, secretBoxFromEnv, secretFingerprint, SECRET_PREFIX } from "./secret-box.js";
import { thrownArkError } from "../../test/support/ark-error.js";

const key = "0123456789abcdef0123456789abcdef";
const context = "node_executor/k8s_kubeconfig";
const plaintext = "apiVersion: v1\nusers:\n- name: admin\n  user: {token: very-secret-token}\n";


describe("secret box (AES-256-GCM)", () => {
  it("round-trips and never stores the plaintext", () => {
    const box = createSecretBox(key);
    const stored = box.encrypt(plaintext, context);
    expect(stored.startsWith(SECRET_PREFIX)).toBe(true);
    expect(stored).not.toContain("very-secret-token");
    expect(Buffer.from(stored.slice(SECRET_PREFIX.length), "base64").toString("latin1")).not.toContain("very-secret-token");
    expect(box.decrypt(stored, context)).toBe(plaintext);
  });

  it("uses a fresh IV per write", () => {
    const box = createSecretBox(key);
    const a = box.encrypt(plaintext, context);
    const b = box.encrypt(plaintext, context);
    expect(a).not.toBe(b);
    expect(Buffer.from(a.slice(SECRET_PREFIX.length), "base64").subarray(0, 12)).not.toEqual(Buffer.from(b.slice(SECRET_PREFIX.length), "base64").subarray(0, 12));
  });

  it("fails clearly with a wrong key, a wrong context, a tampered or a foreign value", () => {
    const stored = createSecretBox(key).encrypt(plaintext, context);
    const wrongKey = thrownArkError(() => createSecretBox("another-key-entirely-123").decrypt(stored, context));
    expect(wrongKey.code).toBe("ARK_SECRET_DECRYPT_FAILED");
    expect(wrongKey.message).toContain("ARK_SECRET_KEY is not the key it was encrypted with");
    expect(thrownArkError(() => createSecretBox(key).decrypt(stored, "node_executor/other")).code).toBe("ARK_SECRET_DECRYPT_FAILED");
    const raw = Buffer.from(stored.slice(SECRET_PREFIX.length), "base64");
    raw[raw.length - 1]! ^= 1;
    expect(thrownArkError(() => createSecretBox(key).decrypt(SECRET_PREFIX + raw.toString("base64"), context)).code).toBe("ARK_SECRET_DECRYPT_FAILED");
    expect(thrownArkError(() => createSecretBox(key).decrypt("plain text", context)).message).toContain("not in ARK's encrypted format");
    expect(thrownArkError(() => createSecretBox(key).decrypt(`${SECRET_PREFIX}AAAA`, context)).message).toContain("truncated");
  });

  it("refuses to work without ARK_SECRET_KEY, or with a short one, saying how to set one", () => {
    for (const env of [{}, { ARK_SECRET_KEY: "" }, { ARK_SECRET_KEY: "   " }]) {
      const err = thrownArkError(() => secretBoxFromEnv(env));
      expect(err.code).toBe("ARK_SECRET_KEY_MISSING");
      expect(err.message).toContain("export ARK_SECRET_KEY=$(openssl rand -hex 32)");
    }
    expect(thrownArkError(() => secretBoxFromEnv({ ARK_SECRET_KEY: "short" })).message).toContain("too short (5 characters");
    expect(secretBoxFromEnv({ ARK_SECRET_KEY: key }).decrypt(createSecretBox(key).encrypt("x", context), context)).toBe("x");
  });

  it("fingerprints as sha256: + the first 12 hex of the plaintext hash", () => {
    const expected = createHash("sha256").update(plaintext).digest("hex").slice(0, 12);
    expect(secretFingerprint(plaintext)).toBe(`sha256:${expected}`);
    expect(secretFingerprint(plaintext)).toMatch(/^sha256:[0-9a-f]{12}$/);
  });
});
