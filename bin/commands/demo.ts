import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { ReceiveMessageCommand, SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { createHandler } from "../../functions/sync.ts";
import { queueDepth } from "../../lib/aws/queue-depth.ts";
import { loadConfig } from "../../lib/config.ts";
import type { PassSummary } from "../../lib/sync/pass-summary.ts";
import { startLocalStack } from "../../local/local-stack.ts";
import { syntheticContext } from "./lambda-context.ts";

export const usage = "demo [--users N] [--rate PER_MINUTE]";
export const summary = "the whole sync on this machine: emulators, the Genesys simulator, sample changes";

/**
 * `npm start`: no AWS account, no Genesys org. Starts DynamoDB Local, the SQS emulator and the
 * Genesys simulator (seeded with users), provisions the queue, DLQ and table, enqueues a realistic
 * mix of changes, then runs sync passes through the Lambda handler on a schedule until the queue is
 * drained, with a live progress line and a final report.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      users: { type: "string", default: "200" },
      rate: { type: "string", default: "1200" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(`usage: genesys-user-sync ${usage}`);
    return 0;
  }
  const userCount = Math.max(4, Number(values.users));
  const rate = Math.max(60, Number(values.rate));
  const started = Date.now();
  log(
    `starting DynamoDB Local, the SQS emulator and the Genesys simulator (${userCount} users, ${rate} calls/min)…`,
  );
  const stack = await startLocalStack({
    simulator: { rateLimit: { perTokenLimit: rate, windowMs: 60_000 } },
  });
  const { sim, sqs, queueUrl, dlqUrl } = stack;
  try {
    const ids = Array.from({ length: userCount }, (_, i) => userIdFor(i + 1));
    sim.seedUsers(
      ids.map((id, i) => ({
        id,
        name: `Agent ${i + 1}`,
        email: `agent${i + 1}@example.com`,
        title: "Agent",
        department: "Support",
        extension: String(2000 + i),
      })),
    );
    // Powertools reads its settings from the environment only; the sync's come in as `config`.
    process.env.POWERTOOLS_LOG_LEVEL ??= "ERROR";
    process.env.POWERTOOLS_METRICS_DISABLED = "true";
    const handler = createHandler({
      config: loadConfig({
        ...stack.syncEnv,
        GENESYS_RATE_LIMIT_PER_MINUTE: String(rate),
        SYNC_SAFETY_MARGIN_MS: "2000",
      }),
      clients: { sqs, dynamodb: stack.dynamodb, readSecret: noSecret },
    });

    const bodies = sampleChanges(ids);
    for (let i = 0; i < bodies.length; i += 10) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: bodies.slice(i, i + 10).map((body, j) => ({ Id: String(j), MessageBody: body })),
        }),
      );
    }
    log(
      `enqueued ${bodies.length} changes (extensions, titles, a swap, duplicates, late arrivals, bad messages)`,
    );
    // One 429 early on, to show the pause and the re-queue.
    sim.setFaults({ failNext: [{ route: "patchUser", status: 429, retryAfterSeconds: 3 }] });

    const totals: PassSummary[] = [];
    const depth = async (): Promise<{ visible: number; delayed: number; dlq: number }> => {
      const [main, dead] = await Promise.all([queueDepth(sqs, queueUrl), queueDepth(sqs, dlqUrl)]);
      return { visible: main.visible, delayed: main.delayed, dlq: dead.visible };
    };
    const progress = setInterval(
      () => {
        void depth().then((d) => {
          const s = sim.stats();
          line(
            `pass ${totals.length + 1} · PATCHes ${s.byRoute.patchUser ?? 0} · Genesys calls ${s.total} (429: ${s.byStatus["429"] ?? 0}) · queue ${d.visible} (+${d.delayed} delayed) · DLQ ${d.dlq} · ${secondsSince(started)} s`,
          );
        });
      },
      process.stdout.isTTY ? 500 : 5_000,
    );
    try {
      for (let pass = 0; pass < 30; pass++) {
        const summary = (await handler(
          { budgetSeconds: 20 },
          syntheticContext("genesys-user-sync-demo", Date.now() + 25_000),
        )) as PassSummary;
        totals.push(summary);
        const d = await depth();
        if (d.visible + d.delayed === 0) break;
        await sleep(2_000); // the schedule (every minute in AWS; compressed here)
      }
    } finally {
      clearInterval(progress);
    }
    process.stdout.write("\n");
    report(totals, sim.stats(), await deadLetters(sqs, dlqUrl), started);
    return 0;
  } finally {
    await stack.close();
  }
}

function sampleChanges(ids: readonly string[]): string[] {
  const base = Date.parse("2026-11-28T09:00:00Z");
  const at = (minutes: number): string => new Date(base + minutes * 60_000).toISOString();
  const change = (
    id: string,
    set: Record<string, unknown>,
    minutes: number,
    changeId: string,
  ): Record<string, unknown> => ({
    changeId,
    userId: id,
    changedAt: at(minutes),
    set,
  });
  const out: string[] = [];
  // Every user gets a new extension (shifted by 5000) and half a new title; some via EventBridge or SNS.
  ids.forEach((id, i) => {
    const set: Record<string, unknown> = { extension: String(7000 + i) };
    if (i % 2 === 0) set.title = "Senior Agent";
    const body = change(id, set, 10, `hr-${i}`);
    if (i % 10 === 1)
      out.push(JSON.stringify({ version: "0", "detail-type": "UserChanged", source: "hr", detail: body }));
    else if (i % 10 === 2) out.push(JSON.stringify({ Type: "Notification", Message: JSON.stringify(body) }));
    else out.push(JSON.stringify(body));
  });
  // Duplicates (re-deliveries) and late arrivals (older changes that must not win).
  for (let i = 0; i < Math.min(10, ids.length); i++) {
    out.push(JSON.stringify(change(ids[i] as string, { extension: String(7000 + i) }, 10, `hr-${i}`)));
    out.push(JSON.stringify(change(ids[i] as string, { title: "Trainee" }, 5, `hr-old-${i}`)));
  }
  // Two users swap their new extensions a minute later.
  out.push(JSON.stringify(change(ids[0] as string, { extension: "7001" }, 11, "swap-a")));
  out.push(JSON.stringify(change(ids[1] as string, { extension: "7000" }, 11, "swap-b")));
  // What on-call will find in the DLQ: a user that does not exist, a bad manager, a typo, not JSON.
  out.push(JSON.stringify(change(userIdFor(999_999), { title: "Ghost" }, 10, "ghost")));
  out.push(JSON.stringify(change(ids[2] as string, { managerId: userIdFor(888_888) }, 10, "bad-manager")));
  out.push(
    JSON.stringify({ changeId: "typo", userId: ids[3], changedAt: at(10), set: { extenson: "1234" } }),
  );
  out.push("department=Sales");
  return out;
}

async function deadLetters(sqs: SQSClient, dlqUrl: string): Promise<Map<string, number>> {
  const codes = new Map<string, number>();
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 60,
        MessageAttributeNames: ["All"],
      }),
    );
    if (!out.Messages?.length) return codes;
    for (const m of out.Messages) {
      const code = m.MessageAttributes?.reasonCode?.StringValue ?? "sqs.redrive";
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
  }
}

function report(
  passes: readonly PassSummary[],
  stats: { total: number; byRoute: Record<string, number>; byStatus: Record<string, number> },
  dlq: ReadonlyMap<string, number>,
  started: number,
): void {
  const sum = (key: keyof Omit<PassSummary, "endedBy">): number => passes.reduce((n, p) => n + p[key], 0);
  const rows: [string, number | string][] = [
    ["passes", passes.length],
    ["messages received", sum("received")],
    ["applied", sum("applied")],
    ["skipped, already in effect", sum("skippedNoop")],
    ["skipped, stale (older than a recorded change)", sum("skippedStale")],
    ["re-queued (429, conflicts, waits)", sum("requeued")],
    ["dead-lettered", sum("deadLettered")],
    ["Genesys calls", stats.total],
    ["  PATCH", stats.byRoute.patchUser ?? 0],
    ["  bulk reads", stats.byRoute.getUsers ?? 0],
    ["  token", stats.byRoute.token ?? 0],
    ["  429 answers", stats.byStatus["429"] ?? 0],
    ["elapsed", `${secondsSince(started)} s`],
  ];
  console.log("\nlocal sync complete\n");
  for (const [k, v] of rows) console.log(`  ${k.padEnd(48)} ${v}`);
  console.log("\n  dead letters by reason (see `genesys-user-sync dlq list`):");
  for (const [code, n] of dlq) console.log(`    ${code.padEnd(46)} ${n}`);
}

/** The demo's credentials are inline (the simulator's client): no secret is ever read. */
const noSecret = async (): Promise<never> => {
  throw new Error("the demo reads no secret");
};

const userIdFor = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const secondsSince = (t: number): string => ((Date.now() - t) / 1000).toFixed(1);
const log = (text: string): void => console.log(text);
const line = (text: string): void => {
  if (process.stdout.isTTY)
    process.stdout.write(`\r${text.padEnd(process.stdout.columns - 1).slice(0, process.stdout.columns - 1)}`);
  else console.log(text);
};
