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
   * The OAuth client's request budget per minute (`GENESYS_RATE_LIMIT_PER_MINUTE`): Genesys Cloud's
   * documented default for a client token.
   * @default 300
   */
  rateLimitPerMinute: 300,
} as const;
