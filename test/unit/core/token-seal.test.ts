import assert from "node:assert/strict";
import { createDecipheriv, hkdfSync } from "node:crypto";
import { describe, it } from "node:test";
import fc from "fast-check";
import { SEAL_VERSION, type SealContext, TokenSeal } from "../../../lib/genesys/token-seal.ts";

const context: SealContext = {
  pk: "token#client-a#0",
  renewAtMs: 1_700_000_150_000,
  expiresAtMs: 1_700_000_300_000,
};
const TOKEN = "Xq2v-bearer-token_0123456789abcdefghijklmnopqrstuv";

describe("TokenSeal", () => {
  it("opens what it sealed, for any token and item", () => {
    const seal = new TokenSeal("secret-1");
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, unit: "grapheme" }),
        fc.string(),
        fc.integer({ min: 0 }),
        fc.integer({ min: 0 }),
        (token, pk, renewAtMs, expiresAtMs) => {
          const at = { pk, renewAtMs, expiresAtMs };
          assert.equal(seal.open(seal.seal(token, at), at), token);
        },
      ),
    );
    // Another instance on the same secret (another container) opens it too.
    assert.equal(new TokenSeal("secret-1").open(seal.seal(TOKEN, context), context), TOKEN);
  });

  it("a fresh IV per seal: the same token sealed twice gives two different seals, neither holding the token", () => {
    const seal = new TokenSeal("secret-1");
    const seals = Array.from({ length: 50 }, () => seal.seal(TOKEN, context));
    const ivs = new Set(seals.map((s) => Buffer.from(s, "base64").subarray(0, 12).toString("hex")));
    assert.equal(ivs.size, 50);
    for (const sealed of seals) {
      assert.ok(!sealed.includes(TOKEN));
      assert.ok(!Buffer.from(sealed, "base64").includes(TOKEN));
      assert.equal(seal.open(sealed, context), TOKEN);
    }
  });

  it("does not open under another secret", () => {
    const sealed = new TokenSeal("secret-1").seal(TOKEN, context);
    assert.equal(new TokenSeal("secret-2").open(sealed, context), undefined);
    assert.equal(new TokenSeal("secret-1 ").open(sealed, context), undefined);
  });

  it("does not open on another item: another slot or client, an edited renewal time or expiry", () => {
    const seal = new TokenSeal("secret-1");
    const sealed = seal.seal(TOKEN, context);
    for (const moved of [
      { ...context, pk: "token#client-a#1" },
      { ...context, pk: "token#client-b#0" },
      { ...context, renewAtMs: context.renewAtMs + 1 },
      { ...context, expiresAtMs: context.expiresAtMs + 3_600_000 },
      { ...context, expiresAtMs: context.expiresAtMs - 1 },
    ]) {
      assert.equal(seal.open(sealed, moved), undefined, JSON.stringify(moved));
    }
  });

  it("does not open when any byte is changed, or when truncated, or when it is no seal at all", () => {
    const seal = new TokenSeal("secret-1");
    const sealed = seal.seal(TOKEN, context);
    const bytes = Buffer.from(sealed, "base64");
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const tampered = Buffer.from(bytes);
        tampered[i] = (tampered[i] ?? 0) ^ bit;
        assert.equal(seal.open(tampered.toString("base64"), context), undefined, `byte ${i}`);
      }
    }
    assert.equal(seal.open(bytes.subarray(0, bytes.length - 1).toString("base64"), context), undefined);
    assert.equal(seal.open(bytes.subarray(1).toString("base64"), context), undefined);
    for (const garbage of ["", "AAAA", TOKEN, "not base64 at all!", "A".repeat(200)]) {
      assert.equal(seal.open(garbage, context), undefined, garbage);
    }
  });

  it("is the documented format: HKDF-SHA256 key, IV ‖ AES-256-GCM ciphertext ‖ tag, the item as JSON associated data", () => {
    const sealed = Buffer.from(new TokenSeal("secret-1").seal(TOKEN, context), "base64");
    const key = Buffer.from(
      hkdfSync("sha256", "secret-1", "genesys-user-sync", "genesys-user-sync token store v1", 32),
    );
    const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, 12));
    decipher.setAAD(
      Buffer.from(
        JSON.stringify([
          "genesys-user-sync token",
          SEAL_VERSION,
          context.pk,
          context.renewAtMs,
          context.expiresAtMs,
        ]),
      ),
    );
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const opened = Buffer.concat([
      decipher.update(sealed.subarray(12, sealed.length - 16)),
      decipher.final(),
    ]);
    assert.equal(opened.toString("utf8"), TOKEN);
  });

  it("refuses an empty secret", () => {
    assert.throws(() => new TokenSeal(""), RangeError);
  });
});
