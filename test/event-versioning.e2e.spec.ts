import { EVENT_UPCASTERS } from '../src/event-store/upcasting/event-upcasters';
import { Upcasters } from '../src/event-store/upcasting/upcasters';
import { openEventStore } from '../src/event-store/open-event-store';
import { fromMessage, toMessage } from '../src/messaging/event-log-topic';
import { walletStream } from '../src/write/wallet/wallet.decider';
import { startApp } from './support/app';
import { User } from './support/client';
import { eventStoreAdminOf, removeDataDirs, tempDataDir } from './support/e2e';

/**
 * Event versioning, end to end. An older build wrote WalletCharged as
 * version 1, `{ userId, chargeId, won, balanceAfter }`; this build's shape is
 * `{ userId, chargeId, amount, balance }`, so the type moves to version 2
 * with one upcaster. The old event stays as written, and the real handlers
 * and projections see version 2 only.
 */
describe('an event type whose shape changed', () => {
  afterAll(() => removeDataDirs());

  it('is read in its current shape by projections, command handlers and the Kafka feed alike', async () => {
    const dataDir = tempDataDir();
    const before = await startApp({ DATA_DIR: dataDir });
    const user = await before.client.user();
    await before.close();

    // What the older build wrote: it knew WalletCharged at version 1 only.
    const older = await openEventStore({ kind: 'pglite', dataDir }, new Upcasters());
    await older.append(
      walletStream(user.userId),
      [
        {
          id: 'charge-v1',
          type: 'WalletCharged',
          data: { userId: user.userId, chargeId: 'c-1', won: 7000, balanceAfter: 7000 },
        },
      ],
      'no_stream',
    );
    await older.close();

    EVENT_UPCASTERS.register(
      'WalletCharged',
      1,
      (v1: { userId: string; chargeId: string; won: number; balanceAfter: number }) => ({
        userId: v1.userId,
        chargeId: v1.chargeId,
        amount: v1.won,
        balance: v1.balanceAfter,
      }),
    );
    const after = await startApp({ DATA_DIR: dataDir });
    try {
      const me = new User(after.client, user.userId, user.accessToken);
      // The wallets projection, replayed at boot from the old event.
      expect((await me.call('GET', '/v1/wallet')).body).toEqual({ balance: 7000 });
      // The charge handler folds the old event through the decider: 7000 + 500.
      expect((await me.charge(500)).body).toEqual({ balance: 7500 });

      const store = eventStoreAdminOf(after);
      const read = await store.readStream(walletStream(user.userId));
      expect(read.map((e) => [e.data, e.metadata.schemaVersion])).toEqual([
        [{ userId: user.userId, chargeId: 'c-1', amount: 7000, balance: 7000 }, 2],
        [expect.objectContaining({ amount: 500, balance: 7500 }), 2],
      ]);
      // Stored as written: the old event still says version 1, the new one was stamped 2.
      const stored = (await store.readStored(0, 1000)).filter((e) => e.streamId === walletStream(user.userId));
      expect(stored.map((e) => [e.metadata.schemaVersion, 'won' in (e.data as object)])).toEqual([
        [1, true],
        [2, false],
      ]);
      // A message relayed by the older build, still in the topic, is upcast when a Kafka-fed projection reads it.
      const relayed = fromMessage(toMessage(stored[0], 'log-1'));
      expect(relayed.data).toEqual({ userId: user.userId, chargeId: 'c-1', amount: 7000, balance: 7000 });
      expect(relayed.metadata.schemaVersion).toBe(2);
    } finally {
      await after.close();
    }
  }, 60_000);
});
