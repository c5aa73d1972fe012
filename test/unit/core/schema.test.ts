import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parseUserChange } from "../../../lib/contract/user-change.ts";
import {
  buildUserChangeJsonSchema,
  renderUserChangeJsonSchema,
  SCHEMA_ID,
  SCHEMA_PATH,
} from "../../../scripts/generate-schema.ts";

type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(["$schema", "$id", "title", "description", "format"]);

/**
 * A tiny validator for the keywords this schema uses; it refuses any other keyword, so a schema change
 * cannot make it silently accept too much. Returns the paths that fail.
 */
function validate(schema: Schema, value: unknown, path = "$"): string[] {
  const errors: string[] = [];
  for (const key of Object.keys(schema)) {
    if (
      !ANNOTATIONS.has(key) &&
      ![
        "type",
        "properties",
        "required",
        "additionalProperties",
        "anyOf",
        "pattern",
        "enum",
        "minLength",
        "maxLength",
        "minProperties",
        "maxProperties",
        "oneOf",
        "not",
        "propertyNames",
        "minimum",
        "maximum",
        "items",
        "minItems",
      ].includes(key)
    )
      throw new Error(`tiny validator: unsupported keyword ${key} at ${path}`);
  }
  if (Array.isArray(schema.anyOf)) {
    if (!(schema.anyOf as Schema[]).some((s) => validate(s, value, path).length === 0))
      errors.push(`${path}: anyOf`);
  }
  if (Array.isArray(schema.oneOf)) {
    const passing = (schema.oneOf as Schema[]).filter((s) => validate(s, value, path).length === 0);
    if (passing.length !== 1) errors.push(`${path}: oneOf`);
  }
  if (schema.not !== undefined && validate(schema.not as Schema, value, path).length === 0) {
    errors.push(`${path}: not`);
  }
  const type = schema.type;
  if (type !== undefined) {
    const actual = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
    if (actual !== type) return [...errors, `${path}: expected ${String(type)}, got ${actual}`];
  }
  if (typeof value === "string") {
    if (typeof schema.minLength === "number" && [...value].length < schema.minLength)
      errors.push(`${path}: minLength`);
    if (typeof schema.maxLength === "number" && [...value].length > schema.maxLength)
      errors.push(`${path}: maxLength`);
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value))
      errors.push(`${path}: pattern`);
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) errors.push(`${path}: minimum`);
    if (typeof schema.maximum === "number" && value > schema.maximum) errors.push(`${path}: maximum`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems)
      errors.push(`${path}: minItems`);
    if (schema.items !== undefined)
      value.forEach((item, i) => {
        errors.push(...validate(schema.items as Schema, item, `${path}[${i}]`));
      });
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errors.push(`${path}: enum`);
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[]) {
      if (!(name in record)) errors.push(`${path}.${name}: required`);
    }
    if (typeof schema.minProperties === "number" && Object.keys(record).length < schema.minProperties)
      errors.push(`${path}: minProperties`);
    if (typeof schema.maxProperties === "number" && Object.keys(record).length > schema.maxProperties)
      errors.push(`${path}: maxProperties`);
    for (const [name, item] of Object.entries(record)) {
      if (schema.propertyNames !== undefined)
        errors.push(...validate(schema.propertyNames as Schema, name, `${path}.${name} (name)`));
      const sub = properties[name];
      if (sub) errors.push(...validate(sub, item, `${path}.${name}`));
      else if (schema.additionalProperties === false) errors.push(`${path}.${name}: additional property`);
      else if (typeof schema.additionalProperties === "object")
        errors.push(...validate(schema.additionalProperties as Schema, item, `${path}.${name}`));
    }
  }
  return errors;
}

const committedText = readFileSync(SCHEMA_PATH, "utf8");
const committed = JSON.parse(committedText) as Schema;

const USER = "3f2b8c1e-9d4a-4e6b-8f1a-2c3d4e5f6a7b";
const valid = {
  changeId: "chg-1",
  userId: USER,
  changedAt: "2024-05-01T14:00:00+02:00",
  set: { extension: "1234", managerId: null, state: "inactive" },
};

