import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChangeField, FieldValue } from "../../../lib/contract/user-change.ts";
import {
  ExtensionInUseError,
  PermanentGenesysError,
  PermissionError,
  RateLimitedError,
  TransientGenesysError,
  VersionConflictError,
} from "../../../lib/genesys/errors.ts";
import type { GenesysUser, UpdateUserBody } from "../../../lib/genesys/types.ts";
import { type AfterFailure, afterFailure, type FailedOperation } from "../../../lib/sync/after-failure.ts";
import { classifyFailure } from "../../../lib/sync/failure.ts";
import { clearExtension } from "../../../lib/sync/operations/clear-extension.ts";
import { planOperations, runOperation } from "../../../lib/sync/operations/registry.ts";
import { planUpdate } from "../../../lib/sync/plan-update.ts";

const NOW = 1_000_000;
const user = (over: Partial<GenesysUser> = {}): GenesysUser => ({
  id: "u1",
  name: "Ada",
  version: 4,
  state: "active",
  title: "Agent",
  addresses: [{ mediaType: "PHONE", type: "WORK", extension: "1001" }],
  employerInfo: { employeeId: "E1", employeeType: "Full-time" },
  ...over,
});
const plan = (u: GenesysUser, wants: [ChangeField, FieldValue][]) =>
  planOperations({ user: u, update: planUpdate(u, new Map(wants)), wants: new Map(wants), ids: new Map() });
const kinds = (p: ReturnType<typeof plan>) =>
  p.kind === "operations" ? p.operations.map((o) => `${o.kind}:${o.fields.join(",")}`) : p.why.code;

describe("planOperations: a user's change as operations", () => {
  it("profile fields in one PATCH, then state alone", () => {
    assert.deepEqual(
      kinds(
        plan(user(), [
          ["title", "Lead"],
          ["state", "inactive"],
          ["department", "Sales"],
        ]),
      ),
      ["profile:title,department", "state:state"],
    );
  });

  it("a deleted user: the restore goes first; without a restore, the plan is refused", () => {
    const deleted = user({ state: "deleted" });
    assert.deepEqual(
      kinds(
        plan(deleted, [
          ["title", "Lead"],
          ["state", "active"],
        ]),
      ),
      ["state:state", "profile:title"],
    );
    assert.equal(kinds(plan(deleted, [["title", "Lead"]])), "genesys.user.deleted");
  });

  it("a deleted user's deactivation (a leaver) is in effect already: no operation; with other fields, refused", () => {
    const deleted = user({ state: "deleted" });
    const only = plan(deleted, [["state", "inactive"]]);
    assert.deepEqual(kinds(only), [], "nothing sent: a PATCH of state would restore the user");
    const more = plan(deleted, [
      ["state", "inactive"],
      ["title", "Gone"],
    ]);
    assert.ok(more.kind === "refused");
    assert.equal(more.why.code, "genesys.user.deleted");
    assert.deepEqual(kinds(plan(deleted, [["state", "active"]])), ["state:state"]);
  });

  it("nothing to send: no operation (the no-ops settle as such, from the field diff)", () => {
    assert.deepEqual(kinds(plan(user(), [["title", "Agent"]])), []);
  });

  it("every operation names the users' write family and is sent per user", () => {
    const p = plan(user(), [
      ["title", "Lead"],
      ["state", "inactive"],
    ]);
    assert.ok(p.kind === "operations");
    for (const o of p.operations) assert.deepEqual([o.family, o.batchable], ["users.write", false]);
  });

  it("an email the profile PATCH sets is a name it gives the user (lower-cased for the cache)", () => {
    const p = plan(user(), [["email", "Ada.L@Example.com"]]);
    assert.ok(p.kind === "operations");
    assert.deepEqual(p.operations[0]?.gives, [{ by: "email", value: "ada.l@example.com" }]);
  });

  it("running: the PATCH carries the version read, and the user afterwards keeps the employer info sent", async () => {
    const sent: UpdateUserBody[] = [];
    const users = {
      getUsers: async () => new Map(),
      patchUser: async (id: string, body: UpdateUserBody) => {
        sent.push(body);
        return { ...user(), id, version: body.version + 1, employerInfo: undefined, title: body.title };
      },
    };
    const p = plan(user(), [
      ["title", "Lead"],
      ["employeeType", "Contractor"],
    ]);
    assert.ok(p.kind === "operations");
    const after = await runOperation(p.operations[0] as never, user(), {
      users,
      signal: AbortSignal.timeout(1_000),
    });
    assert.equal(sent[0]?.version, 4);
    assert.deepEqual(after.employerInfo, { employeeId: "E1", employeeType: "Contractor" });
    const cleared = await runOperation(clearExtension(after), after, {
      users,
      signal: AbortSignal.timeout(1_000),
    });
    assert.equal(
      sent[1]?.addresses?.some((a) => a.extension !== undefined),
      false,
      "the WORK extension is gone",
    );
    assert.equal(cleared.version, 6);
  });
});

