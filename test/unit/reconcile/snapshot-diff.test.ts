import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, test } from "node:test";
import { type ParsedChange, parseUserChange } from "../../../lib/contract/user-change.ts";
import type { GenesysUser } from "../../../lib/genesys/types.ts";
import { guard } from "../../../lib/reconcile/guard.ts";
import { diffPerson, setOf } from "../../../lib/reconcile/person-diff.ts";
import { Population } from "../../../lib/reconcile/population.ts";
import {
  allowedBy,
  parseThreshold,
  RECONCILE_DEFAULTS,
  type ReconcileOptions,
  reconcileOptionsFromEnv,
} from "../../../lib/reconcile/reconcile-options.ts";
import { SnapshotDiff } from "../../../lib/reconcile/snapshot-diff.ts";
import { type SnapshotRow, snapshotRows } from "../../../lib/reconcile/snapshot-rows.ts";

const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const user = (n: number, extra: Partial<GenesysUser> = {}): GenesysUser => ({
  id: id(n),
  version: 1,
  name: `User ${n}`,
  email: `user${n}@example.com`,
  state: "active",
  employerInfo: {},
  division: { id: "d-home", name: "Home" },
  ...extra,
});
const row = (body: object): ParsedChange => {
  const parsed = parseUserChange(
    JSON.stringify({ changeId: "x", changedAt: "2026-12-01T00:00:00Z", ...body }),
  );
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.reason);
  return parsed.value;
};
const populationOf = (...users: GenesysUser[]): Population => {
  const p = new Population();
  p.add(users);
  return p;
};
const options = (extra: Partial<ReconcileOptions> = {}): ReconcileOptions => ({
  ...RECONCILE_DEFAULTS,
  asOf: "2026-12-01T00:00:00Z",
  ...extra,
});
const collect = async (text: string | string[], format: "csv" | "ndjson"): Promise<SnapshotRow[]> => {
  const rows: SnapshotRow[] = [];
  const chunks = (Array.isArray(text) ? text : [text]).map((t) => Buffer.from(t));
  for await (const r of snapshotRows(Readable.from(chunks), format, "2026-12-01T00:00:00Z")) rows.push(r);
  return rows;
};

describe("diffPerson: the sync's own comparison", () => {
  test("phones in another shape, emails in another case, a manager by email and a division by name are the same", () => {
    const lead = user(9, { email: "Lead@Example.com" });
    const u = user(1, {
      addresses: [{ mediaType: "PHONE", type: "WORK", address: "+353 1 234 5678", extension: "4711" }],
      manager: { id: id(9) },
      division: { id: "d-emea", name: "EMEA Support" },
    });
    const diff = diffPerson(
      row({
        user: { email: "USER1@example.com" },
        set: {
          workPhone: "+35312345678",
          extension: "4711",
          email: "User1@Example.COM",
          manager: { email: "lead@example.com" },
          division: { name: "emea support" },
        },
      }),
      u,
      populationOf(u, lead),
    );
    assert.deepEqual(diff.differs, []);
    assert.equal(diff.same.length, 5);
  });

  test("what differs, and what the listing cannot judge (an unknown manager, employer info not brought)", () => {
    const u = user(1, { title: "Agent", employerInfo: undefined });
    const diff = diffPerson(
      row({
        userId: id(1),
        set: { title: "Lead", manager: { email: "nobody@example.com" }, employeeId: "E1", state: "inactive" },
      }),
      u,
      populationOf(u),
    );
    assert.deepEqual([...diff.differs].sort(), ["employeeId", "managerId", "state", "title"]);
  });
});

