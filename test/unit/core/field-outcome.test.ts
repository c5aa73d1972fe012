import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  absenceConclusive,
  EMPLOYER_INFO_EVIDENCE,
  EXPAND_MISSING_CODE,
  expandMissing,
} from "../../../lib/sync/employer-info-evidence.ts";
import { type Disposition, dispose, type FieldOutcome } from "../../../lib/sync/field-outcome.ts";
import type { DeadLetterReason, HeldMessage } from "../../../lib/sync/held-message.ts";

const NOW = 1_714_564_800_000;
const MAX = 8;

function message(attempts = 0): HeldMessage {
  return {
    messageId: "m1",
    receiptHandle: "rh-1",
    body: "{}",
    attempts,
    firstSeenAt: "2024-05-01T12:00:00.000Z",
    receiveCount: 1,
    sentAt: NOW - 1000,
  };
}

const transient: DeadLetterReason = {
  code: "genesys.http.503",
  reason: "Genesys Cloud answered 503",
  lastStatus: 503,
};
const limited: DeadLetterReason = { code: "genesys.rate.limited", reason: "rate limited", lastStatus: 429 };
const notFound: DeadLetterReason = {
  code: "genesys.user.not.found",
  reason: "no such user",
  lastStatus: 404,
};

const applied: FieldOutcome = { kind: "applied" };
const noop: FieldOutcome = { kind: "noop" };
const stale: FieldOutcome = { kind: "stale" };
const dead: FieldOutcome = { kind: "dead", why: notFound };
const release: FieldOutcome = { kind: "release" };
const retry = (waitMs: number, countsAttempt: boolean, why = transient): FieldOutcome => ({
  kind: "retry",
  waitMs,
  countsAttempt,
  why,
});

const run = (outcomes: FieldOutcome[], attempts = 0, random = 0): Disposition =>
  dispose(message(attempts), outcomes, MAX, NOW, random);

describe("dispose: precedence", () => {
  it("stale only → delete (skippedStale); no outcomes → skippedStale", () => {
    assert.deepEqual(run([stale]), { kind: "delete", counted: "skippedStale" });
    assert.deepEqual(run([]), { kind: "delete", counted: "skippedStale" });
  });
  it("noop beats stale", () => {
    assert.deepEqual(run([stale, noop, stale]), { kind: "delete", counted: "skippedNoop" });
  });
  it("applied beats noop and stale", () => {
    assert.deepEqual(run([noop, applied, stale]), { kind: "delete", counted: "applied" });
  });
  it("dead beats applied", () => {
    assert.deepEqual(run([applied, dead, noop]), { kind: "dead-letter", why: notFound, attempts: 0 });
  });
  it("retry beats dead", () => {
    assert.equal(run([dead, retry(5000, true)]).kind, "requeue");
    assert.equal(run([retry(5000, true), dead]).kind, "requeue");
  });
  it("release beats everything", () => {
    for (const other of [applied, noop, stale, dead, retry(1000, true)]) {
      assert.deepEqual(run([other, release]), { kind: "release" });
      assert.deepEqual(run([release, other]), { kind: "release" });
    }
  });
  it("a dead letter keeps the attempts recorded so far", () => {
    assert.deepEqual(run([dead], 3), { kind: "dead-letter", why: notFound, attempts: 3 });
  });
});

describe("dispose: retries", () => {
  it("a counted retry adds one attempt and waits the given time", () => {
    assert.deepEqual(run([retry(20_000, true)], 2), {
      kind: "requeue",
      attempts: 3,
      why: transient,
      delaySeconds: 20,
    });
  });

  it("a retry that does not count (rate limit) keeps the attempts", () => {
    const d = run([retry(42_000, false, limited)], 2);
    assert.deepEqual(d, { kind: "requeue", attempts: 2, why: limited, delaySeconds: 42 });
  });

  it("one counting retry among several counts once", () => {
    const d = run([retry(1000, false, limited), retry(1000, true), retry(1000, true)], 4);
    assert.equal(d.kind, "requeue");
    assert.equal(d.kind === "requeue" && d.attempts, 5);
  });

  it("waitMs 0 → the back-off for the new attempt count", () => {
    // attempts 2 → 3: 10 s * 2^2
    const d = run([retry(0, true)], 2);
    assert.equal(d.kind === "requeue" && d.delaySeconds, 40);
  });

  it("waits for the longest of the retries", () => {
    const d = run([retry(5_000, true), retry(60_000, false, limited)], 0);
    assert.equal(d.kind === "requeue" && d.delaySeconds, 60);
  });

  it("applies the jitter from random", () => {
    const d = run([retry(10_000, true)], 0, 0.5);
    assert.equal(d.kind === "requeue" && d.delaySeconds, 11);
  });

  it("a wait over 900 s → DelaySeconds 900 and notBefore", () => {
    const d = run([retry(1_800_000, false, limited)], 0);
    assert.deepEqual(d, {
      kind: "requeue",
      attempts: 0,
      why: limited,
      delaySeconds: 900,
      notBefore: NOW + 1_800_000,
    });
  });

  it("a wait of at most 900 s sets no notBefore", () => {
    const d = run([retry(900_000, true)], 0);
    assert.equal(d.kind, "requeue");
    assert.equal(d.kind === "requeue" && d.notBefore, undefined);
  });
});

