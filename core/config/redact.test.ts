import { describe, expect, it } from "vitest";
import type { JSONSchema } from "../contracts/json-schema.js";
import { buildConfigSchema, isSecretKey, redactConfig, redactUrlPasswords } from "./index.js";

describe("redactConfig", () => {
  it("masks fields marked x-ark-secret, at any depth, including in arrays and via local $refs", () => {
    const schema: JSONSchema = {
      type: "object",
      definitions: { cred: { type: "string", "x-ark-secret": true } },
      properties: {
        store: { type: "object", properties: { dsn: { type: "string", "x-ark-secret": true }, driver: { type: "string" } } },
        upstreams: { type: "array", items: { type: "object", properties: { auth: { $ref: "#/definitions/cred" }, name: { type: "string" } } } },
        headers: { type: "object", additionalProperties: { type: "string", "x-ark-secret": true } },
      },
    };
    const value = {
      store: { dsn: "host=db user=ark password=s3cr3t", driver: "postgres" },
      upstreams: [{ auth: "Bearer abc", name: "one" }, { name: "two" }],
      headers: { "X-Auth": "abc123" },
    };
    expect(redactConfig(value, schema)).toEqual({
      store: { dsn: "***", driver: "postgres" },
      upstreams: [{ auth: "***", name: "one" }, { name: "two" }],
      headers: { "X-Auth": "***" },
    });
    expect(value.store.dsn).toBe("host=db user=ark password=s3cr3t"); // a copy, input untouched
  });

  it("masks keys named like secrets without a schema, but not look-alikes such as maxTokens", () => {
    const value = {
      password: "p", dbPassword: "p", clientSecret: "s", access_token: "t", apiKey: "k", API_KEY: "k", "api-key": "k",
      credentials: { user: "u", pass: "p" }, kubeconfig: "apiVersion: v1", privateKey: "pk",
      maxTokens: 1024, tokenizer: "bpe", secretName: "my-k8s-secret", imagePullSecrets: ["regcred"], keyspace: "x",
      emptyToken: "", nullSecret: null,
    };
    expect(redactConfig(value)).toEqual({
      password: "***", dbPassword: "***", clientSecret: "***", access_token: "***", apiKey: "***", API_KEY: "***", "api-key": "***",
      credentials: "***", kubeconfig: "***", privateKey: "***",
      maxTokens: 1024, tokenizer: "bpe", secretName: "my-k8s-secret", imagePullSecrets: ["regcred"], keyspace: "x",
      emptyToken: "", nullSecret: null,
    });
  });

  it("masks passwords inside URLs, anywhere in a string", () => {
    expect(redactConfig({ url: "postgres://ark:hunter2@db:5432/ark" })).toEqual({ url: "postgres://ark:***@db:5432/ark" });
    expect(redactUrlPasswords("redis://:pw@127.0.0.1:6379/0")).toBe("redis://:***@127.0.0.1:6379/0");
    expect(redactUrlPasswords("primary=postgres://a:x@h1/db replica=postgres://b:y@h2/db")).toBe("primary=postgres://a:***@h1/db replica=postgres://b:***@h2/db");
    expect(redactUrlPasswords("postgres://u:p@ss@host/db")).toBe("postgres://u:***@host/db");
    expect(redactUrlPasswords("http://host:8080/path")).toBe("http://host:8080/path");
    expect(redactUrlPasswords("postgres://user@host/db")).toBe("postgres://user@host/db");
    expect(redactConfig(["https://u:p@h/x", 3])).toEqual(["https://u:***@h/x", 3]);
  });

  it("uses the stitched schema: a plugin's secret is masked in its own entry, not in another plugin's", () => {
    const schema = buildConfigSchema({}, [
      { index: 0, id: "llm", schema: { type: "object", properties: { endpoint: { type: "string", "x-ark-secret": true } } } },
      { index: 1, id: "web", schema: { type: "object", properties: { endpoint: { type: "string" } } } },
    ]);
    const value = {
      plugins: [
        { from: "./llm", id: "llm", config: { endpoint: "https://secret-endpoint" } },
        { from: "./web", id: "web", config: { endpoint: "https://public" } },
        { from: "./anonymous", config: { endpoint: "https://unknown" } }, // no id: when in doubt, mask
      ],
    };
    expect(redactConfig(value, schema)).toEqual({
      plugins: [
        { from: "./llm", id: "llm", config: { endpoint: "***" } },
        { from: "./web", id: "web", config: { endpoint: "https://public" } },
        { from: "./anonymous", config: { endpoint: "***" } },
      ],
    });
  });

  it("copies scalars and handles own __proto__ keys without touching prototypes", () => {
    const value = JSON.parse('{"__proto__": {"token": "t"}, "n": 1}') as Record<string, unknown>;
    const redacted = redactConfig(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(redacted)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(redacted, "__proto__")?.value).toEqual({ token: "***" });
    expect(redactConfig(42)).toBe(42);
    expect(redactConfig(null)).toBe(null);
  });

  it("recognises secret key names by their last word", () => {
    expect(["password", "DB_PASSWORD", "githubToken", "secret", "awsSecretKey", "kubeconfig"].every(isSecretKey)).toBe(true);
    expect(["tokens", "maxTokens", "tokenTtl", "secretRef", "passwordFile", "keys", ""].some(isSecretKey)).toBe(false);
  });
});
