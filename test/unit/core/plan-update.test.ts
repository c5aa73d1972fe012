import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChangeField, FieldValue } from "../../../lib/contract/user-change.ts";
import type { GenesysContact, GenesysUser } from "../../../lib/genesys/types.ts";
import { currentExtension, currentManagerId, planUpdate } from "../../../lib/sync/plan-update.ts";

const ANN = "3f2b8c1e-9d4a-4e6b-8f1a-2c3d4e5f6a7b";
const BOSS = "0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d";
const OTHER_BOSS = "5d6e7f80-1a2b-4c3d-8e4f-5a6b7c8d9e0f";

const WORK_EXT: GenesysContact = { mediaType: "PHONE", type: "WORK", extension: "1001", display: "1001" };
const MOBILE: GenesysContact = {
  mediaType: "PHONE",
  type: "MOBILE",
  address: "+353871234567",
  display: "+353 87 123 4567",
};

function user(extra: Partial<GenesysUser> = {}): GenesysUser {
  return {
    id: ANN,
    version: 7,
    name: "Ann Example",
    email: "ann@example.com",
    title: "Agent",
    department: "Support",
    state: "active",
    manager: { id: BOSS },
    addresses: [WORK_EXT, MOBILE],
    ...extra,
  };
}

const wants = (entries: Partial<Record<ChangeField, FieldValue>>) =>
  new Map(Object.entries(entries) as [ChangeField, FieldValue][]);

describe("currentExtension / currentManagerId", () => {
  it("reads the PHONE/WORK extension and the manager id", () => {
    assert.equal(currentExtension(user()), "1001");
    assert.equal(currentManagerId(user()), BOSS);
  });
  it("null when absent", () => {
    assert.equal(currentExtension(user({ addresses: [MOBILE] })), null);
    assert.equal(currentExtension(user({ addresses: undefined })), null);
    assert.equal(currentManagerId(user({ manager: undefined })), null);
    assert.equal(currentManagerId(user({ manager: null })), null);
  });
  it("ignores an extension on a non-WORK phone", () => {
    assert.equal(
      currentExtension(user({ addresses: [{ mediaType: "PHONE", type: "HOME", extension: "55" }] })),
      null,
    );
  });
});

describe("planUpdate", () => {
  it("everything already in effect → only no-ops", () => {
    const plan = planUpdate(
      user(),
      wants({ title: "Agent", department: "Support", extension: "1001", managerId: BOSS, state: "active" }),
    );
    assert.equal(plan.profile, undefined);
    assert.equal(plan.state, undefined);
    assert.deepEqual([...plan.noop].sort(), ["department", "extension", "managerId", "state", "title"]);
  });

  it("an absent value and an empty string are the same nothing; null equals absent", () => {
    const bare = user({ title: undefined, manager: undefined, addresses: [] });
    const plan = planUpdate(bare, wants({ title: "", managerId: null, extension: null }));
    assert.equal(plan.profile, undefined);
    assert.deepEqual([...plan.noop].sort(), ["extension", "managerId", "title"]);
  });

  it("plans only the fields that differ", () => {
    const plan = planUpdate(user(), wants({ title: "Lead", department: "Support", name: "Ann E." }));
    assert.deepEqual(plan.profile?.body, { title: "Lead", name: "Ann E." });
    assert.deepEqual([...(plan.profile?.fields ?? [])].sort(), ["name", "title"]);
    assert.deepEqual(plan.noop, ["department"]);
    assert.equal("version" in (plan.profile?.body ?? {}), false);
  });

  it("a manager change sends the id; a manager removal sends an empty string", () => {
    assert.equal(planUpdate(user(), wants({ managerId: OTHER_BOSS })).profile?.body.manager, OTHER_BOSS);
    const removal = planUpdate(user(), wants({ managerId: null }));
    assert.equal(removal.profile?.body.manager, "");
    assert.deepEqual(removal.profile?.fields, ["managerId"]);
  });

  it("an extension change sends the whole merged addresses list", () => {
    const plan = planUpdate(user(), wants({ extension: "2002" }));
    assert.deepEqual(plan.profile?.body.addresses, [
      { mediaType: "PHONE", type: "WORK", extension: "2002" },
      MOBILE,
    ]);
    assert.deepEqual(plan.profile?.fields, ["extension"]);
  });

  it("an extension removal drops the extension-only entry", () => {
    const plan = planUpdate(user(), wants({ extension: null }));
    assert.deepEqual(plan.profile?.body.addresses, [MOBILE]);
  });

  it("an extension beside a WORK number keeps the number on the same entry (no refusal)", () => {
    const number: GenesysContact = { mediaType: "PHONE", type: "WORK", address: "+35312345678" };
    const plan = planUpdate(
      user({ addresses: [number, MOBILE] }),
      wants({ extension: "4004", title: "Lead" }),
    );
    assert.deepEqual(plan.profile?.body.addresses, [
      { mediaType: "PHONE", type: "WORK", address: "+35312345678", extension: "4004" },
      MOBILE,
    ]);
    assert.deepEqual([...(plan.profile?.fields ?? [])].sort(), ["extension", "title"]);
  });

  it("a display-only extension is an extension: removing it is not a no-op", () => {
    const unpooled: GenesysContact = { mediaType: "PHONE", type: "WORK", display: "1001" };
    const plan = planUpdate(user({ addresses: [unpooled, MOBILE] }), wants({ extension: null }));
    assert.deepEqual(plan.noop, []);
    assert.deepEqual(plan.profile?.body.addresses, [MOBILE]);
  });

  it("state is planned separately from the profile fields", () => {
    const plan = planUpdate(user(), wants({ state: "inactive", title: "Former agent" }));
    assert.deepEqual(plan.state, { value: "inactive" });
    assert.deepEqual(plan.profile?.body, { title: "Former agent" });
    assert.deepEqual(plan.profile?.fields, ["title"]);
    assert.equal("state" in (plan.profile?.body ?? {}), false);
  });

  it("a state change alone gives no profile PATCH", () => {
    const plan = planUpdate(user({ state: "inactive" }), wants({ state: "active" }));
    assert.deepEqual(plan.state, { value: "active" });
    assert.equal(plan.profile, undefined);
    assert.deepEqual(plan.noop, []);
  });

  it("email and name changes go in the body as given", () => {
    const plan = planUpdate(user(), wants({ email: "ann.new@example.com", name: "Ann New" }));
    assert.deepEqual(plan.profile?.body, { email: "ann.new@example.com", name: "Ann New" });
  });
});

describe("planUpdate with the PRIMARY email in addresses", () => {
  it("an email change and an extension change in one PATCH keep the PRIMARY entry equal to the new email", () => {
    const user = {
      id: "u",
      version: 3,
      email: "old@example.com",
      addresses: [
        { mediaType: "EMAIL", type: "PRIMARY", address: "old@example.com" },
        { mediaType: "PHONE", type: "WORK", extension: "100" },
      ],
    };
    const plan = planUpdate(
      user,
      new Map<ChangeField, string | null>([
        ["email", "new@example.com"],
        ["extension", "200"],
      ]),
    );
    assert.equal(plan.profile?.body.email, "new@example.com");
    assert.deepEqual(plan.profile?.body.addresses, [
      { mediaType: "EMAIL", type: "PRIMARY", address: "new@example.com" },
      { mediaType: "PHONE", type: "WORK", extension: "200" },
    ]);
  });
});
