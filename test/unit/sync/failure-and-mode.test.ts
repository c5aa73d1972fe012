import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChangeField } from "../../../lib/contract/user-change.ts";
import {
  AuthenticationError,
  ExtensionInUseError,
  PermanentGenesysError,
  PermissionError,
  RateLimitedError,
  TransientGenesysError,
  VersionConflictError,
} from "../../../lib/genesys/errors.ts";
import { BudgetDeniedError } from "../../../lib/ratelimit/budget-denied.ts";
import type { FieldWant } from "../../../lib/sync/coalesce.ts";
import { DependencyError } from "../../../lib/sync/dependency.ts";
import { classifyFailure, type Failure, outcomeOf } from "../../../lib/sync/failure.ts";
import { heldBackFields } from "../../../lib/sync/held-message.ts";
import { atDeadline, endedBy, nextMode, RUNNING, untriedOutcome } from "../../../lib/sync/pass-mode.ts";
import { heldMessage } from "./records.ts";

const NOW = 1_000_000;

describe("classifyFailure: every error the world can cause is an outcome", () => {
  const cases: [string, unknown, Failure["kind"]][] = [
    ["budget past the deadline", new BudgetDeniedError("deadline", 500), "budget-over"],
    ["a shared pause", new BudgetDeniedError("paused", 30_000), "paused"],
    ["a 429", new RateLimitedError("429", 2_000, "genesys"), "rate-limited"],
    ["the login service's limit", new RateLimitedError("login", 5_000, "login"), "paused"],
    ["a version conflict", new VersionConflictError("409"), "conflict"],
    ["an extension in use", new ExtensionInUseError("taken"), "extension-in-use"],
    ["a 403", new PermissionError("403", []), "forbidden"],
    ["a 503 or a reset", new TransientGenesysError("503", "genesys.http.503"), "transient"],
    ["a 400", new PermanentGenesysError("bad", "genesys.invalid.value"), "permanent"],
    ["bad credentials", new AuthenticationError("401"), "stop"],
    ["DynamoDB down", new DependencyError("DynamoDB", "claim", new Error("ECONNREFUSED")), "stop"],
    ["a defect", new TypeError("x is undefined"), "stop"],
  ];
  for (const [what, error, kind] of cases) {
    it(`${what} → ${kind}`, () => assert.equal(classifyFailure(error, NOW).kind, kind));
  }

  it("a pause carries when it ends; a defect stops as a defect, never as Genesys's fault", () => {
    const paused = classifyFailure(new BudgetDeniedError("paused", 30_000), NOW);
    assert.deepEqual(paused.kind === "paused" && paused.untilMs, NOW + 30_000);
    const defect = classifyFailure(new TypeError("boom"), NOW);
    assert.equal(defect.kind === "stop" && defect.stop.kind, "defect");
  });
});

describe("heldBackFields", () => {
  it("the fields whose copy came back because its family's budget held it, and no others", () => {
    const held = classifyFailure(new BudgetDeniedError("paused", 12_000, "routing.queue.members"), NOW);
    assert.equal(held.kind, "family-held");
    const code = held.kind === "family-held" ? held.why.code : "";
    const messages = new Map([
      ["m-held", heldMessage(1, {}, { lastReasonCode: code })],
      ["m-429", heldMessage(1, {}, { lastReasonCode: "genesys.rate.limited" })],
      ["m-fresh", heldMessage(1, {})],
    ]);
    const want = (field: ChangeField, messageKey: string): FieldWant => ({
      field,
      value: true,
      mark: { at: NOW, id: messageKey },
      messageKey,
    });
    const wants = [want("queue:emea", "m-held"), want("queue:apac", "m-429"), want("title", "m-fresh")];
    assert.deepEqual([...heldBackFields(wants, messages)], ["queue:emea"]);
  });
});

