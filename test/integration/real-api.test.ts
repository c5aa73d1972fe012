/**
 * The sync against the behaviours of the real Genesys Cloud API that our first simulator did not have
 * (../shared/genesys-api-facts.md, docs/genesys-api-notes.md): phone entries in all four shapes, the
 * extension permission, version mismatches answered as 400. On the emulators and the simulator.
 */
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import type { Message } from "@aws-sdk/client-sqs";
import { replayDeadLetters } from "../../lib/dlq/dlq-operations.ts";
import { readWorkPhone } from "../../lib/sync/work-phone.ts";
import type { Contact, PhoneRendering } from "../../sim/genesys-simulator.ts";
import { virtualClock } from "../helpers/virtual-clock.ts";
import { change, cliEnv, createWorld, runCli, seed, userId, type World } from "./sync-world.ts";

const RUN_MS = 30_000;
const NUMBER = "+35312345678";
const MOBILE: Contact = { mediaType: "PHONE", type: "MOBILE", address: "+353871234567" };
const attr = (m: Message, name: string): string | undefined => m.MessageAttributes?.[name]?.StringValue;

describe("the sync against the real API's behaviours", { concurrency: true }, () => {
  // Side by side, each on a virtual clock: a pass's budget is not spent by a busy machine's time.
  const fresh = async (t: TestContext, rendering?: Partial<PhoneRendering>): Promise<World> => {
    const w = await createWorld({
      clock: virtualClock(),
      ...(rendering ? { simulator: { directory: { phoneRendering: rendering } } } : {}),
    });
    t.after(() => w.close());
    return w;
  };
  const workPhone = (w: World, n: number) => readWorkPhone(w.sim.getUser(userId(n))?.addresses);
  const seedOne = (w: World, n: number, work: Contact) =>
    w.sim.seedUsers([
      { id: userId(n), name: `User ${n}`, email: `user${n}@example.com`, addresses: [work, MOBILE] },
    ]);

  for (const numberWithExtension of ["display", "address"] as const) {
    test(`a number plus an extension (rendered with ${numberWithExtension}) keeps its number through a change of the extension, of another field, and its removal`, async (t) => {
      const w = await fresh(t, { numberWithExtension });
      const shape =
        numberWithExtension === "display"
          ? { extension: "1001", display: NUMBER }
          : { address: NUMBER, extension: "1001", display: NUMBER };
      seedOne(w, 1, { mediaType: "PHONE", type: "WORK", ...shape });
      const job = w.job();
      const steps: [Record<string, unknown>, string | null][] = [
        [{ extension: "2002" }, "2002"],
        [{ title: "Lead" }, "2002"],
        [{ extension: null }, null],
        [{ extension: "3003" }, "3003"],
      ];
      for (const [set, extension] of steps) {
        await w.send([change(1, set)]);
        const summary = await job.run({}, RUN_MS);
        assert.equal(summary.applied, 1, JSON.stringify(set));
        const phone = workPhone(w, 1);
        assert.equal(phone.extension, extension, JSON.stringify(set));
        assert.equal(phone.number, NUMBER, `the number is kept after ${JSON.stringify(set)}`);
        assert.deepEqual(
          w.sim.getUser(userId(1))?.addresses.find((c) => c.type === "MOBILE")?.address,
          MOBILE.address,
        );
      }
      assert.equal(w.sim.getUser(userId(1))?.title, "Lead");
      assert.equal((await w.peek("dlq")).length, 0);
    });
  }

  test("an extension is added beside a WORK number that had none", async (t) => {
    const w = await fresh(t);
    seedOne(w, 1, { mediaType: "PHONE", type: "WORK", address: NUMBER });
    await w.send([change(1, { extension: "4004" })]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.applied, 1);
    assert.deepEqual(workPhone(w, 1), { index: 0, extension: "4004", number: NUMBER });
    assert.equal((await w.peek("dlq")).length, 0, "no refusal: number and extension share the entry");
  });

  test("a display-only extension (not yet in a pool) is removed, not skipped as already absent", async (t) => {
    const w = await fresh(t, { extensionOnly: "unpooled" });
    seedOne(w, 1, { mediaType: "PHONE", type: "WORK", display: "1001" });
    assert.equal(workPhone(w, 1).extension, "1001");
    await w.send([change(1, { extension: null })]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.applied, 1);
    assert.equal(summary.skippedNoop, 0);
    assert.deepEqual(workPhone(w, 1), { index: -1, extension: null, number: null });
    assert.deepEqual(w.sim.getUser(userId(1))?.addresses, [{ ...MOBILE, display: MOBILE.address }]);
  });

  for (const permissionErrors of ["named", "generic"] as const) {
    test(`a 403 on an extension (${permissionErrors} answer): the user's other fields are applied, the extension is dead-lettered naming telephony:extension:assign, others go on; a replay after the grant applies it`, async (t) => {
      const w = await fresh(t);
      w.sim.configureDirectory({ permissionErrors });
      seed(w.sim, 10);
      w.sim.addClient({ clientId: "hr", clientSecret: "s", permissions: ["directory:user:edit"] });
      const job = w.job({ clientId: "hr", clientSecret: "s" });
      await w.send([
        change(1, { extension: "5001", title: "Lead" }, new Date(), "c-1"),
        change(2, { extension: "5002" }, new Date(), "c-2"),
        ...Array.from({ length: 8 }, (_, i) => change(i + 3, { department: "Sales" })),
      ]);
      const summary = await job.run({}, RUN_MS);
      assert.equal(summary.applied, 8, "the eight department changes go on");
      assert.equal(summary.deadLettered, 2);
      assert.equal(w.sim.getUser(userId(1))?.title, "Lead", "the other field of the same change");
      assert.equal(workPhone(w, 1).extension, "1001", "the extension is untouched");
      for (let n = 3; n <= 10; n++) assert.equal(w.sim.getUser(userId(n))?.department, "Sales");
      const dead = await w.peek("dlq");
      assert.equal(dead.length, 2);
      for (const m of dead) {
        assert.equal(attr(m, "reasonCode"), "genesys.permission.missing");
        assert.match(attr(m, "reason") ?? "", /telephony:extension:assign/);
        assert.match(attr(m, "reason") ?? "", /division "Home"/);
        assert.match(attr(m, "reason") ?? "", new RegExp(JSON.parse(m.Body ?? "{}").userId));
        assert.equal(attr(m, "lastStatus"), "403");
      }
      assert.equal((await w.peek("main")).length, 0);
      const status = await runCli(
        ["status"],
        cliEnv(w, { GENESYS_CLIENT_ID: "hr", GENESYS_CLIENT_SECRET: "s" }),
      );
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /genesys\.permission\.missing: 2/);
      assert.match(status.stdout, /2 extension change\(s\) refused with 403.*telephony:extension:assign/);
      assert.match(status.stdout, /dlq replay --reason genesys\.permission\.missing/);

      // The fix: the role gets the permission. Replay, then a pass applies the extensions.
      w.sim.addClient({
        clientId: "hr",
        clientSecret: "s",
        permissions: ["directory:user:edit", "telephony:extension:assign"],
      });
      const target = { sqs: w.sqs, dlqUrl: w.config.dlqUrl, queueUrl: w.config.queueUrl };
      const replayed = await replayDeadLetters(target, {
        filter: { reason: "genesys.permission.missing" },
      });
      assert.deepEqual(replayed.moved.map((r) => r.changeId).sort(), ["c-1", "c-2"]);
      const after = await job.run({}, RUN_MS);
      assert.equal(after.applied, 2);
      assert.equal(workPhone(w, 1).extension, "5001");
      assert.equal(workPhone(w, 2).extension, "5002");
      assert.equal(w.sim.getUser(userId(1))?.title, "Lead");
      assert.equal((await w.peek("dlq")).length, 0);
    });
  }

  test("a 403 that no PATCH gets past (no directory:user:edit) still stops the run, naming that permission", async (t) => {
    const w = await fresh(t);
    seed(w.sim, 4);
    await w.send([change(1, { extension: "5001", title: "Lead" }), change(2, { title: "Lead" })]);
    await assert.rejects(
      w.job({ clientId: "viewer", permissions: ["telephony:extension:assign"] }).run({}, RUN_MS),
      (error: Error) => {
        assert.match(error.message, /directory:user:edit/);
        return true;
      },
    );
    assert.equal((await w.peek("main")).length, 2, "released, nothing lost");
    assert.equal((await w.peek("dlq")).length, 0);
  });

  test("a version mismatch answered as 400 is retried like a 409, to success", async (t) => {
    const w = await fresh(t);
    w.sim.configureDirectory({ versionConflictStatus: 400 });
    seed(w.sim, 2);
    // Someone else edits user 1 between our bulk read and our PATCH.
    const sneaky: typeof fetch = async (input, init) => {
      if (init?.method === "PATCH" && String(input).endsWith(userId(1)) && !edited) {
        edited = true;
        const user = w.sim.getUser(userId(1));
        assert.ok(user);
        w.sim.seedUsers([
          {
            id: userId(1),
            name: "User 1",
            email: "user1@example.com",
            extension: "1001",
            title: "Agent",
            version: user.version + 1,
          },
        ]);
      }
      return fetch(input, init);
    };
    let edited = false;
    await w.send([change(1, { department: "Sales" })]);
    const summary = await w.job({ fetch: sneaky }).run({}, RUN_MS);
    assert.equal(edited, true);
    assert.equal(summary.applied, 1);
    assert.equal(w.sim.getUser(userId(1))?.department, "Sales");
    assert.equal(w.sim.stats().byRouteStatus.patchUser?.["400"], 1, "one mismatch, answered as 400");
    assert.equal((await w.peek("dlq")).length, 0);
  });
});
