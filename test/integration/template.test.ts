import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type PlottedMetric, templateDashboard } from "../../lib/infra/dashboard-body.ts";
import {
  RECONCILE_FUNCTION,
  RECONCILE_LOGICAL_IDS,
  ReconcileSettingsError,
  reconcileEnvironment,
  reconcileEventPattern,
  reconcileIamStatements,
  reconcileResources,
} from "../../lib/infra/reconcile-resources.ts";
import {
  credentialsAccessStatement,
  DEAD_LETTER_QUEUE,
  FUNCTION_TIMEOUT_SECONDS,
  LOGICAL_IDS,
  QUEUE,
  SCHEDULE_BUDGET_SECONDS,
} from "../../lib/infra/resources.ts";
import { ReconcileOptionsError } from "../../lib/reconcile/reconcile-options.ts";
import { METRICS_NAMESPACE, PASS_METRICS, SERVICE_NAME } from "../../lib/sync/pass-metrics.ts";
import { withLocalAwsEnv } from "../../local/aws-env.ts";
import { DASHBOARD_CAPTION, dashboardSvg } from "../../scripts/render-dashboard.ts";

/**
 * `npm run package` (build + `osls package`) offline, with fake credentials, into a temp dir; then
 * checks the CloudFormation template it produced. Packaging makes no AWS call.
 */

const root = join(import.meta.dirname, "..", "..");

// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON
type Template = { Resources: Record<string, { Type: string; Properties: any }>; Conditions?: unknown };

const TOPIC = "arn:aws:sns:eu-west-1:111122223333:oncall";
/** Reconcile settings given as params (the others are left at their defaults). */
const KEEP = "svc-ivr@example.com,integration@example.com";
const MAX_DEACTIVATE = "50";

/**
 * The metrics SQS publishes for a queue (AWS's list, "Available CloudWatch metrics for Amazon SQS"):
 * the dashboard may plot these of the stack's own queues besides the function's.
 */
const SQS_METRICS = new Set([
  "ApproximateAgeOfOldestMessage",
  "ApproximateNumberOfGroupsWithInflightMessages",
  "ApproximateNumberOfMessagesDelayed",
  "ApproximateNumberOfMessagesNotVisible",
  "ApproximateNumberOfMessagesVisible",
  "NumberOfDeduplicatedSentMessages",
  "NumberOfEmptyReceives",
  "NumberOfMessagesDeleted",
  "NumberOfMessagesReceived",
  "NumberOfMessagesSent",
  "SentMessageSize",
]);

