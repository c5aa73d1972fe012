import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AuthenticationError,
  PermanentGenesysError,
  RateLimitedError,
  TransientGenesysError,
} from "../../../lib/genesys/errors.ts";
import { TokenProvider, type TokenProviderOptions } from "../../../lib/genesys/token-provider.ts";
import { deferred, fakeFetch, json, type Responder } from "./fakes.ts";

const LOGIN = "https://login.example.test";
const signal = new AbortController().signal;

function tokenResponse(token: string, expiresIn = 3600): Responder {
  return () => json(200, { access_token: token, token_type: "bearer", expires_in: expiresIn });
}

function provider(fetchImpl: typeof fetch, extra: Partial<TokenProviderOptions> = {}) {
  return new TokenProvider({
    loginUrl: LOGIN,
    credentials: async () => ({ clientId: "my-client", clientSecret: "s3cr:et" }),
    fetch: fetchImpl,
    ...extra,
  });
}

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

  it("asks beforeRequest (the rate budget) before each token request, and not for a cached token", async () => {
    const order: string[] = [];
    const fake = fakeFetch((r) => {
      order.push("fetch");
      return tokenResponse("tok-1")(r);
    });
    const tokens = provider(fake.fetch, {
      beforeRequest: async () => {
        order.push("acquire");
      },
    });
    await tokens.getToken(signal);
    await tokens.getToken(signal);
    assert.deepEqual(order, ["acquire", "fetch"]);
  });

  it("a beforeRequest denial stops the request", async () => {
    const fake = fakeFetch(tokenResponse("tok-1"));
    const tokens = provider(fake.fetch, {
      beforeRequest: async () => {
        throw new RateLimitedError("paused", 2000, "shared-budget");
      },
    });
    await assert.rejects(tokens.getToken(signal), RateLimitedError);
    assert.equal(fake.requests.length, 0);
  });
});
