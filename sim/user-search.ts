/**
 * `POST /api/v2/users/search` (and `GET /api/v2/users/search?q64=`) in the simulator: the request
 * (SDK models `UserSearchRequest`, `UserSearchCriteria`) validated into criteria, the answer
 * (`UsersSearchResponse`) paged. Pure (no HTTP); refusals throw `SimHttpError`. What is documented and
 * what is chosen is in docs/genesys-api-notes.md ("POST /api/v2/users/search").
 */
import { badRequest, invalidValue } from "./errors.ts";
import {
  type ApiUser,
  SEARCH_FIELDS,
  type SearchCriterion,
  type SearchField,
  type UserDirectory,
} from "./users.ts";

/** Default `pageSize` of a search (as the other paged user endpoints). */
export const SEARCH_DEFAULT_PAGE_SIZE = 25;
/** Largest `pageSize` of a search: undocumented, chosen. */
export const SEARCH_MAX_PAGE_SIZE = 100;

const SEARCH_STATES = ["active", "inactive", "deleted"] as const;

/** The `UsersSearchResponse` the simulator answers. `results` is left out when nothing matched. */
export interface UsersSearchResponse {
  total: number;
  pageCount: number;
  pageSize: number;
  pageNumber: number;
  types: string[];
  results?: ApiUser[];
  currentPage: string;
  nextPage?: string;
  previousPage?: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Answers a search. Criteria are ANDed (`operator` absent or `AND`); a criterion matches when any of
 * its `fields` equals (`type: EXACT`) its `value` or any of its `values`. Without a `state` criterion
 * only active users are found (chosen). Results are sorted by name, then id; `sortBy` / `sortOrder`
 * are accepted and ignored.
 */
export function searchUsers(directory: UserDirectory, body: unknown): UsersSearchResponse {
  if (!isRecord(body)) throw badRequest("The request body must be a JSON object (UserSearchRequest).");
  const pageSize = pageParam(body.pageSize, "pageSize", SEARCH_DEFAULT_PAGE_SIZE);
  const pageNumber = pageParam(body.pageNumber, "pageNumber", 1);
  if (pageSize < 1 || pageSize > SEARCH_MAX_PAGE_SIZE) {
    throw badRequest(`pageSize must be between 1 and ${SEARCH_MAX_PAGE_SIZE}.`, { fieldName: "pageSize" });
  }
  if (pageNumber < 1) throw badRequest("pageNumber must be 1 or more.", { fieldName: "pageNumber" });
  const expand = stringList(body.expand, "expand") ?? [];
  const query = body.query;
  if (!Array.isArray(query) || query.length === 0) {
    throw badRequest("query must hold at least one UserSearchCriteria.", { fieldName: "query" });
  }
  const criteria = query.map((raw, i) => criterion(raw, i, directory.employeeIdSearch));
  if (!criteria.some((c) => c.fields.includes("state")))
    criteria.push({ fields: ["state"], values: ["active"] });

  const matches = directory.search(criteria, expand);
  const total = matches.length;
  const pageCount = Math.ceil(total / pageSize);
  const page = matches.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
  const uri = (n: number): string => {
    const request = { ...body, pageSize, pageNumber: n };
    return `/api/v2/users/search?q64=${Buffer.from(JSON.stringify(request)).toString("base64")}`;
  };
  const response: UsersSearchResponse = {
    total,
    pageCount,
    pageSize,
    pageNumber,
    types: ["users"],
    currentPage: uri(pageNumber),
  };
  if (page.length > 0) response.results = page;
  if (pageNumber < pageCount) response.nextPage = uri(pageNumber + 1);
  if (pageNumber > 1) response.previousPage = uri(pageNumber - 1);
  return response;
}

/** The request a `GET /api/v2/users/search?q64=` carries: base64 of the JSON UserSearchRequest. */
export function decodeQ64(q64: string | null): unknown {
  if (!q64) throw badRequest("q64 is required.", { fieldName: "q64" });
  try {
    return JSON.parse(Buffer.from(q64, "base64").toString("utf8"));
  } catch {
    throw badRequest("q64 must be a base64-encoded UserSearchRequest.", { fieldName: "q64" });
  }
}

function criterion(raw: unknown, index: number, employeeIdSearch: "supported" | "refused"): SearchCriterion {
  const at = `query[${index}]`;
  if (!isRecord(raw)) throw badRequest(`${at} must be a UserSearchCriteria object.`, { fieldName: at });
  if (raw.type !== "EXACT") {
    throw badRequest(`${at}.type [${String(raw.type)}] is not supported by the simulator: only EXACT.`, {
      fieldName: `${at}.type`,
    });
  }
  if (raw.operator !== undefined && raw.operator !== null && raw.operator !== "AND") {
    throw badRequest(
      `${at}.operator [${String(raw.operator)}] is not supported by the simulator: only AND.`,
      {
        fieldName: `${at}.operator`,
      },
    );
  }
  const fields = stringList(raw.fields, `${at}.fields`) ?? [];
  if (fields.length === 0) throw badRequest(`${at}.fields must name a field.`, { fieldName: `${at}.fields` });
  for (const field of fields) {
    const refused = field === "employerInfo.employeeId" && employeeIdSearch === "refused";
    if (refused || !(SEARCH_FIELDS as readonly string[]).includes(field)) {
      throw badRequest(`${field} is not a searchable field`, { fieldName: `${at}.fields` });
    }
  }
  if (raw.value !== undefined && raw.value !== null && typeof raw.value !== "string") {
    throw badRequest(`${at}.value must be a string.`, { fieldName: `${at}.value` });
  }
  const values = [
    ...(typeof raw.value === "string" ? [raw.value] : []),
    ...(stringList(raw.values, `${at}.values`) ?? []),
  ];
  if (values.length === 0) {
    throw badRequest(`${at} needs a value or values.`, { fieldName: `${at}.value` });
  }
  if (fields.includes("state")) {
    for (const value of values) {
      if (!(SEARCH_STATES as readonly string[]).includes(value))
        throw invalidValue(value, "state", SEARCH_STATES);
    }
  }
  return { fields: fields as SearchField[], values };
}

function stringList(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw badRequest(`${field} must be an array of strings.`, { fieldName: field });
  }
  return value as string[];
}

function pageParam(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw badRequest(`${name} must be an integer.`, { fieldName: name });
  }
  return value;
}
