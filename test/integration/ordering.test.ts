/**
 * An older change A and a newer change B for the same field, held by two invocations at once. Both
 * interleavings of the design notes, forced with a hook on A's PATCH, on the real emulators.
 *
 * The world runs on a virtual clock: B's whole pass runs inside A's, and on a busy machine it took
 * longer than A's budget in real time (A then released its change instead of re-reading it).
 */
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { virtualClock } from "../helpers/virtual-clock.ts";
import { change, createWorld, seed, userId, type World } from "./sync-world.ts";

const T0 = Date.parse("2026-11-01T08:00:00Z");
const older = () => change(1, { title: "A (older)" }, new Date(T0), "change-a");
const newer = () => change(1, { title: "B (newer)" }, new Date(T0 + 60_000), "change-b");

describe("two invocations, an older and a newer change for one field", { concurrency: false }, () => {
  let w: World;
  afterEach(async () => {
    await w?.close();
  });

  test("B is patched and recorded while A waits to PATCH: A gets 409, re-reads, and is skipped as stale", async () => {
    w = await createWorld({ clock: virtualClock() });
    seed(w.sim, 1);
    await w.send([older()]);
    let bSummary: Awaited<ReturnType<ReturnType<World["job"]>["run"]>> | undefined;
    // A has read the user (version v) and claimed its mark; before its PATCH leaves, B runs to the end.
    const pauseBeforePatch: typeof fetch = async (input, init) => {
      if (init?.method === "PATCH" && bSummary === undefined) {
        await w.send([newer()]);
        bSummary = await w.job().run({}, 20_000);
      }
      return fetch(input, init);
    };
    const aSummary = await w.job({ fetch: pauseBeforePatch }).run({}, 20_000);
    assert.equal(bSummary?.applied, 1, "B applied");
    assert.equal(aSummary.skippedStale, 1, "A skipped as stale after the 409");
    assert.equal(aSummary.applied, 0);
    assert.equal(w.sim.getUser(userId(1))?.title, "B (newer)");
    const patches = w.sim.stats().byRouteStatus.patchUser ?? {};
    assert.deepEqual(patches, { "200": 1, "409": 1 }, "B's PATCH, and A's refused one");
    assert.equal((await w.peek("main")).length, 0);
    assert.equal((await w.peek("dlq")).length, 0);
  });

  test("A is patched first, then B patches over it: B stays", async () => {
    w = await createWorld({ clock: virtualClock() });
    seed(w.sim, 1);
    await w.send([older()]);
    const aSummary = await w.job().run({}, 20_000);
    await w.send([newer()]);
    const bSummary = await w.job().run({}, 20_000);
    assert.equal(aSummary.applied, 1);
    assert.equal(bSummary.applied, 1);
    assert.equal(w.sim.getUser(userId(1))?.title, "B (newer)");
  });

  test("B claims and patches between A's read and A's claim: A's claim fails, no PATCH from A", async () => {
    w = await createWorld({ clock: virtualClock() });
    seed(w.sim, 1);
    await w.send([older()]);
    let bDone = false;
    // Right after A's bulk read (before its claim), B runs to the end.
    const afterRead: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!bDone && (init?.method ?? "GET") === "GET" && String(input).includes("/api/v2/users?")) {
        bDone = true;
        await w.send([newer()]);
        await w.job().run({}, 20_000);
      }
      return response;
    };
    const aSummary = await w.job({ fetch: afterRead }).run({}, 20_000);
    assert.equal(aSummary.skippedStale, 1);
    assert.equal(w.sim.getUser(userId(1))?.title, "B (newer)");
    assert.deepEqual(w.sim.stats().byRouteStatus.patchUser, { "200": 1 }, "only B's PATCH was sent");
  });
});
