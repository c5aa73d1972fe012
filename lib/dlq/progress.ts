/** Progress of a replay as the bar shows it. */
export interface ReplayProgress {
  /** Dead letters looked at so far. */
  readonly scanned: number;
  readonly moved: number;
  readonly skipped: number;
  readonly failed: number;
}

/**
 * Above this many dead letters (approximate depth), a replay on a terminal shows a progress bar; so
 * does `enqueue` above this many changes.
 */
export const PROGRESS_THRESHOLD = 50;

/**
 * One line of progress: `[#######.............]  35% 140/400  moved 120  skipped 20`. `total` is the
 * queue depth SQS estimated at the start; the bar never goes past full when that was low.
 */
export function renderProgress(progress: ReplayProgress, total: number, width = 24): string {
  const failed = progress.failed > 0 ? `  failed ${progress.failed}` : "";
  return renderBar(
    progress.scanned,
    total,
    `moved ${progress.moved}  skipped ${progress.skipped}${failed}`,
    width,
  );
}

/**
 * The bar itself, for any count of work done: `[#####...]  62% 620/1000  ` and then `counts`. `total`
 * may be an estimate; the bar never goes past full (the denominator is at least `done`).
 */
export function renderBar(done: number, total: number, counts: string, width = 24): string {
  const denominator = Math.max(total, done, 1);
  const ratio = Math.min(1, done / denominator);
  const filled = Math.round(ratio * width);
  const percent = String(Math.floor(ratio * 100)).padStart(3);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${percent}% ${done}/${denominator}  ${counts}`;
}
