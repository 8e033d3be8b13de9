import { RunningApp, startApp } from './support/app';

describe('/metrics of a running service', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp();
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
});
