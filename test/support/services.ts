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
