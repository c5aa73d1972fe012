/** The contract of routing and access: element maps in `set`, each element a field of its own. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { elementOf, isElementField } from "../../../lib/contract/routing-elements.ts";
import { type ParseResult, parseUserChange } from "../../../lib/contract/user-change.ts";

const USER = "3f2b8c1e-9d4a-4e6b-8f1a-2c3d4e5f6a7b";
const PLACE = "0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d";

const parse = (set: Record<string, unknown>): ParseResult =>
  parseUserChange(JSON.stringify({ changeId: "c-1", userId: USER, changedAt: "2026-12-01T10:00:00Z", set }));

/** The reject reason of a set, or a failure when it parses. */
function reasonOf(set: Record<string, unknown>): string {
  const result = parse(set);
  assert.equal(result.ok, false, `expected ${JSON.stringify(set)} to be rejected`);
  if (result.ok) throw new Error("unreachable");
  assert.equal(result.code, "message.schema.invalid");
  return result.reason;
}

function fieldsOf(set: Record<string, unknown>) {
  const result = parse(set);
  assert.ok(result.ok, result.ok ? "" : result.reason);
  return result.value.fields;
}

describe("routing and access in the contract", () => {
  it("each named element is a field of its own (kind:name), beside the other fields", () => {
    const fields = fieldsOf({
      title: "Agent",
      skills: { Billing: 4, "Customer Care": null },
      languages: { French: 2.5 },
      queues: { "Support EMEA": true, "Support APAC": false },
      roles: { Agent: true, Supervisor: false, "Team Lead": { divisions: ["EMEA", "APAC"] } },
      location: { name: "Dublin" },
    });
    assert.deepEqual([...fields.keys()].sort(), [
      "language:french",
      "location",
      "queue:support apac",
      "queue:support emea",
      "role:agent",
      "role:supervisor",
      "role:team lead",
      "skill:billing",
      "skill:customer care",
      "title",
    ]);
    assert.deepEqual(fields.get("skill:billing"), { element: "skill", name: "Billing", value: 4 });
    assert.deepEqual(fields.get("skill:customer care"), {
      element: "skill",
      name: "Customer Care",
      value: null,
    });
    assert.deepEqual(fields.get("queue:support apac"), {
      element: "queue",
      name: "Support APAC",
      value: false,
    });
    assert.deepEqual(fields.get("role:team lead"), {
      element: "role",
      name: "Team Lead",
      value: { divisions: ["EMEA", "APAC"] },
    });
    assert.deepEqual(fields.get("location"), { location: { name: "Dublin" } });
    assert.equal(fields.has("skills" as never), false, "the map itself is no field");
  });

  it("names are trimmed, so ' Billing ' and 'Billing' are one element", () => {
    assert.deepEqual(
      [...fieldsOf({ skills: { " Billing ": 3 } }).keys()],
      ["skill:billing"],
      "trimmed, in lower case",
    );
    assert.deepEqual(fieldsOf({ skills: { " Billing ": 3 } }).get("skill:billing"), {
      element: "skill",
      name: "Billing",
      value: 3,
    });
    assert.match(reasonOf({ skills: { Billing: 3, " billing ": 4 } }), /names a skill twice/);
  });

  it("a set of routing and access alone is a set", () => {
    assert.deepEqual([...fieldsOf({ queues: { Sales: true } }).keys()], ["queue:sales"]);
  });

  it("proficiencies from 0 to 5, fractions included; out of range or not a number is rejected naming the path", () => {
    for (const proficiency of [0, 2.5, 5]) {
      assert.equal(fieldsOf({ skills: { Billing: proficiency } }).size, 1, String(proficiency));
    }
    for (const proficiency of [-1, 5.5, 6]) {
      assert.equal(
        reasonOf({ skills: { Billing: proficiency } }),
        "set.skills.Billing: must be a proficiency from 0 to 5",
      );
    }
    assert.equal(
      reasonOf({ languages: { French: 9 } }),
      "set.languages.French: must be a proficiency from 0 to 5",
    );
    for (const proficiency of ["4", true, {}]) {
      assert.equal(
        reasonOf({ languages: { "Brazilian Portuguese": proficiency } }),
        "set.languages.Brazilian Portuguese: must be a proficiency from 0 to 5, or null to remove it",
      );
    }
  });

  it("an empty map is rejected: it would change nothing, silently", () => {
    assert.equal(reasonOf({ skills: {} }), "set.skills: must name at least one skill");
    assert.equal(reasonOf({ languages: {} }), "set.languages: must name at least one language");
    assert.equal(reasonOf({ queues: {} }), "set.queues: must name at least one queue");
    assert.equal(reasonOf({ roles: {} }), "set.roles: must name at least one role");
    assert.match(reasonOf({ title: "Agent", skills: {} }), /^set\.skills: /, "even beside another field");
  });

  it("an empty name, or a map that is not a map, is rejected", () => {
    assert.match(reasonOf({ skills: { "  ": 3 } }), /^set\.skills\./);
    assert.match(reasonOf({ skills: [["Billing", 3]] }), /^set\.skills: /);
    assert.match(reasonOf({ skills: null }), /^set\.skills: /, "null removes one element, not the map");
  });

  it("queues take true (join) or false (leave) only", () => {
    for (const value of [null, "true", 1]) {
      assert.match(reasonOf({ queues: { "Support EMEA": value } }), /^set\.queues\.Support EMEA: /);
    }
  });

  it("roles: true, false or a non-empty list of division names; nothing else", () => {
    const grant = fieldsOf({ roles: { "Team Lead": { divisions: [" EMEA "] } } }).get("role:team lead");
    assert.deepEqual(grant, { element: "role", name: "Team Lead", value: { divisions: ["EMEA"] } });
    assert.equal(
      reasonOf({ roles: { "Team Lead": { divisions: [] } } }),
      "set.roles.Team Lead.divisions: must name at least one division",
    );
    assert.match(
      reasonOf({ roles: { "Team Lead": { divisions: [""] } } }),
      /^set\.roles\.Team Lead\.divisions\.0: /,
    );
    assert.equal(
      reasonOf({ roles: { Agent: "yes" } }),
      'set.roles.Agent: must be true, false or { "divisions": [names] }',
    );
    assert.match(reasonOf({ roles: { Agent: { divisions: ["EMEA"], home: true } } }), /^set\.roles\.Agent/);
    assert.match(
      reasonOf({ roles: { Agent: null } }),
      /^set\.roles\.Agent: /,
      "false removes a role, not null",
    );
  });

  it("the location: by id or by name (each looked up), or null (removed)", () => {
    assert.deepEqual(fieldsOf({ location: { id: PLACE } }).get("location"), { location: { id: PLACE } });
    assert.deepEqual(fieldsOf({ location: { name: " Dublin " } }).get("location"), {
      location: { name: "Dublin" },
    });
    assert.equal(fieldsOf({ location: null }).get("location"), null);
    const neither = 'set.location: must be { "id" } or { "name" }, or null to remove it';
    assert.equal(reasonOf({ location: {} }), neither);
    assert.equal(reasonOf({ location: { id: PLACE, name: "Dublin" } }), neither, "not both");
    assert.equal(reasonOf({ location: "Dublin" }), neither);
    assert.equal(reasonOf({ location: { id: "dublin" } }), "set.location.id: must be a UUID");
    assert.match(reasonOf({ location: { name: "" } }), /^set\.location\.name: /);
  });

  it("elementOf reads an element field back; other fields are not elements", () => {
    assert.deepEqual(elementOf("skill:Tier: 1"), { element: "skill", key: "Tier: 1" });
    assert.deepEqual(elementOf("role:Team Lead"), { element: "role", key: "Team Lead" });
    assert.equal(elementOf("location"), undefined);
    assert.equal(elementOf("division:EMEA"), undefined);
    assert.equal(isElementField("queue:Sales"), true);
    assert.equal(isElementField("title"), false);
  });
});
