/** The parts of a Genesys Cloud `User` the sync reads (other fields pass through untouched). */
export interface GenesysUser {
  readonly id: string;
  readonly version: number;
  readonly name?: string;
  readonly email?: string;
  readonly title?: string;
  readonly department?: string;
  readonly state?: "active" | "inactive" | "deleted";
  /** A user reference; may be absent when the user has no manager. */
  readonly manager?: { readonly id?: string } | null;
  readonly addresses?: readonly GenesysContact[];
}

/** A `Contact` in `addresses`: a phone number and/or extension, or an email. */
export interface GenesysContact {
  readonly address?: string;
  readonly display?: string;
  readonly mediaType?: "PHONE" | "EMAIL" | "SMS" | string;
  readonly type?: "PRIMARY" | "WORK" | "WORK2" | "WORK3" | "WORK4" | "HOME" | "MOBILE" | "MAIN" | string;
  readonly extension?: string;
  readonly countryCode?: string;
  readonly integration?: string;
}

/** The body of `PATCH /api/v2/users/{userId}` (UpdateUser) that the sync sends. */
export interface UpdateUserBody {
  readonly version: number;
  name?: string;
  email?: string;
  title?: string;
  department?: string;
  /** The manager's user id; an empty string removes the manager. */
  manager?: string;
  addresses?: GenesysContact[];
  /** Documented: "If specified, it is the only modifiable field" — so state goes in a PATCH of its own. */
  state?: "active" | "inactive";
}
