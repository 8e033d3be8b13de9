import type { RecordedEvent } from '../src/event-store/event-store.port';
import { preQueueOrder } from '../src/shared/pre-queue-order';
import type { QueueOpened } from '../src/write/queue/admission.decider';
import type { QueueJoined } from '../src/write/queue/queue-entry.decider';
import { ADMIN_KEY, RunningApp } from './support/app';
import { User } from './support/client';
import { allEvents, pollUntil, registeredUsers, sameUserOn } from './support/e2e';
import { TwoInstances, startTwoInstances } from './support/production';
import { describeWithProductionServices } from './support/services';

const EARLY = 40;

/**
 * The pre-queue on two production instances: joins land on both, whichever
 * instance leads opens the sale, and the Redis read model (its own Lua form of
 * the shuffle) answers on either instance the places the seed in QueueOpened gives.
 */
describeWithProductionServices('scheduled opening across two production instances', () => {
  let instances: TwoInstances | undefined;
  let a: RunningApp;
  let b: RunningApp;

  beforeAll(async () => {
    // One slot: the places of the rest of the pre-queue stay readable.
    instances = await startTwoInstances('open', { QUEUE_ACTIVE_CAPACITY: '1', QUEUE_ACTIVE_TTL_SECONDS: '600' });
    ({ a, b } = instances);
  });
  afterAll(() => instances?.close());

  it('joins on both answer PRE_QUEUE; after the opening both read the shuffled places', async () => {
    const created = await a.client.request('POST', '/v1/admin/concerts', {
      headers: { 'x-admin-key': ADMIN_KEY },
      body: {
        title: 'Opening soon',
        schedules: [{ startsAt: '2030-01-01T19:00:00.000Z', seats: [{ seatNo: 1, price: 10 }] }],
        onSaleAt: new Date(Date.now() + 3_600_000).toISOString(),
      },
    });
    expect(created.status).toBe(201);
    const concertId = created.body.concertId as string;
    const users = await registeredUsers(a, EARLY, 'open');
    const onB = users.map((user, i) => (i % 2 === 0 ? user : sameUserOn(b.client, user)));
    for (const user of onB) {
      const joined = await user.join(concertId);
      expect(joined.status).toBe(201);
      expect(joined.body.status).toBe('PRE_QUEUE');
    }
    const moved = await b.client.request('PATCH', `/v1/admin/concerts/${concertId}`, {
      headers: { 'x-admin-key': ADMIN_KEY },
      body: { onSaleAt: new Date(Date.now() + 1_000).toISOString() },
    });
    expect(moved.status).toBe(200);

    const opened = await pollUntil(
      async () => (await allEvents(a)).find((e) => e.type === 'QueueOpened'),
      (event) => event !== undefined,
      15_000,
    );
    const { seed } = (opened as RecordedEvent & { data: QueueOpened['data'] }).data;
    const joins = (await allEvents(a)).filter(
      (e): e is RecordedEvent & { data: QueueJoined['data'] } =>
        e.type === 'QueueJoined' && (e.data as QueueJoined['data']).concertId === concertId,
    );
    const order = preQueueOrder(joins.length, seed);
    // Admission order: the user whose join came order[0]-th first, and so on.
    const admitted = [...order].map((joinIndex) => joins[joinIndex].data.userId);
    const admission = await pollUntil(
      async () => (await allEvents(a)).find((e) => e.type === 'QueueAdmitted'),
      (event) => event !== undefined,
      15_000,
    );
    const minPosition = String(admission!.position);
    const placeOn = async (user: User) => {
      const answer = await user.call('GET', '/v1/queue/status', undefined, { 'x-min-position': minPosition });
      return answer.body as { status: string; position?: number };
    };
    for (const [i, user] of onB.entries()) {
      const fromA = await placeOn(sameUserOn(a.client, user));
      const fromB = await placeOn(sameUserOn(b.client, user));
      expect(fromB).toEqual(fromA);
      const rank = admitted.indexOf(user.userId);
      // The first in admission order holds the only slot; the rest wait in the seed's order behind it.
      if (rank === 0) expect(fromA.status).toBe('ACTIVE');
      else expect([i, fromA]).toEqual([i, expect.objectContaining({ status: 'WAITING', position: rank })]);
    }
  });
});
