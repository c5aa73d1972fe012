// Stub: the real handler lands with the sync pass.
export const handler = async (): Promise<Record<string, never>> => ({});