describe("afterFailure: what follows a failed operation, as a table", () => {
  const at = (over: Partial<FailedOperation> = {}): FailedOperation => ({
    sending: ["title", "extension"],
    pending: 2,
    rateLimited: 0,
    rateLimitRetries: 1,
    conflicts: 0,
    maxConflicts: 3,
    user: user(),
    nowMs: NOW,
    ...over,
  });
  const next = (error: unknown, over?: Partial<FailedOperation>): AfterFailure["kind"] =>
    afterFailure(classifyFailure(error, NOW), at(over)).kind;
  const extensionRefused = new PermissionError("403", ["telephony:extension:assign"]);
  const cases: [string, unknown, Partial<FailedOperation>, AfterFailure["kind"]][] = [
    ["a first 429", new RateLimitedError("429", 2_000, "genesys"), {}, "send-again"],
    [
      "a 429 after the send again",
      new RateLimitedError("429", 2_000, "genesys"),
      { rateLimited: 1 },
      "settle-all",
    ],
    ["a conflict", new VersionConflictError("409"), {}, "read-again"],
    ["a conflict past the re-reads", new VersionConflictError("409"), { conflicts: 3 }, "settle-all"],
    ["the extension refused", extensionRefused, {}, "without-extension"],
    ["a 403 on a PATCH without the extension", extensionRefused, { sending: ["title"] }, "settle-all"],
    ["editing refused", new PermissionError("403", ["directory:user:edit"]), {}, "settle-all"],
    [
      "an operation refused for want of its own permission (a skill's)",
      new PermissionError("403", ["routing:skill:assign"]),
      { sending: ["skill:Billing"], operation: { kind: "skills", needs: "routing:skill:assign" } },
      "without-operation",
    ],
    ["the extension in use, other fields pending", new ExtensionInUseError("taken"), {}, "without-extension"],
    [
      "the extension in use, nothing else pending",
      new ExtensionInUseError("taken"),
      { pending: 1 },
      "settle-all",
    ],
    [
      "the extension in use, not carried",
      new ExtensionInUseError("taken"),
      { sending: ["title"] },
      "settle-all",
    ],
    ["a 503", new TransientGenesysError("503", "genesys.http.503"), {}, "settle-all"],
    ["a 400", new PermanentGenesysError("bad", "genesys.invalid.value"), {}, "settle-all"],
  ];
  for (const [what, error, over, kind] of cases) {
    it(`${what} → ${kind}`, () => assert.equal(next(error, over), kind));
  }

  it("a refused extension is dead-lettered naming the permission and the user's division", () => {
    const out = afterFailure(
      classifyFailure(extensionRefused, NOW),
      at({ user: user({ division: { id: "d1", name: "EMEA" } }) }),
    );
    assert.ok(out.kind === "without-extension" && out.outcome.kind === "dead");
    assert.match(out.outcome.why.reason, /telephony:extension:assign in division "EMEA"/);
  });

  it("an extension in use is re-queued as an attempt", () => {
    const out = afterFailure(classifyFailure(new ExtensionInUseError("taken"), NOW), at());
    assert.deepEqual(out.kind === "without-extension" && out.outcome.kind, "retry");
  });
});
