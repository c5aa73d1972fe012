/**
 * The profile fields of issue #9 end to end (the emulators and the simulator): each is set, kept when
 * another field changes, cleared, and skipped when already in effect; the employer fields are merged
 * into one `employerInfo` (the simulator replaces it whole, so a field the sync forgot would be lost);
 * the WORK number lives beside its extension; a value the API refuses is dead-lettered with its reason.
 */
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import type { Message } from "@aws-sdk/client-sqs";
import { readMobilePhone, readWorkPhone } from "../../lib/sync/work-phone.ts";
import type { ApiUser, SeedUser } from "../../sim/genesys-simulator.ts";
import { virtualClock } from "../helpers/virtual-clock.ts";
import { change, createWorld, userId, type World } from "./sync-world.ts";

const RUN_MS = 30_000;
const attr = (m: Message, name: string): string | undefined => m.MessageAttributes?.[name]?.StringValue;

/** One field: two values to set, how a change clears it, and how to read it from the simulator's user. */
interface FieldCase {
  readonly field: string;
  readonly first: string | boolean;
  readonly second: string | boolean;
  /**
   * What a change sends to clear the field (null; for acdAutoAnswer, false).
   */
  readonly clear: boolean | null;
  /** The field's value on the user, null when absent. */
  readonly read: (user: ApiUser) => string | boolean | null;
}

const employer = (key: "employeeId" | "employeeType" | "dateHire" | "officialName") => (user: ApiUser) =>
  user.employerInfo?.[key] ?? null;

const FIELDS: readonly FieldCase[] = [
  {
    field: "preferredName",
    first: "Annie",
    second: "Ann",
    clear: null,
    read: (u) => u.preferredName ?? null,
  },
  { field: "employeeId", first: "E-100", second: "E-200", clear: null, read: employer("employeeId") },
  {
    field: "employeeType",
    first: "Full-time",
    second: "Contractor",
    clear: null,
    read: employer("employeeType"),
  },
  {
    field: "dateHire",
    first: "2024-02-29",
    second: "2025-01-06",
    clear: null,
    read: employer("dateHire"),
  },
  {
    field: "officialName",
    first: "Ann O'Neill",
    second: "Ann Byrne",
    clear: null,
    read: employer("officialName"),
  },
  {
    field: "workPhone",
    first: "+35312345678",
    second: "+35319876543",
    clear: null,
    read: (u) => readWorkPhone(u.addresses).number,
  },
  {
    field: "mobilePhone",
    first: "+353871234567",
    second: "+353861112222",
    clear: null,
    read: (u) => readMobilePhone(u.addresses),
  },
  { field: "acdAutoAnswer", first: true, second: false, clear: false, read: (u) => u.acdAutoAnswer },
];

const ANN: SeedUser = {
  id: userId(1),
  name: "Ann Agent",
  email: "ann@example.com",
  title: "Agent",
  extension: "1001",
};

