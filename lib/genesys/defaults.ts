/**
 * Defaults shared by the Genesys Cloud clients and the environment schema (`lib/config.ts`), so that
 * each is declared once.
 */
export const GENESYS_DEFAULTS = {
  /**
   * Per-request timeout of every Genesys Cloud call (API and login), ms (`GENESYS_TIMEOUT_MS`).
   * @default 10_000
   */
  timeoutMs: 10_000,
  /**
   * Requests per minute of one client-credentials token when neither `GENESYS_RATE_LIMIT_PER_MINUTE`
   * nor the org's limits API says (`client.credentials.token.rate.per.minute`): Genesys Cloud's
   * documented default.
   * @default 300
   */
  rateLimitPerMinute: 300,
  /**
   * Tokens in the pool (`GENESYS_TOKEN_POOL_SIZE`): the default of Genesys's own Terraform provider
   * (`token_pool_size`), and the org's default client total (3,000 a minute) is ten tokens' worth.
   * @default 10
   */
  tokenPoolSize: 10,
  /**
   * The window Genesys counts requests over, ms ("per minute").
   * @default 60_000
   */
  rateLimitWindowMs: 60_000,
} as const;
