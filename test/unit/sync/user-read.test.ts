import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { UserKey } from "../../../lib/contract/user-change.ts";
import type { GenesysUser } from "../../../lib/genesys/types.ts";
import { EMPLOYER_INFO_EVIDENCE } from "../../../lib/sync/employer-info-evidence.ts";
import { checkCachedNames, readUsers } from "../../../lib/sync/user-read.ts";

const signal = new AbortController().signal;
const bare = (id: string, email = `${id}@example.com`): GenesysUser => ({ id, version: 1, email });
const withInfo = (id: string, employeeId: string): GenesysUser => ({
  ...bare(id),
  employerInfo: { employeeId },
});
const email = (value: string): UserKey => ({ by: "email", value });
const employee = (value: string): UserKey => ({ by: "employeeId", value });

describe("readUsers", () => {
  it("reads again, all together, only the users that need employerInfo and lack it; keeps a re-read only when it came back", async () => {
    // Prepare: b's employer info comes back on the second read, c's never.
    const calls: string[][] = [];
    const port = {
      getUsers: async (ids: readonly string[]) => {
        calls.push([...ids]);
        const round = calls.length;
        return new Map(
          ids.map((id) => [id, id === "b" && round === 2 ? withInfo("b", "E-2") : bare(id)] as const),
        );
      },
      patchUser: async () => assert.fail("no PATCH"),
    };
    // Act
    const read = await readUsers(port, ["a", "b", "c"], new Set(["b", "c"]), signal);
    // Assess
    assert.deepEqual(calls, [["a", "b", "c"], ["b", "c"], ["c"], ["c"]]);
    assert.equal(read.calls, 1 + EMPLOYER_INFO_EVIDENCE.rereads);
    assert.equal(read.employerReads, 1 + EMPLOYER_INFO_EVIDENCE.rereads);
    assert.deepEqual(read.users.get("b")?.employerInfo, { employeeId: "E-2" });
    assert.equal(read.users.get("c")?.employerInfo, undefined);
  });

  it("no re-read when every user that needs employerInfo has it", async () => {
    let calls = 0;
    const port = {
      getUsers: async (ids: readonly string[]) => {
        calls += 1;
        return new Map(ids.map((id) => [id, withInfo(id, `E-${id}`)] as const));
      },
      patchUser: async () => assert.fail("no PATCH"),
    };
    const read = await readUsers(port, ["a"], new Set(["a"]), signal);
    assert.equal(calls, 1);
    assert.equal(read.employerReads, 1);
  });
});

describe("checkCachedNames", () => {
  const current = new Map([
    ["a", withInfo("a", "E-1")],
    ["b", bare("b")],
    ["c", bare("c", "moved@example.com")],
  ]);
  const cases: [
    string,
    [string, UserKey[]][],
    boolean,
    { doubted: string[]; unconfirmed: string[]; forget: string[] },
  ][] = [
    [
      "names that still fit",
      [["a", [email("a@example.com"), employee("E-1")]]],
      false,
      { doubted: [], unconfirmed: [], forget: [] },
    ],
    [
      "an employee id corrected",
      [["a", [employee("E-9")]]],
      false,
      { doubted: ["a"], unconfirmed: [], forget: ["E-9"] },
    ],
    [
      "an email moved",
      [["c", [email("c@example.com")]]],
      false,
      { doubted: ["c"], unconfirmed: [], forget: ["c@example.com"] },
    ],
    [
      "a user no longer there",
      [["z", [email("z@example.com")]]],
      false,
      { doubted: ["z"], unconfirmed: [], forget: ["z@example.com"] },
    ],
    [
      "an employee id on a read without employerInfo",
      [["b", [employee("E-2")]]],
      false,
      { doubted: [], unconfirmed: ["b"], forget: [] },
    ],
    [
      "the same, once the user is concluded to have none",
      [["b", [employee("E-2")]]],
      true,
      { doubted: ["b"], unconfirmed: [], forget: ["E-2"] },
    ],
  ];
  for (const [what, cached, concluded, expected] of cases) {
    it(what, () => {
      const check = checkCachedNames(new Map(cached), current, () => concluded);
      assert.deepEqual(
        {
          doubted: [...check.doubted],
          unconfirmed: [...check.unconfirmed],
          forget: check.forget.map((n) => n.value),
        },
        expected,
      );
    });
  }
});
