import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import type { JSONSchema } from "../contracts/json-schema.js";
import { buildConfigSchema, configSourceFromObject, kernelSectionSchema, pluginEntrySchema, validateConfig } from "./index.js";

const storeSchema: JSONSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  properties: { driver: { enum: ["pglite", "postgres"], default: "pglite" }, url: { type: "string" } },
};
const memorySchema: JSONSchema = {
  type: "object",
  required: ["namespace"],
  definitions: { positive: { type: "integer", minimum: 1 } },
  properties: { namespace: { type: "string" }, maxItems: { $ref: "#/definitions/positive" } },
};
const gitSchema: JSONSchema = { type: "object", properties: { remote: { type: "string", format: "uri" } } };

function strictAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  return ajv;
}

describe("buildConfigSchema", () => {
  const schema = buildConfigSchema({ store: storeSchema }, [
    { index: 0, id: "tools-memory", schema: memorySchema },
    { index: 1, id: "tools-git", schema: gitSchema },
    { index: 2, id: "no-config" },
  ]);

  it("is a valid draft-07 schema that ajv compiles", () => {
    const ajv = strictAjv();
    expect(ajv.validateSchema(schema as object)).toBe(true);
    expect(() => ajv.compile(schema as object)).not.toThrow();
    expect((schema as Record<string, unknown>).$schema).toBe("http://json-schema.org/draft-07/schema#");
  });

  it("completes each plugin's config section by id and closes every listed object", () => {
    const validate = strictAjv().compile(schema as object);
    const good = {
      kernel: { logLevel: "debug" },
      store: { driver: "postgres", url: "postgres://db/x" },
      plugins: [
        { from: "./plugins/tools-memory", id: "tools-memory", config: { namespace: "ark", maxItems: 3 } },
        { from: "./plugins/tools-git", id: "tools-git", config: { remote: "https://example.test/repo.git" } },
        { from: "some-package" },
      ],
    };
    expect(validate(good)).toBe(true);

    const bad = {
      kernel: { logLevel: "loud" },
      store: { driver: "postgres", extra: 1 },
      plugins: [
        { from: "./plugins/tools-memory", id: "tools-memory", config: { maxItems: 0 } },
        { from: "./plugins/tools-git", id: "tools-git", config: { remote: "not a uri", typo: true } },
        { from: "x", id: "no-config", config: { anything: 1 } },
      ],
      unknownSection: {},
    };
    expect(validate(bad)).toBe(false);
    const found = (validate.errors ?? []).filter((e) => e.keyword !== "if").map((e) => `${e.instancePath} ${e.keyword}`);
    expect(found).toEqual(expect.arrayContaining([
      " additionalProperties",
      "/kernel/logLevel enum",
      "/store additionalProperties",
      "/plugins/0/config required",
      "/plugins/0/config/maxItems minimum",
      "/plugins/1/config/remote format",
      "/plugins/1/config additionalProperties",
      "/plugins/2/config additionalProperties",
    ]));
  });

  it("keeps the module schemas it was given unchanged and exports the entry and kernel schemas", () => {
    expect(storeSchema).not.toHaveProperty("additionalProperties");
    expect(Object.isFrozen(kernelSectionSchema)).toBe(true);
    expect((pluginEntrySchema as { required: string[] }).required).toEqual(["from"]);
  });

  it("accepts the same documents as validateConfig (same rules in both places)", () => {
    const value = { store: { driver: "pglite" }, plugins: [{ from: "./m", id: "tools-memory", config: { namespace: "n" } }] };
    const plugins = [{ index: 0, id: "tools-memory", schema: memorySchema }];
    expect(validateConfig(configSourceFromObject(value), { store: storeSchema }, plugins).issues).toEqual([]);
    expect(strictAjv().validate(buildConfigSchema({ store: storeSchema }, plugins) as object, value)).toBe(true);
  });
});
