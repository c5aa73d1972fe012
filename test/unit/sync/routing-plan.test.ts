/** Routing and access planned for one user (pure): elements in effect, the calls per kind, the location. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChangeField, FieldValue } from "../../../lib/contract/user-change.ts";
import type { GenesysUser } from "../../../lib/genesys/types.ts";
import { planOperations } from "../../../lib/sync/operations/registry.ts";
import { planUpdate } from "../../../lib/sync/plan-update.ts";

const user = (over: Partial<GenesysUser> = {}): GenesysUser => ({
  id: "u1",
  version: 3,
  employerInfo: {},
  ...over,
});
const ids = new Map<ChangeField, string>([
  ["skill:billing", "s-billing"],
  ["skill:sales", "s-sales"],
  ["skill:support", "s-support"],
  ["language:french", "l-french"],
  ["queue:emea", "q-emea"],
  ["role:agent", "r-agent"],
]);
const plan = (u: GenesysUser, wants: [ChangeField, FieldValue][]) => {
  const update = planUpdate(u, new Map(wants), ids);
  const noop = new Set(update.noop);
  const pending = new Map(wants.filter(([f]) => !noop.has(f)));
  const ops = planOperations({ user: u, update, wants: pending, ids });
  return { update, ops: ops.kind === "operations" ? ops.operations : [] };
};

describe("routing and access: one user's plan", () => {
  it("skills in effect are no-ops; the rest is one call of additions per kind, then a DELETE per removal", () => {
    const u = user({
      skills: [
        { id: "s-sales", proficiency: 2 },
        { id: "s-support", proficiency: 1 },
      ],
    });
    const { update, ops } = plan(u, [
      ["skill:billing", 4],
      ["skill:sales", 2],
      ["skill:support", null],
      ["language:french", 3],
    ]);
    assert.deepEqual(update.noop, ["skill:sales"]);
    assert.deepEqual(
      ops.map((o) => [o.kind, o.family, o.fields, o.payload]),
      [
        ["skills", "routing.skills", ["skill:billing"], { assign: [{ id: "s-billing", proficiency: 4 }] }],
        [
          "languages",
          "routing.languages",
          ["language:french"],
          { assign: [{ id: "l-french", proficiency: 3 }] },
        ],
        ["skills", "routing.skills", ["skill:support"], { remove: "s-support" }],
      ],
    );
  });

  it("without the expansion nothing is judged in effect: a removal is sent", () => {
    const { update, ops } = plan(user(), [["skill:support", null]]);
    assert.deepEqual(update.noop, []);
    assert.deepEqual(
      ops.map((o) => o.payload),
      [{ remove: "s-support" }],
    );
  });

  it("queues and role grants are batchable; a role removal is not (it reads the grants), and is a no-op for a role not held", () => {
    const held = user({ authorization: { roles: [{ id: "r-other" }] } });
    const { update, ops } = plan(held, [
      ["queue:emea", true],
      ["role:agent", false],
    ]);
    assert.deepEqual(update.noop, ["role:agent"]);
    assert.deepEqual(
      ops.map((o) => [o.kind, o.batchable]),
      [["queue", true]],
    );
    const removal = plan(user({ authorization: { roles: [{ id: "r-agent" }] } }), [
      ["role:agent", false],
    ]).ops;
    assert.deepEqual(
      removal.map((o) => [o.kind, o.batchable, o.payload]),
      [["role", false, { roleId: "r-agent", remove: true }]],
    );
    const grant = plan(user(), [["role:agent", ["d-home"]]]).ops;
    assert.deepEqual(
      grant.map((o) => [o.kind, o.batchable, o.payload]),
      [["role", true, { roleId: "r-agent", divisionIds: ["d-home"], held: false }]],
    );
    // A role the user holds (in divisions the read does not tell): its grants are read before granting.
    const again = plan(user({ authorization: { roles: [{ id: "r-agent" }] } }), [
      ["role:agent", ["d-home"]],
    ]).ops;
    assert.deepEqual(
      again.map((o) => o.payload),
      [{ roleId: "r-agent", divisionIds: ["d-home"], held: true }],
    );
    // A change its family's budget held back is granted without the read.
    const holder = user({ authorization: { roles: [{ id: "r-agent" }] } });
    const wants = new Map<ChangeField, FieldValue>([["role:agent", ["d-home"]]]);
    const heldBack = planOperations({
      user: holder,
      update: planUpdate(holder, wants, ids),
      wants,
      ids,
      heldBack: new Set<ChangeField>(["role:agent"]),
    });
    assert.deepEqual(heldBack.kind === "operations" ? heldBack.operations.map((o) => o.payload) : [], [
      { roleId: "r-agent", divisionIds: ["d-home"], held: false },
    ]);
  });

  it("a queue's members are read before its join or leave, unless the change came back held by the family's budget", () => {
    const u = user();
    const update = planUpdate(u, new Map([["queue:emea", true]]), ids);
    const payloads = (heldBack?: ReadonlySet<ChangeField>) => {
      const ops = planOperations({ user: u, update, wants: new Map([["queue:emea", true]]), ids, heldBack });
      return ops.kind === "operations" ? ops.operations.map((o) => o.payload) : [];
    };
    assert.deepEqual(payloads(), [{ queueId: "q-emea", join: true, read: true }]);
    assert.deepEqual(payloads(new Set(["queue:emea"])), [{ queueId: "q-emea", join: true, read: false }]);
  });

  it("the location replaces the user's first, keeps the others with their notes, once each", () => {
    const u = user({
      locations: [
        { locationDefinition: { id: "dublin" }, notes: "desk 4" },
        { locationDefinition: { id: "paris" }, notes: "hot desk" },
      ],
    });
    assert.deepEqual(planUpdate(u, new Map([["location", "berlin"]])).profile?.body.locations, [
      { id: "berlin" },
      { id: "paris", notes: "hot desk" },
    ]);
    assert.deepEqual(planUpdate(u, new Map([["location", "paris"]])).profile?.body.locations, [
      { id: "paris" },
    ]);
    assert.deepEqual(planUpdate(u, new Map([["location", null]])).profile?.body.locations, [
      { id: "paris", notes: "hot desk" },
    ]);
    assert.deepEqual(planUpdate(u, new Map([["location", "dublin"]])).noop, ["location"]);
    assert.deepEqual(
      planUpdate(user(), new Map([["location", "dublin"]])).unknown,
      ["location"],
      "not expanded",
    );
  });
});
