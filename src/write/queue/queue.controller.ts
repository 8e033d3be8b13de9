import { Controller, Inject, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CONFIG, AppConfig } from '../../config';
import { CurrentUser } from '../../http/auth/current-user.decorator';
import { TokenService } from '../../http/auth/token.service';
import { parseId } from '../../shared/ids';
import { etaSeconds } from '../../shared/queue-eta';
import { markPosition } from '../respond';
import { JoinAnswer, JoinQueueCommand } from './join-queue/join-queue.handler';

@ApiTags('queue')
@Controller('v1/concerts/:concertId/queue')
export class QueueController {
  constructor(
    private readonly commands: CommandBus,
    private readonly tokens: TokenService,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  /** 201 with a new token, or 200 with the same token while the user's entry is still live. */
  @Post()
  async join(
    @Param('concertId') rawConcertId: string,
    @CurrentUser() userId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const concertId = parseId(rawConcertId, 'concertId');
    const { entryId, created, position, place, paused, admitPerMinute, opensInSeconds }: JoinAnswer =
      await this.commands.execute(new JoinQueueCommand(concertId, userId));
    markPosition(reply, position);
    reply.status(created ? 201 : 200);
    // The place comes from the write side's own index of the line, not from a read model.
    const view = place.admitted
      ? { status: 'ACTIVE', etaSeconds: 0 }
      : place.preQueue
        ? { status: 'PRE_QUEUE', etaSeconds: opensInSeconds }
        : paused
          ? { status: 'PAUSED', position: place.position, etaSeconds: null }
          : {
              status: 'WAITING',
              position: place.position,
              etaSeconds: etaSeconds(place.position, place.admittedLastMinute, this.config, admitPerMinute),
            };
    return { queueToken: this.tokens.signQueue({ userId, concertId, entryId }), ...view };
  }
}
