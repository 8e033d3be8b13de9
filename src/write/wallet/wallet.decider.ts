import { Command, Decider, Event, assertNever } from '../../shared/decider';
import { refuse } from '../../shared/domain-error';

export const walletStream = (userId: string) => `Wallet-${userId}`;

/** Keeps every balance an exact integer in JavaScript. */
export const MAX_BALANCE = 1_000_000_000_000;

export type WalletCharged = Event<
  'WalletCharged',
  { userId: string; chargeId: string; amount: number; balance: number }
>;
export type WalletDebited = Event<
  'WalletDebited',
  { userId: string; paymentId: string; amount: number; balance: number }
>;
export type WalletRefunded = Event<
  'WalletRefunded',
  { userId: string; paymentId: string; amount: number; balance: number }
>;
export type WalletEvent = WalletCharged | WalletDebited | WalletRefunded;

export type ChargeWallet = Command<'ChargeWallet', { userId: string; chargeId: string; amount: number }>;
export type DebitWallet = Command<'DebitWallet', { userId: string; paymentId: string; amount: number }>;
export type RefundWallet = Command<'RefundWallet', { userId: string; paymentId: string }>;
export type WalletCommand = ChargeWallet | DebitWallet | RefundWallet;

export type WalletState = {
  readonly balance: number;
  /** Ids already applied, so a retried charge or payment changes nothing. */
  readonly charges: ReadonlySet<string>;
  readonly debits: ReadonlyMap<string, number>;
  readonly refunds: ReadonlySet<string>;
};

export const walletDecider: Decider<WalletState, WalletCommand, WalletEvent> = {
  initialState: () => ({ balance: 0, charges: new Set(), debits: new Map(), refunds: new Set() }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'WalletCharged':
        return { ...state, balance: event.data.balance, charges: new Set(state.charges).add(event.data.chargeId) };
      case 'WalletDebited':
        return {
          ...state,
          balance: event.data.balance,
          debits: new Map(state.debits).set(event.data.paymentId, event.data.amount),
        };
      case 'WalletRefunded':
        return { ...state, balance: event.data.balance, refunds: new Set(state.refunds).add(event.data.paymentId) };
      default:
        return assertNever(event);
    }
  },
  decide: (command, state) => {
    switch (command.type) {
      case 'ChargeWallet': {
        const { userId, chargeId, amount } = command.data;
        if (!Number.isSafeInteger(amount) || amount <= 0)
          return refuse('VALIDATION_FAILED', 'a charge is a positive integer');
        if (state.charges.has(chargeId)) return [];
        if (state.balance + amount > MAX_BALANCE) {
          return refuse('BALANCE_LIMIT_EXCEEDED', `a balance cannot exceed ${MAX_BALANCE}`);
        }
        return [{ type: 'WalletCharged', data: { userId, chargeId, amount, balance: state.balance + amount } }];
      }
      case 'DebitWallet': {
        const { userId, paymentId, amount } = command.data;
        if (!Number.isSafeInteger(amount) || amount < 0)
          return refuse('VALIDATION_FAILED', 'a debit is a non-negative integer');
        if (state.debits.has(paymentId)) return [];
        if (state.balance < amount) {
          return refuse('INSUFFICIENT_BALANCE', `balance ${state.balance} is below ${amount}`, {
            balance: state.balance,
            amount,
          });
        }
        return [{ type: 'WalletDebited', data: { userId, paymentId, amount, balance: state.balance - amount } }];
      }
      case 'RefundWallet': {
        const { userId, paymentId } = command.data;
        const amount = state.debits.get(paymentId);
        if (amount === undefined || state.refunds.has(paymentId)) return [];
        return [{ type: 'WalletRefunded', data: { userId, paymentId, amount, balance: state.balance + amount } }];
      }
      default:
        return assertNever(command);
    }
  },
};
