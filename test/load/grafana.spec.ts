import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { RunningApp, startApp } from '../support/app';

const ROOT = join(__dirname, '..', '..');
type Target = { datasource: { uid: string }; expr?: string; query?: string };
type Dashboard = { uid: string; panels: { title: string; datasource: { uid: string }; targets: Target[] }[] };
type Compose = {
  services: Record<string, { configs?: { source: string; target: string }[] }>;
  configs: Record<string, { file: string }>;
};

/** What Grafana would show blank without a word: a missing file, a datasource it lacks, a metric the service never exports. */
describe('Grafana and Prometheus provisioning in docker-compose', () => {
  const compose = load(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as Compose;
  const file = (source: string) => join(ROOT, compose.configs[source].file);
  const mounted = (service: string) =>
    Object.fromEntries((compose.services[service].configs ?? []).map((c) => [c.target, file(c.source)]));
  const grafana = mounted('grafana');
  const dashboards = Object.entries(grafana)
    .filter(([target]) => target.startsWith('/etc/grafana/dashboards/'))
    .map(([, path]) => JSON.parse(readFileSync(path, 'utf8')) as Dashboard);

  it('mounts files that exist: datasources, the dashboard provider and both dashboards', () => {
    for (const path of Object.values(compose.configs)) expect(existsSync(join(ROOT, path.file))).toBe(true);
    const provider = load(readFileSync(grafana['/etc/grafana/provisioning/dashboards/dashboards.yml'], 'utf8')) as {
      providers: { options: { path: string } }[];
    };
    expect(provider.providers[0].options.path).toBe('/etc/grafana/dashboards');
    expect(dashboards.map((d) => d.uid).sort()).toEqual(['rush-tickets-k6', 'rush-tickets-service']);
    expect(mounted('prometheus')['/etc/prometheus/prometheus.yml']).toBeDefined();
  });

  it('points every panel at a provisioned datasource', () => {
    const sources = load(readFileSync(grafana['/etc/grafana/provisioning/datasources/datasources.yml'], 'utf8')) as {
      datasources: { uid: string; url: string }[];
    };
    const uids = sources.datasources.map((d) => d.uid);
    for (const panel of dashboards.flatMap((d) => d.panels)) {
      expect([panel.title, uids.includes(panel.datasource.uid)]).toEqual([panel.title, true]);
      for (const target of panel.targets) expect(uids).toContain(target.datasource.uid);
    }
    for (const source of sources.datasources) expect(compose.services[new URL(source.url).hostname]).toBeDefined();
  });

  describe('the service dashboard', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp();
    });
    afterAll(() => running.close());

    it('queries only metrics the service exports', async () => {
      // One request first, so the request histogram has a series.
      await running.client.request('GET', '/v1/concerts');
      const exported = new Set(
        [...(await running.client.request('GET', '/metrics')).body.matchAll(/^# TYPE (\w+) (\w+)/gm)].flatMap((m) =>
          m[2] === 'histogram' ? [`${m[1]}_bucket`, `${m[1]}_count`, `${m[1]}_sum`] : [m[1]],
        ),
      );
      const service = dashboards.find((d) => d.uid === 'rush-tickets-service')!;
      // The names left once grouping labels, label matchers and ranges are taken out, less the functions.
      const names = (expr: string) =>
        expr
          .replace(/by \([^)]*\)/g, '')
          .replace(/\{[^}]*\}|\[[^\]]*\]/g, '')
          .match(/[a-z]+_[a-z0-9_]+/g) ?? [];
      const queried = service.panels.flatMap((p) => p.targets.flatMap((t) => names(t.expr ?? '')));
      const metrics = [...new Set(queried.filter((name) => name !== 'histogram_quantile'))];
      expect(metrics.length).toBeGreaterThan(5);
      expect(metrics.filter((name) => !exported.has(name))).toEqual([]);
    });
  });
});