describe("serverless.yml packaged by osls", { timeout: 120_000 }, () => {
  let outDir: string;
  let template: Template;
  let zipEntries: string[];

  before(() => {
    outDir = mkdtempSync(join(tmpdir(), "genesys-user-sync-package-"));
    const run = spawnSync(
      "npm",
      [
        "run",
        "--silent",
        "package",
        "--",
        "--package",
        outDir,
        "--param=genesysRegion=mypurecloud.ie",
        `--param=alarmTopicArn=${TOPIC}`,
        `--param=reconcileKeep=${KEEP}`,
        `--param=reconcileMaxDeactivate=${MAX_DEACTIVATE}`,
      ],
      {
        cwd: root,
        encoding: "utf8",
        env: { ...withLocalAwsEnv(process.env), SLS_TELEMETRY_DISABLED: "1", SLS_NOTIFICATIONS_MODE: "off" },
        timeout: 110_000,
      },
    );
    assert.equal(run.status, 0, `npm run package failed:\n${run.stdout}\n${run.stderr}`);
    template = JSON.parse(readFileSync(join(outDir, "cloudformation-template-update-stack.json"), "utf8"));
    zipEntries = zipEntryNames(readFileSync(join(outDir, "genesys-user-sync.zip")));
  });

  after(() => rmSync(outDir, { recursive: true, force: true }));

  const resource = (id: string) => {
    const r = template.Resources[id];
    assert.ok(r, `resource ${id} missing; have ${Object.keys(template.Resources).join(", ")}`);
    return r;
  };
  const ofType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
  const syncFunction = () => resource("SyncLambdaFunction").Properties;
  const reconcileFunction = () => resource("ReconcileLambdaFunction").Properties;
  /** The permission statements (the trust policy has none) of a role, by logical id. */
  const roleStatements = (roleId: string) =>
    allPolicyStatements({ Resources: { [roleId]: resource(roleId) } }).filter(
      (s) => s.Resource !== undefined,
    );
  /** The actions a role's statements grant on resources whose JSON contains `target`'s. */
  const grants = (roleId: string, target: unknown) =>
    roleStatements(roleId)
      .filter((s) => JSON.stringify(s.Resource).includes(JSON.stringify(target).replace(/^"|"$/g, "")))
      .flatMap((s) => [s.Action].flat())
      .sort();
  /** An S3 ARN of the created bucket, as the template joins it, with `path` after the bucket's name. */
  const bucketArn = (path?: string) => ({
    "Fn::Join": [
      "",
      [
        "arn:",
        { Ref: "AWS::Partition" },
        ":s3:::",
        { Ref: RECONCILE_LOGICAL_IDS.bucket },
        ...(path ? [path] : []),
      ],
    ],
  });

  it("runs the bundle on nodejs24.x, arm64, with the shared timeout", () => {
    const fn = syncFunction();
    assert.equal(fn.Runtime, "nodejs24.x");
    assert.deepEqual(fn.Architectures, ["arm64"]);
    assert.equal(fn.Handler, "dist/sync.handler");
    assert.equal(fn.Timeout, FUNCTION_TIMEOUT_SECONDS);
  });

  it("ships only the two bundles and their source maps", () => {
    assert.deepEqual(zipEntries.sort(), [
      "dist/reconcile.mjs",
      "dist/reconcile.mjs.map",
      "dist/sync.mjs",
      "dist/sync.mjs.map",
    ]);
  });

  it("is triggered every minute with budgetSeconds, and daily to refresh the directory index", () => {
    const rules = ofType("AWS::Events::Rule")
      .map(([, r]) => r.Properties)
      .filter((r) => r.ScheduleExpression !== undefined);
    assert.equal(rules.length, 2);
    const minute = rules.find((r) => r.ScheduleExpression === "rate(1 minute)");
    const daily = rules.find((r) => r.ScheduleExpression === "rate(1 day)");
    for (const rule of [minute, daily]) {
      assert.equal(rule?.State, "ENABLED");
      assert.equal(rule?.Targets.length, 1);
      assert.deepEqual(rule?.Targets[0].Arn, { "Fn::GetAtt": ["SyncLambdaFunction", "Arn"] });
    }
    assert.deepEqual(JSON.parse(minute?.Targets[0].Input), { budgetSeconds: SCHEDULE_BUDGET_SECONDS });
    assert.deepEqual(JSON.parse(daily?.Targets[0].Input), { task: "directory-refresh" });
    assert.ok(SCHEDULE_BUDGET_SECONDS < FUNCTION_TIMEOUT_SECONDS);
    const permissions = ofType("AWS::Lambda::Permission").map(([, p]) => p.Properties);
    assert.equal(
      permissions.filter((p) => p.FunctionName["Fn::GetAtt"]?.[0] === "SyncLambdaFunction").length,
      2,
    );
  });

  it("redrives the queue to the DLQ, which keeps messages longer", () => {
    const queue = resource(LOGICAL_IDS.queue);
    const dlq = resource(LOGICAL_IDS.deadLetterQueue);
    assert.equal(queue.Type, "AWS::SQS::Queue");
    assert.equal(dlq.Type, "AWS::SQS::Queue");
    assert.deepEqual(queue.Properties.RedrivePolicy, {
      deadLetterTargetArn: { "Fn::GetAtt": [LOGICAL_IDS.deadLetterQueue, "Arn"] },
      maxReceiveCount: QUEUE.maxReceiveCount,
    });
    assert.equal(dlq.Properties.MessageRetentionPeriod, 1209600);
    assert.equal(dlq.Properties.MessageRetentionPeriod, DEAD_LETTER_QUEUE.messageRetentionSeconds);
    assert.equal(queue.Properties.MessageRetentionPeriod, 345600);
    assert.ok(dlq.Properties.MessageRetentionPeriod > queue.Properties.MessageRetentionPeriod);
    assert.ok(
      queue.Properties.VisibilityTimeout > syncFunction().Timeout,
      "visibility timeout > function timeout",
    );
  });

  it("has an on-demand state table keyed by pk with TTL on expiresAt", () => {
    const table = resource(LOGICAL_IDS.stateTable);
    assert.equal(table.Type, "AWS::DynamoDB::Table");
    assert.equal(table.Properties.BillingMode, "PAY_PER_REQUEST");
    assert.deepEqual(table.Properties.KeySchema, [{ AttributeName: "pk", KeyType: "HASH" }]);
    assert.deepEqual(table.Properties.AttributeDefinitions, [{ AttributeName: "pk", AttributeType: "S" }]);
    assert.deepEqual(table.Properties.TimeToLiveSpecification, { AttributeName: "expiresAt", Enabled: true });
  });

  it("passes the resources and the settings in the environment", () => {
    const env = syncFunction().Environment.Variables;
    assert.deepEqual(env.SYNC_QUEUE_URL, { Ref: LOGICAL_IDS.queue });
    assert.deepEqual(env.SYNC_DLQ_URL, { Ref: LOGICAL_IDS.deadLetterQueue });
    assert.deepEqual(env.SYNC_STATE_TABLE, { Ref: LOGICAL_IDS.stateTable });
    assert.equal(env.GENESYS_REGION, "mypurecloud.ie", "--param overrides the default");
    assert.equal(env.GENESYS_CREDENTIALS_SECRET, "genesys-user-sync/dev/genesys-credentials");
    assert.match(env.GENESYS_RATE_LIMIT_PER_MINUTE, /^[1-9][0-9]*$/);
    assert.match(env.SYNC_MAX_ATTEMPTS, /^[1-9][0-9]*$/);
  });

  it("has the runbook's four alarms, notifying the topic given", () => {
    const alarms = new Map(ofType("AWS::CloudWatch::Alarm"));
    assert.deepEqual([...alarms.keys()].sort(), [
      "DeadLetterQueueNotEmptyAlarm",
      "OldestChangeTooOldAlarm",
      "SustainedRateLimitAlarm",
      "SyncErrorsAlarm",
    ]);
    for (const [id, alarm] of alarms) {
      assert.deepEqual(alarm.Properties.AlarmActions, [TOPIC], `${id} notifies the topic`);
      assert.match(String(alarm.Properties.AlarmDescription), /Runbook/);
    }
    const dlq = alarms.get("DeadLetterQueueNotEmptyAlarm")?.Properties;
    assert.deepEqual(dlq.Dimensions, [
      { Name: "QueueName", Value: { "Fn::GetAtt": ["SyncDeadLetterQueue", "QueueName"] } },
    ]);
    assert.equal(dlq.Threshold, 0);
    const lag = alarms.get("OldestChangeTooOldAlarm")?.Properties;
    assert.equal(lag.MetricName, "ApproximateAgeOfOldestMessage");
    const errors = alarms.get("SyncErrorsAlarm")?.Properties;
    assert.deepEqual(errors.Dimensions, [{ Name: "FunctionName", Value: { Ref: "SyncLambdaFunction" } }]);
    const throttled = alarms.get("SustainedRateLimitAlarm")?.Properties;
    assert.equal(throttled.Namespace, "GenesysUserSync");
    assert.equal(throttled.MetricName, "RateLimited");
  });

  it("has one dashboard whose every metric is one the function publishes or an SQS metric of our queues", () => {
    const widgets = templateDashboard(template);
    const queues = new Set(ofType("AWS::SQS::Queue").map(([id]) => `\${${id}.QueueName}`));
    const plotted: PlottedMetric[] = widgets.flatMap((w) => w.metrics);
    assert.ok(plotted.length > 0);
    for (const w of widgets) {
      assert.equal(w.type, "metric", w.title);
      assert.equal(w.region, `\${AWS::Region}`, `${w.title}: the stack's own region`);
      assert.ok(w.metrics.length > 0, w.title);
    }
    for (const m of plotted) {
      const where = `${m.namespace} ${m.name} ${JSON.stringify(m.dimensions)}`;
      if (m.namespace === METRICS_NAMESPACE) {
        // What the function publishes (passMetrics emits every name of PASS_METRICS: the unit test of
        // pass-metrics and the bundle's EMF check that), under its one dimension.
        assert.ok(Object.hasOwn(PASS_METRICS, m.name), `${where}: not a metric the function publishes`);
        assert.deepEqual(m.dimensions, { service: SERVICE_NAME }, where);
      } else {
        assert.equal(m.namespace, "AWS/SQS", `${where}: neither ours nor SQS's`);
        assert.ok(SQS_METRICS.has(m.name), `${where}: not an SQS metric`);
        assert.deepEqual(Object.keys(m.dimensions), ["QueueName"], where);
        assert.ok(queues.has(String(m.dimensions.QueueName)), `${where}: not a queue of the template`);
      }
      assert.ok(m.stat !== undefined && m.label !== undefined, `${where}: a statistic and a label`);
    }
    // What an operator looks at (issue 15): outcomes per minute, 429s, budget wait, the queue, the DLQ,
    // the pool and the learned limit.
    const shown = new Set(
      plotted.map((m) => [m.name, m.dimensions.QueueName].filter((part) => part !== undefined).join(" ")),
    );
    for (const wanted of [
      "Applied",
      "SkippedNoop",
      "SkippedStale",
      "Requeued",
      "DeadLettered",
      "RateLimited",
      "BudgetWait",
      `ApproximateNumberOfMessagesVisible \${${LOGICAL_IDS.queue}.QueueName}`,
      `ApproximateAgeOfOldestMessage \${${LOGICAL_IDS.queue}.QueueName}`,
      `ApproximateNumberOfMessagesVisible \${${LOGICAL_IDS.deadLetterQueue}.QueueName}`,
      "TokensInPool",
      "LearnedLimit",
    ]) {
      assert.ok(shown.has(wanted), `the dashboard shows ${wanted}; it shows ${[...shown].join(", ")}`);
    }
  });

  it("lays the dashboard's widgets out on the 24-column grid without overlap", () => {
    const widgets = templateDashboard(template);
    const cells = new Map<string, string>();
    for (const w of widgets) {
      assert.ok(w.x + w.width <= 24, `${w.title} ends past the grid`);
      for (let x = w.x; x < w.x + w.width; x++) {
        for (let y = w.y; y < w.y + w.height; y++) {
          const other = cells.get(`${x},${y}`);
          assert.equal(other, undefined, `${w.title} overlaps ${other}`);
          cells.set(`${x},${y}`, w.title);
        }
      }
    }
  });

  it("is the dashboard the README shows: docs/dashboard.svg drawn from this template", () => {
    const committed = readFileSync(join(root, "docs", "dashboard.svg"), "utf8");
    const drawn = dashboardSvg(templateDashboard(template), DASHBOARD_CAPTION);
    assert.ok(
      committed === drawn,
      "docs/dashboard.svg is out of date: run `npm run dashboard` and commit it",
    );
  });

  it("holds no plain-text secret: credentials come from a secret named in the environment", () => {
    const env = syncFunction().Environment.Variables as Record<string, unknown>;
    assert.equal(env.GENESYS_CLIENT_ID, undefined);
    assert.equal(env.GENESYS_CLIENT_SECRET, undefined);
    assert.equal(env.GENESYS_CREDENTIALS_SECRET, "genesys-user-sync/dev/genesys-credentials");
    assert.doesNotMatch(JSON.stringify(template), /clientSecret|client_secret|local-secret/i);
  });

  it("grants no wildcard action or resource in any IAM statement, but the objects under the prefix", () => {
    const statements = allPolicyStatements(template);
    assert.ok(statements.length >= 5);
    // The one wildcard: the reconcile's snapshots and reports are the objects under the prefix.
    const objectsUnderPrefix: Record<string, string> = {
      "s3:GetObject": "/snapshots/*",
      "s3:PutObject": "/snapshots/*.report.json",
    };
    for (const statement of statements) {
      if (statement.Effect === "Deny") continue; // a restriction (e.g. the buckets' TLS-only rule)
      const allowed =
        [statement.Action].flat().length === 1 ? objectsUnderPrefix[statement.Action[0]] : undefined;
      for (const key of ["Action", "NotAction", "Resource", "NotResource", "Principal"]) {
        for (const s of stringsIn(statement[key])) {
          if (key === "Resource" && s === allowed) continue;
          assert.ok(!s.includes("*"), `"${s}" in ${key} of ${JSON.stringify(statement)}`);
        }
      }
      assert.ok(!("NotAction" in statement) && !("NotResource" in statement), JSON.stringify(statement));
    }
  });

  it("gives the sync exactly the access it needs", () => {
    const roles = ofType("AWS::IAM::Role").map(([id]) => id);
    assert.deepEqual(roles.sort(), ["ReconcileFunctionRole", "SyncFunctionRole"], "one role per function");
    assert.deepEqual(syncFunction().Role, { "Fn::GetAtt": ["SyncFunctionRole", "Arn"] });
    const sync = (target: unknown) => grants("SyncFunctionRole", target);
    assert.deepEqual(sync({ "Fn::GetAtt": [LOGICAL_IDS.queue, "Arn"] }), [
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:ReceiveMessage",
      "sqs:SendMessage",
    ]);
    assert.deepEqual(sync({ "Fn::GetAtt": [LOGICAL_IDS.deadLetterQueue, "Arn"] }), [
      "sqs:GetQueueAttributes",
      "sqs:SendMessage",
    ]);
    assert.deepEqual(sync({ "Fn::GetAtt": [LOGICAL_IDS.stateTable, "Arn"] }), STATE_TABLE_ACTIONS);
    assert.deepEqual(sync({ "Fn::GetAtt": ["SyncLogGroup", "Arn"] }), [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
    ]);
    assert.deepEqual(sync("secret:genesys-user-sync/dev/genesys-credentials-??????"), [
      "secretsmanager:GetSecretValue",
    ]);
    assert.equal(
      roleStatements("SyncFunctionRole").length,
      5,
      JSON.stringify(roleStatements("SyncFunctionRole")),
    );
  });

  describe("the S3-triggered reconcile", () => {
    it("runs its own bundle on nodejs24.x, arm64, with its role, timeout and memory", () => {
      const fn = reconcileFunction();
      assert.equal(fn.Handler, "dist/reconcile.handler");
      assert.equal(fn.Runtime, "nodejs24.x");
      assert.deepEqual(fn.Architectures, ["arm64"]);
      assert.equal(fn.Timeout, RECONCILE_FUNCTION.timeoutSeconds);
      assert.equal(fn.MemorySize, RECONCILE_FUNCTION.memorySize);
      assert.deepEqual(fn.Role, { "Fn::GetAtt": ["ReconcileFunctionRole", "Arn"] });
    });

    it("has the sync's settings, where snapshots land, and only the RECONCILE_* options given", () => {
      const env = reconcileFunction().Environment.Variables;
      assert.deepEqual(env.SYNC_QUEUE_URL, { Ref: LOGICAL_IDS.queue });
      assert.deepEqual(env.SYNC_STATE_TABLE, { Ref: LOGICAL_IDS.stateTable });
      assert.equal(env.GENESYS_CREDENTIALS_SECRET, "genesys-user-sync/dev/genesys-credentials");
      assert.deepEqual(env.RECONCILE_BUCKET, { Ref: RECONCILE_LOGICAL_IDS.bucket });
      assert.equal(env.RECONCILE_PREFIX, "snapshots/");
      const options = Object.fromEntries(
        Object.entries(env).filter(([name]) => /^RECONCILE_/.test(name) && !/_(BUCKET|PREFIX)$/.test(name)),
      );
      assert.deepEqual(options, { RECONCILE_KEEP: KEEP, RECONCILE_MAX_DEACTIVATE: MAX_DEACTIVATE });
      assert.equal(syncFunction().Environment.Variables.RECONCILE_BUCKET, undefined, "the sync has none");
    });

    it("creates a private, encrypted, HTTPS-only bucket that sends its events to EventBridge", () => {
      const bucket = resource(RECONCILE_LOGICAL_IDS.bucket);
      assert.equal(bucket.Type, "AWS::S3::Bucket");
      assert.deepEqual(bucket.Properties.NotificationConfiguration, {
        EventBridgeConfiguration: { EventBridgeEnabled: true },
      });
      assert.deepEqual(bucket.Properties.PublicAccessBlockConfiguration, {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      assert.equal(
        bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault
          .SSEAlgorithm,
        "AES256",
      );
      const policy = resource(RECONCILE_LOGICAL_IDS.bucketPolicy).Properties;
      assert.deepEqual(policy.Bucket, { Ref: RECONCILE_LOGICAL_IDS.bucket });
      assert.deepEqual(policy.PolicyDocument.Statement[0].Condition, {
        Bool: { "aws:SecureTransport": false },
      });
      assert.equal(policy.PolicyDocument.Statement[0].Effect, "Deny");
    });

    it("is invoked by EventBridge for S3's Object Created events of that bucket under the prefix", () => {
      const rules = ofType("AWS::Events::Rule").filter(([, r]) => r.Properties.EventPattern !== undefined);
      assert.equal(rules.length, 1);
      const rule = rules[0]?.[1].Properties;
      assert.deepEqual(rule.EventPattern, {
        source: ["aws.s3"],
        "detail-type": ["Object Created"],
        detail: {
          bucket: { name: [{ Ref: RECONCILE_LOGICAL_IDS.bucket }] },
          object: { key: [{ prefix: "snapshots/" }] },
        },
      });
      assert.equal(rule.State, "ENABLED");
      assert.deepEqual(
        rule.Targets.map((t: { Arn: unknown }) => t.Arn),
        [{ "Fn::GetAtt": ["ReconcileLambdaFunction", "Arn"] }],
      );
      const permission = ofType("AWS::Lambda::Permission")
        .map(([, p]) => p.Properties)
        .filter((p) => p.FunctionName["Fn::GetAtt"]?.[0] === "ReconcileLambdaFunction");
      assert.deepEqual(
        permission.map((p) => p.Principal),
        ["events.amazonaws.com"],
      );
    });

    it("gets exactly the access it needs: the snapshots, the reports, the queue to send to, the table, the secret", () => {
      const reconcile = (target: unknown) => grants("ReconcileFunctionRole", target);
      assert.deepEqual(reconcile(bucketArn("/snapshots/*")), ["s3:GetObject"]);
      assert.deepEqual(reconcile(bucketArn("/snapshots/*.report.json")), ["s3:PutObject"]);
      const statements = roleStatements("ReconcileFunctionRole");
      assert.deepEqual(
        statements
          .filter((s) => JSON.stringify(s.Resource) === JSON.stringify([bucketArn()]))
          .map((s) => s.Action),
        [["s3:ListBucket"]],
      );
      assert.deepEqual(reconcile({ "Fn::GetAtt": [LOGICAL_IDS.queue, "Arn"] }), ["sqs:SendMessage"]);
      assert.deepEqual(reconcile({ "Fn::GetAtt": [LOGICAL_IDS.deadLetterQueue, "Arn"] }), []);
      assert.deepEqual(reconcile({ "Fn::GetAtt": [LOGICAL_IDS.stateTable, "Arn"] }), STATE_TABLE_ACTIONS);
      assert.deepEqual(reconcile({ "Fn::GetAtt": ["ReconcileLogGroup", "Arn"] }), [
        "logs:CreateLogStream",
        "logs:PutLogEvents",
      ]);
      assert.deepEqual(reconcile("secret:genesys-user-sync/dev/genesys-credentials-??????"), [
        "secretsmanager:GetSecretValue",
      ]);
      assert.equal(statements.length, 7, JSON.stringify(statements));
      assert.deepEqual(
        grants("SyncFunctionRole", { Ref: RECONCILE_LOGICAL_IDS.bucket }),
        [],
        "the sync reads no S3",
      );
    });
  });
});

/** What both functions may do on the state table (the shared budget, the token store, the marks). */
const STATE_TABLE_ACTIONS = [
  "dynamodb:BatchGetItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:DeleteItem",
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
];

describe("the reconcile's settings (an existing bucket, bad values): checked when packaging", () => {
  const settings = { bucket: "acme-hr-exports", prefix: "workday/nightly/", options: {} };
  const existing = (path?: string) => ({
    "Fn::Join": [
      "",
      ["arn:", { Ref: "AWS::Partition" }, ":s3:::", "acme-hr-exports", ...(path ? [path] : [])],
    ],
  });

  it("an existing bucket: no bucket created; the rule, the environment and the grants name it", () => {
    assert.deepEqual(reconcileResources(settings), {
      Resources: {},
      Outputs: { ReconcileBucketName: { Value: "acme-hr-exports" } },
    });
    assert.deepEqual(reconcileEventPattern(settings).detail, {
      bucket: { name: ["acme-hr-exports"] },
      object: { key: [{ prefix: "workday/nightly/" }] },
    });
    assert.deepEqual(reconcileEnvironment(settings), {
      RECONCILE_BUCKET: "acme-hr-exports",
      RECONCILE_PREFIX: "workday/nightly/",
    });
    const statements = reconcileIamStatements(settings);
    assert.deepEqual(statements.readSnapshots.Resource, [existing("/workday/nightly/*")]);
    assert.deepEqual(statements.writeReports.Resource, [existing("/workday/nightly/*.report.json")]);
    assert.deepEqual(statements.listBucket.Resource, [existing()]);
  });

  it("an empty prefix: the whole bucket, and no key in the rule", () => {
    const whole = { ...settings, prefix: "" };
    assert.deepEqual(reconcileEventPattern(whole).detail, { bucket: { name: ["acme-hr-exports"] } });
    assert.deepEqual(reconcileIamStatements(whole).readSnapshots.Resource, [existing("/*")]);
  });

  it("refuses a bad bucket name or prefix, naming the param", () => {
    for (const bad of [
      { ...settings, bucket: "Acme_HR" },
      { ...settings, prefix: "exports/*" },
      { ...settings, prefix: "nightly export/" },
    ]) {
      assert.throws(() => reconcileEnvironment(bad), ReconcileSettingsError, JSON.stringify(bad));
    }
    assert.throws(() => reconcileEnvironment({ ...settings, bucket: "Acme_HR" }), /reconcileBucket/);
    assert.throws(() => reconcileIamStatements({ ...settings, prefix: "exports/*" }), /reconcilePrefix/);
  });

  it("refuses an option the function would refuse, naming its variable", () => {
    assert.throws(
      () => reconcileEnvironment({ ...settings, options: { reconcileMaxChange: "lots" } }),
      (error: unknown) =>
        error instanceof ReconcileOptionsError && /RECONCILE_MAX_CHANGE/.test(error.message),
    );
    assert.deepEqual(
      reconcileEnvironment({ ...settings, options: { reconcileCreateMissing: "true", reconcileKey: "" } }),
      {
        RECONCILE_BUCKET: "acme-hr-exports",
        RECONCILE_PREFIX: "workday/nightly/",
        RECONCILE_CREATE_MISSING: "true",
      },
    );
  });
});

describe("credentialsAccessStatement (the Genesys credentials grant, per GENESYS_CREDENTIALS_SECRET)", () => {
  const arn = (service: string, resource: string) => ({
    "Fn::Join": [
      "",
      [
        "arn:",
        { Ref: "AWS::Partition" },
        `:${service}:`,
        { Ref: "AWS::Region" },
        ":",
        { Ref: "AWS::AccountId" },
        ":",
        resource,
      ],
    ],
  });

  it("grants GetSecretValue on a secret named by name, whatever its ARN suffix", () => {
    assert.deepEqual(credentialsAccessStatement("team/genesys"), {
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: [arn("secretsmanager", "secret:team/genesys-??????")],
    });
  });

  it("grants GetSecretValue on a secret given by ARN", () => {
    const secretArn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:team/genesys-AbCdEf";
    assert.deepEqual(credentialsAccessStatement(secretArn), {
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: [secretArn],
    });
  });

  it("grants GetParameter on an SSM parameter given as ssm:/path", () => {
    assert.deepEqual(credentialsAccessStatement("ssm:/genesys/creds"), {
      Effect: "Allow",
      Action: ["ssm:GetParameter"],
      Resource: [arn("ssm", "parameter/genesys/creds")],
    });
    assert.deepEqual(credentialsAccessStatement("ssm:creds").Resource, [arn("ssm", "parameter/creds")]);
  });

  it("refuses wildcards, blanks and other services", () => {
    for (const bad of ["", "team/*", "a b", "ssm:", "arn:aws:s3:::bucket"]) {
      assert.throws(() => credentialsAccessStatement(bad), /GENESYS_CREDENTIALS_SECRET/, bad);
    }
  });
});

// biome-ignore lint/suspicious/noExplicitAny: policy statements are untyped JSON
type Statement = Record<string, any>;

/** Every statement of every policy document in the template. */
function allPolicyStatements(template: Pick<Template, "Resources">): Statement[] {
  const out: Statement[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
    } else if (node !== null && typeof node === "object") {
      for (const [key, value] of Object.entries(node)) {
        if (/PolicyDocument$/.test(key) && value !== null && typeof value === "object") {
          out.push(...[(value as { Statement: Statement | Statement[] }).Statement].flat());
        } else {
          visit(value);
        }
      }
    }
  };
  visit(template.Resources);
  return out;
}

/** All strings anywhere in a JSON value (inside intrinsic functions too). */
function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(stringsIn);
  return [];
}

/** File names in a zip's central directory. */
function zipEntryNames(zip: Buffer): string[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, "not a zip file");
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(offset), 0x02014b50, "bad central directory entry");
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    names.push(zip.toString("utf8", offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}
