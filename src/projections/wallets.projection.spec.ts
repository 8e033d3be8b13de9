import type { RecordedEvent } from '../event-store/event-store.port';
import { plain, project, recorded, redeliveries } from '../shared/given-when-then';
import type { WalletEvent } from '../write/wallet/wallet.decider';
import { walletsProjection } from './wallets.projection';

const wallet = (userId: string, event: WalletEvent): [string, WalletEvent] => [`Wallet-${userId}`, event];
const charged = (userId: string, chargeId: string, amount: number, balance: number) =>
  wallet(userId, { type: 'WalletCharged', data: { userId, chargeId, amount, balance } });
const debited = (userId: string, paymentId: string, amount: number, balance: number) =>
  wallet(userId, { type: 'WalletDebited', data: { userId, paymentId, amount, balance } });
const refunded = (userId: string, paymentId: string, amount: number, balance: number) =>
  wallet(userId, { type: 'WalletRefunded', data: { userId, paymentId, amount, balance } });

const LOG = recorded(
  charged('u1', 'c1', 500, 500),
  charged('u2', 'c2', 40, 40),
  debited('u1', 'p1', 300, 200),
  refunded('u1', 'p1', 300, 500),
  debited('u1', 'p2', 100, 400),
  debited('u2', 'p3', 40, 0),
);

const wallets = (batches: readonly (readonly RecordedEvent[])[] = [LOG]) =>
  project(walletsProjection, batches).collection;

describe('wallets projection', () => {
  it('shows the balance after each user’s latest wallet event', () => {
    expect(plain(wallets())).toEqual([
      ['u1', { position: 5, userId: 'u1', balance: 400 }],
      ['u2', { position: 6, userId: 'u2', balance: 0 }],
    ]);
  });

  it.each(Object.entries(redeliveries(LOG)))('gives the same read model when delivered as: %s', (_, batches) => {
    expect(plain(wallets(batches))).toEqual(plain(wallets([LOG])));
  });

  it('an older event delivered again does not roll the balance back', () => {
    expect(wallets([LOG, [LOG[0]], [LOG[2]]]).get('u1')).toMatchObject({ balance: 400, position: 5 });
  });
});
