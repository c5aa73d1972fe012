import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SSMClient } from "@aws-sdk/client-ssm";
import { queueDepth } from "../../lib/aws/queue-depth.ts";
import { secretReader } from "../../lib/aws/secret-reader.ts";
import { loadConfig } from "../../lib/config.ts";
import { listDeadLetters } from "../../lib/dlq/dlq-operations.ts";
import { formatReasonCounts } from "../../lib/dlq/format.ts";
import { credentialsResolver } from "../../lib/genesys/credentials.ts";
import { resolveEffectiveLimits } from "../../lib/ratelimit/effective-limits.ts";
import { rateLimitKey } from "../../lib/ratelimit/limiter-item.ts";
import { DynamoOrgLimitsCache } from "../../lib/ratelimit/org-limits-cache.ts";
import { readLimiterStatus } from "../../lib/ratelimit/read-limiter-status.ts";
import { formatLimiterStatus } from "../../lib/ratelimit/status.ts";

export const usage = "status [--json]";
export const summary = "the shared rate limiter's state and the queue depths";

/** Dead letters scanned for the reason counts (the full list is `dlq list`'s). */
const STATUS_DLQ_SCAN = 200;

/** What each permission is needed for; a missing one shows in `sync run stopped` or the DLQ. */
const PERMISSIONS = [
  { permission: "directory:user:edit", for: "every update; without it every run stops" },
  {
    permission: "telephony:extension:assign",
    for: "extensions, in the users' divisions; without it extensions are dead-lettered as genesys.permission.missing",
  },
] as const;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    console.log(
      `usage: genesys-user-sync ${usage}\n\nEach limit and where it came from (setting, org, default), the tokens in use, the learned limit, pause, last 429, queue depths.`,
    );
    return 0;
  }
  const config = loadConfig();
  const dynamodb = new DynamoDBClient({});
  const sqs = new SQSClient({});
  const credentials = credentialsResolver(
    config.genesys.credentials,
    secretReader({ secretsManager: new SecretsManagerClient({}), ssm: new SSMClient({}) }),
  );
  const { clientId } = await credentials();
  // The limits as the sync resolves them, from the cached answer of the org (no Genesys call here).
  const org = await new DynamoOrgLimitsCache({ client: dynamodb, tableName: config.stateTable }).load(
    clientId,
  );
  const limits = resolveEffectiveLimits({
    settings: {
      perTokenPerMinute: config.genesys.rateLimitPerMinute,
      clientPerMinute: config.genesys.clientRateLimitPerMinute,
    },
    org: org?.answer,
    poolSize: config.genesys.tokenPoolSize,
  });
  const limiter = await readLimiterStatus({
    client: dynamodb,
    tableName: config.stateTable,
    key: rateLimitKey(clientId),
    limits: {
      perTokenPerMinute: limits.perToken.perMinute,
      clientPerMinute: limits.client.perMinute,
      poolSize: config.genesys.tokenPoolSize,
      windowMs: config.genesys.rateLimitWindowMs,
    },
    sources: { perToken: limits.perToken.source, client: limits.client.source },
  });
  const [queue, dlq] = await Promise.all([queueDepth(sqs, config.queueUrl), queueDepth(sqs, config.dlqUrl)]);
  // Why the dead letters are there, from a scan that consumes nothing (as `dlq list`).
  const dead =
    dlq.visible > 0
      ? (await listDeadLetters({ sqs, dlqUrl: config.dlqUrl }, { limit: STATUS_DLQ_SCAN, waitSeconds: 0 }))
          .rows
      : [];
  const permission = dead.filter((r) => r.reasonCode === "genesys.permission.missing");
  if (values.json) {
    const reasons = Object.fromEntries(
      [...new Set(dead.map((r) => r.reasonCode))].map((c) => [
        c,
        dead.filter((r) => r.reasonCode === c).length,
      ]),
    );
    console.log(
      JSON.stringify({ limiter, queue, dlq: { ...dlq, reasons }, permissions: PERMISSIONS }, null, 2),
    );
    return 0;
  }
  console.log(formatLimiterStatus(limiter));
  console.log(
    `queue: ${queue.visible} waiting, ${queue.inFlight} in flight, ${queue.delayed} delayed (re-queued)`,
  );
  console.log(
    `dead-letter queue: ${dlq.visible} message(s)${dlq.visible > 0 ? " — see `genesys-user-sync dlq list`" : ""}`,
  );
  if (dead.length > 0) console.log(formatReasonCounts(dead));
  console.log(
    `permissions the OAuth client needs: ${PERMISSIONS.map((p) => `${p.permission} (${p.for})`).join("; ")}`,
  );
  if (permission.length > 0) {
    console.log(
      `  ${permission.length} extension change(s) refused with 403, e.g. ${permission[0]?.reason}\n  after the grant: genesys-user-sync dlq replay --reason genesys.permission.missing`,
    );
  }
  return 0;
}
