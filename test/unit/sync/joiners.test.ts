/** Joiners: who a batch creates and with what (`joinersOf`, pure), and the create or restore (`provisionJoiners`). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseUserChange, type UserKey, userKeyString } from "../../../lib/contract/user-change.ts";
import { PermissionError, TransientGenesysError, UserConflictError } from "../../../lib/genesys/errors.ts";
import type { CreateUserBody, GenesysUser } from "../../../lib/genesys/types.ts";
import type {
  DivisionResolutions,
  ParsedBatch,
  Resolution,
  Resolutions,
} from "../../../lib/sync/batch-plan.ts";
import { classifyFailure, type Failure } from "../../../lib/sync/failure.ts";
import type { FieldOutcome } from "../../../lib/sync/field-outcome.ts";
import { type Joiner, joinersOf } from "../../../lib/sync/joiners.ts";
import { type JoinerPorts, provisionJoiners } from "../../../lib/sync/provision-joiners.ts";
import { quietLog, uid } from "./records.ts";

const NOW = Date.parse("2026-12-05T08:00:05Z");
const DIVISION = uid(900);

/** A batch of valid changes, each its own message (`m1`, `m2`, ... in the order given). */
function batchOf(...changes: Record<string, unknown>[]): ParsedBatch {
  return {
    early: new Map(),
    changes: changes.map((change, i) => {
      const parsed = parseUserChange(
        JSON.stringify({ changeId: `c-${i + 1}`, changedAt: "2026-12-05T08:00:00Z", ...change }),
      );
      assert.ok(parsed.ok, `change ${i + 1} is valid: ${parsed.ok ? "" : parsed.reason}`);
      return { messageKey: `m${i + 1}`, parsed: parsed.value, attempts: 0 };
    }),
  };
}

const byEmail = (email: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  user: { email },
  ifMissing: "create",
  set: { name: email.split("@")[0] },
  ...over,
});

const emailKey = (email: string): string => userKeyString({ by: "email", value: email });
const resolved = (entries: [string, Resolution][]): Resolutions =>
  new Map(entries.map(([email, r]) => [emailKey(email), r]));
const notFound: Resolution = { kind: "not-found" };

