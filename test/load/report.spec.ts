import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { renderReport } from '../../load/report';
import { RunResult } from '../../load/run';
import { RunningApp, startApp } from '../support/app';
import { briefRun } from './brief-run';

const CHROMIUM = '/usr/bin/chromium';
// Without the background-networking flags Chromium dials out at start, which this closed network refuses.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Skips without Chromium (infra/chromium.sh installs it), except under REQUIRE_SERVICES=1, where that fails. */
function describeWithChromium(name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) return describe(name, body);
  if (process.env.REQUIRE_SERVICES === '1') {
    return describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(`${CHROMIUM} is missing but REQUIRE_SERVICES=1 (run infra/chromium.sh)`);
      });
    });
  }
  describe.skip(`${name} (install Chromium with infra/chromium.sh to run)`, () => {
    it('skipped', () => undefined);
  });
}

describeWithChromium('the load report in headless Chromium', () => {
  let running: RunningApp;
  let run: RunResult;
  beforeAll(async () => {
    running = await startApp({ QUEUE_ACTIVE_CAPACITY: '10' });
    run = await briefRun(running.url, 'journey');
  });
  afterAll(() => running.close());

  it('renders every chart from the file alone, without a console error', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'report-')), 'report.html');
    writeFileSync(file, renderReport(run));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      // Anything the page tried to fetch would mean it is not self-contained.
      page.on('request', (request) => {
        if (!request.url().startsWith('file:')) errors.push(`fetched ${request.url()}`);
      });
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('body[data-rendered]');

      expect(errors).toEqual([]);
      expect(await page.title()).toContain('journey');
      const latencyCharts = await page.$$eval('#latency figure.chart figcaption', (nodes) =>
        nodes.map((n) => n.textContent),
      );
      expect(latencyCharts).toEqual(expect.arrayContaining(['hold latency (ms)', 'journey latency (ms)']));
      const others = await page.$$eval('#load figure.chart figcaption', (nodes) => nodes.map((n) => n.textContent));
      expect(others).toEqual(
        expect.arrayContaining([
          'Throughput by step (per second)',
          'Failures by step (per second)',
          'Projection lag (events)',
        ]),
      );
      expect(await page.$$eval('#latency path.series', (paths) => paths.length)).toBeGreaterThanOrEqual(
        3 * latencyCharts.length,
      );
      expect(await page.textContent('table')).toContain('hold_latency p(95)');
    } finally {
      await browser.close();
    }
  });
});
