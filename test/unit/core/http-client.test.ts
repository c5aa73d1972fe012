import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import {
  AuthenticationError,
  PermanentGenesysError,
  PermissionError,
  RateLimitedError,
  TransientGenesysError,
  UserNotFoundError,
  VersionConflictError,
} from "../../../lib/genesys/errors.ts";
import { type CallRecord, GenesysHttp, type GenesysHttpOptions } from "../../../lib/genesys/http-client.ts";
import type { TokenProvider } from "../../../lib/genesys/token-provider.ts";
import type { GenesysUser } from "../../../lib/genesys/types.ts";
import { MAX_IDS_PER_BULK_READ, UsersApi } from "../../../lib/genesys/users-api.ts";
import { BudgetDeniedError } from "../../../lib/ratelimit/budget-denied.ts";
import { fakeFetch, hangUntilAborted, json, type RecordedRequest, type Responder } from "./fakes.ts";

const API = "https://api.example.test";
const USER = "3f2b8c1e-9d4a-4e6b-8f1a-2c3d4e5f6a7b";

/** A TokenProvider double: hands out tok-1, tok-2, ... renewing only after invalidate(current). */
class FakeTokens {
  issued = 0;
  invalidated: string[] = [];
  /** The pool slot of every getToken. */
  slots: number[] = [];
  #current: string | undefined;
  async getToken(_signal: AbortSignal, slot = 0): Promise<string> {
    this.slots.push(slot);
    if (this.#current === undefined) {
      this.issued++;
      this.#current = `tok-${this.issued}`;
    }
    return this.#current;
  }
  invalidate(token: string): void {
    this.invalidated.push(token);
    if (token === this.#current) this.#current = undefined;
  }
}

interface Harness {
  http: GenesysHttp;
  api: UsersApi;
  tokens: FakeTokens;
  requests: RecordedRequest[];
  events: string[];
  rateLimited: number[];
  /** The slot of each onRateLimited. */
  limitedSlots: number[];
  /** The `sentAt` of each onRateLimited. */
  sentAts: number[];
  calls: CallRecord[];
}

/** The token slot the fake budget hands out. */
const SLOT = 2;

function harness(responders: Responder[], extra: Partial<GenesysHttpOptions> = {}): Harness {
  const fake = fakeFetch(...responders);
  const tokens = new FakeTokens();
  const events: string[] = [];
  const rateLimited: number[] = [];
  const limitedSlots: number[] = [];
  const sentAts: number[] = [];
  const calls: CallRecord[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    events.push("fetch");
    return fake.fetch(input, init);
  }) as typeof fetch;
  const http = new GenesysHttp({
    apiUrl: API,
    tokens: tokens as unknown as TokenProvider,
    acquire: async () => {
      events.push("acquire");
      return SLOT;
    },
    onRateLimited: async (ms, slot, _family, sentAt) => {
      rateLimited.push(ms);
      limitedSlots.push(slot);
      sentAts.push(sentAt);
    },
    onCall: (call) => calls.push(call),
    fetch: fetchImpl,
    ...extra,
  });
  return {
    http,
    api: new UsersApi(http),
    tokens,
    requests: fake.requests,
    events,
    rateLimited,
    limitedSlots,
    sentAts,
    calls,
  };
}

const signal = new AbortController().signal;
/** For the transport tests: any body is accepted as it came. */
const ANY = z.unknown();
const ok =
  (body: unknown): Responder =>
  () =>
    json(200, body);
const user = (id: string, extra: Partial<GenesysUser> = {}): GenesysUser => ({ id, version: 1, ...extra });
const listing = (entities: GenesysUser[], extra: Record<string, unknown> = {}) =>
  json(200, {
    entities,
    pageSize: entities.length,
    pageNumber: 1,
    total: entities.length,
    pageCount: 1,
    ...extra,
  });
const unauthorized: Responder = () =>
  json(401, {
    code: "credentials.expired",
    message: "The supplied credentials are expired and cannot be used.",
    status: 401,
  });

