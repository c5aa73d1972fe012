/**
 * How the contract tests reach the simulator through the SDK (logging in and out, as the default client
 * or as one with fewer permissions), and what they check of every answer the SDK hands over: that its
 * fields are the SDK model's, and that an error body the SDK rejects with is one our client classifies.
 */
import assert from "node:assert/strict";
import platformClient, { type Models } from "purecloud-platform-client-v2";
import {
  type GenesysError,
  PermanentGenesysError,
  type RoutingObjectKind,
  RoutingObjectNotFoundError,
} from "../../lib/genesys/errors.ts";
import { classifyErrorResponse } from "../../lib/genesys/response-outcome.ts";
import {
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  type GenesysSimulator,
} from "../../sim/genesys-simulator.ts";

/** What the SDK's login answers (its `AuthData`, which the SDK's typings do not export). */
type SdkLogin = Awaited<ReturnType<typeof platformClient.ApiClient.instance.loginClientCredentialsGrant>>;

/**
 * Points the SDK's one `ApiClient` (every `*Api` of a test file shares it) at `sim` and logs in as the
 * simulator's default client; pair with `sdkOff` in `after`. The SDK derives `https://api.<env>` /
 * `https://login.<env>` from its environment; a gateway replaces both bases, which is how it reaches the
 * simulator (API and /oauth/token on one server).
 */
export async function sdkOn(sim: GenesysSimulator): Promise<SdkLogin> {
  const client = platformClient.ApiClient.instance;
  const url = new URL(sim.apiUrl);
  client.setGateway({ host: url.hostname, protocol: "http", port: Number(url.port) });
  return client.loginClientCredentialsGrant(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET);
}

/** Logs the SDK out and stops the simulator. */
export async function sdkOff(sim: GenesysSimulator): Promise<void> {
  platformClient.ApiClient.instance.clearAccessToken();
  await sim.close();
}

/**
 * Runs `work` with the SDK logged in as a new client `clientId` of `sim` that holds only `permissions`,
 * then, however `work` ends, puts the SDK back on `backToken` (the default client's, from `sdkOn`).
 */
export async function asSdkClient<T>(
  sim: GenesysSimulator,
  own: { readonly clientId: string; readonly permissions: string[] },
  backToken: string,
  work: (login: SdkLogin) => Promise<T>,
): Promise<T> {
  const client = platformClient.ApiClient.instance;
  sim.addClient({ clientId: own.clientId, clientSecret: "s", permissions: own.permissions });
  const login = await client.loginClientCredentialsGrant(own.clientId, "s");
  try {
    return await work(login);
  } finally {
    client.setAccessToken(backToken);
  }
}

export const ERROR_FIELDS = [
  "message",
  "code",
  "status",
  "contextId",
  "details",
  "errors",
  "messageWithParams",
  "messageParams",
] as const satisfies readonly (keyof Models.ErrorBody)[];
const DETAIL_FIELDS = [
  "errorCode",
  "fieldName",
  "entityId",
  "entityName",
] as const satisfies readonly (keyof Models.Detail)[];

/** The fields of `value` that are not in `fields` (an answer's field the SDK's model does not have). */
export function unknownFields(value: object | undefined, fields: readonly string[]): string[] {
  return Object.keys(value ?? {}).filter((key) => !fields.includes(key));
}

/** What the SDK rejects with on an error status: the error body, whose fields are all the model's. */
export async function rejectedBody(call: Promise<unknown>): Promise<Models.ErrorBody> {
  const rejected: unknown = await call.then(
    () => assert.fail("the call should have been rejected"),
    (error: unknown) => error,
  );
  assert.ok(
    typeof rejected === "object" && rejected !== null && !(rejected instanceof Error),
    String(rejected),
  );
  assert.deepEqual(unknownFields(rejected, ERROR_FIELDS), []);
  const body = rejected as Models.ErrorBody;
  for (const detail of body.details ?? []) assert.deepEqual(unknownFields(detail, DETAIL_FIELDS), []);
  return body;
}

/** How our client classifies the error the SDK exposed for `operation` (the body carries the status). */
export function classifiedAs(operation: string, body: Models.ErrorBody): GenesysError {
  return classifyErrorResponse({
    status: body.status ?? 0,
    header: () => null,
    body,
    operation,
    nowMs: Date.now(),
  });
}

/**
 * For `assert.rejects`: the error is our client's `RoutingObjectNotFoundError` for the `kind` and id
 * given, with its reason code (`genesys.<kind>.not.found`).
 */
export function notFoundAs(kind: RoutingObjectKind, objectId: string): (error: unknown) => true {
  return (error) => {
    assert.ok(error instanceof RoutingObjectNotFoundError, String(error));
    assert.deepEqual(
      [error.kind, error.objectId, error.reasonCode],
      [kind, objectId, `genesys.${kind}.not.found`],
    );
    return true;
  };
}

/**
 * The SDK rejects `call` with a 404 body naming `named` (its `details[].entityId`), which our client
 * classifies for `operation` as a plain not-found (`genesys.not.found`) carrying those ids.
 */
export async function rejectedAsNotFound(
  operation: string,
  call: Promise<unknown>,
  named: readonly string[],
): Promise<void> {
  const body = await rejectedBody(call);
  assert.equal(body.status, 404);
  const error = classifiedAs(operation, body);
  assert.ok(error instanceof PermanentGenesysError, String(error));
  assert.deepEqual([error.reasonCode, error.entityIds], ["genesys.not.found", named]);
}

/** The fields of the SDK's `…EntityListing` envelopes (each use checks them against its model with `satisfies`). */
export const ENTITY_LISTING_FIELDS = [
  "entities",
  "pageSize",
  "pageNumber",
  "total",
  "lastUri",
  "firstUri",
  "selfUri",
  "nextUri",
  "previousUri",
  "pageCount",
] as const;

/** The fields the simulator renders on every user (each use adds its expansions and checks them against `Models.User`). */
export const SIM_USER_FIELDS = [
  "id",
  "name",
  "division",
  "email",
  "primaryContactInfo",
  "addresses",
  "state",
  "username",
  "version",
  "acdAutoAnswer",
  "selfUri",
] as const;
