/**
 * `bench/calls.svg`: calls per second over time against the limit line, one panel per row given.
 * Hand-written SVG, no dependencies.
 */

export interface ChartPanel {
  readonly title: string;
  /** Admitted (non-429) calls per 1-s bin. */
  readonly ok: readonly number[];
  /** 429 answers per 1-s bin. */
  readonly limited: readonly number[];
  /** The limit as an average rate, calls per second. */
  readonly limitPerSecond: number;
}

const WIDTH = 900;
const PANEL_HEIGHT = 240;
const MARGIN = { left: 60, right: 20, top: 34, bottom: 36 };

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A "nice" step for about `ticks` gridlines over [0, max]. */
function niceStep(max: number, ticks: number): number {
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

export function renderChart(panels: readonly ChartPanel[], caption: string): string {
  const seconds = Math.max(10, ...panels.map((p) => Math.max(p.ok.length, p.limited.length)));
  const height = panels.length * PANEL_HEIGHT + 30;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${esc(`Calls per second against the limit: ${panels.map((p) => p.title).join("; ")}`)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
  ];
  panels.forEach((panel, index) => {
    const top = index * PANEL_HEIGHT;
    const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
    const y0 = top + MARGIN.top + plotH;
    const maxY = Math.max(panel.limitPerSecond * 1.5, ...panel.ok, ...panel.limited, 1);
    const step = niceStep(maxY, 5);
    const yMax = Math.ceil(maxY / step) * step;
    const x = (s: number): number => MARGIN.left + (s / seconds) * plotW;
    const y = (v: number): number => y0 - (v / yMax) * plotH;
    parts.push(
      `<text x="${MARGIN.left}" y="${top + 20}" font-size="14" font-weight="bold">${esc(panel.title)}</text>`,
    );
    for (let v = 0; v <= yMax + 1e-9; v += step) {
      parts.push(
        `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`,
        `<text x="${MARGIN.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#555">${v}</text>`,
      );
    }
    const xStep = niceStep(seconds, 10);
    for (let s = 0; s <= seconds; s += xStep) {
      parts.push(`<text x="${x(s).toFixed(1)}" y="${y0 + 16}" text-anchor="middle" fill="#555">${s}</text>`);
    }
    parts.push(
      `<text x="${WIDTH - MARGIN.right}" y="${y0 + 30}" text-anchor="end" fill="#555">seconds since the row's first call</text>`,
      `<text x="14" y="${top + MARGIN.top + plotH / 2}" transform="rotate(-90 14 ${top + MARGIN.top + plotH / 2})" text-anchor="middle" fill="#555">calls / s</text>`,
      `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${top + MARGIN.top}" y2="${y0}" stroke="#999"/>`,
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y0}" y2="${y0}" stroke="#999"/>`,
    );
    const stepPath = (values: readonly number[]): string => {
      const pts: string[] = [];
      values.forEach((v, s) => {
        pts.push(`${x(s).toFixed(1)},${y(v).toFixed(1)}`, `${x(s + 1).toFixed(1)},${y(v).toFixed(1)}`);
      });
      return pts.join(" ");
    };
    parts.push(
      `<polyline fill="none" stroke="#1f77b4" stroke-width="1.6" points="${stepPath(panel.ok)}"/>`,
      `<polyline fill="none" stroke="#d62728" stroke-width="1.6" points="${stepPath(panel.limited)}"/>`,
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(panel.limitPerSecond).toFixed(1)}" y2="${y(panel.limitPerSecond).toFixed(1)}" stroke="#2ca02c" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    );
    const lx = WIDTH - MARGIN.right - 330;
    const ly = top + 14;
    parts.push(
      `<line x1="${lx}" x2="${lx + 18}" y1="${ly}" y2="${ly}" stroke="#1f77b4" stroke-width="2"/>`,
      `<text x="${lx + 22}" y="${ly + 4}">admitted</text>`,
      `<line x1="${lx + 90}" x2="${lx + 108}" y1="${ly}" y2="${ly}" stroke="#d62728" stroke-width="2"/>`,
      `<text x="${lx + 112}" y="${ly + 4}">429</text>`,
      `<line x1="${lx + 150}" x2="${lx + 168}" y1="${ly}" y2="${ly}" stroke="#2ca02c" stroke-width="2" stroke-dasharray="6 4"/>`,
      `<text x="${lx + 172}" y="${ly + 4}">limit (${panel.limitPerSecond}/s avg)</text>`,
    );
  });
  parts.push(`<text x="${MARGIN.left}" y="${height - 8}" fill="#555">${esc(caption)}</text>`, "</svg>");
  return `${parts.join("\n")}\n`;
}
