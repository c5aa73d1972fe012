import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AcquireOutcome } from "../../../lib/ratelimit/acquire-permit.ts";
import { PermitLine } from "../../../lib/ratelimit/permit-line.ts";

/** An `acquire` the test answers by hand: `grant(slot)`, `deny()` or `fail()` its pending requests in order. */
function handAcquire() {
  const pending: { resolve: (o: AcquireOutcome) => void; reject: (e: unknown) => void }[] = [];
  const next = () => {
    const p = pending.shift();
    assert.ok(p, "a request is pending");
    return p;
  };
  return {
    acquire: () => new Promise<AcquireOutcome>((resolve, reject) => pending.push({ resolve, reject })),
    pending: () => pending.length,
    grant: (slot: number) => next().resolve({ ok: true, slot }),
    deny: () => next().resolve({ ok: false, kind: "paused", untilMs: 5_000 }),
    fail: (error: Error) => next().reject(error),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("PermitLine: callers holding a family permit go first at the shared budget", () => {
  it("a permit another caller obtains goes to the waiting first caller; the other asks again", async () => {
    const line = new PermitLine();
    const hand = handAcquire();
    const plain = line.take(hand.acquire, false);
    const first = line.take(hand.acquire, true);
    hand.grant(3); // the plain caller's request came first
    assert.deepEqual(await first, { ok: true, slot: 3 });
    await settle();
    assert.equal(
      hand.pending(),
      2,
      "the first caller's own request still runs; the plain caller asked again",
    );
    hand.grant(4); // the first caller's own request: handed on to the plain caller
    assert.deepEqual(await plain, { ok: true, slot: 4 });
    hand.grant(5); // the plain caller's second request: nobody waits, it lapses
    await settle();
    assert.equal(hand.pending(), 0);
  });

  it("without a first caller waiting, everyone keeps their own permit", async () => {
    const line = new PermitLine();
    const hand = handAcquire();
    const a = line.take(hand.acquire, false);
    const b = line.take(hand.acquire, false);
    hand.grant(1);
    hand.grant(2);
    assert.deepEqual(
      [await a, await b],
      [
        { ok: true, slot: 1 },
        { ok: true, slot: 2 },
      ],
    );
  });

  it("a permit given back goes to the next waiter, first callers before the others; with nobody waiting it lapses", async () => {
    const line = new PermitLine();
    const hand = handAcquire();
    assert.equal(line.giveBack(9), false);
    const plain = line.take(hand.acquire, false);
    assert.equal(line.giveBack(7), true);
    assert.deepEqual(await plain, { ok: true, slot: 7 });
    const plain2 = line.take(hand.acquire, false);
    const first = line.take(hand.acquire, true);
    assert.equal(line.giveBack(8), true);
    assert.deepEqual(await first, { ok: true, slot: 8 });
    assert.equal(line.giveBack(6), true);
    assert.deepEqual(await plain2, { ok: true, slot: 6 });
  });

  it("a denial or a failure is the caller's own", async () => {
    const line = new PermitLine();
    const hand = handAcquire();
    const denied = line.take(hand.acquire, true);
    hand.deny();
    assert.deepEqual(await denied, { ok: false, kind: "paused", untilMs: 5_000 });
    const failed = line.take(hand.acquire, false);
    hand.fail(new Error("store down"));
    await assert.rejects(failed, /store down/);
    assert.equal(line.giveBack(1), false, "neither waits any longer");
  });
});
