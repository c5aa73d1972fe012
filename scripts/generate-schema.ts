/**
 * Writes `schema/user-change.schema.json` (JSON Schema draft 2020-12) from the message contract's zod
 * schema, so that producers can validate a change before they queue it. Run with `npm run schema`;
 * a unit test (test/unit/core/schema.test.ts) fails when the committed file no longer matches.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { userChangeSchema } from "../lib/contract/user-change.ts";

export const SCHEMA_PATH = fileURLToPath(new URL("../schema/user-change.schema.json", import.meta.url));

export const SCHEMA_ID = "urn:genesys-user-sync:schema:user-change";

const DESCRIPTION = [
  "One change to one Genesys Cloud user, as a producer puts it on the genesys-user-sync SQS queue.",
  "The message body is this object itself, or it is accepted wrapped in an EventBridge event (the change",
  'in `detail`) or in an SNS notification without raw message delivery (`Type` = "Notification", the change',
  "as a JSON string in `Message`). Changes to the same field of the same user are ordered by `changedAt`,",
  "then by `changeId`. The user is named by `userId` or by `user` (exactly one of `id`, `email`, `employeeId`).",
  "Unknown keys are rejected.",
].join(" ");

/** The JSON Schema as a plain object (pure). */
export function buildUserChangeJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(userChangeSchema, { target: "draft-2020-12" }) as Record<string, unknown>;
  const properties = generated.properties as Record<string, Record<string, unknown>>;
  const set = properties.set;
  if (set === undefined) throw new Error("userChangeSchema has no `set` property");
  // The zod refinement "must set at least one field" has no JSON Schema form of its own; in JSON an
  // omitted field is absent, so at least one property is the same rule.
  // "give the manager as managerId or as manager, not both".
  properties.set = { ...set, minProperties: 1, not: { required: ["managerId", "manager"] } };
  // A user reference names the user by exactly one key (its object is closed, so one property).
  const ref = { minProperties: 1, maxProperties: 1 };
  const user = properties.user;
  if (user === undefined) throw new Error("userChangeSchema has no `user` property");
  properties.user = { ...user, ...ref };
  const setProperties = (properties.set.properties ?? {}) as Record<string, Record<string, unknown>>;
  const manager = setProperties.manager;
  if (manager?.anyOf) {
    setProperties.manager = {
      ...manager,
      anyOf: (manager.anyOf as Record<string, unknown>[]).map((s) =>
        s.type === "object" ? { ...s, ...ref } : s,
      ),
    };
  }
  // The element maps of routing and access: "must name at least one …" (a zod refinement), and names
  // trimmed before their length is checked (zod's `trim`), i.e. at least one character not a space.
  const named = { pattern: "\\S" };
  for (const key of ["skills", "languages", "queues", "roles"]) {
    const map = setProperties[key];
    if (map === undefined) throw new Error(`changeSetSchema has no \`${key}\` property`);
    setProperties[key] = {
      ...map,
      minProperties: 1,
      propertyNames: { ...(map.propertyNames as Record<string, unknown>), ...named },
    };
  }
  // The same for the names inside: a role's divisions and a location's name.
  const grant = anyOfObject(
    (setProperties.roles as { additionalProperties?: Record<string, unknown> }).additionalProperties,
  );
  const divisions = (grant?.properties as Record<string, Record<string, unknown>> | undefined)?.divisions;
  if (divisions === undefined) throw new Error("a role's grant has no `divisions`");
  divisions.items = { ...(divisions.items as Record<string, unknown>), ...named };
  const locationByName = anyOfObject(anyOfObject(setProperties.location), "name");
  const locationName = (locationByName?.properties as Record<string, Record<string, unknown>> | undefined)
    ?.name;
  if (locationName === undefined) throw new Error("a location has no `name`");
  Object.assign(locationName, named);
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: SCHEMA_ID,
    title: "Genesys Cloud user change",
    description: DESCRIPTION,
    ...rest,
    // "name the user by exactly one of userId or user".
    oneOf: [{ required: ["userId"] }, { required: ["user"] }],
  };
}

/**
 * The first branch of a schema's `anyOf` that is an object with the given property (or, without one,
 * that holds an `anyOf` or is an object); undefined when there is none.
 */
function anyOfObject(
  schema: Record<string, unknown> | undefined,
  property?: string,
): Record<string, unknown> | undefined {
  const branches = (schema?.anyOf ?? []) as Record<string, unknown>[];
  return branches.find((b) =>
    property === undefined
      ? b.anyOf !== undefined || b.type === "object"
      : (b.properties as Record<string, unknown> | undefined)?.[property] !== undefined,
  );
}

/** The file's exact text. */
export function renderUserChangeJsonSchema(): string {
  return `${formatJson(buildUserChangeJsonSchema(), 0, 0)}\n`;
}

/** The repository's Biome line width: the file must already be in Biome's format (`npm run lint`). */
const LINE_WIDTH = 110;

/**
 * `JSON.stringify(value, null, 2)` as Biome formats it: objects expanded, an array of scalars on one line
 * when it fits (`prefix` is the width already used on the line).
 */
function formatJson(value: unknown, depth: number, prefix: number): string {
  const pad = "  ".repeat(depth + 1);
  const end = "  ".repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every((item) => item === null || typeof item !== "object")) {
      const oneLine = `[${value.map((item) => JSON.stringify(item)).join(", ")}]`;
      if (prefix + oneLine.length + 1 <= LINE_WIDTH) return oneLine;
    }
    const items = value.map((item) => `${pad}${formatJson(item, depth + 1, pad.length)}`);
    return `[\n${items.join(",\n")}\n${end}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    const lines = entries.map(([key, item]) => {
      const head = `${pad}${JSON.stringify(key)}: `;
      return `${head}${formatJson(item, depth + 1, head.length)}`;
    });
    return `{\n${lines.join(",\n")}\n${end}}`;
  }
  return JSON.stringify(value);
}

if (import.meta.main) {
  writeFileSync(SCHEMA_PATH, renderUserChangeJsonSchema());
  console.log(`wrote ${SCHEMA_PATH}`);
}
