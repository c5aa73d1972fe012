import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  AuthenticationError,
  PermanentGenesysError,
  RateLimitedError,
  TransientGenesysError,
} from "../../../lib/genesys/errors.ts";
import {
  type SharedToken,
  TokenProvider,
  type TokenProviderOptions,
  type TokenStore,
} from "../../../lib/genesys/token-provider.ts";
import { deferred, fakeFetch, json, type Responder } from "./fakes.ts";

const LOGIN = "https://login.example.test";
const signal = new AbortController().signal;

function tokenResponse(token: string, expiresIn = 3600): Responder {
  return () => json(200, { access_token: token, token_type: "bearer", expires_in: expiresIn });
}

/** Answers a new token (`tok-1`, `tok-2`, ...) to every request. */
function freshTokens(expiresIn = 3600): Responder {
  let issued = 0;
  return () => json(200, { access_token: `tok-${++issued}`, token_type: "bearer", expires_in: expiresIn });
}

function provider(fetchImpl: typeof fetch, extra: Partial<TokenProviderOptions> = {}) {
  return new TokenProvider({
    loginUrl: LOGIN,
    credentials: async () => ({ clientId: "my-client", clientSecret: "s3cr:et" }),
    fetch: fetchImpl,
    ...extra,
  });
}

/** An in-memory TokenStore (the state table's stand-in), counting loads; `fail` makes it reject. */
function memoryStore(): TokenStore & {
  slots: Map<number, SharedToken>;
  loads: number;
  batchLoads: number;
  fail: boolean;
  now: () => number;
} {
  const store = {
    slots: new Map<number, SharedToken>(),
    loads: 0,
    batchLoads: 0,
    fail: false,
    async load(slot: number): Promise<SharedToken | undefined> {
      store.loads += 1;
      if (store.fail) throw new Error("DynamoDB down");
      return store.slots.get(slot);
    },
    async loadMany(slots: readonly number[]): Promise<Map<number, SharedToken>> {
      store.batchLoads += 1;
      if (store.fail) throw new Error("DynamoDB down");
      const found = new Map<number, SharedToken>();
      for (const slot of slots) {
        const token = store.slots.get(slot);
        if (token) found.set(slot, token);
      }
      return found;
    },
    async save(slot: number, token: SharedToken, replacing: string | undefined): Promise<SharedToken> {
      if (store.fail) throw new Error("DynamoDB down");
      const held = store.slots.get(slot);
      // As DynamoTokenStore: a stored token not yet due for renewal (and not the refused one) stays.
      if (held && held.value !== replacing && store.now() < held.renewAtMs) return held;
      store.slots.set(slot, token);
      return token;
    },
    now: (): number => 0,
  };
  return store;
}

