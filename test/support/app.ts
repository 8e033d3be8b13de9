import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig, loadConfig } from '../../src/config';
import { createApp } from '../../src/app/create-app';
import { CoreOptions } from '../../src/app/core.module';
import { Client } from './client';

export type RunningApp = {
  app: NestFastifyApplication;
  config: AppConfig;
  url: string;
  client: Client;
  close(): Promise<void>;
};

export const ADMIN_KEY = 'test-admin-key-0123456789';

/** Login and signup limits no suite reaches (the defaults would refuse a suite's hundreds of users from one address). */
export const GENEROUS_AUTH_THROTTLES = {
  AUTH_THROTTLE_PER_ACCOUNT: '1000000',
  AUTH_THROTTLE_LOGIN_PER_ADDRESS: '1000000',
  AUTH_THROTTLE_SIGNUP_PER_ADDRESS: '1000000',
};

/** Starts the whole service on a free port; by default embedded, on a fresh DATA_DIR. */
export async function startApp(env: Record<string, string> = {}, options: CoreOptions = {}): Promise<RunningApp> {
  const config = loadConfig({
    DATA_DIR: mkdtempSync(join(tmpdir(), 'tickets-')),
    ADMIN_KEY,
    JWT_SECRET: 'test-jwt-secret-0123456789abcdef',
    LOG_LEVEL: 'warn',
    PORT: '0',
    HOST: '127.0.0.1',
    // Suites sign up and log in many users from 127.0.0.1; the throttle suites set their own limits.
    ...GENEROUS_AUTH_THROTTLES,
    ...env,
  });
  const app = await createApp(config, { tickMs: 50, staleFlowMs: 300, ...options });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  return { app, config, url, client: new Client(url, ADMIN_KEY), close: () => app.close() };
}
