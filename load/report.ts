import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPORT_SCRIPT, REPORT_STYLE } from './report-page';
import { RunResult } from './run';
import { StepSummary } from './summary';

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const ms = (v: number) => v.toFixed(2);

/** `seconds` gives a per-second rate; setup steps ran before the clock and have none. */
function stepTable(steps: StepSummary[], seconds?: number): string {
  const rows = steps.map(
    (s) =>
      `<tr><td>${escape(s.name)}</td><td>${s.count}</td><td>${s.successes}</td>` +
      `<td class="${s.failures ? 'bad' : ''}">${s.failures}</td><td>${seconds ? (s.count / seconds).toFixed(1) : ''}</td>` +
      [s.med, s.p90, s.p95, s.p99, s.max].map((v) => `<td>${ms(v)}</td>`).join('') +
      '</tr>',
  );
  return (
    '<table><tr><th>step</th><th>requests</th><th>2xx</th><th>failed</th><th>per s</th>' +
    '<th>p50 ms</th><th>p90 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr>' +
    rows.join('') +
    '</table>'
  );
}

/** One HTML file holding the whole run: its data as JSON, and the script and style that draw it. */
export function renderReport(run: RunResult): string {
  const title = `${run.scenario}: ${run.options.vus} VUs, ${run.seconds.toFixed(0)} s (${run.profile})`;
  const thresholds = run.thresholds
    .map(
      (t) =>
        `<tr><td class="${t.ok ? 'ok' : 'bad'}">${t.ok ? '✓' : '✗'} ${escape(t.label)}</td><td>${escape(t.actual)}</td></tr>`,
    )
    .join('');
  const unexpected = run.unexpected.length
    ? `<h2>Unexpected answers</h2><table>${run.unexpected
        .map((u) => `<tr><td>${escape(u.key)}</td><td>${u.count}</td><td>${escape(u.example)}</td></tr>`)
        .join('')}</table>`
    : '';
  // JSON inside <script>: "<" escaped so no value can close the tag.
  const data = JSON.stringify(run).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Load run ${escape(title)}</title>
<style>${REPORT_STYLE}</style></head>
<body>
<h1>Load run — ${escape(title)}</h1>
<p>${escape(run.about)}. Started ${escape(run.startedAt)}; ${run.iterations} iterations.</p>
<h2>Targets</h2><table>${thresholds}</table>
<h2>Steps</h2>${stepTable(run.steps, run.seconds)}
<h2>Setup (before the clock)</h2>${stepTable(run.setup)}
${unexpected}
<h2>Latency over time</h2><div class="charts" id="latency"></div>
<h2>Throughput, errors and the service</h2><div class="charts" id="load"></div>
<script id="run" type="application/json">${data}</script>
<script>${REPORT_SCRIPT}</script>
</body></html>
`;
}

export function writeReport(run: RunResult, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${run.scenario}-${run.startedAt.replace(/[:.]/g, '-')}.html`);
  writeFileSync(file, renderReport(run));
  return file;
}
