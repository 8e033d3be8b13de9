import { loadConfig } from './config';

const PG = 'postgres://u:p@db:5432/tickets';
const KURRENT = 'kurrentdb://kurrentdb:2113?tls=false';

describe('loadConfig: which event store', () => {
  it('is the embedded PGlite store in DATA_DIR by default', () => {
    expect(loadConfig({ DATA_DIR: '/tmp/x' }).eventStore).toEqual({ kind: 'pglite', dataDir: '/tmp/x' });
  });

  it('is PostgreSQL when DATABASE_URL is set, or asked for with it', () => {
    expect(loadConfig({ DATABASE_URL: PG }).eventStore).toEqual({ kind: 'postgres', url: PG });
    expect(loadConfig({ EVENT_STORE: 'postgres', DATABASE_URL: PG }).eventStore).toEqual({ kind: 'postgres', url: PG });
    expect(() => loadConfig({ EVENT_STORE: 'postgres' })).toThrow('EVENT_STORE=postgres needs DATABASE_URL');
  });

  it('is KurrentDB for the log with PostgreSQL for coordination when EVENT_STORE=kurrentdb', () => {
    expect(loadConfig({ EVENT_STORE: 'kurrentdb', KURRENTDB_URL: KURRENT, DATABASE_URL: PG }).eventStore).toEqual({
      kind: 'kurrentdb',
      url: KURRENT,
      coordinationUrl: PG,
    });
  });

  it('says which URL EVENT_STORE=kurrentdb is missing', () => {
    expect(() => loadConfig({ EVENT_STORE: 'kurrentdb', DATABASE_URL: PG })).toThrow(
      'EVENT_STORE=kurrentdb needs KURRENTDB_URL (the log on KurrentDB, coordination on PostgreSQL)',
    );
    expect(() => loadConfig({ EVENT_STORE: 'kurrentdb', KURRENTDB_URL: KURRENT })).toThrow(
      'EVENT_STORE=kurrentdb needs DATABASE_URL',
    );
    expect(() => loadConfig({ EVENT_STORE: 'kurrentdb' })).toThrow(
      'EVENT_STORE=kurrentdb needs KURRENTDB_URL and DATABASE_URL',
    );
  });

  it('runs the production profile on KurrentDB', () => {
    const config = loadConfig({
      PROFILE: 'production',
      EVENT_STORE: 'kurrentdb',
      KURRENTDB_URL: KURRENT,
      DATABASE_URL: PG,
      REDIS_URL: 'redis://redis:6379',
      MONGODB_URL: 'mongodb://mongo:27017/rush_tickets',
      JWT_SECRET: 'a-secret-of-sixteen-or-more',
    });
    expect(config.eventStore.kind).toBe('kurrentdb');
    expect(config.readStores.kind).toBe('external');
  });

  it('refuses an event store it does not know', () => {
    expect(() => loadConfig({ EVENT_STORE: 'eventstoredb' })).toThrow(/invalid configuration: EVENT_STORE/);
  });

  it('ignores KURRENTDB_URL unless EVENT_STORE=kurrentdb', () => {
    expect(loadConfig({ KURRENTDB_URL: KURRENT, DATABASE_URL: PG }).eventStore.kind).toBe('postgres');
  });
});
