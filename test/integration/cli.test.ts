/**
 * The CLI as an operator runs it: a child process with the configuration in its environment, against
 * the SQS emulator, DynamoDB Local and the Genesys simulator.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DEFAULT_CLIENT_ID } from "../../sim/genesys-simulator.ts";
import { change, cliEnv, createWorld, runCli, seed, userId, type World } from "./sync-world.ts";

const COMMAND_MODULES = ["run", "provision", "enqueue", "status", "dlq", "directory", "demo"];
const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("genesys-user-sync CLI", { concurrency: false }, () => {
  let w: World;
  let env: Record<string, string | undefined>;
  const dir = mkdtempSync(join(tmpdir(), "gus-cli-"));

  before(async () => {
    w = await createWorld();
    seed(w.sim, 15);
    env = cliEnv(w, { POWERTOOLS_LOG_LEVEL: "ERROR", POWERTOOLS_METRICS_DISABLED: "true" });
  });
  after(async () => {
    await w.close();
  });

  test("provision creates the resources the configuration names, and is safe to run twice", async () => {
    const names = {
      SYNC_QUEUE_URL: w.config.queueUrl.replace(/-changes$/, "-cli-changes"),
      SYNC_DLQ_URL: w.config.dlqUrl.replace(/-dlq$/, "-cli-dlq"),
      SYNC_STATE_TABLE: `${w.config.stateTable}-cli`,
    };
    for (let i = 0; i < 2; i++) {
      const out = await runCli(["provision"], { ...env, ...names });
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /-cli-changes/);
    }
  });

  test("enqueue validates an NDJSON file, reports rejects by line, sends the rest in batches of 10", async () => {
    const lines = Array.from({ length: 12 }, (_, i) => JSON.stringify(change(i + 1, { title: `CLI ${i}` })));
    lines.splice(
      3,
      0,
      '{"changeId":"bad","userId":"nope","changedAt":"2026-01-01T00:00:00Z","set":{"title":"x"}}',
    );
    lines.splice(7, 0, "not json");
    lines.splice(9, 0, "");
    const file = join(dir, "changes.ndjson");
    writeFileSync(file, `${lines.join("\n")}\n`);
    const out = await runCli(["enqueue", file], env);
    assert.equal(out.code, 1, "rejects make the exit code 1");
    assert.match(out.stdout, /sent: 12, rejected: 2/);
    assert.match(out.stderr, new RegExp(`${file}:4: rejected: userId`));
    assert.match(out.stderr, new RegExp(`${file}:8: rejected: body is not JSON`));
    assert.equal((await w.peek("main")).length, 12);
  });

  test("run applies them through the Lambda handler and prints the summary", async () => {
    const out = await runCli(["run", "--budget", "10"], env);
    assert.equal(out.code, 0, out.stderr);
    const summary = JSON.parse(out.stdout.slice(out.stdout.indexOf("{"))) as { applied: number };
    assert.equal(summary.applied, 12);
    assert.equal(w.sim.getUser(userId(12))?.title, "CLI 11");
  });

  test("enqueue takes a JSON array too; --dry-run sends nothing", async () => {
    const file = join(dir, "changes.json");
    writeFileSync(file, JSON.stringify([change(13, { title: "Array" }), { changeId: "x" }]));
    const out = await runCli(["enqueue", "--dry-run", file], env);
    assert.match(out.stdout, /valid: 1, rejected: 1/);
    assert.match(out.stderr, /:2: rejected:/);
    assert.equal((await w.peek("main")).length, 0);
  });

  test("status shows the limiter and the queues", async () => {
    const out = await runCli(["status", "--json"], env);
    assert.equal(out.code, 0, out.stderr);
    const status = JSON.parse(out.stdout) as {
      limiter: { configuredPerMinute: number; key: string };
      queue: { visible: number };
      dlq: { visible: number };
    };
    assert.equal(status.limiter.configuredPerMinute, 6000);
    assert.equal(status.limiter.key, DEFAULT_CLIENT_ID);
    assert.equal(status.queue.visible, 0);
    assert.equal(status.dlq.visible, 0);
    const human = await runCli(["status"], env);
    assert.match(human.stdout, /dead-letter queue: 0/);
  });

  test("--help lists every command with its own usage and summary", async () => {
    const out = await runCli(["--help"], env);
    assert.equal(out.code, 0, out.stderr);
    for (const command of await Promise.all(
      COMMAND_MODULES.map((m) => import(`../../bin/commands/${m}.ts`)),
    )) {
      const { usage, summary } = command as { usage: string; summary: string };
      assert.match(out.stdout, new RegExp(`^  ${literal(usage)} +${literal(summary)}$`, "m"));
    }
  });

  test("a bad configuration stops with a message naming the variable", async () => {
    const out = await runCli(["run"], {
      ...env,
      GENESYS_RATE_LIMIT_PER_MINUTE: "lots",
      SYNC_MAX_ATTEMPS: "3",
    });
    assert.equal(out.code, 1);
    assert.match(out.stderr, /SYNC_MAX_ATTEMPS: unknown variable/);
  });
});
