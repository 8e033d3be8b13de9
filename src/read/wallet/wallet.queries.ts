import { Controller, Get, Res } from '@nestjs/common';
import { IQueryHandler, Query, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUser } from '../../http/auth/current-user.decorator';
import { answer } from '../answer';
import { Answer } from '../breakers/read-breaker';
import { GuardedReads } from '../guarded-reads';
import { ReadRequest, readNow, readRequestOf } from '../read-deadline';

export class GetWallet extends Query<Answer<{ balance: number }>> {
  constructor(
    readonly userId: string,
    readonly request: ReadRequest = readNow(),
  ) {
    super();
  }
}

@QueryHandler(GetWallet)
export class GetWalletHandler implements IQueryHandler<GetWallet> {
  constructor(private readonly reads: GuardedReads) {}

  async execute({ userId, request }: GetWallet): Promise<Answer<{ balance: number }>> {
    const { value, staleMs } = await this.reads.documents(request, `wallet:${userId}`, (r) => r.walletBalance(userId));
    // No wallet event yet is a real zero, not a missing answer.
    return { value: { balance: value ?? 0 }, staleMs };
  }
}

@ApiTags('wallet')
@Controller('v1/wallet')
export class WalletQueriesController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  async get(@CurrentUser() userId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, await this.queries.execute(new GetWallet(userId, readRequestOf(reply))));
  }
}
