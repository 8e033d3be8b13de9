import { ADMIN_KEY, RunningApp } from './support/app';
import { Client } from './support/client';
import { eventStoreOf } from './support/e2e';
import { TwoInstances, startTwoInstances } from './support/production';
import { describeWithProductionServices } from './support/services';
import { SteppedClock } from './support/clocks';
import { waitlistEnv, waitlistScenario } from './support/waitlist';

describeWithProductionServices('waiting list on two production instances', () => {
  const clock = new SteppedClock();
  let instances: TwoInstances | undefined;
  let a: RunningApp;
  let b: RunningApp;

  beforeAll(async () => {
    instances = await startTwoInstances('wl', waitlistEnv(), { clock });
    ({ a, b } = instances);
  });
  afterAll(() => instances?.close());

  it('joins, offers and payments alternate between the instances; one leader offers in join order', () =>
    waitlistScenario(new Client([a.url, b.url], ADMIN_KEY), clock, eventStoreOf(a)));
});
