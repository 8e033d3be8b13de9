import type { FastifyInstance } from 'fastify';
import { problemOf, sendProblem } from '../problem';
import { jsonBodyParser, textBodyParser } from './json-body';
import { checkBodyStrings, checkRequestStrings } from './string-rules';

/**
 * Input rules every request meets before a route sees it, so that no route
 * (present or future) can hand a store a string it refuses or a client a 500:
 * - every string in a path parameter, query parameter, header or body is
 *   well-formed UTF-8 without NUL, within INPUT_LIMITS (string-rules.ts);
 * - a JSON body repeats no key and nests at most INPUT_LIMITS.bodyDepth deep
 *   (json-body.ts).
 * Anything else is 400 VALIDATION_FAILED as problem+json.
 *
 * Registered on the raw Fastify instance before NestFactory.create, so these
 * hooks run ahead of every other (throttles, idempotency, guards): a refused
 * request costs nothing further and writes nothing. The JSON parser replaces
 * Nest's, which is why create-app.ts passes `bodyParser: false` (with it, Nest
 * would register its own at init and Fastify would refuse the second one).
 */
export function registerInputRules(fastify: FastifyInstance): void {
  const parseAs = 'buffer';
  // No bodyLimit here: the instance's (64 KiB) applies, and a route's own (16 MiB on admin routes) wins over it.
  fastify.addContentTypeParser('application/json', { parseAs }, jsonBodyParser(fastify));
  fastify.addContentTypeParser('text/plain', { parseAs }, textBodyParser);

  // Path parameters and the query are known once the route matched, which is before onRequest.
  fastify.addHook('onRequest', (request, reply, done) => {
    try {
      checkRequestStrings(request);
    } catch (error) {
      sendProblem(reply, problemOf(error));
      return;
    }
    done();
  });

  fastify.addHook('preValidation', (request, reply, done) => {
    try {
      checkBodyStrings(request.body);
    } catch (error) {
      sendProblem(reply, problemOf(error));
      return;
    }
    done();
  });
}
