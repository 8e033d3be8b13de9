import { Inject, Injectable } from '@nestjs/common';
import {
  BeginOutcome,
  COORDINATION,
  Coordination,
  IdempotencyReplies,
  StoredResponse,
} from '../../event-store/coordination/coordination.port';

export type { BeginOutcome, StoredResponse } from '../../event-store/coordination/coordination.port';

/**
 * The HTTP edge's handle on the idempotency replies of the coordination port
 * (shared by all instances, so a retry that lands on another instance, or
 * after a restart, still replays instead of acting twice).
 */
@Injectable()
export class IdempotencyStore implements IdempotencyReplies {
  private readonly replies: IdempotencyReplies;

  constructor(@Inject(COORDINATION) coordination: Coordination) {
    this.replies = coordination.idempotency;
  }

  begin(scope: string, key: string, hash: string): Promise<BeginOutcome> {
    return this.replies.begin(scope, key, hash);
  }

  complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    return this.replies.complete(scope, key, response);
  }

  abandon(scope: string, key: string): Promise<void> {
    return this.replies.abandon(scope, key);
  }

  /** Expired keys are dead weight; call from a periodic job. Returns how many were removed. */
  purgeExpired(): Promise<number> {
    return this.replies.purgeExpired();
  }
}
