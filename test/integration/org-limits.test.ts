/**
 * The org's limits end to end: `readOrgLimits` over HTTP (token provider, client) against the simulator,
 * the answer cached in a state table on DynamoDB Local (`DynamoOrgLimitsCache`), `loadEffectiveLimits`
 * deciding when to ask. The clock of the cache and the loader is a variable, so that a day passes at once.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { TransientGenesysError } from "../../lib/genesys/errors.ts";
import { GenesysHttp } from "../../lib/genesys/http-client.ts";
import { readOrgLimits } from "../../lib/genesys/org-limits.ts";
import { TokenProvider } from "../../lib/genesys/token-provider.ts";
import type { LimitSettings } from "../../lib/ratelimit/effective-limits.ts";
import {
  type LoadedEffectiveLimits,
  loadEffectiveLimits,
} from "../../lib/ratelimit/load-effective-limits.ts";
import { DynamoOrgLimitsCache, ORG_LIMITS_CACHE_DEFAULTS } from "../../lib/ratelimit/org-limits-cache.ts";
import { type GenesysSimulator, startGenesysSimulator } from "../../sim/genesys-simulator.ts";
import { freshStateTable } from "../helpers/aws-emulators.ts";

const table = await freshStateTable("org-limits-test");
const HOUR = 3_600_000;
const PER_TOKEN = "client.credentials.token.rate.per.minute";
const PER_CLIENT = "org.app.user.rate.per.minute";

describe("org limits: simulator over HTTP, cached on DynamoDB Local", () => {
  const { client: ddb, tableName } = table;
  let sim: GenesysSimulator;
  let clock = Date.now();
  const cache = new DynamoOrgLimitsCache({ client: ddb, tableName, now: () => clock });

  before(async () => {
    sim = await startGenesysSimulator();
  });

  after(async () => {
    await table.drop();
    await sim.close();
  });

  /** A client of its own (its cache key too), and `load` as a pass would call it. */
  function clientOf(permissions?: string[]) {
    const clientId = `client-${randomUUID().slice(0, 8)}`;
    const clientSecret = "secret";
    sim.addClient({ clientId, clientSecret, ...(permissions === undefined ? {} : { permissions }) });
    const tokens = new TokenProvider({
      loginUrl: sim.loginUrl,
      credentials: async () => ({ clientId, clientSecret }),
    });
    const http = new GenesysHttp({
      apiUrl: sim.apiUrl,
      tokens,
      acquire: async () => 0,
      onRateLimited: async () => {},
    });
    const load = (settings: LimitSettings = {}, poolSize = 2): Promise<LoadedEffectiveLimits> =>
      loadEffectiveLimits({
        clientId,
        settings,
        poolSize,
        cache,
        read: (signal) => readOrgLimits(http, signal),
        now: () => clock,
        signal: AbortSignal.timeout(10_000),
      });
    return { clientId, load };
  }

  const orgCalls = (): number => sim.stats().byRoute.orgLimits ?? 0;
  const itemOf = async (clientId: string) => {
    const out = await ddb.send(
      new GetItemCommand({ TableName: tableName, Key: marshall({ pk: `limits#${clientId}` }) }),
    );
    return out.Item === undefined ? undefined : unmarshall(out.Item);
  };

  it("reads the org's limits once, caches them, and the next load makes no call", async () => {
    sim.setOrgLimits({ values: { [PER_TOKEN]: 600, [PER_CLIENT]: 1500, "request.bytes.max": 512_000 } });
    const { clientId, load } = clientOf();
    const before = orgCalls();
    const first = await load();
    assert.equal(first.asked, true);
    assert.deepEqual(first.limits, {
      perToken: { perMinute: 600, source: "org" },
      client: { perMinute: 1500, source: "org" },
    });
    assert.equal(orgCalls(), before + 1);
    assert.deepEqual(await itemOf(clientId), {
      pk: `limits#${clientId}`,
      kind: "read",
      perTokenPerMinute: 600,
      clientPerMinute: 1500,
      readAt: clock,
      expiresAt: Math.floor((clock + ORG_LIMITS_CACHE_DEFAULTS.keepMs) / 1000),
    });

    const second = await load();
    assert.equal(second.asked, false);
    assert.deepEqual(second.limits, first.limits);
    assert.deepEqual(second.org, first.org);
    assert.equal(orgCalls(), before + 1, "the cached answer served the second load");
  });

  it("the simulator's own limits by default; a key it leaves out falls back to the default", async () => {
    sim.setOrgLimits({});
    const { load } = clientOf();
    assert.deepEqual((await load({}, 3)).limits, {
      perToken: { perMinute: 300, source: "org" },
      client: { perMinute: 3000, source: "org" },
    });
    sim.setOrgLimits({ values: { [PER_TOKEN]: 240 } });
    const { load: other } = clientOf();
    assert.deepEqual((await other({}, 3)).limits, {
      perToken: { perMinute: 240, source: "org" },
      client: { perMinute: 720, source: "default" },
    });
  });

  it("a 403 gives the defaults, is cached for an hour with its reason, and is asked again after it", async () => {
    sim.setOrgLimits({ requirePermission: true });
    const { clientId, load } = clientOf(["directory:user:edit", "directory:user:view"]);
    const before = orgCalls();
    const refused = await load({}, 2);
    assert.deepEqual(refused.limits, {
      perToken: { perMinute: 300, source: "default" },
      client: { perMinute: 600, source: "default" },
    });
    assert.equal(refused.org?.answer.kind, "refused");
    const item = await itemOf(clientId);
    assert.equal(item?.kind, "refused");
    assert.equal(item?.status, 403);
    assert.match(String(item?.reason), /give its role the permission limits:organization:view/);
    assert.deepEqual((await cache.load(clientId))?.answer, refused.org?.answer, "the reason is kept");

    const start = clock;
    try {
      clock = start + HOUR - 1;
      assert.equal((await load()).asked, false);
      assert.equal(orgCalls(), before + 1);
      // The permission granted: seen once the hour is over.
      sim.setOrgLimits({ values: { [PER_TOKEN]: 450 } });
      clock = start + HOUR;
      const again = await load();
      assert.equal(again.asked, true);
      assert.deepEqual(again.limits.perToken, { perMinute: 450, source: "org" });
      assert.equal(orgCalls(), before + 2);
    } finally {
      clock = start;
    }
  });

  it("a read answer is refreshed after 24 h; a read that fails then leaves the stale answer in use", async () => {
    sim.setOrgLimits({ values: { [PER_TOKEN]: 500, [PER_CLIENT]: 2000 } });
    const { clientId, load } = clientOf();
    const start = clock;
    try {
      await load();
      sim.setOrgLimits({ values: { [PER_TOKEN]: 350, [PER_CLIENT]: 1400 } });
      clock = start + 24 * HOUR - 1;
      assert.equal((await load()).limits.perToken.perMinute, 500, "still fresh");

      clock = start + 24 * HOUR;
      sim.setFaults({ failNext: [{ route: "orgLimits", status: 503 }] });
      const down = await load();
      assert.equal(down.asked, true);
      assert.ok(down.readError instanceof TransientGenesysError, String(down.readError));
      assert.deepEqual(down.limits.perToken, { perMinute: 500, source: "org" });
      assert.equal(down.org?.readAt, start, "the stale entry stood in");
      assert.equal((await itemOf(clientId))?.readAt, start, "and was not saved again");

      const refreshed = await load();
      assert.equal(refreshed.asked, true);
      assert.equal(refreshed.readError, undefined);
      assert.deepEqual(refreshed.limits, {
        perToken: { perMinute: 350, source: "org" },
        client: { perMinute: 1400, source: "org" },
      });
      assert.equal((await itemOf(clientId))?.readAt, start + 24 * HOUR);
    } finally {
      clock = start;
      sim.clearFaults();
    }
  });

  it("with both limits set, neither the org nor the table is asked", async () => {
    const { clientId, load } = clientOf();
    const before = orgCalls();
    const got = await load({ perTokenPerMinute: 120, clientPerMinute: 240 });
    assert.deepEqual(got, {
      limits: {
        perToken: { perMinute: 120, source: "setting" },
        client: { perMinute: 240, source: "setting" },
      },
      org: undefined,
      asked: false,
    });
    assert.equal(orgCalls(), before);
    assert.equal(await itemOf(clientId), undefined);
  });

  it("a malformed or expired item reads as no entry; a missing table is DynamoDB's error", async () => {
    const put = (item: Record<string, unknown>) =>
      ddb.send(new PutItemCommand({ TableName: tableName, Item: marshall(item) }));
    await put({ pk: "limits#bad-kind", kind: "maybe", readAt: clock });
    await put({ pk: "limits#no-reason", kind: "refused", readAt: clock });
    await put({ pk: "limits#no-read-at", kind: "read", perTokenPerMinute: 300 });
    await put({ pk: "limits#expired", kind: "read", perTokenPerMinute: 300, readAt: clock, expiresAt: 1 });
    for (const id of ["bad-kind", "no-reason", "no-read-at", "expired", "never-saved"]) {
      assert.equal(await cache.load(id), undefined, id);
    }
    await cache.save("kept", { kind: "refused", reason: "r" }, clock);
    assert.deepEqual(await cache.load("kept"), { answer: { kind: "refused", reason: "r" }, readAt: clock });

    const missing = new DynamoOrgLimitsCache({ client: ddb, tableName: `${tableName}-missing` });
    await assert.rejects(missing.load("x"), { name: "ResourceNotFoundException" });
    await assert.rejects(missing.save("x", { kind: "read" }, clock), { name: "ResourceNotFoundException" });
  });
});
