import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SSMClient } from "@aws-sdk/client-ssm";

/** How long a secret is cached before it is read again (rotation is picked up within this time). */
export const SECRET_MAX_AGE_S = 300;

/** Reads one secret's value (the port `credentialsResolver` takes). */
export type ReadSecret = (location: { store: "ssm" | "secretsmanager"; id: string }) => Promise<unknown>;

/**
 * Reads a secret through Powertools Parameters (cached for `SECRET_MAX_AGE_S`): an SSM SecureString
 * (decrypted) or a Secrets Manager secret. The clients come from the entry point.
 */
export function secretReader(clients: { secretsManager: SecretsManagerClient; ssm: SSMClient }): ReadSecret {
  const secrets = new SecretsProvider({ awsSdkV3Client: clients.secretsManager });
  const ssm = new SSMProvider({ awsSdkV3Client: clients.ssm });
  return async ({ store, id }) =>
    store === "ssm"
      ? ssm.get(id, { decrypt: true, maxAge: SECRET_MAX_AGE_S })
      : secrets.get(id, { maxAge: SECRET_MAX_AGE_S });
}