describe("schema/user-change.schema.json", () => {
  it("is exactly what `npm run schema` generates (regenerate and commit it when the contract changes)", () => {
    assert.equal(committedText, renderUserChangeJsonSchema());
  });

  it("is draft 2020-12 with $id, title and a description that names the envelopes", () => {
    assert.equal(committed.$schema, "https://json-schema.org/draft/2020-12/schema");
    assert.equal(committed.$id, SCHEMA_ID);
    assert.equal(typeof committed.title, "string");
    assert.match(String(committed.description), /EventBridge/);
    assert.match(String(committed.description), /SNS/);
    assert.deepEqual(committed, buildUserChangeJsonSchema());
  });

  it("closes both objects: additionalProperties false at the top and in set", () => {
    assert.equal(committed.additionalProperties, false);
    const set = (committed.properties as Record<string, Schema>).set;
    assert.equal(set?.additionalProperties, false);
    assert.equal(set?.minProperties, 1);
    assert.deepEqual(Object.keys((set?.properties ?? {}) as object).sort(), [
      "acdAutoAnswer",
      "dateHire",
      "department",
      "division",
      "email",
      "employeeId",
      "employeeType",
      "extension",
      "languages",
      "location",
      "manager",
      "managerId",
      "mobilePhone",
      "name",
      "officialName",
      "preferredName",
      "queues",
      "roles",
      "skills",
      "state",
      "title",
      "workPhone",
    ]);
  });

  it("accepts a valid change", () => {
    assert.deepEqual(validate(committed, valid), []);
  });

  it("rejects an unknown key in set, naming it", () => {
    assert.deepEqual(validate(committed, { ...valid, set: { extention: "1234" } }), [
      "$.set.extention: additional property",
    ]);
  });

  it("rejects an empty set and an unknown top-level key", () => {
    assert.deepEqual(validate(committed, { ...valid, set: {} }), ["$.set: minProperties"]);
    assert.deepEqual(validate(committed, { ...valid, extra: 1 }), ["$.extra: additional property"]);
  });

  it("agrees with the zod contract on sample changes", () => {
    const samples: unknown[] = [
      valid,
      { ...valid, set: { title: "" } },
      { ...valid, set: { extension: null } },
      { ...valid, set: { extension: "12345678901234567" } },
      { ...valid, set: { extension: "12a" } },
      { ...valid, set: { managerId: "not-a-uuid" } },
      { ...valid, set: { state: "deleted" } },
      { ...valid, set: { name: "" } },
      { ...valid, set: { title: null } },
      { ...valid, set: { email: "ann@example.com" } },
      { ...valid, set: { email: "nope" } },
      { ...valid, changedAt: "2024-05-01T12:00:00" },
      { ...valid, changedAt: "2024-02-30T12:00:00Z" },
      { ...valid, changeId: "" },
      { ...valid, changeId: "x".repeat(129) },
      { ...valid, userId: "user-1" },
      { changeId: "a", userId: USER, set: { title: "x" } },
      { ...valid, userId: undefined, user: { email: "ann@example.com" } },
      { ...valid, userId: undefined, user: { employeeId: "E-1" } },
      { ...valid, userId: undefined, user: { id: USER } },
      { ...valid, user: { email: "ann@example.com" } },
      { ...valid, userId: undefined, user: { email: "ann@example.com", employeeId: "E-1" } },
      { ...valid, userId: undefined, user: {} },
      { ...valid, userId: undefined },
      { ...valid, set: { manager: { email: "boss@example.com" } } },
      { ...valid, set: { manager: null } },
      { ...valid, set: { manager: { id: USER }, managerId: USER } },
      { ...valid, set: { manager: { email: "boss@example.com", id: USER } } },
      { ...valid, set: { dateHire: "2024-02-29" } },
      { ...valid, set: { dateHire: "2024-13-01" } },
      { ...valid, set: { acdAutoAnswer: true } },
      { ...valid, set: { acdAutoAnswer: "yes" } },
      { ...valid, set: { mobilePhone: "+35387123456" } },
      { ...valid, set: { workPhone: null } },
      { ...valid, set: { workPhone: "0871234567" } },
      // Routing and access.
      { ...valid, set: { skills: { Billing: 4, "Customer Care": 2.5, Old: null } } },
      { ...valid, set: { skills: { Billing: 0 }, languages: { French: 5 } } },
      { ...valid, set: { skills: { Billing: 5.5 } } },
      { ...valid, set: { skills: { Billing: -1 } } },
      { ...valid, set: { skills: { Billing: "4" } } },
      { ...valid, set: { skills: {} } },
      { ...valid, set: { languages: {} } },
      { ...valid, set: { skills: { "": 3 } } },
      { ...valid, set: { skills: { "   ": 3 } } },
      { ...valid, set: { skills: { [`x${"y".repeat(255)}`]: 3 } } },
      { ...valid, set: { queues: { "Support EMEA": true, "Support APAC": false } } },
      { ...valid, set: { queues: { "Support EMEA": null } } },
      { ...valid, set: { queues: {} } },
      { ...valid, set: { roles: { Agent: true, Supervisor: false, "Team Lead": { divisions: ["EMEA"] } } } },
      { ...valid, set: { roles: { "Team Lead": { divisions: [] } } } },
      { ...valid, set: { roles: { "Team Lead": { divisions: [" "] } } } },
      { ...valid, set: { roles: { "Team Lead": { divisions: ["EMEA"], home: true } } } },
      { ...valid, set: { roles: { Agent: "yes" } } },
      { ...valid, set: { roles: {} } },
      { ...valid, set: { location: { id: USER } } },
      { ...valid, set: { location: { name: "Dublin" } } },
      { ...valid, set: { location: null } },
      { ...valid, set: { location: {} } },
      { ...valid, set: { location: { name: " " } } },
      { ...valid, set: { location: { id: "dublin" } } },
      { ...valid, set: { location: { id: USER, name: "Dublin" } } },
      [],
      null,
    ];
    for (const sample of samples) {
      const byZod = parseUserChange(JSON.stringify(sample)).ok;
      // As a producer would send it: through JSON (keys whose value is undefined are gone).
      const errors = validate(committed, JSON.parse(JSON.stringify(sample)));
      assert.equal(errors.length === 0, byZod, `disagree on ${JSON.stringify(sample)}: ${errors.join("; ")}`);
    }
  });
});
