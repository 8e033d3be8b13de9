import { RunningApp, startApp } from './support/app';
import { purchaseFlowCheck } from './support/purchase-flow';

describe('the whole purchase flow over HTTP', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp();
  });
  afterAll(() => running.close());

  it('signs up, queues, holds, charges and pays; seats end SOLD and the token DONE', () =>
    purchaseFlowCheck(running.client));
});
