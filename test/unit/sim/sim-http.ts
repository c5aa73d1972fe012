/** Calls to the simulator over HTTP, for its unit tests: a token, a JSON call, an error body. */
import assert from "node:assert/strict";
import {
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  type GenesysSimulator,
} from "../../../sim/genesys-simulator.ts";

/** A token of the client (the default client unless given). */
export async function login(
  sim: GenesysSimulator,
  id = DEFAULT_CLIENT_ID,
  secret = DEFAULT_CLIENT_SECRET,
): Promise<string> {
  const res = await fetch(`${sim.loginUrl}/oauth/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: "grant_type=client_credentials",
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** One API call with a bearer token and, when given, a JSON body. */
export function call(
  sim: GenesysSimulator,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  return fetch(`${sim.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

export interface ErrorJson {
  message: string;
  code: string;
  status: number;
  details: { errorCode?: string; fieldName?: string; entityId?: string }[];
}

/** The error body of `res`, after checking its status and code (and that the body says the same status). */
export async function errorOf(res: Response, status: number, code: string): Promise<ErrorJson> {
  assert.equal(res.status, status);
  const body = (await res.json()) as ErrorJson;
  assert.equal(body.code, code, body.message);
  assert.equal(body.status, status);
  return body;
}

/** A GET answered 200: its JSON body. */
export async function getOk<T>(sim: GenesysSimulator, token: string, path: string): Promise<T> {
  const res = await call(sim, token, "GET", path);
  assert.equal(res.status, 200, path);
  return (await res.json()) as T;
}