describe("joinersOf: the batch's joiners and what each is created with", () => {
  it("the newest value of each field across the batch's changes for the email; every message asked", () => {
    const batch = batchOf(
      byEmail("ann@example.com", {
        changedAt: "2026-12-05T07:00:00Z",
        set: { name: "Ann Old", title: "Agent", department: "Support" },
      }),
      byEmail("ann@example.com", { changedAt: "2026-12-05T09:00:00Z", set: { name: "Ann New" } }),
      // Same time as the newest: the larger changeId wins the tie (c-3 > c-2).
      { user: { email: "ANN@example.com" }, changedAt: "2026-12-05T09:00:00Z", set: { title: "Lead" } },
    );
    const [ann, ...others] = joinersOf(batch, resolved([["ann@example.com", notFound]]), new Map());
    assert.deepEqual(others, []);
    assert.deepEqual(ann?.create, {
      name: "Ann New",
      email: "ann@example.com",
      title: "Lead",
      department: "Support",
      state: "active",
    });
    assert.deepEqual(
      ann?.messageKeys,
      ["m1", "m2", "m3"],
      "a change without ifMissing for the email rides along",
    );
    assert.deepEqual(ann?.key, { by: "email", value: "ann@example.com" });
  });

  it("only emails proven absent whose changes say ifMissing create", () => {
    const batch = batchOf(
      byEmail("found@example.com"),
      byEmail("unproven@example.com"),
      byEmail("failed@example.com"),
      byEmail("ambiguous@example.com"),
      { user: { email: "deadletter@example.com" }, ifMissing: "deadLetter", set: { name: "D" } },
      { user: { email: "plain@example.com" }, set: { name: "P" } },
      { userId: uid(1), set: { name: "By id" } },
      byEmail("joiner@example.com"),
    );
    const retry: FieldOutcome = {
      kind: "retry",
      waitMs: 0,
      countsAttempt: false,
      why: { code: "x", reason: "x" },
    };
    const resolutions = resolved([
      ["found@example.com", { kind: "found", id: uid(2), cached: false }],
      ["unproven@example.com", { kind: "unproven", outcome: retry }],
      ["failed@example.com", { kind: "failed", outcome: retry }],
      ["ambiguous@example.com", { kind: "ambiguous", ids: [uid(3), uid(4)] }],
      ["deadletter@example.com", notFound],
      ["plain@example.com", notFound],
      ["joiner@example.com", notFound],
    ]);
    assert.deepEqual(
      joinersOf(batch, resolutions, new Map()).map((j) => j.email),
      ["joiner@example.com"],
    );
  });

  it("the division: an id as given, a name as resolved; a name that did not resolve is left out (Home)", () => {
    const batch = batchOf(
      byEmail("by-id@example.com", { set: { name: "I", division: { id: DIVISION } } }),
      byEmail("by-name@example.com", { set: { name: "N", division: { name: "EMEA Support" } } }),
      byEmail("unknown@example.com", { set: { name: "U", division: { name: "Atlantis" } } }),
      byEmail("failed@example.com", { set: { name: "F", division: { name: "Flaky" } } }),
      byEmail("none@example.com"),
    );
    const divisions: DivisionResolutions = new Map([
      ["EMEA Support", { kind: "found", id: uid(901) }],
      ["Atlantis", { kind: "not-found" }],
      [
        "Flaky",
        {
          kind: "failed",
          outcome: { kind: "retry", waitMs: 0, countsAttempt: true, why: { code: "x", reason: "x" } },
        },
      ],
    ]);
    const resolutions = resolved(
      ["by-id", "by-name", "unknown", "failed", "none"].map((n) => [`${n}@example.com`, notFound]),
    );
    const divisionOf = new Map(
      joinersOf(batch, resolutions, divisions).map((j) => [j.email, j.create.divisionId]),
    );
    assert.deepEqual(Object.fromEntries(divisionOf), {
      "by-id@example.com": DIVISION,
      "by-name@example.com": uid(901),
      "unknown@example.com": undefined,
      "failed@example.com": undefined,
      "none@example.com": undefined,
    });
    for (const joiner of joinersOf(batch, resolutions, divisions)) {
      assert.equal(
        "divisionId" in joiner.create,
        joiner.create.divisionId !== undefined,
        "no key without a value",
      );
    }
  });

  it("state: active unless the newest change that sets it says inactive (a create without one may be inactive)", () => {
    const batch = batchOf(
      byEmail("none@example.com"),
      byEmail("active@example.com", { set: { name: "A", state: "active" } }),
      byEmail("inactive@example.com", { set: { name: "I", state: "inactive" } }),
      byEmail("back@example.com", {
        changedAt: "2026-12-05T07:00:00Z",
        set: { name: "B", state: "inactive" },
      }),
      byEmail("back@example.com", { set: { name: "B", state: "active" } }),
    );
    const resolutions = resolved(
      ["none", "active", "inactive", "back"].map((n) => [`${n}@example.com`, notFound]),
    );
    assert.deepEqual(
      Object.fromEntries(joinersOf(batch, resolutions, new Map()).map((j) => [j.email, j.create.state])),
      {
        "none@example.com": "active",
        "active@example.com": "active",
        "inactive@example.com": "inactive",
        "back@example.com": "active",
      },
    );
  });

  it("fields the create does not take are left to the PATCH that follows", () => {
    const batch = batchOf(
      byEmail("new.hire@example.com", {
        set: {
          name: "New Hire",
          extension: "4711",
          title: "Agent",
          manager: { email: "lead@example.com" },
          employeeId: "E-2001",
        },
      }),
    );
    const [joiner] = joinersOf(batch, resolved([["new.hire@example.com", notFound]]), new Map());
    assert.deepEqual(Object.keys(joiner?.create ?? {}).sort(), ["email", "name", "state", "title"]);
  });
});

// ---------------------------------------------------------------------------------------------------

