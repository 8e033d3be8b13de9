import { RunningApp, startApp } from './support/app';

describe('/metrics of a running service', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ STATE_CACHE_MB: '3' });
  });
  afterAll(() => app?.close());

  it('counts appended events by type', async () => {
    await app.client.createConcert(3);
    await app.client.createConcert(3);
    await app.client.user();
    const metrics = (await app.client.request<string>('GET', '/metrics')).body;
    expect(metrics).toMatch(/^events_appended_total\{type="ConcertCreated"\} 2$/m);
    expect(metrics).toMatch(/^events_appended_total\{type="UserRegistered"\} 1$/m);
  });

  it('shows the stream-state cache against its STATE_CACHE_MB budget', async () => {
    await app.client.user();
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // gauges are set once a second
    const metrics = (await app.client.request<string>('GET', '/metrics')).body;
    expect(metrics).toMatch(new RegExp(`^state_cache\\{measure="budget_bytes"\\} ${3 * 1024 * 1024}$`, 'm'));
    const used = Number(/^state_cache\{measure="bytes"\} (\d+)$/m.exec(metrics)?.[1]);
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(3 * 1024 * 1024);
    expect(metrics).toMatch(/^state_cache_lookups_total\{result="hit"\} \d+$/m);
  });
});
