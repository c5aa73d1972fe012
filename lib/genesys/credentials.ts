import { z } from "zod";
import type { Credentials } from "../config.ts";
import type { ClientCredentials } from "./token-provider.ts";

/** The JSON a credentials secret (Secrets Manager or SSM SecureString) must hold. */
const secretSchema = z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1) });

/** Where a named secret lives: `ssm:/path` or an SSM parameter ARN → SSM; anything else → Secrets Manager. */
export function secretLocation(name: string): { store: "ssm" | "secretsmanager"; id: string } {
  if (name.startsWith("ssm:")) return { store: "ssm", id: name.slice(4) };
  if (/^arn:aws[\w-]*:ssm:/.test(name)) return { store: "ssm", id: name };
  return { store: "secretsmanager", id: name };
}

export class CredentialsError extends Error {
  override readonly name = "CredentialsError";
}

/**
 * Resolves the OAuth client credentials: inline from the config, or from a secret read through
 * `readSecret` (which caches; Powertools Parameters in Lambda). The secret value is never logged.
 */
export function credentialsResolver(
  credentials: Credentials,
  readSecret: (location: { store: "ssm" | "secretsmanager"; id: string }) => Promise<unknown>,
): () => Promise<ClientCredentials> {
  if (credentials.kind === "inline") {
    const value = { clientId: credentials.clientId, clientSecret: credentials.clientSecret };
    return async () => value;
  }
  const location = secretLocation(credentials.name);
  return async () => {
    const raw = await readSecret(location);
    let json: unknown = raw;
    if (typeof raw === "string") {
      try {
        json = JSON.parse(raw);
      } catch {
        throw new CredentialsError(
          `${credentials.name} is not JSON; it must hold {"clientId","clientSecret"}`,
        );
      }
    }
    const parsed = secretSchema.safeParse(json);
    if (!parsed.success) {
      throw new CredentialsError(
        `${credentials.name} must hold {"clientId","clientSecret"} (non-empty strings)`,
      );
    }
    return parsed.data;
  };
}
