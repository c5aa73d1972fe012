import { reconcileOptionsFromEnv } from "../reconcile/reconcile-options.ts";
import { REPORT_SUFFIX } from "../s3-reconcile/snapshot-location.ts";
import { type IamStatement, type Json, LOGICAL_IDS } from "./resources.ts";

/**
 * The S3-triggered reconcile's part of the stack (`functions/reconcile.ts`): the bucket snapshots land in
 * (created, or an existing one), the EventBridge rule that sends their creation to the function, its
 * environment and its least-privilege IAM statements. Pure data for serverless.yml, from the deployment's
 * settings (its params).
 *
 * S3 tells the function through EventBridge, not a bucket notification: one mechanism for a bucket the
 * stack creates and for an existing one. A notification on an existing bucket needs osls's custom
 * resource, whose own role may `lambda:AddPermission` on every function of the account
 * (`function:*`); and a notification on a bucket the stack creates needs the bucket's name before the
 * bucket exists (the permission and the notification refer to each other), so a name fixed by hand.
 * With EventBridge the bucket only has "send to EventBridge" turned on, and the rule matches the
 * bucket and the prefix. The function also reads S3 notifications, for whoever wires one by hand.
 */

export const RECONCILE_FUNCTION = {
  /** Lambda's most: the listing of a large org at Genesys's real limits, then the enqueueing. */
  timeoutSeconds: 900,
  /** The org's users are held for the diff (about 1 KB each: 50 MB for 50 000), besides the bundle. */
  memorySize: 1024,
} as const;

/** CloudFormation logical ids (osls names the function's log group after the function `reconcile`). */
export const RECONCILE_LOGICAL_IDS = {
  bucket: "ReconcileBucket",
  bucketPolicy: "ReconcileBucketPolicy",
  logGroup: "ReconcileLogGroup",
} as const;

/** Each serverless.yml param of the options, and the `RECONCILE_*` variable it sets (`reconcileOptionsFromEnv`). */
export const RECONCILE_OPTION_PARAMS = [
  ["reconcileKey", "RECONCILE_KEY"],
  ["reconcileCreateMissing", "RECONCILE_CREATE_MISSING"],
  ["reconcileDeactivateMissing", "RECONCILE_DEACTIVATE_MISSING"],
  ["reconcileScopeDivisions", "RECONCILE_SCOPE_DIVISIONS"],
  ["reconcileKeep", "RECONCILE_KEEP"],
  ["reconcileMaxDeactivate", "RECONCILE_MAX_DEACTIVATE"],
  ["reconcileMaxChange", "RECONCILE_MAX_CHANGE"],
] as const;

type OptionParam = (typeof RECONCILE_OPTION_PARAMS)[number][0];

/** The deployment's settings of the S3-triggered reconcile, as its params give them. */
export interface ReconcileSettings {
  /** An existing bucket's name; "" for a bucket the stack creates. */
  readonly bucket: string;
  /** The key prefix snapshots land under; "" for the whole bucket. */
  readonly prefix: string;
  /** Each param of `RECONCILE_OPTION_PARAMS` as given; "" leaves the option at its default (in code). */
  readonly options: Readonly<Partial<Record<OptionParam, string>>>;
}

/**
 * S3's "safe characters" (AWS, "Naming Amazon S3 objects") but `*`: a prefix that S3 notifications and
 * EventBridge give as written, and that IAM reads literally (`*` and `?` are IAM wildcards).
 */
const SAFE_PREFIX = /^[A-Za-z0-9!_.'()/-]*$/;
/** A bucket name (AWS, "General purpose bucket naming rules"), without the dots that break TLS. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

export class ReconcileSettingsError extends Error {
  override readonly name = "ReconcileSettingsError";
}

/**
 * The settings checked as the function will read them, so that a bad one fails the deployment rather
 * than the first snapshot. Throws `ReconcileSettingsError` (the param named) or `ReconcileOptionsError`.
 */
export function checkReconcileSettings(settings: ReconcileSettings): void {
  if (settings.bucket !== "" && !BUCKET_NAME.test(settings.bucket)) {
    throw new ReconcileSettingsError(
      `reconcileBucket: not a bucket name: ${JSON.stringify(settings.bucket)}`,
    );
  }
  if (!SAFE_PREFIX.test(settings.prefix)) {
    throw new ReconcileSettingsError(
      `reconcilePrefix: only letters, digits and !-_.'()/ are allowed: ${JSON.stringify(settings.prefix)}`,
    );
  }
  reconcileOptionsFromEnv(optionEnvironment(settings));
}

/** The bucket's name: the created bucket's (a reference), or the existing one's. */
const bucketName = (settings: ReconcileSettings): Json =>
  settings.bucket === "" ? { Ref: RECONCILE_LOGICAL_IDS.bucket } : settings.bucket;

const s3Arn = (...parts: Json[]): Json => ({
  "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":s3:::", ...parts]],
});

function optionEnvironment(settings: ReconcileSettings): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [param, variable] of RECONCILE_OPTION_PARAMS) {
    const value = settings.options[param] ?? "";
    if (value !== "") env[variable] = value;
  }
  return env;
}

