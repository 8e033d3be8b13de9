import { T0, at, decided, fold, given, refused } from '../../shared/given-when-then';
import {
  ChargeWallet,
  DebitWallet,
  MAX_BALANCE,
  RefundWallet,
  WalletCharged,
  WalletDebited,
  WalletRefunded,
  walletDecider,
  walletStream,
} from './wallet.decider';

const U = 'u1';
const charged = (chargeId: string, amount: number, balance: number): WalletCharged => ({
  type: 'WalletCharged',
  data: { userId: U, chargeId, amount, balance },
});
const debited = (paymentId: string, amount: number, balance: number): WalletDebited => ({
  type: 'WalletDebited',
  data: { userId: U, paymentId, amount, balance },
});
const refunded = (paymentId: string, amount: number, balance: number): WalletRefunded => ({
  type: 'WalletRefunded',
  data: { userId: U, paymentId, amount, balance },
});

const charge = (chargeId: string, amount: number): ChargeWallet => ({
  type: 'ChargeWallet',
  data: { userId: U, chargeId, amount },
  metadata: at(T0),
});
const debit = (paymentId: string, amount: number): DebitWallet => ({
  type: 'DebitWallet',
  data: { userId: U, paymentId, amount },
  metadata: at(T0),
});
const refund = (paymentId: string): RefundWallet => ({
  type: 'RefundWallet',
  data: { userId: U, paymentId },
  metadata: at(T0),
});

describe('wallet decider', () => {
  describe('ChargeWallet', () => {
    it('adds the amount and records the balance after it', () => {
      expect(given(walletDecider, [charged('c1', 100, 100)]).when(charge('c2', 50))).toEqual(
        decided(charged('c2', 50, 150)),
      );
    });

    it('applies the same chargeId once (a retried Idempotency-Key)', () => {
      expect(given(walletDecider, [charged('c1', 100, 100)]).when(charge('c1', 100))).toEqual(decided());
    });

    it('refuses to go past MAX_BALANCE (BALANCE_LIMIT_EXCEEDED), but reaches it exactly', () => {
      const history = [charged('c1', MAX_BALANCE - 10, MAX_BALANCE - 10)];
      expect(given(walletDecider, history).when(charge('c2', 11))).toMatchObject(refused('BALANCE_LIMIT_EXCEEDED'));
      expect(given(walletDecider, history).when(charge('c2', 10))).toEqual(decided(charged('c2', 10, MAX_BALANCE)));
    });
  });

  describe('DebitWallet', () => {
    it('takes the amount and records the balance after it', () => {
      expect(given(walletDecider, [charged('c1', 100, 100)]).when(debit('p1', 30))).toEqual(
        decided(debited('p1', 30, 70)),
      );
    });

    it('may take the whole balance, down to exactly zero', () => {
      expect(given(walletDecider, [charged('c1', 100, 100)]).when(debit('p1', 100))).toEqual(
        decided(debited('p1', 100, 0)),
      );
    });

    it('never goes below zero: refuses with INSUFFICIENT_BALANCE and writes no event', () => {
      expect(given(walletDecider, [charged('c1', 100, 100)]).when(debit('p1', 101))).toEqual({
        refused: 'INSUFFICIENT_BALANCE',
        extra: { balance: 100, amount: 101 },
      });
    });

    it('refuses an empty wallet', () => {
      expect(given(walletDecider).when(debit('p1', 1))).toMatchObject(refused('INSUFFICIENT_BALANCE'));
    });

    it('applies the same paymentId once, even when the balance would no longer cover it', () => {
      expect(given(walletDecider, [charged('c1', 100, 100), debited('p1', 80, 20)]).when(debit('p1', 80))).toEqual(
        decided(),
      );
    });

    it('a second payment with another id is a second debit', () => {
      expect(given(walletDecider, [charged('c1', 100, 100), debited('p1', 30, 70)]).when(debit('p2', 30))).toEqual(
        decided(debited('p2', 30, 40)),
      );
    });
  });

  describe('RefundWallet', () => {
    const paidOnce = [charged('c1', 100, 100), debited('p1', 30, 70)];

    it('gives back what the payment took', () => {
      expect(given(walletDecider, paidOnce).when(refund('p1'))).toEqual(decided(refunded('p1', 30, 100)));
    });

    it('refunds once', () => {
      expect(given(walletDecider, [...paidOnce, refunded('p1', 30, 100)]).when(refund('p1'))).toEqual(decided());
    });

    it('refunds only a payment that was debited', () => {
      expect(given(walletDecider, paidOnce).when(refund('p2'))).toEqual(decided());
      expect(given(walletDecider).when(refund('p1'))).toEqual(decided());
    });

    it('a refunded payment id is still not debited again', () => {
      expect(given(walletDecider, [...paidOnce, refunded('p1', 30, 100)]).when(debit('p1', 30))).toEqual(decided());
    });
  });

  it('evolve takes the balance from the events and remembers every applied id', () => {
    const state = fold(walletDecider, [charged('c1', 100, 100), debited('p1', 30, 70), refunded('p1', 30, 100)]);
    expect(state.balance).toBe(100);
    expect([...state.charges]).toEqual(['c1']);
    expect([...state.debits]).toEqual([['p1', 30]]);
    expect([...state.refunds]).toEqual(['p1']);
  });

  it('names the stream Wallet-<userId>', () => {
    expect(walletStream('u9')).toBe('Wallet-u9');
  });
});
