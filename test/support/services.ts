/**
 * Integration suites run when their service URL is set. Under
 * REQUIRE_SERVICES=1 (CI) a missing URL fails the suite instead of skipping it.
 */
export function describeWithService(variable: string, name: string, body: (url: string) => void): void {
  const url = process.env[variable];
  if (url) {
    describe(name, () => body(url));
    return;
  }
  if (process.env.REQUIRE_SERVICES === '1') {
    describe(name, () => {
      it(`needs ${variable}`, () => {
        throw new Error(`${variable} is not set but REQUIRE_SERVICES=1`);
      });
    });
    return;
  }
  describe.skip(`${name} (set ${variable} to run)`, () => {
    it('skipped', () => undefined);
  });
}

export const PRODUCTION_SERVICES = ['DATABASE_URL', 'REDIS_URL', 'MONGODB_URL'] as const;

/**
 * Runs `body` when PostgreSQL, Redis and a MongoDB-wire server are all given
 * (and the `also` variables, e.g. KAFKA_BROKERS); under REQUIRE_SERVICES=1 a
 * missing one fails instead of skipping.
 */
export function describeWithProductionServices(name: string, body: () => void, also: readonly string[] = []): void {
  const missing = [...PRODUCTION_SERVICES, ...also].filter((v) => !process.env[v]);
  if (!missing.length) return describe(name, body);
  if (process.env.REQUIRE_SERVICES === '1') {
    return describe(name, () => {
      it(`needs ${missing.join(', ')}`, () => {
        throw new Error(`${missing.join(', ')} not set but REQUIRE_SERVICES=1`);
      });
    });
  }
  describe.skip(`${name} (set ${missing.join(', ')} to run)`, () => {
    it('skipped', () => undefined);
  });
}

/** The production services and a Kafka broker (KAFKA_BROKERS). */
export const describeWithProductionServicesAndKafka = (name: string, body: () => void) =>
  describeWithProductionServices(name, body, ['KAFKA_BROKERS']);
