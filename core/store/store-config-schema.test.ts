import path from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { ArkError } from "../errors/index.js";
import { resolveStoreConfig, storeSectionSchema } from "./store-config-schema.js";

function configError(fn: () => unknown): ArkError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ArkError);
    return err as ArkError;
  }
  throw new Error("expected ARK_CONFIG_INVALID");
}

describe("store config section", () => {
  it("defaults to an embedded PGlite under .ark/data (no config file: in the working directory)", () => {
    expect(resolveStoreConfig({})).toEqual({
      driver: "pglite", dataDir: path.resolve(".ark/data"), url: undefined, poolMax: 10,
      statementTimeoutMs: 30000, connectTimeoutMs: 5000, applicationName: "ark",
    });
    expect(resolveStoreConfig(undefined).driver).toBe("pglite");
  });

  it("resolves a relative dataDir against the config file's folder; an absolute one is kept", () => {
    const configFile = path.resolve("/srv/app/runtime.config.yaml");
    expect(resolveStoreConfig({}, {}, configFile).dataDir).toBe(path.resolve("/srv/app/.ark/data"));
    expect(resolveStoreConfig({ dataDir: "../state" }, {}, configFile).dataDir).toBe(path.resolve("/srv/state"));
    expect(resolveStoreConfig({ dataDir: path.resolve("/var/lib/ark") }, {}, configFile).dataDir).toBe(path.resolve("/var/lib/ark"));
    expect(resolveStoreConfig({ dataDir: "memory://" }, {}, configFile).dataDir).toBeNull();
  });

  it("treats memory:// and null as in-memory", () => {
    expect(resolveStoreConfig({ dataDir: "memory://" }).dataDir).toBeNull();
    expect(resolveStoreConfig({ dataDir: null }).dataDir).toBeNull();
  });

  it("lets ARK_DATABASE_URL override the file and force postgres", () => {
    const resolved = resolveStoreConfig({ driver: "pglite", poolMax: 3 }, { ARK_DATABASE_URL: "postgres://u:p@db:5432/ark" });
    expect(resolved).toMatchObject({ driver: "postgres", url: "postgres://u:p@db:5432/ark", poolMax: 3 });
    expect(resolveStoreConfig({}, { ARK_DATABASE_URL: "  " }).driver).toBe("pglite");
  });

  it("requires a url for postgres and reports every problem at once", () => {
    const err = configError(() => resolveStoreConfig({ driver: "postgres", poolMax: 0, bogus: 1 } as never));
    expect(err.code).toBe("ARK_CONFIG_INVALID");
    expect(err.details.issues).toEqual(expect.arrayContaining([
      'store: driver "postgres" needs a url (or set ARK_DATABASE_URL)',
      'store: unknown key "bogus"',
      "store.poolMax: must be >= 1",
    ]));
  });

  it("rejects a bad driver, a non-postgres url and a bad ARK_DATABASE_URL", () => {
    expect(configError(() => resolveStoreConfig({ driver: "mysql" } as never)).message).toContain("store.driver");
    expect(configError(() => resolveStoreConfig({ driver: "postgres", url: "mysql://x" })).message).toContain("store.url");
    const fromEnv = configError(() => resolveStoreConfig({}, { ARK_DATABASE_URL: "localhost:5432" }));
    expect(fromEnv.details.source).toBe("ARK_DATABASE_URL");
  });

  it("is a draft-07 schema a stitching validator can use, with url marked secret", () => {
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true });
    ajv.addKeyword({ keyword: "x-ark-secret", schemaType: "boolean" });
    const validate = ajv.compile({ type: "object", properties: { store: storeSectionSchema }, additionalProperties: false });
    const config: { store: Record<string, unknown> } = { store: { driver: "postgres", url: "postgres://localhost/ark" } };
    expect(validate(config)).toBe(true);
    expect(config.store.poolMax).toBe(10);
    expect(validate({ store: { driver: "postgres" } })).toBe(false);
    expect((storeSectionSchema as { properties: { url: Record<string, unknown> } }).properties.url["x-ark-secret"]).toBe(true);
  });
});
