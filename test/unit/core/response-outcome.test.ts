import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AuthenticationError,
  ExtensionInUseError,
  type GenesysError,
  PermanentGenesysError,
  PermissionError,
  RateLimitedError,
  TransientGenesysError,
  VersionConflictError,
} from "../../../lib/genesys/errors.ts";
import { classifyErrorResponse, USER_EDIT_PERMISSION } from "../../../lib/genesys/response-outcome.ts";
import { DEFAULT_RETRY_AFTER_MS } from "../../../lib/genesys/retry-after.ts";

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const PATCH = "PATCH /api/v2/users/{userId}";

function classify(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  operation = PATCH,
): GenesysError {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return classifyErrorResponse({
    status,
    body,
    header: (name) => lower.get(name.toLowerCase()) ?? null,
    operation,
    nowMs: NOW,
  });
}

/** A normalized ErrorBody as the simulator sends it (sim/errors.ts errorBody). */
function simBody(status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
  return { message, code, status, contextId: "ctx-123", details: [], errors: [], ...extra };
}

const SIM_429 = simBody(
  429,
  "too.many.requests.retry.after",
  "Rate limit exceeded the maximum. Retry the request in [42] seconds",
);
const SIM_403 = simBody(
  403,
  "missing.any.permissions",
  "Unable to perform the requested action. You must have at least one of the following permissions assigned: [admin, directory:user:edit, directory:organization:admin]",
  {
    messageWithParams:
      "Unable to perform the requested action. You must have at least one of the following permissions assigned: {permissions}",
    messageParams: { permissions: "[admin, directory:user:edit, directory:organization:admin]" },
  },
);
const SIM_EXTENSION_IN_USE = simBody(
  400,
  "bad.request",
  "Extension [1001] is already in use by another user.",
  {
    details: [
      {
        errorCode: "extension.in.use",
        fieldName: "addresses.extension",
        entityId: "00000000-0000-4000-8000-00000000000b",
      },
    ],
    messageWithParams: "Extension {extension} is already in use by another user.",
    messageParams: { extension: "1001" },
  },
);

