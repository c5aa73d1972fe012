/** `maxReceiveCount` of a queue's `RedrivePolicy` attribute (JSON); undefined when absent or malformed. */
export function parseMaxReceiveCount(redrivePolicy: string | undefined): number | undefined {
  if (!redrivePolicy) return undefined;
  try {
    const policy: unknown = JSON.parse(redrivePolicy);
    if (typeof policy !== "object" || policy === null) return undefined;
    const value = Number((policy as { maxReceiveCount?: unknown }).maxReceiveCount);
    return Number.isInteger(value) && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}
