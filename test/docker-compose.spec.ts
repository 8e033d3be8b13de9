import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { loadConfig } from '../src/config';

type Service = {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: unknown;
  volumes?: string[];
  profiles?: string[];
};
type Compose = { services: Record<string, Service>; volumes: Record<string, unknown> };

/** What `docker compose config` would catch, checked without Docker: this machine has none. */
describe('docker-compose.yml', () => {
  const compose = load(readFileSync(join(__dirname, '..', 'docker-compose.yml'), 'utf8')) as Compose;
  const { services } = compose;
  const apps = Object.entries(services).filter(([, s]) => s.build !== undefined);
  const onKurrentDb = (service: Service) => service.profiles?.includes('kurrentdb') ?? false;

  it('runs two instances of the app built from the Dockerfile, with a non-root user, and two on KurrentDB', () => {
    expect(apps.filter(([, s]) => !s.profiles).map(([name]) => name)).toEqual(['app1', 'app2']);
    expect(apps.filter(([, s]) => onKurrentDb(s)).map(([name]) => name)).toEqual(['kurrentdb-app1', 'kurrentdb-app2']);
    const dockerfile = readFileSync(join(__dirname, '..', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
  });

  it('names in every app URL a service that exists, starts first and is healthy', () => {
    for (const [, app] of apps) {
      const env = app.environment ?? {};
      const urls = ['DATABASE_URL', 'REDIS_URL', 'MONGODB_URL', 'KAFKA_BROKERS'];
      for (const variable of onKurrentDb(app) ? [...urls, 'KURRENTDB_URL'] : urls) {
        const value = String(env[variable]);
        const host = variable === 'KAFKA_BROKERS' ? value.split(':')[0] : new URL(value).hostname;
        expect(services[host]).toBeDefined();
        expect(app.depends_on?.[host]).toEqual({ condition: 'service_healthy' });
        expect(services[host].healthcheck).toBeDefined();
      }
    }
  });

  it('gives the app an environment the service accepts in the production profile', () => {
    for (const [, app] of apps) {
      const env = Object.fromEntries(Object.entries(app.environment ?? {}).map(([k, v]) => [k, String(v)]));
      const config = loadConfig(env);
      expect(config.profile).toBe('production');
      expect(config.readStores).toMatchObject({ kind: 'external', kafkaBrokers: ['kafka:9092'] });
      expect(config.eventStore.kind).toBe(onKurrentDb(app) ? 'kurrentdb' : 'postgres');
    }
    const instances = apps.map(([, app]) => app.environment?.INSTANCE_ID);
    expect(new Set(instances).size).toBe(apps.length);
  });

  it('keeps data in named volumes it declares, and KurrentDB behind a profile', () => {
    for (const service of Object.values(services)) {
      for (const volume of service.volumes ?? []) {
        expect(Object.keys(compose.volumes)).toContain(volume.split(':')[0]);
      }
    }
    for (const name of ['postgres', 'redis', 'mongo', 'kafka', 'influxdb', 'grafana', 'kurrentdb']) {
      expect(services[name]).toBeDefined();
    }
    expect(services.kurrentdb.profiles).toEqual(['kurrentdb']);
    expect(services.kurrentdb.image).toMatch(/^kurrentplatform\/kurrentdb(:|$)/);
  });

  it('keeps the KurrentDB stack out of the PostgreSQL one: its own coordination, Redis prefix, database, topic', () => {
    const envOf = (name: string) => services[name].environment ?? {};
    for (const variable of ['DATABASE_URL', 'MONGODB_URL', 'REDIS_KEY_PREFIX', 'KAFKA_TOPIC']) {
      expect(envOf('kurrentdb-app1')[variable]).toBeDefined();
      expect(envOf('kurrentdb-app1')[variable]).not.toEqual(envOf('app1')[variable]);
    }
    for (const [, app] of apps.filter(([, s]) => !onKurrentDb(s))) {
      expect(Object.keys(app.depends_on ?? {}).filter((name) => services[name].profiles)).toEqual([]);
    }
  });
});
