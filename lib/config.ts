import { z } from "zod";
import { GENESYS_DEFAULTS } from "./genesys/defaults.ts";
import { FAMILIES_LEARNT_BY_DEFAULT, type LearnFamilies } from "./ratelimit/family-budget.ts";
import { type FamilyLimits, parseFamilyLimits } from "./ratelimit/family-limits.ts";
import { MAX_POOL_SIZE } from "./ratelimit/limiter-config.ts";
import { SYNC_PASS_DEFAULTS } from "./sync/pass-deps.ts";

/**
 * The one schema for the environment, parsed once at start-up. A bad or missing value stops start-up
 * with a message that names the variable.
 *
 * AWS endpoints (emulators) come through the SDK's own `AWS_ENDPOINT_URL_SQS` and
 * `AWS_ENDPOINT_URL_DYNAMODB`; they are not read here.
 */

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const envShape = z.object({
  SYNC_QUEUE_URL: z.url(),
  SYNC_DLQ_URL: z.url(),
  SYNC_STATE_TABLE: z.string().min(3).max(255),
  /** Genesys Cloud region domain, e.g. `mypurecloud.ie`; gives `https://api.<region>` and `https://login.<region>`. */
  GENESYS_REGION: z
    .string()
    .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, { message: "must be a region domain such as mypurecloud.ie" })
    .optional(),
  /** Overrides for the API and login base URLs (both or neither), e.g. for the simulator. */
  GENESYS_API_URL: z.url().optional(),
  GENESYS_LOGIN_URL: z.url().optional(),
  GENESYS_CLIENT_ID: z.string().min(1).optional(),
  GENESYS_CLIENT_SECRET: z.string().min(1).optional(),
  /** Name or ARN of a Secrets Manager secret, or an SSM SecureString name (`ssm:/path`), holding `{ clientId, clientSecret }`. */
  GENESYS_CREDENTIALS_SECRET: z.string().min(1).optional(),
  /**
   * Requests per minute of one token. Unset: the org's `client.credentials.token.rate.per.minute`
   * (limits API), else Genesys's documented default of 300.
   */
  GENESYS_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().optional(),
  /**
   * Requests per minute of the OAuth client across all its tokens. Unset: the org's
   * `org.app.user.rate.per.minute` (limits API), else pool size x the per-token limit.
   */
  GENESYS_CLIENT_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().optional(),
  /**
   * Per-minute limits of endpoint families, e.g. `users.search=60,users.write=900` (families:
   * `users.read`, `users.write`, `users.search`, `organization`, `users.create`, `authorization`,
   * `routing.skills`, `routing.languages`, `routing.queue.members`, `routing`, `locations`;
   * `lib/genesys/endpoint-family.ts`). A family named here is paced by its limit across every
   * invocation, besides the token's and the client's budgets, and its 429s pause that family only. Default: none (every family shares the token's and the client's budgets).
   */
  GENESYS_FAMILY_RATE_LIMITS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      try {
        return parseFamilyLimits(value);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
        return z.NEVER;
      }
    }),
  /**
   * Whether endpoint families' limits not told are learnt from their 429s (a minority family's 429
   * that the other families' calls get through: `lib/ratelimit/family-attribution.ts`): `true` every
   * family's, `false` none. Default: only the families Genesys announced org-wide limits for
   * (`FAMILIES_LEARNT_BY_DEFAULT`: queue members); for the others, on a full shared window a 429 can
   * be mistaken for the family's own, so a 429 of a family not told is the shared budget's.
   */
  GENESYS_LEARN_FAMILY_LIMITS: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => (v === undefined ? FAMILIES_LEARNT_BY_DEFAULT : v === "true")),
  /** Tokens of the OAuth client used at once, across every invocation (1 to 50). Default `GENESYS_DEFAULTS.tokenPoolSize` (10). */
  GENESYS_TOKEN_POOL_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_POOL_SIZE)
    .default(GENESYS_DEFAULTS.tokenPoolSize),
  /** Per-request timeout for Genesys calls, ms. Default `GENESYS_DEFAULTS.timeoutMs` (10 000). */
  GENESYS_TIMEOUT_MS: positiveInt(GENESYS_DEFAULTS.timeoutMs),
  /**
   * The window Genesys counts requests over, ms. Genesys counts per minute: leave it unset. Only a
   * stand-in that compresses time sets it (the benchmark's passes run as processes of the CLI, whose
   * simulator counts a "minute" over 10 s). Default `GENESYS_DEFAULTS.rateLimitWindowMs` (60 000).
   */
  GENESYS_RATE_LIMIT_WINDOW_MS: positiveInt(GENESYS_DEFAULTS.rateLimitWindowMs),
  /** Failed attempts (transient errors, version conflicts, extension in use) before a change is dead-lettered. */
  SYNC_MAX_ATTEMPTS: positiveInt(8),
  /** Time kept back from the Lambda deadline for releasing and reporting, ms. */
  SYNC_SAFETY_MARGIN_MS: positiveInt(15_000),
  /** Users worked on at once within a pass (their calls are still paced by the shared budget). */
  SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(SYNC_PASS_DEFAULTS.concurrency),
  /** Messages held at once (several receives of 10, read in one bulk call). */
  SYNC_BATCH_SIZE: z.coerce.number().int().min(1).max(100).default(SYNC_PASS_DEFAULTS.batchSize),
});

