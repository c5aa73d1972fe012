import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ParseResult, parseUserChange } from "../../../lib/contract/user-change.ts";

const USER = "3f2b8c1e-9d4a-4e6b-8f1a-2c3d4e5f6a7b";
const MANAGER = "0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d";

function change(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    changeId: "chg-1",
    userId: USER,
    changedAt: "2024-05-01T12:00:00Z",
    set: { title: "Agent" },
    ...overrides,
  };
}

const parse = (value: unknown): ParseResult => parseUserChange(JSON.stringify(value));

function expectOk(result: ParseResult) {
  assert.equal(result.ok, true, result.ok ? "" : `expected ok, got ${result.code}: ${result.reason}`);
  if (!result.ok) throw new Error("unreachable");
  return result;
}

function expectInvalid(result: ParseResult, code: "message.not.json" | "message.schema.invalid") {
  assert.equal(result.ok, false, "expected the body to be rejected");
  if (result.ok) throw new Error("unreachable");
  assert.equal(result.code, code);
  return result.reason;
}

describe("parseUserChange: envelopes", () => {
  it("accepts the raw change", () => {
    const result = expectOk(parse(change()));
    assert.equal(result.envelope, "raw");
    assert.deepEqual(result.value.change, change());
  });

  it("unwraps an EventBridge event (detail)", () => {
    const event = {
      version: "0",
      id: "e1",
      "detail-type": "UserChanged",
      source: "hr.system",
      account: "123456789012",
      time: "2024-05-01T12:00:01Z",
      region: "eu-west-1",
      resources: [],
      detail: change({ changeId: "from-eventbridge" }),
    };
    const result = expectOk(parse(event));
    assert.equal(result.envelope, "eventbridge");
    assert.equal(result.value.change.changeId, "from-eventbridge");
  });

  it("unwraps an SNS notification (Message is a JSON string)", () => {
    const notification = {
      Type: "Notification",
      MessageId: "m1",
      TopicArn: "arn:aws:sns:eu-west-1:123456789012:users",
      Message: JSON.stringify(change({ changeId: "from-sns" })),
      Timestamp: "2024-05-01T12:00:01.000Z",
    };
    const result = expectOk(parse(notification));
    assert.equal(result.envelope, "sns");
    assert.equal(result.value.change.changeId, "from-sns");
  });

  it("rejects an SNS notification whose Message is not JSON as message.not.json", () => {
    const reason = expectInvalid(parse({ Type: "Notification", Message: "not json {" }), "message.not.json");
    assert.match(reason, /SNS Message is not JSON/);
  });

  it("rejects an EventBridge event whose detail is not a valid change", () => {
    const reason = expectInvalid(
      parse({ "detail-type": "UserChanged", detail: change({ userId: "nope" }) }),
      "message.schema.invalid",
    );
    assert.match(reason, /userId/);
  });

  it("rejects a body that is not JSON", () => {
    for (const body of ["", "not json", "{", '{"changeId":'])
      expectInvalid(parseUserChange(body), "message.not.json");
  });

  it("rejects JSON that is not an object", () => {
    for (const value of [null, [], "text", 42, [change()]])
      expectInvalid(parse(value), "message.schema.invalid");
  });

  it("rejects an unknown top-level key, naming it", () => {
    const reason = expectInvalid(parse(change({ priority: "high" })), "message.schema.invalid");
    assert.match(reason, /unknown key\(s\) priority/);
  });
});