describe("SnapshotDiff", () => {
  test("a person named twice, or by another key, is rejected and never deactivated", () => {
    const diff = new SnapshotDiff(populationOf(user(1), user(2)), options({ deactivateMissing: true }), {
      inactiveCapped: false,
      snapshotTime: "2026-12-01T00:00:00Z",
    });
    diff.addRow(2, row({ user: { email: "user1@example.com" }, set: { title: "A" } }));
    diff.addRow(3, row({ user: { email: "USER1@example.com" }, set: { title: "B" } }));
    diff.addRow(4, row({ user: { employeeId: "E2" }, set: { title: "B" } }));
    diff.reject(5, "bad", { by: "email", value: "user2@example.com" });
    const verdict = diff.finish();
    assert.deepEqual(
      verdict.rejects.map((r) => [r.line, r.reason.slice(0, 24)]),
      [
        [3, "names email user1@exampl"],
        [4, "names the person by empl"],
        [5, "bad"],
      ],
    );
    assert.equal(verdict.counts.deactivated, 0, "user2's row was rejected: protected");
  });

  test("when the listing missed users, a person not found is enqueued whole for the sync to decide", () => {
    const diff = new SnapshotDiff(populationOf(user(1)), options({ createMissing: true }), {
      inactiveCapped: true,
      snapshotTime: "2026-12-01T00:00:00Z",
    });
    diff.addRow(2, row({ user: { email: "old@example.com" }, set: { name: "Old", title: "A" } }));
    const [planned] = diff.finish().changes;
    assert.equal(planned?.kind, "unlisted");
    assert.deepEqual(planned?.change.user, { email: "old@example.com" });
    assert.equal(planned?.change.ifMissing, "create");
    assert.deepEqual(planned?.change.set, { name: "Old", title: "A" });
  });

  test("a new person named by employee id is created by the email the row sets, with the employee id", () => {
    const diff = new SnapshotDiff(
      populationOf(user(1)),
      options({ createMissing: true, key: "employeeId" }),
      {
        inactiveCapped: false,
        snapshotTime: "2026-12-01T00:00:00Z",
      },
    );
    diff.addRow(2, row({ user: { employeeId: "E7" }, set: { name: "New", email: "new@example.com" } }));
    diff.addRow(3, row({ user: { employeeId: "E8" }, set: { name: "No Mail" } }));
    const verdict = diff.finish();
    assert.deepEqual(
      verdict.changes.map((c) => [c.change.user, c.change.set]),
      [[{ email: "new@example.com" }, { name: "New", email: "new@example.com", employeeId: "E7" }]],
    );
    assert.match(verdict.rejects[0]?.reason ?? "", /needs an email and a name/);
  });

  test("an email two users carry is rejected, not guessed", () => {
    const diff = new SnapshotDiff(
      populationOf(user(1, { email: "twin@example.com" }), user(2, { email: "Twin@example.com" })),
      options(),
      { inactiveCapped: false, snapshotTime: "2026-12-01T00:00:00Z" },
    );
    diff.addRow(2, row({ user: { email: "twin@example.com" }, set: { title: "A" } }));
    assert.match(diff.finish().rejects[0]?.reason ?? "", /carried by 2 users/);
  });

  test("change ids derive from content: the same difference has the same id, another time or value another id", () => {
    const plan = (asOf: string, title = "Lead") => {
      const diff = new SnapshotDiff(populationOf(user(1)), options({ asOf }), {
        inactiveCapped: false,
        snapshotTime: asOf,
      });
      diff.addRow(2, row({ user: { email: "user1@example.com" }, set: { title } }));
      return diff.finish().changes[0]?.change.changeId;
    };
    assert.equal(plan("2026-12-01T00:00:00Z"), plan("2026-12-01T00:00:00Z"));
    assert.notEqual(plan("2026-12-01T00:00:00Z"), plan("2026-12-01T00:00:00Z", "Manager"));
    assert.notEqual(plan("2026-12-01T00:00:00Z"), plan("2026-12-02T00:00:00Z"));
  });
});

describe("routing and access in a snapshot", () => {
  test("a CSV with routing and access columns: what the listing does not show in effect is enqueued, element by element", async () => {
    const place = id(77);
    const rows = await collect(
      [
        "email,title,skills,languages,queues,roles,location,locationId",
        'user1@example.com,Agent,"Billing:4;Customer Care:null",French:3,Support EMEA:true;Support APAC:false,Agent:true;Team Lead:EMEA|APAC,Dublin,',
        `user2@example.com,Lead,,,,Supervisor:false,,${place}`,
        "user3@example.com,Agent,,,,,,",
        "user4@example.com,,Billing:9,,,,,",
      ].join("\n"),
      "csv",
    );
    const diff = new SnapshotDiff(
      populationOf(
        user(1, { title: "Agent" }),
        user(2, { title: "Agent" }),
        user(3, { title: "Agent" }),
        user(4),
      ),
      options(),
      { inactiveCapped: false, snapshotTime: "2026-12-01T00:00:00Z" },
    );
    for (const r of rows) {
      if ("parsed" in r) diff.addRow(r.line, r.parsed);
      else if ("reject" in r) diff.reject(r.line, r.reject, r.names);
      else assert.fail(`file problem: ${r.fileProblem}`);
    }
    const verdict = diff.finish();
    assert.deepEqual(
      // A row naming queues waits for the reads (judged at `finish`): its change comes after the others.
      verdict.changes
        .map((c) => [c.kind, c.change.userId, c.change.set])
        .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
      [
        [
          "changed",
          id(1),
          {
            languages: { French: 3 },
            location: { name: "Dublin" },
            queues: { "Support EMEA": true, "Support APAC": false },
            roles: { Agent: true, "Team Lead": { divisions: ["EMEA", "APAC"] } },
            skills: { Billing: 4, "Customer Care": null },
          },
        ],
        ["changed", id(2), { location: { id: place }, roles: { Supervisor: false }, title: "Lead" }],
      ],
    );
    assert.equal(verdict.counts.unchanged, 1, "user3: the title in effect, no routing named");
    assert.deepEqual(verdict.rejects, [
      { line: 5, reason: "skills: Billing: must be a proficiency from 0 to 5" },
    ]);
    assert.equal(verdict.byField["skill:billing"], 1);
    assert.equal(verdict.byField["queue:support apac"], 1);
    assert.equal(verdict.byField.location, 2);
    // What it enqueues is a valid change.
    for (const { change } of verdict.changes) {
      const parsed = parseUserChange(JSON.stringify(change));
      assert.ok(parsed.ok, parsed.ok ? "" : parsed.reason);
    }
  });

  test("only the elements that differ are carried: an element the diff found the same is left out of its map", () => {
    const u = user(1, { skills: [{ id: "s-b", name: "Billing", proficiency: 4 }] });
    const change = row({
      userId: id(1),
      set: { skills: { Billing: 4, Sales: 2 }, queues: { Support: true } },
    });
    const diff = diffPerson(change, u, populationOf(u));
    assert.deepEqual(diff.same, ["skill:billing"]);
    assert.deepEqual([...diff.differs].sort(), ["queue:support", "skill:sales"]);
    // Element fields are the names in lower case; the map keeps the row's spelling.
    assert.deepEqual(setOf(change.change.set, diff.differs), {
      skills: { Sales: 2 },
      queues: { Support: true },
    });
  });
});