const joiner = (email: string, create: Partial<CreateUserBody> = {}): Joiner => ({
  email,
  key: { by: "email", value: email },
  create: { name: email.split("@")[0] as string, email, state: "active", ...create },
  messageKeys: [`m-${email}`],
});

const genesysUser = (n: number, email: string, over: Partial<GenesysUser> = {}): GenesysUser => ({
  id: uid(n),
  version: 1,
  name: email,
  email,
  state: "active",
  ...over,
});

/** Joiner ports in memory: each search answers the next entry of `searches` (a user list or an error). */
class FakeJoinerPorts implements JoinerPorts {
  readonly searches: (readonly GenesysUser[] | Error)[];
  readonly searched: (readonly string[])[] = [];
  readonly created: CreateUserBody[] = [];
  readonly restored: { userId: string; version: number; state: string }[] = [];
  readonly remembered: { name: UserKey; userId: string }[] = [];
  /** What a create does: a user (made from the body), or an error to throw. */
  onCreate: (body: CreateUserBody) => GenesysUser | Error = (body) =>
    genesysUser(500 + this.created.length, body.email, { state: body.state ?? "active" });
  onRestore: (userId: string) => Error | undefined = () => undefined;
  constructor(...searches: (readonly GenesysUser[] | Error)[]) {
    this.searches = searches;
  }
  async findInAnyState(emails: readonly string[]): Promise<readonly GenesysUser[]> {
    this.searched.push(emails);
    const answer = this.searches.shift() ?? [];
    if (answer instanceof Error) throw answer;
    return answer.filter((u) => emails.includes(u.email?.toLowerCase() ?? ""));
  }
  async createUser(body: CreateUserBody): Promise<GenesysUser> {
    this.created.push(body);
    const answer = this.onCreate(body);
    if (answer instanceof Error) throw answer;
    return answer;
  }
  async restoreUser(
    userId: string,
    version: number,
    _signal: AbortSignal,
    state: "active" | "inactive",
  ): Promise<GenesysUser> {
    this.restored.push({ userId, version, state });
    const error = this.onRestore(userId);
    if (error) throw error;
    return { id: userId, version: version + 1, state };
  }
  async remember(name: UserKey, userId: string): Promise<void> {
    this.remembered.push({ name, userId });
  }
}

/** Runs `provisionJoiners` with a context whose `fail` records the failures it is given. */
async function provision(
  joiners: readonly Joiner[],
  ports: FakeJoinerPorts,
  untried: () => FieldOutcome | undefined = () => undefined,
) {
  const failures: Failure[] = [];
  const out = await provisionJoiners(joiners, ports, {
    signal: AbortSignal.timeout(5_000),
    log: quietLog,
    concurrency: 2,
    classify: (error) => classifyFailure(error, NOW),
    fail: (failure) => {
      failures.push(failure);
      return {
        kind: "retry",
        waitMs: 0,
        countsAttempt: true,
        why: { code: `failed.${failure.kind}`, reason: "" },
      };
    },
    untried,
  });
  const of = (email: string) => out.get(emailKey(email));
  return { out, of, failures };
}