const envSchema = envShape.superRefine((env, ctx) => {
  const hasUrls = env.GENESYS_API_URL !== undefined || env.GENESYS_LOGIN_URL !== undefined;
  if (hasUrls && (env.GENESYS_API_URL === undefined || env.GENESYS_LOGIN_URL === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: [env.GENESYS_API_URL === undefined ? "GENESYS_API_URL" : "GENESYS_LOGIN_URL"],
      message: "GENESYS_API_URL and GENESYS_LOGIN_URL go together",
    });
  }
  if (!hasUrls && env.GENESYS_REGION === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["GENESYS_REGION"],
      message: "set GENESYS_REGION (e.g. mypurecloud.ie) or both GENESYS_API_URL and GENESYS_LOGIN_URL",
    });
  }
  const hasPair = env.GENESYS_CLIENT_ID !== undefined || env.GENESYS_CLIENT_SECRET !== undefined;
  if (hasPair && (env.GENESYS_CLIENT_ID === undefined || env.GENESYS_CLIENT_SECRET === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: [env.GENESYS_CLIENT_ID === undefined ? "GENESYS_CLIENT_ID" : "GENESYS_CLIENT_SECRET"],
      message: "GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET go together",
    });
  }
  if (!hasPair && env.GENESYS_CREDENTIALS_SECRET === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["GENESYS_CREDENTIALS_SECRET"],
      message: "set GENESYS_CREDENTIALS_SECRET, or GENESYS_CLIENT_ID with GENESYS_CLIENT_SECRET",
    });
  }
});

export type Credentials =
  | { readonly kind: "inline"; readonly clientId: string; readonly clientSecret: string }
  | { readonly kind: "secret"; readonly name: string };

export interface SyncConfig {
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly stateTable: string;
  readonly genesys: {
    readonly apiUrl: string;
    readonly loginUrl: string;
    readonly credentials: Credentials;
    /** Per-token limit from the setting; undefined: from the org, else the default. */
    readonly rateLimitPerMinute: number | undefined;
    /** The client's total from the setting; undefined: from the org, else pool x per token. */
    readonly clientRateLimitPerMinute: number | undefined;
    /** Limits of endpoint families (`GENESYS_FAMILY_RATE_LIMITS`); empty: none. */
    readonly familyRateLimits: FamilyLimits;
    /** `GENESYS_LEARN_FAMILY_LIMITS`: every family's limit learnt, none, or these families'. */
    readonly learnFamilyLimits: LearnFamilies;
    readonly tokenPoolSize: number;
    /**
     * The window over which Genesys counts requests, ms: a minute (the limits are "per minute");
     * `GENESYS_RATE_LIMIT_WINDOW_MS` shortens it for a stand-in that compresses time (the benchmark).
     */
    readonly rateLimitWindowMs: number;
    readonly timeoutMs: number;
  };
  readonly maxAttempts: number;
  readonly safetyMarginMs: number;
  readonly batchSize: number;
  readonly concurrency: number;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly variables: readonly string[];
  constructor(message: string, variables: readonly string[]) {
    super(message);
    this.variables = variables;
  }
}

/** Parses the environment. Throws `ConfigError` naming every bad or missing variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): SyncConfig {
  // Strict on our own prefixes: a misspelt SYNC_/GENESYS_ variable is an error, not a silent default.
  const known = new Set(Object.keys(envShape.shape));
  const unknown = Object.keys(env).filter((k) => /^(SYNC|GENESYS)_/.test(k) && !known.has(k));
  if (unknown.length > 0) {
    throw new ConfigError(
      `invalid configuration:\n  ${unknown.map((k) => `${k}: unknown variable (misspelt?)`).join("\n  ")}`,
      unknown,
    );
  }
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "environment");
      const value = issue.path[0] === undefined ? undefined : env[String(issue.path[0])];
      const detail = value === undefined && issue.code === "invalid_type" ? "is required" : issue.message;
      return { name, text: `${name}: ${detail}` };
    });
    throw new ConfigError(
      `invalid configuration:\n  ${lines.map((l) => l.text).join("\n  ")}`,
      lines.map((l) => l.name),
    );
  }
  const e = parsed.data;
  const apiUrl = stripSlash(e.GENESYS_API_URL ?? `https://api.${e.GENESYS_REGION}`);
  const loginUrl = stripSlash(e.GENESYS_LOGIN_URL ?? `https://login.${e.GENESYS_REGION}`);
  const credentials: Credentials =
    e.GENESYS_CLIENT_ID !== undefined && e.GENESYS_CLIENT_SECRET !== undefined
      ? { kind: "inline", clientId: e.GENESYS_CLIENT_ID, clientSecret: e.GENESYS_CLIENT_SECRET }
      : { kind: "secret", name: e.GENESYS_CREDENTIALS_SECRET ?? "" };
  return {
    queueUrl: e.SYNC_QUEUE_URL,
    dlqUrl: e.SYNC_DLQ_URL,
    stateTable: e.SYNC_STATE_TABLE,
    genesys: {
      apiUrl,
      loginUrl,
      credentials,
      rateLimitPerMinute: e.GENESYS_RATE_LIMIT_PER_MINUTE,
      clientRateLimitPerMinute: e.GENESYS_CLIENT_RATE_LIMIT_PER_MINUTE,
      familyRateLimits: e.GENESYS_FAMILY_RATE_LIMITS,
      learnFamilyLimits: e.GENESYS_LEARN_FAMILY_LIMITS,
      tokenPoolSize: e.GENESYS_TOKEN_POOL_SIZE,
      rateLimitWindowMs: e.GENESYS_RATE_LIMIT_WINDOW_MS,
      timeoutMs: e.GENESYS_TIMEOUT_MS,
    },
    maxAttempts: e.SYNC_MAX_ATTEMPTS,
    safetyMarginMs: e.SYNC_SAFETY_MARGIN_MS,
    batchSize: e.SYNC_BATCH_SIZE,
    concurrency: e.SYNC_CONCURRENCY,
  };
}

const stripSlash = (url: string): string => url.replace(/\/+$/, "");