describe("GenesysHttp.request", () => {
  it("sends the bearer token, accept and JSON body; returns the parsed body", async () => {
    const h = harness([ok({ id: USER, version: 4 })]);
    const result = await h.http.request(
      "PATCH",
      `/api/v2/users/${USER}`,
      "PATCH /api/v2/users/{userId}",
      ANY,
      {
        signal,
        body: { version: 3, title: "Lead" },
      },
    );
    assert.deepEqual(result, { id: USER, version: 4 });
    const [request] = h.requests;
    assert.equal(request?.url, `${API}/api/v2/users/${USER}`);
    assert.equal(request?.method, "PATCH");
    assert.equal(request?.headers.authorization, "Bearer tok-1");
    assert.equal(request?.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(request?.body ?? ""), { version: 3, title: "Lead" });
    assert.deepEqual(h.events, ["acquire", "fetch"]);
  });

  it("sends no content type and no body on a GET", async () => {
    const h = harness([ok({})]);
    await h.http.request("GET", "/api/v2/users/x", "GET /api/v2/users/{userId}", ANY, { signal });
    assert.equal(h.requests[0]?.headers["content-type"], undefined);
    assert.equal(h.requests[0]?.body, undefined);
  });

  it("401 then success → the token is invalidated and renewed once, and the call retried", async () => {
    const h = harness([unauthorized, ok({ done: true })]);
    const result = await h.http.request("GET", "/api/v2/users/x", "GET", ANY, { signal });
    assert.deepEqual(result, { done: true });
    assert.deepEqual(h.tokens.invalidated, ["tok-1"]);
    assert.equal(h.tokens.issued, 2);
    assert.deepEqual(
      h.requests.map((r) => r.headers.authorization),
      ["Bearer tok-1", "Bearer tok-2"],
    );
  });

  it("401 twice → AuthenticationError after exactly one renewal", async () => {
    const h = harness([unauthorized, unauthorized, ok({})]);
    const error = await h.http
      .request("GET", "/api/v2/users/x", "GET /x", ANY, { signal })
      .catch((e: unknown) => e);
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.equal(error.status, 401);
    assert.equal(h.requests.length, 2);
    assert.equal(h.tokens.issued, 2);
  });

  it("asks acquire before every request, including the retry after a 401", async () => {
    const h = harness([unauthorized, ok({})]);
    await h.http.request("GET", "/a", "GET /a", ANY, { signal });
    await h.http.request("GET", "/b", "GET /b", ANY, { signal });
    assert.deepEqual(h.events, ["acquire", "fetch", "acquire", "fetch", "acquire", "fetch"]);
  });

  it("a token that comes later than tokenLateMs after its permit: the permit is given up and another taken (at most 3)", async () => {
    let clock = 0;
    // Every getToken takes `slowMs` on the clock: 40 ms (a login), then 0 (cached).
    const delays = [40, 0];
    const h = harness([ok({}), ok({})], { tokenLateMs: 25, now: () => clock });
    const getToken = h.tokens.getToken.bind(h.tokens);
    h.tokens.getToken = async (s, slot) => {
      clock += delays.shift() ?? 0;
      return getToken(s, slot);
    };
    await h.http.request("GET", "/a", "GET /a", ANY, { signal });
    assert.deepEqual(h.events, ["acquire", "acquire", "fetch"], "the late permit given up");
    // Always late (a slow store, a stalled loop): the third permit is kept.
    delays.push(40, 40, 40, 40);
    h.events.length = 0;
    await h.http.request("GET", "/b", "GET /b", ANY, { signal });
    assert.deepEqual(h.events, ["acquire", "acquire", "acquire", "fetch"]);
  });

  it("an acquire denial stops the call before fetch", async () => {
    const h = harness([ok({})], {
      acquire: async () => {
        throw new BudgetDeniedError("paused", 3000);
      },
    });
    const error = await h.http.request("GET", "/a", "GET /a", ANY, { signal }).catch((e: unknown) => e);
    assert.ok(error instanceof BudgetDeniedError);
    assert.equal(error.waitMs, 3000);
    assert.equal(h.requests.length, 0);
  });

  it("429 → onRateLimited(retryAfterMs) is called, then RateLimitedError is thrown", async () => {
    const h = harness([
      () =>
        json(
          429,
          {
            code: "too.many.requests.retry.after",
            message: "Rate limit exceeded the maximum. Retry the request in [3] seconds",
            status: 429,
          },
          { "retry-after": "3" },
        ),
    ]);
    const error = await h.http.request("GET", "/a", "GET /a", ANY, { signal }).catch((e: unknown) => e);
    assert.ok(error instanceof RateLimitedError, String(error));
    assert.equal(error.retryAfterMs, 3000);
    assert.equal(error.source, "genesys");
    assert.deepEqual(h.rateLimited, [3000]);
    // The 429 is reported for the token the budget named, and that token was the one used.
    assert.deepEqual(h.limitedSlots, [SLOT]);
    assert.deepEqual(h.tokens.slots, [SLOT]);
    assert.equal(h.requests.length, 1, "a 429 is not retried inside the call");
  });

  it("a 429 is reported with the time its call was sent, not the time its answer was read", async () => {
    // The server refused the call when it arrived: the cells granted while its answer travelled back
    // are no evidence of the limit (SeqSamples.admittedRate).
    let clock = 10_000;
    const h = harness(
      [
        () => {
          clock += 400; // the round trip, and an event loop that read the answer late
          return json(429, { status: 429 }, { "retry-after": "2" });
        },
      ],
      { now: () => clock },
    );
    const error = await h.http.request("GET", "/a", "GET /a", ANY, { signal }).catch((e: unknown) => e);
    assert.ok(error instanceof RateLimitedError, String(error));
    assert.deepEqual(h.sentAts, [10_000]);
  });

  it("hands the inin-ratelimit headers of any answer to onLimitHeaders before the call resolves; none when absent or garbage", async () => {
    const seen: unknown[] = [];
    const events: string[] = [];
    const limit = {
      "inin-ratelimit-allowed": "180",
      "inin-ratelimit-count": "7",
      "inin-ratelimit-reset": "61",
    };
    const h = harness(
      [
        () => json(200, { ok: 1 }, limit),
        () => json(429, { code: "too.many.requests" }, { ...limit, "retry-after": "2" }),
        () => json(200, { ok: 2 }),
        () => json(200, { ok: 3 }, { "inin-ratelimit-allowed": "lots", "inin-ratelimit-count": "7" }),
        () => json(200, { ok: 4 }, { "inin-ratelimit-allowed": "180", "inin-ratelimit-count": "-1" }),
        () => json(200, { ok: 5 }, { "inin-ratelimit-allowed": "0", "inin-ratelimit-count": "0" }),
        () =>
          json(
            200,
            { ok: 6 },
            {
              "inin-ratelimit-allowed": " 50 ",
              "inin-ratelimit-count": "50",
              "inin-ratelimit-reset": "soon",
            },
          ),
      ],
      {
        onLimitHeaders: async (headers) => {
          await Promise.resolve();
          events.push("headers");
          seen.push(headers);
        },
        onRateLimited: async () => {
          events.push("429");
        },
      },
    );
    await h.http.request("GET", "/a", "GET /a", ANY, { signal }).then(() => events.push("resolved"));
    await assert.rejects(h.http.request("GET", "/a", "GET /a", ANY, { signal }), RateLimitedError);
    for (let i = 0; i < 5; i++) await h.http.request("GET", "/a", "GET /a", ANY, { signal });
    assert.deepEqual(events, ["headers", "resolved", "headers", "429", "headers"]);
    assert.deepEqual(seen, [
      { allowed: 180, count: 7, resetMs: 61_000 },
      { allowed: 180, count: 7, resetMs: 61_000 },
      { allowed: 50, count: 50, resetMs: undefined },
    ]);
  });

  it("other errors do not call onRateLimited", async () => {
    const h = harness([
      () => json(409, { code: "general.conflict", message: "Version does not match current version." }),
    ]);
    await assert.rejects(
      h.http.request("PATCH", "/a", "PATCH /a", ANY, { signal, body: {} }),
      VersionConflictError,
    );
    assert.deepEqual(h.rateLimited, []);
  });

  it("403 → PermissionError (not retried, token kept)", async () => {
    const h = harness([
      () => json(403, { code: "missing.any.permissions", message: "You must have [directory:user:edit]" }),
    ]);
    await assert.rejects(
      h.http.request("PATCH", "/a", "PATCH /a", ANY, { signal, body: {} }),
      PermissionError,
    );
    assert.equal(h.requests.length, 1);
    assert.deepEqual(h.tokens.invalidated, []);
  });

  it("a timeout → TransientGenesysError genesys.timeout", async () => {
    const h = harness([hangUntilAborted], { timeoutMs: 20 });
    const error = await h.http.request("GET", "/a", "GET /a", ANY, { signal }).catch((e: unknown) => e);
    assert.ok(error instanceof TransientGenesysError, String(error));
    assert.equal(error.reasonCode, "genesys.timeout");
    assert.equal(error.operation, "GET /a");
    assert.deepEqual(
      h.calls.map((c) => c.status),
      [0],
    );
  });

  it("the caller's abort → TransientGenesysError genesys.call.aborted", async () => {
    const controller = new AbortController();
    const h = harness([hangUntilAborted], { timeoutMs: 60_000 });
    const pending = h.http.request("GET", "/a", "GET /a", ANY, { signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    const error = await pending.catch((e: unknown) => e);
    assert.ok(error instanceof TransientGenesysError, String(error));
    assert.equal(error.reasonCode, "genesys.call.aborted");
  });

  it("a network failure → TransientGenesysError genesys.connection.failed", async () => {
    const h = harness([
      () => {
        throw new TypeError("fetch failed", {
          cause: Object.assign(new Error("reset"), { code: "ECONNRESET" }),
        });
      },
    ]);
    const error = await h.http.request("GET", "/a", "GET /a", ANY, { signal }).catch((e: unknown) => e);
    assert.ok(error instanceof TransientGenesysError);
    assert.equal(error.reasonCode, "genesys.connection.failed");
    assert.match(error.message, /ECONNRESET/);
  });

  it("reports each call with its status", async () => {
    const h = harness([unauthorized, ok({})]);
    await h.http.request("GET", "/a", "GET /a", ANY, { signal });
    assert.deepEqual(
      h.calls.map((c) => [c.operation, c.status]),
      [
        ["GET /a", 401],
        ["GET /a", 200],
      ],
    );
  });
});

describe("GenesysHttp.request parses the 2xx body with the schema it is given", () => {
  const Thing = z.object({ id: z.string(), items: z.array(z.object({ n: z.number() })) });

  it("resolves with the schema's output", async () => {
    const h = harness([ok({ id: "x", items: [{ n: 1 }] })]);
    assert.deepEqual(await h.http.request("GET", "/a", "GET /a", Thing, { signal }), {
      id: "x",
      items: [{ n: 1 }],
    });
  });

  it("a body that does not match → PermanentGenesysError genesys.response.malformed naming the operation and the first issue's path", async () => {
    const h = harness([ok({ id: "x", items: [{ n: 1 }, { n: "2" }] })]);
    const error = await h.http.request("GET", "/a", "GET /a", Thing, { signal }).catch((e: unknown) => e);
    assert.ok(error instanceof PermanentGenesysError, String(error));
    assert.equal(error.reasonCode, "genesys.response.malformed");
    assert.equal(error.operation, "GET /a");
    assert.equal(error.status, 200);
    assert.match(error.message, /^GET \/a answered 200 .* at items\[1\]\.n: /);
    assert.deepEqual(h.events, ["acquire", "fetch"], "one call, not retried");
  });

  it("no body, or a body that is not JSON, is malformed too", async () => {
    for (const answer of [
      () => new Response("", { status: 200 }),
      () => new Response("<html>", { status: 200 }),
    ]) {
      const h = harness([answer]);
      const error = await h.http.request("GET", "/a", "GET /a", Thing, { signal }).catch((e: unknown) => e);
      assert.ok(error instanceof PermanentGenesysError, String(error));
      assert.equal(error.reasonCode, "genesys.response.malformed");
      assert.match(error.message, / at \(body\): /);
    }
  });
});

describe("UsersApi.getUsers", () => {
  it("sends state=any, pageSize = number of ids, pageNumber=1 and one id parameter per user", async () => {
    const ids = ["a", "b", "c"];
    const h = harness([() => listing(ids.map((id) => user(id)))]);
    const users = await h.api.getUsers(ids, signal);
    assert.deepEqual([...users.keys()].sort(), ids);
    assert.equal(h.requests.length, 1);
    const url = new URL(h.requests[0]?.url ?? "");
    assert.equal(url.origin + url.pathname, `${API}/api/v2/users`);
    assert.equal(url.searchParams.get("state"), "any");
    assert.equal(url.searchParams.get("pageSize"), "3");
    assert.equal(url.searchParams.get("pageNumber"), "1");
    assert.deepEqual(url.searchParams.getAll("id"), ids);
  });

  it("asks for each id once", async () => {
    const h = harness([() => listing([user("a"), user("b")])]);
    await h.api.getUsers(["a", "b", "a", "b"], signal);
    assert.deepEqual(new URL(h.requests[0]?.url ?? "").searchParams.getAll("id"), ["a", "b"]);
  });

  it("leaves out ids the server does not return (unknown users)", async () => {
    const h = harness([() => listing([user("a")])]);
    const users = await h.api.getUsers(["a", "ghost"], signal);
    assert.deepEqual([...users.keys()], ["a"]);
  });

  it("a listed user without an integer version → genesys.response.malformed at its path", async () => {
    const h = harness([() => listing([user("a"), { id: "b", version: "2" } as unknown as GenesysUser])]);
    const error = await h.api.getUsers(["a", "b"], signal).catch((e: unknown) => e);
    assert.ok(error instanceof PermanentGenesysError, String(error));
    assert.equal(error.reasonCode, "genesys.response.malformed");
    assert.equal(error.operation, "GET /api/v2/users");
    assert.match(error.message, / at entities\[1\]\.version: /);
  });

  it("fields the sync does not read survive parsing (addresses go back as they came)", async () => {
    const contact = { mediaType: "PHONE", type: "WORK", extension: "1001", display: "1001", extra: { x: 1 } };
    const h = harness([() => listing([user("a", { addresses: [contact], chat: { jabberId: "j" } })])]);
    const read = (await h.api.getUsers(["a"], signal)).get("a");
    assert.deepEqual(read?.addresses, [contact]);
    assert.deepEqual(read?.chat, { jabberId: "j" });
  });

  it("makes no call for no ids", async () => {
    const h = harness([ok({})]);
    assert.equal((await h.api.getUsers([], signal)).size, 0);
    assert.equal(h.requests.length, 0);
  });

  it("splits more than 100 ids into chunks of at most 100", async () => {
    assert.equal(MAX_IDS_PER_BULK_READ, 100);
    const ids = Array.from({ length: 250 }, (_, i) => `u${i}`);
    const h = harness([(r) => listing(new URL(r.url).searchParams.getAll("id").map((id) => user(id)))]);
    const users = await h.api.getUsers(ids, signal);
    assert.equal(users.size, 250);
    const chunks = h.requests.map((r) => new URL(r.url).searchParams.getAll("id"));
    assert.deepEqual(
      chunks.map((c) => c.length),
      [100, 100, 50],
    );
    assert.deepEqual(chunks.flat(), ids);
    assert.deepEqual(
      h.requests.map((r) => new URL(r.url).searchParams.get("pageSize")),
      ["100", "100", "50"],
    );
  });

  it("follows paging (nextUri) when the server pages anyway", async () => {
    const h = harness([
      () =>
        listing([user("a"), user("b")], {
          pageNumber: 1,
          pageCount: 2,
          nextUri: "/api/v2/users?pageNumber=2",
        }),
      () => listing([user("c")], { pageNumber: 2, pageCount: 2 }),
    ]);
    const users = await h.api.getUsers(["a", "b", "c"], signal);
    assert.deepEqual([...users.keys()].sort(), ["a", "b", "c"]);
    assert.deepEqual(
      h.requests.map((r) => new URL(r.url).searchParams.get("pageNumber")),
      ["1", "2"],
    );
    assert.deepEqual(new URL(h.requests[1]?.url ?? "").searchParams.getAll("id"), ["a", "b", "c"]);
  });

  it("follows paging by pageCount without nextUri", async () => {
    const h = harness([
      () => listing([user("a")], { pageNumber: 1, pageCount: 2 }),
      () => listing([user("b")], { pageNumber: 2, pageCount: 2 }),
    ]);
    const users = await h.api.getUsers(["a", "b"], signal);
    assert.equal(users.size, 2);
    assert.equal(h.requests.length, 2);
  });

  it("stops on an empty page even if the server claims more", async () => {
    const h = harness([() => listing([], { pageNumber: 1, pageCount: 5, nextUri: "/next" })]);
    await h.api.getUsers(["a"], signal);
    assert.equal(h.requests.length, 1);
  });
});

describe("UsersApi.patchUser", () => {
  it("PATCHes /api/v2/users/{userId} with the body and returns the user", async () => {
    const h = harness([ok(user(USER, { version: 5, title: "Lead" }))]);
    const result = await h.api.patchUser(USER, { version: 4, title: "Lead" }, signal);
    assert.equal(result.version, 5);
    assert.equal(h.requests[0]?.method, "PATCH");
    assert.equal(h.requests[0]?.url, `${API}/api/v2/users/${USER}`);
    assert.deepEqual(JSON.parse(h.requests[0]?.body ?? ""), { version: 4, title: "Lead" });
  });

  it("404 → UserNotFoundError for that user", async () => {
    const h = harness([
      () => json(404, { code: "not.found", message: "The requested resource was not found.", status: 404 }),
    ]);
    const error = await h.api.patchUser(USER, { version: 1, title: "x" }, signal).catch((e: unknown) => e);
    assert.ok(error instanceof UserNotFoundError, String(error));
    assert.ok(error instanceof PermanentGenesysError);
    assert.equal(error.reasonCode, "genesys.user.not.found");
    assert.equal(error.status, 404);
    assert.match(error.message, new RegExp(USER));
  });

  it("a 400 stays a PermanentGenesysError (not UserNotFoundError)", async () => {
    const h = harness([() => json(400, { code: "bad.request", message: "The manager [x] was not found." })]);
    const error = await h.api.patchUser(USER, { version: 1, manager: "x" }, signal).catch((e: unknown) => e);
    assert.ok(error instanceof PermanentGenesysError);
    assert.ok(!(error instanceof UserNotFoundError));
  });

  it("409 → VersionConflictError", async () => {
    const h = harness([
      () => json(409, { code: "general.conflict", message: "Version does not match current version." }),
    ]);
    await assert.rejects(h.api.patchUser(USER, { version: 1, title: "x" }, signal), VersionConflictError);
  });
});

describe("UsersApi.getUsers expand", () => {
  it("asks for employerInfo by default (repeated expand parameters, as the SDK sends them), or what is given", async () => {
    const h = harness([() => listing([user("a", { employerInfo: { employeeId: "E-1" } })])]);
    const read = await h.api.getUsers(["a"], signal);
    assert.deepEqual(read.get("a")?.employerInfo, { employeeId: "E-1" });
    assert.deepEqual(new URL(h.requests[0]?.url ?? "").searchParams.getAll("expand"), ["employerInfo"]);
    await h.api.getUsers(["a"], signal, []);
    assert.deepEqual(new URL(h.requests[1]?.url ?? "").searchParams.getAll("expand"), []);
  });
});

describe("UsersApi.searchUsers", () => {
  const request = {
    query: [{ type: "EXACT" as const, fields: ["email"], value: "Ann@Example.com" }],
    pageSize: 2,
    pageNumber: 1,
    expand: ["employerInfo" as const],
  };

  it("POSTs the request as JSON to /api/v2/users/search and parses the results as users", async () => {
    const h = harness([
      ok({
        total: 3,
        pageCount: 2,
        pageSize: 2,
        pageNumber: 1,
        types: ["users"],
        results: [user("a", { email: "ann@example.com" }), user("b")],
        nextPage: "/api/v2/users/search?q64=x",
      }),
    ]);
    const answer = await h.api.searchUsers(request, signal);
    const sent = h.requests[0];
    assert.equal(sent?.method, "POST");
    assert.equal(new URL(sent?.url ?? "").pathname, "/api/v2/users/search");
    assert.equal(sent?.headers["content-type"]?.split(";")[0], "application/json");
    assert.deepEqual(JSON.parse(sent?.body ?? "null"), request);
    assert.deepEqual(
      answer.results?.map((u) => u.id),
      ["a", "b"],
    );
    assert.equal(answer.total, 3);
    assert.equal(answer.nextPage, "/api/v2/users/search?q64=x");
  });

  it("an answer without results (nothing matched) reads as no results", async () => {
    const h = harness([ok({ total: 0, pageCount: 0, pageSize: 25, pageNumber: 1, types: ["users"] })]);
    assert.deepEqual((await h.api.searchUsers(request, signal)).results, []);
  });

  it("a result without an integer version → genesys.response.malformed at its path", async () => {
    const h = harness([ok({ total: 1, results: [{ id: "a", version: "1" }] })]);
    const error = await h.api.searchUsers(request, signal).catch((e: unknown) => e);
    assert.ok(error instanceof PermanentGenesysError, String(error));
    assert.equal(error.reasonCode, "genesys.response.malformed");
    assert.equal(error.operation, "POST /api/v2/users/search");
    assert.match(error.message, / at results\[0\]\.version: /);
  });

  it("a 403 (no directory:user:view) is a PermissionError", async () => {
    const h = harness([
      () =>
        json(403, {
          status: 403,
          code: "missing.any.permissions",
          message:
            "Unable to perform the requested action. You must have at least one of the following permissions assigned: [directory:user:view]",
        }),
    ]);
    await assert.rejects(h.api.searchUsers(request, signal), PermissionError);
  });
});
