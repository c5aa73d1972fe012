import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type ParsedChange, parseUserChange } from "../../../lib/contract/user-change.ts";
import type { GenesysUser } from "../../../lib/genesys/types.ts";
import { type AccessHoldings, AccessNeeds, NO_HOLDINGS } from "../../../lib/reconcile/access-holdings.ts";
import { diffPerson } from "../../../lib/reconcile/person-diff.ts";
import { Population } from "../../../lib/reconcile/population.ts";

const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const user = (n: number, roles: { id: string; name: string }[] = []): GenesysUser => ({
  id: id(n),
  version: 1,
  name: `User ${n}`,
  email: `user${n}@example.com`,
  state: "active",
  authorization: { roles },
});
const row = (set: object): ParsedChange => {
  const parsed = parseUserChange(
    JSON.stringify({ changeId: "x", changedAt: "2026-12-01T00:00:00Z", userId: id(1), set }),
  );
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.reason);
  return parsed.value;
};
const AGENT = { id: "r-agent", name: "Agent" };
const holdings: AccessHoldings = {
  queueMembers: new Map([["support emea", { userIds: new Set([id(1)]), complete: true }]]),
  roleGrants: new Map([["r-agent", new Map([[id(1), new Set(["d-home", "d-sales"])]])]]),
  homeDivisionId: "d-home",
  divisionIds: new Map([["sales", "d-sales"]]),
};
const differs = (set: object, u: GenesysUser, h = holdings) =>
  diffPerson(row(set), u, new Population(), h).differs;

describe("queues and grants judged from what was read", () => {
  test("a queue: true in effect for a member, false for one who is not; unknown or unread differs", () => {
    assert.deepEqual(differs({ queues: { "Support EMEA": true } }, user(1)), []);
    assert.deepEqual(differs({ queues: { "support emea": false } }, user(2)), []);
    assert.deepEqual(differs({ queues: { "Support EMEA": false } }, user(1)), ["queue:support emea"]);
    assert.deepEqual(differs({ queues: { Nowhere: true } }, user(1)), ["queue:nowhere"]);
    assert.deepEqual(differs({ queues: { "Support EMEA": true } }, user(1), NO_HOLDINGS), [
      "queue:support emea",
    ]);
  });

  test("a grant: in effect when the role is held in every division named", () => {
    const u = user(1, [AGENT]);
    assert.deepEqual(differs({ roles: { Agent: true } }, u), []);
    assert.deepEqual(differs({ roles: { agent: { divisions: ["Sales"] } } }, u), []);
    assert.deepEqual(differs({ roles: { Agent: { divisions: ["Sales", "Ops"] } } }, u), ["role:agent"]);
    assert.deepEqual(differs({ roles: { Agent: true } }, user(2, [AGENT])), ["role:agent"], "no grant read");
    assert.deepEqual(differs({ roles: { Agent: true } }, user(1)), ["role:agent"], "not held");
    assert.deepEqual(differs({ roles: { Agent: false } }, user(2)), [], "a removal: from the listing");
  });

  test("needs: queues named, roles held (not those not held, nor removals), home and divisions", () => {
    const needs = new AccessNeeds();
    assert.equal(needs.add(row({ roles: { Auditor: true, Agent: false } }), user(1, [AGENT])), false);
    assert.ok(needs.empty);
    assert.equal(
      needs.add(
        row({ queues: { "Support EMEA": true }, roles: { Agent: { divisions: [" Sales "] } } }),
        user(1, [AGENT]),
      ),
      true,
    );
    needs.add(row({ queues: { "support emea": false }, roles: { Agent: true } }), user(2, [AGENT]));
    assert.deepEqual([...needs.queueNames], [["support emea", "Support EMEA"]]);
    assert.deepEqual([...needs.roleIds], ["r-agent"]);
    assert.deepEqual([...needs.divisionNames], [["sales", "Sales"]]);
    assert.equal(needs.homeDivision, true);
  });
});
