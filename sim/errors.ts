/**
 * Error bodies of the Genesys Cloud simulator.
 *
 * The Platform API answers errors with the normalized `ErrorBody` model (`message`, `code`, `status`,
 * `contextId`, `details`, `errors`, plus optional `messageWithParams` / `messageParams`); the login
 * service (`/oauth/token`) answers OAuth-style `{ error, description, error_description }` bodies.
 * Every code and message used here, and where it comes from, is listed in docs/genesys-api-notes.md.
 */
import { randomUUID } from "node:crypto";

/** One entry of `ErrorBody.details` (the SDKs' `Detail` model). */
export interface ErrorDetail {
  errorCode?: string;
  fieldName?: string;
  entityId?: string;
  entityName?: string;
}

/** The Platform API's normalized error body (the SDKs' `ErrorBody` model). */
export interface ErrorBody {
  message: string;
  code: string;
  status: number;
  contextId: string;
  details: ErrorDetail[];
  errors: ErrorBody[];
  messageWithParams?: string;
  messageParams?: Record<string, string>;
}

/** The login service's OAuth error body. */
export interface OAuthErrorBody {
  error: string;
  description: string;
  error_description: string;
}

/** The `code` values the simulator answers with (the client classifies on these). */
export const ErrorCodes = {
  authenticationRequired: "authentication.required",
  badCredentials: "bad.credentials",
  credentialsExpired: "credentials.expired",
  missingAnyPermissions: "missing.any.permissions",
  missingDivisionPermission: "missing.division.permission",
  notAuthorized: "not.authorized",
  notFound: "not.found",
  badRequest: "bad.request",
  invalidValue: "invalid.value",
  conflict: "general.conflict",
  tooManyRequestsRetryAfter: "too.many.requests.retry.after",
  serviceUnavailable: "service.unavailable",
  internalServerError: "internal.server.error",
  unsupportedMediaType: "unsupported.media.type",
  requestEntityTooLarge: "request.entity.too.large",
  methodNotAllowed: "method.not.allowed",
} as const;

/** `details[].errorCode` values the simulator adds to some 400s, to tell them apart. */
export const DetailCodes = {
  extensionInUse: "extension.in.use",
  emailInUse: "email.in.use",
  managerNotFound: "manager.not.found",
  stateNotAlone: "state.not.alone",
  versionRequired: "version.required",
  tooManyIds: "too.many.ids",
  objectNotFound: "object.not.found",
} as const;

export interface ErrorOptions {
  details?: ErrorDetail[];
  messageWithParams?: string;
  messageParams?: Record<string, string>;
  contextId?: string;
}

export function errorBody(
  status: number,
  code: string,
  message: string,
  options: ErrorOptions = {},
): ErrorBody {
  const body: ErrorBody = {
    message,
    code,
    status,
    contextId: options.contextId ?? randomUUID(),
    details: options.details ?? [],
    errors: [],
  };
  if (options.messageWithParams !== undefined) body.messageWithParams = options.messageWithParams;
  if (options.messageParams !== undefined) body.messageParams = options.messageParams;
  return body;
}

export function oauthError(error: string, description: string): OAuthErrorBody {
  return { error, description, error_description: description };
}

/** A failure the request handlers throw; the server turns it into a JSON response. */
export class SimHttpError extends Error {
  readonly status: number;
  readonly body: ErrorBody | OAuthErrorBody;
  readonly headers: Record<string, string>;

  constructor(status: number, body: ErrorBody | OAuthErrorBody, headers: Record<string, string> = {}) {
    super("message" in body ? body.message : body.description);
    this.name = "SimHttpError";
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

export function apiError(
  status: number,
  code: string,
  message: string,
  options?: ErrorOptions,
): SimHttpError {
  return new SimHttpError(status, errorBody(status, code, message, options));
}

export function badRequest(message: string, detail?: ErrorDetail): SimHttpError {
  return apiError(400, ErrorCodes.badRequest, message, detail ? { details: [detail] } : {});
}

export function invalidValue(value: string, field: string, allowed: readonly string[]): SimHttpError {
  const message = `Value [${value}] is not valid for field type [${field}]. Allowable values are: ${allowed.join(", ")}`;
  return apiError(400, ErrorCodes.invalidValue, message, { details: [{ fieldName: field }] });
}

/**
 * 403 for an action that needs `permission` in the divisions of the objects it touches (an extension
 * change, a division move). The body is undocumented: chosen, with a variant (`named: false`) that
 * names no permission, so that clients cannot rely on the wording.
 */
export function divisionPermissionDenied(permission: string, named: boolean): SimHttpError {
  return named
    ? apiError(
        403,
        ErrorCodes.missingDivisionPermission,
        `You are missing the following permission '${permission}' in the provided division(s).`,
        { messageParams: { permission } },
      )
    : apiError(403, ErrorCodes.notAuthorized, "You are not authorized to perform the requested action.");
}
