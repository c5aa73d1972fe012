import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseRunInput, RunInputError } from "../../../lib/sync/run-input.ts";

describe("parseRunInput", () => {
  it("no event → no options", () => {
    assert.deepEqual(parseRunInput(undefined), {});
    assert.deepEqual(parseRunInput(null), {});
  });

  it("an EventBridge Scheduled Event → no options", () => {
    const event = {
      version: "0",
      id: "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
      "detail-type": "Scheduled Event",
      source: "aws.events",
      account: "123456789012",
      time: "2024-05-01T12:00:00Z",
      region: "eu-west-1",
      resources: ["arn:aws:events:eu-west-1:123456789012:rule/sync"],
      detail: {},
    };
    assert.deepEqual(parseRunInput(event), {});
  });

  it("the schedule's constant input", () => {
    assert.deepEqual(parseRunInput({ budgetSeconds: 240 }), { budgetSeconds: 240 });
    assert.deepEqual(parseRunInput({ budgetSeconds: 1 }), { budgetSeconds: 1 });
    assert.deepEqual(parseRunInput({ budgetSeconds: 900 }), { budgetSeconds: 900 });
    assert.deepEqual(parseRunInput({}), {});
  });

  for (const budgetSeconds of [0, 901, 1.5, -1, "240", null]) {
    it(`rejects budgetSeconds ${JSON.stringify(budgetSeconds)}, naming it`, () => {
      assert.throws(
        () => parseRunInput({ budgetSeconds }),
        (error: unknown) => error instanceof RunInputError && /budgetSeconds/.test(error.message),
      );
    });
  }

  it("rejects an unknown key (a typo in the schedule's input), naming it", () => {
    assert.throws(
      () => parseRunInput({ budgetSecs: 240 }),
      (error: unknown) =>
        error instanceof RunInputError &&
        /invalid run input: .*unknown key\(s\) budgetSecs/.test(error.message),
    );
  });

  it("rejects an event of another kind", () => {
    assert.throws(() => parseRunInput({ "detail-type": "Object Created", detail: {} }), RunInputError);
    // Only the detail-type of a schedule's event, not the event EventBridge sends: not taken for one.
    assert.throws(() => parseRunInput({ "detail-type": "Scheduled Event", detail: {} }), RunInputError);
    assert.throws(() => parseRunInput("run"), RunInputError);
    assert.throws(() => parseRunInput([]), RunInputError);
  });
});
