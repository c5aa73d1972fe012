import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AuthenticationError, RateLimitedError, TransientGenesysError } from "../../../lib/genesys/errors.ts";
import { GenesysHttp } from "../../../lib/genesys/http-client.ts";
import {
  LimitsEntityListingSchema,
  limitsOf,
  ORG_LIMITS_PERMISSION,
  type OrgLimitsAnswer,
  readOrgLimits,
} from "../../../lib/genesys/org-limits.ts";
import type { TokenProvider } from "../../../lib/genesys/token-provider.ts";
import { BudgetDeniedError } from "../../../lib/ratelimit/budget-denied.ts";
import { fakeFetch, json, type RecordedRequest, type Responder } from "./fakes.ts";

const API = "https://api.example.test";
const PER_TOKEN = "client.credentials.token.rate.per.minute";
const PER_CLIENT = "org.app.user.rate.per.minute";
const signal = new AbortController().signal;

/** A token double: always `tok`, forgetting nothing (a second 401 is the credentials' fault). */
const tokens = { getToken: async () => "tok", invalidate: () => {} } as unknown as TokenProvider;

function http(
  responders: Responder[],
  acquire: () => Promise<number> = async () => 0,
): { http: GenesysHttp; requests: RecordedRequest[] } {
  const fake = fakeFetch(...responders);
  const client = new GenesysHttp({
    apiUrl: API,
    tokens,
    acquire,
    onRateLimited: async () => {},
    fetch: fake.fetch,
  });
  return { http: client, requests: fake.requests };
}

async function answer(...responders: Responder[]): Promise<OrgLimitsAnswer> {
  return readOrgLimits(http(responders).http, signal);
}

const entity = (key: string, value: unknown) => ({ key, namespace: "platform.api", value });
const error = (status: number, code: string, message: string, extra: Record<string, unknown> = {}) =>
  json(status, { status, code, message, contextId: "ctx-1", details: [], errors: [], ...extra });

/** The refused answer, asserted to be one. */
function refusedOf(a: OrgLimitsAnswer): Extract<OrgLimitsAnswer, { kind: "refused" }> {
  assert.equal(a.kind, "refused", JSON.stringify(a));
  return a as Extract<OrgLimitsAnswer, { kind: "refused" }>;
}

describe("readOrgLimits", () => {
  it("GETs platform.api's limits and reads the per-token and per-client values, ignoring other keys", async () => {
    const h = http([
      () =>
        json(200, {
          entities: [
            entity("request.bytes.max", 512_000),
            entity(PER_TOKEN, 600),
            entity("token.rate.per.minute", 300),
            entity(PER_CLIENT, 5000),
          ],
        }),
    ]);
    assert.deepEqual(await readOrgLimits(h.http, signal), {
      kind: "read",
      perTokenPerMinute: 600,
      clientPerMinute: 5000,
    });
    assert.equal(h.requests.length, 1);
    assert.equal(h.requests[0]?.method, "GET");
    assert.equal(h.requests[0]?.url, `${API}/api/v2/organizations/limits/namespaces/platform.api`);
  });

  it("leaves out a key the answer lacks, and reads an answer without entities as no limits", async () => {
    assert.deepEqual(await answer(() => json(200, { entities: [entity(PER_TOKEN, 250)] })), {
      kind: "read",
      perTokenPerMinute: 250,
    });
    assert.deepEqual(await answer(() => json(200, { entities: [entity(PER_CLIENT, 900)] })), {
      kind: "read",
      clientPerMinute: 900,
    });
    assert.deepEqual(await answer(() => json(200, {})), { kind: "read" });
    assert.deepEqual(await answer(() => json(200, { entities: [] })), { kind: "read" });
  });

  it("reads a value that is not a positive number as absent, and takes the first usable one of a key", async () => {
    for (const bad of [0, -300, "300", null, true, { n: 1 }]) {
      assert.deepEqual(
        await answer(() => json(200, { entities: [entity(PER_TOKEN, bad), entity(PER_CLIENT, bad)] })),
        { kind: "read" },
        `value ${JSON.stringify(bad)}`,
      );
    }
    const duplicated = { entities: [entity(PER_TOKEN, 0), entity(PER_TOKEN, 120), entity(PER_TOKEN, 180)] };
    assert.deepEqual(await answer(() => json(200, duplicated)), { kind: "read", perTokenPerMinute: 120 });
    assert.deepEqual(limitsOf(LimitsEntityListingSchema.parse({ entities: [{ value: 5 }] })), {
      kind: "read",
    });
  });

  it("a 403 is refused with a reason that names limits:organization:view, or the permission the answer named", async () => {
    const bare = refusedOf(await answer(() => error(403, "not.authorized", "You are not authorized.")));
    assert.equal(bare.status, 403);
    assert.ok(bare.reason.includes(ORG_LIMITS_PERMISSION), bare.reason);
    assert.ok(!bare.reason.includes("directory:user:edit"), bare.reason);
    assert.match(bare.reason, /correlation id ctx-1/);
    assert.match(bare.reason, /documented defaults/);

    const named = refusedOf(
      await answer(() =>
        error(
          403,
          "missing.any.permissions",
          "Unable to perform the requested action. You must have at least one of the following permissions assigned: [limits:organization:view]",
        ),
      ),
    );
    assert.ok(named.reason.includes("give its role the permission limits:organization:view"), named.reason);
  });

  it("a 404, a 400 and another 4xx are refused with their status and what to check", async () => {
    const missing = refusedOf(await answer(() => error(404, "not.found", "Not found")));
    assert.equal(missing.status, 404);
    assert.match(missing.reason, /GENESYS_REGION/);
    const bad = refusedOf(await answer(() => error(400, "bad.request", "Namespace is invalid")));
    assert.equal(bad.status, 400);
    assert.match(bad.reason, /Namespace is invalid/);
    assert.match(bad.reason, /configure both limits/);
    assert.equal(refusedOf(await answer(() => error(409, "general.conflict", "Conflict"))).status, 409);
    assert.equal(refusedOf(await answer(() => error(422, "unprocessable", "No"))).status, 422);
  });

  it("a 2xx body that is not a LimitsEntityListing is refused, naming where it is wrong", async () => {
    for (const body of [
      { entities: "many" },
      { entities: [42] },
      { entities: [{ key: 7, value: 1 }] },
      [1, 2],
    ]) {
      const refused = refusedOf(await answer(() => json(200, body)));
      assert.equal(refused.status, 200);
      assert.match(refused.reason, /does not match the expected model/, JSON.stringify(body));
    }
    const empty = refusedOf(await answer(() => new Response(null, { status: 200 })));
    assert.match(empty.reason, /\(body\)/);
  });

  it("rethrows what the next pass may see otherwise: 5xx, timeout-like failures, 429, a budget denial, bad credentials", async () => {
    await assert.rejects(
      answer(() => error(503, "service.unavailable", "down")),
      TransientGenesysError,
    );
    await assert.rejects(
      answer(() => {
        throw new TypeError("fetch failed");
      }),
      TransientGenesysError,
    );
    await assert.rejects(
      answer(
        () => error(429, "too.many.requests.retry.after", "slow down", {}),
        () => json(200, {}),
      ),
      RateLimitedError,
    );
    await assert.rejects(
      answer(() => error(401, "bad.credentials", "Invalid login credentials.")),
      AuthenticationError,
    );
    const denied = http([() => json(200, {})], async () => {
      throw new BudgetDeniedError("deadline", 5_000);
    });
    await assert.rejects(readOrgLimits(denied.http, signal), BudgetDeniedError);
    assert.equal(denied.requests.length, 0, "nothing was sent");
  });
});
