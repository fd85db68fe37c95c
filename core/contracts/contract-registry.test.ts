import { describe, expect, it } from "vitest";
import { isArkError } from "../errors/index.js";
import { createContractRegistry } from "./contract-registry.js";
import { thrownArkError } from "../../test/support/ark-error.js";

const personId = "https://ark.dev/schemas/test/person.json";
const person = {
  $id: personId,
  type: "object",
  required: ["name", "age"],
  properties: { name: { type: "string" }, age: { type: "integer", minimum: 0 }, email: { type: "string", format: "email" } },
  additionalProperties: false,
} as const;


describe("createContractRegistry", () => {
  it("validates data against a registered schema and returns it typed", () => {
    const registry = createContractRegistry();
    registry.register(person);
    const data = { name: "Ada", age: 36, email: "ada@example.org" };
    expect(registry.validate<{ name: string }>(personId, data).name).toBe("Ada");
    expect(registry.check(personId, data)).toEqual({ valid: true });
    expect(registry.has(personId)).toBe(true);
    expect(registry.ids()).toEqual([personId]);
    expect(registry.schema(personId)).toBe(person);
  });

  it("lists every problem at once, and names the schema and the first problem in the message", () => {
    const registry = createContractRegistry();
    registry.register(person);
    const err = thrownArkError(() => registry.validate(personId, { age: -1, email: "not-an-email", extra: true }));
    expect(err.code).toBe("ARK_CONTRACT_VIOLATION");
    const issues = err.details.issues as Array<{ instancePath: string; message: string }>;
    expect(issues.map((i) => [i.instancePath, i.message])).toEqual(
      expect.arrayContaining([
        ["", "must have required property 'name'"],
        ["", "must NOT have additional property 'extra'"],
        ["/age", "must be >= 0"],
        ["/email", 'must match format "email"'],
      ]),
    );
    expect(issues).toHaveLength(4);
    expect(err.message).toContain(personId);
    expect(err.message).toContain(`${issues[0]!.instancePath || "(root)"} ${issues[0]!.message}`);
    expect(err.message).toContain("(and 3 more)");
    expect(err.details.schemaId).toBe(personId);
  });

  it("uses ajv-formats (date-time) and reports enum values", () => {
    const registry = createContractRegistry();
    const id = "https://ark.dev/schemas/test/stamp.json";
    registry.register({ $id: id, type: "object", properties: { at: { type: "string", format: "date-time" }, kind: { enum: ["a", "b"] } } });
    expect(registry.check(id, { at: "2026-02-27T10:00:00Z" }).valid).toBe(true);
    const result = registry.check(id, { at: "yesterday", kind: "c" });
    expect(result.valid).toBe(false);
    if (!result.valid) {
      expect(result.issues.map((i) => i.message)).toEqual(['must match format "date-time"', 'must be one of: "a", "b"']);
    }
  });

  it("treats registering the same schema twice (even with keys reordered) as a no-op", () => {
    const registry = createContractRegistry();
    registry.register(person);
    const { $id, ...rest } = person;
    registry.register(JSON.parse(JSON.stringify({ ...Object.fromEntries(Object.entries(rest).reverse()), $id })));
    expect(registry.ids()).toEqual([personId]);
  });

  it("rejects a different schema under an existing $id", () => {
    const registry = createContractRegistry();
    registry.register(person);
    const err = thrownArkError(() => registry.register({ ...person, required: ["name"] }));
    expect(err.code).toBe("ARK_CONTRACT_DUPLICATE_SCHEMA");
    expect(err.message).toContain(personId);
    // The original stays in force.
    expect(registry.check(personId, { name: "x" }).valid).toBe(false);
  });

  it("rejects an unknown schema id with ARK_CONTRACT_UNKNOWN_SCHEMA", () => {
    const registry = createContractRegistry();
    for (const call of [() => registry.validate("https://nope", {}), () => registry.check("https://nope", {})]) {
      const err = thrownArkError(call);
      expect(err.code).toBe("ARK_CONTRACT_UNKNOWN_SCHEMA");
      expect(err.message).toContain("https://nope");
    }
  });

  it("rejects schemas without $id and schemas that are not JSON Schema", () => {
    const registry = createContractRegistry();
    expect(thrownArkError(() => registry.register({ type: "object" } as never)).code).toBe("ARK_CONTRACT_SCHEMA_INVALID");
    expect(thrownArkError(() => registry.register({ $id: "  " })).code).toBe("ARK_CONTRACT_SCHEMA_INVALID");
    const bad = thrownArkError(() => registry.register({ $id: "https://ark.dev/bad.json", type: "no-such-type" }));
    expect(bad.code).toBe("ARK_CONTRACT_SCHEMA_INVALID");
    expect(registry.has("https://ark.dev/bad.json")).toBe(false);
  });

  it("resolves $ref between schemas registered in any order, and reports a dangling $ref clearly", () => {
    const registry = createContractRegistry();
    const outerId = "https://ark.dev/schemas/test/team.json";
    registry.register({ $id: outerId, type: "object", properties: { lead: { $ref: personId } } });
    registry.register(person);
    expect(registry.check(outerId, { lead: { name: "A", age: 1 } }).valid).toBe(true);
    expect(registry.check(outerId, { lead: { name: "A" } }).valid).toBe(false);

    const danglingId = "https://ark.dev/schemas/test/dangling.json";
    registry.register({ $id: danglingId, properties: { x: { $ref: "https://ark.dev/schemas/test/missing.json" } } });
    const err = thrownArkError(() => registry.check(danglingId, {}));
    expect(err.code).toBe("ARK_CONTRACT_SCHEMA_INVALID");
    expect(err.message).toContain(danglingId);
  });

  it("keeps registries independent and validates repeatedly with the cached validator", () => {
    const registry = createContractRegistry();
    registry.register(person);
    // A second registry is independent: registering there does not leak here.
    const other = createContractRegistry();
    expect(other.has(personId)).toBe(false);
    for (let i = 0; i < 3; i++) expect(registry.check(personId, { name: "n", age: i }).valid).toBe(true);
    expect(isArkError(thrownArkError(() => other.validate(personId, {})), "ARK_CONTRACT_UNKNOWN_SCHEMA")).toBe(true);
  });
});
