/**
 * What the contract tests check of every answer the SDK hands over: that its fields are the SDK
 * model's, and that an error body the SDK rejects with is one our client classifies.
 */
import assert from "node:assert/strict";
import type { Models } from "purecloud-platform-client-v2";
import type { GenesysError } from "../../lib/genesys/errors.ts";
import { classifyErrorResponse } from "../../lib/genesys/response-outcome.ts";

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