describe("TokenProvider with a pool shared through a store", () => {
  it("one token per slot; a second container takes the stored ones and requests none", async () => {
    const store = memoryStore();
    const fake = fakeFetch(freshTokens());
    const a = provider(fake.fetch, { store });
    assert.equal(await a.getToken(signal, 0), "tok-1");
    assert.equal(await a.getToken(signal, 1), "tok-2");
    assert.equal(await a.getToken(signal, 0), "tok-1");
    const b = provider(fake.fetch, { store });
    assert.equal(await b.getToken(signal, 1), "tok-2");
    assert.equal(await b.getToken(signal, 0), "tok-1");
    assert.equal(fake.requests.length, 2);
  });

  it("a token refused with a 401 is not taken from the store again", async () => {
    const store = memoryStore();
    const fake = fakeFetch(freshTokens());
    const a = provider(fake.fetch, { store });
    const first = await a.getToken(signal, 0);
    a.invalidate(first);
    const second = await a.getToken(signal, 0);
    assert.notEqual(second, first);
    assert.equal(store.slots.get(0)?.value, second, "the new token replaces it for everyone");
  });

  it("a store that fails leaves the container on tokens of its own", async () => {
    const store = memoryStore();
    store.fail = true;
    const fake = fakeFetch(freshTokens());
    const a = provider(fake.fetch, { store });
    assert.equal(await a.getToken(signal, 0), "tok-1");
    assert.equal(await a.getToken(signal, 0), "tok-1", "cached in the container");
    assert.equal(fake.requests.length, 1);
  });

  it("two containers that mint for one slot at once end up on the same token", async () => {
    const store = memoryStore();
    const fake = fakeFetch(freshTokens());
    const [a, b] = [provider(fake.fetch, { store }), provider(fake.fetch, { store })];
    const [ta, tb] = await Promise.all([a.getToken(signal, 0), b.getToken(signal, 0)]);
    assert.equal(fake.requests.length, 2, "both minted (neither found one stored)");
    assert.equal(ta, tb, "the one stored first is the slot's token for both");
  });

  it("prefetch: a new container takes every stored token in one read, before its first call", async () => {
    const store = memoryStore();
    const fake = fakeFetch(freshTokens());
    const a = provider(fake.fetch, { store });
    for (const slot of [0, 1, 2]) await a.getToken(signal, slot);
    const b = provider(fake.fetch, { store });
    const prefetched = b.prefetch(4, signal);
    // A caller that comes while the read is in flight waits for it instead of loading its slot.
    const during = b.getToken(signal, 1);
    await prefetched;
    assert.equal(await during, "tok-2");
    assert.deepEqual([await b.getToken(signal, 0), await b.getToken(signal, 2)], ["tok-1", "tok-3"]);
    assert.equal(store.batchLoads, 1);
    assert.equal(store.loads, 3, "only a's loads: b loaded no slot one by one");
    assert.equal(fake.requests.length, 3, "b minted nothing");
    // Slot 3 held no token: it is loaded, then minted, on first use as before.
    assert.equal(await b.getToken(signal, 3), "tok-4");
    assert.equal(store.loads, 4);
  });

  it("prefetch skips a stored token due for renewal or refused, and a failed read changes nothing", async () => {
    let now = 0;
    const store = memoryStore();
    store.now = () => now;
    store.slots.set(0, { value: "due", renewAtMs: 100, expiresAtMs: 1_000 });
    store.slots.set(1, { value: "refused", renewAtMs: 5_000, expiresAtMs: 10_000 });
    const fake = fakeFetch(freshTokens());
    const b = provider(fake.fetch, { store, now: () => now });
    b.invalidate("refused");
    now = 200;
    await b.prefetch(2, signal);
    assert.equal(await b.getToken(signal, 0), "tok-1", "renewed, not the stored one past its renewal time");
    assert.equal(await b.getToken(signal, 1), "tok-2", "the refused one is not used");
    const c = provider(fake.fetch, { store, now: () => now });
    store.fail = true;
    await c.prefetch(2, signal);
    store.fail = false;
    assert.equal(await c.getToken(signal, 0), "tok-1", "loaded on first use after the failed read");
  });

  it("renews from the store when another container renewed first", async () => {
    let now = 0;
    const store = memoryStore();
    store.now = () => now;
    const fake = fakeFetch(freshTokens(600));
    const a = provider(fake.fetch, { store, now: () => now });
    const b = provider(fake.fetch, { store, now: () => now });
    assert.equal(await a.getToken(signal, 0), "tok-1");
    assert.equal(await b.getToken(signal, 0), "tok-1");
    now = 301_000; // past the renewal time (half of 600 s)
    assert.equal(await a.getToken(signal, 0), "tok-2");
    assert.equal(await b.getToken(signal, 0), "tok-2", "b finds a's renewal");
    assert.equal(fake.requests.length, 2);
  });
});

