import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  type ApiUser,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  type GenesysSimulator,
  generateSeedUsers,
  type SeedUser,
  startGenesysSimulator,
} from "../../../sim/genesys-simulator.ts";

const MANAGER = "00000000-0000-4000-8000-00000000000a";
const ALICE = "00000000-0000-4000-8000-00000000000b";
const BOB = "00000000-0000-4000-8000-00000000000c";
const CAROL = "00000000-0000-4000-8000-00000000000d";

function baseUsers(): SeedUser[] {
  return [
    { id: MANAGER, name: "Mona Manager", email: "mona@example.com", title: "Lead", extension: "1000" },
    {
      id: ALICE,
      name: "Alice Agent",
      email: "alice@example.com",
      title: "Agent",
      department: "Support",
      managerId: MANAGER,
      extension: "1001",
      addresses: [{ address: "+15551230001", mediaType: "PHONE", type: "MOBILE" }],
    },
    { id: BOB, name: "Bob Agent", email: "bob@example.com", extension: "1002" },
    { id: CAROL, name: "Carol Gone", email: "carol@example.com", state: "inactive", extension: "1003" },
  ];
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
}

async function requestToken(sim: GenesysSimulator, id = DEFAULT_CLIENT_ID, secret = DEFAULT_CLIENT_SECRET) {
  return fetch(`${sim.loginUrl}/oauth/token`, {
    method: "POST",
    headers: { authorization: basic(id, secret), "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials",
  });
}

async function token(
  sim: GenesysSimulator,
  id = DEFAULT_CLIENT_ID,
  secret = DEFAULT_CLIENT_SECRET,
): Promise<string> {
  const res = await requestToken(sim, id, secret);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { access_token: string };
  return body.access_token;
}

function api(sim: GenesysSimulator, accessToken: string) {
  return {
    get: (path: string) =>
      fetch(`${sim.apiUrl}${path}`, { headers: { authorization: `Bearer ${accessToken}` } }),
    patch: (id: string, body: unknown) =>
      fetch(`${sim.apiUrl}/api/v2/users/${id}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
  };
}

interface ErrorJson {
  message: string;
  code: string;
  status: number;
  contextId: string;
  details: Array<{ errorCode?: string; fieldName?: string; entityId?: string }>;
  errors: unknown[];
}

async function errorJson(res: Response, status: number, code: string): Promise<ErrorJson> {
  assert.equal(res.status, status);
  const body = (await res.json()) as ErrorJson;
  assert.equal(body.code, code);
  assert.equal(body.status, status);
  assert.equal(typeof body.message, "string");
  assert.equal(typeof body.contextId, "string");
  assert.ok(Array.isArray(body.details));
  assert.ok(Array.isArray(body.errors));
  assert.equal(res.headers.get("inin-correlation-id"), body.contextId);
  return body;
}

describe("Genesys Cloud simulator", () => {
  let clock = Date.UTC(2030, 0, 1);
  let sim: GenesysSimulator;

  before(async () => {
    sim = await startGenesysSimulator({ users: baseUsers(), now: () => clock });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.clearUsers();
    sim.seedUsers(baseUsers());
    sim.clearFaults();
    sim.setRateLimit({ perTokenLimit: 300, perClientLimit: Number.POSITIVE_INFINITY, windowMs: 60_000 });
    sim.setRateLimit({
      retryAfterMode: "seconds",
      countRejected: false,
      perRouteLimits: {},
      perFamilyLimits: {},
      limitHeaders: "off",
    });
    sim.setOrgLimits({});
    sim.resetStats();
    sim.configureDirectory({
      phoneRendering: { numberWithExtension: "display", extensionOnly: "pooled" },
      versionConflictStatus: 409,
      permissionErrors: "named",
    });
  });

  describe("POST /oauth/token (client credentials)", () => {
    it("issues a bearer token for the default client", async () => {
      const res = await requestToken(sim);
      assert.equal(res.status, 200);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(typeof body.access_token, "string");
      assert.equal(body.token_type, "bearer");
      assert.equal(body.expires_in, 86_400);
    });

    it("rejects a wrong secret with 401 invalid_client", async () => {
      const res = await requestToken(sim, DEFAULT_CLIENT_ID, "nope");
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), {
        error: "invalid_client",
        description: "authentication failed",
        error_description: "authentication failed",
      });
    });

    it("rejects an unknown client with 400 invalid_client", async () => {
      const res = await requestToken(sim, "who", "ever");
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { error: string }).error, "invalid_client");
    });

    it("rejects another grant type and a missing Basic header", async () => {
      const wrongGrant = await fetch(`${sim.loginUrl}/oauth/token`, {
        method: "POST",
        headers: {
          authorization: basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
          "content-type": "application/x-www-form-urlencoded",
        },
        body: "grant_type=password",
      });
      assert.equal(wrongGrant.status, 400);
      assert.equal(((await wrongGrant.json()) as { error: string }).error, "unsupported_grant_type");
      const noAuth = await fetch(`${sim.loginUrl}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials",
      });
      assert.equal(noAuth.status, 401);
    });

    it("tokens expire after the client's tokenTtlSeconds", async () => {
      sim.addClient({ clientId: "short", clientSecret: "s", tokenTtlSeconds: 5 });
      const res = await requestToken(sim, "short", "s");
      const body = (await res.json()) as { access_token: string; expires_in: number };
      assert.equal(body.expires_in, 5);
      const client = api(sim, body.access_token);
      assert.equal((await client.get(`/api/v2/users/${ALICE}`)).status, 200);
      clock += 5_000;
      await errorJson(await client.get(`/api/v2/users/${ALICE}`), 401, "credentials.expired");
    });

    it("answers 401 without a token, with an unknown one, and after revokeTokens()", async () => {
      await errorJson(await fetch(`${sim.apiUrl}/api/v2/users/${ALICE}`), 401, "authentication.required");
      await errorJson(await api(sim, "made-up").get(`/api/v2/users/${ALICE}`), 401, "bad.credentials");
      const client = api(sim, await token(sim));
      assert.equal((await client.get(`/api/v2/users/${ALICE}`)).status, 200);
      sim.revokeTokens();
      await errorJson(await client.get(`/api/v2/users/${ALICE}`), 401, "bad.credentials");
      const renewed = api(sim, await token(sim));
      assert.equal((await renewed.get(`/api/v2/users/${ALICE}`)).status, 200);
    });

    it("expireTokensAt() expires every issued token", async () => {
      const client = api(sim, await token(sim));
      sim.expireTokensAt();
      await errorJson(await client.get(`/api/v2/users/${ALICE}`), 401, "credentials.expired");
    });
  });

  describe("GET /api/v2/users/{userId}", () => {
    it("returns the user with version, addresses, state and a manager reference", async () => {
      const res = await api(sim, await token(sim)).get(`/api/v2/users/${ALICE}`);
      assert.equal(res.status, 200);
      const user = (await res.json()) as ApiUser;
      assert.equal(user.id, ALICE);
      assert.equal(user.version, 1);
      assert.equal(user.state, "active");
      assert.equal(user.email, "alice@example.com");
      assert.deepEqual(user.manager, { id: MANAGER, selfUri: `/api/v2/users/${MANAGER}` });
      assert.deepEqual(user.addresses, [
        { display: "1001", mediaType: "PHONE", type: "WORK", extension: "1001" },
        { address: "+15551230001", display: "+15551230001", mediaType: "PHONE", type: "MOBILE" },
      ]);
      assert.equal(user.selfUri, `/api/v2/users/${ALICE}`);
      assert.deepEqual(sim.getUser(ALICE), user);
    });

    it("answers 404 not.found for an unknown id", async () => {
      const res = await api(sim, await token(sim)).get("/api/v2/users/nobody");
      const body = await errorJson(res, 404, "not.found");
      assert.equal(body.message, "The requested resource was not found.");
    });
  });

  describe("GET /api/v2/users (bulk read)", () => {
    it("defaults to pageSize 25, pageNumber 1 and active users only", async () => {
      sim.seedUsers(generateSeedUsers(30, { extensionStart: 5000 }));
      const client = api(sim, await token(sim));
      const res = await client.get("/api/v2/users");
      assert.equal(res.status, 200);
      const page = (await res.json()) as Record<string, unknown> & { entities: ApiUser[] };
      assert.equal(page.pageSize, 25);
      assert.equal(page.pageNumber, 1);
      assert.equal(page.total, 33); // 30 generated + 3 active seeded; Carol is inactive
      assert.equal(page.pageCount, 2);
      assert.equal(page.entities.length, 25);
      assert.match(String(page.nextUri), /pageNumber=2/);
      assert.match(String(page.firstUri), /pageNumber=1/);
      assert.match(String(page.lastUri), /pageNumber=2/);
      assert.ok(page.entities.every((u) => u.state === "active"));
      const second = (await (await client.get(String(page.nextUri))).json()) as { entities: ApiUser[] };
      assert.equal(second.entities.length, 8);
    });

    it("filters by id: unknown ids are absent, inactive users need state=inactive or any", async () => {
      const client = api(sim, await token(sim));
      const ids = [ALICE, BOB, CAROL, "unknown-id"].map((id) => `id=${id}`).join("&");
      const active = (await (await client.get(`/api/v2/users?${ids}`)).json()) as {
        entities: ApiUser[];
        total: number;
      };
      assert.deepEqual(active.entities.map((u) => u.id).sort(), [ALICE, BOB].sort());
      assert.equal(active.total, 2);
      const any = (await (await client.get(`/api/v2/users?${ids}&state=any`)).json()) as {
        entities: ApiUser[];
      };
      assert.deepEqual(any.entities.map((u) => u.id).sort(), [ALICE, BOB, CAROL].sort());
      const inactive = (await (await client.get(`/api/v2/users?${ids}&state=inactive`)).json()) as {
        entities: ApiUser[];
      };
      assert.deepEqual(
        inactive.entities.map((u) => u.id),
        [CAROL],
      );
    });

    it("rejects more than 100 ids, a bad state and an out-of-range pageSize with 400", async () => {
      const client = api(sim, await token(sim));
      const ids = Array.from({ length: 101 }, (_, i) => `id=u${i}`).join("&");
      const tooMany = await errorJson(await client.get(`/api/v2/users?${ids}`), 400, "bad.request");
      assert.equal(tooMany.details[0]?.errorCode, "too.many.ids");
      await errorJson(await client.get("/api/v2/users?state=gone"), 400, "invalid.value");
      await errorJson(await client.get("/api/v2/users?pageSize=501"), 400, "bad.request");
      const hundred = Array.from({ length: 100 }, (_, i) => `id=u${i}`).join("&");
      assert.equal((await client.get(`/api/v2/users?${hundred}&pageSize=100`)).status, 200);
    });
  });

  describe("PATCH /api/v2/users/{userId}", () => {
    it("updates the fields, bumps the version and returns the user", async () => {
      const client = api(sim, await token(sim));
      const res = await client.patch(ALICE, {
        version: 1,
        title: "Senior Agent",
        department: "Sales",
        manager: BOB,
        addresses: [{ mediaType: "PHONE", type: "WORK", extension: "2001" }],
      });
      assert.equal(res.status, 200);
      const user = (await res.json()) as ApiUser;
      assert.equal(user.version, 2);
      assert.equal(user.title, "Senior Agent");
      assert.equal(user.department, "Sales");
      assert.equal(user.manager?.id, BOB);
      assert.deepEqual(user.addresses, [
        { display: "2001", mediaType: "PHONE", type: "WORK", extension: "2001" },
      ]);
      assert.deepEqual(sim.getUser(ALICE), user);
    });

    it("removes the manager with an empty string", async () => {
      const client = api(sim, await token(sim));
      const user = (await (await client.patch(ALICE, { version: 1, manager: "" })).json()) as ApiUser;
      assert.equal(user.manager, undefined);
      assert.equal(user.version, 2);
    });

    it("answers 409 for a stale version and 400 without a version", async () => {
      const client = api(sim, await token(sim));
      assert.equal((await client.patch(ALICE, { version: 1, title: "A" })).status, 200);
      const stale = await errorJson(
        await client.patch(ALICE, { version: 1, title: "B" }),
        409,
        "general.conflict",
      );
      assert.equal(stale.message, "Version does not match current version.");
      assert.equal(sim.getUser(ALICE)?.title, "A");
      const missing = await errorJson(await client.patch(ALICE, { title: "B" }), 400, "bad.request");
      assert.equal(missing.details[0]?.errorCode, "version.required");
    });

    it("answers 400 when the WORK extension is held by another user", async () => {
      const client = api(sim, await token(sim));
      const res = await client.patch(ALICE, {
        version: 1,
        addresses: [{ mediaType: "PHONE", type: "WORK", extension: "1002" }],
      });
      const body = await errorJson(res, 400, "bad.request");
      assert.match(body.message, /extension.*already in use/i);
      assert.equal(body.details[0]?.errorCode, "extension.in.use");
      assert.equal(body.details[0]?.entityId, BOB);
      assert.equal(sim.getUser(ALICE)?.version, 1);
    });

    it("rejects state combined with other fields, and changes state alone", async () => {
      const client = api(sim, await token(sim));
      const mixed = await errorJson(
        await client.patch(ALICE, { version: 1, state: "inactive", title: "x" }),
        400,
        "bad.request",
      );
      assert.equal(mixed.details[0]?.errorCode, "state.not.alone");
      const res = await client.patch(ALICE, { version: 1, state: "inactive" });
      assert.equal(res.status, 200);
      const user = (await res.json()) as ApiUser;
      assert.equal(user.state, "inactive");
      assert.equal(user.version, 2);
    });

    it("rejects invalid values with 400", async () => {
      const client = api(sim, await token(sim));
      await errorJson(await client.patch(ALICE, { version: 1, email: "not-an-email" }), 400, "bad.request");
      await errorJson(await client.patch(ALICE, { version: 1, name: "  " }), 400, "bad.request");
      const manager = await errorJson(
        await client.patch(ALICE, { version: 1, manager: "ghost" }),
        400,
        "bad.request",
      );
      assert.equal(manager.details[0]?.errorCode, "manager.not.found");
      await errorJson(await client.patch(ALICE, { version: 1, state: "gone" }), 400, "invalid.value");
      await errorJson(
        await client.patch(ALICE, { version: 1, addresses: [{ mediaType: "PHONE", type: "WORK" }] }),
        400,
        "bad.request",
      );
      await errorJson(await client.patch("nobody", { version: 1, title: "x" }), 404, "not.found");
      assert.equal(sim.getUser(ALICE)?.version, 1);
    });

    it("keeps a number and an extension on one WORK entry, rendered in either of the API's shapes", async () => {
      const client = api(sim, await token(sim));
      const work = { mediaType: "PHONE", type: "WORK", address: "+35312345678", extension: "3000" };
      const first = (await (await client.patch(ALICE, { version: 1, addresses: [work] })).json()) as ApiUser;
      assert.deepEqual(first.addresses, [
        { mediaType: "PHONE", type: "WORK", extension: "3000", display: "+35312345678" },
      ]);
      sim.configureDirectory({
        phoneRendering: { numberWithExtension: "address", extensionOnly: "unpooled" },
      });
      const second = (await (await client.patch(ALICE, { version: 2, addresses: [work] })).json()) as ApiUser;
      assert.deepEqual(second.addresses, [{ ...work, display: "+35312345678" }]);
      const alone = { mediaType: "PHONE", type: "WORK", extension: "3001" };
      const third = (await (await client.patch(ALICE, { version: 3, addresses: [alone] })).json()) as ApiUser;
      assert.deepEqual(third.addresses, [{ mediaType: "PHONE", type: "WORK", display: "3001" }]);
      // A display-only entry sent back as it came is kept, and still holds its extension.
      const back = (await (
        await client.patch(ALICE, { version: 4, addresses: third.addresses, title: "Lead" })
      ).json()) as ApiUser;
      assert.deepEqual(back.addresses, third.addresses);
      const taken = await client.patch(BOB, { version: 1, addresses: [{ ...alone, type: "WORK" }] });
      await errorJson(taken, 400, "bad.request");
    });

    it("answers a stale version with 400 'does not match the current version' when so configured", async () => {
      sim.configureDirectory({ versionConflictStatus: 400 });
      const client = api(sim, await token(sim));
      const body = await errorJson(await client.patch(ALICE, { version: 7, title: "x" }), 400, "bad.request");
      assert.match(body.message, /does not match the current version/);
      assert.equal(sim.getUser(ALICE)?.title, "Agent");
    });

    it("answers 403 to an extension change without telephony:extension:assign, and lets other fields through", async () => {
      sim.addClient({ clientId: "hr", clientSecret: "h", permissions: ["directory:user:edit"] });
      const client = api(sim, await token(sim, "hr", "h"));
      const extension = [{ mediaType: "PHONE", type: "WORK", extension: "3999" }];
      const named = await errorJson(
        await client.patch(ALICE, { version: 1, addresses: extension }),
        403,
        "missing.division.permission",
      );
      assert.match(named.message, /telephony:extension:assign/);
      sim.configureDirectory({ permissionErrors: "generic" });
      const generic = await errorJson(
        await client.patch(ALICE, { version: 1, addresses: extension, title: "Lead" }),
        403,
        "not.authorized",
      );
      assert.doesNotMatch(generic.message, /telephony/);
      assert.equal(sim.getUser(ALICE)?.title, "Agent");
      const current = sim.getUser(ALICE);
      assert.ok(current);
      const ok = await client.patch(ALICE, { version: 1, addresses: current.addresses, title: "Lead" });
      assert.equal(ok.status, 200, "the same addresses back, another field changed");
    });

    it("answers 403 missing.any.permissions to a client without directory:user:edit", async () => {
      sim.addClient({ clientId: "reader", clientSecret: "r", permissions: ["directory:user:view"] });
      const client = api(sim, await token(sim, "reader", "r"));
      assert.equal((await client.get(`/api/v2/users/${ALICE}`)).status, 200);
      const body = await errorJson(
        await client.patch(ALICE, { version: 1, title: "x" }),
        403,
        "missing.any.permissions",
      );
      assert.match(body.message, /directory:user:edit/);
      assert.equal(sim.getUser(ALICE)?.title, "Agent");
    });
  });

  describe("rate limiting", () => {
    it("answers 429 with Retry-After past the per-token limit; rejected calls do not count", async () => {
      sim.setRateLimit({ perTokenLimit: 3, windowMs: 2_000 });
      const client = api(sim, await token(sim));
      for (let i = 0; i < 3; i++) {
        assert.equal((await client.get(`/api/v2/users/${ALICE}`)).status, 200);
        clock += 100;
      }
      const limited = await client.get(`/api/v2/users/${ALICE}`);
      const body = await errorJson(limited, 429, "too.many.requests.retry.after");
      // The first call (at t0) frees its slot at t0 + 2000; now is t0 + 300: 1.7 s, rounded up.
      assert.equal(limited.headers.get("retry-after"), "2");
      assert.match(body.message, /Retry the request in \[2\] seconds/);
      clock += 1_000;
      assert.equal((await client.get(`/api/v2/users/${ALICE}`)).status, 429);
      clock += 700; // t0 + 2000: the first call has left the window
      assert.equal((await client.get(`/api/v2/users/${ALICE}`)).status, 200);
      // A second token of the same client has its own window.
      assert.equal((await api(sim, await token(sim)).get(`/api/v2/users/${ALICE}`)).status, 200);
    });

    it("limits per client across tokens", async () => {
      sim.setRateLimit({ perClientLimit: 2, windowMs: 10_000 });
      const first = api(sim, await token(sim));
      const second = api(sim, await token(sim));
      assert.equal((await first.get(`/api/v2/users/${ALICE}`)).status, 200);
      assert.equal((await second.get(`/api/v2/users/${ALICE}`)).status, 200);
      const limited = await first.get(`/api/v2/users/${ALICE}`);
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get("retry-after"), "10");
    });

    it("limits one route per client across tokens with perRouteLimits, leaving the other routes alone", async () => {
      sim.setRateLimit({ perRouteLimits: { getUser: 2 }, windowMs: 10_000 });
      const first = api(sim, await token(sim));
      const second = api(sim, await token(sim));
      assert.equal((await first.get(`/api/v2/users/${ALICE}`)).status, 200);
      clock += 1_000;
      assert.equal((await second.get(`/api/v2/users/${BOB}`)).status, 200);
      const limited = await first.get(`/api/v2/users/${ALICE}`);
      await errorJson(limited, 429, "too.many.requests.retry.after");
      assert.equal(limited.headers.get("retry-after"), "9", "the first getUser leaves the window 9 s on");
      assert.equal((await first.get(`/api/v2/users?id=${ALICE}`)).status, 200, "getUsers has no route limit");
      assert.equal((await first.patch(BOB, { version: 1, title: "x" })).status, 200);
      // Another client has its own route window.
      sim.addClient({ clientId: "other", clientSecret: "s" });
      assert.equal(
        (await api(sim, await token(sim, "other", "s")).get(`/api/v2/users/${ALICE}`)).status,
        200,
      );
      clock += 9_000;
      assert.equal((await second.get(`/api/v2/users/${ALICE}`)).status, 200);
    });

    it("limits a family of routes per client with perFamilyLimits: one user and the bulk read count together", async () => {
      sim.setRateLimit({ perFamilyLimits: { "users.read": 2 }, windowMs: 10_000 });
      const client = api(sim, await token(sim));
      assert.equal((await client.get(`/api/v2/users/${ALICE}`)).status, 200);
      assert.equal((await client.get(`/api/v2/users?id=${BOB}`)).status, 200);
      await errorJson(await client.get(`/api/v2/users/${BOB}`), 429, "too.many.requests.retry.after");
      assert.equal(
        (await client.patch(BOB, { version: 1, title: "x" })).status,
        200,
        "writes are another family",
      );
      clock += 10_000;
      assert.equal((await client.get(`/api/v2/users?id=${ALICE}`)).status, 200);
    });

    it("sends the inin-ratelimit headers of the tightest window a call counted against, 429s included, only when asked", async () => {
      const headers = (res: Response) =>
        ["allowed", "count", "reset"].map((h) => res.headers.get(`inin-ratelimit-${h}`));
      const client = api(sim, await token(sim));
      assert.deepEqual(
        headers(await client.get(`/api/v2/users/${ALICE}`)),
        [null, null, null],
        "off by default",
      );

      sim.setRateLimit({ perTokenLimit: 4, perClientLimit: 5, windowMs: 10_000, limitHeaders: "tightest" });
      const first = api(sim, await token(sim));
      const second = api(sim, await token(sim));
      // One call: the token has 3 left, the client 4: the token's window binds.
      assert.deepEqual(headers(await first.get(`/api/v2/users/${ALICE}`)), ["4", "1", "10"]);
      clock += 2_000;
      assert.deepEqual(headers(await first.get(`/api/v2/users/${ALICE}`)), ["4", "2", "8"]);
      // The second token: 3 left for it, 2 for the client: the client's window binds.
      assert.deepEqual(headers(await second.get(`/api/v2/users/${ALICE}`)), ["5", "3", "8"]);
      assert.deepEqual(headers(await second.patch(BOB, { version: 1, title: "x" })), ["5", "4", "8"]);
      // Even a refusal that counted carries them (404: the call was counted first).
      const missing = await second.get("/api/v2/users/00000000-0000-4000-8000-0000000000ff");
      assert.equal(missing.status, 404);
      assert.deepEqual(headers(missing), ["5", "5", "8"]);
      const limited = await first.get(`/api/v2/users/${ALICE}`);
      assert.equal(limited.status, 429);
      assert.deepEqual(headers(limited), ["5", "5", "8"], "the client's full window turned it away");

      // A route limit is a window too; "token" and "client" name theirs whatever the room (each
      // setRateLimit empties the windows).
      sim.setRateLimit({ perRouteLimits: { getUser: 2 }, perClientLimit: 50 });
      assert.deepEqual(headers(await first.get(`/api/v2/users/${ALICE}`)), ["2", "1", "10"]);
      sim.setRateLimit({ limitHeaders: "token" });
      await second.get(`/api/v2/users/${ALICE}`);
      assert.deepEqual(headers(await first.get(`/api/v2/users/${ALICE}`)), ["4", "1", "10"]);
      sim.setRateLimit({ limitHeaders: "client" });
      await second.get(`/api/v2/users/${ALICE}`);
      assert.deepEqual(headers(await first.get(`/api/v2/users?id=${ALICE}`)), ["50", "2", "10"]);
      // Nothing is sent for calls that count against no window (a token request).
      assert.equal((await requestToken(sim)).headers.get("inin-ratelimit-allowed"), null);
    });

    it("can announce the wait as an HTTP-date or not at all", async () => {
      sim.setRateLimit({ perTokenLimit: 1, windowMs: 5_000, retryAfterMode: "http-date" });
      const client = api(sim, await token(sim));
      await client.get(`/api/v2/users/${ALICE}`);
      const dated = await client.get(`/api/v2/users/${ALICE}`);
      assert.equal(dated.status, 429);
      assert.equal(
        Date.parse(dated.headers.get("retry-after") ?? ""),
        Math.ceil((clock + 5_000) / 1000) * 1000,
      );
      sim.setRateLimit({ retryAfterMode: "none" });
      await client.get(`/api/v2/users/${ALICE}`);
      const bare = await client.get(`/api/v2/users/${ALICE}`);
      assert.equal(bare.status, 429);
      assert.equal(bare.headers.get("retry-after"), null);
      await errorJson(bare, 429, "too.many.requests.retry.after");
    });

    it("limits token requests per client separately, answering 400 invalid_request as Genesys does", async () => {
      sim.setTokenRateLimit({ limit: 2, windowMs: 60_000 });
      try {
        assert.equal((await requestToken(sim)).status, 200);
        assert.equal((await requestToken(sim)).status, 200);
        const limited = await requestToken(sim);
        assert.equal(limited.status, 400);
        const body = (await limited.json()) as { error: string; error_description: string };
        assert.equal(body.error, "invalid_request");
        assert.match(body.error_description, /^rate limit exceeded/);
        assert.equal(limited.headers.get("retry-after"), null);
      } finally {
        sim.setTokenRateLimit({ limit: 300 });
      }
    });

    it("answers a token rate limit with a 429 and Retry-After when asked to", async () => {
      sim.setTokenRateLimit({ limit: 1, windowMs: 60_000, answer: "429" });
      try {
        assert.equal((await requestToken(sim)).status, 200);
        const limited = await requestToken(sim);
        assert.equal(limited.status, 429);
        assert.equal(limited.headers.get("retry-after"), "60");
      } finally {
        sim.setTokenRateLimit({ limit: 300, answer: "400" });
      }
    });
  });

  describe("faults", () => {
    it("injects 5xx, 429 and connection resets on the next matching calls", async () => {
      const client = api(sim, await token(sim));
      sim.setFaults({
        failNext: [
          { route: "patchUser", status: 503 },
          { route: "getUser", status: "reset" },
          { route: "getUsers", status: 429, retryAfterSeconds: 7 },
        ],
      });
      await errorJson(await client.patch(ALICE, { version: 1, title: "x" }), 503, "service.unavailable");
      assert.equal(sim.getUser(ALICE)?.version, 1);
      await assert.rejects(client.get(`/api/v2/users/${ALICE}`));
      const limited = await client.get(`/api/v2/users?id=${ALICE}`);
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get("retry-after"), "7");
      assert.equal((await client.patch(ALICE, { version: 1, title: "x" })).status, 200);
    });

    it("lets `skip` matching calls through before failing `count` of them", async () => {
      const client = api(sim, await token(sim));
      sim.setFaults({
        failNext: [
          { route: "getUsers", status: 503, skip: 1 },
          { route: "patchUser", status: "reset", skip: 2, count: 2 },
        ],
      });
      const read = () => client.get(`/api/v2/users?id=${ALICE}`);
      assert.equal((await read()).status, 200, "the first bulk read is let through");
      await errorJson(await read(), 503, "service.unavailable");
      assert.equal((await read()).status, 200, "the rule is used up");
      const patch = async (title: string) =>
        client.patch(ALICE, { version: sim.getUser(ALICE)?.version ?? 0, title });
      assert.equal((await patch("a")).status, 200);
      assert.equal((await patch("b")).status, 200);
      await assert.rejects(patch("c"));
      await assert.rejects(patch("d"));
      assert.equal((await patch("e")).status, 200);
      assert.equal(sim.getUser(ALICE)?.title, "e");
      assert.deepEqual(sim.stats().byRouteStatus.patchUser, { "0": 2, "200": 3 });
    });

    it("adds latency and random failures", async () => {
      const client = api(sim, await token(sim));
      sim.setFaults({ latencyMs: 60 });
      const started = performance.now();
      assert.equal((await client.get(`/api/v2/users/${ALICE}`)).status, 200);
      assert.ok(performance.now() - started >= 55);
      sim.setFaults({ latencyMs: 0, errorRate: 1, errorStatus: 500 });
      await errorJson(await client.get(`/api/v2/users/${ALICE}`), 500, "internal.server.error");
    });
  });

  describe("GET /api/v2/organizations/limits/namespaces/{namespace}", () => {
    const PLATFORM = "/api/v2/organizations/limits/namespaces/platform.api";
    type Listing = { entities: { key: string; namespace: string; value: number }[] };
    const valuesOf = async (res: Response): Promise<Record<string, number>> => {
      assert.equal(res.status, 200);
      const body = (await res.json()) as Listing;
      assert.deepEqual(Object.keys(body), ["entities"]);
      assert.ok(body.entities.every((e) => e.namespace === "platform.api"));
      return Object.fromEntries(body.entities.map((e) => [e.key, e.value]));
    };

    it("answers platform.api's limits as the simulator enforces them, per minute", async () => {
      const client = api(sim, await token(sim));
      assert.deepEqual(await valuesOf(await client.get(PLATFORM)), {
        "client.credentials.token.rate.per.minute": 300,
        "token.rate.per.minute": 300,
        "org.app.user.rate.per.minute": 3000,
        "request.bytes.max": 512_000,
      });
      sim.setRateLimit({ perTokenLimit: 5, perClientLimit: 20, windowMs: 2_000 });
      const values = await valuesOf(await client.get(PLATFORM));
      assert.equal(values["client.credentials.token.rate.per.minute"], 150);
      assert.equal(values["org.app.user.rate.per.minute"], 600);
    });

    it("answers the configured values instead, only those keys", async () => {
      sim.setOrgLimits({ values: { "client.credentials.token.rate.per.minute": 600 } });
      const client = api(sim, await token(sim));
      assert.deepEqual(await valuesOf(await client.get(PLATFORM)), {
        "client.credentials.token.rate.per.minute": 600,
      });
      sim.setOrgLimits({});
      assert.equal((await valuesOf(await client.get(PLATFORM)))["org.app.user.rate.per.minute"], 3000);
    });

    it("answers 404 not.found for another namespace, and when told to refuse with 404", async () => {
      const client = api(sim, await token(sim));
      const other = await errorJson(
        await client.get("/api/v2/organizations/limits/namespaces/no.such.namespace"),
        404,
        "not.found",
      );
      assert.match(other.message, /no\.such\.namespace/);
      sim.setOrgLimits({ refuse: 404 });
      await errorJson(await client.get(PLATFORM), 404, "not.found");
    });

    it("answers 403 naming limits:organization:view when told to refuse, or to require it of a client without it", async () => {
      const client = api(sim, await token(sim));
      sim.setOrgLimits({ refuse: 403 });
      const refused = await errorJson(await client.get(PLATFORM), 403, "missing.any.permissions");
      assert.match(refused.message, /\[limits:organization:view\]/);

      sim.setOrgLimits({ requirePermission: true });
      const denied = await errorJson(await client.get(PLATFORM), 403, "missing.any.permissions");
      assert.match(denied.message, /limits:organization:view/);
      sim.addClient({ clientId: "viewer", clientSecret: "s", permissions: ["limits:organization:view"] });
      const viewer = api(sim, await token(sim, "viewer", "s"));
      assert.equal((await valuesOf(await viewer.get(PLATFORM)))["token.rate.per.minute"], 300);
    });

    it("is authenticated, counted against the rate limits like any API call, and recorded as orgLimits", async () => {
      assert.equal((await fetch(`${sim.apiUrl}${PLATFORM}`)).status, 401);
      sim.setRateLimit({ perTokenLimit: 2 });
      const client = api(sim, await token(sim));
      assert.equal((await client.get(PLATFORM)).status, 200);
      assert.equal((await client.get(`/api/v2/users/${ALICE}`)).status, 200);
      await errorJson(await client.get(PLATFORM), 429, "too.many.requests.retry.after");
      const post = await fetch(`${sim.apiUrl}${PLATFORM}`, {
        method: "POST",
        headers: { authorization: `Bearer ${await token(sim)}` },
      });
      await errorJson(post, 405, "method.not.allowed");
      const stats = sim.stats();
      assert.deepEqual(stats.byRouteStatus.orgLimits, { "200": 1, "401": 1, "429": 1 });
      sim.setFaults({ failNext: [{ route: "orgLimits", status: 503 }] });
      await errorJson(await api(sim, await token(sim)).get(PLATFORM), 503, "service.unavailable");
    });
  });

  describe("stats", () => {
    it("counts calls by route and status, with a time series", async () => {
      const client = api(sim, await token(sim));
      await client.get(`/api/v2/users/${ALICE}`);
      await client.get("/api/v2/users/nobody");
      await client.get(`/api/v2/users?id=${ALICE}`);
      await client.patch(ALICE, { version: 1, title: "x" });
      await client.patch(ALICE, { version: 1, title: "y" });
      const stats = sim.stats();
      assert.equal(stats.total, 6);
      assert.deepEqual(stats.byRoute, { token: 1, getUser: 2, getUsers: 1, patchUser: 2 });
      assert.deepEqual(stats.byStatus, { "200": 4, "404": 1, "409": 1 });
      assert.deepEqual(stats.byRouteStatus.patchUser, { "200": 1, "409": 1 });
      assert.equal(stats.series.length, 6);
      assert.ok(stats.series.every((c) => c.clientId === DEFAULT_CLIENT_ID && c.t === clock));
      sim.resetStats();
      assert.equal(sim.stats().total, 0);
    });
  });
});

describe("startGenesysSimulator", () => {
  it("listens on 127.0.0.1 and an ephemeral port by default, and seeds generated users", async () => {
    const sim = await startGenesysSimulator({ users: generateSeedUsers(12) });
    try {
      assert.match(sim.apiUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(sim.loginUrl, sim.apiUrl);
      const users = sim.listUsers();
      assert.equal(users.length, 12);
      const extensions = users.map((u) => u.addresses[0]?.extension).sort();
      assert.deepEqual(extensions, Array.from({ length: 12 }, (_, i) => String(1000 + i)).sort());
      assert.ok(users.some((u) => u.manager !== undefined));
    } finally {
      await sim.close();
    }
  });

  it("refuses seeds with a duplicate extension", async () => {
    const sim = await startGenesysSimulator();
    try {
      assert.throws(() =>
        sim.seedUsers([
          { name: "A", email: "a@example.com", extension: "1" },
          { name: "B", email: "b@example.com", extension: "1" },
        ]),
      );
      assert.equal(sim.listUsers().length, 0);
    } finally {
      await sim.close();
    }
  });
});
