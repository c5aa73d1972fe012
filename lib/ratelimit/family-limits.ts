/**
 * The per-minute limits of endpoint families, as the setting `GENESYS_FAMILY_RATE_LIMITS` gives them:
 * `family=perMinute` pairs separated by commas, e.g. `users.search=60,users.write=900`. A family named
 * there is paced by its limit (besides the token's and the client's), across every invocation, and a
 * 429 on one of its calls pauses that family only. Families left out are paced by the token's and
 * the client's budgets alone, as before.
 */
import { ENDPOINT_FAMILIES, type EndpointFamily } from "../genesys/endpoint-family.ts";

export type FamilyLimits = ReadonlyMap<EndpointFamily, number>;

/** The families a limit may be given to (`other` is whatever has no family yet: it gets none). */
const LIMITABLE: readonly string[] = ENDPOINT_FAMILIES.filter((f) => f !== "other");
const isFamily = (name: string): name is EndpointFamily => LIMITABLE.includes(name);

/** Parses the setting; the error names the part it could not read and the families it knows. */
export function parseFamilyLimits(setting: string | undefined): FamilyLimits {
  const limits = new Map<EndpointFamily, number>();
  for (const part of (setting ?? "").split(",").map((p) => p.trim())) {
    if (part === "") continue;
    const [name = "", value = ""] = part.split("=", 2).map((s) => s.trim());
    const perMinute = Number(value);
    if (!isFamily(name) || !Number.isInteger(perMinute) || perMinute <= 0) {
      throw new RangeError(
        `cannot read "${part}": expected family=calls per minute, a positive integer, with family one of ${LIMITABLE.join(", ")}`,
      );
    }
    limits.set(name, perMinute);
  }
  return limits;
}
