import type { GenesysContact } from "../genesys/types.ts";

/**
 * The WORK phone entry of a user's `addresses`, read and rewritten the way Genesys's own Terraform
 * provider does (`flattenUserAddresses` / `buildSdkPhoneNumbers` in
 * MyPureCloud/terraform-provider-genesyscloud). A PHONE entry comes back in four shapes:
 *
 * | shape | fields | extension | number |
 * | --- | --- | --- | --- |
 * | 1 | `address` (no `extension`) | none | `address` |
 * | 2 | `extension` = `display` (mapped to a pool; some orgs add a derived `address`) | `extension` | none |
 * | 3 | `extension` ≠ `display` | `extension` | `address` if given, else `display` |
 * | 4 | only `display` (an extension not yet in a pool) | `display` | none |
 *
 * Writing sends the number as `address` beside `extension` on the same entry, as the provider does.
 */

export interface WorkPhone {
  /** Index of the entry in `addresses`, or -1 when the user has no WORK phone. */
  readonly index: number;
  readonly extension: string | null;
  readonly number: string | null;
}

/** The fields of a `Contact` that say what a phone entry holds. */
type PhoneFields = Pick<GenesysContact, "address" | "display" | "extension" | "mediaType" | "type">;

const isWorkPhone = (c: PhoneFields): boolean => c.mediaType === "PHONE" && c.type === "WORK";

/** Values can come wrapped in parentheses (the provider strips them): `(1234)` → `1234`. */
const unwrap = (value: string): string => {
  const trimmed = value.trim();
  return /^\(.*\)$/.test(trimmed) ? trimmed.slice(1, -1).trim() : trimmed;
};

const present = (value: string | undefined): value is string => value !== undefined && value !== "";

/** Reads one PHONE entry's extension and number (the four shapes above). */
export function readPhone(contact: PhoneFields): { extension: string | null; number: string | null } {
  const { address, extension, display } = contact;
  if (present(extension)) {
    const ext = unwrap(extension);
    const pooled = present(display) && unwrap(display) === ext;
    // Shape 2: an address beside a pooled extension is derived from it, not a number of its own.
    if (pooled || !present(display))
      return { extension: ext, number: present(address) && !pooled ? address : null };
    return { extension: ext, number: present(address) ? address : unwrap(display) };
  }
  if (present(address)) return { extension: null, number: address };
  return { extension: present(display) ? unwrap(display) : null, number: null };
}

/** The user's WORK phone: its entry, extension and number. */
export function readWorkPhone(addresses: readonly PhoneFields[] | undefined): WorkPhone {
  const index = (addresses ?? []).findIndex(isWorkPhone);
  if (index === -1) return { index, extension: null, number: null };
  return { index, ...readPhone((addresses as readonly PhoneFields[])[index] as PhoneFields) };
}

/** A number as compared: E.164 without the spaces, dashes, dots and parentheses of its display. */
export const normalizePhone = (text: string): string => text.replace(/[\s().-]/g, "");

/**
 * The whole `addresses` list with the WORK phone's extension and/or number set (`null` removes one,
 * `undefined` keeps it). The API replaces the list as a whole, so every other entry goes back exactly
 * as it came; the WORK entry keeps every other field of its own, and loses only `display`, which the
 * API derives. An entry left with neither number nor extension is dropped.
 */
export function mergeWorkPhone(
  addresses: readonly GenesysContact[] | undefined,
  change: { readonly extension?: string | null; readonly number?: string | null },
): GenesysContact[] {
  const list = [...(addresses ?? [])];
  const work = readWorkPhone(list);
  const extension = change.extension === undefined ? work.extension : change.extension;
  const number = change.number === undefined ? work.number : change.number;
  const phone: GenesysContact = {
    ...(number === null ? {} : { address: number }),
    ...(extension === null ? {} : { extension }),
  };
  if (work.index === -1) {
    return number === null && extension === null
      ? list
      : [...list, { mediaType: "PHONE", type: "WORK", ...phone }];
  }
  const { address: _a, display: _d, extension: _e, ...rest } = list[work.index] as GenesysContact;
  if (number === null && extension === null) list.splice(work.index, 1);
  else list[work.index] = { ...rest, ...phone };
  return list;
}

/** `mergeWorkPhone` for the extension alone. */
export const mergeExtension = (
  addresses: readonly GenesysContact[] | undefined,
  extension: string | null,
): GenesysContact[] => mergeWorkPhone(addresses, { extension });

const isMobilePhone = (c: PhoneFields): boolean => c.mediaType === "PHONE" && c.type === "MOBILE";

/** The MOBILE phone's number (its `address`, else its `display`), or null. */
export function readMobilePhone(addresses: readonly PhoneFields[] | undefined): string | null {
  const entry = (addresses ?? []).find(isMobilePhone);
  return entry?.address || entry?.display || null;
}

/** The `addresses` list with the MOBILE phone's number set (`null` removes the entry); the rest as it came. */
export function mergeMobilePhone(
  addresses: readonly GenesysContact[] | undefined,
  number: string | null,
): GenesysContact[] {
  const list = [...(addresses ?? [])];
  const index = list.findIndex(isMobilePhone);
  if (index === -1)
    return number === null ? list : [...list, { mediaType: "PHONE", type: "MOBILE", address: number }];
  const { address: _a, display: _d, ...rest } = list[index] as GenesysContact;
  if (number === null) list.splice(index, 1);
  else list[index] = { ...rest, address: number };
  return list;
}
