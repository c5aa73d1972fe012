/**
 * The one set of fake AWS settings used with the local emulators (DynamoDB Local, local-aws-sqs, s3rver):
 * tests, the test runner, `npm start` and the benchmark all take them from here.
 *
 * The SDK reads these from the environment (credentials from `AWS_ACCESS_KEY_ID` /
 * `AWS_SECRET_ACCESS_KEY`, endpoints from the service-specific `AWS_ENDPOINT_URL_<SERVICE>`), so
 * code under test builds its clients exactly as it does in Lambda.
 */

export const LOCAL_REGION = "us-east-1";

export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;

/** Region and fake credentials; also turns off the EC2 metadata lookup the SDK would otherwise try. */
export const LOCAL_AWS_ENV = {
  AWS_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  AWS_EC2_METADATA_DISABLED: "true",
} as const;

export interface LocalEndpoints {
  readonly sqs?: string | undefined;
  readonly dynamodb?: string | undefined;
  readonly s3?: string | undefined;
}

/**
 * The environment for talking to the given emulator endpoints: `LOCAL_AWS_ENV` plus
 * `AWS_ENDPOINT_URL_SQS` / `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL_S3` for the endpoints given. Merge it over
 * `process.env` (or a child's env); it never contains real credentials.
 */
export function localAwsEnv(endpoints: LocalEndpoints = {}): Record<string, string> {
  const env: Record<string, string> = { ...LOCAL_AWS_ENV };
  if (endpoints.sqs !== undefined) env.AWS_ENDPOINT_URL_SQS = endpoints.sqs;
  if (endpoints.dynamodb !== undefined) env.AWS_ENDPOINT_URL_DYNAMODB = endpoints.dynamodb;
  if (endpoints.s3 !== undefined) env.AWS_ENDPOINT_URL_S3 = endpoints.s3;
  return env;
}

/**
 * Variables that would make the SDK prefer real credentials or a profile over `LOCAL_AWS_ENV`
 * (a session token would be sent along with the fake keys). Delete them from an env that gets
 * `localAwsEnv()`.
 */
export const REAL_AWS_ENV_KEYS = [
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  "AWS_SESSION_TOKEN",
  "AWS_SECURITY_TOKEN",
  "AWS_ROLE_ARN",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
] as const;

/** `base` with the real-credential variables removed and `localAwsEnv(endpoints)` merged over it. */
export function withLocalAwsEnv(
  base: NodeJS.ProcessEnv,
  endpoints: LocalEndpoints = {},
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...base };
  for (const key of REAL_AWS_ENV_KEYS) delete env[key];
  return { ...env, ...localAwsEnv(endpoints) };
}
