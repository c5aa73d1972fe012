import { z } from "zod";
import {
  AuthenticationError,
  ExtensionInUseError,
  type GenesysError,
  type GenesysErrorDetails,
  PermanentGenesysError,
  PermissionError,
  RateLimitedError,
  TransientGenesysError,
  VersionConflictError,
} from "./errors.ts";
import { describeRequired, requiredPermissions } from "./operation-permissions.ts";
import { parseRetryAfter } from "./retry-after.ts";

/** A field that is absent or of another type reads as absent: error bodies are read, never rejected. */
const lenient = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

/**
 * Genesys Cloud's normalized error body. Every field is optional and read leniently: proxies and
 * gateways answer too, and an error must be classified whatever its body.
 */
const GenesysErrorBodySchema = z.object({
  message: lenient(z.string()),
  code: lenient(z.string()),
  status: lenient(z.number()),
  contextId: lenient(z.string()),
  details: lenient(
    z.array(
      z
        .object({
          errorCode: lenient(z.string()),
          fieldName: lenient(z.string()),
          entityId: lenient(z.string()),
        })
        .catch({}),
    ),
  ),
  errors: lenient(z.array(z.object({ message: lenient(z.string()), code: lenient(z.string()) }).catch({}))),
});
type GenesysErrorBody = z.infer<typeof GenesysErrorBodySchema>;

export interface ResponseFacts {
  readonly status: number;
  /** Header lookup (case-insensitive), e.g. `headers.get.bind(headers)` of a fetch Response. */
  readonly header: (name: string) => string | null;
  /** The parsed JSON body, or undefined when there was none or it was not JSON. */
  readonly body: unknown;
  /** e.g. `PATCH /api/v2/users/{userId}`. */
  readonly operation: string;
  readonly nowMs: number;
}

/** The permission every user update needs (and a division move of users: Genesys help, "Move objects"). */
export const USER_EDIT_PERMISSION = "directory:user:edit";
/** The permission a user create needs (SDK docs of `postUsers`: "Requires ANY permissions: directory:user:add"). */
export const USER_ADD_PERMISSION = "directory:user:add";
const UPDATE_USER = "PATCH /api/v2/users/{userId}";

/**
 * What a non-2xx response means, as a typed error (pure: no I/O). 2xx responses are not passed here.
 * A 401 is classified as `AuthenticationError`; the HTTP layer renews the token once before it lets
 * that error through.
 */
export function classifyErrorResponse(facts: ResponseFacts): GenesysError {
  const body = asErrorBody(facts.body);
  const details: GenesysErrorDetails = {
    status: facts.status,
    code: body.code,
    operation: facts.operation,
    correlationId: body.contextId ?? facts.header("inin-correlation-id") ?? undefined,
    entityIds: (body.details ?? []).flatMap((d) => (d.entityId ? [d.entityId] : [])),
  };
  const said = body.message ? `: ${body.message}` : "";
  const { status } = facts;

  if (status === 429) {
    const retryAfterMs = parseRetryAfter(facts.header("retry-after"), facts.nowMs);
    return new RateLimitedError(
      `Genesys Cloud rate limit hit on ${facts.operation} (retry after ${Math.ceil(retryAfterMs / 1000)} s)${said}`,
      retryAfterMs,
      "genesys",
      details,
    );
  }
  // Genesys's Terraform provider retries a version mismatch answered as 409 or as 400 whose message
  // says the version "does not match the current version" (util_retries.go `IsVersionMismatch`).
  if (status === 409 || (status === 400 && isVersionMismatch(body))) {
    return new VersionConflictError(
      `the user changed since it was read (version conflict) on ${facts.operation}${said}`,
      details,
    );
  }
  if (status === 401) {
    return new AuthenticationError(
      `Genesys Cloud rejected the access token on ${facts.operation} even after renewing it: check the OAuth client id and secret (GENESYS_CLIENT_ID / GENESYS_CREDENTIALS_SECRET) and that the client is a Client Credentials grant in this region${said}`,
      details,
    );
  }
  if (status === 403) {
    // A user update needs directory:user:edit whatever else the answer lists. Other calls name what
    // their SDK docs require (lib/genesys/operation-permissions.ts) unless the answer names something
    // else, and what the answer names when their docs list nothing; a division move of users, which
    // the docs list nothing for, needs directory:user:edit (Genesys help, S28).
    const named = namedPermissions(body);
    const required = requiredPermissions(facts.operation);
    const grant =
      facts.operation === UPDATE_USER
        ? USER_EDIT_PERMISSION
        : required !== undefined &&
            (named.length === 0 || required.permissions.some((p) => named.includes(p)))
          ? describeRequired(required)
          : named.length > 0
            ? named.join(" or ")
            : USER_EDIT_PERMISSION;
    const where = facts.operation.includes("/users") ? "users it updates" : "objects it changes";
    return new PermissionError(
      `the OAuth client is not allowed to ${facts.operation}: give its role the permission ${grant} (in the divisions of the ${where})${said}`,
      named,
      details,
    );
  }
  if (status === 404) {
    return new PermanentGenesysError(`not found: ${facts.operation}${said}`, "genesys.not.found", details);
  }
  if (status === 400 && isExtensionInUse(body)) {
    return new ExtensionInUseError(`the extension is assigned to another user${said}`, details);
  }
  if (status === 408 || status >= 500) {
    return new TransientGenesysError(
      `Genesys Cloud answered ${status} on ${facts.operation}${said}`,
      `genesys.http.${status}`,
      details,
    );
  }
  return new PermanentGenesysError(
    `Genesys Cloud refused ${facts.operation} with ${status}${said}`,
    status === 400 ? "genesys.invalid.value" : `genesys.http.${status}`,
    details,
  );
}

function isVersionMismatch(body: GenesysErrorBody): boolean {
  return /does not match (the )?current version/i.test(body.message ?? "");
}

function asErrorBody(body: unknown): GenesysErrorBody {
  const parsed = GenesysErrorBodySchema.safeParse(body);
  return parsed.success ? parsed.data : {};
}

/**
 * The docs do not pin the body of "extension already assigned"; match the code or message loosely so
 * that either wording is recognised.
 */
function isExtensionInUse(body: GenesysErrorBody): boolean {
  const texts = [
    body.code,
    body.message,
    ...(body.details ?? []).map((d) => d.errorCode),
    ...(body.errors ?? []).flatMap((e) => [e.code, e.message]),
  ]
    .filter((t): t is string => typeof t === "string")
    .map((t) => t.toLowerCase());
  return texts.some(
    (t) =>
      t.includes("extension") && /(in.use|already|assigned|taken|exists|duplicate|conflict|unique)/.test(t),
  );
}

/** Permission names in the message (e.g. `[directory:user:edit]`), in any order, without repeats. */
function namedPermissions(body: GenesysErrorBody): string[] {
  const text = [body.message, ...(body.errors ?? []).map((e) => e.message)].join(" ");
  return [...new Set(text.match(/\b[a-z][a-zA-Z]*:[a-zA-Z*]+:[a-zA-Z*]+\b/g) ?? [])];
}