describe("outcomeOf", () => {
  it("rate limits re-queue without counting an attempt, at least 1 s; transient failures count", () => {
    const why = { code: "genesys.rate.limited", reason: "429" };
    assert.deepEqual(outcomeOf({ kind: "rate-limited", waitMs: 200, why }, NOW), {
      kind: "retry",
      waitMs: 1_000,
      countsAttempt: false,
      why,
    });
    assert.deepEqual(outcomeOf({ kind: "paused", untilMs: NOW + 7_000, why }, NOW), {
      kind: "retry",
      waitMs: 7_000,
      countsAttempt: false,
      why,
    });
    const transient = outcomeOf(
      classifyFailure(new TransientGenesysError("503", "genesys.http.503"), NOW),
      NOW,
    );
    assert.equal(transient.kind === "retry" && transient.countsAttempt, true);
  });
  it("a permanent refusal dead-letters; budget, 403 and stops release untouched", () => {
    assert.equal(outcomeOf(classifyFailure(new PermanentGenesysError("x", "y"), NOW), NOW).kind, "dead");
    for (const error of [
      new BudgetDeniedError("deadline", 1),
      new PermissionError("403", []),
      new AuthenticationError("401"),
      new DependencyError("SQS", "receive", new Error("down")),
    ]) {
      assert.equal(outcomeOf(classifyFailure(error, NOW), NOW).kind, "release", error.name);
    }
  });
});

describe("pass mode", () => {
  const why = { code: "genesys.rate.limited", reason: "paused" };
  const stop: Failure = {
    kind: "stop",
    stop: { kind: "credentials", error: new AuthenticationError("401") },
  };
  it("a stop overrides everything, and the first stop wins", () => {
    const stopped = nextMode({ kind: "budget-over" }, stop);
    assert.equal(stopped.kind, "stopping");
    const again = nextMode(stopped, { kind: "stop", stop: { kind: "defect", error: 1 } });
    assert.equal(again, stopped);
    assert.equal(nextMode(stopped, { kind: "budget-over" }), stopped);
  });
  it("the first of budget-over and paused sticks; a failure of one change leaves the mode running", () => {
    const paused = nextMode(RUNNING, { kind: "paused", untilMs: NOW + 5_000, why });
    assert.equal(nextMode(paused, { kind: "budget-over" }), paused);
    assert.equal(nextMode(RUNNING, { kind: "transient", why }), RUNNING);
    assert.equal(nextMode(RUNNING, { kind: "conflict", why }), RUNNING);
  });
  it("a 403 that reaches the mode stops the pass with the permission", () => {
    const mode = nextMode(RUNNING, { kind: "forbidden", error: new PermissionError("403", []) });
    assert.equal(mode.kind === "stopping" && mode.cause.kind, "permission");
    assert.equal(endedBy(mode), "genesys.permission.missing");
  });
  it("untried users: released when the budget is over or the pass stops, re-queued until a pause ends", () => {
    assert.equal(untriedOutcome(RUNNING, NOW), undefined);
    assert.deepEqual(untriedOutcome({ kind: "budget-over" }, NOW), { kind: "release" });
    assert.deepEqual(untriedOutcome(nextMode(RUNNING, stop), NOW), { kind: "release" });
    assert.deepEqual(untriedOutcome({ kind: "paused", untilMs: NOW + 9_000, why }, NOW), {
      kind: "retry",
      waitMs: 9_000,
      countsAttempt: false,
      why,
    });
  });
  it("the deadline turns running into budget-over and leaves other modes alone; endedBy names each", () => {
    assert.equal(atDeadline(RUNNING).kind, "budget-over");
    const paused = { kind: "paused", untilMs: NOW, why } as const;
    assert.equal(atDeadline(paused), paused);
    assert.equal(endedBy(RUNNING), undefined);
    assert.equal(endedBy({ kind: "budget-over" }), "budget");
    assert.equal(endedBy(paused), "paused");
    const down = nextMode(RUNNING, {
      kind: "stop",
      stop: { kind: "dependency", error: new DependencyError("DynamoDB", "claim", new Error("x")) },
    });
    assert.equal(endedBy(down), "dependency.dynamodb");
  });
});