describe("parseUserChange: set", () => {
  it("rejects an unknown key in set and names the key", () => {
    const reason = expectInvalid(parse(change({ set: { extention: "1234" } })), "message.schema.invalid");
    assert.match(reason, /^set: unknown key\(s\) extention/);
  });

  it("rejects an unknown key even next to a valid one", () => {
    const reason = expectInvalid(
      parse(change({ set: { title: "Agent", phone: "+3531" } })),
      "message.schema.invalid",
    );
    assert.match(reason, /set: unknown key\(s\) phone/);
  });

  it("rejects an empty set", () => {
    const reason = expectInvalid(parse(change({ set: {} })), "message.schema.invalid");
    assert.match(reason, /set: must set at least one field/);
  });

  it("rejects a missing set", () => {
    const { set: _set, ...rest } = change();
    const reason = expectInvalid(parse(rest), "message.schema.invalid");
    assert.match(reason, /^set:/);
  });

  it("accepts every known field together", () => {
    const set = {
      extension: "1234",
      title: "Lead",
      department: "Support",
      name: "Ann Example",
      email: "ann@example.com",
      managerId: MANAGER,
      state: "inactive",
    };
    assert.deepEqual(expectOk(parse(change({ set }))).value.change.set, set);
  });

  describe("extension", () => {
    for (const extension of ["1", "0042", "1234567890123456"]) {
      it(`accepts ${JSON.stringify(extension)}`, () => {
        assert.equal(expectOk(parse(change({ set: { extension } }))).value.change.set.extension, extension);
      });
    }
    it("accepts null (remove the extension)", () => {
      assert.equal(expectOk(parse(change({ set: { extension: null } }))).value.change.set.extension, null);
    });
    for (const extension of ["", "12345678901234567", "12a4", "+1234", " 1234", "1234\n", "١٢٣", 1234]) {
      it(`rejects ${JSON.stringify(extension)}`, () => {
        const reason = expectInvalid(parse(change({ set: { extension } })), "message.schema.invalid");
        assert.match(reason, /^set\.extension: /);
      });
    }
  });

  describe("managerId", () => {
    it("accepts a UUID", () => {
      assert.equal(
        expectOk(parse(change({ set: { managerId: MANAGER } }))).value.change.set.managerId,
        MANAGER,
      );
    });
    it("accepts null (remove the manager)", () => {
      assert.equal(expectOk(parse(change({ set: { managerId: null } }))).value.change.set.managerId, null);
    });
    for (const managerId of ["", "mgr-1", "0a1b2c3d4e5f4a6b9c7d8e9f0a1b2c3d", `${MANAGER}x`, 7]) {
      it(`rejects ${JSON.stringify(managerId)}`, () => {
        const reason = expectInvalid(parse(change({ set: { managerId } })), "message.schema.invalid");
        assert.match(reason, /^set\.managerId: /);
      });
    }
  });

  describe("state", () => {
    for (const state of ["active", "inactive"]) {
      it(`accepts ${state}`, () => {
        assert.equal(expectOk(parse(change({ set: { state } }))).value.change.set.state, state);
      });
    }
    for (const state of ["deleted", "Active", "", null]) {
      it(`rejects ${JSON.stringify(state)}`, () => {
        const reason = expectInvalid(parse(change({ set: { state } })), "message.schema.invalid");
        assert.match(reason, /^set\.state: /);
      });
    }
  });

  it("rejects null for a field that cannot be removed (title)", () => {
    const reason = expectInvalid(parse(change({ set: { title: null } })), "message.schema.invalid");
    assert.match(reason, /^set\.title: /);
  });

  it("rejects an email that is not an email", () => {
    const reason = expectInvalid(parse(change({ set: { email: "not-an-email" } })), "message.schema.invalid");
    assert.match(reason, /set\.email: must be an email address/);
  });
});

describe("parseUserChange: identity and time", () => {
  it("rejects a userId that is not a UUID", () => {
    const reason = expectInvalid(parse(change({ userId: "user-1" })), "message.schema.invalid");
    assert.match(reason, /^userId: must be a UUID/);
  });

  it("accepts a changeId of 1 and of 128 characters", () => {
    expectOk(parse(change({ changeId: "x" })));
    expectOk(parse(change({ changeId: "x".repeat(128) })));
  });

  it("rejects an empty changeId and one of 129 characters", () => {
    for (const changeId of ["", "x".repeat(129)]) {
      const reason = expectInvalid(parse(change({ changeId })), "message.schema.invalid");
      assert.match(reason, /^changeId: /);
    }
  });

  for (const changedAt of [
    "2024-05-01T12:00:00",
    "2024-05-01T12:00:00.000",
    "2024-05-01",
    "2024-05-01 12:00:00Z",
    "1714564800000",
    "2024-02-30T00:00:00Z",
  ]) {
    it(`rejects changedAt ${JSON.stringify(changedAt)} (no zone or not a valid ISO time)`, () => {
      const reason = expectInvalid(parse(change({ changedAt })), "message.schema.invalid");
      assert.match(reason, /^changedAt: must be an ISO-8601 timestamp with a zone/);
    });
  }

  it("computes changedAtMs for Z", () => {
    const result = expectOk(parse(change({ changedAt: "2024-05-01T12:00:00.250Z" })));
    assert.equal(result.value.changedAtMs, Date.UTC(2024, 4, 1, 12, 0, 0, 250));
  });

  it("computes changedAtMs for a positive offset (the instant, not the wall clock)", () => {
    const result = expectOk(parse(change({ changedAt: "2024-05-01T14:30:00+02:00" })));
    assert.equal(result.value.changedAtMs, Date.UTC(2024, 4, 1, 12, 30, 0));
  });

  it("computes changedAtMs for a negative offset across midnight", () => {
    const result = expectOk(parse(change({ changedAt: "2024-04-30T20:15:00-05:00" })));
    assert.equal(result.value.changedAtMs, Date.UTC(2024, 4, 1, 1, 15, 0));
  });

  it("keeps changedAt as given (the body is passed on unchanged)", () => {
    const result = expectOk(parse(change({ changedAt: "2024-05-01T14:30:00+02:00" })));
    assert.equal(result.value.change.changedAt, "2024-05-01T14:30:00+02:00");
  });
});
