import { concertsProjection, schedulesProjection } from './catalog.projection';
import { Document, Projection } from './projection';
import { queuesProjection } from './queue.projection';
import { reservationsProjection } from './reservations.projection';
import { walletsProjection } from './wallets.projection';

export const ALL_PROJECTIONS = [
  concertsProjection,
  schedulesProjection,
  queuesProjection,
  reservationsProjection,
  walletsProjection,
] as unknown as readonly Projection<Document>[];
