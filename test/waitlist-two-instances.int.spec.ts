import { ADMIN_KEY, RunningApp, startApp } from './support/app';
import { Client } from './support/client';
import { eventStoreOf } from './support/e2e';
import { freshProductionEnv } from './support/production';
import { describeWithProductionServices } from './support/services';
import { SteppedClock } from './support/clocks';
import { waitlistEnv, waitlistScenario } from './support/waitlist';

describeWithProductionServices('waiting list on two production instances', () => {
  const clock = new SteppedClock();
  let fresh: Awaited<ReturnType<typeof freshProductionEnv>>;
  let a: RunningApp;
  let b: RunningApp;

  beforeAll(async () => {
    fresh = await freshProductionEnv();
    a = await startApp({ ...fresh.env, ...waitlistEnv(), INSTANCE_ID: 'wl-a' }, { clock });
    b = await startApp({ ...fresh.env, ...waitlistEnv(), INSTANCE_ID: 'wl-b' }, { clock });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await fresh?.drop();
  });

  it('joins, offers and payments alternate between the instances; one leader offers in join order', () =>
    waitlistScenario(new Client([a.url, b.url], ADMIN_KEY), clock, eventStoreOf(a)));
});
