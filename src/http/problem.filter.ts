import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Duplex } from 'node:stream';
import { problemOf, sendProblem } from './problem';

/** The contract's 64 KiB cap; pass it to `new FastifyAdapter({ bodyLimit: BODY_LIMIT })`. */
export const BODY_LIMIT = 64 * 1024;
/** Admin routes take whole concert schedules (100,000 seats) in one request. */
export const ADMIN_BODY_LIMIT = 16 * 1024 * 1024;
const ADMIN_PREFIX = '/v1/admin';

/**
 * The one place an error becomes an HTTP answer. Nest also routes Fastify's
 * own failures here (body too large, bad JSON, unknown route) through the
 * error and not-found handlers it installs on Fastify at init, so every
 * response shares one problem+json shape.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const problem = problemOf(exception);
    const request = host.switchToHttp().getRequest<FastifyRequest | undefined>();
    if (problem.unexpected) {
      const where = request ? `${request.method} ${request.url}` : host.getType();
      const stack = exception instanceof Error ? exception.stack : String(exception);
      this.logger.error(`unhandled error on ${where}`, stack);
    }
    if (host.getType() !== 'http') return;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (reply.sent) return;
    sendProblem(reply, problem);
  }
}

/**
 * Call once on the raw Fastify instance after NestFactory.create and before
 * app.init()/listen(), because onRoute only sees routes registered after it.
 *
 * It does not call setErrorHandler/setNotFoundHandler: Nest 11 installs both
 * itself during init and sends their errors through ProblemFilter (a second
 * setNotFoundHandler on the root would throw at start-up). What Fastify can
 * only do per route is the admin body limit.
 */
export function registerFastifyErrorHandling(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    if (route.url.startsWith(ADMIN_PREFIX) && (route.bodyLimit ?? 0) < ADMIN_BODY_LIMIT) {
      route.bodyLimit = ADMIN_BODY_LIMIT;
    }
  });
}

/**
 * Fastify options for the errors Fastify answers before Nest sees a request:
 * router refusals (a malformed URL) and unparsable HTTP on the socket. Path
 * parameters may be long enough to reach our own id checks, which say 404.
 */
export function edgeFastifyOptions() {
  return {
    routerOptions: { maxParamLength: 1000 },
    frameworkErrors: (error: Error, _request: unknown, reply: FastifyReply) => sendProblem(reply, problemOf(error)),
    clientErrorHandler: (_error: Error, socket: Duplex) => {
      const body = JSON.stringify({
        type: 'about:blank',
        title: 'Bad request',
        status: 400,
        detail: 'the request could not be parsed as HTTP',
        code: 'VALIDATION_FAILED',
      });
      if (socket.writable) {
        socket.end(
          `HTTP/1.1 400 Bad Request\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      } else socket.destroy();
    },
  };
}
