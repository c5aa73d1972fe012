/**
 * `events/`: the sample events for invoking the handler locally (see the README). Each must be what
 * the sync accepts, and together they must do what they show: the three change envelopes enqueued,
 * then the scheduled event given to the handler, apply all three changes.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { syntheticContext } from "../../bin/commands/lambda-context.ts";
import { type Envelope, parseUserChange } from "../../lib/contract/user-change.ts";
import { parseRunInput } from "../../lib/sync/run-input.ts";
import { virtualClock } from "../helpers/virtual-clock.ts";
import { createWorld, extensionOf, seed, userId, type World } from "./sync-world.ts";

const EVENTS_DIR = join(import.meta.dirname, "..", "..", "events");
const readEvent = (file: string): string => readFileSync(join(EVENTS_DIR, file), "utf8");

/** Each change event, the envelope it shows, and the user it changes. */
const CHANGE_EVENTS: readonly { file: string; envelope: Envelope; user: number }[] = [
  { file: "change-raw.json", envelope: "raw", user: 1 },
  { file: "change-eventbridge.json", envelope: "eventbridge", user: 2 },
  { file: "change-sns.json", envelope: "sns", user: 3 },
];
const SCHEDULED = "scheduled.json";

describe("events/: sample events for local invocation", () => {
  test("the folder holds the scheduled event and one change per envelope, nothing else", () => {
    assert.deepEqual(readdirSync(EVENTS_DIR).sort(), [SCHEDULED, ...CHANGE_EVENTS.map((e) => e.file)].sort());
  });

  for (const { file, envelope, user } of CHANGE_EVENTS) {
    test(`${file} is a valid change in the ${envelope} envelope`, () => {
      const parsed = parseUserChange(readEvent(file));
      assert.ok(parsed.ok, parsed.ok ? "" : parsed.reason);
      assert.equal(parsed.envelope, envelope);
      assert.equal(parsed.value.change.userId, userId(user));
    });
  }

  test(`${SCHEDULED} is the schedule's input, with a budget`, () => {
    assert.deepEqual(parseRunInput(JSON.parse(readEvent(SCHEDULED))), { budgetSeconds: 20 });
  });

  describe("end to end through createHandler", () => {
    let w: World;
    before(async () => {
      // The scheduled event's budget (20 s) is counted on a virtual clock: a busy machine's time is not.
      w = await createWorld({ clock: virtualClock() });
      seed(w.sim, 3);
    });
    after(async () => {
      await w.close();
    });

    test("the three changes enqueued, then the scheduled event: all applied, queues empty", async () => {
      await w.send(CHANGE_EVENTS.map((e) => readEvent(e.file)));
      const handler = w.handler();
      const summary = await handler(
        JSON.parse(readEvent(SCHEDULED)),
        syntheticContext("genesys-user-sync-events", Date.now() + 60_000),
      );
      assert.ok("received" in summary, "a sync pass's summary");
      assert.equal(summary.received, 3);
      assert.equal(summary.applied, 3);
      assert.equal(summary.deadLettered, 0);

      const raw = w.sim.getUser(userId(1));
      assert.equal(raw?.title, "Team Lead");
      assert.equal(extensionOf(w.sim, userId(1)), "4001");
      const bridged = w.sim.getUser(userId(2));
      assert.equal(bridged?.department, "Billing");
      assert.equal(bridged?.manager?.id, userId(1));
      const notified = w.sim.getUser(userId(3));
      assert.equal(notified?.title, "Senior Agent");
      assert.equal(extensionOf(w.sim, userId(3)), undefined, "extension null removes it");

      assert.equal((await w.peek("main")).length, 0);
      assert.equal((await w.peek("dlq")).length, 0);
    });
  });
});
