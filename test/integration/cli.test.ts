/**
 * The CLI as an operator runs it: a child process with the configuration in its environment, against
 * the SQS emulator, DynamoDB Local and the Genesys simulator.
 */
import assert from "node:assert/strict";
import { mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { DEFAULT_CLIENT_ID } from "../../sim/genesys-simulator.ts";
import { change, cliEnv, createWorld, runCli, seed, userId, type World } from "./sync-world.ts";

const COMMAND_MODULES = ["run", "provision", "enqueue", "status", "dlq", "directory", "demo"];
const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("genesys-user-sync CLI", { concurrency: false }, () => {
  /**
   * Receives and deletes every message of the main queue; returns the changes they carried. Long polls:
   * under load the emulator's short poll can come back empty with messages still in the queue (it
   * collects them in a 10-ms loop), which once ended a drain at 800 of 997 and left 197 to the next test.
   */
  async function drain(): Promise<{ changeId: string; changedAt: string; set: object }[]> {
    const bodies: { changeId: string; changedAt: string; set: object }[] = [];
    for (;;) {
      const out = await w.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: w.config.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      if (!out.Messages?.length) return bodies;
      for (const m of out.Messages) bodies.push(JSON.parse(m.Body ?? "{}"));
      await w.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: w.config.queueUrl,
          Entries: out.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }

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
    // Real time in a child process: the deployed 60 s, which a busy machine does not spend on 12
    // changes (10 s could be).
    const out = await runCli(["run", "--budget", "60"], env);
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

  test("enqueue takes a CSV of 1,000 rows, rejects by line, and sends the same changeIds again", async () => {
    const records: string[] = ["userId,email,title,extension,acdAutoAnswer"];
    const expectedRejects: [number, RegExp][] = [];
    let line = 2; // the line the next record starts on
    for (let i = 1; i <= 1000; i++) {
      let record =
        i % 2 === 0 ? `${userId(i)},,"CSV ${i}, ok",${i},true` : `,u${i}@example.com,CSV ${i},,false`;
      if (i === 10) record = `${userId(i)},,"Two\nlines ${i}",,`; // spans 2 lines: later records shift
      if (i === 100) {
        record = `${userId(i)},u${i}@example.com,CSV ${i},,`;
        expectedRejects.push([line, /userId and email are both filled/]);
      }
      if (i === 501) {
        record = `,u${i}@example.com,CSV ${i},12a,`;
        expectedRejects.push([line, /extension: must be 1 to 16 digits/]);
      }
      if (i === 998) {
        record = `,,CSV ${i},,`;
        expectedRejects.push([line, /names nobody/]);
      }
      records.push(record);
      line += record.split("\n").length;
    }
    const file = join(dir, "people.csv");
    writeFileSync(file, `${records.join("\r\n")}\r\n`);
    const mtime = new Date("2026-02-03T04:05:06.000Z");
    utimesSync(file, mtime, mtime);

    const out = await runCli(["enqueue", file], env);
    assert.equal(out.code, 1, "rejects make the exit code 1");
    assert.match(out.stdout, /sent: 997, rejected: 3/);
    const rejected = out.stderr.split("\n").filter((l) => l.includes(": rejected: "));
    assert.equal(rejected.length, 3, out.stderr);
    expectedRejects.forEach(([at, reason], i) => {
      assert.ok(rejected[i]?.startsWith(`${file}:${at}: rejected: `), rejected[i]);
      assert.match(rejected[i] ?? "", reason);
    });
    assert.deepEqual(
      expectedRejects.map(([at]) => at),
      [102, 503, 1000],
      "the two-line record shifts every later line by one",
    );

    const first = await drain();
    assert.equal(first.length, 997);
    assert.ok(
      first.every((c) => c.changedAt === mtime.toISOString()),
      "changedAt defaults to the mtime",
    );
    const multiline = first.find((c) => (c.set as { title?: string }).title === "Two\nlines 10");
    assert.ok(multiline, "the quoted newline is kept in the title");

    const again = await runCli(["enqueue", file], env);
    assert.match(again.stdout, /sent: 997, rejected: 3/);
    const second = await drain();
    assert.equal(second.length, 997);
    const ids = (changes: { changeId: string }[]) => changes.map((c) => c.changeId).sort();
    assert.equal(new Set(ids(first)).size, 997, "one id per row");
    assert.deepEqual(ids(second), ids(first), "the same file enqueued again gives the same changeIds");
  });

  test("enqueue --changed-at dates CSV rows that have no changedAt; --format csv for any file name", async () => {
    const file = join(dir, "people.txt");
    writeFileSync(file, `email,title,changedAt\na@example.com,X,\nb@example.com,Y,2026-01-01T00:00:00Z\n`);
    const dry = await runCli(["enqueue", "--dry-run", "--format", "csv", file], env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /valid: 2, rejected: 0/);
    assert.equal((await drain()).length, 0, "--dry-run sends nothing");
    const bad = await runCli(["enqueue", "--format", "csv", "--changed-at", "yesterday", file], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--changed-at: must be an ISO-8601 timestamp/);
    const out = await runCli(
      ["enqueue", "--format", "csv", "--changed-at", "2026-03-04T05:06:07+01:00", file],
      env,
    );
    assert.equal(out.code, 0, out.stderr);
    const sent = await drain();
    assert.deepEqual(sent.map((c) => c.changedAt).sort(), [
      "2026-01-01T00:00:00Z",
      "2026-03-04T05:06:07+01:00",
    ]);
  });

  test("status shows the limiter and the queues", async () => {
    const out = await runCli(["status", "--json"], env);
    assert.equal(out.code, 0, out.stderr);
    const status = JSON.parse(out.stdout) as {
      limiter: {
        perTokenPerMinute: number;
        clientPerMinute: number;
        sources: { perToken: string; client: string };
        poolSize: number;
        key: string;
      };
      queue: { visible: number };
      dlq: { visible: number };
    };
    // The per-token limit is set; the client's total is not: the org's (the simulator answers 3000)
    // once a sync has read it, else pool x per token.
    assert.equal(status.limiter.perTokenPerMinute, 6000);
    assert.equal(status.limiter.sources.perToken, "setting");
    if (status.limiter.sources.client === "org") assert.equal(status.limiter.clientPerMinute, 3000);
    else {
      assert.equal(status.limiter.sources.client, "default");
      assert.equal(status.limiter.clientPerMinute, status.limiter.poolSize * 6000);
    }
    assert.equal(status.limiter.key, DEFAULT_CLIENT_ID);
    assert.equal(status.queue.visible, 0);
    assert.equal(status.dlq.visible, 0);
    const human = await runCli(["status"], env);
    assert.match(human.stdout, /dead-letter queue: 0/);
    assert.match(human.stdout, /per token: +6000\/min \(setting\)/);
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
