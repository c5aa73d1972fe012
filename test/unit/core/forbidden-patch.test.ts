import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PermissionError } from "../../../lib/genesys/errors.ts";
import { explainForbiddenPatch, reasonForExtension } from "../../../lib/sync/forbidden-patch.ts";

const forbidden = (named: string[]) => new PermissionError("forbidden", named, { status: 403 });

describe("explainForbiddenPatch", () => {
  it("a PATCH without an extension change: the client may not edit users", () => {
    assert.equal(explainForbiddenPatch(forbidden([]), false), "edit");
    assert.equal(explainForbiddenPatch(forbidden(["telephony:extension:assign"]), false), "edit");
  });
  it("with an extension change: the extension, unless the answer names only directory:user:edit", () => {
    assert.equal(explainForbiddenPatch(forbidden(["telephony:extension:assign"]), true), "extension");
    assert.equal(explainForbiddenPatch(forbidden([]), true), "extension");
    assert.equal(explainForbiddenPatch(forbidden(["directory:user:edit"]), true), "edit");
    assert.equal(
      explainForbiddenPatch(forbidden(["directory:user:edit", "telephony:extension:assign"]), true),
      "extension",
    );
  });
});

describe("reasonForExtension", () => {
  it("names the permission, the user and the division", () => {
    const why = reasonForExtension(
      { id: "u-1", version: 1, division: { id: "d-1", name: "Sales" } },
      forbidden([]),
    );
    assert.equal(why.code, "genesys.permission.missing");
    assert.equal(why.lastStatus, 403);
    assert.match(why.reason, /telephony:extension:assign/);
    assert.match(why.reason, /u-1/);
    assert.match(why.reason, /division "Sales" \(d-1\)/);
  });
  it("without a division in the read, says the user's division", () => {
    assert.match(reasonForExtension({ id: "u-1", version: 1 }, forbidden([])).reason, /the user's division/);
  });
});
