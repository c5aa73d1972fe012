import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type GenesysContact, GenesysUserSchema } from "../../../lib/genesys/types.ts";
import { mergeExtension, readPhone, readWorkPhone } from "../../../lib/sync/work-phone.ts";
import { UserDirectory } from "../../../sim/users.ts";

const ANN = "3f2b8c1e-9d4a-4e6b-8f1a-2c3d4e5f6a7b";
const MOBILE: GenesysContact = {
  mediaType: "PHONE",
  type: "MOBILE",
  address: "+353871234567",
  display: "+353 87 123 4567",
};
const SMS: GenesysContact = { mediaType: "SMS", type: "MOBILE", address: "+353871234567" };
const EMAIL_WORK: GenesysContact = { mediaType: "EMAIL", type: "WORK", address: "ann.work@example.com" };
const work = (fields: Partial<GenesysContact>): GenesysContact => ({
  mediaType: "PHONE",
  type: "WORK",
  ...fields,
});

// The four shapes of Genesys's Terraform provider (flattenUserAddresses), plus the provider's own write.
const NUMBER_ONLY = work({ address: "+35312345678", display: "+353 1 234 5678" });
const POOLED = work({ extension: "1001", display: "1001" });
const POOLED_WITH_ADDRESS = work({ extension: "1001", display: "1001", address: "1001" });
const NUMBER_AND_EXTENSION = work({ extension: "1001", display: "+35312345678" });
const NUMBER_AND_EXTENSION_WITH_ADDRESS = work({
  address: "+35312345678",
  extension: "1001",
  display: "+353 1 234 5678",
});
const UNPOOLED = work({ display: "1001" });

describe("readPhone: the four shapes", () => {
  it("1: an address without an extension is a number", () => {
    assert.deepEqual(readPhone(NUMBER_ONLY), { extension: null, number: "+35312345678" });
  });
  it("2: extension equal to display is a pooled extension; an address beside it is derived", () => {
    assert.deepEqual(readPhone(POOLED), { extension: "1001", number: null });
    assert.deepEqual(readPhone(POOLED_WITH_ADDRESS), { extension: "1001", number: null });
  });
  it("3: extension and a different display is a number plus an extension", () => {
    assert.deepEqual(readPhone(NUMBER_AND_EXTENSION), { extension: "1001", number: "+35312345678" });
    assert.deepEqual(readPhone(NUMBER_AND_EXTENSION_WITH_ADDRESS), {
      extension: "1001",
      number: "+35312345678",
    });
  });
  it("4: only a display is an extension not yet in a pool", () => {
    assert.deepEqual(readPhone(UNPOOLED), { extension: "1001", number: null });
  });
  it("strips surrounding parentheses", () => {
    assert.deepEqual(readPhone(work({ display: "(1001)" })), { extension: "1001", number: null });
    assert.deepEqual(readPhone(work({ extension: "(1001)", display: "1001" })), {
      extension: "1001",
      number: null,
    });
  });
  it("no WORK phone, or an extension on another type, reads as none", () => {
    assert.deepEqual(readWorkPhone([MOBILE]), { index: -1, extension: null, number: null });
    assert.equal(readWorkPhone([{ mediaType: "PHONE", type: "HOME", extension: "55" }]).extension, null);
    assert.equal(readWorkPhone(undefined).extension, null);
  });
});

describe("mergeExtension", () => {
  it("replaces the WORK extension and keeps every other address untouched and in place", () => {
    assert.deepEqual(mergeExtension([EMAIL_WORK, POOLED, MOBILE, SMS], "2002"), [
      EMAIL_WORK,
      work({ extension: "2002" }),
      MOBILE,
      SMS,
    ]);
  });

  it("keeps the number through a change of the extension, in every shape that has one", () => {
    for (const entry of [NUMBER_AND_EXTENSION, NUMBER_AND_EXTENSION_WITH_ADDRESS]) {
      assert.deepEqual(mergeExtension([entry, MOBILE], "2002"), [
        work({ address: "+35312345678", extension: "2002" }),
        MOBILE,
      ]);
    }
  });

  it("adds an extension beside a number on the same entry", () => {
    assert.deepEqual(mergeExtension([NUMBER_ONLY], "2002"), [
      work({ address: "+35312345678", extension: "2002" }),
    ]);
  });

  it("removing the extension keeps the number, and the entry's other fields", () => {
    const entry = { ...NUMBER_AND_EXTENSION_WITH_ADDRESS, countryCode: "IE" };
    assert.deepEqual(mergeExtension([entry, MOBILE], null), [
      work({ address: "+35312345678", countryCode: "IE" }),
      MOBILE,
    ]);
    assert.deepEqual(mergeExtension([NUMBER_AND_EXTENSION], null), [work({ address: "+35312345678" })]);
  });

  it("removing an extension-only entry (pooled, pooled with a derived address, or display-only) drops it", () => {
    for (const entry of [POOLED, POOLED_WITH_ADDRESS, UNPOOLED]) {
      assert.deepEqual(mergeExtension([entry, MOBILE], null), [MOBILE]);
    }
  });

  it("adds a PHONE/WORK entry when there is none; null without one changes nothing", () => {
    assert.deepEqual(mergeExtension([MOBILE], "3003"), [MOBILE, work({ extension: "3003" })]);
    assert.deepEqual(mergeExtension(undefined, "3003"), [work({ extension: "3003" })]);
    assert.deepEqual(mergeExtension([MOBILE, SMS], null), [MOBILE, SMS]);
  });

  it("never alters or drops an entry other than the WORK phone, nor the WORK number (property)", () => {
    const shapes = fc.constantFrom(
      NUMBER_ONLY,
      POOLED,
      POOLED_WITH_ADDRESS,
      NUMBER_AND_EXTENSION,
      NUMBER_AND_EXTENSION_WITH_ADDRESS,
      UNPOOLED,
    );
    const others = fc.subarray([MOBILE, SMS, EMAIL_WORK]);
    const extension = fc.option(fc.stringMatching(/^\d{1,6}$/), { nil: null });
    fc.assert(
      fc.property(fc.option(shapes, { nil: undefined }), others, extension, (entry, rest, ext) => {
        const input = entry ? [entry, ...rest] : rest;
        const before = structuredClone(input);
        const merged = mergeExtension(input, ext);
        assert.deepEqual(input, before, "input not mutated");
        assert.deepEqual(
          merged.filter((c) => !(c.mediaType === "PHONE" && c.type === "WORK")),
          rest,
        );
        const after = readWorkPhone(merged);
        assert.equal(after.extension, ext);
        assert.equal(after.number, readWorkPhone(input).number);
      }),
    );
  });

  it("the merged list is accepted by the simulator's PATCH and reads back as asked", () => {
    const directory = new UserDirectory();
    directory.seed([
      { id: ANN, name: "Ann Example", email: "ann@example.com", addresses: [NUMBER_AND_EXTENSION, MOBILE] },
    ]);
    for (const extension of ["4004", null, "5005"]) {
      const current = GenesysUserSchema.parse(directory.render(ANN));
      const updated = GenesysUserSchema.parse(
        directory.patch(ANN, {
          version: current.version,
          addresses: mergeExtension(current.addresses, extension),
        }),
      );
      assert.deepEqual(readWorkPhone(updated.addresses), {
        index: readWorkPhone(updated.addresses).index,
        extension,
        number: "+35312345678",
      });
      assert.ok(updated.addresses?.some((c) => c.type === "MOBILE" && c.address === MOBILE.address));
    }
  });
});