describe("TokenProvider", () => {
  it("sends Basic auth, the form content type and grant_type=client_credentials to /oauth/token", async () => {
    const fake = fakeFetch(tokenResponse("tok-1"));
    assert.equal(await provider(fake.fetch).getToken(signal), "tok-1");
    assert.equal(fake.requests.length, 1);
    const [request] = fake.requests;
    assert.equal(request?.url, `${LOGIN}/oauth/token`);
    assert.equal(request?.method, "POST");
    assert.equal(
      request?.headers.authorization,
      `Basic ${Buffer.from("my-client:s3cr:et").toString("base64")}`,
    );
    assert.equal(request?.headers["content-type"], "application/x-www-form-urlencoded");
    assert.deepEqual(Object.fromEntries(new URLSearchParams(request?.body)), {
      grant_type: "client_credentials",
    });
    // The credentials go only in the header.
    assert.doesNotMatch(request?.body ?? "", /my-client|s3cr/);
  });

  it("caches the token", async () => {
    const fake = fakeFetch(tokenResponse("tok-1"), tokenResponse("tok-2"));
    const tokens = provider(fake.fetch);
    assert.equal(await tokens.getToken(signal), "tok-1");
    assert.equal(await tokens.getToken(signal), "tok-1");
    assert.equal(await tokens.getToken(signal), "tok-1");
    assert.equal(fake.requests.length, 1);
  });

  it("renews before expiry (default margin 5 minutes)", async () => {
    let now = 1_000_000;
    const fake = fakeFetch(tokenResponse("tok-1", 3600), tokenResponse("tok-2", 3600));
    const tokens = provider(fake.fetch, { now: () => now });
    assert.equal(await tokens.getToken(signal), "tok-1");
    now += (3600 - 301) * 1000; // still more than 5 minutes left
    assert.equal(await tokens.getToken(signal), "tok-1");
    assert.equal(fake.requests.length, 1);
    now += 2000; // now less than 5 minutes left
    assert.equal(await tokens.getToken(signal), "tok-2");
    assert.equal(fake.requests.length, 2);
  });

  it("honours renewBeforeMs", async () => {
    let now = 0;
    const fake = fakeFetch(tokenResponse("tok-1", 60), tokenResponse("tok-2", 60));
    const tokens = provider(fake.fetch, { now: () => now, renewBeforeMs: 10_000 });
    await tokens.getToken(signal);
    now = 49_000;
    assert.equal(await tokens.getToken(signal), "tok-1");
    now = 50_000;
    assert.equal(await tokens.getToken(signal), "tok-2");
  });

  it("concurrent getToken calls share one request", async () => {
    const gate = deferred<void>();
    const fake = fakeFetch(async () => {
      await gate.promise;
      return json(200, { access_token: "tok-1", expires_in: 3600 });
    }, tokenResponse("tok-2"));
    const tokens = provider(fake.fetch);
    const all = Promise.all([tokens.getToken(signal), tokens.getToken(signal), tokens.getToken(signal)]);
    // let the credentials resolve and the request start
    await new Promise((r) => setImmediate(r));
    gate.resolve();
    assert.deepEqual(await all, ["tok-1", "tok-1", "tok-1"]);
    assert.equal(fake.requests.length, 1);
  });

  it("invalidate(token) forces a renewal", async () => {
    const fake = fakeFetch(tokenResponse("tok-1"), tokenResponse("tok-2"));
    const tokens = provider(fake.fetch);
    assert.equal(await tokens.getToken(signal), "tok-1");
    tokens.invalidate("tok-1");
    assert.equal(await tokens.getToken(signal), "tok-2");
    assert.equal(fake.requests.length, 2);
  });

  it("invalidate of an older token keeps the current one", async () => {
    const fake = fakeFetch(tokenResponse("tok-1"), tokenResponse("tok-2"));
    const tokens = provider(fake.fetch);
    await tokens.getToken(signal);
    tokens.invalidate("tok-0");
    assert.equal(await tokens.getToken(signal), "tok-1");
    assert.equal(fake.requests.length, 1);
  });

  for (const [status, body] of [
    [
      401,
      {
        error: "invalid_client",
        description: "authentication failed",
        error_description: "authentication failed",
      },
    ],
    [
      400,
      { error: "invalid_client", description: "client not found", error_description: "client not found" },
    ],
    [
      401,
      {
        error: "invalid_client",
        description: "client authentication required",
        error_description: "client authentication required",
      },
    ],
  ] as const) {
    it(`${status} ${body.description} from login → AuthenticationError naming the client`, async () => {
      const fake = fakeFetch(() => json(status, body, status === 401 ? { "www-authenticate": "Basic" } : {}));
      const error = await provider(fake.fetch)
        .getToken(signal)
        .then(
          () => assert.fail("expected a rejection"),
          (e: unknown) => e,
        );
      assert.ok(error instanceof AuthenticationError, String(error));
      assert.equal(error.status, status);
      assert.equal(error.operation, "POST /oauth/token");
      assert.match(error.message, /my-client/);
      assert.match(error.message, /invalid_client/);
      assert.doesNotMatch(error.message, /s3cr:et/);
    });
  }

  it("does not cache a failed login: the next call asks again", async () => {
    const fake = fakeFetch(() => json(401, { error: "invalid_client" }), tokenResponse("tok-2"));
    const tokens = provider(fake.fetch);
    await assert.rejects(tokens.getToken(signal), AuthenticationError);
    assert.equal(await tokens.getToken(signal), "tok-2");
    assert.equal(fake.requests.length, 2);
  });

  it("429 from login → RateLimitedError with the Retry-After wait", async () => {
    const fake = fakeFetch(() =>
      json(
        429,
        { code: "too.many.requests.retry.after", message: "Rate limit exceeded" },
        { "retry-after": "7" },
      ),
    );
    const error = await provider(fake.fetch)
      .getToken(signal)
      .catch((e: unknown) => e);
    assert.ok(error instanceof RateLimitedError, String(error));
    assert.equal(error.retryAfterMs, 7000);
  });

  it("503 from login → TransientGenesysError", async () => {
    const fake = fakeFetch(() => json(503, { code: "service.unavailable" }));
    await assert.rejects(provider(fake.fetch).getToken(signal), TransientGenesysError);
  });

  it("a network failure → TransientGenesysError genesys.login.unreachable", async () => {
    const fake = fakeFetch(() => {
      throw new TypeError("fetch failed");
    });
    const error = await provider(fake.fetch)
      .getToken(signal)
      .catch((e: unknown) => e);
    assert.ok(error instanceof TransientGenesysError);
    assert.equal(error.reasonCode, "genesys.login.unreachable");
  });

  it("a 200 without access_token → PermanentGenesysError genesys.login.malformed", async () => {
    const fake = fakeFetch(() => json(200, { token_type: "bearer" }));
    const error = await provider(fake.fetch)
      .getToken(signal)
      .catch((e: unknown) => e);
    assert.ok(error instanceof PermanentGenesysError);
    assert.equal(error.reasonCode, "genesys.login.malformed");
  });

  describe("renewal time: never before half the lifetime", () => {
    it("a 300-s token is renewed once every 150 s, not on every call", async () => {
      let now = 0;
      const fake = fakeFetch(freshTokens(300));
      const tokens = provider(fake.fetch, { now: () => now });
      const seen = new Set<string>();
      for (now = 0; now < 600_000; now += 1000) seen.add(await tokens.getToken(signal));
      // issued at 0, 150, 300 and 450 s
      assert.equal(fake.requests.length, 4);
      assert.deepEqual([...seen], ["tok-1", "tok-2", "tok-3", "tok-4"]);
    });

    it("renews at min(renewBeforeMs, lifetime / 2) before expiry, whatever the lifetime", async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 48 * 3600 }), async (lifetimeSeconds) => {
          let now = 1_000_000;
          const fake = fakeFetch(tokenResponse("tok-1", lifetimeSeconds), tokenResponse("tok-2"));
          const tokens = provider(fake.fetch, { now: () => now });
          await tokens.getToken(signal);
          const lifetimeMs = lifetimeSeconds * 1000;
          const renewAt = 1_000_000 + lifetimeMs - Math.min(5 * 60_000, lifetimeMs / 2);
          now = Math.ceil(renewAt) - 1;
          assert.equal(await tokens.getToken(signal), "tok-1");
          now = Math.ceil(renewAt);
          assert.equal(await tokens.getToken(signal), "tok-2");
          assert.ok(now - 1_000_000 >= lifetimeMs / 2, "never before half the lifetime");
        }),
      );
    });
  });

  it("callers past the renewal time share one renewal", async () => {
    let now = 0;
    const fake = fakeFetch(freshTokens(300));
    const tokens = provider(fake.fetch, { now: () => now });
    await tokens.getToken(signal);
    now = 160_000;
    const all = await Promise.all(Array.from({ length: 8 }, () => tokens.getToken(signal)));
    assert.deepEqual(new Set(all), new Set(["tok-2"]));
    assert.equal(fake.requests.length, 2);
  });

  describe("the login service's rate limit", () => {
    const rateLimited400 = (): Response =>
      json(400, {
        error: "invalid_request",
        description: "rate limit exceeded; try again later",
        error_description: "rate limit exceeded; try again later",
      });

    for (const [name, body] of [
      ["error_description", { error: "invalid_request", error_description: "Rate Limit Exceeded" }],
      ["description", { error: "invalid_request", description: "rate limit exceeded; x" }],
      ["message", { message: "RATE LIMIT exceeded" }],
    ] as const) {
      it(`400 saying "rate limit" in ${name} → RateLimitedError (login), not AuthenticationError`, async () => {
        const fake = fakeFetch(() => json(400, body));
        const error = await provider(fake.fetch, { maxWaitMs: 0 })
          .getToken(signal)
          .catch((e: unknown) => e);
        assert.ok(error instanceof RateLimitedError, String(error));
        assert.equal(error.source, "login");
        assert.equal(error.status, 400);
        assert.equal(error.reasonCode, "genesys.login.rate.limited");
        assert.equal(error.retryAfterMs, 5000, "no Retry-After: the default wait");
        assert.doesNotMatch(error.message, /client id and secret/);
      });
    }

    it("400 invalid_client stays an AuthenticationError even if it mentions a rate limit", async () => {
      const fake = fakeFetch(() => json(400, { error: "invalid_client", error_description: "rate limit" }));
      await assert.rejects(provider(fake.fetch).getToken(signal), AuthenticationError);
    });

    it("a short limit is waited out and the request retried once: the caller gets its token", async () => {
      let now = 0;
      const slept: number[] = [];
      const fake = fakeFetch(rateLimited400, tokenResponse("tok-1"));
      const tokens = provider(fake.fetch, {
        now: () => now,
        sleep: async (ms) => {
          slept.push(ms);
          now += ms;
        },
      });
      assert.equal(await tokens.getToken(signal), "tok-1");
      assert.deepEqual(slept, [5000]);
      assert.equal(fake.requests.length, 2);
    });

    it("retries only once: a second limit gives RateLimitedError, with no third request", async () => {
      let now = 0;
      const fake = fakeFetch(rateLimited400);
      const tokens = provider(fake.fetch, {
        now: () => now,
        sleep: async (ms) => {
          now += ms;
        },
      });
      await assert.rejects(tokens.getToken(signal), RateLimitedError);
      assert.equal(fake.requests.length, 2);
    });

    it("a wait longer than maxWaitMs, or past the deadline, is not taken", async () => {
      const limited429 = () => json(429, {}, { "retry-after": "3" });
      for (const extra of [{ maxWaitMs: 2000 }, { deadlineMs: () => 2000 }]) {
        const fake = fakeFetch(limited429);
        const error = await provider(fake.fetch, { now: () => 0, ...extra })
          .getToken(signal)
          .catch((e: unknown) => e);
        assert.ok(error instanceof RateLimitedError, String(error));
        assert.equal(error.source, "login");
        assert.equal(error.retryAfterMs, 3000);
        assert.equal(fake.requests.length, 1);
      }
    });

    it("no request is sent while an earlier limit holds", async () => {
      let now = 0;
      const fake = fakeFetch(() => json(429, {}, { "retry-after": "60" }), tokenResponse("tok-1"));
      const tokens = provider(fake.fetch, { now: () => now });
      await assert.rejects(tokens.getToken(signal), RateLimitedError);
      now = 30_000;
      const error = await tokens.getToken(signal).catch((e: unknown) => e);
      assert.ok(error instanceof RateLimitedError);
      assert.equal(error.retryAfterMs, 30_000);
      assert.equal(fake.requests.length, 1);
      now = 60_000;
      assert.equal(await tokens.getToken(signal), "tok-1");
    });

    it("an early renewal that is rate-limited keeps the still-valid token, without waiting", async () => {
      let now = 0;
      const fake = fakeFetch(tokenResponse("tok-1", 300), rateLimited400, tokenResponse("tok-2", 300));
      const tokens = provider(fake.fetch, {
        now: () => now,
        sleep: async () => assert.fail("a caller with a valid token must not wait"),
      });
      assert.equal(await tokens.getToken(signal), "tok-1");
      now = 200_000; // past the renewal time (150 s), before expiry (300 s)
      assert.equal(await tokens.getToken(signal), "tok-1");
      assert.equal(fake.requests.length, 2);
      now = 204_000; // the limit (5 s) still holds: no request
      assert.equal(await tokens.getToken(signal), "tok-1");
      assert.equal(fake.requests.length, 2);
      now = 206_000;
      assert.equal(await tokens.getToken(signal), "tok-2");
    });

    it("an early renewal that fails otherwise keeps the still-valid token too; an expired one does not", async () => {
      let now = 0;
      const fake = fakeFetch(tokenResponse("tok-1", 300), () => json(503, {}));
      const tokens = provider(fake.fetch, { now: () => now });
      await tokens.getToken(signal);
      now = 200_000;
      assert.equal(await tokens.getToken(signal), "tok-1");
      now = 300_000;
      await assert.rejects(tokens.getToken(signal), TransientGenesysError);
    });
  });

  describe("pacing of token requests (this process only, not the API budget)", () => {
    it("a burst of 3, then one per 10 s", async () => {
      let now = 0;
      const fake = fakeFetch(freshTokens());
      const tokens = provider(fake.fetch, { now: () => now, maxWaitMs: 0 });
      for (let i = 0; i < 3; i++) tokens.invalidate(await tokens.getToken(signal));
      const error = await tokens.getToken(signal).catch((e: unknown) => e);
      assert.ok(error instanceof RateLimitedError, String(error));
      assert.equal(error.source, "login");
      assert.equal(error.retryAfterMs, 10_000);
      assert.equal(fake.requests.length, 3);
      now = 10_000;
      assert.equal(await tokens.getToken(signal), "tok-4");
    });

    it("a caller without a token waits for the pacer when the wait is short", async () => {
      let now = 0;
      const fake = fakeFetch(freshTokens());
      const tokens = provider(fake.fetch, {
        now: () => now,
        requestIntervalMs: 2000,
        requestBurst: 1,
        sleep: async (ms) => {
          now += ms;
        },
      });
      tokens.invalidate(await tokens.getToken(signal));
      assert.equal(await tokens.getToken(signal), "tok-2");
      assert.equal(now, 2000);
    });

    it("a wait is cut short by the AbortSignal", async () => {
      const fake = fakeFetch(() => json(400, { error: "invalid_request", error_description: "rate limit" }));
      const controller = new AbortController();
      const pending = provider(fake.fetch).getToken(controller.signal);
      setImmediate(() => controller.abort());
      await assert.rejects(pending, (e: Error) => e.name === "AbortError");
      assert.equal(fake.requests.length, 1);
    });
  });

  it("the token response is checked: an empty token or a non-positive lifetime is malformed", async () => {
    for (const body of [
      { access_token: "", expires_in: 300 },
      { access_token: "t", expires_in: 0 },
      { access_token: "t", expires_in: "300" },
    ]) {
      const error = await provider(fakeFetch(() => json(200, body)).fetch)
        .getToken(signal)
        .catch((e: unknown) => e);
      assert.ok(error instanceof PermanentGenesysError, JSON.stringify(body));
      assert.equal(error.reasonCode, "genesys.login.malformed");
    }
  });
});
