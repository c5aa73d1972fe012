/**
 * The S3 adapter (`lib/aws/s3-objects.ts`) on the S3 emulator: an object is read as a stream as it
 * arrives, with its time; a missing key is a value; a report is written as JSON. Clients built from the
 * environment (`AWS_ENDPOINT_URL_S3` and the fake credentials, as in Lambda) reach the emulator too.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { text } from "node:stream/consumers";
import { after, before, describe, test } from "node:test";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type S3Objects, s3Objects } from "../../lib/aws/s3-objects.ts";
import { withLocalAwsEnv } from "../../local/aws-env.ts";
import type { S3Local } from "../../local/s3-local.ts";
import { createS3Client, startS3ForTest } from "../helpers/aws-emulators.ts";
import { runNode } from "./sync-world.ts";

const BUCKET = "hr-snapshots";
const SIGNAL = AbortSignal.timeout(60_000);

describe("s3Objects on the S3 emulator", { timeout: 60_000 }, () => {
  let emulator: S3Local;
  let s3: S3Client;
  let objects: S3Objects;

  before(async () => {
    emulator = await startS3ForTest([BUCKET]);
    s3 = createS3Client(emulator.endpoint);
    objects = s3Objects(s3);
  });
  after(async () => {
    s3.destroy();
    await emulator.stop();
  });

  test("a large object arrives in chunks, whole and in order, with its LastModified", async () => {
    // 50 000 rows, about 2.3 MB: far more than one chunk of the HTTP stream.
    const rows = Array.from({ length: 50_000 }, (_, i) => `user${i}@example.com,Title ${i}`);
    const csv = `email,title\n${rows.join("\n")}\n`;
    const before = Date.now();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "exports/big.csv", Body: csv }));

    const opened = await objects.open(BUCKET, "exports/big.csv", SIGNAL);
    assert.ok(opened);
    const chunks: Buffer[] = [];
    for await (const chunk of opened.body) chunks.push(chunk);
    assert.ok(chunks.length > 1, `streamed in ${chunks.length} chunk(s)`);
    assert.ok(Math.max(...chunks.map((c) => c.length)) < csv.length / 2, "no chunk is most of the file");
    assert.equal(Buffer.concat(chunks).toString("utf8"), csv);
    // S3 keeps whole seconds.
    const modified = opened.lastModified?.getTime() ?? 0;
    assert.ok(
      modified >= Math.floor(before / 1000) * 1000 && modified <= Date.now(),
      String(opened.lastModified),
    );
  });

  test("a key with spaces and pluses is read as named", async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: "exports/nightly export C++.csv", Body: "email\n" }),
    );
    const opened = await objects.open(BUCKET, "exports/nightly export C++.csv", SIGNAL);
    assert.equal(opened && (await text(opened.body)), "email\n");
  });

  test("no such key: undefined, not an error", async () => {
    assert.equal(await objects.open(BUCKET, "exports/missing.csv", SIGNAL), undefined);
  });

  test("putJson writes the value as JSON with its content type, replacing what was there", async () => {
    await objects.putJson(BUCKET, "exports/big.csv.report.json", { enqueued: 1 }, SIGNAL);
    await objects.putJson(
      BUCKET,
      "exports/big.csv.report.json",
      { enqueued: 2, counts: { changed: 2 } },
      SIGNAL,
    );
    const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "exports/big.csv.report.json" }));
    assert.equal(out.ContentType, "application/json");
    assert.deepEqual(JSON.parse((await out.Body?.transformToString()) ?? ""), {
      enqueued: 2,
      counts: { changed: 2 },
    });
  });

  test("a client built from the environment alone (AWS_ENDPOINT_URL_S3, fake credentials) reads it", async () => {
    const script = `
      import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
      const out = await new S3Client({}).send(new GetObjectCommand({ Bucket: "${BUCKET}", Key: "exports/nightly export C++.csv" }));
      process.stdout.write(await out.Body.transformToString());
    `;
    // A child process (async: the emulator answers from this one's event loop).
    const run = await runNode(["--input-type=module", "-e", script], {
      cwd: join(import.meta.dirname, "..", ".."),
      env: withLocalAwsEnv(process.env, { s3: emulator.endpoint }),
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "email\n");
  });
});
