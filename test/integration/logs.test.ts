/**
 * The logs of a full run, through the CLI and the Lambda handler in a child process: structured,
 * correlated by changeId and userId, and free of secrets and tokens.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from "../../sim/genesys-simulator.ts";
import { change, cliEnv, createWorld, runCli, seed, userId, type World } from "./sync-world.ts";

describe("the logs of a full run", () => {
  let w: World;
  let out: string;
  before(async () => {
    w = await createWorld();
    seed(w.sim, 3);
    await w.send([change(1, { title: "Logged" }), change(99, { title: "Ghost" }), "{broken"]);
    const env = cliEnv(w, { POWERTOOLS_LOG_LEVEL: "DEBUG" });
    // The pass's budget is real time in a child process: the deployed 60 s, which a busy machine does
    // not spend on three changes (10 s could be).
    const result = await runCli(["run", "--budget", "60"], env);
    out = result.stdout + result.stderr;
    assert.equal(result.code, 0, out);
  });
  after(async () => {
    await w.close();
  });

  test("the run did its work", () => {
    assert.equal(w.sim.getUser(userId(1))?.title, "Logged");
  });

  test("no secret and no access token appears anywhere in the output", () => {
    const tokens = w.sim.issuedTokens();
    assert.ok(tokens.length >= 1);
    for (const token of tokens) assert.ok(!out.includes(token), "an access token was logged");
    assert.ok(!out.includes(DEFAULT_CLIENT_SECRET), "the client secret was logged");
    const basic = Buffer.from(`${DEFAULT_CLIENT_ID}:${DEFAULT_CLIENT_SECRET}`).toString("base64");
    assert.ok(!out.includes(basic), "the Basic credentials were logged");
    assert.doesNotMatch(out, /Bearer\s+\S{8,}/);
  });

  test("log lines are JSON, correlated by changeId and userId and the invocation", () => {
    const lines = out
      .split("\n")
      .filter((l) => l.startsWith('{"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const dead = lines.find((l) => l.message === "change dead-lettered" && l.userId === userId(99));
    assert.ok(dead, `no dead-letter log for the unknown user in:\n${out}`);
    assert.equal(dead.reasonCode, "genesys.user.not.found");
    assert.equal(typeof dead.changeId, "string");
    assert.ok(dead.function_request_id, "the invocation's request id is on every line");
    const done = lines.find((l) => l.message === "sync pass finished");
    assert.ok(done, "the summary is logged");
    assert.equal((done.summary as { applied: number }).applied, 1);
  });
});