/** The function's environment: where snapshots land, and the options given (the rest are defaults). */
export function reconcileEnvironment(settings: ReconcileSettings): Record<string, Json> {
  checkReconcileSettings(settings);
  return {
    RECONCILE_BUCKET: bucketName(settings),
    RECONCILE_PREFIX: settings.prefix,
    ...optionEnvironment(settings),
  };
}

/** The EventBridge pattern of S3's "Object Created" events under the prefix of the bucket. */
export function reconcileEventPattern(settings: ReconcileSettings): Record<string, Json> {
  return {
    source: ["aws.s3"],
    "detail-type": ["Object Created"],
    detail: {
      bucket: { name: [bucketName(settings)] },
      ...(settings.prefix === "" ? {} : { object: { key: [{ prefix: settings.prefix }] } }),
    },
  };
}

/**
 * The bucket, when the stack creates it: private, encrypted, HTTPS only, sending its events to
 * EventBridge. An existing bucket is the operator's: they turn on its "Send notifications to Amazon
 * EventBridge" (README).
 */
export function reconcileResources(settings: ReconcileSettings): {
  Resources: Record<string, Json>;
  Outputs: Record<string, Json>;
} {
  checkReconcileSettings(settings);
  const output = { ReconcileBucketName: { Value: bucketName(settings) } };
  if (settings.bucket !== "") return { Resources: {}, Outputs: output };
  return {
    Resources: {
      [RECONCILE_LOGICAL_IDS.bucket]: {
        Type: "AWS::S3::Bucket",
        Properties: {
          NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              { ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } },
            ],
          },
          OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
        },
      },
      [RECONCILE_LOGICAL_IDS.bucketPolicy]: {
        Type: "AWS::S3::BucketPolicy",
        Properties: {
          Bucket: { Ref: RECONCILE_LOGICAL_IDS.bucket },
          PolicyDocument: {
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [
                  { "Fn::GetAtt": [RECONCILE_LOGICAL_IDS.bucket, "Arn"] },
                  { "Fn::Join": ["", [{ "Fn::GetAtt": [RECONCILE_LOGICAL_IDS.bucket, "Arn"] }, "/*"]] },
                ],
                Condition: { Bool: { "aws:SecureTransport": false } },
              },
            ],
          },
        },
      },
    },
    Outputs: output,
  };
}

/**
 * What the function may do beyond its logs, the state table and the credentials (which it shares with
 * the sync): read the snapshots under the prefix, list the bucket (without it S3 answers a missing key
 * with 403, not 404, and a key deleted since its event, or EventBridge's other reading of a key, could
 * not be told from a denial), write the reports under the prefix, and send to the sync's queue.
 */
export function reconcileIamStatements(
  settings: ReconcileSettings,
): Record<"readSnapshots" | "listBucket" | "writeReports" | "enqueue", IamStatement> {
  checkReconcileSettings(settings);
  const bucket = bucketName(settings);
  return {
    readSnapshots: {
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: [s3Arn(bucket, `/${settings.prefix}*`)],
    },
    listBucket: { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [s3Arn(bucket)] },
    writeReports: {
      Effect: "Allow",
      Action: ["s3:PutObject"],
      Resource: [s3Arn(bucket, `/${settings.prefix}*${REPORT_SUFFIX}`)],
    },
    enqueue: {
      Effect: "Allow",
      Action: ["sqs:SendMessage"],
      Resource: [{ "Fn::GetAtt": [LOGICAL_IDS.queue, "Arn"] }],
    },
  };
}