describe("provisionJoiners: create or restore, exactly once per email", () => {
  it("nobody holds the email: one search for the batch, one create each, the email bound at once", async () => {
    const ports = new FakeJoinerPorts([]);
    const { of } = await provision(
      [joiner("a@example.com", { title: "Agent", divisionId: DIVISION }), joiner("b@example.com")],
      ports,
    );
    assert.deepEqual(ports.searched, [["a@example.com", "b@example.com"]]);
    assert.deepEqual(
      ports.created.map((c) => [c.email, c.divisionId]),
      [
        ["a@example.com", DIVISION],
        ["b@example.com", undefined],
      ],
    );
    const a = of("a@example.com");
    assert.ok(a?.kind === "found");
    assert.deepEqual([a.created, a.cached], [true, false]);
    assert.deepEqual(
      ports.remembered.map((r) => [r.name.value, r.userId]).sort(),
      [
        ["a@example.com", a.id],
        ["b@example.com", (of("b@example.com") as { id: string }).id],
      ].sort(),
    );
  });

  it("a deleted user holds the email: restored (same id, its version, the joiner's state), never created", async () => {
    const ports = new FakeJoinerPorts([
      genesysUser(7, "back@example.com", { state: "deleted", version: 9 }),
      // Two deleted users with one email: the one changed last is the person's latest account.
      genesysUser(8, "twice@example.com", { state: "deleted", dateModified: "2025-01-01T00:00:00Z" }),
      genesysUser(9, "twice@example.com", { state: "deleted", dateModified: "2026-06-01T00:00:00Z" }),
    ]);
    const { of } = await provision(
      [joiner("back@example.com", { state: "inactive" }), joiner("twice@example.com")],
      ports,
    );
    assert.deepEqual(ports.created, []);
    assert.deepEqual(
      ports.restored.sort((x, y) => x.userId.localeCompare(y.userId)),
      [
        { userId: uid(7), version: 9, state: "inactive" },
        { userId: uid(9), version: 1, state: "active" },
      ],
    );
    assert.deepEqual(of("back@example.com"), {
      kind: "found",
      id: uid(7),
      cached: false,
      created: false,
      stateSet: true, // the restore set its state: an older change may not deactivate it
    });
    assert.equal((of("twice@example.com") as { id: string }).id, uid(9));
    assert.equal(ports.remembered.length, 2);
  });

  it("an active or inactive holder the index did not show yet: that user, nothing created or restored", async () => {
    const ports = new FakeJoinerPorts([
      genesysUser(3, "here@example.com", { state: "inactive" }),
      genesysUser(4, "here@example.com", { state: "deleted" }),
    ]);
    const { of } = await provision([joiner("here@example.com")], ports);
    assert.deepEqual([ports.created, ports.restored], [[], []]);
    assert.deepEqual(of("here@example.com"), {
      kind: "found",
      id: uid(3),
      cached: false,
      created: false,
      stateSet: false, // found as it was: its state is its own
    });
  });

  it("a create that conflicts, then found by a second search: that user (restored when deleted)", async () => {
    const conflict = (body: CreateUserBody) => new UserConflictError(body.email, { status: 409 });
    const ports = new FakeJoinerPorts([], [genesysUser(5, "lost@example.com")]);
    ports.onCreate = conflict;
    const { of } = await provision([joiner("lost@example.com")], ports);
    assert.equal(ports.created.length, 1, "never created twice");
    assert.deepEqual(ports.searched, [["lost@example.com"], ["lost@example.com"]]);
    assert.deepEqual(of("lost@example.com"), {
      kind: "found",
      id: uid(5),
      cached: false,
      created: false,
      stateSet: false,
    });
    assert.deepEqual(ports.remembered, [
      { name: { by: "email", value: "lost@example.com" }, userId: uid(5) },
    ]);

    const deleted = new FakeJoinerPorts([], [genesysUser(6, "gone@example.com", { state: "deleted" })]);
    deleted.onCreate = conflict;
    const restored = await provision([joiner("gone@example.com")], deleted);
    assert.deepEqual(deleted.restored, [{ userId: uid(6), version: 1, state: "active" }]);
    assert.equal((restored.of("gone@example.com") as { id: string }).id, uid(6));
  });

  it("a conflict whose search finds nobody: exists, not yet visible: re-queued in 20 s, an attempt (bounded), nothing bound", async () => {
    const ports = new FakeJoinerPorts([], []);
    ports.onCreate = (body) => new UserConflictError(body.email, { status: 400, code: "general.conflict" });
    const { of, failures } = await provision([joiner("ghost@example.com")], ports);
    const result = of("ghost@example.com");
    assert.ok(result?.kind === "failed" && result.outcome.kind === "retry");
    assert.equal(result.outcome.why.code, "genesys.user.not.visible");
    assert.deepEqual([result.outcome.waitMs, result.outcome.countsAttempt], [20_000, true]);
    assert.match(result.outcome.why.reason, /ghost@example\.com.*never created again/);
    assert.deepEqual([ports.created.length, ports.remembered, failures], [1, [], []]);
  });

  it("a 403 on the create: that joiner is dead-lettered naming directory:user:add; the others go on", async () => {
    const ports = new FakeJoinerPorts([]);
    ports.onCreate = (body) =>
      body.email === "denied@example.com"
        ? new PermissionError("403", ["directory:user:add"], { status: 403 })
        : genesysUser(20, body.email);
    const { of, failures } = await provision([joiner("denied@example.com"), joiner("ok@example.com")], ports);
    const denied = of("denied@example.com");
    assert.ok(denied?.kind === "failed" && denied.outcome.kind === "dead");
    assert.equal(denied.outcome.why.code, "genesys.permission.missing");
    assert.equal(denied.outcome.why.lastStatus, 403);
    assert.match(denied.outcome.why.reason, /denied@example\.com: give its role directory:user:add/);
    assert.equal(of("ok@example.com")?.kind, "found");
    assert.deepEqual(failures, [], "a refused create is no failure of the pass (the run goes on)");
  });

  it("a 403 on the search after a conflict names directory:user:view, not the create's permission", async () => {
    const ports = new FakeJoinerPorts([]);
    ports.onCreate = (body) => new UserConflictError(body.email, { status: 409 });
    const search = ports.findInAnyState.bind(ports);
    let searches = 0;
    ports.findInAnyState = async (emails: readonly string[]) => {
      searches += 1;
      if (searches === 1) return search(emails);
      throw new PermissionError("403", [], { status: 403, operation: "POST /api/v2/users/search" });
    };
    const { of } = await provision([joiner("hidden@example.com")], ports);
    const hidden = of("hidden@example.com");
    assert.ok(hidden?.kind === "failed" && hidden.outcome.kind === "dead");
    assert.match(hidden.outcome.why.reason, /give its role directory:user:view/);
  });

  it("a 403 on the restore is dead-lettered the same way, naming directory:user:edit too", async () => {
    const ports = new FakeJoinerPorts([genesysUser(7, "back@example.com", { state: "deleted" })]);
    ports.onRestore = () => new PermissionError("403", [], { status: 403 });
    const { of } = await provision([joiner("back@example.com")], ports);
    const back = of("back@example.com");
    assert.ok(back?.kind === "failed" && back.outcome.kind === "dead");
    assert.match(back.outcome.why.reason, /directory:user:edit to restore a deleted user/);
  });

  it("the search fails: every joiner gets the classified outcome, nothing is created", async () => {
    const ports = new FakeJoinerPorts(new TransientGenesysError("503", "genesys.http.503", { status: 503 }));
    const { out, failures } = await provision([joiner("a@example.com"), joiner("b@example.com")], ports);
    assert.deepEqual(ports.created, []);
    assert.deepEqual(
      failures.map((f) => f.kind),
      ["transient"],
      "classified once, through the pass's fail",
    );
    assert.deepEqual(
      [...out.values()],
      [1, 2].map(() => ({
        kind: "failed",
        outcome: {
          kind: "retry",
          waitMs: 0,
          countsAttempt: true,
          why: { code: "failed.transient", reason: "" },
        },
      })),
    );
  });

  it("a create that fails otherwise: the classified outcome; the pass's mode holds back joiners not started", async () => {
    const ports = new FakeJoinerPorts([]);
    ports.onCreate = () => new TransientGenesysError("timeout", "genesys.timeout");
    const { of, failures } = await provision([joiner("slow@example.com")], ports);
    assert.deepEqual(of("slow@example.com"), {
      kind: "failed",
      outcome: {
        kind: "retry",
        waitMs: 0,
        countsAttempt: true,
        why: { code: "failed.transient", reason: "" },
      },
    });
    assert.equal(failures.length, 1);

    const held = new FakeJoinerPorts([]);
    const release: FieldOutcome = { kind: "release" };
    const stopped = await provision([joiner("later@example.com")], held, () => release);
    assert.deepEqual(stopped.of("later@example.com"), { kind: "failed", outcome: release });
    assert.deepEqual(held.created, []);
  });

  it("no joiners: no call", async () => {
    const ports = new FakeJoinerPorts([]);
    const { out } = await provision([], ports);
    assert.deepEqual([out.size, ports.searched.length], [0, 0]);
  });
});
