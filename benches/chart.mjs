// Charts of a `run.mjs` run: one SVG bar chart per app size and metric (median wall time, peak
// RSS) in benches/charts/, and benches/RESULTS.md with the table and the charts.
//
//   node chart.mjs [results.json]     (default: .apps/results.json, which run.mjs writes)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/** A horizontal bar chart: one bar per tool, Nexxo's rows in another colour, values printed. */
export function barChart(title, unit, bars) {
  const rowH = 26;
  const labelW = 130;
  const plotW = 420;
  const top = 34;
  const height = top + bars.length * rowH + 12;
  const max = Math.max(...bars.map((b) => b.value), 1);
  const rows = bars
    .map((b, i) => {
      const y = top + i * rowH;
      const w = Math.max(1, (b.value / max) * plotW);
      const fill = b.label.startsWith("nexxo") ? "#2f6fde" : "#9aa3ad";
      return (
        `<text x="${labelW - 8}" y="${y + 16}" text-anchor="end">${esc(b.label)}</text>` +
        `<rect x="${labelW}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${fill}"/>` +
        `<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 16}">${esc(b.text ?? `${b.value.toFixed(0)} ${unit}`)}</text>`
      );
    })
    .join("\n  ");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + plotW + 110}" height="${height}" font-family="sans-serif" font-size="13">
  <rect width="100%" height="100%" fill="#fff"/>
  <text x="8" y="20" font-weight="bold">${esc(title)}</text>
  ${rows}
</svg>
`;
}

/** Writes the charts and RESULTS.md for `rows` ({ size, tool, ms, rssMb }). */
export function writeResults(rows, { command, date = new Date().toISOString().slice(0, 10) } = {}) {
  const charts = path.join(here, "charts");
  fs.mkdirSync(charts, { recursive: true });
  const cpus = os.cpus();
  const machine = `${cpus.length} × ${cpus[0]?.model ?? "CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average ${os.loadavg()[0].toFixed(1)} at the end`;
  let md = `# Benchmark results\n\nWritten by \`node benches/chart.mjs\` from the last \`node benches/run.mjs\` run (${date}; ${machine}).\n`;
  if (command) md += `Command: \`${command}\`.\n`;
  md += "Lower is better. Blue bars are Nexxo. Every time counted is of a build whose output rendered every component in headless Chromium (`render-check.mjs`).\n";
  for (const size of [...new Set(rows.map((r) => r.size))]) {
    const of = rows.filter((r) => r.size === size);
    const base = of.find((r) => r.tool === "nexxo-cold")?.ms;
    md += `\n## ${size}\n\n| tool | median wall | peak RSS | vs nexxo cold |\n| --- | ---: | ---: | ---: |\n`;
    for (const r of of) md += `| ${r.tool} | ${r.ms.toFixed(0)} ms | ${r.rssMb.toFixed(0)} MB | ${base ? `${(r.ms / base).toFixed(2)}x` : ""} |\n`;
    for (const [metric, unit, key] of [["time", "ms", "ms"], ["memory", "MB", "rssMb"]]) {
      const file = `${size}-${metric}.svg`;
      const title = `${size}: ${metric === "time" ? "median wall time" : "peak RSS"} (${unit}, lower is better)`;
      fs.writeFileSync(path.join(charts, file), barChart(title, unit, of.map((r) => ({ label: r.tool, value: r[key] }))));
      md += `\n![${esc(title)}](charts/${file})\n`;
    }
  }
  fs.writeFileSync(path.join(here, "RESULTS.md"), md);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? path.join(here, ".apps", "results.json");
  const data = JSON.parse(fs.readFileSync(file, "utf8"));
  const rows = Array.isArray(data) ? data : data.rows;
  writeResults(rows, { command: data.command, date: data.date });
  console.log(`wrote ${path.join(here, "RESULTS.md")} and ${path.join(here, "charts")}/`);
}
