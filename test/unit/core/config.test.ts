import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../../lib/config.ts";
import { FAMILIES_LEARNT_BY_DEFAULT } from "../../../lib/ratelimit/family-budget.ts";

const QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/user-changes";
const DLQ = "https://sqs.eu-west-1.amazonaws.com/123456789012/user-changes-dlq";

function env(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {
    SYNC_QUEUE_URL: QUEUE,
    SYNC_DLQ_URL: DLQ,
    SYNC_STATE_TABLE: "genesys-user-sync-state",
    GENESYS_REGION: "mypurecloud.ie",
    GENESYS_CLIENT_ID: "client-id",
    GENESYS_CLIENT_SECRET: "client-secret",
    // Variables outside our prefixes are ignored.
    PATH: "/usr/bin",
    AWS_REGION: "eu-west-1",
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete out[key];
    else out[key] = value;
  }
  return out;
}

function configError(input: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(input);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected loadConfig to throw");
}

describe("loadConfig", () => {
  it("parses a complete environment with defaults", () => {
    assert.deepEqual(loadConfig(env()), {
      queueUrl: QUEUE,
      dlqUrl: DLQ,
      stateTable: "genesys-user-sync-state",
      genesys: {
        apiUrl: "https://api.mypurecloud.ie",
        loginUrl: "https://login.mypurecloud.ie",
        credentials: { kind: "inline", clientId: "client-id", clientSecret: "client-secret" },
        rateLimitPerMinute: undefined,
        clientRateLimitPerMinute: undefined,
        familyRateLimits: new Map(),
        learnFamilyLimits: FAMILIES_LEARNT_BY_DEFAULT,
        tokenPoolSize: 10,
        rateLimitWindowMs: 60_000,
        timeoutMs: 10_000,
      },
      maxAttempts: 8,
      safetyMarginMs: 15_000,
      batchSize: 100,
      concurrency: 8,
    });
  });

  it("reads per-family limits; a part it cannot read is named with the families it knows", () => {
    const config = loadConfig(env({ GENESYS_FAMILY_RATE_LIMITS: " users.search=60, users.write=900 " }));
    assert.deepEqual(
      [...config.genesys.familyRateLimits],
      [
        ["users.search", 60],
        ["users.write", 900],
      ],
    );
    for (const bad of ["users.search=0", "users.search=ten", "queues=60", "other=60", "users.search"]) {
      assert.throws(
        () => loadConfig(env({ GENESYS_FAMILY_RATE_LIMITS: bad })),
        (e: Error) =>
          e.message.includes("GENESYS_FAMILY_RATE_LIMITS") &&
          e.message.includes("users.read, users.write, users.search, organization"),
        bad,
      );
    }
  });

  it("reads numeric overrides from strings", () => {
    const config = loadConfig(
      env({
        GENESYS_RATE_LIMIT_PER_MINUTE: "120",
        GENESYS_CLIENT_RATE_LIMIT_PER_MINUTE: "600",
        GENESYS_TOKEN_POOL_SIZE: "4",
        GENESYS_TIMEOUT_MS: "2500",
        GENESYS_RATE_LIMIT_WINDOW_MS: "10000",
        SYNC_MAX_ATTEMPTS: "3",
        SYNC_SAFETY_MARGIN_MS: "5000",
        SYNC_BATCH_SIZE: "20",
      }),
    );
    assert.equal(config.genesys.rateLimitPerMinute, 120);
    assert.equal(config.genesys.clientRateLimitPerMinute, 600);
    assert.equal(config.genesys.tokenPoolSize, 4);
    assert.equal(config.genesys.timeoutMs, 2500);
    assert.equal(config.genesys.rateLimitWindowMs, 10_000);
    assert.equal(config.maxAttempts, 3);
    assert.equal(config.safetyMarginMs, 5000);
    assert.equal(config.batchSize, 20);
  });

  it("names every missing required variable", () => {
    const error = configError(
      env({ SYNC_QUEUE_URL: undefined, SYNC_DLQ_URL: undefined, SYNC_STATE_TABLE: undefined }),
    );
    assert.deepEqual([...error.variables].sort(), ["SYNC_DLQ_URL", "SYNC_QUEUE_URL", "SYNC_STATE_TABLE"]);
    assert.match(error.message, /SYNC_QUEUE_URL: is required/);
    assert.match(error.message, /SYNC_DLQ_URL: is required/);
    assert.match(error.message, /SYNC_STATE_TABLE: is required/);
  });

  it("names a variable with a bad value", () => {
    const error = configError(env({ SYNC_QUEUE_URL: "not a url" }));
    assert.deepEqual(error.variables, ["SYNC_QUEUE_URL"]);
    assert.match(error.message, /SYNC_QUEUE_URL: /);
  });

  for (const [name, value] of [
    ["GENESYS_RATE_LIMIT_PER_MINUTE", "0"],
    ["GENESYS_RATE_LIMIT_PER_MINUTE", "ten"],
    ["SYNC_BATCH_SIZE", "101"],
    ["SYNC_MAX_ATTEMPTS", "1.5"],
    ["SYNC_STATE_TABLE", "ab"],
  ] as const) {
    it(`rejects ${name}=${value} by name`, () => {
      assert.deepEqual(configError(env({ [name]: value })).variables, [name]);
    });
  }

  describe("Genesys endpoints", () => {
    it("derives api and login URLs from GENESYS_REGION", () => {
      const { genesys } = loadConfig(env({ GENESYS_REGION: "usw2.pure.cloud" }));
      assert.equal(genesys.apiUrl, "https://api.usw2.pure.cloud");
      assert.equal(genesys.loginUrl, "https://login.usw2.pure.cloud");
    });

    it("uses GENESYS_API_URL + GENESYS_LOGIN_URL without a region, trailing slashes removed", () => {
      const { genesys } = loadConfig(
        env({
          GENESYS_REGION: undefined,
          GENESYS_API_URL: "http://127.0.0.1:8080/",
          GENESYS_LOGIN_URL: "http://127.0.0.1:8081//",
        }),
      );
      assert.equal(genesys.apiUrl, "http://127.0.0.1:8080");
      assert.equal(genesys.loginUrl, "http://127.0.0.1:8081");
    });

    it("prefers the URLs over GENESYS_REGION when both are set", () => {
      const { genesys } = loadConfig(
        env({ GENESYS_API_URL: "http://127.0.0.1:8080", GENESYS_LOGIN_URL: "http://127.0.0.1:8080" }),
      );
      assert.equal(genesys.apiUrl, "http://127.0.0.1:8080");
      assert.equal(genesys.loginUrl, "http://127.0.0.1:8080");
    });

    it("requires GENESYS_LOGIN_URL with GENESYS_API_URL", () => {
      const error = configError(env({ GENESYS_REGION: undefined, GENESYS_API_URL: "http://127.0.0.1:8080" }));
      assert.deepEqual(error.variables, ["GENESYS_LOGIN_URL"]);
      assert.match(error.message, /GENESYS_API_URL and GENESYS_LOGIN_URL go together/);
    });

    it("requires GENESYS_API_URL with GENESYS_LOGIN_URL (even when a region is set)", () => {
      const error = configError(env({ GENESYS_LOGIN_URL: "http://127.0.0.1:8080" }));
      assert.deepEqual(error.variables, ["GENESYS_API_URL"]);
    });

    it("requires GENESYS_REGION when no URLs are given", () => {
      const error = configError(env({ GENESYS_REGION: undefined }));
      assert.deepEqual(error.variables, ["GENESYS_REGION"]);
      assert.match(error.message, /GENESYS_REGION: set GENESYS_REGION/);
    });

    it("rejects a region given as a URL", () => {
      const error = configError(env({ GENESYS_REGION: "https://api.mypurecloud.ie" }));
      assert.deepEqual(error.variables, ["GENESYS_REGION"]);
      assert.match(error.message, /region domain/);
    });
  });

  describe("credentials", () => {
    it("inline GENESYS_CLIENT_ID + GENESYS_CLIENT_SECRET", () => {
      assert.deepEqual(loadConfig(env()).genesys.credentials, {
        kind: "inline",
        clientId: "client-id",
        clientSecret: "client-secret",
      });
    });

    it("GENESYS_CREDENTIALS_SECRET alone", () => {
      const config = loadConfig(
        env({
          GENESYS_CLIENT_ID: undefined,
          GENESYS_CLIENT_SECRET: undefined,
          GENESYS_CREDENTIALS_SECRET: "ssm:/genesys/oauth",
        }),
      );
      assert.deepEqual(config.genesys.credentials, { kind: "secret", name: "ssm:/genesys/oauth" });
    });

    it("inline credentials win over a secret when both are given", () => {
      const config = loadConfig(env({ GENESYS_CREDENTIALS_SECRET: "genesys/oauth" }));
      assert.equal(config.genesys.credentials.kind, "inline");
    });

    it("requires credentials of one kind, naming GENESYS_CREDENTIALS_SECRET", () => {
      const error = configError(env({ GENESYS_CLIENT_ID: undefined, GENESYS_CLIENT_SECRET: undefined }));
      assert.deepEqual(error.variables, ["GENESYS_CREDENTIALS_SECRET"]);
    });

    it("names the missing half of the inline pair", () => {
      assert.deepEqual(configError(env({ GENESYS_CLIENT_SECRET: undefined })).variables, [
        "GENESYS_CLIENT_SECRET",
      ]);
      assert.deepEqual(configError(env({ GENESYS_CLIENT_ID: undefined })).variables, ["GENESYS_CLIENT_ID"]);
    });

    it("does not put the client secret in the error message", () => {
      const error = configError(env({ GENESYS_CLIENT_ID: undefined, GENESYS_CLIENT_SECRET: "s3cr3t-value" }));
      assert.doesNotMatch(error.message, /s3cr3t-value/);
    });
  });

  describe("unknown variables", () => {
    it("rejects an unknown SYNC_ variable by name", () => {
      const error = configError(env({ SYNC_QUEUE_URI: QUEUE }));
      assert.deepEqual(error.variables, ["SYNC_QUEUE_URI"]);
      assert.match(error.message, /SYNC_QUEUE_URI: unknown variable/);
    });

    it("rejects an unknown GENESYS_ variable by name", () => {
      const error = configError(env({ GENESYS_RATE_LIMIT: "100" }));
      assert.deepEqual(error.variables, ["GENESYS_RATE_LIMIT"]);
    });

    it("names every unknown variable at once", () => {
      const error = configError(env({ SYNC_BATCHSIZE: "5", GENESYS_REGOIN: "x" }));
      assert.deepEqual([...error.variables].sort(), ["GENESYS_REGOIN", "SYNC_BATCHSIZE"]);
    });

    it("ignores variables outside the SYNC_/GENESYS_ prefixes", () => {
      assert.doesNotThrow(() => loadConfig(env({ MY_SYNC_THING: "x", AWS_ENDPOINT_URL_SQS: "http://x" })));
    });
  });
});
