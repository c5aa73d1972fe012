/** The `dlq` command's argument handling that needs no AWS: refusals and usage. */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, mock, test } from "node:test";
import { queueName, run } from "../../../bin/commands/dlq.ts";

describe("dlq command", () => {
  let errors: string[];
  const saved = { dlq: process.env.SYNC_DLQ_URL, main: process.env.SYNC_QUEUE_URL };
  beforeEach(() => {
    errors = [];
    mock.method(console, "error", (...args: unknown[]) => errors.push(args.join(" ")));
    mock.method(console, "log", () => {});
    process.env.SYNC_DLQ_URL = "http://127.0.0.1:9/123456789012/x-dlq";
    process.env.SYNC_QUEUE_URL = "http://127.0.0.1:9/123456789012/x-changes";
  });
  afterEach(() => {
    mock.restoreAll();
    for (const [k, v] of [
      ["SYNC_DLQ_URL", saved.dlq],
      ["SYNC_QUEUE_URL", saved.main],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  test("replay with no filter and no --all is refused (exit 2) before touching SQS", async () => {
    assert.equal(await run(["replay"]), 2);
    assert.match(errors.join("\n"), /refusing to replay every dead letter/);
    assert.equal(await run(["replay", "--dry-run"]), 2);
    assert.equal(await run(["replay", "--reason", ""]), 2);
  });

  test("purge without a terminal and without --yes is refused", async () => {
    // Under the test runner stdin is not a TTY.
    assert.equal(await run(["purge"]), 2);
    assert.match(errors.join("\n"), /pass --yes/);
  });

  test("missing SYNC_DLQ_URL, bad --limit, unknown options and subcommands: exit 2", async () => {
    delete process.env.SYNC_DLQ_URL;
    assert.equal(await run(["list"]), 2);
    assert.match(errors.join("\n"), /SYNC_DLQ_URL: is required/);
    assert.equal(await run(["list", "--limit", "0"]), 2);
    assert.equal(await run(["list", "--frobnicate"]), 2);
    assert.equal(await run(["nope"]), 2);
    assert.equal(await run([]), 2);
    assert.equal(await run(["--help"]), 0);
  });

  test("queueName", () => {
    assert.equal(
      queueName("https://sqs.eu-west-1.amazonaws.com/123456789012/user-sync-dlq"),
      "user-sync-dlq",
    );
    assert.equal(queueName("http://127.0.0.1:4566/000000000000/q/"), "q");
  });
});