describe("classifyErrorResponse", () => {
  describe("429", () => {
    it("→ RateLimitedError with retryAfterMs from Retry-After seconds (simulator body)", () => {
      const error = classify(429, SIM_429, { "Retry-After": "42" });
      assert.ok(error instanceof RateLimitedError);
      assert.equal(error.retryAfterMs, 42_000);
      assert.equal(error.source, "genesys");
      assert.equal(error.status, 429);
      assert.equal(error.reasonCode, "genesys.rate.limited");
      assert.equal(error.code, "too.many.requests.retry.after");
    });

    it("→ retryAfterMs from an HTTP-date", () => {
      const error = classify(429, SIM_429, { "retry-after": new Date(NOW + 3_000).toUTCString() });
      assert.ok(error instanceof RateLimitedError);
      assert.equal(error.retryAfterMs, 3_000);
    });

    it("→ the default wait when Retry-After is missing", () => {
      const error = classify(429, SIM_429);
      assert.ok(error instanceof RateLimitedError);
      assert.equal(error.retryAfterMs, DEFAULT_RETRY_AFTER_MS);
    });

    it("→ RateLimitedError for the older too.many.requests body and for no body", () => {
      const older = classify(
        429,
        simBody(
          429,
          "too.many.requests",
          "Rate limit exceeded the maximum [300] requests within [60] seconds",
        ),
        { "retry-after": "1" },
      );
      assert.ok(older instanceof RateLimitedError);
      assert.equal(older.retryAfterMs, 1_000);
      assert.ok(classify(429, undefined) instanceof RateLimitedError);
    });
  });

  it("409 → VersionConflictError (simulator body)", () => {
    const error = classify(
      409,
      simBody(409, "general.conflict", "Version does not match current version.", {
        messageParams: { suppliedVersion: "3", currentVersion: "4" },
      }),
    );
    assert.ok(error instanceof VersionConflictError);
    assert.equal(error.reasonCode, "genesys.version.conflict");
    assert.equal(error.status, 409);
  });

  it("400 saying the version does not match the current version → VersionConflictError (Terraform's IsVersionMismatch)", () => {
    for (const message of [
      "The version supplied [3] does not match the current version [4] of the user.",
      "Version 3 does not match current version 4",
    ]) {
      const error = classify(400, simBody(400, "bad.request", message));
      assert.ok(error instanceof VersionConflictError, message);
      assert.equal(error.status, 400);
    }
    assert.ok(
      !(classify(400, simBody(400, "bad.request", "version is required")) instanceof VersionConflictError),
    );
  });

  it("404 → PermanentGenesysError genesys.not.found (simulator body)", () => {
    const error = classify(404, simBody(404, "not.found", "The requested resource was not found."));
    assert.ok(error instanceof PermanentGenesysError);
    assert.equal(error.reasonCode, "genesys.not.found");
    assert.equal(error.status, 404);
  });

  describe("400", () => {
    it("extension in use (simulator body) → ExtensionInUseError", () => {
      const error = classify(400, SIM_EXTENSION_IN_USE);
      assert.ok(error instanceof ExtensionInUseError);
      assert.equal(error.reasonCode, "genesys.extension.in.use");
    });

    for (const message of [
      "The extension 1001 is already assigned to another user",
      "Extension is taken",
      "duplicate extension",
    ]) {
      it(`extension-in-use wording ${JSON.stringify(message)} → ExtensionInUseError`, () => {
        assert.ok(classify(400, { message, code: "bad.request" }) instanceof ExtensionInUseError);
      });
    }

    it("an extension-in-use code in errors[] → ExtensionInUseError", () => {
      const body = { message: "Bad request", errors: [{ code: "extension.already.assigned" }] };
      assert.ok(classify(400, body) instanceof ExtensionInUseError);
    });

    // isExtensionInUse lower-cases "extension.in.use" but then looks for "in use" (with a space), so the
    // documented detail code alone is not recognised; only the message wording saves the simulator's body.
    it("details[].errorCode extension.in.use alone (neutral message) → ExtensionInUseError", () => {
      const body = simBody(400, "bad.request", "The request could not be processed.", {
        details: [{ errorCode: "extension.in.use", fieldName: "addresses.extension" }],
      });
      assert.ok(classify(400, body) instanceof ExtensionInUseError);
    });

    for (const [what, body] of [
      [
        "email in use",
        simBody(400, "bad.request", "The email address [a@example.com] is already in use by another user.", {
          details: [{ errorCode: "email.in.use", fieldName: "email" }],
        }),
      ],
      [
        "manager not found",
        simBody(400, "bad.request", "The manager [x] was not found.", {
          details: [{ errorCode: "manager.not.found", fieldName: "manager" }],
        }),
      ],
      [
        "state not alone",
        simBody(400, "bad.request", "state must be sent alone", {
          details: [{ errorCode: "state.not.alone" }],
        }),
      ],
      [
        "extension and address together",
        simBody(400, "bad.request", "A contact's extension and address are mutually exclusive.", {
          details: [{ fieldName: "addresses" }],
        }),
      ],
      [
        "extension not digits",
        simBody(400, "bad.request", "The extension [12a] is not valid: digits only.", {
          details: [{ fieldName: "addresses.extension" }],
        }),
      ],
      [
        "invalid enum value",
        simBody(
          400,
          "invalid.value",
          "Value [gone] is not valid for field type [state]. Allowable values are: active, inactive, deleted",
        ),
      ],
      ["no body", undefined],
    ] as const) {
      it(`${what} → PermanentGenesysError genesys.invalid.value`, () => {
        const error = classify(400, body);
        assert.ok(!(error instanceof ExtensionInUseError), "must not be ExtensionInUseError");
        assert.ok(error instanceof PermanentGenesysError);
        assert.equal(error.reasonCode, "genesys.invalid.value");
        assert.equal(error.status, 400);
      });
    }
  });

  for (const [code, message] of [
    ["authentication.required", "No authentication bearer token specified in authorization header."],
    ["bad.credentials", "Invalid login credentials."],
    ["credentials.expired", "The supplied credentials are expired and cannot be used."],
  ] as const) {
    it(`401 ${code} (simulator body) → AuthenticationError`, () => {
      const error = classify(401, simBody(401, code, message));
      assert.ok(error instanceof AuthenticationError);
      assert.equal(error.reasonCode, "genesys.authentication.failed");
      assert.equal(error.code, code);
    });
  }

  describe("403", () => {
    it("simulator body → PermissionError naming directory:user:edit", () => {
      const error = classify(403, SIM_403);
      assert.ok(error instanceof PermissionError);
      assert.equal(error.reasonCode, "genesys.permission.missing");
      assert.ok(error.namedPermissions.includes(USER_EDIT_PERMISSION));
      assert.match(error.message, /directory:user:edit/);
    });

    it("no body → PermissionError naming directory:user:edit", () => {
      const error = classify(403, undefined);
      assert.ok(error instanceof PermissionError);
      assert.deepEqual(error.namedPermissions, []);
      assert.match(error.message, /directory:user:edit/);
    });

    // Every user update needs directory:user:edit; the message must tell the operator so even when the
    // 403 body names a different permission (today it says only "give its role the permission directory:user:view").
    it("a message naming another permission still names directory:user:edit", () => {
      const error = classify(
        403,
        simBody(403, "missing.permissions", "You must have the following permission: [directory:user:view]"),
      );
      assert.ok(error instanceof PermissionError);
      assert.match(error.message, /directory:user:edit/);
    });
  });

  for (const [status, code, message] of [
    [
      500,
      "internal.server.error",
      "The server encountered an unexpected condition which prevented it from fulfilling the request.",
    ],
    [
      503,
      "service.unavailable",
      "Service Unavailable - The server is currently unavailable (because it is overloaded or down for maintenance).",
    ],
    [502, "bad.gateway", "Bad Gateway"],
    [408, "request.timeout", "Request Timeout"],
  ] as const) {
    it(`${status} (simulator-style body) → TransientGenesysError genesys.http.${status}`, () => {
      const error = classify(status, simBody(status, code, message));
      assert.ok(error instanceof TransientGenesysError);
      assert.equal(error.reasonCode, `genesys.http.${status}`);
      assert.equal(error.status, status);
    });
  }

  it("503 with a non-JSON gateway body → TransientGenesysError", () => {
    assert.ok(classify(503, undefined) instanceof TransientGenesysError);
  });

  for (const [status, code] of [
    [413, "request.entity.too.large"],
    [415, "unsupported.media.type"],
  ] as const) {
    it(`${status} → PermanentGenesysError genesys.http.${status}`, () => {
      const error = classify(status, simBody(status, code, "x"));
      assert.ok(error instanceof PermanentGenesysError);
      assert.equal(error.reasonCode, `genesys.http.${status}`);
    });
  }

  it("carries the operation, the body's code and the correlation id (contextId first)", () => {
    const error = classify(404, simBody(404, "not.found", "The requested resource was not found."), {
      "inin-correlation-id": "from-header",
    });
    assert.equal(error.operation, PATCH);
    assert.equal(error.code, "not.found");
    assert.equal(error.correlationId, "ctx-123");
    assert.match(error.message, /The requested resource was not found\./);
  });

  it("falls back to the ININ-Correlation-Id header without a contextId", () => {
    const error = classify(500, undefined, { "ININ-Correlation-Id": "from-header" });
    assert.equal(error.correlationId, "from-header");
  });
});