describe("dispose: attempt limit", () => {
  it("the counted attempt that reaches maxAttempts dead-letters with 'gave up after N attempts'", () => {
    assert.deepEqual(run([retry(1000, true)], MAX - 1), {
      kind: "dead-letter",
      attempts: MAX,
      why: {
        code: "genesys.http.503",
        reason: `gave up after ${MAX} attempts: Genesys Cloud answered 503`,
        lastStatus: 503,
      },
    });
  });

  it("one attempt below the limit is still re-queued", () => {
    const d = run([retry(1000, true)], MAX - 2);
    assert.equal(d.kind, "requeue");
    assert.equal(d.kind === "requeue" && d.attempts, MAX - 1);
  });

  it("a message already past the limit is dead-lettered on its next counted failure", () => {
    const d = run([retry(1000, true)], MAX + 3);
    assert.equal(d.kind, "dead-letter");
    assert.match(
      d.kind === "dead-letter" ? d.why.reason : "",
      new RegExp(`gave up after ${MAX + 4} attempts`),
    );
  });

  it("a retry that does not count never dead-letters, whatever the attempts", () => {
    const d = run([retry(1000, false, limited)], MAX + 10);
    assert.equal(d.kind, "requeue");
    assert.equal(d.kind === "requeue" && d.attempts, MAX + 10);
  });

  it("maxAttempts 1 dead-letters the first counted failure", () => {
    const d = dispose(message(0), [retry(1000, true)], 1, NOW, 0);
    assert.equal(d.kind, "dead-letter");
    assert.equal(d.kind === "dead-letter" && d.attempts, 1);
  });
});

describe("dispose: re-queues for a missing employerInfo are counted on their own", () => {
  const missing = expandMissing("u1", 4);
  const held = (over: Partial<HeldMessage>): HeldMessage => ({ ...message(0), ...over });

  it("a re-queue for it counts one more; other retries carry the count unchanged", () => {
    const first = dispose(held({}), [missing, applied], MAX, NOW, 0);
    assert.equal(first.kind === "requeue" && first.expandDeferrals, 1);
    const again = dispose(held({ attempts: 3, expandDeferrals: 2 }), [missing], MAX, NOW, 0);
    assert.equal(again.kind === "requeue" && again.expandDeferrals, 3);
    const other = dispose(held({ attempts: 3, expandDeferrals: 2 }), [retry(0, true)], MAX, NOW, 0);
    assert.equal(other.kind === "requeue" && other.expandDeferrals, 2);
    const none = dispose(held({ attempts: 3 }), [retry(0, true)], MAX, NOW, 0);
    assert.equal(none.kind, "requeue");
    assert.equal("expandDeferrals" in none, false);
  });

  it("absence is concluded on the deferrals alone, not on attempts spent on other failures", () => {
    // A change that met conflicts, then missing expansions: its attempts reach the threshold first.
    let m = held({});
    for (const outcome of [retry(0, true), retry(0, true), missing, missing]) {
      const d = dispose(m, [outcome], MAX, NOW, 0);
      assert.equal(d.kind, "requeue");
      if (d.kind !== "requeue") return;
      m = held({ attempts: d.attempts, expandDeferrals: d.expandDeferrals, lastReasonCode: d.why.code });
    }
    assert.equal(m.attempts, 4);
    assert.equal(m.lastReasonCode, EXPAND_MISSING_CODE);
    assert.equal(absenceConclusive(m), false);
    for (let i = 2; i < EMPLOYER_INFO_EVIDENCE.conclusiveDeferrals; i++) {
      const d = dispose(m, [missing], MAX, NOW, 0);
      if (d.kind !== "requeue") return assert.fail(`re-queue ${i}: ${d.kind}`);
      m = held({ attempts: d.attempts, expandDeferrals: d.expandDeferrals });
      assert.equal(absenceConclusive(m), i + 1 >= EMPLOYER_INFO_EVIDENCE.conclusiveDeferrals);
    }
    assert.equal(absenceConclusive(m), true);
  });
});