describe("guard and thresholds", () => {
  test("thresholds: counts and shares; a share allows at least one", () => {
    assert.deepEqual(parseThreshold("50"), { count: 50 });
    assert.deepEqual(parseThreshold("2.5 %"), { percent: 2.5 });
    assert.equal(parseThreshold("150%"), undefined);
    assert.equal(parseThreshold("1.5"), undefined);
    assert.equal(allowedBy({ percent: 2 }, 1000), 20);
    assert.equal(allowedBy({ percent: 2 }, 10), 1);
  });

  test("the guard names the counts and the flag that overrides", () => {
    const verdict = guard(
      { deactivations: 30, activeInScope: 1000, changedPeople: 10, people: 970 },
      { maxDeactivate: { percent: 2 }, maxChange: { percent: 25 } },
    );
    assert.equal(verdict.refused, true);
    assert.deepEqual(verdict.reasons.length, 1);
    assert.match(verdict.reasons[0] ?? "", /30 of 1000 .*\(3\.0 %\).*allows \(20\).*--max-deactivate 30/);
    assert.equal(
      guard(
        { deactivations: 20, activeInScope: 1000, changedPeople: 242, people: 970 },
        { maxDeactivate: { percent: 2 }, maxChange: { percent: 25 } },
      ).refused,
      false,
    );
  });

  test("the S3 function's settings", () => {
    const o = reconcileOptionsFromEnv({
      RECONCILE_KEY: "employeeId",
      RECONCILE_DEACTIVATE_MISSING: "true",
      RECONCILE_SCOPE_DIVISIONS: "EMEA, APAC",
      RECONCILE_MAX_DEACTIVATE: "10",
    });
    assert.deepEqual(
      [o.key, o.deactivateMissing, o.createMissing, o.scopeDivisions, o.maxDeactivate, o.maxChange],
      ["employeeId", true, false, ["EMEA", "APAC"], { count: 10 }, { percent: 25 }],
    );
    assert.throws(() => reconcileOptionsFromEnv({ RECONCILE_MAX_CHANGE: "lots" }), /RECONCILE_MAX_CHANGE/);
  });
});

describe("snapshotRows: streamed", () => {
  test("CSV split anywhere (a CRLF, a multi-byte character) reads as the whole text does", async () => {
    const text = "email,title\r\nuser1@example.com,Café\r\nuser2@example.com,Lead\r\n";
    const bytes = Buffer.from(text);
    const whole = await collect(text, "csv");
    for (let cut = 1; cut < bytes.length; cut++) {
      const rows: SnapshotRow[] = [];
      const stream = Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)]);
      for await (const r of snapshotRows(stream, "csv", "2026-12-01T00:00:00Z")) rows.push(r);
      assert.deepEqual(rows, whole, `cut at byte ${cut}`);
    }
    assert.deepEqual(
      whole.map((r) => ("parsed" in r ? [r.line, r.parsed.change.set.title] : r)),
      [
        [2, "Café"],
        [3, "Lead"],
      ],
    );
  });

  test("a bad header is a file problem; a bad row is rejected with the person it names", async () => {
    const [problem, ...more] = await collect("email,tilte\nuser1@example.com,A\n", "csv");
    assert.equal(more.length, 0, "nothing after a bad header");
    assert.ok(problem && "fileProblem" in problem);
    assert.match(problem.fileProblem, /unknown column\(s\) tilte/);
    const [rejected] = await collect("email,acdAutoAnswer\nUser1@Example.com,maybe\n", "csv");
    assert.ok(rejected && "reject" in rejected);
    assert.deepEqual(rejected.names, { by: "email", value: "user1@example.com" });
  });

  test("NDJSON: rows without changeId or changedAt take the snapshot's; bad lines are rejected by line", async () => {
    const rows = await collect(
      [
        '{"user":{"email":"a@example.com"},"set":{"title":"A"}}',
        "",
        "not json",
        '{"user":{"email":"b@example.com"},"set":{}}',
      ].join("\n"),
      "ndjson",
    );
    assert.deepEqual(
      rows.map((r) =>
        "parsed" in r ? [r.line, r.parsed.change.changedAt] : "reject" in r ? [r.line, "reject"] : r,
      ),
      [
        [1, "2026-12-01T00:00:00Z"],
        [3, "reject"],
        [4, "reject"],
      ],
    );
  });
});
