/**
 * `npm run dashboard`: draws the CloudWatch dashboard of the packaged template (`npm run package`
 * writes `.serverless/cloudformation-template-update-stack.json`) as `docs/dashboard.svg`, for the
 * README: the grid of widgets, each with its title, axis and the metrics it plots. No AWS account.
 *
 * `--template FILE` / `--out FILE` change the paths. test/integration/template.test.ts checks that the
 * committed picture is what this draws from the packaged template.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type DashboardWidget, type PlottedMetric, templateDashboard } from "../lib/infra/dashboard-body.ts";
import { METRICS_NAMESPACE, SERVICE_NAME } from "../lib/sync/pass-metrics.ts";

const COLUMN = 40;
const ROW = 34;
const GAP = 8;
const HEADER = 44;
/** CloudWatch's palette for lines without a color of their own. */
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** `${SyncQueue.QueueName}` → `SyncQueue` (the queue's logical id), other values as they are. */
const dimensionText = (value: string): string => value.replace(/^\$\{(.+)\.QueueName\}$/, "$1");

/** What a legend line says of a metric besides its label: its name and statistic, and its queue. */
function metricDetails(m: PlottedMetric): string[] {
  const named = `${m.name} (${m.stat ?? "Average"})`;
  if (m.namespace === METRICS_NAMESPACE) return [named];
  return [named, [m.namespace, ...Object.values(m.dimensions).map(dimensionText)].join(", ")];
}

function widgetSvg(w: DashboardWidget, width: number, height: number): string[] {
  const left = w.x * COLUMN + GAP / 2;
  const top = HEADER + w.y * ROW + GAP / 2;
  const out = [
    `<rect x="${left}" y="${top}" width="${width}" height="${height}" fill="#fff" stroke="#c8c8c8"/>`,
    `<text x="${left + 10}" y="${top + 20}" font-size="14" font-weight="bold">${esc(w.title)}</text>`,
  ];
  // The legend, bottom up: one line per metric (two when it does not fit).
  const lines: { text: string; color?: string; dim?: boolean }[] = [];
  w.metrics.forEach((m, i) => {
    const color = m.color ?? PALETTE[i % PALETTE.length];
    const oneLine = [m.label ?? m.name, ...metricDetails(m)].join(" · ");
    if (oneLine.length * 6.2 < width - 34) {
      lines.push({ text: oneLine, color });
    } else {
      lines.push(
        { text: m.label ?? m.name, color },
        ...metricDetails(m).map((text) => ({ text, dim: true })),
      );
    }
  });
  const legendTop = top + height - 8 - lines.length * 15;
  lines.forEach((line, i) => {
    const y = legendTop + i * 15 + 11;
    if (line.color !== undefined) {
      out.push(`<rect x="${left + 10}" y="${y - 8}" width="12" height="3" fill="${line.color}"/>`);
    }
    const style = line.dim ? 'font-size="10" fill="#666"' : 'font-size="11"';
    out.push(`<text x="${left + 28}" y="${y}" ${style}>${esc(line.text)}</text>`);
  });
  // The plot area: gridlines, the axis label, the thresholds.
  const plotTop = top + 30;
  const plotBottom = legendTop - 6;
  const plotLeft = left + 10;
  const plotRight = left + width - 10;
  for (let k = 0; k <= 3; k++) {
    const y = (plotBottom - ((plotBottom - plotTop) * k) / 3).toFixed(1);
    out.push(`<line x1="${plotLeft}" x2="${plotRight}" y1="${y}" y2="${y}" stroke="#ececec"/>`);
  }
  if (w.unit !== undefined) {
    out.push(`<text x="${plotLeft}" y="${plotTop + 10}" font-size="10" fill="#888">${esc(w.unit)}</text>`);
  }
  for (const t of w.thresholds) {
    const y = (plotTop + (plotBottom - plotTop) / 3).toFixed(1);
    out.push(
      `<line x1="${plotLeft}" x2="${plotRight}" y1="${y}" y2="${y}" stroke="#d62728" stroke-dasharray="5 3"/>`,
      `<text x="${plotRight}" y="${Number(y) - 4}" font-size="10" fill="#d62728" text-anchor="end">${esc(`${t.label ?? "threshold"}: ${t.value}`)}</text>`,
    );
  }
  return out;
}

/** The dashboard's widgets on CloudWatch's 24-column grid, as an SVG document. */
export function dashboardSvg(
  widgets: readonly DashboardWidget[],
  caption: readonly [string, string],
): string {
  const width = 24 * COLUMN;
  const height = HEADER + Math.max(0, ...widgets.map((w) => w.y + w.height)) * ROW;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<title>${esc(`${caption[0]}: ${widgets.map((w) => w.title).join("; ")}`)}</title>`,
    `<rect width="${width}" height="${height}" fill="#f4f4f4"/>`,
    `<text x="${GAP / 2}" y="17" font-size="13" fill="#333">${esc(caption[0])}</text>`,
    `<text x="${GAP / 2}" y="33" font-size="11" fill="#666">${esc(caption[1])}</text>`,
    ...widgets.flatMap((w) => widgetSvg(w, w.width * COLUMN - GAP, w.height * ROW - GAP)),
    "</svg>",
    "",
  ].join("\n");
}

export const DASHBOARD_CAPTION = [
  "CloudWatch dashboard <stack>-sync, drawn from the packaged template (npm run dashboard)",
  `Metrics in namespace ${METRICS_NAMESPACE} with dimension service=${SERVICE_NAME} unless marked AWS/SQS`,
] as const;

if (import.meta.main) {
  const root = join(import.meta.dirname, "..");
  const { values } = parseArgs({
    options: { template: { type: "string" }, out: { type: "string" } },
    strict: true,
  });
  const templatePath = resolve(
    values.template ?? join(root, ".serverless", "cloudformation-template-update-stack.json"),
  );
  const outPath = resolve(values.out ?? join(root, "docs", "dashboard.svg"));
  const widgets = templateDashboard(JSON.parse(readFileSync(templatePath, "utf8")));
  writeFileSync(outPath, dashboardSvg(widgets, DASHBOARD_CAPTION));
  console.log(
    `${relative(process.cwd(), outPath)}: ${widgets.length} widgets from ${relative(process.cwd(), templatePath)}`,
  );
}