describe("profile fields on the emulators and the simulator", { concurrency: true }, () => {
  // Side by side, each on a virtual clock: a pass's budget is not spent by a busy machine's time.
  const fresh = async (t: TestContext, user: SeedUser = ANN): Promise<World> => {
    // A user without employer info renders `{}` here, so that a first employer field goes at once
    // (when the API leaves the field out instead, the sync defers it: test/integration/evidence.test.ts).
    const w = await createWorld({
      clock: virtualClock(),
      simulator: { directory: { employerInfoWhenNone: "empty" } },
    });
    t.after(() => w.close());
    w.sim.seedUsers([user]);
    return w;
  };
  const read = (w: World): ApiUser => {
    const user = w.sim.getUser(userId(1), ["employerInfo"]);
    assert.ok(user, "the user exists");
    return user;
  };
  const patches = (w: World): number => w.sim.stats().byRoute.patchUser ?? 0;
  /** Sends one change of user 1, runs a pass, and returns its summary. */
  const apply = async (w: World, set: Record<string, unknown>) => {
    await w.send([change(1, set)]);
    return w.job().run({}, RUN_MS);
  };

  for (const c of FIELDS) {
    test(`${c.field}: set, kept when another field changes, skipped when in effect, changed, cleared`, async (t) => {
      const w = await fresh(t);
      const set = await apply(w, { [c.field]: c.first });
      assert.equal(set.applied, 1, "set");
      assert.equal(c.read(read(w)), c.first);

      const other = await apply(w, { title: "Lead" });
      assert.equal(other.applied, 1, "another field");
      assert.equal(read(w).title, "Lead");
      assert.equal(c.read(read(w)), c.first, "kept when another field changes");

      const before = patches(w);
      const noop = await apply(w, { [c.field]: c.first });
      assert.equal(noop.skippedNoop, 1, "already in effect");
      assert.equal(noop.applied, 0);
      assert.equal(patches(w), before, "no PATCH for a value already in effect");

      const changed = await apply(w, { [c.field]: c.second });
      assert.equal(changed.applied, 1, "changed");
      assert.equal(c.read(read(w)), c.second);

      const cleared = await apply(w, { [c.field]: c.clear });
      // acdAutoAnswer's "clear" (false) is the value `second` already set: a no-op.
      assert.equal(cleared.applied + cleared.skippedNoop, 1, "cleared");
      assert.equal(c.read(read(w)), c.clear);
      assert.equal(read(w).addresses.find((a) => a.type === "WORK")?.extension, "1001", "extension kept");
      assert.equal((await w.peek("dlq")).length, 0);
    });
  }

  test("employerInfo: setting one field keeps the other three (the API is sent the whole object)", async (t) => {
    const w = await fresh(t, {
      ...ANN,
      employerInfo: {
        employeeId: "E-1",
        employeeType: "Part-time",
        dateHire: "2020-05-01",
        officialName: "Ann Official",
      },
    });
    const summary = await apply(w, { employeeType: "Full-time" });
    assert.equal(summary.applied, 1);
    assert.deepEqual(read(w).employerInfo, {
      employeeId: "E-1",
      employeeType: "Full-time",
      dateHire: "2020-05-01",
      officialName: "Ann Official",
    });
    const two = await apply(w, { dateHire: "2021-06-07", officialName: "Ann Renamed" });
    assert.equal(two.applied, 1);
    assert.equal(two.patches, 1, "two employer fields, one PATCH");
    assert.deepEqual(read(w).employerInfo, {
      employeeId: "E-1",
      employeeType: "Full-time",
      dateHire: "2021-06-07",
      officialName: "Ann Renamed",
    });
    assert.equal(w.sim.getUser(userId(1))?.employerInfo, undefined, "rendered only with expand=employerInfo");
  });

  test("employerInfo survives an extension swap: the second PATCH of a user in one pass plans from the first's answer", async (t) => {
    const w = await fresh(t, {
      ...ANN,
      employerInfo: { employeeId: "E-1", employeeType: "Part-time", dateHire: "2020-05-01" },
    });
    w.sim.seedUsers([{ id: userId(2), name: "Ben Agent", email: "ben@example.com", extension: "1002" }]);
    await w.send([
      change(1, { extension: "1002", employeeType: "Contractor" }),
      change(2, { extension: "1001" }),
    ]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.applied, 2, JSON.stringify(summary));
    assert.equal(readWorkPhone(read(w).addresses).extension, "1002");
    assert.equal(readWorkPhone(w.sim.getUser(userId(2))?.addresses).extension, "1001");
    assert.deepEqual(read(w).employerInfo, {
      employeeId: "E-1",
      employeeType: "Contractor",
      dateHire: "2020-05-01",
    });
  });

  test("workPhone is kept beside the extension: a number added to an extension, an extension change keeps the number", async (t) => {
    const w = await fresh(t);
    assert.equal((await apply(w, { workPhone: "+353 1 234 5678" })).applied, 1);
    assert.deepEqual(readWorkPhone(read(w).addresses), {
      index: 0,
      extension: "1001",
      number: "+35312345678",
    });
    assert.equal((await apply(w, { extension: "2002" })).applied, 1);
    assert.deepEqual(readWorkPhone(read(w).addresses), {
      index: 0,
      extension: "2002",
      number: "+35312345678",
    });
    assert.equal((await apply(w, { workPhone: null })).applied, 1);
    assert.deepEqual(readWorkPhone(read(w).addresses), { index: 0, extension: "2002", number: null });
    const both = await apply(w, { workPhone: "+35319876543", extension: "3003" });
    assert.equal(both.patches, 1, "number and extension in one PATCH");
    assert.deepEqual(readWorkPhone(read(w).addresses), {
      index: 0,
      extension: "3003",
      number: "+35319876543",
    });
  });

  test("mobilePhone compares normalised: +353 87 123 4567 on the user and +353871234567 wanted is a no-op", async (t) => {
    const w = await fresh(t, {
      ...ANN,
      addresses: [{ mediaType: "PHONE", type: "MOBILE", address: "+353 87 123 4567" }],
    });
    const summary = await apply(w, { mobilePhone: "+353871234567" });
    assert.equal(summary.skippedNoop, 1);
    assert.equal(summary.patches, 0);
    assert.equal(readMobilePhone(read(w).addresses), "+353 87 123 4567", "left as it was");
  });

  test("preferredName and acdAutoAnswer already in effect from the seed: no PATCH", async (t) => {
    const w = await fresh(t, { ...ANN, preferredName: "Annie", acdAutoAnswer: true });
    const summary = await apply(w, { preferredName: "Annie", acdAutoAnswer: true });
    assert.equal(summary.skippedNoop, 1);
    assert.equal(summary.patches, 0);
  });

  test("a value the API refuses (an employeeType it does not know) is dead-lettered with the API's reason; other users go on", async (t) => {
    const w = await fresh(t);
    w.sim.seedUsers([{ id: userId(2), name: "Ben Agent", email: "ben@example.com" }]);
    await w.send([
      change(1, { employeeType: "Intern", title: "Lead" }),
      change(2, { employeeType: "Full-time" }),
    ]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.deadLettered, 1);
    assert.equal(summary.applied, 1);
    assert.equal(w.sim.getUser(userId(2), ["employerInfo"])?.employerInfo?.employeeType, "Full-time");
    assert.equal(read(w).title, "Agent", "nothing of the refused PATCH was applied");
    const [dead, ...more] = await w.peek("dlq");
    assert.ok(dead);
    assert.equal(more.length, 0);
    assert.equal(attr(dead, "reasonCode"), "genesys.invalid.value");
    assert.match(
      attr(dead, "reason") ?? "",
      /Value \[Intern\] is not valid for field type \[employerInfo\.employeeType\]/,
    );
    assert.equal(attr(dead, "lastStatus"), "400");
  });
});
