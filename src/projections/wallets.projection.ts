import type { WalletEvent } from '../write/wallet/wallet.decider';
import { Document, Projection, data, documentId } from './projection';

export type WalletDoc = Document & { userId: string; balance: number };

export const walletsProjection: Projection<WalletDoc> = {
  name: 'wallets',
  version: 1,
  handles: ['WalletCharged', 'WalletDebited', 'WalletRefunded'],
  documentIds: (event) => [documentId(data<{ userId: string }>(event).userId)],
  // Every wallet event carries the balance after it, so applying is an assignment: replays cannot drift.
  apply: (_doc, event) => {
    const { userId, balance } = data<WalletEvent['data']>(event);
    return { position: 0, userId, balance };
  },
};
