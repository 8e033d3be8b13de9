import { loadConfig } from './config';
import { embeddedSecrets } from './app/embedded-secrets';
import { EarlyListener } from './http/early-listener';

async function main(): Promise<void> {
  const config = embeddedSecrets(loadConfig());
  const production = config.profile === 'production';
  // Production opens its port before the framework is loaded, so /health answers within moments of the
  // start whatever the machine's load or the log's size; embedded opens once it can serve. Between the
  // early listener closing and the application listening, a connection is refused for a few milliseconds.
  const early = production ? new EarlyListener() : undefined;
  await early?.listen(config.port, config.host);
  await import('reflect-metadata');
  const { createApp } = await import('./app/create-app');
  const { Lifecycle } = await import('./app/lifecycle');
  const app = await createApp(config, { returnBeforeStarted: production });
  await early?.close();
  await app.listen(config.port, config.host);
  const url = `http://localhost:${config.port}`;
  process.stdout.write(
    JSON.stringify({
      level: 30,
      time: Date.now(),
      msg: `listening on ${url} (profile ${config.profile}, event store ${config.eventStore.kind})`,
      adminKey: config.adminKeyGenerated ? config.adminKey : undefined,
      docs: `${url}/docs`,
    }) + '\n',
  );
  app.get(Lifecycle).started.catch((error: unknown) => {
    process.stderr.write(`failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
