/** CSV in: the mapping of rows to changes (`csvChanges`) through `parseChangeFile`'s CSV format. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { changeFileFormat, type ParsedChangeFile, parseChangeFile } from "../../../lib/cli/change-file.ts";
import type { UserChange } from "../../../lib/contract/user-change.ts";

const USER = "3f2b8c1e-9d4a-4e6b-8f1a-2c3d4e5f6a7b";
const MANAGER = "0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d";
const DEFAULT_AT = "2026-03-01T09:00:00.000Z";

const csv = (text: string, changedAt = DEFAULT_AT): ParsedChangeFile =>
  parseChangeFile(text, { format: "csv", changedAt });

/** The changes by line, for assertions that ignore the derived changeIds. */
const byLine = (parsed: ParsedChangeFile): Record<number, Omit<UserChange, "changeId">> =>
  Object.fromEntries(parsed.changes.map(({ line, change: { changeId: _, ...rest } }) => [line, rest]));

describe("CSV change files", () => {
  it("maps identity and field columns; quoted commas, quotes and newlines are kept; cells are trimmed", () => {
    const parsed = csv(
      [
        "userId,email,employeeId,title,department,acdAutoAnswer",
        `${USER},,, "Lead, Ops" ,Support,TRUE`,
        ',ann@example.com,,"The ""Boss""",,false',
        ',,E-42,"Two\nlines",,',
      ].join("\n"),
    );
    assert.deepEqual(parsed.rejects, []);
    assert.deepEqual(byLine(parsed), {
      2: {
        userId: USER,
        changedAt: DEFAULT_AT,
        set: { title: "Lead, Ops", department: "Support", acdAutoAnswer: true },
      },
      3: {
        user: { email: "ann@example.com" },
        changedAt: DEFAULT_AT,
        set: { title: 'The "Boss"', acdAutoAnswer: false },
      },
      4: { user: { employeeId: "E-42" }, changedAt: DEFAULT_AT, set: { title: "Two\nlines" } },
    });
  });

  it("numbers each record by its first line, after quoted newlines, blank lines and CRLF", () => {
    const text = [
      "email,title",
      'a@example.com,"one\r\ntwo\r\nthree"', // lines 2-4
      "",
      "b@example.com,", // line 6: sets nothing
      'c@example.com,"x', // lines 7-8
      'y"',
      "not-an-email,x", // line 9
      ",,", // line 10: all empty, skipped as blank (and a wrong field count, not reported)
      "d@example.com,ok", // line 11
    ].join("\r\n");
    const parsed = csv(text);
    assert.deepEqual(
      parsed.changes.map((c) => c.line),
      [2, 7, 11],
    );
    assert.deepEqual(parsed.rejects, [
      { line: 6, reason: "(row): must set at least one field" },
      { line: 9, reason: "email: must be an email address" },
    ]);
  });

  it("an empty cell is not in the change; null clears (where the contract can clear)", () => {
    const parsed = csv(
      [
        "userId,extension,workPhone,mobilePhone,managerId,title",
        `${USER},null,null,,null,`,
        `${USER},,,,,null`,
      ].join("\n"),
    );
    assert.deepEqual(byLine(parsed)[2]?.set, { extension: null, workPhone: null, managerId: null });
    assert.equal(parsed.rejects.length, 1);
    assert.equal(parsed.rejects[0]?.line, 3);
    assert.match(
      parsed.rejects[0]?.reason ?? "",
      /^title: /,
      "title cannot be cleared, and the reject says so",
    );
  });

  it("newEmail and newEmployeeId set the fields whose names identify the person", () => {
    const parsed = csv(["employeeId,newEmail,newEmployeeId", "E-1,new@example.com,E-2"].join("\n"));
    assert.deepEqual(byLine(parsed)[2], {
      user: { employeeId: "E-1" },
      changedAt: DEFAULT_AT,
      set: { email: "new@example.com", employeeId: "E-2" },
    });
  });

  it("the manager by id, email or employee id; null in any removes it; two filled is a reject", () => {
    const parsed = csv(
      [
        "userId,managerId,managerEmail,managerEmployeeId",
        `${USER},${MANAGER},,`,
        `${USER},,boss@example.com,`,
        `${USER},,,E-9`,
        `${USER},,null,`,
        `${USER},${MANAGER},boss@example.com,`,
        `${USER},,not-an-email,`,
      ].join("\n"),
    );
    const sets = byLine(parsed);
    assert.deepEqual(sets[2]?.set, { managerId: MANAGER });
    assert.deepEqual(sets[3]?.set, { manager: { email: "boss@example.com" } });
    assert.deepEqual(sets[4]?.set, { manager: { employeeId: "E-9" } });
    assert.deepEqual(sets[5]?.set, { manager: null });
    assert.deepEqual(parsed.rejects, [
      { line: 6, reason: "managerId and managerEmail are both filled: give the manager one way" },
      { line: 7, reason: "managerEmail: must be an email address" },
    ]);
  });

  it("the division by name or by id; both filled, or null, is a reject; a bad id names its column", () => {
    const parsed = csv(
      [
        "email,name,division,divisionId",
        "a@example.com,,EMEA Support,",
        `b@example.com,,,${MANAGER}`,
        `c@example.com,,EMEA Support,${MANAGER}`,
        "d@example.com,,null,",
        "e@example.com,,,null",
        "f@example.com,,,not-a-uuid",
      ].join("\n"),
    );
    const sets = byLine(parsed);
    assert.deepEqual(sets[2]?.set, { division: { name: "EMEA Support" } });
    assert.deepEqual(sets[3]?.set, { division: { id: MANAGER } });
    assert.deepEqual(parsed.rejects, [
      { line: 4, reason: "division and divisionId are both filled: give the division one way" },
      { line: 5, reason: "division: null cannot clear the division (every user is in one)" },
      { line: 6, reason: "divisionId: null cannot clear the division (every user is in one)" },
      { line: 7, reason: "divisionId: must be a UUID" },
    ]);
  });

  it("ifMissing create: the issue's joiner as a row; the contract's rules hold, named by column", () => {
    const parsed = csv(
      [
        "email,userId,ifMissing,name,division,extension,title,managerEmail,newEmployeeId,changeId",
        "new.hire@example.com,,create,New Hire,EMEA Support,4711,Agent,lead@example.com,E-2001,hr-2026-12-05-000042",
        "b@example.com,,deadLetter,,,,Agent,,,",
        "c@example.com,,create,,,,Agent,,,",
        `,${USER},create,Named,,,,,,`,
        "d@example.com,,Create,Named,,,,,,",
      ].join("\n"),
      "2026-12-05T08:00:00Z",
    );
    assert.deepEqual(parsed.changes[0]?.change, {
      changeId: "hr-2026-12-05-000042",
      user: { email: "new.hire@example.com" },
      changedAt: "2026-12-05T08:00:00Z",
      ifMissing: "create",
      set: {
        name: "New Hire",
        division: { name: "EMEA Support" },
        extension: "4711",
        title: "Agent",
        manager: { email: "lead@example.com" },
        employeeId: "E-2001",
      },
    });
    assert.equal(byLine(parsed)[3]?.ifMissing, "deadLetter");
    assert.deepEqual(parsed.rejects, [
      { line: 4, reason: 'name: is needed when ifMissing is "create" (a user is created with a name)' },
      { line: 5, reason: 'ifMissing: "create" needs the user named by email (user: { "email" })' },
      { line: 6, reason: 'ifMissing: Invalid option: expected one of "create"|"deadLetter"' },
    ]);
  });

  it("routing and access: name:value entries split by ;, names with spaces and colons, values trimmed", () => {
    const parsed = csv(
      [
        "email,skills,languages,queues,roles",
        'a@example.com,"Billing:4; Customer Care : 2.5 ;Old Skill:null;",French:3,Support EMEA:TRUE;Support APAC:false,Agent:true;Supervisor:False;Team Lead: EMEA | APAC',
        "b@example.com,Tier: 1:5,,,",
      ].join("\n"),
    );
    assert.deepEqual(parsed.rejects, []);
    assert.deepEqual(byLine(parsed)[2]?.set, {
      languages: { French: 3 },
      queues: { "Support EMEA": true, "Support APAC": false },
      roles: { Agent: true, Supervisor: false, "Team Lead": { divisions: ["EMEA", "APAC"] } },
      skills: { Billing: 4, "Customer Care": 2.5, "Old Skill": null },
    });
    assert.deepEqual(
      byLine(parsed)[3]?.set,
      { skills: { "Tier: 1": 5 } },
      "the value follows the last colon",
    );
  });

  it("the location by name or by id; null in either removes it; both filled is a reject", () => {
    const parsed = csv(
      [
        "userId,location,locationId",
        `${USER},Dublin HQ,`,
        `${USER},,${MANAGER}`,
        `${USER},null,`,
        `${USER},,null`,
        `${USER},Dublin HQ,${MANAGER}`,
        `${USER},,not-a-uuid`,
      ].join("\n"),
    );
    const sets = byLine(parsed);
    assert.deepEqual(sets[2]?.set, { location: { name: "Dublin HQ" } });
    assert.deepEqual(sets[3]?.set, { location: { id: MANAGER } });
    assert.deepEqual(sets[4]?.set, { location: null });
    assert.deepEqual(sets[5]?.set, { location: null });
    assert.deepEqual(parsed.rejects, [
      { line: 6, reason: "location and locationId are both filled: give the location one way" },
      { line: 7, reason: "locationId: must be a UUID" },
    ]);
  });

  it("a malformed routing or access cell is rejected by line, naming its column and the element", () => {
    const parsed = csv(
      [
        "userId,skills,languages,queues,roles",
        `${USER},Billing,,,`,
        `${USER},Billing:7,,,`,
        `${USER},,German:fluent,,`,
        `${USER},,,Support EMEA:yes,`,
        `${USER},,,,Team Lead:EMEA||APAC`,
        `${USER},,,,Agent:`,
        `${USER},Billing:1;Billing:2,,,`,
        `${USER},null,,,`,
        `${USER},;,,,`,
        `${USER},:4,,,`,
        `${USER},Customer Care:-1,,,`,
      ].join("\n"),
    );
    assert.deepEqual(parsed.changes, []);
    assert.deepEqual(parsed.rejects, [
      {
        line: 2,
        reason: 'skills: "Billing" is not a name and a value (name:value), e.g. Billing:4;Sales:null',
      },
      { line: 3, reason: "skills: Billing: must be a proficiency from 0 to 5" },
      {
        line: 4,
        reason: 'languages: German: must be a proficiency from 0 to 5, or null to remove it, not "fluent"',
      },
      { line: 5, reason: 'queues: Support EMEA: must be true (join) or false (leave), not "yes"' },
      {
        line: 6,
        reason:
          'roles: Team Lead: must be true (the home division), false (removed) or division names separated by |, not "EMEA||APAC"',
      },
      {
        line: 7,
        reason:
          'roles: Agent: must be true (the home division), false (removed) or division names separated by |, not ""',
      },
      { line: 8, reason: "skills: Billing: named twice" },
      { line: 9, reason: "skills: null cannot remove every skill: name each one, e.g. Billing:4;Sales:null" },
      { line: 10, reason: "skills: names no skill, e.g. Billing:4;Sales:null" },
      { line: 11, reason: 'skills: ":4" is not a name and a value (name:value), e.g. Billing:4;Sales:null' },
      { line: 12, reason: "skills: Customer Care: must be a proficiency from 0 to 5" },
    ]);
  });

  it("routing and access columns are part of a derived changeId", () => {
    const id = (text: string) => csv(text).changes[0]?.change.changeId;
    const base = id(`userId,skills\n${USER},Billing:4`);
    assert.equal(id(`userId,skills\n${USER}, Billing : 4 `), base, "spacing does not change the id");
    assert.notEqual(id(`userId,skills\n${USER},Billing:3`), base);
    assert.notEqual(id(`userId,languages\n${USER},Billing:4`), base);
  });

  it("ifMissing is part of a derived changeId; a row without it keeps the id it had before the column", () => {
    const id = (text: string) => csv(text).changes[0]?.change.changeId;
    const without = id("email,name\na@example.com,Ann");
    assert.equal(id("email,name,ifMissing\na@example.com,Ann,"), without);
    assert.notEqual(id("email,name,ifMissing\na@example.com,Ann,create"), without);
    // The id of this row as the mapping derived it before the ifMissing column existed.
    assert.equal(without, "csv-5880c3ce645d4d33806aa15b");
  });

  it("rejects a row naming the person twice (naming both columns) or not at all", () => {
    const parsed = csv(
      [
        "userId,email,employeeId,title",
        `${USER},a@example.com,,x`,
        `${USER},a@example.com,E-1,x`,
        ",,,x",
        "null,,,x",
      ].join("\n"),
    );
    assert.deepEqual(parsed.changes, []);
    assert.deepEqual(parsed.rejects, [
      { line: 2, reason: "userId and email are both filled: name the person by exactly one" },
      { line: 3, reason: "userId and email and employeeId are all filled: name the person by exactly one" },
      { line: 4, reason: "names nobody: fill one of userId, email, employeeId" },
      { line: 5, reason: "userId: null cannot name a person" },
    ]);
  });

  it("a bad value is rejected naming its column", () => {
    const parsed = csv(
      [
        "userId,extension,dateHire,state,acdAutoAnswer,newEmail",
        `${USER},12a,,,,`,
        `${USER},,2026-02-30,,,`,
        `${USER},,,retired,,`,
        `${USER},,,,maybe,`,
        `${USER},,,,,nope`,
        `not-a-uuid,1,,,,`,
        `${USER},1,,`,
      ].join("\n"),
    );
    assert.deepEqual(
      parsed.rejects.map((r) => [r.line, r.reason.split(":")[0]]),
      [
        [2, "extension"],
        [3, "dateHire"],
        [4, "state"],
        [5, "acdAutoAnswer"],
        [6, "newEmail"],
        [7, "userId"],
        [8, "has 4 fields, the header has 6"],
      ],
    );
  });

  it("the header must name known columns, once each, with an identity column", () => {
    assert.deepEqual(
      csv("userId,titel\nx,y").rejects.map((r) => [r.line, r.reason.split(";")[0]]),
      [[1, "header: unknown column(s) titel"]],
    );
    assert.deepEqual(csv("userId,title,title\n").rejects, [
      { line: 1, reason: "header: column(s) title given twice" },
    ]);
    assert.match(csv("title\nx").rejects[0]?.reason ?? "", /no identity column/);
    assert.deepEqual(csv("").rejects, [{ line: 1, reason: "no header row" }]);
  });

  it("text that is not CSV rejects the file", () => {
    const parsed = csv(`userId,title\n${USER},"unclosed\n${USER},x\n`);
    assert.deepEqual(parsed.changes, []);
    assert.equal(parsed.rejects.length, 1);
    assert.match(parsed.rejects[0]?.reason ?? "", /^not valid CSV: .*quote/i);
  });

  it("changedAt comes from its column, else the default given (--changed-at or the file's mtime)", () => {
    const text = `userId,title,changedAt\n${USER},a,2025-12-31T23:00:00+01:00\n${USER},b,\n`;
    const parsed = csv(text, "2026-01-02T03:04:05.000Z");
    assert.deepEqual(
      parsed.changes.map((c) => c.change.changedAt),
      ["2025-12-31T23:00:00+01:00", "2026-01-02T03:04:05.000Z"],
    );
  });

  it("changeId comes from its column, else from the row's content: the same file twice gives the same ids", () => {
    const text = [
      "userId,email,title,changeId",
      `${USER},,a,`,
      ",b@example.com,a,",
      `${USER},,a,given-1`,
      `${USER},,a,`, // the same content as line 2: the same change
    ].join("\n");
    const ids = (parsed: ParsedChangeFile) => parsed.changes.map((c) => c.change.changeId);
    const first = ids(csv(text));
    assert.deepEqual(ids(csv(text)), first);
    assert.match(first[0] ?? "", /^csv-[0-9a-f]{24}$/);
    assert.notEqual(first[0], first[1], "another person, another id");
    assert.equal(first[2], "given-1");
    assert.equal(first[3], first[0]);
    // Column order and spacing do not change the id; the content and changedAt do.
    const reordered = csv(`title,userId\n a ,${USER}`);
    assert.equal(ids(reordered)[0], first[0]);
    assert.notEqual(ids(csv(text, "2026-03-02T09:00:00.000Z"))[0], first[0]);
    assert.notEqual(ids(csv(`userId,title\n${USER},b`))[0], first[0]);
  });

  it("the format is csv for a .csv name or when given, else json", () => {
    assert.equal(changeFileFormat("people.CSV"), "csv");
    assert.equal(changeFileFormat("people.txt", "csv"), "csv");
    assert.equal(changeFileFormat("changes.ndjson"), "json");
    assert.equal(changeFileFormat("export.csv", "json"), "json");
  });
});
